// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of congestion control (RFC 5681, NewReno per RFC 6582):
 * src/cc.c, the file the module compiles. An SMSS of 1000 bytes keeps the
 * arithmetic readable.
 */
#include "unit.h"
#include "../../src/cc.c"

#define MSS	1000U
#define INF	XTCP_CC_INFINITE
#define RT	XTCP_CC_RETRANSMIT
#define TIMER	XTCP_CC_RESTART_TIMER

/* A connection in congestion avoidance: cwnd 20 MSS, ssthresh 10 MSS. */
static void open_ca(struct xtcp_cc *cc)
{
	xtcp_cc_init(cc, MSS, 0);
	cc->cwnd = 20 * MSS;
	cc->ssthresh = 10 * MSS;
}

/*
 * Three duplicates of @una with 20 MSS outstanding from @una: fast
 * retransmit, ssthresh 10 MSS, cwnd 13 MSS, recover una + 20 MSS.
 */
static unsigned int three_dupacks(struct xtcp_cc *cc, u32 una)
{
	unsigned int act = 0;
	int i;

	for (i = 0; i < 3; i++)
		act |= xtcp_cc_on_dupack(cc, una, una + 20 * MSS, 20 * MSS);
	return act;
}

/* RFC 6928 §2: min(10 * MSS, max(2 * MSS, 14600)) */
UNIT_TEST(initial_window)
{
	CHECK(xtcp_cc_initial_window(1460) == 14600);
	CHECK(xtcp_cc_initial_window(536) == 5360);
	CHECK(xtcp_cc_initial_window(1000) == 10000);
	CHECK(xtcp_cc_initial_window(1461) == 14600);	/* fewer than 10 */
	CHECK(xtcp_cc_initial_window(4000) == 14600);
	CHECK(xtcp_cc_initial_window(7300) == 14600);
	CHECK(xtcp_cc_initial_window(9000) == 18000);	/* 2 segments */
	CHECK(xtcp_cc_initial_window(65535) == 131070);
	CHECK(xtcp_cc_initial_window(100000) == 131070);	/* clamped */
	CHECK(xtcp_cc_initial_window(0) == 10);
}

UNIT_TEST(init_state)
{
	struct xtcp_cc cc;

	xtcp_cc_init(&cc, 1460, 0);
	CHECK(cc.cwnd == 14600 && cc.ssthresh == INF && cc.mss == 1460);
	CHECK(cc.state == XTCP_CA_OPEN && cc.dupacks == 0);
	CHECK(xtcp_cc_in_slow_start(&cc) && !xtcp_cc_in_recovery(&cc));
	/*
	 * RFC 5681 §3.1: one segment after a lost SYN or SYN-ACK; as Linux,
	 * only after more than one retransmission
	 */
	xtcp_cc_init(&cc, 1460, 1);
	CHECK(cc.cwnd == 14600 && cc.ssthresh == INF);
	xtcp_cc_init(&cc, 1460, 2);
	CHECK(cc.cwnd == 1460 && cc.ssthresh == INF);
	CHECK(cc.state == XTCP_CA_OPEN && xtcp_cc_in_slow_start(&cc));
	xtcp_cc_init(&cc, 1460, 255);
	CHECK(cc.cwnd == 1460);
	xtcp_cc_init(&cc, 0, 0);
	CHECK(cc.mss == 1 && cc.cwnd == 10);
	xtcp_cc_init(&cc, 0xffffffff, 0);
	CHECK(cc.mss == XTCP_CC_MSS_MAX);
}

