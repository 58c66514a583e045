// SPDX-License-Identifier: GPL-2.0
/*
 * Connection teardown on the wire, TCP and xtcp side by side (RFC 9293
 * §3.6, §3.10.7.4 "eighth, check the FIN bit"): the stack closing first
 * (FIN_WAIT1, FIN_WAIT2, TIME_WAIT) or second (CLOSE_WAIT, LAST_ACK), both
 * at once (CLOSING), half-close, a FIN riding on data, FIN retransmission,
 * what a TIME_WAIT entry answers (a retransmitted FIN, a RST, an old and a
 * new SYN), and RFC 5961's challenge ACKs for a RST or SYN inside the
 * window of an established connection and for an ACK too old (§5.2).
 *
 * Every test runs in a network namespace of its own where the scripted
 * peer of xtcp_peer.h plays the remote host 10.0.0.2 behind a TUN device.
 * The stack under test (10.0.0.1) listens; the peer connects with MSS
 * 1000, then sends exactly the segments the test wants and checks every
 * segment the stack sends: flags, sequence and acknowledgment numbers,
 * length, and when. The accepted connection is the stack's end; its
 * listener stays open (a segment no connection or TIME_WAIT entry takes
 * reaches it, and gets a RST <SEQ=SEG.ACK>, as from a closed port).
 *
 * Variants: "tcp" is Linux TCP, the reference; "xtcp" is the module, with
 * the same assertions. peer_plain_tcp() makes both speak the same subset
 * (no timestamps, hence no PAWS in TIME_WAIT; no SACK, ECN, window
 * scaling). Where Linux needs a knob to behave as xtcp always does, the
 * tcp variant sets it and the test says so (net.ipv4.tcp_rfc1337 for
 * RFC 1337; tcp_challenge_ack_limit for RFC 5961's per-namespace limit,
 * which xtcp has not). Tests named xtcp_* need what Linux cannot do, a
 * TIME_WAIT shorter than its fixed 60 s, or xtcp's counters; they are
 * skipped for tcp.
 *
 * Timing. "At once" means within IMMEDIATE_MS (25 ms) of the peer's write
 * that triggers it, as in xtcp_segments.c: below the 40 ms a delayed ACK
 * waits at least. A delayed ACK comes by DELACK_MAX_MS (250 ms). A timer
 * interval of nominal length T passes within [T - T/10 - 20 ms,
 * T + T/4 + 60 ms] (interval_ok(), the tolerance of xtcp_wire.c); a state
 * that should last T is probed before its lower bound and after its upper
 * one. The FIN's RTO is measured after an RTT sample of a few ms: 200 ms
 * (rto_min) for both stacks.
 */
#include <limits.h>
#include <poll.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "kselftest_harness.h"
#include "xtcp_main.h"
#include "xtcp_proto.h"
#include "xtcp_peer.h"
#include "xtcp_script.h"

FIXTURE(tear) {
	struct script c;
};

FIXTURE_VARIANT(tear) {
	int proto;
};

FIXTURE_VARIANT_ADD(tear, tcp) {
	.proto = IPPROTO_TCP,
};

FIXTURE_VARIANT_ADD(tear, xtcp) {
	.proto = IPPROTO_XTCP,
};

FIXTURE_SETUP(tear)
{
	ASSERT_EQ(0, script_open(&self->c, variant->proto));
	ASSERT_EQ(0, peer_plain_tcp());
	/* Linux's tail loss probe and RFC 5827 early retransmit: off */
	ASSERT_EQ(0, write_file("/proc/sys/net/ipv4/tcp_early_retrans", "0"));
}

FIXTURE_TEARDOWN(tear)
{
	script_close(&self->c);
}

/* --- helpers --------------------------------------------------------------- */

/* Passive open with MSS 1000 and window 65535 (script_establish()). */
static void establish(struct __test_metadata *_metadata, FIXTURE_DATA(tear) *self,
		      const FIXTURE_VARIANT(tear) *variant)
{
	script_establish(_metadata, &self->c, variant->proto, -1, PEER_WIN);
}

/*
 * The stack sends @n bytes (at most one segment) and the peer acknowledges
 * them: an RTT sample of a few ms, and SND.NXT = ISS + 1 + @n.
 */
static void stack_sends(struct __test_metadata *_metadata, FIXTURE_DATA(tear) *self,
			int n)
{
	struct seg s, ack;

	ASSERT_EQ(n, send_stream(self->c.cfd, 0, n));
	RECV(&s, REPLY_MS, "data");
	CHECK_SEG(&s, SEG_ACK | SEG_PSH, self->c.iss + 1, PEER_ISN + 1, n);
	ack = pseg(&self->c, SEG_ACK, 0, n);
	SEND(&ack);
}

/*
 * The stack closes first after sending @n bytes: close() sends FIN|ACK
 * <SEQ=ISS+1+n><ACK=peer ISN+1>; the peer acknowledges it, then sends its
 * own FIN|ACK <SEQ=peer ISN+1>, which the stack acknowledges at once,
 * <SEQ=ISS+2+n><ACK=peer ISN+2>, entering TIME_WAIT. That ACK is left in
 * @tw_ack.
 */
static void close_first(struct __test_metadata *_metadata, FIXTURE_DATA(tear) *self,
			int n, struct seg *tw_ack)
{
	struct seg s, ack, fin;

	if (n)
		stack_sends(_metadata, self, n);
	ASSERT_EQ(0, close(self->c.cfd));
	self->c.cfd = -1;
	RECV(&s, IMMEDIATE_MS, "FIN on close()");
	CHECK_SEG(&s, SEG_FIN | SEG_ACK, self->c.iss + 1 + n, PEER_ISN + 1, 0);
	ack = pseg(&self->c, SEG_ACK, 0, n + 1);
	SEND(&ack);
	fin = pseg(&self->c, SEG_FIN | SEG_ACK, 0, n + 1);
	SEND(&fin);
	RECV(tw_ack, IMMEDIATE_MS, "ACK of the peer's FIN");
	CHECK_SEG(tw_ack, SEG_ACK, self->c.iss + 2 + n, PEER_ISN + 2, 0);
}

