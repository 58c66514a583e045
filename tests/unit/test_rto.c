// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the RFC 6298 retransmission timeout estimator:
 * src/rto.c, the file the module compiles. Times are in microseconds.
 */
#include "unit.h"
#include "../../src/rto.c"

#define MS	1000U
#define S	1000000U
#define MIN	(200 * MS)	/* Linux's defaults, as the sysctls will be */
#define MAX	(120 * S)
#define G	1000U		/* a jiffy at HZ=1000 */

static double dabs(double d)
{
	return d < 0 ? -d : d;
}

static double dmax(double a, double b)
{
	return a > b ? a : b;
}

UNIT_TEST(init_is_one_second)
{
	struct xtcp_rto r;

	xtcp_rto_init(&r, G);
	CHECK(r.rto == 1 * S && r.backoff == 0);
	CHECK(xtcp_rto_srtt_us(&r) == 0 && xtcp_rto_rttvar_us(&r) == 0);
	CHECK(xtcp_rto_timeout(&r, MIN, MAX) == 1 * S);
	/* the bounds apply to the initial RTO too */
	CHECK(xtcp_rto_timeout(&r, 1500 * MS, MAX) == 1500 * MS);
	CHECK(xtcp_rto_timeout(&r, MIN, 500 * MS) == 500 * MS);
	/* G of 0 would make a zero RTO possible: taken as 1 us */
	xtcp_rto_init(&r, 0);
	CHECK(r.granularity == 1);
	xtcp_rto_init(&r, 0xffffffff);
	CHECK(r.granularity == XTCP_RTT_SAMPLE_MAX_US);
}

/* RFC 6298 §2.2: SRTT = R, RTTVAR = R/2, RTO = SRTT + max(G, 4 RTTVAR) */
UNIT_TEST(first_sample)
{
	struct xtcp_rto r;

	xtcp_rto_init(&r, G);
	xtcp_rto_sample(&r, 100 * MS);
	CHECK(xtcp_rto_srtt_us(&r) == 100 * MS);
	CHECK(xtcp_rto_rttvar_us(&r) == 50 * MS);
	CHECK(r.rto == 300 * MS);
	CHECK(xtcp_rto_timeout(&r, MIN, MAX) == 300 * MS);

	/* below the minimum: clamped (RFC 6298 §2.4, with Linux's 200 ms) */
	xtcp_rto_init(&r, G);
	xtcp_rto_sample(&r, 10 * MS);
	CHECK(r.rto == 30 * MS);
	CHECK(xtcp_rto_timeout(&r, MIN, MAX) == MIN);
	CHECK(xtcp_rto_timeout(&r, 1 * S, MAX) == 1 * S);	/* RFC's 1 s */
	CHECK(xtcp_rto_timeout(&r, 0, MAX) == 30 * MS);

	/* G dominates when 4 RTTVAR is smaller: 1 ms RTT, 10 ms jiffies */
	xtcp_rto_init(&r, 10 * MS);
	xtcp_rto_sample(&r, 1 * MS);
	CHECK(r.rto == 1 * MS + 10 * MS);
	/* odd R: RTTVAR = R/2 is kept exactly, scaled by 4 */
	xtcp_rto_init(&r, 1);
	xtcp_rto_sample(&r, 3);
	CHECK(r.srtt8 == 24 && r.rttvar4 == 6 && r.rto == 3 + 6);
}

/* RFC 6298 §2.3 with alpha = 1/8, beta = 1/4, by hand */
UNIT_TEST(later_samples_by_hand)
{
	struct xtcp_rto r;

	xtcp_rto_init(&r, G);
	xtcp_rto_sample(&r, 100 * MS);
	/*
	 * R' = 200 ms: RTTVAR = 3/4 * 50 + 1/4 * |100 - 200| = 62.5 ms,
	 * SRTT = 7/8 * 100 + 1/8 * 200 = 112.5 ms, RTO = 112.5 + 250 ms.
	 */
	xtcp_rto_sample(&r, 200 * MS);
	CHECK(xtcp_rto_rttvar_us(&r) == 62500);
	CHECK(xtcp_rto_srtt_us(&r) == 112500);
	CHECK(r.rto == 362500);
	/*
	 * R' = 50 ms: RTTVAR = 3/4 * 62.5 + 1/4 * |112.5 - 50| = 62.5 ms,
	 * SRTT = 7/8 * 112.5 + 1/8 * 50 = 104.6875 ms (kept exactly as
	 * SRTT * 8 = 837500 us), RTO = 104.687 + 250 ms.
	 */
	xtcp_rto_sample(&r, 50 * MS);
	CHECK(r.rttvar4 == 250000 && xtcp_rto_rttvar_us(&r) == 62500);
	CHECK(r.srtt8 == 837500 && xtcp_rto_srtt_us(&r) == 104687);
	CHECK(r.rto == 354687);
	/* RTTVAR uses the SRTT from before the update: R' = SRTT gives
	 * RTTVAR = 3/4 RTTVAR exactly
	 */
	xtcp_rto_init(&r, G);
	xtcp_rto_sample(&r, 80 * MS);
	xtcp_rto_sample(&r, 80 * MS);
	CHECK(xtcp_rto_srtt_us(&r) == 80 * MS);
	CHECK(xtcp_rto_rttvar_us(&r) == 30 * MS);	/* 3/4 of 40 */
	CHECK(r.rto == 80 * MS + 120 * MS);
}