/* RFC 5681 §3.1 / RFC 3465: cwnd += min(N, L), L = 2 SMSS */
UNIT_TEST(slow_start_per_ack)
{
	struct xtcp_cc cc;
	u32 una = 1;

	xtcp_cc_init(&cc, MSS, 0);
	CHECK(xtcp_cc_on_ack(&cc, una += MSS, MSS) == TIMER);
	CHECK(cc.cwnd == 11 * MSS);
	CHECK(xtcp_cc_on_ack(&cc, una += 2 * MSS, 2 * MSS) == TIMER);
	CHECK(cc.cwnd == 13 * MSS);		/* delayed ACK: 2 SMSS */
	CHECK(xtcp_cc_on_ack(&cc, una += 5 * MSS, 5 * MSS) == TIMER);
	CHECK(cc.cwnd == 15 * MSS);		/* stretch ACK: L = 2 SMSS */
	xtcp_cc_on_ack(&cc, una += 100, 100);
	CHECK(cc.cwnd == 15 * MSS + 100);	/* bytes, not segments */
	CHECK(cc.bytes_acked == 0);
	/* an ACK of nothing new changes nothing */
	CHECK(xtcp_cc_on_ack(&cc, una, 0) == 0);
	CHECK(cc.cwnd == 15 * MSS + 100);
}

/* One RTT of slow start doubles cwnd, with or without delayed ACKs. */
UNIT_TEST(slow_start_doubles_per_rtt)
{
	struct xtcp_cc cc;
	u32 una = 1000, i, n;

	xtcp_cc_init(&cc, MSS, 0);
	n = cc.cwnd / MSS;
	for (i = 0; i < n; i++)
		xtcp_cc_on_ack(&cc, una += MSS, MSS);
	CHECK(cc.cwnd == 20 * MSS);
	n = cc.cwnd / MSS;
	for (i = 0; i < n; i += 2)
		xtcp_cc_on_ack(&cc, una += 2 * MSS, 2 * MSS);
	CHECK(cc.cwnd == 40 * MSS);
}

/* Slow start stops at ssthresh; the rest of the ACK counts for CA. */
UNIT_TEST(crossing_ssthresh)
{
	struct xtcp_cc cc;
	u32 una = 1;
	int i;

	xtcp_cc_init(&cc, MSS, 0);
	cc.ssthresh = 10 * MSS + 500;
	xtcp_cc_on_ack(&cc, una += 2 * MSS, 2 * MSS);
	CHECK(cc.cwnd == 10 * MSS + 500);
	CHECK(!xtcp_cc_in_slow_start(&cc));
	CHECK(cc.bytes_acked == 1500);
	/* cwnd == ssthresh: congestion avoidance (Linux's choice too) */
	for (i = 0; i < 8; i++)
		xtcp_cc_on_ack(&cc, una += MSS, MSS);
	CHECK(cc.cwnd == 10 * MSS + 500 && cc.bytes_acked == 9500);
	xtcp_cc_on_ack(&cc, una += MSS, MSS);	/* 10500 >= cwnd */
	CHECK(cc.cwnd == 11 * MSS + 500 && cc.bytes_acked == 0);

	/* an ACK landing exactly on ssthresh leaves nothing over */
	xtcp_cc_init(&cc, MSS, 0);
	cc.ssthresh = 12 * MSS;
	xtcp_cc_on_ack(&cc, una += 2 * MSS, 2 * MSS);
	CHECK(cc.cwnd == 12 * MSS && cc.bytes_acked == 0);
	/* the L limit applies before: 5 MSS acked, 2 MSS counted */
	xtcp_cc_init(&cc, MSS, 0);
	cc.ssthresh = 11 * MSS;
	xtcp_cc_on_ack(&cc, una += 5 * MSS, 5 * MSS);
	CHECK(cc.cwnd == 11 * MSS && cc.bytes_acked == MSS);
}

