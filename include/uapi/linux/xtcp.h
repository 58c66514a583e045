/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * xtcp - an alternate TCP-like transport for Linux, user-visible ABI.
 *
 * Open an xtcp socket with
 *
 *	socket(AF_INET, SOCK_STREAM, IPPROTO_XTCP);
 *
 * IPPROTO_XTCP is the IP protocol number xtcp uses on the wire: 253, one of
 * the two numbers RFC 3692 reserves for experimentation. The module can be
 * loaded with proto=254 to use the other one; programs then pass 254.
 */
#ifndef _UAPI_LINUX_XTCP_H
#define _UAPI_LINUX_XTCP_H

/* Default IP protocol number (RFC 3692 experimental, first of two). */
#define IPPROTO_XTCP		253
/* The other experimental number, selectable with the module's proto=254. */
#define IPPROTO_XTCP_ALT	254

/*
 * Socket options: setsockopt(fd, SOL_XTCP, XTCP_..., &int, sizeof(int)).
 *
 * The level is the protocol number, as SOL_TCP is IPPROTO_TCP: with the
 * module loaded as proto=254, pass 254. Each option has the number of the
 * TCP option it mirrors and the same meaning, values and errors, so code
 * written for TCP needs only the level changed. Other TCP options are not
 * implemented: ENOPROTOOPT. On an xtcp socket SOL_TCP is another protocol's
 * level, refused as on a UDP socket (setsockopt ENOPROTOOPT, getsockopt
 * EOPNOTSUPP).
 */
#define SOL_XTCP		IPPROTO_XTCP

/* int, 0 or 1: send small segments at once, without Nagle's algorithm */
#define XTCP_NODELAY		1	/* TCP_NODELAY */
/*
 * int: the largest segment to send and to announce in the SYN's MSS option
 * (88..32767; 0 restores the route's); set before connect() or listen().
 * Read on a connection: the largest segment it sends.
 */
#define XTCP_MAXSEG		2	/* TCP_MAXSEG */

#endif /* _UAPI_LINUX_XTCP_H */