/* A steady RTT: RTTVAR decays to nothing and RTO to SRTT + G. */
UNIT_TEST(steady_rtt_converges)
{
	struct xtcp_rto r;
	int i;

	xtcp_rto_init(&r, G);
	for (i = 0; i < 200; i++)
		xtcp_rto_sample(&r, 80 * MS);
	CHECK(xtcp_rto_srtt_us(&r) == 80 * MS);
	CHECK(xtcp_rto_rttvar_us(&r) == 0);
	CHECK(r.rto == 80 * MS + G);
	CHECK(xtcp_rto_timeout(&r, MIN, MAX) == MIN);
	CHECK(xtcp_rto_timeout(&r, 0, MAX) == 81 * MS);
}

/*
 * Against the RFC's formulas in exact (double) arithmetic, over random
 * samples: the integer version may lose a fraction of a microsecond per
 * step to truncation, which the decaying gains keep bounded.
 */
UNIT_TEST(matches_real_arithmetic)
{
	unsigned int seed = 7, i, run;
	double worst_srtt = 0, worst_var = 0;

	for (run = 0; run < 50; run++) {
		struct xtcp_rto r;
		double srtt = 0, var = 0;
		/* runs of different scales: loopback to satellite */
		u32 scale = 50u << (run % 16);

		xtcp_rto_init(&r, 1);
		for (i = 0; i < 2000; i++) {
			u32 m;

			seed = seed * 1103515245 + 12345;
			m = 1 + (seed >> 8) % scale;
			if (!i) {
				srtt = m;
				var = m / 2.0;
			} else {
				var = 0.75 * var + 0.25 * dabs(srtt - m);
				srtt = 0.875 * srtt + 0.125 * m;
			}
			xtcp_rto_sample(&r, m);
			worst_srtt = dmax(worst_srtt,
					  dabs(r.srtt8 / 8.0 - srtt));
			worst_var = dmax(worst_var,
					 dabs(r.rttvar4 / 4.0 - var));
			CHECK(r.rto == r.srtt8 / 8 +
			      (r.rttvar4 > 1 ? r.rttvar4 : 1));
		}
	}
	printf("# worst |SRTT error| %.3f us, |RTTVAR error| %.3f us\n",
	       worst_srtt, worst_var);
	CHECK(worst_srtt <= 1.0);
	CHECK(worst_var <= 2.0);
}

/* RFC 6298 §5.5: doubling, capped at the maximum (§2.5) */
UNIT_TEST(backoff_doubles_and_caps)
{
	struct xtcp_rto r;
	int i;

	xtcp_rto_init(&r, G);
	xtcp_rto_sample(&r, 100 * MS);			/* RTO 300 ms */
	xtcp_rto_backoff(&r);
	CHECK(r.backoff == 1);
	CHECK(xtcp_rto_timeout(&r, MIN, MAX) == 600 * MS);
	xtcp_rto_backoff(&r);
	CHECK(xtcp_rto_timeout(&r, MIN, MAX) == 1200 * MS);
	for (i = 0; i < 7; i++)
		xtcp_rto_backoff(&r);			/* 300 ms << 9 */
	CHECK(xtcp_rto_timeout(&r, MIN, MAX) == MAX);
	CHECK(xtcp_rto_timeout(&r, MIN, 200 * S) == 153600 * MS);
	/* the count saturates; the timeout stays at the cap */
	for (i = 0; i < 1000; i++)
		xtcp_rto_backoff(&r);
	CHECK(r.backoff == XTCP_RTO_BACKOFF_MAX);
	CHECK(xtcp_rto_timeout(&r, MIN, MAX) == MAX);
	CHECK(xtcp_rto_timeout(&r, MIN, 0xffffffff) == 0xffffffff);

	/* the minimum applies before doubling, as Linux's rto_min */
	xtcp_rto_init(&r, G);
	xtcp_rto_sample(&r, 10 * MS);			/* RTO 30 ms */
	xtcp_rto_backoff(&r);
	CHECK(xtcp_rto_timeout(&r, MIN, MAX) == 400 * MS);

	/* before any sample: 1 s, 2 s, 4 s, ... as the SYN's */
	xtcp_rto_init(&r, G);
	xtcp_rto_backoff(&r);
	xtcp_rto_backoff(&r);
	CHECK(xtcp_rto_timeout(&r, MIN, MAX) == 4 * S);

	/* min above max: max wins, backoff or not */
	CHECK(xtcp_rto_timeout(&r, 10 * S, 5 * S) == 5 * S);
	r.backoff = 0;
	CHECK(xtcp_rto_timeout(&r, 10 * S, 5 * S) == 5 * S);
}