/* RFC 5681 §3.1: about one SMSS per RTT in congestion avoidance */
UNIT_TEST(congestion_avoidance_one_mss_per_rtt)
{
	struct xtcp_cc cc;
	u32 una = 0xfff00000, rtt, i, n, credit;

	open_ca(&cc);
	for (rtt = 0; rtt < 50; rtt++) {
		u32 before = cc.cwnd;

		n = cc.cwnd / MSS;		/* a window of full segments */
		for (i = 0; i < n; i++)
			xtcp_cc_on_ack(&cc, una += MSS, MSS);
		CHECK(cc.cwnd == before + MSS);
	}
	CHECK(cc.cwnd == 70 * MSS);
	/* delayed ACKs: the same growth */
	for (rtt = 0; rtt < 10; rtt++) {
		n = cc.cwnd / MSS;
		for (i = 0; i < n; i += 2)
			xtcp_cc_on_ack(&cc, una += 2 * MSS, 2 * MSS);
	}
	CHECK(cc.cwnd == 80 * MSS);
	/* a stretch ACK of many windows gives one SMSS, the rest is credit */
	credit = cc.bytes_acked;
	CHECK(credit < cc.cwnd);
	xtcp_cc_on_ack(&cc, una += 160 * MSS, 160 * MSS);
	CHECK(cc.cwnd == 81 * MSS && cc.bytes_acked == credit + 80 * MSS);
	/* the banked credit brings the next SMSS after one more SMSS */
	xtcp_cc_on_ack(&cc, una += MSS, MSS);
	CHECK(cc.cwnd == 82 * MSS);
	CHECK(cc.state == XTCP_CA_OPEN);
}

/* RFC 5681 §3.2: the third duplicate ACK, and only it, retransmits */
UNIT_TEST(fast_retransmit_once)
{
	struct xtcp_cc cc;
	u32 una = 5001, i;

	open_ca(&cc);
	CHECK(xtcp_cc_on_dupack(&cc, una, una + 20 * MSS, 20 * MSS) == 0);
	CHECK(xtcp_cc_on_dupack(&cc, una, una + 20 * MSS, 20 * MSS) == 0);
	CHECK(cc.cwnd == 20 * MSS && cc.state == XTCP_CA_OPEN);
	CHECK(xtcp_cc_on_dupack(&cc, una, una + 20 * MSS, 20 * MSS) == RT);
	/* ssthresh = max(FlightSize / 2, 2 SMSS), cwnd = ssthresh + 3 SMSS */
	CHECK(cc.ssthresh == 10 * MSS && cc.cwnd == 13 * MSS);
	CHECK(xtcp_cc_in_recovery(&cc) && cc.recover == una + 20 * MSS);
	/* further duplicates: no retransmission, one SMSS of inflation each */
	for (i = 4; i <= 300; i++)
		CHECK(xtcp_cc_on_dupack(&cc, una, una + 20 * MSS,
					20 * MSS) == 0);
	CHECK(cc.cwnd == 13 * MSS + 297 * MSS);
	CHECK(cc.dupacks == 255);			/* saturated */
	CHECK(cc.ssthresh == 10 * MSS);

	/* FlightSize, not cwnd: a small flight gives 2 SMSS */
	open_ca(&cc);
	for (i = 0; i < 3; i++)
		xtcp_cc_on_dupack(&cc, una, una + 3 * MSS, 3 * MSS);
	CHECK(cc.ssthresh == 2 * MSS && cc.cwnd == 5 * MSS);
	/* odd flight: halved by shift, bytes */
	open_ca(&cc);
	for (i = 0; i < 3; i++)
		xtcp_cc_on_dupack(&cc, una, una + 12345, 12345);
	CHECK(cc.ssthresh == 6172 && cc.cwnd == 9172);
}

/* A new ACK between duplicates starts the count again. */
UNIT_TEST(dupack_count_resets_on_new_ack)
{
	struct xtcp_cc cc;
	u32 una = 1;

	open_ca(&cc);
	CHECK(xtcp_cc_on_dupack(&cc, una, una + 20 * MSS, 20 * MSS) == 0);
	CHECK(xtcp_cc_on_dupack(&cc, una, una + 20 * MSS, 20 * MSS) == 0);
	CHECK(xtcp_cc_on_ack(&cc, una += MSS, MSS) == TIMER);
	CHECK(cc.dupacks == 0);
	CHECK(xtcp_cc_on_dupack(&cc, una, una + 19 * MSS, 19 * MSS) == 0);
	CHECK(xtcp_cc_on_dupack(&cc, una, una + 19 * MSS, 19 * MSS) == 0);
	CHECK(cc.state == XTCP_CA_OPEN);
	CHECK(xtcp_cc_on_dupack(&cc, una, una + 19 * MSS, 19 * MSS) == RT);
}

