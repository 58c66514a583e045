// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp - congestion control: RFC 5681 with NewReno fast recovery
 * (RFC 6582) and byte counting (RFC 3465). Kernel-independent (see cc.h).
 */
#include "cc.h"
#include "seq.h"

/*
 * RFC 3465 §2.3: slow start grows cwnd by at most L bytes per ACK, L at
 * most 2 * SMSS, and 1 * SMSS in the slow start that follows a
 * retransmission timeout.
 */
#define ABC_L_SEGS		2
#define ABC_L_SEGS_LOSS		1

/* RFC 6928 §2: IW = min(10 * MSS, max(2 * MSS, 14600)). */
#define IW_SEGS			10
#define IW_BYTES		14600U

static u32 min_u32(u32 a, u32 b)
{
	return a < b ? a : b;
}

static u32 max_u32(u32 a, u32 b)
{
	return a > b ? a : b;
}

static u32 clamp_mss(u32 mss)
{
	if (!mss)
		return 1;
	return min_u32(mss, XTCP_CC_MSS_MAX);
}

/* a + b for windows: never above XTCP_CC_INFINITE, never wrapping */
static u32 wnd_add(u32 a, u32 b)
{
	if (a >= XTCP_CC_INFINITE || b >= XTCP_CC_INFINITE - a)
		return XTCP_CC_INFINITE;
	return a + b;
}

/* RFC 5681 §3.1, equation (4): max(FlightSize / 2, 2 * SMSS) */
static u32 loss_ssthresh(const struct xtcp_cc *cc, u32 flight)
{
	return min_u32(max_u32(flight >> 1, 2 * cc->mss), XTCP_CC_INFINITE);
}

/**
 * xtcp_cc_initial_window() - the initial congestion window for an SMSS
 * @mss: the sender's maximum segment size (clamped to 1..XTCP_CC_MSS_MAX)
 *
 * RFC 6928 §2: IW = min(10 * MSS, max(2 * MSS, 14600)) bytes. That is 10
 * segments up to an MSS of 1460, as Linux TCP's 10 segments; above, fewer
 * (Linux keeps 10 segments whatever the MSS).
 *
 * Return: the initial window in bytes.
 */
u32 xtcp_cc_initial_window(u32 mss)
{
	mss = clamp_mss(mss);
	return min_u32(IW_SEGS * mss, max_u32(2 * mss, IW_BYTES));
}

/**
 * xtcp_cc_init() - congestion state of a connection that just opened
 * @cc: state to initialise
 * @mss: SMSS, the largest segment the sender will send, options excluded
 *	(clamped to 1..XTCP_CC_MSS_MAX)
 * @syn_retransmits: how many times the handshake's SYN or SYN-ACK was
 *	retransmitted by this end's timer
 *
 * RFC 5681 §3.1: cwnd starts at the initial window (RFC 6928), or at one
 * segment if the SYN or SYN-ACK was lost; ssthresh starts arbitrarily
 * high. As Linux's tcp_init_transfer(), one segment only after more than
 * one retransmission: with RFC 6298's 1 s initial RTO a single one is
 * often spurious (a slow path, not a loss). RFC 6582 §3.2 step 1 sets
 * recover to the ISS: here it is unused until a loss sets it, which has
 * the same effect (see cc.h).
 */
void xtcp_cc_init(struct xtcp_cc *cc, u32 mss, unsigned int syn_retransmits)
{
	mss = clamp_mss(mss);
	*cc = (struct xtcp_cc){
		.cwnd = syn_retransmits > 1 ? mss : xtcp_cc_initial_window(mss),
		.ssthresh = XTCP_CC_INFINITE,
		.mss = mss,
		.state = XTCP_CA_OPEN,
	};
}

/*
 * Window growth for an ACK of @acked new bytes: RFC 5681 §3.1 slow start
 * below ssthresh, with RFC 3465 byte counting limited to @l_segs SMSS per
 * ACK; congestion avoidance from ssthresh on, by byte counting: one SMSS
 * each time a cwnd's worth of bytes has been acknowledged (RFC 3465 §2.1,
 * RFC 5681 §3.1), about one SMSS per RTT and no division. What slow start
 * would have added past ssthresh counts towards congestion avoidance.
 */