/* RFC 6298 §5 note after 5.7: a new measurement collapses the backoff. */
UNIT_TEST(backoff_reset)
{
	struct xtcp_rto r;

	xtcp_rto_init(&r, G);
	xtcp_rto_sample(&r, 100 * MS);
	xtcp_rto_backoff(&r);
	xtcp_rto_backoff(&r);
	xtcp_rto_backoff(&r);
	CHECK(xtcp_rto_timeout(&r, MIN, MAX) == 2400 * MS);
	xtcp_rto_sample(&r, 100 * MS);	/* RTTVAR 37.5 ms: RTO 250 ms */
	CHECK(r.backoff == 0);
	CHECK(xtcp_rto_timeout(&r, MIN, MAX) == 250 * MS);

	xtcp_rto_backoff(&r);
	CHECK(xtcp_rto_timeout(&r, MIN, MAX) == 500 * MS);
}

/* RFC 6298 §3: no sample from a retransmitted segment, backoff kept. */
UNIT_TEST(karn)
{
	struct xtcp_rto r, before;

	xtcp_rto_init(&r, G);
	xtcp_rto_sample(&r, 100 * MS);
	xtcp_rto_backoff(&r);
	xtcp_rto_backoff(&r);
	before = r;
	/* the ACK of a retransmission: could answer the first copy */
	CHECK(!xtcp_rto_ack(&r, 5 * S, true));
	CHECK(r.srtt8 == before.srtt8 && r.rttvar4 == before.rttvar4);
	CHECK(r.rto == before.rto && r.backoff == 2);
	CHECK(xtcp_rto_timeout(&r, MIN, MAX) == 1200 * MS);
	/* then new data, sent once, is acknowledged: sample and collapse */
	CHECK(xtcp_rto_ack(&r, 100 * MS, false));
	CHECK(r.backoff == 0);
	CHECK(xtcp_rto_timeout(&r, MIN, MAX) == 250 * MS);

	/* before any sample, Karn keeps the initial RTO and its backoff */
	xtcp_rto_init(&r, G);
	xtcp_rto_backoff(&r);
	CHECK(!xtcp_rto_ack(&r, 3 * S, true));
	CHECK(r.srtt8 == 0 && xtcp_rto_timeout(&r, MIN, MAX) == 2 * S);
	CHECK(xtcp_rto_ack(&r, 40 * MS, false));
	CHECK(xtcp_rto_srtt_us(&r) == 40 * MS && r.backoff == 0);
}

/* RFC 6298 §5.7: 3 s once data flows after a retransmitted SYN. */
UNIT_TEST(syn_retransmitted_fallback)
{
	struct xtcp_rto r;

	xtcp_rto_init(&r, G);
	xtcp_rto_syn_retransmitted(&r);
	CHECK(r.rto == 3 * S && xtcp_rto_timeout(&r, MIN, MAX) == 3 * S);
	/* the first sample is still taken as the first (§2.2) */
	xtcp_rto_sample(&r, 100 * MS);
	CHECK(xtcp_rto_srtt_us(&r) == 100 * MS && r.rto == 300 * MS);
	/* with a sample from the handshake, it stays */
	xtcp_rto_syn_retransmitted(&r);
	CHECK(r.rto == 300 * MS);
}

/* Extreme samples: clamped, never overflowing the scaled values. */
UNIT_TEST(extreme_samples)
{
	struct xtcp_rto r;
	int i;

	xtcp_rto_init(&r, G);
	xtcp_rto_sample(&r, 0);
	CHECK(xtcp_rto_srtt_us(&r) == 1 && r.srtt8 == 8);
	CHECK(r.rto == 1 + G);

	xtcp_rto_init(&r, 0xffffffff);
	xtcp_rto_sample(&r, 0xffffffff);
	CHECK(xtcp_rto_srtt_us(&r) == XTCP_RTT_SAMPLE_MAX_US);
	CHECK(xtcp_rto_rttvar_us(&r) == XTCP_RTT_SAMPLE_MAX_US / 2);
	for (i = 0; i < 10000; i++) {
		u32 srtt = xtcp_rto_srtt_us(&r);

		xtcp_rto_sample(&r, i & 1 ? 0xffffffff : 0);
		CHECK(r.srtt8 <= 8ULL * XTCP_RTT_SAMPLE_MAX_US);
		CHECK(r.rttvar4 <= 4ULL * XTCP_RTT_SAMPLE_MAX_US);
		/* no wrap: SRTT moves towards the sample by 1/8 */
		if (i & 1)
			CHECK(xtcp_rto_srtt_us(&r) >= srtt);
		else
			CHECK(xtcp_rto_srtt_us(&r) <= srtt);
		CHECK((u64)r.rto == (u64)(r.srtt8 >> 3) +
		      (r.rttvar4 > r.granularity ? r.rttvar4 : r.granularity));
		xtcp_rto_backoff(&r);
		CHECK(xtcp_rto_timeout(&r, MIN, MAX) == MAX);
	}
}

int main(void)
{
	return unit_run();
}