/* RFC 6582 §3.2 step 3: partial ACKs retransmit and deflate */
UNIT_TEST(partial_acks)
{
	struct xtcp_cc cc;
	u32 una = 1, i;

	open_ca(&cc);
	CHECK(three_dupacks(&cc, una) == RT);
	for (i = 0; i < 7; i++)
		xtcp_cc_on_dupack(&cc, una, una + 20 * MSS, 20 * MSS);
	CHECK(cc.cwnd == 20 * MSS);
	/* 4 SMSS acked: deflate by 4, add back 1; first one: timer too */
	CHECK(xtcp_cc_on_ack(&cc, una += 4 * MSS, 4 * MSS) == (RT | TIMER));
	CHECK(cc.cwnd == 17 * MSS && xtcp_cc_in_recovery(&cc));
	/* less than an SMSS acked: nothing added back; timer left alone */
	CHECK(xtcp_cc_on_ack(&cc, una += 500, 500) == RT);
	CHECK(cc.cwnd == 16 * MSS + 500);
	/* exactly one SMSS: -1 +1 */
	CHECK(xtcp_cc_on_ack(&cc, una += MSS, MSS) == RT);
	CHECK(cc.cwnd == 16 * MSS + 500);
	/* duplicates in between still inflate (RFC 5681 §3.2 step 4) */
	CHECK(xtcp_cc_on_dupack(&cc, una, 1 + 20 * MSS, 14 * MSS) == 0);
	CHECK(cc.cwnd == 17 * MSS + 500);
	CHECK(cc.ssthresh == 10 * MSS && cc.recover == 1 + 20 * MSS);
	/* one byte short of recover is still partial */
	CHECK(xtcp_cc_on_ack(&cc, 20 * MSS, 20 * MSS - una) == RT);
	CHECK(xtcp_cc_in_recovery(&cc));
	CHECK(cc.cwnd == 17 * MSS + 500 - (20 * MSS - una) + MSS);
	una = 20 * MSS;
	/* the full ACK: cwnd = ssthresh, recovery over */
	CHECK(xtcp_cc_on_ack(&cc, una + 1, 1) == TIMER);
	CHECK(!xtcp_cc_in_recovery(&cc) && cc.state == XTCP_CA_OPEN);
	CHECK(cc.cwnd == 10 * MSS && cc.ssthresh == 10 * MSS);
}

/* RFC 6582 §3.2 step 3: a full ACK deflates to ssthresh and exits */
UNIT_TEST(full_ack_deflates)
{
	struct xtcp_cc cc;
	u32 una = 1, i;

	open_ca(&cc);
	three_dupacks(&cc, una);
	for (i = 0; i < 17; i++)
		xtcp_cc_on_dupack(&cc, una, una + 20 * MSS, 20 * MSS);
	CHECK(cc.cwnd == 30 * MSS);
	/* beyond recover (new data sent during recovery) is full too */
	CHECK(xtcp_cc_on_ack(&cc, una + 25 * MSS, 25 * MSS) == TIMER);
	CHECK(cc.cwnd == 10 * MSS && cc.state == XTCP_CA_OPEN);
	CHECK(cc.dupacks == 0 && cc.bytes_acked == 0);
	/* then congestion avoidance from ssthresh */
	una += 25 * MSS;
	for (i = 0; i < 10; i++)
		xtcp_cc_on_ack(&cc, una += MSS, MSS);
	CHECK(cc.cwnd == 11 * MSS);
	/* and a later loss is fast-retransmitted again */
	CHECK(three_dupacks(&cc, una) == RT);
	CHECK(cc.recover == una + 20 * MSS);
	/* a second recovery: the first partial ACK restarts the timer again */
	CHECK(xtcp_cc_on_ack(&cc, una + MSS, MSS) == (RT | TIMER));
}

