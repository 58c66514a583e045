// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp - the RFC 6298 retransmission timeout estimator. Kernel-independent
 * (see rto.h).
 */
#include "rto.h"

static u32 clamp_u32(u32 v, u32 lo, u32 hi)
{
	if (v < lo)
		return lo;
	return v > hi ? hi : v;
}

/* RFC 6298 §2.2/§2.3: RTO <- SRTT + max(G, K * RTTVAR), K = 4. */
static void set_rto(struct xtcp_rto *r)
{
	u32 var = r->rttvar4 > r->granularity ? r->rttvar4 : r->granularity;

	r->rto = (r->srtt8 >> 3) + var;
}

/**
 * xtcp_rto_init() - the state before any RTT measurement
 * @r: state to initialise
 * @granularity_us: G, the clock granularity in us (a jiffy, for the
 *	module); 0 is taken as 1, values above XTCP_RTT_SAMPLE_MAX_US as
 *	that bound
 *
 * RFC 6298 §2.1: until an RTT measurement has been made, the sender sets
 * RTO to 1 second. No backoff yet.
 */
void xtcp_rto_init(struct xtcp_rto *r, u32 granularity_us)
{
	*r = (struct xtcp_rto){
		.rto = XTCP_RTO_INIT_US,
		.granularity = clamp_u32(granularity_us, 1,
					 XTCP_RTT_SAMPLE_MAX_US),
	};
}

/**
 * xtcp_rto_sample() - feed one RTT measurement
 * @r: the connection's state
 * @rtt_us: the measured round-trip time R, in us
 *
 * RFC 6298 §2.2 for the first measurement: SRTT <- R, RTTVAR <- R/2.
 * RFC 6298 §2.3 for the next ones, with alpha = 1/8 and beta = 1/4, RTTVAR
 * updated first, from the SRTT before this sample:
 * RTTVAR <- 3/4 RTTVAR + 1/4 |SRTT - R'|, SRTT <- 7/8 SRTT + 1/8 R'.
 * Either way RTO <- SRTT + max(G, 4 * RTTVAR); the §2.4 minimum and §2.5
 * maximum are applied by xtcp_rto_timeout(), as they are sysctls.
 *
 * A new measurement also ends the backoff: per the note after RFC 6298
 * §5.7, the recomputed RTO "collapses" the backed-off one (Linux TCP
 * likewise resets its backoff only on a valid RTT measurement).
 *
 * The caller must not pass samples from retransmitted segments (Karn's
 * algorithm, RFC 6298 §3): xtcp_rto_ack() does that check. @rtt_us is
 * clamped to [1, XTCP_RTT_SAMPLE_MAX_US].
 */
void xtcp_rto_sample(struct xtcp_rto *r, u32 rtt_us)
{
	u32 m = clamp_u32(rtt_us, 1, XTCP_RTT_SAMPLE_MAX_US);

	if (!r->srtt8) {
		r->srtt8 = m << 3;
		r->rttvar4 = m << 1;		/* 4 * (R / 2) */
	} else {
		u32 srtt = r->srtt8 >> 3;
		u32 err = m > srtt ? m - srtt : srtt - m;

		/*
		 * Both stay in range: with every sample at most S, srtt8
		 * stays at most 8 S and rttvar4 at most 4 S.
		 */
		r->rttvar4 = r->rttvar4 - (r->rttvar4 >> 2) + err;
		r->srtt8 = r->srtt8 - (r->srtt8 >> 3) + m;
	}
	set_rto(r);
	r->backoff = 0;
}

/**
 * xtcp_rto_ack() - an ACK of new data, with Karn's algorithm applied
 * @r: the connection's state
 * @rtt_us: time from the transmission of the segment being timed to this
 *	ACK, in us
 * @retransmitted: true if that measurement is ambiguous (see below)
 *
 * RFC 6298 §3 (Karn's algorithm): RTT samples MUST NOT be taken from
 * segments that were retransmitted, since the ACK may answer any of the
 * copies. The caller marks a segment as retransmitted when it sends it a
 * second time (by timeout or fast retransmit) and passes
 * @retransmitted = true when any segment this ACK newly acknowledges
 * carries the mark. Then nothing changes: neither the estimate nor the
 * backoff, which RFC 6298 §5 keeps until an ACK for data that was not
 * retransmitted yields a new measurement.
 *
 * Return: true if the sample was taken (and the backoff reset).
 */
bool xtcp_rto_ack(struct xtcp_rto *r, u32 rtt_us, bool retransmitted)
{
	if (retransmitted)
		return false;
	xtcp_rto_sample(r, rtt_us);
	return true;
}

/**
 * xtcp_rto_syn_retransmitted() - data transfer begins after a lost SYN
 * @r: the connection's state, as xtcp_rto_init() left it or with the
 *	handshake's sample
 *
 * RFC 6298 §5.7: if the timer expired awaiting the ACK of a SYN and the RTO
 * in use is below 3 seconds, the RTO MUST be re-initialised to 3 seconds
 * when data transmission begins. Call it once the handshake completes, if
 * the SYN (or SYN-ACK) was retransmitted; as Linux TCP, this only applies
 * while no RTT sample exists (a clean sample is better information).
 */
void xtcp_rto_syn_retransmitted(struct xtcp_rto *r)
{
	if (!r->srtt8 && r->rto < XTCP_RTO_FALLBACK_US)
		r->rto = XTCP_RTO_FALLBACK_US;
}

/**
 * xtcp_rto_backoff() - the retransmission timer expired
 * @r: the connection's state
 *
 * RFC 6298 §5.5: RTO <- RTO * 2. Kept as a count of doublings, which
 * xtcp_rto_timeout() applies up to its maximum (§2.5), so the count can
 * never overflow the timeout; the count itself saturates at
 * XTCP_RTO_BACKOFF_MAX. Only a new RTT sample resets it
 * (xtcp_rto_sample()): RFC 6298 §5 keeps the backed-off RTO until then,
 * whatever else arrives (Karn's algorithm, §3), as Linux keeps its
 * doubled icsk_rto. The persist timer's doublings are counted apart
 * (xtcp_sock.probe_backoff) and end when the window opens.
 */
void xtcp_rto_backoff(struct xtcp_rto *r)
{
	if (r->backoff < XTCP_RTO_BACKOFF_MAX)
		r->backoff++;
}

/**
 * xtcp_rto_timeout() - the timeout to arm the retransmission timer with
 * @r: the connection's state
 * @min_us: lower bound (RFC 6298 §2.4 says 1 s; Linux TCP uses 200 ms)
 * @max_us: upper bound, at least 60 s per RFC 6298 §2.5 (Linux: 120 s)
 *
 * The RTO bounded below by @min_us and above by @max_us, then doubled
 * once per backoff (RFC 6298 §5.5) without exceeding @max_us. If
 * @min_us > @max_us, @max_us wins: the result never exceeds it.
 *
 * Return: the timeout in us.
 */
u32 xtcp_rto_timeout(const struct xtcp_rto *r, u32 min_us, u32 max_us)
{
	u64 t = r->rto < min_us ? min_us : r->rto;
	unsigned int n = r->backoff;

	/* t >= 1 (G >= 1), so this takes at most 32 rounds */
	while (n-- && t < max_us)
		t <<= 1;
	return t < max_us ? (u32)t : max_us;
}