/* --- closing first ------------------------------------------------------------ */

/*
 * Active close (RFC 9293 §3.6 case 1, §3.10.4 CLOSE in ESTABLISHED,
 * §3.10.7.4 eighth in FIN-WAIT-2): after 10 bytes, acknowledged, close()
 * sends FIN|ACK <SEQ=ISS+11><ACK=peer ISN+1> at once. The peer's ACK of it
 * (FIN_WAIT2) gets no answer; its FIN|ACK gets an ACK <SEQ=ISS+12>
 * <ACK=its FIN+1> at once (TIME_WAIT); then nothing.
 */
TEST_F(tear, active_close)
{
	struct seg s, ack, fin;

	establish(_metadata, self, variant);
	stack_sends(_metadata, self, 10);
	ASSERT_EQ(0, close(self->c.cfd));
	self->c.cfd = -1;
	RECV(&s, IMMEDIATE_MS, "FIN on close()");
	CHECK_SEG(&s, SEG_FIN | SEG_ACK, self->c.iss + 11, PEER_ISN + 1, 0);

	ack = pseg(&self->c, SEG_ACK, 0, 11);
	SEND(&ack);
	SILENCE(100, "FIN_WAIT2, after the peer's ACK of our FIN");

	fin = pseg(&self->c, SEG_FIN | SEG_ACK, 0, 11);
	SEND(&fin);
	RECV(&s, IMMEDIATE_MS, "ACK of the peer's FIN");
	CHECK_SEG(&s, SEG_ACK, self->c.iss + 12, PEER_ISN + 2, 0);
	SILENCE(SILENCE_MS, "TIME_WAIT");
}

/*
 * Data waits with the peer's window open but cannot go: after the
 * handshake the peer's address becomes unreachable (a route of that
 * type), so every transmission fails and nothing is in flight. Each
 * expiry of the persist timer counts as a probe, as in Linux's
 * tcp_send_probe0(), and after retries2 of them without an ACK the
 * connection fails with ETIMEDOUT, as TCP's after tcp_retries2. (xtcp
 * counted only zero-window probes: such a socket waited forever, and an
 * orphan in that state never went away; xtcp_fuzz_sys left one in
 * LAST_ACK.) Within 30 s: TCP's probes back off from its 1 s RTO.
 */
TEST_F_TIMEOUT(tear, unsendable_data_times_out, 60)
{
	const char *retries = variant->proto == IPPROTO_TCP ?
		"/proc/sys/net/ipv4/tcp_retries2" : "/proc/sys/net/xtcp/retries2";
	long t0;
	int err;

	ASSERT_EQ(0, write_file(retries, "3"));
	establish(_metadata, self, variant);
	stack_sends(_metadata, self, 10);
	ASSERT_EQ(0, sh("ip route add unreachable " PEER_REMOTE "/32"));
	ASSERT_EQ(100, send_stream(self->c.cfd, 10, 100));
	t0 = now_ms();
	do {
		err = so_error(self->c.cfd);
		if (err)
			break;
		usleep(50000);
	} while (now_ms() - t0 < 30000);
	EXPECT_EQ(ETIMEDOUT, err) TH_LOG("after %ld ms: %s", now_ms() - t0, strerror(err));
}

/*
 * Half-close (RFC 9293 §3.6: "the user who CLOSEs may continue to RECEIVE
 * until the remote side CLOSEs"): shutdown(SHUT_WR) sends FIN|ACK
 * <SEQ=ISS+1>; after the peer's ACK of it, 100 bytes from the peer are
 * acknowledged (by DELACK_MAX_MS: when is not at issue here) and returned
 * by recv(), which then finds nothing (not end of stream); the peer's FIN
 * is acknowledged at once, exactly, and recv() returns 0. close() of the
 * socket, now in TIME_WAIT, sends nothing.
 */
TEST_F(tear, half_close)
{
	struct seg s, ack, d, fin;
	uint8_t buf[200];

	establish(_metadata, self, variant);
	ASSERT_EQ(0, shutdown(self->c.cfd, SHUT_WR));
	RECV(&s, IMMEDIATE_MS, "FIN on shutdown(SHUT_WR)");
	CHECK_SEG(&s, SEG_FIN | SEG_ACK, self->c.iss + 1, PEER_ISN + 1, 0);
	ack = pseg(&self->c, SEG_ACK, 0, 1);
	SEND(&ack);

	d = pdata(&self->c, 0, 100, 1);
	SEND(&d);
	RECV(&s, DELACK_MAX_MS, "ACK of data received in FIN_WAIT2");
	CHECK_SEG(&s, SEG_ACK, self->c.iss + 2, PEER_ISN + 101, 0);
	ASSERT_EQ(100, recv_wait(self->c.cfd, buf, 100, REPLY_MS));
	EXPECT_EQ(0, memcmp(buf, d.data, 100));
	EXPECT_EQ(-EAGAIN, recv_once(self->c.cfd, 0));

	fin = pseg(&self->c, SEG_FIN | SEG_ACK, 100, 1);
	SEND(&fin);
	RECV(&s, IMMEDIATE_MS, "ACK of the peer's FIN");
	CHECK_SEG(&s, SEG_ACK, self->c.iss + 2, PEER_ISN + 102, 0);
	EXPECT_EQ(0, recv_once(self->c.cfd, REPLY_MS)) TH_LOG("recv() after the peer's FIN");
	EXPECT_EQ(0, recv_once(self->c.cfd, 0)) TH_LOG("recv() again");

	ASSERT_EQ(0, close(self->c.cfd));
	self->c.cfd = -1;
	SILENCE(SILENCE_MS, "close() in TIME_WAIT");
}