/* RFC 5681 §3.1: timeout -> ssthresh per (4), cwnd = 1 SMSS */
UNIT_TEST(timeout_loss_window)
{
	struct xtcp_cc cc;
	u32 una = 1;

	open_ca(&cc);
	xtcp_cc_on_timeout(&cc, una + 30 * MSS, 30 * MSS);
	CHECK(cc.cwnd == MSS && cc.ssthresh == 15 * MSS);
	CHECK(cc.state == XTCP_CA_LOSS && cc.recover == una + 30 * MSS);
	/* the same segment times out again: ssthresh held */
	xtcp_cc_on_timeout(&cc, una + 30 * MSS, 4 * MSS);
	CHECK(cc.cwnd == MSS && cc.ssthresh == 15 * MSS);
	/* slow start after the timeout: L = 1 SMSS (RFC 3465 §2.3) */
	CHECK(xtcp_cc_on_ack(&cc, una += 2 * MSS, 2 * MSS) == TIMER);
	CHECK(cc.cwnd == 2 * MSS && cc.state == XTCP_CA_LOSS);
	/* progress was made: the next timeout computes ssthresh anew */
	xtcp_cc_on_timeout(&cc, una + 28 * MSS, 4 * MSS);
	CHECK(cc.cwnd == MSS && cc.ssthresh == 2 * MSS);

	/* a timeout during fast recovery ends it */
	open_ca(&cc);
	three_dupacks(&cc, una);
	CHECK(xtcp_cc_in_recovery(&cc));
	xtcp_cc_on_timeout(&cc, una + 20 * MSS, 20 * MSS);
	CHECK(cc.state == XTCP_CA_LOSS && cc.cwnd == MSS);
	CHECK(cc.ssthresh == 10 * MSS && cc.dupacks == 0);
}

/* After the timeout, ACKs up to recover leave the loss state. */
UNIT_TEST(timeout_recovery_to_open)
{
	struct xtcp_cc cc;
	u32 una = 1, i;

	open_ca(&cc);
	xtcp_cc_on_timeout(&cc, una + 10 * MSS, 10 * MSS);	/* ss 5 MSS */
	for (i = 0; i < 4; i++)
		xtcp_cc_on_ack(&cc, una += MSS, MSS);
	CHECK(cc.cwnd == 5 * MSS && cc.state == XTCP_CA_LOSS);
	for (i = 0; i < 6; i++)
		xtcp_cc_on_ack(&cc, una += MSS, MSS);
	CHECK(una == 1 + 10 * MSS && cc.state == XTCP_CA_OPEN);
	/* in CA from 5 MSS: +1 SMSS after 5 SMSS acked */
	CHECK(cc.cwnd == 6 * MSS && cc.bytes_acked == MSS);
	/* now out of the loss state: L = 2 SMSS again in slow start */
	cc.ssthresh = INF;
	xtcp_cc_on_ack(&cc, una += 2 * MSS, 2 * MSS);
	CHECK(cc.cwnd == 8 * MSS);
}

/*
 * RFC 6582 §3.2 steps 2 and 4: after a timeout, duplicates that do not
 * cover more than recover do not trigger fast retransmit.
 */
UNIT_TEST(no_fast_retransmit_below_recover)
{
	struct xtcp_cc cc;
	u32 una = 1, i;

	open_ca(&cc);
	xtcp_cc_on_timeout(&cc, una + 20 * MSS, 20 * MSS);
	xtcp_cc_on_ack(&cc, una += MSS, MSS);	/* go-back-N under way */
	for (i = 0; i < 10; i++)
		CHECK(xtcp_cc_on_dupack(&cc, una, una + 19 * MSS,
					19 * MSS) == 0);
	CHECK(cc.state == XTCP_CA_LOSS && cc.ssthresh == 10 * MSS);
	CHECK(cc.cwnd == 2 * MSS);		/* no inflation either */
	/* the ACK reaching recover ends it; new losses count again */
	xtcp_cc_on_ack(&cc, una + 19 * MSS, 19 * MSS);
	una += 19 * MSS;
	CHECK(cc.state == XTCP_CA_OPEN);
	CHECK(three_dupacks(&cc, una) == RT && xtcp_cc_in_recovery(&cc));
}

