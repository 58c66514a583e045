/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xtcp - tracepoints: events/xtcp/ in tracefs.
 *
 * Documentation/tracepoints.rst describes each event, its fields and when
 * it fires. trace.c defines them (CREATE_TRACE_POINTS); every other file
 * includes this header after xtcp.h and calls trace_xtcp_*().
 *
 * Addresses are kept in network byte order (printed with %pI4), ports in
 * host order.
 *
 * Addresses and ports of segment events (xtcp_seg_*, xtcp_reset_*) are the
 * segment's own: source, then destination. Those of the other events are
 * the connection's: local, then remote.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM xtcp

#if !defined(_XTCP_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _XTCP_TRACE_H

#include <linux/tracepoint.h>
#include <net/tcp_states.h>

#include "xtcp.h"

#ifndef _XTCP_TRACE_ENUMS
#define _XTCP_TRACE_ENUMS
/* What an xtcp_state event is about. */
enum xtcp_trace_obj {
	XTCP_OBJ_SOCK,		/* a socket */
	XTCP_OBJ_REQ,		/* a half-open entry (struct xtcp_req) */
	XTCP_OBJ_TW,		/* a TIME_WAIT entry (struct xtcp_tw) */
};

/* What xtcp_retransmit sent again. */
enum xtcp_trace_rtx {
	XTCP_RTX_SYN,		/* SYN, after a timeout */
	XTCP_RTX_SYNACK,	/* SYN-ACK, after a timeout */
	XTCP_RTX_DATA,		/* the oldest data segment, after a timeout */
	XTCP_RTX_FIN,		/* a FIN without data, after a timeout */
	XTCP_RTX_PROBE,		/* a zero-window probe (persist timer) */
	XTCP_RTX_FAST,		/* the oldest segment, on duplicate ACKs */
};

/* Which listen queue xtcp_queue_drop is about. */
enum xtcp_trace_queue {
	XTCP_QUEUE_SYN,		/* half-open entries */
	XTCP_QUEUE_ACCEPT,	/* connections waiting for accept() */
};

/* Why xtcp_queue_drop fired. */
enum xtcp_trace_drop {
	XTCP_DROP_SYN,		/* a SYN found the queue full: dropped */
	XTCP_DROP_ACK,		/* a final ACK found the accept queue full:
				 * the entry stays half-open
				 */
	XTCP_DROP_ACK_RESET,	/* same, with abort_on_overflow: reset */
	XTCP_DROP_TIMEOUT,	/* SYN-ACK retries ran out: entry dropped */
};

/* Why a TIME_WAIT entry ended. */
enum xtcp_trace_tw {
	XTCP_TW_TIMER,		/* its 2 MSL ran out */
	XTCP_TW_REOPEN,		/* a new SYN took over the 4-tuple */
	XTCP_TW_PURGE,		/* the netns (or the module) went away */
};
#endif /* _XTCP_TRACE_ENUMS */