/* --- closing second ----------------------------------------------------------- */

/*
 * Passive close (RFC 9293 §3.6 case 2, §3.10.7.4 eighth in ESTABLISHED,
 * §3.10.4 CLOSE in CLOSE-WAIT): 100 bytes, acknowledged, then the peer's
 * FIN. The FIN is acknowledged exactly, <SEQ=ISS+1><ACK=FIN+1>, after a
 * delay, DELACK_MIN_MS to DELACK_MAX_MS, before the program does anything
 * (Linux: a FIN puts the connection in pingpong mode and the delayed-ACK
 * timeout is 40 ms once data has come; xtcp waits delack_ms). recv()
 * returns the 100 bytes, then 0, and 0 again. close() then sends FIN|ACK
 * <SEQ=ISS+1><ACK=FIN+1> at once (LAST_ACK); the peer's ACK of it gets no
 * answer and ends the connection without TIME_WAIT (the passive closer
 * keeps none): a retransmission of the peer's FIN now reaches the listener
 * and gets a RST <SEQ=SEG.ACK>.
 */
TEST_F(tear, passive_close)
{
	struct seg s, d, fin, ack;
	uint8_t buf[200];
	uint64_t t;

	establish(_metadata, self, variant);
	d = pdata(&self->c, 0, 100, 0);
	SEND(&d);
	RECV(&s, DELACK_MAX_MS, "ACK of data");
	CHECK_SEG(&s, SEG_ACK, self->c.iss + 1, PEER_ISN + 101, 0);

	fin = pseg(&self->c, SEG_FIN | SEG_ACK, 100, 0);
	t = peer_now_ns();
	SEND(&fin);
	RECV_DELAYED(&s, t, DELACK_MIN_MS, DELACK_MAX_MS,
		     "delayed ACK of the peer's FIN");
	CHECK_SEG(&s, SEG_ACK, self->c.iss + 1, PEER_ISN + 102, 0);

	ASSERT_EQ(100, recv_wait(self->c.cfd, buf, 100, REPLY_MS));
	EXPECT_EQ(0, memcmp(buf, d.data, 100));
	EXPECT_EQ(0, recv_once(self->c.cfd, 0)) TH_LOG("recv() after the data");
	EXPECT_EQ(0, recv_once(self->c.cfd, 0)) TH_LOG("recv() again");

	ASSERT_EQ(0, close(self->c.cfd));
	self->c.cfd = -1;
	RECV(&s, IMMEDIATE_MS, "FIN on close() in CLOSE_WAIT");
	CHECK_SEG(&s, SEG_FIN | SEG_ACK, self->c.iss + 1, PEER_ISN + 102, 0);
	ack = pseg(&self->c, SEG_ACK, 101, 1);
	SEND(&ack);
	SILENCE(SILENCE_MS, "after the last ACK");

	fin = pseg(&self->c, SEG_FIN | SEG_ACK, 100, 1);
	SEND(&fin);
	RECV(&s, IMMEDIATE_MS, "RST for a FIN after the connection ended");
	CHECK_SEG(&s, SEG_RST, self->c.iss + 2, 0, 0);
}

/*
 * The three-segment close (RFC 9293 §3.6, figure 12 folded): the program
 * reads 0 and closes at once, within the delayed-ACK time of the peer's
 * FIN. Linux enters pingpong mode on a FIN (tcp_fin()) and delays its ACK
 * by its delayed-ACK timeout, 40 ms once data has been received; xtcp
 * delays it by delack_ms (40 ms). So after 10 bytes (acknowledged, read)
 * the stack's first segment after the peer's FIN is its own FIN, carrying
 * the ACK: FIN|ACK <SEQ=ISS+1><ACK=peer's FIN+1>, and no pure ACK comes
 * before it. (Without data first, Linux's timeout is 0 on a passive
 * connection, icsk_ack.ato never set: the ACK goes at the next tick, 1 to
 * 13 ms after the FIN here, racing the program's close().) The test needs
 * close() within DELACK_MIN_MS (30 ms) of the peer's write; it fails,
 * saying so, if the guest was too slow for that. After the peer's ACK:
 * nothing.
 */
TEST_F(tear, passive_close_fin_carries_ack)
{
	struct seg s, d, fin, ack;
	uint64_t t, t_close;
	uint8_t buf[20];

	establish(_metadata, self, variant);
	d = pdata(&self->c, 0, 10, 0);
	SEND(&d);
	RECV(&s, DELACK_MAX_MS, "ACK of data");
	CHECK_SEG(&s, SEG_ACK, self->c.iss + 1, PEER_ISN + 11, 0);
	ASSERT_EQ(10, recv_wait(self->c.cfd, buf, 10, REPLY_MS));

	fin = pseg(&self->c, SEG_FIN | SEG_ACK, 10, 0);
	SEND(&fin);
	t = peer_now_ns();
	EXPECT_EQ(0, recv_once(self->c.cfd, REPLY_MS)) TH_LOG("recv() after the peer's FIN");
	ASSERT_EQ(0, close(self->c.cfd));
	self->c.cfd = -1;
	t_close = peer_now_ns();
	ASSERT_GT(DELACK_MIN_MS * 1000000ull, t_close - t)
		TH_LOG("close() %.1f ms after the FIN: too late to tell",
		       (double)(t_close - t) / 1e6);

	RECV(&s, REPLY_MS, "the stack's answer to the FIN");
	CHECK_SEG(&s, SEG_FIN | SEG_ACK, self->c.iss + 1, PEER_ISN + 12, 0);
	ksft_print_msg("close() %.1f ms after the FIN; the stack's FIN %.1f ms after it\n",
		       (double)(t_close - t) / 1e6, ms_since(t, &s));
	ack = pseg(&self->c, SEG_ACK, 11, 1);
	SEND(&ack);
	SILENCE(SILENCE_MS, "after the last ACK");
}

