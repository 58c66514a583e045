/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Congestion control: slow start, congestion avoidance, fast retransmit and
 * fast recovery (RFC 5681) with NewReno's response to partial ACKs
 * (RFC 6582). Kernel-independent: compiled into xtcp.ko and into the host
 * unit tests.
 *
 * Windows are in bytes (u32), as in the RFCs. The caller owns the
 * sequence variables and classifies each arriving ACK:
 *
 * - an ACK that advances SND.UNA: xtcp_cc_on_ack();
 * - a duplicate ACK as RFC 5681 §2 defines it (data outstanding, no data,
 *   no SYN or FIN, SEG.ACK == SND.UNA, window unchanged):
 *   xtcp_cc_on_dupack();
 * - any other ACK: nothing here;
 *
 * reports retransmission timeouts with xtcp_cc_on_timeout(), and calls
 * xtcp_cc_restart_after_idle() before it sends with nothing outstanding
 * (RFC 5681 §4.1). The two ACK handlers return what the caller must do,
 * as XTCP_CC_* flags. The caller may have at most cwnd bytes in flight
 * (and no more than the peer's window).
 */
#ifndef _XTCP_CC_H
#define _XTCP_CC_H

#include "types.h"

/*
 * The initial ssthresh, "arbitrarily high" (RFC 5681 §3.1), and the
 * largest cwnd: windows saturate there instead of wrapping. No more than
 * 2^31 bytes can be in flight in a 32-bit sequence space anyway.
 */
#define XTCP_CC_INFINITE	0x7fffffffU
#define XTCP_CC_MSS_MAX		0xffffU

/*
 * Actions for the caller, or-ed together. XTCP_CC_RESTART_TIMER: restart
 * the retransmission timer if data remains outstanding (else stop it,
 * RFC 6298 §5.2); an ACK of new data without it (a later partial ACK in
 * fast recovery) leaves the timer running.
 */
#define XTCP_CC_RETRANSMIT	0x1	/* resend the segment at SND.UNA now */
#define XTCP_CC_RESTART_TIMER	0x2	/* see above */

/**
 * enum xtcp_ca_state - where the sender is in the congestion control cycle
 * @XTCP_CA_OPEN: slow start or congestion avoidance
 * @XTCP_CA_RECOVERY: fast recovery, until SND.UNA reaches @recover
 * @XTCP_CA_LOSS: after a retransmission timeout, until SND.UNA reaches
 *	@recover; duplicate ACKs below it must not trigger fast retransmit
 *	(RFC 6582 §3.2 steps 2 and 4)
 */
enum xtcp_ca_state {
	XTCP_CA_OPEN,
	XTCP_CA_RECOVERY,
	XTCP_CA_LOSS,
};

/**
 * struct xtcp_cc - congestion control state of one connection
 * @cwnd: congestion window, bytes (at most XTCP_CC_INFINITE)
 * @ssthresh: slow start threshold, bytes
 * @mss: SMSS, bytes (1 to XTCP_CC_MSS_MAX)
 * @recover: one past the highest sequence number sent when fast recovery
 *	or the timeout began, that is RFC 6582's "recover" + 1; meaningful
 *	only in XTCP_CA_RECOVERY and XTCP_CA_LOSS
 * @bytes_acked: bytes acknowledged in congestion avoidance and not yet
 *	turned into cwnd growth (RFC 3465 §2.1)
 * @state: enum xtcp_ca_state
 * @dupacks: consecutive duplicate ACKs, saturating at 255
 * @timed_out: a timeout happened and no ACK has advanced SND.UNA since
 * @partial_acked: a partial ACK already arrived in this fast recovery
 */
struct xtcp_cc {
	u32 cwnd;
	u32 ssthresh;
	u32 mss;
	u32 recover;
	u32 bytes_acked;
	u8 state;
	u8 dupacks;
	u8 timed_out;
	u8 partial_acked;
};

u32 xtcp_cc_initial_window(u32 mss);
void xtcp_cc_init(struct xtcp_cc *cc, u32 mss, unsigned int syn_retransmits);
unsigned int xtcp_cc_on_ack(struct xtcp_cc *cc, u32 ack, u32 acked);
unsigned int xtcp_cc_on_dupack(struct xtcp_cc *cc, u32 ack, u32 snd_max,
			       u32 flight);
void xtcp_cc_on_timeout(struct xtcp_cc *cc, u32 snd_max, u32 flight);
bool xtcp_cc_restart_after_idle(struct xtcp_cc *cc, u32 idle, u32 rto);

/* In fast recovery? */
static inline bool xtcp_cc_in_recovery(const struct xtcp_cc *cc)
{
	return cc->state == XTCP_CA_RECOVERY;
}

/* In slow start (RFC 5681 §3.1: cwnd < ssthresh)? */
static inline bool xtcp_cc_in_slow_start(const struct xtcp_cc *cc)
{
	return cc->cwnd < cc->ssthresh;
}

#endif /* _XTCP_CC_H */