/* recover compared modulo 2^32 */
UNIT_TEST(recover_wraps)
{
	struct xtcp_cc cc;
	u32 una = 0xffffe000, snd_max = 0x1000;	/* 12 KiB in flight */
	int i;

	open_ca(&cc);
	for (i = 0; i < 3; i++)
		xtcp_cc_on_dupack(&cc, una, snd_max, snd_max - una);
	CHECK(xtcp_cc_in_recovery(&cc) && cc.recover == 0x1000);
	CHECK(cc.ssthresh == 6144 && cc.cwnd == 6144 + 3 * MSS);
	/* before the wrap: partial */
	CHECK(xtcp_cc_on_ack(&cc, 0xfffff000, 0x1000) & RT);
	/* after the wrap, still below recover: partial */
	CHECK(xtcp_cc_on_ack(&cc, 0x800, 0x1800) & RT);
	CHECK(xtcp_cc_in_recovery(&cc));
	/* recover itself: full */
	CHECK(xtcp_cc_on_ack(&cc, 0x1000, 0x800) == TIMER);
	CHECK(!xtcp_cc_in_recovery(&cc) && cc.cwnd == 6144);

	/* the loss state across the wrap */
	open_ca(&cc);
	xtcp_cc_on_timeout(&cc, 0x800, 0x800 - 0xfffff800);
	for (i = 0; i < 5; i++)
		CHECK(xtcp_cc_on_dupack(&cc, 0xfffffc00, 0x800, 0xc00) == 0);
	xtcp_cc_on_ack(&cc, 0x400, 0x800);
	CHECK(cc.state == XTCP_CA_LOSS);
	xtcp_cc_on_ack(&cc, 0x800, 0x400);
	CHECK(cc.state == XTCP_CA_OPEN);
}

/*
 * recover goes stale: 2^31 bytes after a timeout, SND.UNA is "before" the
 * old recover modulo 2^32, yet fast retransmit must work.
 */
UNIT_TEST(stale_recover_ignored)
{
	struct xtcp_cc cc;
	u32 una = 1000, i;

	open_ca(&cc);
	xtcp_cc_on_timeout(&cc, una + 10 * MSS, 10 * MSS);
	una += 10 * MSS;
	xtcp_cc_on_ack(&cc, una, 10 * MSS);
	CHECK(cc.state == XTCP_CA_OPEN);
	/* 3 GiB later, in 1 MiB ACKs */
	for (i = 0; i < 3072; i++)
		xtcp_cc_on_ack(&cc, una += 1 << 20, 1 << 20);
	CHECK(xtcp_seq_before(una, cc.recover));
	CHECK(three_dupacks(&cc, una) == RT);
	CHECK(xtcp_cc_in_recovery(&cc) && cc.recover == una + 20 * MSS);

	/* the same after a fast recovery */
	xtcp_cc_on_ack(&cc, una += 20 * MSS, 20 * MSS);
	CHECK(cc.state == XTCP_CA_OPEN);
	for (i = 0; i < 2100; i++)
		xtcp_cc_on_ack(&cc, una += 1 << 20, 1 << 20);
	CHECK(xtcp_seq_before(una, cc.recover));
	CHECK(three_dupacks(&cc, una) == RT);
}