/*
 * Simultaneous close (RFC 9293 §3.6 case 3, figure 13; §3.10.7.4 eighth
 * in FIN-WAIT-1, fifth in CLOSING): close() sends FIN|ACK <SEQ=ISS+1>;
 * the peer's FIN arrives before any ACK of it (its ack is ISS+1). The
 * stack, now CLOSING, acknowledges it at once, <SEQ=ISS+2><ACK=peer's
 * FIN+1>; the peer's ACK of the stack's FIN brings TIME_WAIT, silently.
 * TIME_WAIT is then told from CLOSED by a retransmission of the peer's
 * FIN: acknowledged the same way (CLOSED would send a RST).
 */
TEST_F(tear, simultaneous_close)
{
	struct seg s, fin, ack;

	establish(_metadata, self, variant);
	ASSERT_EQ(0, close(self->c.cfd));
	self->c.cfd = -1;
	RECV(&s, IMMEDIATE_MS, "FIN on close()");
	CHECK_SEG(&s, SEG_FIN | SEG_ACK, self->c.iss + 1, PEER_ISN + 1, 0);

	fin = pseg(&self->c, SEG_FIN | SEG_ACK, 0, 0);
	SEND(&fin);
	RECV(&s, IMMEDIATE_MS, "ACK of the peer's FIN in CLOSING");
	CHECK_SEG(&s, SEG_ACK, self->c.iss + 2, PEER_ISN + 2, 0);

	ack = pseg(&self->c, SEG_ACK, 1, 1);
	SEND(&ack);
	SILENCE(100, "TIME_WAIT, after the peer's ACK");

	fin = pseg(&self->c, SEG_FIN | SEG_ACK, 0, 1);
	SEND(&fin);
	RECV(&s, IMMEDIATE_MS, "ACK of a retransmitted FIN in TIME_WAIT");
	CHECK_SEG(&s, SEG_ACK, self->c.iss + 2, PEER_ISN + 2, 0);
	SILENCE(SILENCE_MS, "TIME_WAIT");
}

/*
 * A FIN on data (RFC 9293 §3.10.7.4, seventh and eighth): one segment of
 * 100 bytes with FIN. One ACK covers both, <SEQ=ISS+1><ACK=peer ISN+102>
 * (data + 1), by DELACK_MAX_MS, and no ACK of the data alone; recv()
 * returns the 100 bytes, then 0.
 */
TEST_F(tear, fin_with_data)
{
	struct seg s, d;
	uint8_t buf[200];

	establish(_metadata, self, variant);
	d = pdata(&self->c, 0, 100, 0);
	d.flags |= SEG_FIN;
	SEND(&d);
	RECV(&s, DELACK_MAX_MS, "ACK of data and FIN");
	CHECK_SEG(&s, SEG_ACK, self->c.iss + 1, PEER_ISN + 102, 0);

	ASSERT_EQ(100, recv_wait(self->c.cfd, buf, 100, REPLY_MS));
	EXPECT_EQ(0, memcmp(buf, d.data, 100));
	EXPECT_EQ(0, recv_once(self->c.cfd, 0)) TH_LOG("recv() after the data");
	SILENCE(SILENCE_MS, "CLOSE_WAIT");
}

/*
 * FIN retransmission (RFC 9293 §3.10.4: the FIN is in the retransmission
 * queue; RFC 6298 §5.5): after an RTT sample (10 bytes, acknowledged at
 * once) close() sends FIN|ACK <SEQ=ISS+11>; the peer never acknowledges
 * it. The same segment comes again after 200 ms (rto_min), then 400, then
 * 800: each interval within interval_ok() of its nominal length, the first
 * no earlier than 190 ms, as data in xtcp_segments.c's rto_doubling. Once
 * the peer acknowledges it: nothing (FIN_WAIT2).
 */
TEST_F(tear, fin_retransmitted)
{
	struct seg s, prev, orig, ack;
	double ms;
	int i;

	establish(_metadata, self, variant);
	stack_sends(_metadata, self, 10);
	ASSERT_EQ(0, close(self->c.cfd));
	self->c.cfd = -1;
	RECV(&orig, IMMEDIATE_MS, "FIN on close()");
	CHECK_SEG(&orig, SEG_FIN | SEG_ACK, self->c.iss + 11, PEER_ISN + 1, 0);

	prev = orig;
	for (i = 0; i < 3; i++) {
		int want = RTO_MIN_MS << i;

		RECV(&s, interval_max(want), "FIN retransmission");
		CHECK_SEG(&s, SEG_FIN | SEG_ACK, self->c.iss + 11, PEER_ISN + 1, 0);
		ms = seg_ms(&prev, &s);
		EXPECT_TRUE(interval_ok(ms, want))
			TH_LOG("retransmission %d after %.1f ms, want %d", i + 1, ms, want);
		if (!i)
			EXPECT_LE(RTO_MIN_MS - 10, ms) TH_LOG("first RTO %.1f ms", ms);
		ksft_print_msg("FIN retransmission %d: +%.1f ms (nominal %d)\n", i + 1, ms, want);
		prev = s;
	}

	ack = pseg(&self->c, SEG_ACK, 0, 11);
	SEND(&ack);
	SILENCE(SILENCE_MS, "FIN_WAIT2");
}