/* Tell user space (perf, trace-cmd) the values of the names printed. */
TRACE_DEFINE_ENUM(TCP_ESTABLISHED);
TRACE_DEFINE_ENUM(TCP_SYN_SENT);
TRACE_DEFINE_ENUM(TCP_SYN_RECV);
TRACE_DEFINE_ENUM(TCP_FIN_WAIT1);
TRACE_DEFINE_ENUM(TCP_FIN_WAIT2);
TRACE_DEFINE_ENUM(TCP_TIME_WAIT);
TRACE_DEFINE_ENUM(TCP_CLOSE);
TRACE_DEFINE_ENUM(TCP_CLOSE_WAIT);
TRACE_DEFINE_ENUM(TCP_LAST_ACK);
TRACE_DEFINE_ENUM(TCP_LISTEN);
TRACE_DEFINE_ENUM(TCP_CLOSING);
TRACE_DEFINE_ENUM(XTCP_OBJ_SOCK);
TRACE_DEFINE_ENUM(XTCP_OBJ_REQ);
TRACE_DEFINE_ENUM(XTCP_OBJ_TW);
TRACE_DEFINE_ENUM(XTCP_RTX_SYN);
TRACE_DEFINE_ENUM(XTCP_RTX_SYNACK);
TRACE_DEFINE_ENUM(XTCP_RTX_DATA);
TRACE_DEFINE_ENUM(XTCP_RTX_FIN);
TRACE_DEFINE_ENUM(XTCP_RTX_PROBE);
TRACE_DEFINE_ENUM(XTCP_RTX_FAST);
TRACE_DEFINE_ENUM(XTCP_QUEUE_SYN);
TRACE_DEFINE_ENUM(XTCP_QUEUE_ACCEPT);
TRACE_DEFINE_ENUM(XTCP_DROP_SYN);
TRACE_DEFINE_ENUM(XTCP_DROP_ACK);
TRACE_DEFINE_ENUM(XTCP_DROP_ACK_RESET);
TRACE_DEFINE_ENUM(XTCP_DROP_TIMEOUT);
TRACE_DEFINE_ENUM(XTCP_TW_TIMER);
TRACE_DEFINE_ENUM(XTCP_TW_REOPEN);
TRACE_DEFINE_ENUM(XTCP_TW_PURGE);

/* States by TCP's names: xtcp's sk_state holds TCP's numbers. */
#define xtcp_show_state(v)						\
	__print_symbolic(v, { TCP_ESTABLISHED, "TCP_ESTABLISHED" },	\
			 { TCP_SYN_SENT, "TCP_SYN_SENT" },		\
			 { TCP_SYN_RECV, "TCP_SYN_RECV" },		\
			 { TCP_FIN_WAIT1, "TCP_FIN_WAIT1" },		\
			 { TCP_FIN_WAIT2, "TCP_FIN_WAIT2" },		\
			 { TCP_TIME_WAIT, "TCP_TIME_WAIT" },		\
			 { TCP_CLOSE, "TCP_CLOSE" },			\
			 { TCP_CLOSE_WAIT, "TCP_CLOSE_WAIT" },		\
			 { TCP_LAST_ACK, "TCP_LAST_ACK" },		\
			 { TCP_LISTEN, "TCP_LISTEN" },			\
			 { TCP_CLOSING, "TCP_CLOSING" })
#define xtcp_show_obj(v)						\
	__print_symbolic(v, { XTCP_OBJ_SOCK, "sock" },			\
			 { XTCP_OBJ_REQ, "req" }, { XTCP_OBJ_TW, "tw" })
#define xtcp_show_rtx(v)						\
	__print_symbolic(v, { XTCP_RTX_SYN, "SYN" },			\
			 { XTCP_RTX_SYNACK, "SYNACK" },			\
			 { XTCP_RTX_DATA, "DATA" }, { XTCP_RTX_FIN, "FIN" },	\
			 { XTCP_RTX_PROBE, "PROBE" },			\
			 { XTCP_RTX_FAST, "FAST" })
#define xtcp_show_queue(v)						\
	__print_symbolic(v, { XTCP_QUEUE_SYN, "syn" },			\
			 { XTCP_QUEUE_ACCEPT, "accept" })
#define xtcp_show_drop(v)						\
	__print_symbolic(v, { XTCP_DROP_SYN, "syn" },			\
			 { XTCP_DROP_ACK, "ack" },			\
			 { XTCP_DROP_ACK_RESET, "ack-reset" },		\
			 { XTCP_DROP_TIMEOUT, "timeout" })
#define xtcp_show_tw(v)							\
	__print_symbolic(v, { XTCP_TW_TIMER, "timer" },			\
			 { XTCP_TW_REOPEN, "reopen" },			\
			 { XTCP_TW_PURGE, "purge" })
/* Control bits in a fixed order: "S", "SA", "FPA", "RA", ... */
#define xtcp_show_flags(v)						\
	__print_flags(v, "", { XTCP_FIN, "F" }, { XTCP_SYN, "S" },	\
		      { XTCP_RST, "R" }, { XTCP_PSH, "P" },		\
		      { XTCP_ACK, "A" }, { XTCP_URG, "U" })

