/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for selftests that run the same scenario on TCP and on xtcp: the
 * loopback interface, each protocol's tunables and counters by xtcp's
 * names, a millisecond clock, slab counts, a TUN device.
 */
#ifndef XTCP_SELFTEST_PROTO_H
#define XTCP_SELFTEST_PROTO_H

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <time.h>
#include <arpa/inet.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "xtcp_util.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* Bring up "lo" in the current network namespace; 0 or -1. */
static inline int lo_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int err = -1;

	if (fd < 0)
		return -1;
	if (!ioctl(fd, SIOCGIFFLAGS, &ifr)) {
		ifr.ifr_flags |= IFF_UP;
		err = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return err;
}

/* Per-protocol tunables; NULL where the protocol has no such knob. */
enum knob {
	SYN_RETRIES, SYNACK_RETRIES, SYNACK_TIMEOUT_MS, MAX_SYN_BACKLOG,
	ABORT_ON_OVERFLOW, SYNCOOKIES, N_KNOBS
};

static const char * const tcp_knobs[N_KNOBS] = {
	[SYN_RETRIES]	    = "/proc/sys/net/ipv4/tcp_syn_retries",
	[SYNACK_RETRIES]    = "/proc/sys/net/ipv4/tcp_synack_retries",
	[MAX_SYN_BACKLOG]   = "/proc/sys/net/ipv4/tcp_max_syn_backlog",
	[ABORT_ON_OVERFLOW] = "/proc/sys/net/ipv4/tcp_abort_on_overflow",
	[SYNCOOKIES]	    = "/proc/sys/net/ipv4/tcp_syncookies",
};

static const char * const xtcp_knobs[N_KNOBS] = {
	[SYN_RETRIES]	    = "/proc/sys/net/xtcp/syn_retries",
	[SYNACK_RETRIES]    = "/proc/sys/net/xtcp/synack_retries",
	[SYNACK_TIMEOUT_MS] = "/proc/sys/net/xtcp/synack_timeout_ms",
	[MAX_SYN_BACKLOG]   = "/proc/sys/net/xtcp/max_syn_backlog",
	[ABORT_ON_OVERFLOW] = "/proc/sys/net/xtcp/abort_on_overflow",
};

/* Set knob @k of protocol @proto; 0 if it has no such knob. */
static inline int set_knob(int proto, enum knob k, long val)
{
	const char *path = (proto == IPPROTO_TCP ? tcp_knobs : xtcp_knobs)[k];
	char buf[32];

	if (!path)
		return 0;
	snprintf(buf, sizeof(buf), "%ld\n", val);
	return write_file(path, buf);
}

/* First SYN/SYN-ACK retransmission timeout: TCP's is fixed at 1 s. */
static inline long rto_ms(int proto)
{
	if (proto == IPPROTO_TCP)
		return 1000;
	return read_long(xtcp_knobs[SYNACK_TIMEOUT_MS]);
}

/*
 * Value of @name in a /proc/net/{snmp,netstat} style file: pairs of lines
 * "Prefix: Name1 Name2 ..." / "Prefix: v1 v2 ...". -1 if missing.
 */
static inline long proc_mib(const char *path, const char *prefix, const char *name)
{
	char *hdr = NULL, *val = NULL, *hs, *vs, *h, *v;
	size_t hlen = 0, vlen = 0, plen = strlen(prefix);
	long ret = -1;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	while (getline(&hdr, &hlen, f) > 0 && getline(&val, &vlen, f) > 0) {
		if (strncmp(hdr, prefix, plen) || hdr[plen] != ':')
			continue;
		h = strtok_r(hdr + plen + 1, "\n ", &hs);
		v = strtok_r(val + plen + 1, "\n ", &vs);
		while (h && v) {
			if (!strcmp(h, name)) {
				ret = strtol(v, NULL, 10);
				break;
			}
			h = strtok_r(NULL, "\n ", &hs);
			v = strtok_r(NULL, "\n ", &vs);
		}
		break;
	}
	free(hdr);
	free(val);
	fclose(f);
	return ret;
}