/* --- TIME_WAIT ------------------------------------------------------------------ */

/*
 * TIME_WAIT answers a retransmitted FIN (RFC 9293 §3.10.7.4 eighth,
 * TIME-WAIT: "acknowledge it, and restart the 2 MSL timeout"): after the
 * stack closed first (10 bytes sent), the peer's FIN, sent again twice,
 * is acknowledged each time at once, <SEQ=ISS+12><ACK=FIN+1>; nothing else.
 */
TEST_F(tear, time_wait_reack)
{
	struct seg s, fin;
	int i;

	establish(_metadata, self, variant);
	close_first(_metadata, self, 10, &s);
	SILENCE(100, "TIME_WAIT");
	fin = pseg(&self->c, SEG_FIN | SEG_ACK, 0, 11);
	for (i = 0; i < 2; i++) {
		SEND(&fin);
		RECV(&s, IMMEDIATE_MS, "ACK of a retransmitted FIN in TIME_WAIT");
		CHECK_SEG(&s, SEG_ACK, self->c.iss + 12, PEER_ISN + 2, 0);
	}
	SILENCE(SILENCE_MS, "TIME_WAIT");
}

/*
 * A RST does not end TIME_WAIT (RFC 1337 §3, fix (F1): "ignore RST
 * segments in TIME-WAIT state"; RFC 9293 §3.10.7.4 second, TIME-WAIT, allows
 * either). The peer sends RST and RST|ACK with SEQ = RCV.NXT (the only
 * acceptable ones): no answer, and a retransmission of its FIN afterwards
 * is still acknowledged, <SEQ=ISS+1+1><ACK=FIN+1>, not answered with a
 * RST as it would be once the entry is gone (it would reach the listener).
 * Linux follows RFC 1337 only with net.ipv4.tcp_rfc1337 = 1 (its default,
 * 0, lets the RST end TIME_WAIT): the tcp variant sets it; xtcp always
 * ignores.
 */
TEST_F(tear, time_wait_rst_ignored)
{
	struct seg s, rst, fin;

	ASSERT_EQ(0, tcp_only_knob(variant->proto, "tcp_rfc1337", "1"));
	establish(_metadata, self, variant);
	close_first(_metadata, self, 0, &s);

	rst = pseg(&self->c, SEG_RST, 1, 0);
	SEND(&rst);
	rst = pseg(&self->c, SEG_RST | SEG_ACK, 1, 1);
	SEND(&rst);
	SILENCE(100, "a RST in TIME_WAIT");

	fin = pseg(&self->c, SEG_FIN | SEG_ACK, 0, 1);
	SEND(&fin);
	RECV(&s, IMMEDIATE_MS, "ACK of a retransmitted FIN after a RST in TIME_WAIT");
	CHECK_SEG(&s, SEG_ACK, self->c.iss + 2, PEER_ISN + 2, 0);
	SILENCE(SILENCE_MS, "TIME_WAIT");
}

/*
 * A new SYN reopens from TIME_WAIT (RFC 1122 §4.2.2.13, RFC 9293
 * §3.6.1): the stack accepted the connection from its listener, closed
 * first (10 bytes sent) and is in TIME_WAIT, the listener still open.
 * First an old duplicate: the peer's first SYN again (ISN below RCV.NXT).
 * It is answered like any unacceptable segment in TIME_WAIT (RFC 9293
 * §3.10.7.4 first): an ACK <SEQ=SND.NXT=ISS+12><ACK=RCV.NXT=peer ISN+2>
 * at once, no SYN-ACK, and TIME_WAIT stays (a retransmitted FIN is
 * acknowledged). Then a SYN with a sequence number above RCV.NXT (by
 * 100000, wrapping): the listener answers SYN-ACK <ACK=new ISN+1> at
 * once, with an ISS above the old connection's SND.NXT (RFC 1122's first
 * condition; Linux 6.12 uses SND.NXT + 65537, 6.1 loses that number on
 * the way to the listener and uses its ISN generator, which for the same
 * four-tuple is the old ISS plus the time since, in 64 ns units, RFC
 * 6528: a few ms give some 65000 more); the peer's ACK completes the
 * handshake and accept() returns the new connection, which carries data.
 * Linux rate-limits the ACK for an old SYN (tcp_invalid_ratelimit, one
 * per 500 ms per entry): both variants set the per-socket limit to 0. xtcp: TimeWaitReopened + 1, CurrTimeWait back to 0.
 */