/*
 * A state change of a socket, a half-open entry or a TIME_WAIT entry
 * (@obj, of kind @kind), between TCP_* states.
 */
TRACE_EVENT(xtcp_state,

	TP_PROTO(const void *obj, int kind, __be32 saddr, __be16 sport,
		 __be32 daddr, __be16 dport, int oldstate, int newstate),

	TP_ARGS(obj, kind, saddr, sport, daddr, dport, oldstate, newstate),

	TP_STRUCT__entry(
		__field(const void *, obj)
		__field(int, kind)
		__field(__u32, saddr)
		__field(__u32, daddr)
		__field(__u16, sport)
		__field(__u16, dport)
		__field(int, oldstate)
		__field(int, newstate)
	),

	TP_fast_assign(
		__entry->obj = obj;
		__entry->kind = kind;
		__entry->saddr = (__force __u32)saddr;
		__entry->daddr = (__force __u32)daddr;
		__entry->sport = ntohs(sport);
		__entry->dport = ntohs(dport);
		__entry->oldstate = oldstate;
		__entry->newstate = newstate;
	),

	TP_printk("%s=%p %pI4:%u-%pI4:%u %s -> %s",
		  xtcp_show_obj(__entry->kind), __entry->obj,
		  &__entry->saddr, __entry->sport,
		  &__entry->daddr, __entry->dport,
		  xtcp_show_state(__entry->oldstate),
		  xtcp_show_state(__entry->newstate))
);

/* A segment from @saddr to @daddr with header @h and @len bytes of data. */
DECLARE_EVENT_CLASS(xtcp_seg,

	TP_PROTO(__be32 saddr, __be32 daddr, const struct xtcp_hdr *h,
		 u32 len),

	TP_ARGS(saddr, daddr, h, len),

	TP_STRUCT__entry(
		__field(__u32, saddr)
		__field(__u32, daddr)
		__field(__u16, sport)
		__field(__u16, dport)
		__field(__u32, seq)
		__field(__u32, ack)
		__field(__u32, len)
		__field(__u16, window)
		__field(__u16, mss)
		__field(__u8, flags)
		__field(__s8, wscale)
	),

	TP_fast_assign(
		__entry->saddr = (__force __u32)saddr;
		__entry->daddr = (__force __u32)daddr;
		__entry->sport = h->sport;
		__entry->dport = h->dport;
		__entry->seq = h->seq;
		__entry->ack = h->ack;
		__entry->len = len;
		__entry->window = h->window;
		__entry->mss = h->mss;
		__entry->flags = h->flags;
		__entry->wscale = h->has_ws ? h->ws : -1;
	),

	TP_printk("%pI4:%u > %pI4:%u flags=%s seq=%u ack=%u len=%u win=%u mss=%u wscale=%d",
		  &__entry->saddr, __entry->sport,
		  &__entry->daddr, __entry->dport,
		  xtcp_show_flags(__entry->flags), __entry->seq, __entry->ack,
		  __entry->len, __entry->window, __entry->mss, __entry->wscale)
);

/* A segment goes out (before it reaches IP). */
DEFINE_EVENT(xtcp_seg, xtcp_seg_send,
	TP_PROTO(__be32 saddr, __be32 daddr, const struct xtcp_hdr *h,
		 u32 len),
	TP_ARGS(saddr, daddr, h, len)
);

/* A well-formed segment arrives (checksum and header checked). */
DEFINE_EVENT(xtcp_seg, xtcp_seg_recv,
	TP_PROTO(__be32 saddr, __be32 daddr, const struct xtcp_hdr *h,
		 u32 len),
	TP_ARGS(saddr, daddr, h, len)
);

/*
 * Something is sent again: @kind, on the connection (or half-open entry)
 * @saddr:@sport-@daddr:@dport, from @seq, the @attempt-th time in a row;
 * @rto_ms until the next timeout.
 */