/*
 * Counter @name of protocol @proto in the current namespace, by xtcp's name
 * (/proc/net/xtcp/snmp); for TCP its equivalent in /proc/net/snmp "Tcp:"
 * or /proc/net/netstat "TcpExt:" (-1 if TCP has none). TCP's
 * TCPSynRetrans counts SYN and SYN-ACK retransmissions together; xtcp
 * splits them. TCP's TCPAbortOnData counts both an abort by SO_LINGER
 * {1, 0} (tcp_close()) and data arriving after shutdown(SHUT_RD) in
 * FIN_WAIT1/2, which xtcp counts apart (AbortOnLinger, AbortOnData); an
 * orphan reset for max_orphans is TCP's TCPAbortOnMemory.
 */
static inline long mib(int proto, const char *name)
{
	static const struct {
		const char *xtcp, *file, *prefix, *tcp;
	} map[] = {
		{ "ActiveOpens", "/proc/net/snmp", "Tcp", "ActiveOpens" },
		{ "PassiveOpens", "/proc/net/snmp", "Tcp", "PassiveOpens" },
		{ "AttemptFails", "/proc/net/snmp", "Tcp", "AttemptFails" },
		{ "CurrEstab", "/proc/net/snmp", "Tcp", "CurrEstab" },
		{ "OutRsts", "/proc/net/snmp", "Tcp", "OutRsts" },
		{ "RetransSegs", "/proc/net/snmp", "Tcp", "RetransSegs" },
		{ "ListenOverflows", "/proc/net/netstat", "TcpExt", "ListenOverflows" },
		{ "ListenDrops", "/proc/net/netstat", "TcpExt", "ListenDrops" },
		{ "ChallengeAcks", "/proc/net/netstat", "TcpExt", "TCPChallengeACK" },
		{ "SynRetrans", "/proc/net/netstat", "TcpExt", "TCPSynRetrans" },
		{ "SynAckRetrans", "/proc/net/netstat", "TcpExt", "TCPSynRetrans" },
		{ "Timeouts", "/proc/net/netstat", "TcpExt", "TCPTimeouts" },
		{ "FastRetrans", "/proc/net/netstat", "TcpExt", "TCPFastRetrans" },
		{ "DelayedAcks", "/proc/net/netstat", "TcpExt", "DelayedACKs" },
		{ "OutOfOrderQueued", "/proc/net/netstat", "TcpExt", "TCPOFOQueue" },
		{ "ZeroWindowProbes", "/proc/net/netstat", "TcpExt", "TCPWinProbe" },
		{ "OutSegs", "/proc/net/snmp", "Tcp", "OutSegs" },
		{ "DataSegsOut", "/proc/net/netstat", "TcpExt", "TCPOrigDataSent" },
		{ "EstabResets", "/proc/net/snmp", "Tcp", "EstabResets" },
		{ "AbortOnClose", "/proc/net/netstat", "TcpExt", "TCPAbortOnClose" },
		{ "AbortOnLinger", "/proc/net/netstat", "TcpExt", "TCPAbortOnData" },
		{ "AbortOnData", "/proc/net/netstat", "TcpExt", "TCPAbortOnData" },
		{ "TimeWaitOverflow", "/proc/net/netstat", "TcpExt", "TCPTimeWaitOverflow" },
		{ "OrphanOverflows", "/proc/net/netstat", "TcpExt", "TCPAbortOnMemory" },
	};
	unsigned int i;

	if (proto != IPPROTO_TCP)
		return xtcp_counter(name);
	for (i = 0; i < ARRAY_SIZE(map); i++)
		if (!strcmp(map[i].xtcp, name))
			return proc_mib(map[i].file, map[i].prefix, map[i].tcp);
	return -1;
}