TEST_F(tear, time_wait_syn_reopens)
{
	uint32_t new_isn = PEER_ISN + 2 + 100000;
	struct seg s, syn, fin, ack, d;
	long reopened = 0;
	uint8_t buf[100];
	int fd;

	ASSERT_EQ(0, peer_knob_set(variant->proto, PEER_INVALID_RATELIMIT_MS, 0));
	if (variant->proto == IPPROTO_XTCP) {
		reopened = COUNTER("TimeWaitReopened");
		EXPECT_LE(0, reopened) TH_LOG("no counter TimeWaitReopened");
	}
	establish(_metadata, self, variant);
	close_first(_metadata, self, 10, &s);
	if (variant->proto == IPPROTO_XTCP)
		EXPECT_EQ(1, COUNTER("CurrTimeWait"));

	syn = psyn(PEER_ISN);
	SEND(&syn);
	RECV(&s, IMMEDIATE_MS, "ACK of an old SYN in TIME_WAIT");
	CHECK_SEG(&s, SEG_ACK, self->c.iss + 12, PEER_ISN + 2, 0);
	fin = pseg(&self->c, SEG_FIN | SEG_ACK, 0, 11);
	SEND(&fin);
	RECV(&s, IMMEDIATE_MS, "ACK of a retransmitted FIN in TIME_WAIT");
	CHECK_SEG(&s, SEG_ACK, self->c.iss + 12, PEER_ISN + 2, 0);
	EXPECT_EQ(-ETIMEDOUT, accept_wait(self->c.lfd, 0)) TH_LOG("accept() after an old SYN");

	syn = psyn(new_isn);
	SEND(&syn);
	RECV(&s, IMMEDIATE_MS, "SYN-ACK for a new SYN in TIME_WAIT");
	CHECK_SEG(&s, SEG_SYN | SEG_ACK, s.seq, new_isn + 1, 0);
	EXPECT_LT(0, (int32_t)(s.seq - (self->c.iss + 12)))
		TH_LOG("new ISS %u, old SND.NXT %u", s.seq, self->c.iss + 12);
	ksft_print_msg("new ISS = old SND.NXT + %u\n", s.seq - (self->c.iss + 12));

	ack = (struct seg){
		.sport = PPORT, .dport = LPORT, .flags = SEG_ACK,
		.seq = new_isn + 1, .ack = s.seq + 1, .win = PEER_WIN,
	};
	SEND(&ack);
	fd = accept_wait(self->c.lfd, REPLY_MS);
	ASSERT_LE(0, fd) TH_LOG("accept() of the reopened connection: %s", strerror(-fd));
	self->c.cfd = fd;
	d = ack;
	d.flags = SEG_ACK | SEG_PSH;
	memset(d.data, 'n', 50);
	d.len = 50;
	SEND(&d);
	EXPECT_EQ(50, recv_wait(fd, buf, 50, REPLY_MS));
	RECV(&s, DELACK_MAX_MS, "ACK of data on the reopened connection");
	CHECK_SEG(&s, SEG_ACK, ack.ack, new_isn + 51, 0);

	if (variant->proto == IPPROTO_XTCP) {
		EXPECT_EQ(reopened + 1, COUNTER("TimeWaitReopened"));
		EXPECT_EQ(0, COUNTER("CurrTimeWait"));
	}
}

/* --- challenge ACKs ------------------------------------------------------------- */

/*
 * Challenge ACKs (RFC 5961 §3.2, §4.2; RFC 9293 §3.10.7.4 second and
 * fourth): in ESTABLISHED, a RST whose SEQ is inside the window but not
 * RCV.NXT (here RCV.NXT + 100) and a SYN inside the window each get an ACK
 * <SEQ=SND.NXT=ISS+1><ACK=RCV.NXT=peer ISN+1> at once, and change nothing:
 * recv() has no error, data from the peer is read and acknowledged.
 * ChallengeAcks (TCP: TCPChallengeACK) moves by 2. Then a RST with SEQ =
 * RCV.NXT resets the connection: no answer, recv() fails with ECONNRESET.
 * Rate limits off for both: the per-socket one
 * (net.ipv4.tcp_invalid_ratelimit, net.xtcp.invalid_ratelimit_ms = 0)
 * and Linux's per namespace one (tcp_challenge_ack_limit = INT_MAX;
 * xtcp has none).
 */
TEST_F(tear, challenge_ack)
{
	struct seg s, rst, syn, d;
	long challenges;
	uint8_t buf[200];
	socklen_t len = sizeof(int);
	int err = -1;

	ASSERT_EQ(0, peer_knob_set(variant->proto, PEER_INVALID_RATELIMIT_MS, 0));
	ASSERT_EQ(0, tcp_only_knob(variant->proto, "tcp_challenge_ack_limit", "2147483647"));
	establish(_metadata, self, variant);
	challenges = COUNTER("ChallengeAcks");
	EXPECT_LE(0, challenges) TH_LOG("no counter ChallengeAcks");

	rst = pseg(&self->c, SEG_RST, 100, 0);
	SEND(&rst);
	RECV(&s, IMMEDIATE_MS, "challenge ACK for a RST in the window");
	CHECK_SEG(&s, SEG_ACK, self->c.iss + 1, PEER_ISN + 1, 0);

	syn = psyn(PEER_ISN + 1 + 100);
	SEND(&syn);
	RECV(&s, IMMEDIATE_MS, "challenge ACK for a SYN in the window");
	CHECK_SEG(&s, SEG_ACK, self->c.iss + 1, PEER_ISN + 1, 0);
	EXPECT_EQ(challenges + 2, COUNTER("ChallengeAcks"));

	ASSERT_EQ(0, getsockopt(self->c.cfd, SOL_SOCKET, SO_ERROR, &err, &len));
	EXPECT_EQ(0, err) TH_LOG("SO_ERROR %s", strerror(err));
	EXPECT_EQ(-EAGAIN, recv_once(self->c.cfd, 0));
	d = pdata(&self->c, 0, 100, 0);
	SEND(&d);
	ASSERT_EQ(100, recv_wait(self->c.cfd, buf, 100, REPLY_MS));
	EXPECT_EQ(0, memcmp(buf, d.data, 100));
	RECV(&s, DELACK_MAX_MS, "ACK of data after the challenges");
	CHECK_SEG(&s, SEG_ACK, self->c.iss + 1, PEER_ISN + 101, 0);

	rst = pseg(&self->c, SEG_RST, 100, 0);
	SEND(&rst);
	SILENCE(100, "a RST at RCV.NXT");
	EXPECT_EQ(-ECONNRESET, recv_once(self->c.cfd, REPLY_MS));
	EXPECT_EQ(challenges + 2, COUNTER("ChallengeAcks"));
}

