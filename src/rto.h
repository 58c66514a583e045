/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The retransmission timeout (RFC 6298): smoothed RTT, RTT variation and
 * the timeout derived from them, in integer arithmetic. Kernel-independent:
 * compiled into xtcp.ko and into the host unit tests.
 *
 * Every time is in microseconds (u32, as Linux's srtt_us): fine enough for
 * loopback RTTs, wide enough for any timeout a sysctl can ask for. The
 * caller converts to jiffies when it arms the timer.
 *
 * As in Linux TCP, SRTT is kept scaled by 8 and RTTVAR by 4, so that the
 * gains alpha = 1/8 and beta = 1/4 are shifts and K * RTTVAR (K = 4) is
 * the scaled value itself.
 */
#ifndef _XTCP_RTO_H
#define _XTCP_RTO_H

#include "types.h"

#define XTCP_RTO_INIT_US	1000000U	/* RFC 6298 §2.1: 1 s */
#define XTCP_RTO_FALLBACK_US	3000000U	/* RFC 6298 §5.7: 3 s */
#define XTCP_RTO_MIN_DEFAULT_US	200000U		/* Linux's TCP_RTO_MIN */
#define XTCP_RTO_MAX_DEFAULT_US	120000000U	/* Linux's TCP_RTO_MAX */

/*
 * RTT samples are clamped to [1, XTCP_RTT_SAMPLE_MAX_US] (and the clock
 * granularity to the same upper bound): this keeps SRTT << 3, RTTVAR << 2
 * and the unbounded RTO within 32 bits. A sample is at least 1 us so that
 * srtt8 == 0 can mean "no sample yet".
 */
#define XTCP_RTT_SAMPLE_MAX_US	300000000U	/* 300 s */
#define XTCP_RTO_BACKOFF_MAX	255		/* saturation of @backoff */

/**
 * struct xtcp_rto - retransmission timeout state of one connection
 * @srtt8: SRTT << 3, in us; 0 until the first RTT sample
 * @rttvar4: RTTVAR << 2, in us (that is, K * RTTVAR with K = 4)
 * @rto: SRTT + max(G, K * RTTVAR) in us, before the caller's min/max
 *	bounds and before backoff; XTCP_RTO_INIT_US until the first sample
 * @granularity: G, the clock granularity, in us (at least 1)
 * @backoff: timer expirations since the last RTT sample (RFC 6298 §5.5),
 *	saturating at XTCP_RTO_BACKOFF_MAX
 */
struct xtcp_rto {
	u32 srtt8;
	u32 rttvar4;
	u32 rto;
	u32 granularity;
	u8 backoff;
};

void xtcp_rto_init(struct xtcp_rto *r, u32 granularity_us);
void xtcp_rto_sample(struct xtcp_rto *r, u32 rtt_us);
bool xtcp_rto_ack(struct xtcp_rto *r, u32 rtt_us, bool retransmitted);
void xtcp_rto_syn_retransmitted(struct xtcp_rto *r);
void xtcp_rto_backoff(struct xtcp_rto *r);
u32 xtcp_rto_timeout(const struct xtcp_rto *r, u32 min_us, u32 max_us);

/* SRTT in us, 0 before the first sample. */
static inline u32 xtcp_rto_srtt_us(const struct xtcp_rto *r)
{
	return r->srtt8 >> 3;
}

/* RTTVAR in us, 0 before the first sample. */
static inline u32 xtcp_rto_rttvar_us(const struct xtcp_rto *r)
{
	return r->rttvar4 >> 2;
}

#endif /* _XTCP_RTO_H */