static inline long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Active objects of slab cache @name in /proc/slabinfo, -1 if none. */
static inline long slab_active(const char *name)
{
	char line[512], cache[64];
	long active, ret = -1;
	FILE *f;

	/*
	 * xtcp's caches only (the debug kernel's quarantine); TCP's counts stay
	 * as they were, with their per-CPU slack, which xtcp_queues'
	 * thousand_clients needs while earlier programs' TCP sockets finish.
	 */
	if (!strncasecmp(name, "xtcp", 4))
		slab_shrink(name);
	f = fopen("/proc/slabinfo", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %ld", cache, &active) == 2 &&
		    !strcmp(cache, name))
			ret = active;
	fclose(f);
	return ret;
}

/* An IPv4 socket address from dotted-quad @ip and @port. */
static inline struct sockaddr_in addr4(const char *ip, int port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
	};

	inet_pton(AF_INET, ip, &sin.sin_addr);
	return sin;
}

/* An int socket option of @fd, or -errno - 1000 if getsockopt() failed. */
static inline int getopt_int(int fd, int level, int name)
{
	int val = -1;
	socklen_t len = sizeof(val);

	if (getsockopt(fd, level, name, &val, &len))
		return -errno - 1000;
	return val;
}

/* The pending error of @fd (SO_ERROR, which clears it). */
static inline int so_error(int fd)
{
	return getopt_int(fd, SOL_SOCKET, SO_ERROR);
}

/* A queue ioctl (SIOCINQ, SIOCOUTQ, ...): its value, or -1000 - errno. */
static inline int ioc(int fd, unsigned long cmd)
{
	int val = -1;

	if (ioctl(fd, cmd, &val))
		return -1000 - errno;
	return val;
}

/* The local (@peer 0) or remote (@peer 1) port of @fd, or -1. */
static inline int sock_port(int fd, int peer)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int ret = peer ? getpeername(fd, (struct sockaddr *)&sin, &len) :
			 getsockname(fd, (struct sockaddr *)&sin, &len);

	return ret ? -1 : ntohs(sin.sin_port);
}

static inline int local_port(int fd)
{
	return sock_port(fd, 0);
}

static inline int peer_port(int fd)
{
	return sock_port(fd, 1);
}

/* Run a shell command made from printf format @fmt: system()'s status. */
static inline int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* 0 or the errno value of the failure. */
static inline int connect_to(int fd, const char *ip, int port)
{
	struct sockaddr_in sin = addr4(ip, port);

	return connect(fd, (struct sockaddr *)&sin, sizeof(sin)) ? errno : 0;
}

#define TUN_LOCAL	"10.0.0.1"	/* this end of the TUN device */
#define TUN_PEER	"10.0.0.2"	/* the other: the test, or nobody */

/*
 * A TUN device "xt0" with 10.0.0.1/24 whose other end is the test: the
 * returned (non-blocking) descriptor reads what 10.0.0.1 sends to
 * 10.0.0.2, and what is written to it arrives from 10.0.0.2.
 */
static inline int tun_open(void)
{
	struct ifreq ifr = { .ifr_name = "xt0", .ifr_flags = IFF_TUN | IFF_NO_PI };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
	int fd, s, err = -1;

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -1;
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0 || ioctl(fd, TUNSETIFF, &ifr))
		goto out;
	write_file("/proc/sys/net/ipv6/conf/xt0/disable_ipv6", "1\n");
	memset(&ifr.ifr_ifru, 0, sizeof(ifr.ifr_ifru));
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, TUN_LOCAL, &sin->sin_addr);
	if (ioctl(s, SIOCSIFADDR, &ifr))
		goto out;
	inet_pton(AF_INET, "255.255.255.0", &sin->sin_addr);
	if (ioctl(s, SIOCSIFNETMASK, &ifr))
		goto out;
	memset(&ifr.ifr_ifru, 0, sizeof(ifr.ifr_ifru));
	if (ioctl(s, SIOCGIFFLAGS, &ifr))
		goto out;
	ifr.ifr_flags |= IFF_UP;
	err = ioctl(s, SIOCSIFFLAGS, &ifr);
out:
	if (s >= 0)
		close(s);
	if (err) {
		close(fd);
		return -1;
	}
	return fd;
}

#endif /* XTCP_SELFTEST_PROTO_H */