static void grow(struct xtcp_cc *cc, u32 acked, u32 l_segs)
{
	if (cc->cwnd < cc->ssthresh) {
		u32 room = cc->ssthresh - cc->cwnd;
		u32 inc = min_u32(acked, l_segs * cc->mss);

		if (inc < room) {
			cc->cwnd += inc;
			return;
		}
		cc->cwnd = cc->ssthresh;
		acked = inc - room;
		if (!acked)
			return;
	}
	cc->bytes_acked = acked > ~cc->bytes_acked ? ~0U :
			  cc->bytes_acked + acked;
	if (cc->bytes_acked >= cc->cwnd) {
		cc->bytes_acked -= cc->cwnd;
		cc->cwnd = wnd_add(cc->cwnd, cc->mss);
	}
}

/**
 * xtcp_cc_on_ack() - an ACK advanced SND.UNA
 * @cc: the connection's state
 * @ack: SEG.ACK, the new SND.UNA
 * @acked: bytes it newly acknowledges (0: nothing happens)
 *
 * Outside fast recovery, cwnd grows: slow start or congestion avoidance
 * (RFC 5681 §3.1, RFC 3465; see grow()). After a timeout, slow start
 * counts at most one SMSS per ACK (RFC 3465 §2.3), and the sender leaves
 * that state once @ack reaches the recover point (RFC 6582 §3.2 step 4).
 *
 * In fast recovery, RFC 6582 §3.2 step 3:
 *
 * - a full ACK (everything up to recover acknowledged) deflates cwnd to
 *   ssthresh, option (2) of the RFC, and ends fast recovery. The caller
 *   should limit the burst this may allow, as the RFC advises;
 * - a partial ACK asks for the retransmission of the first unacknowledged
 *   segment and deflates cwnd by @acked, adding back one SMSS if @acked is
 *   at least one SMSS (cwnd stays at least one SMSS). Only the first one
 *   restarts the retransmission timer (the "Impatient" variant, RFC 6582
 *   §4), so that many losses in a window end in a timeout rather than one
 *   retransmission per RTT.
 *
 * Any other ACK of new data restarts the timer (RFC 6298 §5.3) and ends a
 * run of duplicate ACKs.
 *
 * Return: XTCP_CC_RETRANSMIT and/or XTCP_CC_RESTART_TIMER, or 0.
 */
unsigned int xtcp_cc_on_ack(struct xtcp_cc *cc, u32 ack, u32 acked)
{
	if (!acked)
		return 0;
	cc->dupacks = 0;
	cc->timed_out = 0;

	switch (cc->state) {
	case XTCP_CA_RECOVERY:
		if (!xtcp_seq_before(ack, cc->recover)) {
			cc->cwnd = cc->ssthresh;
			cc->state = XTCP_CA_OPEN;
			cc->bytes_acked = 0;
			return XTCP_CC_RESTART_TIMER;
		}
		cc->cwnd = cc->cwnd > acked ? cc->cwnd - acked : 0;
		if (acked >= cc->mss)
			cc->cwnd = wnd_add(cc->cwnd, cc->mss);
		cc->cwnd = max_u32(cc->cwnd, cc->mss);
		if (cc->partial_acked)
			return XTCP_CC_RETRANSMIT;
		cc->partial_acked = 1;
		return XTCP_CC_RETRANSMIT | XTCP_CC_RESTART_TIMER;
	case XTCP_CA_LOSS:
		grow(cc, acked, ABC_L_SEGS_LOSS);
		if (!xtcp_seq_before(ack, cc->recover))
			cc->state = XTCP_CA_OPEN;
		return XTCP_CC_RESTART_TIMER;
	default:
		grow(cc, acked, ABC_L_SEGS);
		return XTCP_CC_RESTART_TIMER;
	}
}