/* Windows near 2^31: saturate, never wrap. */
UNIT_TEST(huge_windows_saturate)
{
	struct xtcp_cc cc;
	u32 una = 1, i;

	xtcp_cc_init(&cc, XTCP_CC_MSS_MAX, 0);
	cc.cwnd = INF - 100;
	xtcp_cc_on_ack(&cc, una += 0x10000, 0x10000);
	CHECK(cc.cwnd == INF);
	for (i = 0; i < 100; i++) {
		xtcp_cc_on_ack(&cc, una += 0x7fffffff, 0x7fffffff);
		xtcp_cc_on_ack(&cc, una, 0xffffffff);
		CHECK(cc.cwnd == INF);
	}
	/* the count saturated at 2^32 - 1, less one cwnd: no wrap */
	CHECK(cc.bytes_acked == 0xffffffff - INF);

	/* congestion avoidance with cwnd at the cap */
	cc.ssthresh = 1000;
	cc.bytes_acked = 0;
	for (i = 0; i < 10; i++) {
		xtcp_cc_on_ack(&cc, una, 0xffffffff);
		CHECK(cc.cwnd == INF && cc.bytes_acked < 0xffffffff);
	}

	/* a loss with 4 GiB "in flight": ssthresh and cwnd capped */
	for (i = 0; i < 3; i++)
		xtcp_cc_on_dupack(&cc, una, una + INF, 0xffffffff);
	CHECK(cc.ssthresh == INF && cc.cwnd == INF);
	for (i = 0; i < 10; i++)
		xtcp_cc_on_dupack(&cc, una, una + INF, 0xffffffff);
	CHECK(cc.cwnd == INF);
	/* a partial ACK larger than cwnd: floor of one SMSS, no wrap */
	cc.cwnd = 3 * XTCP_CC_MSS_MAX;
	xtcp_cc_on_ack(&cc, una + 0x40000000, 0x40000000);
	CHECK(cc.cwnd == XTCP_CC_MSS_MAX);

	xtcp_cc_on_timeout(&cc, una, 0xffffffff);
	CHECK(cc.ssthresh == INF && cc.cwnd == XTCP_CC_MSS_MAX);
	xtcp_cc_init(&cc, XTCP_CC_MSS_MAX, 0);
	xtcp_cc_on_timeout(&cc, una, 0);
	CHECK(cc.ssthresh == 2 * XTCP_CC_MSS_MAX);
}

/*
 * RFC 5681 §4.1: restart window RW = min(IW, cwnd) after more than an RTO
 * without sending; as Linux's tcp_cwnd_restart(), cwnd halves once per
 * whole RTO of idleness, to no less than RW, and ssthresh keeps 3/4 of
 * the old cwnd.
 */