TRACE_EVENT(xtcp_retransmit,

	TP_PROTO(int kind, __be32 saddr, __be16 sport, __be32 daddr,
		 __be16 dport, u32 seq, u32 attempt, u32 rto_ms),

	TP_ARGS(kind, saddr, sport, daddr, dport, seq, attempt, rto_ms),

	TP_STRUCT__entry(
		__field(int, kind)
		__field(__u32, saddr)
		__field(__u32, daddr)
		__field(__u16, sport)
		__field(__u16, dport)
		__field(__u32, seq)
		__field(__u32, attempt)
		__field(__u32, rto_ms)
	),

	TP_fast_assign(
		__entry->kind = kind;
		__entry->saddr = (__force __u32)saddr;
		__entry->daddr = (__force __u32)daddr;
		__entry->sport = ntohs(sport);
		__entry->dport = ntohs(dport);
		__entry->seq = seq;
		__entry->attempt = attempt;
		__entry->rto_ms = rto_ms;
	),

	TP_printk("%s %pI4:%u-%pI4:%u seq=%u attempt=%u rto_ms=%u",
		  xtcp_show_rtx(__entry->kind),
		  &__entry->saddr, __entry->sport,
		  &__entry->daddr, __entry->dport,
		  __entry->seq, __entry->attempt, __entry->rto_ms)
);

/*
 * A reset segment from @saddr to @daddr, header @h; @state is that of what
 * sent it or what it reached (TCP_CLOSE: no connection).
 */
DECLARE_EVENT_CLASS(xtcp_reset,

	TP_PROTO(__be32 saddr, __be32 daddr, const struct xtcp_hdr *h,
		 int state),

	TP_ARGS(saddr, daddr, h, state),

	TP_STRUCT__entry(
		__field(__u32, saddr)
		__field(__u32, daddr)
		__field(__u16, sport)
		__field(__u16, dport)
		__field(__u32, seq)
		__field(__u32, ack)
		__field(__u8, flags)
		__field(int, state)
	),

	TP_fast_assign(
		__entry->saddr = (__force __u32)saddr;
		__entry->daddr = (__force __u32)daddr;
		__entry->sport = h->sport;
		__entry->dport = h->dport;
		__entry->seq = h->seq;
		__entry->ack = h->ack;
		__entry->flags = h->flags;
		__entry->state = state;
	),

	TP_printk("%pI4:%u > %pI4:%u flags=%s seq=%u ack=%u state=%s",
		  &__entry->saddr, __entry->sport,
		  &__entry->daddr, __entry->dport,
		  xtcp_show_flags(__entry->flags), __entry->seq, __entry->ack,
		  xtcp_show_state(__entry->state))
);

/* A RST goes out: abort, or the answer to a segment that fits nothing. */
DEFINE_EVENT(xtcp_reset, xtcp_reset_send,
	TP_PROTO(__be32 saddr, __be32 daddr, const struct xtcp_hdr *h,
		 int state),
	TP_ARGS(saddr, daddr, h, state)
);

/* An acceptable RST ends a connection or a half-open entry. */
DEFINE_EVENT(xtcp_reset, xtcp_reset_recv,
	TP_PROTO(__be32 saddr, __be32 daddr, const struct xtcp_hdr *h,
		 int state),
	TP_ARGS(saddr, daddr, h, state)
);

/*
 * A listener's queue turned something away (@reason) from
 * @raddr:@rport; @qlen of @limit entries were queued.
 */
TRACE_EVENT(xtcp_queue_drop,

	TP_PROTO(const struct sock *sk, __be32 raddr, __be16 rport, int queue,
		 int reason, u32 qlen, u32 limit),

	TP_ARGS(sk, raddr, rport, queue, reason, qlen, limit),

	TP_STRUCT__entry(
		__field(const void *, skaddr)
		__field(__u32, laddr)
		__field(__u32, raddr)
		__field(__u16, lport)
		__field(__u16, rport)
		__field(int, queue)
		__field(int, reason)
		__field(__u32, qlen)
		__field(__u32, limit)
	),

	TP_fast_assign(
		__entry->skaddr = sk;
		__entry->laddr = (__force __u32)inet_sk(sk)->inet_rcv_saddr;
		__entry->raddr = (__force __u32)raddr;
		__entry->lport = inet_sk(sk)->inet_num;
		__entry->rport = ntohs(rport);
		__entry->queue = queue;
		__entry->reason = reason;
		__entry->qlen = qlen;
		__entry->limit = limit;
	),

	TP_printk("listener=%p %pI4:%u from %pI4:%u queue=%s reason=%s qlen=%u limit=%u",
		  __entry->skaddr, &__entry->laddr, __entry->lport,
		  &__entry->raddr, __entry->rport,
		  xtcp_show_queue(__entry->queue),
		  xtcp_show_drop(__entry->reason),
		  __entry->qlen, __entry->limit)
);

