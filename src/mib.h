/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xtcp counters (MIB). Kernel-independent: compiled into xtcp.ko and into
 * the host unit tests.
 *
 * Names follow Linux's MIB style (/proc/net/snmp "Tcp:", /proc/net/netstat
 * "TcpExt:"); xtcp_mib_names[] in mib.c holds them, in this order,
 * Documentation/proc.rst describes each, and selftests/xtcp_snmp.c proves
 * each (its every_counter_covered fails for a counter it has no scenario
 * for). Keep the four in step.
 */
#ifndef _XTCP_MIB_H
#define _XTCP_MIB_H

enum xtcp_mib_field {
	XTCP_MIB_INSEGS,	/* segments received, errors included */
	XTCP_MIB_OUTSEGS,	/* segments sent, retransmissions excluded */
	XTCP_MIB_INERRS,	/* segments received in error */
	XTCP_MIB_INCSUMERRORS,	/* segments with a bad checksum */
	XTCP_MIB_OUTRSTS,	/* segments sent with RST */
	XTCP_MIB_CURRESTAB,	/* connections now ESTABLISHED or CLOSE_WAIT */
	XTCP_MIB_ACTIVEOPENS,	/* CLOSED -> SYN_SENT */
	XTCP_MIB_PASSIVEOPENS,	/* connections created by a listener */
	XTCP_MIB_ATTEMPTFAILS,	/* SYN_SENT or SYN_RECV -> CLOSED */
	XTCP_MIB_LISTENOVERFLOWS, /* SYN or final ACK found accept queue full */
	XTCP_MIB_LISTENDROPS,	/* SYNs and final ACKs a listener dropped */
	XTCP_MIB_SYNQUEUEOVERFLOWS, /* SYN dropped: SYN queue full */
	XTCP_MIB_SYNRETRANS,	/* SYN retransmissions */
	XTCP_MIB_SYNACKRETRANS,	/* SYN-ACKs a half-open entry's timer resent */
	XTCP_MIB_SYNACKTIMEOUTS, /* half-open entries dropped after retries */
	XTCP_MIB_EMBRYONICRSTS,	/* RSTs that removed a half-open entry */
	XTCP_MIB_DATASEGSIN,	/* data segments in a connection's window */
	XTCP_MIB_DATASEGSOUT,	/* segments sent with data, first time */
	XTCP_MIB_RETRANSSEGS,	/* data (or FIN) segments sent again */
	XTCP_MIB_FASTRETRANS,	/* ... of them on three duplicate ACKs */
	XTCP_MIB_TIMEOUTS,	/* rtx timer expiries with data or FIN out */
	XTCP_MIB_DELAYEDACKS,	/* ACKs sent by the delayed-ACK timer */
	XTCP_MIB_OUTOFORDERQUEUED, /* segments put on the out-of-order queue */
	XTCP_MIB_ZEROWINDOWPROBES, /* window probes sent to a zero window */
	XTCP_MIB_PRUNEDROPS,	/* segments dropped: receive buffer full */
	XTCP_MIB_ESTABRESETS,	/* ESTABLISHED or CLOSE_WAIT -> CLOSED */
	XTCP_MIB_TIMEWAITENTERED, /* connections that entered TIME_WAIT */
	XTCP_MIB_CURRTIMEWAIT,	/* TIME_WAIT entries now */
	XTCP_MIB_TIMEWAITREOPENED, /* TIME_WAIT entries a new SYN reopened */
	XTCP_MIB_TIMEWAITOVERFLOW, /* TIME_WAIT skipped: max_tw_buckets */
	XTCP_MIB_FINWAIT2TIMEOUTS, /* orphans dropped after fin_timeout */
	XTCP_MIB_ABORTONCLOSE,	/* RST: closed with unread data */
	XTCP_MIB_ABORTONLINGER,	/* RST: closed with SO_LINGER {1, 0} */
	XTCP_MIB_ABORTONDATA,	/* RST: data for a closed receiver */
	XTCP_MIB_CHALLENGEACKS,	/* challenge ACKs sent (RFC 5961) */
	XTCP_MIB_ORPHANS,	/* orphaned connections now */
	XTCP_MIB_ORPHANOVERFLOWS, /* RST: max_orphans reached at close */
	XTCP_MIB_MAX
};

extern const char * const xtcp_mib_names[XTCP_MIB_MAX];

#endif /* _XTCP_MIB_H */