UNIT_TEST(restart_after_idle)
{
	struct xtcp_cc cc;

	/* long idle: RW, the initial window */
	xtcp_cc_init(&cc, 1460, 0);
	cc.cwnd = 100 * 1460;
	CHECK(xtcp_cc_restart_after_idle(&cc, 100, 10));
	CHECK(cc.cwnd == 14600);
	CHECK(cc.ssthresh == INF);
	/* below IW, cwnd stays */
	cc.cwnd = 3 * 1460;
	CHECK(xtcp_cc_restart_after_idle(&cc, 100, 10));
	CHECK(cc.cwnd == 3 * 1460);

	/* not more than an RTO: nothing */
	xtcp_cc_init(&cc, MSS, 0);
	cc.cwnd = 80 * MSS;
	cc.ssthresh = 20 * MSS;
	CHECK(!xtcp_cc_restart_after_idle(&cc, 200, 200));
	CHECK(!xtcp_cc_restart_after_idle(&cc, 0, 200));
	CHECK(cc.cwnd == 80 * MSS && cc.ssthresh == 20 * MSS);

	/* just over one RTO: halved once; ssthresh 3/4 of the old cwnd */
	CHECK(xtcp_cc_restart_after_idle(&cc, 201, 200));
	CHECK(cc.cwnd == 40 * MSS && cc.ssthresh == 60 * MSS);
	/* exactly two RTOs: once (Linux: while ((delta -= rto) > 0)) */
	cc.cwnd = 80 * MSS;
	CHECK(xtcp_cc_restart_after_idle(&cc, 400, 200));
	CHECK(cc.cwnd == 40 * MSS);
	/* just over two: twice; ssthresh never lowered */
	cc.cwnd = 80 * MSS;
	CHECK(xtcp_cc_restart_after_idle(&cc, 401, 200));
	CHECK(cc.cwnd == 20 * MSS && cc.ssthresh == 60 * MSS);
	/* many RTOs: RW, not below */
	cc.cwnd = 80 * MSS;
	CHECK(xtcp_cc_restart_after_idle(&cc, 0xffffffff, 200));
	CHECK(cc.cwnd == 10 * MSS);
	cc.cwnd = 15 * MSS;	/* one halving would go below RW */
	CHECK(xtcp_cc_restart_after_idle(&cc, 0xffffffff, 1));
	CHECK(cc.cwnd == 10 * MSS);
	/* rto 0 is taken as 1 */
	cc.cwnd = 80 * MSS;
	CHECK(!xtcp_cc_restart_after_idle(&cc, 1, 0));
	CHECK(xtcp_cc_restart_after_idle(&cc, 2, 0));
	CHECK(cc.cwnd == 40 * MSS);

	/* in fast recovery ssthresh stays (Linux's tcp_current_ssthresh()) */
	open_ca(&cc);
	CHECK(three_dupacks(&cc, 0) == RT && xtcp_cc_in_recovery(&cc));
	cc.cwnd = 40 * MSS;	/* inflated by duplicates */
	CHECK(xtcp_cc_restart_after_idle(&cc, 1000, 200));
	CHECK(cc.ssthresh == 10 * MSS && cc.cwnd == 10 * MSS);

	/* huge windows: no overflow */
	xtcp_cc_init(&cc, XTCP_CC_MSS_MAX, 0);
	cc.cwnd = INF;
	CHECK(xtcp_cc_restart_after_idle(&cc, 1000, 1));
	CHECK(cc.cwnd == xtcp_cc_initial_window(XTCP_CC_MSS_MAX));
	CHECK(cc.ssthresh == INF);
}

/*
 * Random events: whatever the order, the invariants hold (and ASan/UBSan
 * watch the arithmetic).
 */
UNIT_TEST(random_events_keep_invariants)
{
	unsigned int seed = 42, i;
	struct xtcp_cc cc;
	u32 una = 0xfff00000, snd_max;

	xtcp_cc_init(&cc, MSS, 0);
	snd_max = una + cc.cwnd;
	for (i = 0; i < 1000000; i++) {
		u32 r = (seed = seed * 1103515245 + 12345) >> 8;
		u32 acked;
		unsigned int act;

		switch (r % 8) {
		case 0: case 1: case 2:
			acked = 1 + (r >> 3) % (snd_max - una);
			act = xtcp_cc_on_ack(&cc, una += acked, acked);
			CHECK(act & (TIMER | RT));
			break;
		case 3: case 4: case 5: case 6:
			act = xtcp_cc_on_dupack(&cc, una, snd_max,
						snd_max - una);
			CHECK(!(act & TIMER));
			break;
		default:
			if ((r >> 3) % 16 == 0)
				xtcp_cc_on_timeout(&cc, snd_max,
						   snd_max - una);
			else if ((r >> 3) % 16 == 1)
				xtcp_cc_restart_after_idle(&cc, r >> 10,
							   1 + (r >> 7) % 64);
			break;
		}
		/* keep about a cwnd (at least an SMSS) outstanding */
		if (xtcp_seq_before(snd_max, una + cc.cwnd))
			snd_max = una + (cc.cwnd < (1U << 30) ?
					 cc.cwnd : (1U << 30));
		if (snd_max == una)
			snd_max = una + MSS;
		CHECK(cc.cwnd >= MSS && cc.cwnd <= INF);
		CHECK(cc.ssthresh >= 2 * MSS && cc.ssthresh <= INF);
		CHECK(cc.state <= XTCP_CA_LOSS);
		if (cc.state != XTCP_CA_OPEN)
			CHECK(!xtcp_seq_before(cc.recover, una));
	}
}

int main(void)
{
	return unit_run();
}