/**
 * xtcp_cc_on_dupack() - a duplicate ACK arrived (RFC 5681 §2 definition)
 * @cc: the connection's state
 * @ack: its SEG.ACK (equal to SND.UNA)
 * @snd_max: one past the highest sequence number sent so far (SND.NXT,
 *	or its high-water mark if SND.NXT was pulled back after a timeout)
 * @flight: FlightSize, the bytes sent and not yet cumulatively
 *	acknowledged (without data sent by limited transmit, RFC 5681 §3.2)
 *
 * The third duplicate ACK triggers fast retransmit (RFC 5681 §3.2 steps
 * 2-3): ssthresh = max(FlightSize / 2, 2 * SMSS), cwnd = ssthresh +
 * 3 * SMSS, and fast recovery begins with recover set to @snd_max
 * (RFC 6582 §3.2 step 2) - unless a timeout came first and @ack does not
 * cover more than its recover point: then those duplicates are echoes of
 * the timeout's retransmissions, and nothing happens (RFC 6582 §3.2 steps 2
 * and 4). Only the third duplicate of a run can trigger it, so a loss is
 * fast-retransmitted once.
 *
 * In fast recovery, each further duplicate ACK inflates cwnd by one SMSS
 * (RFC 5681 §3.2 step 4): a segment left the network.
 *
 * Return: XTCP_CC_RETRANSMIT when the segment at SND.UNA must be resent
 * now (fast retransmit), else 0.
 */
unsigned int xtcp_cc_on_dupack(struct xtcp_cc *cc, u32 ack, u32 snd_max,
			       u32 flight)
{
	if (cc->dupacks < 0xff)
		cc->dupacks++;

	if (cc->state == XTCP_CA_RECOVERY) {
		cc->cwnd = wnd_add(cc->cwnd, cc->mss);
		return 0;
	}
	if (cc->dupacks != 3)
		return 0;
	if (cc->state == XTCP_CA_LOSS && xtcp_seq_before(ack, cc->recover))
		return 0;

	cc->ssthresh = loss_ssthresh(cc, flight);
	cc->cwnd = wnd_add(cc->ssthresh, 3 * cc->mss);
	cc->recover = snd_max;
	cc->state = XTCP_CA_RECOVERY;
	cc->partial_acked = 0;
	cc->bytes_acked = 0;
	return XTCP_CC_RETRANSMIT;
}

/**
 * xtcp_cc_on_timeout() - the retransmission timer expired
 * @cc: the connection's state
 * @snd_max: one past the highest sequence number sent so far
 * @flight: FlightSize when the timer expired
 *
 * RFC 5681 §3.1: ssthresh = max(FlightSize / 2, 2 * SMSS), equation (4),
 * except that it is held when the same segment times out again (no ACK
 * has advanced SND.UNA since the last timeout); cwnd = the loss window,
 * one SMSS. RFC 6582 §3.2 step 4: recover = the highest sequence number
 * sent, and fast recovery, if under way, ends.
 */
void xtcp_cc_on_timeout(struct xtcp_cc *cc, u32 snd_max, u32 flight)
{
	if (!cc->timed_out)
		cc->ssthresh = loss_ssthresh(cc, flight);
	cc->cwnd = cc->mss;
	cc->recover = snd_max;
	cc->state = XTCP_CA_LOSS;
	cc->dupacks = 0;
	cc->bytes_acked = 0;
	cc->timed_out = 1;
}

/**
 * xtcp_cc_restart_after_idle() - sending resumes after an idle period
 * @cc: the connection's state
 * @idle: time since data was last sent (or since the last restart)
 * @rto: the retransmission timeout, in the same unit (0 is taken as 1)
 *
 * RFC 5681 §4.1: a sender that has sent no data for more than an RTO
 * SHOULD start again from cwnd = RW = min(IW, cwnd) at most. As Linux's
 * tcp_cwnd_restart() (RFC 2861 §3's decay), cwnd is halved once for each
 * whole RTO the sender was idle, down to no less than RW, so that a few
 * RTOs of idleness land on RW; and ssthresh keeps at least 3/4 of the
 * cwnd it had (outside fast recovery), for slow start to climb back
 * there. Nothing happens if @idle is at most @rto.
 *
 * Return: true if cwnd was restarted (@idle exceeded @rto).
 */
bool xtcp_cc_restart_after_idle(struct xtcp_cc *cc, u32 idle, u32 rto)
{
	u32 rw = min_u32(cc->cwnd, xtcp_cc_initial_window(cc->mss));
	u32 cwnd = cc->cwnd;

	if (!rto)
		rto = 1;
	if (idle <= rto)
		return false;
	if (cc->state != XTCP_CA_RECOVERY)
		cc->ssthresh = max_u32(cc->ssthresh, (cwnd >> 1) + (cwnd >> 2));
	/* at most 32 rounds: cwnd halves each time */
	while (idle > rto && cwnd > rw) {
		idle -= rto;
		cwnd >>= 1;
	}
	cc->cwnd = max_u32(cwnd, rw);
	return true;
}