/* A connection enters TIME_WAIT: entry @tw, for @timeout_ms (2 MSL). */
TRACE_EVENT(xtcp_tw_enter,

	TP_PROTO(const struct xtcp_tw *tw, int oldstate, u32 timeout_ms),

	TP_ARGS(tw, oldstate, timeout_ms),

	TP_STRUCT__entry(
		__field(const void *, tw)
		__field(__u32, saddr)
		__field(__u32, daddr)
		__field(__u16, sport)
		__field(__u16, dport)
		__field(__u32, snd_nxt)
		__field(__u32, rcv_nxt)
		__field(int, oldstate)
		__field(__u32, timeout_ms)
	),

	TP_fast_assign(
		__entry->tw = tw;
		__entry->saddr = (__force __u32)tw->laddr;
		__entry->daddr = (__force __u32)tw->raddr;
		__entry->sport = ntohs(tw->lport);
		__entry->dport = ntohs(tw->rport);
		__entry->snd_nxt = tw->snd_nxt;
		__entry->rcv_nxt = tw->rcv_nxt;
		__entry->oldstate = oldstate;
		__entry->timeout_ms = timeout_ms;
	),

	TP_printk("tw=%p %pI4:%u-%pI4:%u from=%s snd_nxt=%u rcv_nxt=%u timeout_ms=%u",
		  __entry->tw, &__entry->saddr, __entry->sport,
		  &__entry->daddr, __entry->dport,
		  xtcp_show_state(__entry->oldstate),
		  __entry->snd_nxt, __entry->rcv_nxt, __entry->timeout_ms)
);

/* A TIME_WAIT entry ends, for @reason. */
TRACE_EVENT(xtcp_tw_expire,

	TP_PROTO(const struct xtcp_tw *tw, int reason),

	TP_ARGS(tw, reason),

	TP_STRUCT__entry(
		__field(const void *, tw)
		__field(__u32, saddr)
		__field(__u32, daddr)
		__field(__u16, sport)
		__field(__u16, dport)
		__field(int, reason)
	),

	TP_fast_assign(
		__entry->tw = tw;
		__entry->saddr = (__force __u32)tw->laddr;
		__entry->daddr = (__force __u32)tw->raddr;
		__entry->sport = ntohs(tw->lport);
		__entry->dport = ntohs(tw->rport);
		__entry->reason = reason;
	),

	TP_printk("tw=%p %pI4:%u-%pI4:%u reason=%s",
		  __entry->tw, &__entry->saddr, __entry->sport,
		  &__entry->daddr, __entry->dport,
		  xtcp_show_tw(__entry->reason))
);

#ifndef _XTCP_TRACE_HELPERS
#define _XTCP_TRACE_HELPERS
/* xtcp_retransmit for socket @sk. */
static inline void xtcp_trace_rtx(const struct sock *sk, int kind, u32 seq,
				  u32 attempt, u32 rto_ms)
{
	const struct inet_sock *inet = inet_sk(sk);

	trace_xtcp_retransmit(kind, inet->inet_saddr, inet->inet_sport,
			      inet->inet_daddr, inet->inet_dport, seq, attempt,
			      rto_ms);
}
#endif /* _XTCP_TRACE_HELPERS */

#endif /* _XTCP_TRACE_H */

/* Out of tree: this header is found through -I (Kbuild, CFLAGS_trace.o). */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