/*
 * The per-socket rate limit of challenge ACKs (RFC 5961 §7; Linux's
 * net.ipv4.tcp_invalid_ratelimit, xtcp's net.xtcp.invalid_ratelimit_ms),
 * 500 ms, the default of both; Linux's per namespace limit off. An
 * in-window RST gets a challenge ACK at once; a second RST and an
 * in-window SYN right after it get nothing (100 ms of silence each); a
 * RST 600 ms after the first challenge ACK gets one again. ChallengeAcks
 * (TCP: TCPChallengeACK) moves by 2.
 */
TEST_F(tear, challenge_ack_ratelimit)
{
	struct seg s, first, rst, syn;
	long challenges;

	ASSERT_EQ(0, peer_knob_set(variant->proto, PEER_INVALID_RATELIMIT_MS, 500));
	ASSERT_EQ(0, tcp_only_knob(variant->proto, "tcp_challenge_ack_limit", "2147483647"));
	establish(_metadata, self, variant);
	challenges = COUNTER("ChallengeAcks");
	EXPECT_LE(0, challenges) TH_LOG("no counter ChallengeAcks");

	rst = pseg(&self->c, SEG_RST, 100, 0);
	SEND(&rst);
	RECV(&first, IMMEDIATE_MS, "challenge ACK for a RST in the window");
	CHECK_SEG(&first, SEG_ACK, self->c.iss + 1, PEER_ISN + 1, 0);
	SEND(&rst);
	SILENCE(100, "a second RST within the rate limit");
	syn = psyn(PEER_ISN + 1 + 100);
	SEND(&syn);
	SILENCE(100, "a SYN within the rate limit");

	sleep_until(first.t_ns, 600);
	SEND(&rst);
	RECV(&s, IMMEDIATE_MS, "challenge ACK after the rate limit");
	CHECK_SEG(&s, SEG_ACK, self->c.iss + 1, PEER_ISN + 1, 0);
	EXPECT_EQ(challenges + 2, COUNTER("ChallengeAcks"));
}

/*
 * An ACK too old to be true (RFC 5961 §5.2, blind data injection): an
 * ACK is acceptable from SND.UNA - MAX.SND.WND to SND.NXT; anything older
 * gets a challenge ACK and the segment is dropped. Linux's tcp_ack() (6.1
 * and 6.12 alike) also takes no ACK older than all it has had
 * acknowledged: the bound is SND.UNA - min(MAX.SND.WND, bytes acked).
 * After the stack's 100 bytes, acknowledged (MAX.SND.WND is 65535), the
 * peer sends its first 100 bytes with ACK = SND.UNA - 2^29, then again
 * with ACK = ISS = SND.UNA - 101 (before the stack's first byte): each
 * gets a challenge ACK <SEQ=SND.NXT=ISS+101><ACK=RCV.NXT=peer ISN+1> at
 * once, the data is not taken (recv() finds nothing), ChallengeAcks (TCP:
 * TCPChallengeACK) moves by 2. The same bytes with ACK = ISS + 1 =
 * SND.UNA - 100 (old, yet acceptable) are then taken and acknowledged, no
 * challenge. Rate limits off, as in challenge_ack.
 */
TEST_F(tear, challenge_ack_old_ack)
{
	static const uint32_t too_old[] = { 100 - (1u << 29), (uint32_t)-1 };
	struct seg s, d;
	long challenges;
	uint8_t buf[200];
	int i;

	ASSERT_EQ(0, peer_knob_set(variant->proto, PEER_INVALID_RATELIMIT_MS, 0));
	ASSERT_EQ(0, tcp_only_knob(variant->proto, "tcp_challenge_ack_limit", "2147483647"));
	establish(_metadata, self, variant);
	stack_sends(_metadata, self, 100);
	challenges = COUNTER("ChallengeAcks");
	EXPECT_LE(0, challenges) TH_LOG("no counter ChallengeAcks");

	for (i = 0; i < 2; i++) {
		d = pdata(&self->c, 0, 100, too_old[i]);
		SEND(&d);
		RECV(&s, IMMEDIATE_MS, "challenge ACK for an ACK too old");
		CHECK_SEG(&s, SEG_ACK, self->c.iss + 101, PEER_ISN + 1, 0);
		EXPECT_EQ(-EAGAIN, recv_once(self->c.cfd, 0))
			TH_LOG("the data of ACK ISS+1%+d was taken", (int32_t)too_old[i]);
	}
	EXPECT_EQ(challenges + 2, COUNTER("ChallengeAcks"));

	d = pdata(&self->c, 0, 100, 0);
	SEND(&d);
	ASSERT_EQ(100, recv_wait(self->c.cfd, buf, 100, REPLY_MS));
	EXPECT_EQ(0, memcmp(buf, d.data, 100));
	RECV(&s, DELACK_MAX_MS, "ACK of the data with an old but acceptable ACK");
	CHECK_SEG(&s, SEG_ACK, self->c.iss + 101, PEER_ISN + 101, 0);
	EXPECT_EQ(challenges + 2, COUNTER("ChallengeAcks"));
}

/* --- xtcp's timers ---------------------------------------------------------------- */

/*
 * xtcp only: the length of TIME_WAIT, 2 * net.xtcp.msl_ms (RFC 9293
 * §3.10.7.4 TIME-WAIT; Linux's is a fixed 60 s). With msl_ms = 250,
 * TIME_WAIT lasts 500 ms, restarted by each retransmission of the peer's
 * FIN. The stack closes first; when it sends the ACK of the peer's FIN,
 * TimeWaitEntered moves by 1 and CurrTimeWait is 1. 400 ms later (below
 * interval_min(500) = 430 ms) a retransmitted FIN is acknowledged exactly
 * and restarts the timer; 400 ms after that ACK (800 ms after entering,
 * beyond interval_max(500) = 685 ms, so only alive if restarted) another
 * is acknowledged. 700 ms after that one (beyond 685 ms) the entry is gone:
 * CurrTimeWait is 0 and the FIN gets RST <SEQ=SEG.ACK> (RFC 9293 §3.10.7.1,
 * from the listener, as from a closed port). Tolerance: TIME_WAIT of
 * nominal 500 ms must last at least 400 ms and end within 700 ms.
 */
TEST_F(tear, xtcp_time_wait_length)
{
	struct seg s, tw, fin;
	long entered;
	int i;

	if (variant->proto != IPPROTO_XTCP)
		SKIP(return, "xtcp only (see the comment of the test)");
	ASSERT_EQ(0, write_file("/proc/sys/net/xtcp/msl_ms", "250"));
	entered = COUNTER("TimeWaitEntered");
	EXPECT_LE(0, entered) TH_LOG("no counter TimeWaitEntered");
	EXPECT_EQ(0, COUNTER("CurrTimeWait"));
	establish(_metadata, self, variant);
	close_first(_metadata, self, 0, &tw);
	EXPECT_EQ(entered + 1, COUNTER("TimeWaitEntered"));
	EXPECT_EQ(1, COUNTER("CurrTimeWait"));

	fin = pseg(&self->c, SEG_FIN | SEG_ACK, 0, 1);
	for (i = 0; i < 2; i++) {
		sleep_until(tw.t_ns, 400);
		SEND(&fin);
		RECV(&tw, IMMEDIATE_MS, "ACK of a retransmitted FIN in TIME_WAIT");
		CHECK_SEG(&tw, SEG_ACK, self->c.iss + 2, PEER_ISN + 2, 0);
		EXPECT_EQ(1, COUNTER("CurrTimeWait"));
	}

	sleep_until(tw.t_ns, 700);
	EXPECT_EQ(0, COUNTER("CurrTimeWait")) TH_LOG("TIME_WAIT entry after 700 ms");
	SEND(&fin);
	RECV(&s, IMMEDIATE_MS, "RST for a FIN after TIME_WAIT ended");
	CHECK_SEG(&s, SEG_RST, self->c.iss + 2, 0, 0);
	EXPECT_EQ(entered + 1, COUNTER("TimeWaitEntered"));
}

/*
 * xtcp only: an orphan's FIN_WAIT2 ends after net.xtcp.fin_timeout
 * seconds (Linux's tcp_fin_timeout; RFC 9293 leaves FIN-WAIT-2 unbounded,
 * RFC 1122 §4.2.2.20's note allows the timeout). With fin_timeout = 1: 100
 * bytes from the peer are read, the stack closes, the peer acknowledges
 * the FIN and never sends its own. 500 ms later the socket is alive: a
 * retransmission of the peer's 100 bytes, an unacceptable segment, gets an
 * ACK <SEQ=ISS+2><ACK=peer ISN+101> (RFC 9293 §3.10.7.4 first). 1400 ms
 * after the ACK of the FIN (beyond interval_max(1000) = 1310 ms) it is
 * gone: FinWait2Timeouts has moved by 1, and the same segment, and new
 * data, each get a RST <SEQ=SEG.ACK> (§3.10.7.1). Tolerance: FIN_WAIT2 of
 * nominal 1 s must last at least 500 ms and end within 1400 ms.
 */
TEST_F(tear, xtcp_fin_wait2_timeout)
{
	struct seg s, d, old, ack;
	long timeouts;
	uint8_t buf[200];
	uint64_t t;

	if (variant->proto != IPPROTO_XTCP)
		SKIP(return, "xtcp only (see the comment of the test)");
	ASSERT_EQ(0, peer_knob_set(variant->proto, PEER_FIN_TIMEOUT, 1));
	timeouts = COUNTER("FinWait2Timeouts");
	EXPECT_LE(0, timeouts) TH_LOG("no counter FinWait2Timeouts");
	establish(_metadata, self, variant);
	old = pdata(&self->c, 0, 100, 0);
	SEND(&old);
	ASSERT_EQ(100, recv_wait(self->c.cfd, buf, 100, REPLY_MS));
	RECV(&s, DELACK_MAX_MS, "ACK of data");
	CHECK_SEG(&s, SEG_ACK, self->c.iss + 1, PEER_ISN + 101, 0);

	ASSERT_EQ(0, close(self->c.cfd));
	self->c.cfd = -1;
	RECV(&s, IMMEDIATE_MS, "FIN on close()");
	CHECK_SEG(&s, SEG_FIN | SEG_ACK, self->c.iss + 1, PEER_ISN + 101, 0);
	ack = pseg(&self->c, SEG_ACK, 100, 1);
	SEND(&ack);
	t = peer_now_ns();

	old.ack = self->c.iss + 2;
	sleep_until(t, 500);
	SEND(&old);
	RECV(&s, IMMEDIATE_MS, "ACK of an old segment in FIN_WAIT2");
	CHECK_SEG(&s, SEG_ACK, self->c.iss + 2, PEER_ISN + 101, 0);
	EXPECT_EQ(timeouts, COUNTER("FinWait2Timeouts"));

	sleep_until(t, 1400);
	EXPECT_EQ(timeouts + 1, COUNTER("FinWait2Timeouts"));
	SEND(&old);
	RECV(&s, IMMEDIATE_MS, "RST for an old segment after FIN_WAIT2 ended");
	CHECK_SEG(&s, SEG_RST, self->c.iss + 2, 0, 0);
	d = pdata(&self->c, 100, 100, 1);
	SEND(&d);
	RECV(&s, IMMEDIATE_MS, "RST for data after FIN_WAIT2 ended");
	CHECK_SEG(&s, SEG_RST, self->c.iss + 2, 0, 0);
}

XTCP_TEST_MAIN
