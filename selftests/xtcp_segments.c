// SPDX-License-Identifier: GPL-2.0
/*
 * The data phase on the wire, TCP and xtcp side by side: when the stack
 * acknowledges (piggybacked on its reply, delayed, at once for
 * out-of-order data, a filled hole or a segment beyond the window), when
 * it retransmits (exponential RTO backoff, fast retransmit on the third
 * duplicate ACK, NewReno's partial ACKs), how a lost SYN or SYN-ACK shapes
 * the first flight (its congestion window and RTO), how an idle period
 * restarts slow start, how it respects the peer's window (zero-window
 * probes, window scaling, no window from an old ACK), and the counters
 * that record it.
 *
 * Every test runs in a network namespace of its own where the scripted
 * peer of xtcp_peer.h plays the remote host 10.0.0.2 behind a TUN device.
 * The stack under test (10.0.0.1) listens, or connects from port LPORT;
 * the handshake has MSS 1000, so that segment sizes are known; the peer
 * then sends exactly the segments the test wants and checks every segment
 * the stack sends: flags, sequence and acknowledgment numbers, length,
 * payload, window, and when.
 *
 * Variants: "tcp" is Linux TCP, the reference; "xtcp" is the module, with
 * the same assertions. peer_plain_tcp() makes both speak the same subset
 * (no timestamps, SACK, ECN; no window scaling unless a test turns it on
 * for both). Without SACK, Linux TCP recovers from loss as Reno does
 * (RFC 5681 §3.2, fast retransmit after tcp_reordering = 3 duplicate
 * ACKs); its tail loss probe and early retransmit are turned off too
 * (tcp_early_retrans = 0), which xtcp has not.
 *
 * One documented difference is bridged rather than asserted: Linux TCP
 * acknowledges the first data segments of a connection at once
 * ("quickack" mode) unless the socket is in "pingpong" (interactive) mode,
 * which TCP_QUICKACK = 0 forces; xtcp has no quickack mode and delays its
 * ACKs from the start. So the tcp variant sets TCP_QUICKACK to 0 on the
 * accepted socket before any data arrives (and again where Linux leaves
 * pingpong mode, after its delayed-ACK timer fired), and the assertions
 * are the same for both.
 *
 * Timing. "At once" means within IMMEDIATE_MS (25 ms) of the peer's write
 * that triggers it: the stack processes the segment and queues its answer
 * while the peer's write to the TUN device runs, so the slack is for TCG
 * scheduling only, and it stays below the 40 ms a delayed ACK waits at
 * least (Linux's TCP_DELACK_MIN, xtcp's default net.xtcp.delack_ms). A
 * timer interval of nominal length T passes within
 * [T - T/10 - 20 ms, T + T/4 + 60 ms], the tolerance of xtcp_wire.c (see
 * interval_ok()). Retransmission timeouts are measured after an RTT sample
 * of a few ms, so the first is rto_min, 200 ms, for both stacks (Linux
 * adds the smoothed RTT to it: a few ms).
 */
#include <poll.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <linux/sock_diag.h>

#include "kselftest_harness.h"
#include "xtcp_main.h"
#include "xtcp_proto.h"
#include "xtcp_peer.h"
#include "xtcp_script.h"

FIXTURE(seg) {
	struct script c;
};

FIXTURE_VARIANT(seg) {
	int proto;
	int syn_rto_ms;		/* first SYN/SYN-ACK RTO, doubling */
};

FIXTURE_VARIANT_ADD(seg, tcp) {
	.proto = IPPROTO_TCP,
	.syn_rto_ms = 1000,	/* TCP_TIMEOUT_INIT, fixed */
};

FIXTURE_VARIANT_ADD(seg, xtcp) {
	.proto = IPPROTO_XTCP,
	.syn_rto_ms = 100,
};

FIXTURE_SETUP(seg)
{
	ASSERT_EQ(0, script_open(&self->c, variant->proto));
	ASSERT_EQ(0, peer_plain_tcp());
	/* Linux's tail loss probe and RFC 5827 early retransmit: off */
	ASSERT_EQ(0, write_file("/proc/sys/net/ipv4/tcp_early_retrans", "0"));
}

FIXTURE_TEARDOWN(seg)
{
	script_close(&self->c);
}

/* --- helpers --------------------------------------------------------------- */

/* recv(MSG_DONTWAIT) on @fd finds nothing: the errno (EAGAIN), or -bytes. */
static int recv_nothing(int fd)
{
	uint8_t buf[64];
	ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

	return n < 0 ? errno : -(int)n;
}

/*
 * Linux TCP only: pingpong mode, no quickack (see the top of the file).
 * 0 or -errno.
 */
static int no_quickack(int proto, int fd)
{
	int zero = 0;

	if (proto != IPPROTO_TCP)
		return 0;
	return setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &zero, sizeof(zero)) ? -errno : 0;
}

/*
 * Passive open (script_establish()) with, for the tcp variant, TCP_QUICKACK
 * set to 0.
 */
static void establish(struct __test_metadata *_metadata, FIXTURE_DATA(seg) *self,
		      const FIXTURE_VARIANT(seg) *variant, int wscale, uint16_t win)
{
	script_establish(_metadata, &self->c, variant->proto, wscale, win);
	ASSERT_EQ(0, no_quickack(variant->proto, self->c.cfd));
}

/*
 * Write @n full segments of the stack's stream, from byte @off, one send()
 * each: the number written.
 */
static int send_segs(int fd, uint32_t off, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (send_stream(fd, off + i * PEER_MSS, PEER_MSS) != PEER_MSS)
			break;
	return i;
}

/* A burst ends when the stack sends nothing new for this long. */
#define BURST_GAP_MS	100

/*
 * The segments the stack sends at once from byte @off of its stream, the
 * peer acknowledging none: the first within REPLY_MS, each next within
 * BURST_GAP_MS of the one before (far below any RTO here, so none is a
 * retransmission). Each must carry the next full segment of the stream;
 * the first is copied to @first. Returns how many came.
 */
static int recv_burst(struct __test_metadata *_metadata, FIXTURE_DATA(seg) *self,
		      uint32_t off, struct seg *first)
{
	struct seg s;
	int n = 0;

	while (!peer_expect(&self->c.p, &s, n ? BURST_GAP_MS : REPLY_MS)) {
		EXPECT_EQ(self->c.iss + 1 + off, s.seq)
			TH_LOG("segment %d of a burst: %s", n + 1, peer_fmt(&self->c.p, &s));
		EXPECT_EQ(PEER_MSS, s.len)
			TH_LOG("segment %d of a burst: %s", n + 1, peer_fmt(&self->c.p, &s));
		EXPECT_TRUE(stack_data_ok(&s, off));
		if (!n)
			*first = s;
		off += s.len;
		n++;
	}
	return n;
}

/*
 * Active open, the first @lost SYNs lost: the stack connects from
 * 10.0.0.1:LPORT (so that pseg() and pdata() address it) to the peer; the
 * peer lets @lost SYNs go unanswered (each retransmission within
 * interval_max() of its nominal time) and answers the next with a SYN-ACK
 * (MSS PEER_MSS, window PEER_WIN). Returns with the stack's ACK received
 * and connect() done.
 */
static void connect_after_loss(struct __test_metadata *_metadata, FIXTURE_DATA(seg) *self,
			       const FIXTURE_VARIANT(seg) *variant, int lost)
{
	struct sockaddr_in sin = addr4(PEER_LOCAL, LPORT);
	struct pollfd pfd = { .events = POLLOUT };
	struct seg syn, sa, ack;
	int i;

	ASSERT_EQ(0, peer_knob_set(variant->proto, PEER_SYN_RTO_MS, variant->syn_rto_ms));
	self->c.cfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			     variant->proto);
	ASSERT_LE(0, self->c.cfd);
	ASSERT_EQ(0, bind(self->c.cfd, (struct sockaddr *)&sin, sizeof(sin)));
	ASSERT_EQ(EINPROGRESS, connect_to(self->c.cfd, PEER_REMOTE, PPORT));
	RECV(&syn, REPLY_MS, "SYN");
	CHECK_SEG(&syn, SEG_SYN, syn.seq, 0, 0);
	self->c.iss = syn.seq;
	for (i = 0; i < lost; i++) {
		RECV(&syn, interval_max(variant->syn_rto_ms << i), "SYN retransmission");
		CHECK_SEG(&syn, SEG_SYN, self->c.iss, 0, 0);
	}
	self->c.win = PEER_WIN;
	sa = pseg(&self->c, SEG_SYN | SEG_ACK, (uint32_t)-1, 0);	/* seq PEER_ISN */
	seg_opt_mss(&sa, PEER_MSS);
	SEND(&sa);
	RECV(&ack, REPLY_MS, "ACK of the SYN-ACK");
	CHECK_SEG(&ack, SEG_ACK, self->c.iss + 1, PEER_ISN + 1, 0);
	pfd.fd = self->c.cfd;
	ASSERT_EQ(1, poll(&pfd, 1, REPLY_MS));
	ASSERT_EQ(0, so_error(self->c.cfd));
}

/*
 * Passive open, the first @lost SYN-ACKs lost: as script_establish(), but
 * the peer lets @lost SYN-ACKs go unanswered (each retransmission within
 * interval_max() of its nominal time) and acknowledges the next.
 */
static void accept_after_loss(struct __test_metadata *_metadata, FIXTURE_DATA(seg) *self,
			      const FIXTURE_VARIANT(seg) *variant, int lost)
{
	struct seg syn = psyn(PEER_ISN), ack;
	int i;

	ASSERT_EQ(0, peer_knob_set(variant->proto, PEER_SYN_RTO_MS, variant->syn_rto_ms));
	self->c.lfd = listen_on(variant->proto, LPORT);
	ASSERT_LE(0, self->c.lfd) TH_LOG("listen: %s", strerror(-self->c.lfd));
	SEND(&syn);
	RECV(&self->c.synack, REPLY_MS, "SYN-ACK");
	self->c.iss = self->c.synack.seq;
	CHECK_SEG(&self->c.synack, SEG_SYN | SEG_ACK, self->c.iss, PEER_ISN + 1, 0);
	for (i = 0; i < lost; i++) {
		RECV(&self->c.synack, interval_max(variant->syn_rto_ms << i),
		     "SYN-ACK retransmission");
		CHECK_SEG(&self->c.synack, SEG_SYN | SEG_ACK, self->c.iss, PEER_ISN + 1, 0);
	}
	self->c.win = PEER_WIN;
	ack = pseg(&self->c, SEG_ACK, 0, 0);
	SEND(&ack);
	self->c.cfd = accept_wait(self->c.lfd, REPLY_MS);
	ASSERT_LE(0, self->c.cfd) TH_LOG("accept: %s", strerror(-self->c.cfd));
}

/*
 * The first flight after a lossy handshake: the application writes 12
 * segments; @iw of them come at once (the initial congestion window).
 * With @rto_ms, the peer then acknowledges nothing, and the first segment
 * must come again @rto_ms after it was first sent (interval_ok()). Without,
 * the peer acknowledges the first segment, and two more come at once
 * (slow start: cwnd + 1 segment).
 */
static void first_flight(struct __test_metadata *_metadata, FIXTURE_DATA(seg) *self,
			 int iw, int rto_ms)
{
	struct seg first, s, ack;
	double ms;
	int n;

	ASSERT_EQ(12, send_segs(self->c.cfd, 0, 12));
	n = recv_burst(_metadata, self, 0, &first);
	ksft_print_msg("%d segments before any ACK\n", n);
	ASSERT_EQ(iw, n) TH_LOG("%d segments sent before any ACK, want %d", n, iw);
	if (!rto_ms) {
		ack = pseg(&self->c, SEG_ACK, 0, PEER_MSS);
		SEND(&ack);
		n = recv_burst(_metadata, self, iw * PEER_MSS, &first);
		EXPECT_EQ(2, n) TH_LOG("%d segments for the first ACK, want 2", n);
		return;
	}
	RECV(&s, interval_max(rto_ms), "retransmission of the first segment");
	CHECK_SEG(&s, s.flags & SEG_PSH ? SEG_ACK | SEG_PSH : SEG_ACK, self->c.iss + 1,
		  PEER_ISN + 1, PEER_MSS);
	ms = seg_ms(&first, &s);
	ksft_print_msg("first retransmission %.1f ms after the segment (nominal %d)\n",
		       ms, rto_ms);
	EXPECT_TRUE(interval_ok(ms, rto_ms))
		TH_LOG("first retransmission after %.1f ms, want %d", ms, rto_ms);
}

/* --- acknowledgments --------------------------------------------------------- */

/*
 * The textbook exchange (RFC 9293 §3.8.6.3, RFC 1122 §4.2.3.2, RFC 5681
 * §4.2): the peer sends 20 bytes, the application reads them and answers
 * 10 bytes at once; the ACK of the 20 bytes rides on the answer: exactly
 * one segment, ACK|PSH, seq ISS+1, ack peer ISN+1+20, 10 bytes, and no
 * pure ACK before it. After the peer's ACK, nothing more.
 */
TEST_F(seg, exchange_20_then_10)
{
	struct seg d, s, ack;
	uint8_t buf[64];

	establish(_metadata, self, variant, -1, PEER_WIN);
	d = pdata(&self->c, 0, 20, 0);
	SEND(&d);
	ASSERT_EQ(20, recv_wait(self->c.cfd, buf, 20, REPLY_MS));
	EXPECT_EQ(0, memcmp(buf, d.data, 20));
	ASSERT_EQ(10, send_stream(self->c.cfd, 0, 10));

	RECV(&s, REPLY_MS, "answer");
	CHECK_SEG(&s, SEG_ACK | SEG_PSH, self->c.iss + 1, PEER_ISN + 1 + 20, 10);
	EXPECT_TRUE(stack_data_ok(&s, 0)) TH_LOG("payload of %s", peer_fmt(&self->c.p, &s));

	ack = pseg(&self->c, SEG_ACK, 20, 10);
	SEND(&ack);
	SILENCE(SILENCE_MS, "after the exchange");
}

/*
 * Delayed ACKs (RFC 1122 §4.2.3.2, RFC 5681 §4.2). One small segment: no
 * ACK for DELACK_MIN_MS (30 ms; both stacks wait 40 ms), then one by
 * DELACK_MAX_MS (250 ms), counted in DelayedAcks (TCP: DelayedACKs).
 * Then two full-sized segments, the application reading each as it comes:
 * no ACK for the first alone (neither on arrival nor on reading), one for
 * both at once (IMMEDIATE_MS) after the second; DelayedAcks stays.
 * (Linux acknowledges every second full-sized segment on arrival only if
 * its advertised window would not shrink, which unread data makes it do
 * here; it then sends that ACK from recv(), tcp_cleanup_rbuf(). So the
 * application reads the second segment too before the ACK is awaited:
 * either way of sending it passes.)
 */
TEST_F(seg, delayed_ack)
{
	struct seg d, d2, a;
	uint8_t buf[2000];
	long delayed;
	uint64_t t;

	establish(_metadata, self, variant, -1, PEER_WIN);
	delayed = COUNTER("DelayedAcks");
	EXPECT_LE(0, delayed) TH_LOG("no counter DelayedAcks");

	d = pdata(&self->c, 0, 100, 0);
	t = peer_now_ns();
	SEND(&d);
	RECV_DELAYED(&a, t, DELACK_MIN_MS, DELACK_MAX_MS, "delayed ACK");
	CHECK_SEG(&a, SEG_ACK, self->c.iss + 1, PEER_ISN + 1 + 100, 0);
	ksft_print_msg("delayed ACK after %.1f ms\n", ms_since(t, &a));
	EXPECT_EQ(delayed + 1, COUNTER("DelayedAcks"));

	ASSERT_EQ(100, recv_wait(self->c.cfd, buf, 100, REPLY_MS));

	/* Linux left pingpong mode when its delayed-ACK timer fired */
	ASSERT_EQ(0, no_quickack(variant->proto, self->c.cfd));
	d = pdata(&self->c, 100, PEER_MSS, 0);
	d.flags = SEG_ACK;
	d2 = pdata(&self->c, 100 + PEER_MSS, PEER_MSS, 0);
	SEND(&d);
	ASSERT_EQ(PEER_MSS, recv_wait(self->c.cfd, buf, PEER_MSS, REPLY_MS));
	SEND(&d2);
	ASSERT_EQ(PEER_MSS, recv_wait(self->c.cfd, buf, PEER_MSS, REPLY_MS));
	RECV(&a, IMMEDIATE_MS, "ACK of two full-sized segments");
	CHECK_SEG(&a, SEG_ACK, self->c.iss + 1, PEER_ISN + 1 + 100 + 2 * PEER_MSS, 0);
	SILENCE(SILENCE_MS, "after the ACK of both");
	EXPECT_EQ(delayed + 1, COUNTER("DelayedAcks"));
}

/*
 * Out-of-order data is held and acknowledged at once (RFC 5681 §4.2,
 * RFC 9293 §3.10.7.4): bytes [100,200) before [0,100): a duplicate ACK
 * (ack = the start) at once, nothing readable; then [0,100): an ACK of all
 * 200 bytes at once (filling the hole), and recv() returns the 200 bytes
 * in order. OutOfOrderQueued (TCP: TCPOFOQueue) moves by one.
 */
TEST_F(seg, out_of_order_held)
{
	struct seg d1, d2, a;
	uint8_t buf[400];
	long ofo;
	int i;

	establish(_metadata, self, variant, -1, PEER_WIN);
	ofo = COUNTER("OutOfOrderQueued");
	EXPECT_LE(0, ofo) TH_LOG("no counter OutOfOrderQueued");

	d2 = pdata(&self->c, 100, 100, 0);
	SEND(&d2);
	RECV(&a, IMMEDIATE_MS, "duplicate ACK for out-of-order data");
	CHECK_SEG(&a, SEG_ACK, self->c.iss + 1, PEER_ISN + 1, 0);
	EXPECT_EQ(EAGAIN, recv_nothing(self->c.cfd));

	d1 = pdata(&self->c, 0, 100, 0);
	SEND(&d1);
	RECV(&a, IMMEDIATE_MS, "ACK of the filled hole");
	CHECK_SEG(&a, SEG_ACK, self->c.iss + 1, PEER_ISN + 1 + 200, 0);

	ASSERT_EQ(200, recv_wait(self->c.cfd, buf, 200, REPLY_MS));
	for (i = 0; i < 200; i++)
		if (buf[i] != stream_byte(true, i))
			break;
	EXPECT_EQ(200, i) TH_LOG("byte %d of the stream differs", i);
	EXPECT_EQ(EAGAIN, recv_nothing(self->c.cfd));
	EXPECT_EQ(ofo + 1, COUNTER("OutOfOrderQueued"));
}

/*
 * Out-of-order segments that overlap (RFC 9293 §3.10.7.4: what is held is
 * kept once; RFC 9293 §3.9: a receiver may hold segments beyond RCV.NXT
 * in any order). Beyond a hole of bytes [0,100): [100,200), [300,400);
 * [150,350), overlapping both and bringing [200,300); [120,130), all of it
 * held already; [50,450), covering everything held and more on both
 * sides; [450,500) with the peer's FIN. Each is acknowledged at once with
 * RCV.NXT (a duplicate ACK), nothing is readable. Then [0,100): one ACK
 * of all 500 bytes and the FIN at once, recv() returns the 500 bytes in
 * order, every one right, then end of stream.
 */
TEST_F(seg, out_of_order_overlaps)
{
	static const uint32_t part[][2] = {
		{ 100, 100 }, { 300, 100 }, { 150, 200 }, { 120, 10 }, { 50, 400 },
		{ 450, 50 },
	};
	uint8_t buf[600];
	struct seg d, a;
	unsigned int i;

	establish(_metadata, self, variant, -1, PEER_WIN);
	for (i = 0; i < PEER_ARRAY_SIZE(part); i++) {
		d = pdata(&self->c, part[i][0], part[i][1], 0);
		if (i == PEER_ARRAY_SIZE(part) - 1)
			d.flags |= SEG_FIN;
		SEND(&d);
		RECV(&a, IMMEDIATE_MS, "duplicate ACK for out-of-order data");
		CHECK_SEG(&a, SEG_ACK, self->c.iss + 1, PEER_ISN + 1, 0);
		EXPECT_EQ(EAGAIN, recv_nothing(self->c.cfd)) TH_LOG("after segment %u", i);
	}

	d = pdata(&self->c, 0, 100, 0);
	SEND(&d);
	RECV(&a, IMMEDIATE_MS, "ACK of the filled hole and the FIN");
	CHECK_SEG(&a, SEG_ACK, self->c.iss + 1, PEER_ISN + 1 + 500 + 1, 0);
	ASSERT_EQ(500, recv_wait(self->c.cfd, buf, sizeof(buf), REPLY_MS));
	for (i = 0; i < 500; i++)
		if (buf[i] != stream_byte(true, i))
			break;
	EXPECT_EQ(500U, i) TH_LOG("byte %u of the stream differs", i);
	EXPECT_EQ(0, recv_once(self->c.cfd, REPLY_MS)) TH_LOG("no end of stream");
}

/*
 * A segment entirely beyond the advertised window (its first byte at
 * RCV.NXT + RCV.WND, then 1000 bytes further) is unacceptable: dropped and
 * answered with an ACK <SEQ=SND.NXT><ACK=RCV.NXT> at once (RFC 9293
 * §3.10.7.4, first check). Neither is readable, neither is kept: the
 * in-order bytes [0,100) that follow are acknowledged alone and are all
 * recv() returns.
 */
TEST_F(seg, out_of_window_segment_acked)
{
	uint32_t beyond[2];
	struct seg x, d, a;
	uint8_t buf[400];
	int i;

	establish(_metadata, self, variant, -1, PEER_WIN);
	/* no window scaling: the SYN-ACK's window is RCV.WND now */
	beyond[0] = self->c.synack.win;
	beyond[1] = self->c.synack.win + 1000;
	for (i = 0; i < 2; i++) {
		x = pseg(&self->c, SEG_ACK | SEG_PSH, beyond[i], 0);
		memset(x.data, 'X', 100);
		x.len = 100;
		SEND(&x);
		RECV(&a, IMMEDIATE_MS, "ACK for a segment beyond the window");
		CHECK_SEG(&a, SEG_ACK, self->c.iss + 1, PEER_ISN + 1, 0);
		EXPECT_EQ(EAGAIN, recv_nothing(self->c.cfd));
	}

	d = pdata(&self->c, 0, 100, 0);
	SEND(&d);
	RECV(&a, REPLY_MS, "ACK of in-order data");
	CHECK_SEG(&a, SEG_ACK, self->c.iss + 1, PEER_ISN + 1 + 100, 0);
	ASSERT_EQ(100, recv_wait(self->c.cfd, buf, 100, REPLY_MS));
	EXPECT_EQ(0, memcmp(buf, d.data, 100));
	EXPECT_EQ(EAGAIN, recv_nothing(self->c.cfd));
}

/* --- the out-of-order queue under a flood ----------------------------------- */

/*
 * Many tiny segments beyond a hole, in the worst order for a sorted list
 * (descending sequence numbers: each one lands in front of all the others),
 * the pattern of SegmentSmack (CVE-2018-5390). The peer writes them one by
 * one to the TUN device; the write returns once the stack has processed the
 * segment (tun_get_user() hands it to netif_receive_skb() in the writer's
 * context), so its wall time is the stack's cost for that segment. Only the
 * writes are timed; what the stack answers is read between them.
 *
 * The measure. Under TCG the cost of the same work drifts by up to 2x
 * within seconds as the host's load moves (medians of 1,000 writes seen
 * from 60 to 200 us), so the cost of a segment on the flooded connection
 * is compared with that of a reference: a second connection of the same
 * stack, written to alternately, one segment each, that gets the same
 * tiny out-of-order segments but keeps its queue short (its hole is
 * filled every REF_GROUP segments, so it holds 0..99). Each pair of
 * writes shares the host's state of the moment; the median of the
 * flooded connection's write time over the reference's, over the last
 * FLOOD_BLOCK pairs, when the flooded queue is longest, is at most
 * FLOOD_MAX_RATIO, 2. A queue costing O(log n) or O(1) per segment keeps
 * it near 1, whatever the host does: measured 1.01 to 1.05 for TCP, 1.02
 * to 1.03 for xtcp with all 10,000 queued, 1.31 to 1.41 for xtcp where
 * each arrival also frees a segment (pruned or merged), on 6.1 and 6.12,
 * with and without other guests loading the host; the O(n) list xtcp had
 * measured 4.4 to 5.3 with 9,000 to 10,000 segments queued (1.1 over the
 * first FLOOD_BLOCK). The plain medians of the first and the last
 * FLOOD_BLOCK writes are logged too (their ratio ranged 0.46 to 1.75 for
 * the same stacks, hence the reference), with the guest's system and
 * softirq time.
 */
#define FLOOD_SEGS	10000
#define FLOOD_BLOCK	1000
#define FLOOD_MAX_RATIO	2.0
#define REF_PORT	(PPORT + 1)	/* the reference connection's peer port */
#define REF_GROUP	100		/* its queue is emptied this often */
#define RMEM_MARGIN	65536	/* a segment past a full buffer, and slack */

/* The reference connection. */
struct ref {
	int fd;			/* accepted */
	uint32_t iss;		/* the stack's ISN on it */
	uint32_t base;		/* its hole: the next byte it expects */
	int bad;		/* bytes read from it that differ */
};

struct flood {
	uint64_t ns[FLOOD_SEGS];	/* each write to the flooded connection */
	uint64_t ref_ns[FLOOD_SEGS];	/* ... and to the reference after it */
	double pair_first, pair_last;	/* median ratio, first and last block */
	double first_us, last_us;	/* median write, first and last block */
	double total_ms;		/* the whole flood */
	double cpu_ms;			/* the guest's system + softirq time */
	uint32_t rmem_max, rcvbuf;	/* SO_MEMINFO, sampled */
	int acks;			/* segments from the stack on the flooded one */
	bool ack_ok;			/* all of them acknowledging PEER_ISN + 1 */
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

/* Median of @n write times from @ns, in us. */
static double median_us(const uint64_t *ns, int n)
{
	double v[FLOOD_BLOCK];
	int i;

	for (i = 0; i < n; i++)
		v[i] = ns[i] / 1e3;
	return median(v, n);
}

/* Median of @a[i] / @b[i] over @n pairs. */
static double median_ratio(const uint64_t *a, const uint64_t *b, int n)
{
	double v[FLOOD_BLOCK];
	int i;

	for (i = 0; i < n; i++)
		v[i] = (double)a[i] / (b[i] ? b[i] : 1);
	return median(v, n);
}

/* The guest's system + softirq time (/proc/stat, all cpus), in ms. */
static double cpu_sys_softirq_ms(void)
{
	unsigned long long v[7] = {};
	char buf[512];

	if (read_file("/proc/stat", buf, sizeof(buf)) < 0 ||
	    sscanf(buf, "cpu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
		   &v[2], &v[3], &v[4], &v[5], &v[6]) != 7)
		return 0;
	return (v[2] + v[6]) * 1000.0 / sysconf(_SC_CLK_TCK);
}

/* SO_MEMINFO of @fd: memory charged to its receive side, its buffer. */
static int rmem_info(int fd, uint32_t *rmem, uint32_t *rcvbuf)
{
	uint32_t mi[SK_MEMINFO_VARS] = {};
	socklen_t len = sizeof(mi);

	if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mi, &len))
		return -errno;
	*rmem = mi[SK_MEMINFO_RMEM_ALLOC];
	*rcvbuf = mi[SK_MEMINFO_RCVBUF];
	return 0;
}

/*
 * Read what the stack sent and is waiting on the TUN device. Of the
 * segments to the peer's port @port: the number, and the last
 * acknowledgment number in *@ack.
 */
static int drain_acks(struct peer *p, uint16_t port, uint32_t *ack)
{
	struct seg s;
	int n = 0;

	while (!peer_expect(p, &s, 0)) {
		if (s.dport != port)
			continue;
		*ack = s.ack;
		n++;
	}
	return n;
}

/* @buf holds @len bytes of the peer's stream from @off: the first that differs, or @len. */
static int stream_check(const uint8_t *buf, uint32_t off, int len)
{
	int i;

	for (i = 0; i < len; i++)
		if (buf[i] != stream_byte(true, off + i))
			break;
	return i;
}

/* Bytes [@off, @off + @len) of the peer's stream on the reference connection. */
static struct seg ref_data(const struct script *c, const struct ref *r, uint32_t off,
			   int len)
{
	struct seg s = pdata(c, off, len, 0);

	s.sport = REF_PORT;
	s.ack = r->iss + 1;
	return s;
}

/* Open the reference connection: from REF_PORT to the listener. */
static void ref_open(struct __test_metadata *_metadata, struct script *c, struct ref *r)
{
	struct seg syn = psyn(PEER_ISN), s, ack;

	memset(r, 0, sizeof(*r));
	syn.sport = REF_PORT;
	ASSERT_EQ(0, peer_send(&c->p, &syn));
	do {
		ASSERT_EQ(0, peer_expect(&c->p, &s, REPLY_MS)) TH_LOG("no SYN-ACK");
	} while (s.dport != REF_PORT);
	ASSERT_EQ(SEG_SYN | SEG_ACK, s.flags);
	r->iss = s.seq;
	ack = ref_data(c, r, 0, 0);
	ack.flags = SEG_ACK;
	ASSERT_EQ(0, peer_send(&c->p, &ack));
	r->fd = accept_wait(c->lfd, REPLY_MS);
	ASSERT_LE(0, r->fd) TH_LOG("accept: %s", strerror(-r->fd));
}

/*
 * One segment of 1 byte to the reference connection: the @i-th of its
 * group, descending within the group; after the last of a group, the
 * group's bytes in order (filling every hole) and a read of them.
 */
static int ref_step(struct script *c, struct ref *r, int i, uint64_t *ns)
{
	uint8_t buf[2 * REF_GROUP];
	uint32_t ack, k = REF_GROUP - 1 - i % REF_GROUP;
	struct seg d = ref_data(c, r, r->base + 2 * k + 1, 1);
	uint64_t t0;
	int err, got;

	t0 = peer_now_ns();
	err = peer_send(&c->p, &d);
	*ns = peer_now_ns() - t0;
	drain_acks(&c->p, REF_PORT, &ack);
	if (err || k)
		return err;
	d = ref_data(c, r, r->base, sizeof(buf));
	err = peer_send(&c->p, &d);
	if (err)
		return err;
	got = recv_wait(r->fd, buf, sizeof(buf), REPLY_MS);
	if (got != (int)sizeof(buf))
		return -EIO;
	r->bad += got - stream_check(buf, r->base, got);
	r->base += sizeof(buf);
	drain_acks(&c->p, REF_PORT, &ack);
	return 0;
}

/*
 * The flood: FLOOD_SEGS segments of 1 byte on the connection @fd, segment
 * i (0 first) carrying byte @off0 - @step * i of the peer's stream, each
 * followed by one to the reference @r. Fills @f; SO_MEMINFO of @fd is
 * sampled every 100 segments. 0 or -errno.
 */
static int flood(struct script *c, int fd, struct ref *r, uint32_t off0, int step,
		 struct flood *f)
{
	uint64_t t0, start = peer_now_ns();
	double cpu0 = cpu_sys_softirq_ms();
	uint32_t ack, rmem = 0;
	struct seg d;
	int i, err;

	f->rmem_max = 0;
	f->acks = 0;
	f->ack_ok = true;
	for (i = 0; i < FLOOD_SEGS; i++) {
		d = pdata(c, off0 - (uint32_t)step * i, 1, 0);
		t0 = peer_now_ns();
		err = peer_send(&c->p, &d);
		f->ns[i] = peer_now_ns() - t0;
		if (err)
			return err;
		ack = PEER_ISN + 1;
		f->acks += drain_acks(&c->p, PPORT, &ack);
		f->ack_ok &= ack == PEER_ISN + 1;
		err = ref_step(c, r, i, &f->ref_ns[i]);
		if (err)
			return err;
		if (i % 100 == 99) {
			err = rmem_info(fd, &rmem, &f->rcvbuf);
			if (err)
				return err;
			if (rmem > f->rmem_max)
				f->rmem_max = rmem;
		}
	}
	f->cpu_ms = cpu_sys_softirq_ms() - cpu0;
	f->total_ms = (peer_now_ns() - start) / 1e6;
	f->first_us = median_us(f->ns, FLOOD_BLOCK);
	f->last_us = median_us(f->ns + FLOOD_SEGS - FLOOD_BLOCK, FLOOD_BLOCK);
	f->pair_first = median_ratio(f->ns, f->ref_ns, FLOOD_BLOCK);
	f->pair_last = median_ratio(f->ns + FLOOD_SEGS - FLOOD_BLOCK,
				    f->ref_ns + FLOOD_SEGS - FLOOD_BLOCK, FLOOD_BLOCK);
	return 0;
}

/* The flood's figures, and its common assertions. */
static void flood_check(struct __test_metadata *_metadata, int proto,
			const struct flood *f, const struct ref *r)
{
	const char *name = proto == IPPROTO_TCP ? "tcp" : "xtcp";

	ksft_print_msg("%s: %d segments in %.0f ms (%d to the reference too), system + softirq %.0f ms\n",
		       name, FLOOD_SEGS, f->total_ms, FLOOD_SEGS, f->cpu_ms);
	ksft_print_msg("%s: median write, first %d: %.1f us, last %d: %.1f us (x%.2f); over the reference's: first %.2f, last %.2f (max %.1f)\n",
		       name, FLOOD_BLOCK, f->first_us, FLOOD_BLOCK, f->last_us,
		       f->last_us / f->first_us, f->pair_first, f->pair_last,
		       FLOOD_MAX_RATIO);
	ksft_print_msg("%s: receive memory at most %u bytes, SO_RCVBUF %u; %d duplicate ACKs\n",
		       name, f->rmem_max, f->rcvbuf, f->acks);
	EXPECT_TRUE(f->ack_ok) TH_LOG("an ACK beyond the hole during the flood");
	EXPECT_LE(FLOOD_SEGS * 9 / 10, f->acks);
	EXPECT_EQ(0, r->bad) TH_LOG("bytes of the reference connection differ");
	EXPECT_GE(FLOOD_MAX_RATIO, f->pair_last)
		TH_LOG("the cost per segment grows with the queue");
	EXPECT_GE((uint64_t)f->rcvbuf + RMEM_MARGIN, f->rmem_max)
		TH_LOG("the out-of-order queue outgrows the receive buffer");
}

/*
 * Send the peer's bytes [@from, @to) in order, in segments of PEER_MSS,
 * then wait up to REPLY_MS for the ACK of @to. Returns the last
 * acknowledgment number seen.
 */
static uint32_t send_in_order(struct script *c, uint32_t from, uint32_t to)
{
	uint32_t ack = 0, off;
	struct seg d, s;

	for (off = from; off < to; off += PEER_MSS) {
		d = pdata(c, off, to - off < PEER_MSS ? to - off : PEER_MSS, 0);
		if (peer_send(&c->p, &d))
			return ack;
		drain_acks(&c->p, PPORT, &ack);
	}
	while (ack != PEER_ISN + 1 + to && !peer_expect(&c->p, &s, REPLY_MS))
		if (s.dport == PPORT)
			ack = s.ack;
	return ack;
}

/*
 * Establish the connection (establish()) and the reference (ref_open());
 * for the first, SO_RCVBUF @rcvbuf unless 0, or SO_RCVBUFFORCE -@rcvbuf if
 * negative.
 */
static void flood_setup(struct __test_metadata *_metadata, FIXTURE_DATA(seg) *self,
			const FIXTURE_VARIANT(seg) *variant, int rcvbuf, struct ref *r)
{
	int size = rcvbuf < 0 ? -rcvbuf : rcvbuf;

	establish(_metadata, self, variant, -1, PEER_WIN);
	ref_open(_metadata, &self->c, r);
	if (rcvbuf)
		ASSERT_EQ(0, setsockopt(self->c.cfd, SOL_SOCKET,
					rcvbuf < 0 ? SO_RCVBUFFORCE : SO_RCVBUF,
					&size, sizeof(size)));
}

/*
 * The gapped flood of ooo_flood_descending and ooo_flood_rcvbuf: a hole at
 * byte 0, then FLOOD_SEGS segments of 1 byte at bytes 19999, 19997, ...,
 * 3, 1, descending, a byte apart so that no two are adjacent (nothing
 * merges, nothing collapses), with the reference's between them. Each is
 * acknowledged with RCV.NXT (duplicate ACKs) and costs no more at the end
 * than the reference's (FLOOD_MAX_RATIO); the receive memory stays within
 * SO_RCVBUF + RMEM_MARGIN. Then the peer sends the whole stream, bytes
 * [0, 20000), in order (its segments covering what is queued): all 20,000
 * are acknowledged and read, every byte right.
 */
static void gapped_flood(struct __test_metadata *_metadata, FIXTURE_DATA(seg) *self,
			 const FIXTURE_VARIANT(seg) *variant, struct ref *r,
			 struct flood *f)
{
	const uint32_t total = 2 * FLOOD_SEGS;
	uint8_t *buf = malloc(total);
	int got;

	ASSERT_TRUE(buf != NULL);
	ASSERT_EQ(0, flood(&self->c, self->c.cfd, r, total - 1, 2, f));
	flood_check(_metadata, variant->proto, f, r);

	EXPECT_EQ(PEER_ISN + 1 + total, send_in_order(&self->c, 0, total));
	got = recv_wait(self->c.cfd, buf, total, REPLY_MS);
	EXPECT_EQ((int)total, got);
	EXPECT_EQ(got, stream_check(buf, 0, got)) TH_LOG("a byte of the stream differs");
	EXPECT_EQ(EAGAIN, recv_nothing(self->c.cfd));
	free(buf);
}

/*
 * The cost of the out-of-order queue does not grow with its length: the
 * gapped flood (gapped_flood()) into a receive buffer large enough to hold
 * all of it (SO_RCVBUFFORCE 16 MiB), so that both stacks queue every
 * segment: each is counted in OutOfOrderQueued (TCP: TCPOFOQueue), and
 * the queue holds 9,000 to 10,000 segments while the last FLOOD_BLOCK are
 * timed.
 */
TEST_F_TIMEOUT(seg, ooo_flood_descending, 180)
{
	struct flood *f = calloc(1, sizeof(*f));
	struct ref r;
	long ofo;

	ASSERT_TRUE(f != NULL);
	flood_setup(_metadata, self, variant, -(16 << 20), &r);
	ofo = COUNTER("OutOfOrderQueued");
	gapped_flood(_metadata, self, variant, &r, f);
	/* and as many of the reference's (its holes are filled separately) */
	EXPECT_EQ(ofo + 2 * FLOOD_SEGS, COUNTER("OutOfOrderQueued"));
	close(r.fd);
	free(f);
}

/*
 * The out-of-order queue is bounded by the receive buffer: the gapped
 * flood (gapped_flood()) into SO_RCVBUF 64 KiB (131072 bytes, locked: TCP
 * does not grow it), a sixtieth of what its 10,000 segments take as
 * separate buffers. Both stacks keep the lowest segments and drop the
 * highest (TCP in batches, tcp_prune_ofo_queue(); xtcp one at a time);
 * the receive memory, sampled every 100 segments, stays within SO_RCVBUF +
 * RMEM_MARGIN, at a cost per segment that does not grow; the stream then
 * arrives whole.
 */
TEST_F_TIMEOUT(seg, ooo_flood_rcvbuf, 180)
{
	struct flood *f = calloc(1, sizeof(*f));
	struct ref r;

	ASSERT_TRUE(f != NULL);
	flood_setup(_metadata, self, variant, 65536, &r);
	gapped_flood(_metadata, self, variant, &r, f);
	EXPECT_EQ(2u * 65536, f->rcvbuf);
	close(r.fd);
	free(f);
}

/*
 * Adjacent tiny segments, with the default receive buffer (TCP:
 * tcp_rmem[1], 128 KiB, which it grows up to tcp_rmem[2] as out-of-order
 * data fills it, tcp_clamp_window(); xtcp: net.core.rmem_default): the
 * hole at byte 0, then 10,000 segments of 1 byte at bytes 10000, 9999,
 * ..., 1, descending and adjacent, with the reference's between them: as
 * separate buffers, more than either buffer holds. Each stack keeps what
 * it can (TCP collapses runs into compact buffers, xtcp merges each
 * segment with the one after it), with the receive memory within
 * SO_RCVBUF + RMEM_MARGIN and a cost per segment that does not grow. Then
 * the byte at 0 fills the hole: the stack acknowledges what it held from
 * there (at least that byte), recv() returns exactly those bytes, right;
 * the peer sends the rest in order, and all 10,001 bytes are read, right.
 */
TEST_F_TIMEOUT(seg, ooo_flood_adjacent, 180)
{
	struct flood *f = calloc(1, sizeof(*f));
	const uint32_t total = FLOOD_SEGS + 1;
	uint8_t *buf = malloc(total);
	uint32_t ack = 0;
	int held, got;
	struct ref r;
	struct seg d;

	ASSERT_TRUE(f && buf);
	flood_setup(_metadata, self, variant, 0, &r);
	ASSERT_EQ(0, flood(&self->c, self->c.cfd, &r, FLOOD_SEGS, 1, f));
	flood_check(_metadata, variant->proto, f, &r);

	d = pdata(&self->c, 0, 1, 0);
	SEND(&d);
	while (ack <= PEER_ISN + 1 && !peer_expect(&self->c.p, &d, REPLY_MS))
		if (d.dport == PPORT)
			ack = d.ack;
	held = ack - (PEER_ISN + 1);
	ASSERT_LE(1, held);
	ASSERT_GE((int)total, held);
	got = recv_wait(self->c.cfd, buf, total, REPLY_MS);
	ksft_print_msg("%s: the filled hole made %d bytes readable\n",
		       variant->proto == IPPROTO_TCP ? "tcp" : "xtcp", held);
	EXPECT_EQ(held, got);
	EXPECT_EQ(got, stream_check(buf, 0, got)) TH_LOG("a byte of the stream differs");

	if ((uint32_t)held < total)
		EXPECT_EQ(PEER_ISN + 1 + total, send_in_order(&self->c, held, total));
	got = recv_wait(self->c.cfd, buf + held, total - held, REPLY_MS);
	EXPECT_EQ((int)total - held, got);
	EXPECT_EQ(got, stream_check(buf + held, held, got)) TH_LOG("a byte of the stream differs");
	EXPECT_EQ(EAGAIN, recv_nothing(self->c.cfd));
	close(r.fd);
	free(buf);
	free(f);
}

/* --- retransmission ---------------------------------------------------------- */

/*
 * Retransmission timeout with exponential backoff (RFC 6298 §5.5): after
 * one round trip has given an RTT sample of a few ms, the stack sends 100
 * bytes that the peer never acknowledges. The same segment (seq, length,
 * payload) comes again after 200 ms (rto_min, RFC 6298 §2.4 as Linux
 * applies it), then 400, then 800 ms: each interval within the tolerance
 * of interval_ok() around its nominal length, so about twice the one
 * before; the first also no earlier than 190 ms (a timer never fires
 * early). Timeouts (TCP: TCPTimeouts) and RetransSegs move by 3.
 */
TEST_F(seg, rto_doubling)
{
	struct seg s, prev, orig, ack;
	long timeouts, retrans;
	double ms;
	int i;

	establish(_metadata, self, variant, -1, PEER_WIN);
	/* an RTT sample */
	ASSERT_EQ(10, send_stream(self->c.cfd, 0, 10));
	RECV(&s, REPLY_MS, "data");
	CHECK_SEG(&s, SEG_ACK | SEG_PSH, self->c.iss + 1, PEER_ISN + 1, 10);
	ack = pseg(&self->c, SEG_ACK, 0, 10);
	SEND(&ack);

	timeouts = COUNTER("Timeouts");
	retrans = COUNTER("RetransSegs");
	ASSERT_EQ(100, send_stream(self->c.cfd, 10, 100));
	RECV(&orig, REPLY_MS, "data");
	CHECK_SEG(&orig, SEG_ACK | SEG_PSH, self->c.iss + 11, PEER_ISN + 1, 100);

	prev = orig;
	for (i = 0; i < 3; i++) {
		int want = RTO_MIN_MS << i;

		RECV(&s, interval_max(want), "retransmission");
		CHECK_SEG(&s, orig.flags, self->c.iss + 11, PEER_ISN + 1, 100);
		EXPECT_TRUE(stack_data_ok(&s, 10)) TH_LOG("payload of %s", peer_fmt(&self->c.p, &s));
		ms = seg_ms(&prev, &s);
		EXPECT_TRUE(interval_ok(ms, want))
			TH_LOG("retransmission %d after %.1f ms, want %d", i + 1, ms, want);
		if (!i)
			EXPECT_LE(RTO_MIN_MS - 10, ms) TH_LOG("first RTO %.1f ms", ms);
		ksft_print_msg("retransmission %d: +%.1f ms (nominal %d)\n", i + 1, ms, want);
		prev = s;
	}
	EXPECT_EQ(timeouts + 3, COUNTER("Timeouts"));
	EXPECT_EQ(retrans + 3, COUNTER("RetransSegs"));
}

/*
 * Fast retransmit (RFC 5681 §3.2): the stack sends 6 full segments (the
 * initial window is 10); the peer acknowledges none of them and sends
 * duplicate ACKs (ack = SND.UNA, the same window, no data). After two:
 * nothing (80 ms of silence, well before the 200 ms RTO); after the third:
 * the first segment again at once, and FastRetrans (TCP: TCPFastRetrans)
 * moves by one. Once the peer acknowledges everything: silence.
 */
TEST_F(seg, fast_retransmit_third_dupack)
{
	const int n = 6;
	struct seg s, first = {}, dup, ack;
	long fast;
	uint64_t t;
	int i;

	establish(_metadata, self, variant, -1, PEER_WIN);
	fast = COUNTER("FastRetrans");
	EXPECT_LE(0, fast) TH_LOG("no counter FastRetrans");

	ASSERT_EQ(n * PEER_MSS, send_stream(self->c.cfd, 0, n * PEER_MSS));
	for (i = 0; i < n; i++) {
		RECV(&s, REPLY_MS, "data segment");
		/* Linux sets PSH on the last segment of a write only */
		CHECK_SEG(&s, s.flags & SEG_PSH ? SEG_ACK | SEG_PSH : SEG_ACK,
			  self->c.iss + 1 + i * PEER_MSS, PEER_ISN + 1, PEER_MSS);
		EXPECT_TRUE(stack_data_ok(&s, i * PEER_MSS));
		if (!i)
			first = s;
	}

	dup = pseg(&self->c, SEG_ACK, 0, 0);
	SEND(&dup);
	SEND(&dup);
	SILENCE(80, "after two duplicate ACKs");
	SEND(&dup);
	t = peer_now_ns();
	RECV(&s, IMMEDIATE_MS, "fast retransmission after the third duplicate ACK");
	CHECK_SEG(&s, s.flags & SEG_PSH ? SEG_ACK | SEG_PSH : SEG_ACK, self->c.iss + 1,
		  PEER_ISN + 1, PEER_MSS);
	EXPECT_TRUE(stack_data_ok(&s, 0));
	ksft_print_msg("fast retransmission %.1f ms after the third duplicate ACK, %.1f ms after the original\n",
		       ms_since(t, &s), seg_ms(&first, &s));
	EXPECT_EQ(fast + 1, COUNTER("FastRetrans"));

	ack = pseg(&self->c, SEG_ACK, 0, n * PEER_MSS);
	SEND(&ack);
	SILENCE(SILENCE_MS, "after everything was acknowledged");
}

/*
 * xtcp only: in NewReno fast recovery, only the first partial ACK restarts
 * the retransmission timer (RFC 6582 §3.2 step 3 and §4, the "Impatient"
 * variant; any other ACK of new data restarts it, RFC 6298 §5.3), so that
 * a window with many losses ends in a timeout rather than one
 * retransmission per round trip. With rto_min_ms 500 and an RTT sample of
 * a few ms, the RTO is 500 ms. The stack sends 8 segments; three duplicate
 * ACKs start fast recovery (the first segment again, at once); then 4
 * partial ACKs, 100 ms apart, each acknowledge one more segment, and each
 * gets the next one again at once. The peer then stays silent: the timeout
 * resends the segment at SND.UNA 500 ms after the first partial ACK
 * (interval_ok(): 430 to 685 ms), not 500 ms after the last (800 ms after
 * the first). Timeouts moves by one.
 *
 * Linux TCP restarts the timer on every ACK of new data (tcp_rearm_rto()),
 * RFC 6582's "Slow-but-Steady" variant: the same script on the tcp variant
 * (with the route's rto_min at 500 ms) saw its timeout 500 ms after the
 * last partial ACK. Documentation/protocol.rst lists the difference.
 */
TEST_F(seg, xtcp_partial_acks_impatient)
{
	const int n = 8, partial = 4, gap_ms = 100, rto_ms = 500;
	struct seg s, dup, ack;
	uint64_t t_first = 0;
	long timeouts;
	double ms;
	int i;

	if (variant->proto != IPPROTO_XTCP)
		SKIP(return, "xtcp only (see the comment of the test)");
	ASSERT_EQ(0, write_file("/proc/sys/net/xtcp/rto_min_ms", "500"));
	establish(_metadata, self, variant, -1, PEER_WIN);
	/* an RTT sample */
	ASSERT_EQ(10, send_stream(self->c.cfd, 0, 10));
	RECV(&s, REPLY_MS, "data");
	CHECK_SEG(&s, SEG_ACK | SEG_PSH, self->c.iss + 1, PEER_ISN + 1, 10);
	ack = pseg(&self->c, SEG_ACK, 0, 10);
	SEND(&ack);

	ASSERT_EQ(n * PEER_MSS, send_stream(self->c.cfd, 10, n * PEER_MSS));
	for (i = 0; i < n; i++) {
		RECV(&s, REPLY_MS, "data segment");
		CHECK_SEG(&s, s.flags & SEG_PSH ? SEG_ACK | SEG_PSH : SEG_ACK,
			  self->c.iss + 11 + i * PEER_MSS, PEER_ISN + 1, PEER_MSS);
	}
	dup = pseg(&self->c, SEG_ACK, 0, 10);
	for (i = 0; i < 3; i++)
		SEND(&dup);
	RECV(&s, IMMEDIATE_MS, "fast retransmission after the third duplicate ACK");
	CHECK_SEG(&s, s.flags & SEG_PSH ? SEG_ACK | SEG_PSH : SEG_ACK, self->c.iss + 11,
		  PEER_ISN + 1, PEER_MSS);

	timeouts = COUNTER("Timeouts");
	for (i = 1; i <= partial; i++) {
		if (i > 1)
			sleep_until(t_first, (i - 1) * gap_ms);
		ack = pseg(&self->c, SEG_ACK, 0, 10 + i * PEER_MSS);
		SEND(&ack);
		if (i == 1)
			t_first = peer_now_ns();
		RECV(&s, IMMEDIATE_MS, "retransmission for a partial ACK");
		CHECK_SEG(&s, s.flags & SEG_PSH ? SEG_ACK | SEG_PSH : SEG_ACK,
			  self->c.iss + 11 + i * PEER_MSS, PEER_ISN + 1, PEER_MSS);
	}
	RECV(&s, interval_max(rto_ms), "retransmission timeout");
	CHECK_SEG(&s, s.flags & SEG_PSH ? SEG_ACK | SEG_PSH : SEG_ACK,
		  self->c.iss + 11 + partial * PEER_MSS, PEER_ISN + 1, PEER_MSS);
	ms = ms_since(t_first, &s);
	ksft_print_msg("timeout %.1f ms after the first partial ACK, %.1f ms after the last\n",
		       ms, ms - (partial - 1) * gap_ms);
	EXPECT_TRUE(interval_ok(ms, rto_ms))
		TH_LOG("timeout %.1f ms after the first partial ACK, want %d", ms, rto_ms);
	EXPECT_EQ(timeouts + 1, COUNTER("Timeouts"));
}

/* --- after a lost SYN or SYN-ACK ---------------------------------------------- */

/*
 * RFC 6298 §5.7 and RFC 5681 §3.1 as Linux applies them
 * (tcp_init_transfer(), tcp_init_metrics()), one SYN lost: the connection
 * starts with the full initial window, 10 segments (Linux cuts cwnd to one
 * segment only after more than one SYN or SYN-ACK retransmission, given
 * RFC 6298's 1 s initial RTO); with no RTT sample from the handshake, the
 * RTO is 3 s (TCP_TIMEOUT_FALLBACK) instead of 1 s (RFC 6298 §2.1): the
 * first data segment, unacknowledged, comes again 3 s after it was sent
 * (interval_ok(): 2680 to 3810 ms). About 4.5 s for TCP.
 */
TEST_F(seg, syn_lost_once)
{
	connect_after_loss(_metadata, self, variant, 1);
	first_flight(_metadata, self, 10, 3000);
}

/*
 * Two SYNs lost: one segment of congestion window (RFC 5681 §3.1, Linux's
 * total_retrans > 1), then two after its ACK (slow start). About 3.5 s
 * for TCP.
 */
TEST_F(seg, syn_lost_twice)
{
	connect_after_loss(_metadata, self, variant, 2);
	first_flight(_metadata, self, 1, 0);
}

/* The passive side of syn_lost_once: one SYN-ACK lost. */
TEST_F(seg, synack_lost_once)
{
	accept_after_loss(_metadata, self, variant, 1);
	first_flight(_metadata, self, 10, 3000);
}

/* The passive side of syn_lost_twice: two SYN-ACKs lost. */
TEST_F(seg, synack_lost_twice)
{
	accept_after_loss(_metadata, self, variant, 2);
	first_flight(_metadata, self, 1, 0);
}

/* --- slow start after idle --------------------------------------------------- */

/*
 * Restart after idle (RFC 5681 §4.1; Linux's tcp_slow_start_after_idle,
 * on by default, tcp_cwnd_restart()). The stack grows its congestion
 * window in slow start: 10 segments, each acknowledged (cwnd 20); then 20
 * segments go at once, the reference that the window grew, and are
 * acknowledged one by one (cwnd 40). After 1 s without sending (about 5
 * RTOs of 200 ms; Linux halves cwnd per RTO of idleness, down to the
 * restart window min(IW, cwnd) = 10) the application writes 20 segments
 * again: only the initial window, 10, goes before an ACK.
 */
TEST_F(seg, idle_restarts_from_initial_window)
{
	int sndbuf = 1 << 20, n, i;
	struct seg first, ack;

	ASSERT_EQ(0, tcp_only_knob(variant->proto, "tcp_slow_start_after_idle", "1"));
	establish(_metadata, self, variant, -1, PEER_WIN);
	ASSERT_EQ(0, setsockopt(self->c.cfd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)));

	ASSERT_EQ(10, send_segs(self->c.cfd, 0, 10));
	n = recv_burst(_metadata, self, 0, &first);
	ASSERT_EQ(10, n) TH_LOG("initial window: %d segments", n);
	for (i = 1; i <= 10; i++) {
		ack = pseg(&self->c, SEG_ACK, 0, i * PEER_MSS);
		SEND(&ack);
	}

	ASSERT_EQ(20, send_segs(self->c.cfd, 10 * PEER_MSS, 20));
	n = recv_burst(_metadata, self, 10 * PEER_MSS, &first);
	ksft_print_msg("%d segments at once while busy\n", n);
	ASSERT_EQ(20, n) TH_LOG("%d segments at once after slow start, want 20", n);
	for (i = 1; i <= 20; i++) {
		ack = pseg(&self->c, SEG_ACK, 0, (10 + i) * PEER_MSS);
		SEND(&ack);
	}

	usleep(1000 * 1000);
	ASSERT_EQ(20, send_segs(self->c.cfd, 30 * PEER_MSS, 20));
	n = recv_burst(_metadata, self, 30 * PEER_MSS, &first);
	ksft_print_msg("%d segments at once after 1 s idle\n", n);
	EXPECT_EQ(10, n) TH_LOG("%d segments at once after 1 s idle, want 10", n);
}

/* --- flow control ------------------------------------------------------------ */

/*
 * Zero-window probes (RFC 9293 §3.8.6.1, RFC 1122 §4.2.2.17): the peer's
 * window is 2000 bytes; the application writes 3000; the stack sends
 * 2000; the peer acknowledges them with window 0. The stack probes in
 * Linux's form, a pure ACK with seq = SND.UNA - 1 and no data, after 200,
 * 400, 800 ms (the RTO, backed off; each measured from the peer's answer,
 * which is window 0 again; tolerance of interval_ok()). ZeroWindowProbes
 * (TCP: TCPWinProbe) moves by 3. The peer then opens the window: the
 * remaining 1000 bytes come at once.
 */
TEST_F(seg, zero_window_probes)
{
	struct seg s, ack;
	long probes;
	uint64_t t;
	double ms;
	int i;

	establish(_metadata, self, variant, -1, 2 * PEER_MSS);
	probes = COUNTER("ZeroWindowProbes");
	EXPECT_LE(0, probes) TH_LOG("no counter ZeroWindowProbes");

	ASSERT_EQ(3 * PEER_MSS, send_stream(self->c.cfd, 0, 3 * PEER_MSS));
	for (i = 0; i < 2; i++) {
		RECV(&s, REPLY_MS, "data segment");
		CHECK_SEG(&s, s.flags & SEG_PSH ? SEG_ACK | SEG_PSH : SEG_ACK,
			  self->c.iss + 1 + i * PEER_MSS, PEER_ISN + 1, PEER_MSS);
		EXPECT_TRUE(stack_data_ok(&s, i * PEER_MSS));
	}
	SILENCE(50, "data beyond the peer's window");

	self->c.win = 0;
	ack = pseg(&self->c, SEG_ACK, 0, 2 * PEER_MSS);
	SEND(&ack);
	t = peer_now_ns();
	for (i = 0; i < 3; i++) {
		int want = RTO_MIN_MS << i;

		RECV(&s, interval_max(want), "zero-window probe");
		CHECK_SEG(&s, SEG_ACK, self->c.iss + 2 * PEER_MSS, PEER_ISN + 1, 0);
		ms = ms_since(t, &s);
		EXPECT_TRUE(interval_ok(ms, want))
			TH_LOG("probe %d after %.1f ms, want %d", i + 1, ms, want);
		ksft_print_msg("probe %d: +%.1f ms (nominal %d)\n", i + 1, ms, want);
		SEND(&ack);
		t = peer_now_ns();
	}
	EXPECT_EQ(probes + 3, COUNTER("ZeroWindowProbes"));

	self->c.win = PEER_WIN;
	ack = pseg(&self->c, SEG_ACK, 0, 2 * PEER_MSS);
	SEND(&ack);
	RECV(&s, IMMEDIATE_MS, "data once the window opened");
	CHECK_SEG(&s, SEG_ACK | SEG_PSH, self->c.iss + 1 + 2 * PEER_MSS, PEER_ISN + 1, PEER_MSS);
	EXPECT_TRUE(stack_data_ok(&s, 2 * PEER_MSS));
	ack = pseg(&self->c, SEG_ACK, 0, 3 * PEER_MSS);
	SEND(&ack);
	SILENCE(SILENCE_MS, "after everything was acknowledged");
}

/*
 * An old ACK does not move the send window (RFC 9293 §3.10.7.4, fifth: an
 * ACK below SND.UNA is a duplicate and can be ignored; the window is
 * updated only if SND.UNA =< SEG.ACK =< SND.NXT; Linux's tcp_ack() takes
 * no window from it either). The stack sends 100 bytes, acknowledged; the
 * peer sends 100 bytes, then 100 more on a segment that acknowledges 50
 * bytes less (SND.UNA - 50: old, yet not so old as to be refused, RFC 5961
 * §5.2) and says window 0. Both segments' data is taken: recv() returns
 * the 200 bytes. The window stays open: the 100 bytes the program then
 * writes go at once (IMMEDIATE_MS), <SEQ=ISS+101><ACK=peer ISN+201>, not
 * held for a zero-window probe (a pure ACK <SEQ=ISS+100> after 200 ms).
 * A delayed ACK of the peer's data may go first.
 */
TEST_F(seg, old_ack_keeps_window)
{
	struct seg s, d, ack;
	uint8_t buf[400];
	uint64_t t;
	int i;

	establish(_metadata, self, variant, -1, PEER_WIN);
	ASSERT_EQ(100, send_stream(self->c.cfd, 0, 100));
	RECV(&s, REPLY_MS, "data");
	CHECK_SEG(&s, SEG_ACK | SEG_PSH, self->c.iss + 1, PEER_ISN + 1, 100);
	ack = pseg(&self->c, SEG_ACK, 0, 100);
	SEND(&ack);

	d = pdata(&self->c, 0, 100, 100);
	SEND(&d);
	self->c.win = 0;
	d = pdata(&self->c, 100, 100, 50);
	SEND(&d);
	ASSERT_EQ(200, recv_wait(self->c.cfd, buf, 200, REPLY_MS));
	for (i = 0; i < 200; i++)
		if (buf[i] != stream_byte(true, i))
			break;
	EXPECT_EQ(200, i) TH_LOG("byte %d of the stream differs", i);

	ASSERT_EQ(100, send_stream(self->c.cfd, 100, 100));
	t = peer_now_ns();
	RECV(&s, REPLY_MS, "data after the old ACK");
	if (!s.len && s.seq == self->c.iss + 101) {
		CHECK_SEG(&s, SEG_ACK, self->c.iss + 101, PEER_ISN + 201, 0);
		RECV(&s, REPLY_MS, "data after the old ACK");
	}
	CHECK_SEG(&s, SEG_ACK | SEG_PSH, self->c.iss + 101, PEER_ISN + 201, 100);
	EXPECT_TRUE(stack_data_ok(&s, 100)) TH_LOG("payload of %s", peer_fmt(&self->c.p, &s));
	EXPECT_GE(IMMEDIATE_MS, ms_since(t, &s)) TH_LOG("data after %.1f ms", ms_since(t, &s));

	self->c.win = PEER_WIN;
	ack = pseg(&self->c, SEG_ACK, 200, 200);
	SEND(&ack);
	SILENCE(SILENCE_MS, "after everything was acknowledged");
}

/*
 * Window scaling (RFC 7323 §2), on for both stacks
 * (net.ipv4.tcp_window_scaling, net.xtcp.window_scaling). The peer's SYN
 * offers shift 7: the SYN-ACK carries a window scale option with a shift of
 * 0..14 (and no option but MSS, window scale and NOPs); the window fields
 * of the stack's later segments are scaled: field << shift is a plausible
 * byte count, from one MSS to SO_RCVBUF (an unscaled 16-bit count shifted
 * would not be).
 */
TEST_F(seg, window_scaling)
{
	struct seg d, s, *sa = &self->c.synack;
	socklen_t len = sizeof(int);
	uint64_t bytes;
	int rcvbuf;

	ASSERT_EQ(0, peer_knob_set(variant->proto, PEER_WINDOW_SCALING, 1));
	establish(_metadata, self, variant, 7, 512);	/* 64 KiB */
	ASSERT_TRUE(!!(sa->opts & OPT_BIT(OPT_WSCALE)))
		TH_LOG("no window scale option: %s", peer_fmt(&self->c.p, sa));
	EXPECT_EQ(0U, sa->opts & ~(OPT_BIT(OPT_MSS) | OPT_BIT(OPT_WSCALE) | OPT_BIT(OPT_NOP)))
		TH_LOG("options of %s", peer_fmt(&self->c.p, sa));
	EXPECT_EQ(self->c.p.mtu - 40, sa->mss);
	ASSERT_LE(0, sa->wscale);
	ASSERT_GE(14, sa->wscale);
	ASSERT_EQ(0, getsockopt(self->c.cfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &len));
	ksft_print_msg("SYN-ACK: wscale %d, window %u; SO_RCVBUF %d\n", sa->wscale,
		       sa->win, rcvbuf);

	/* the window of a data segment and of an ACK */
	ASSERT_EQ(10, send_stream(self->c.cfd, 0, 10));
	RECV(&s, REPLY_MS, "data");
	CHECK_SEG(&s, SEG_ACK | SEG_PSH, self->c.iss + 1, PEER_ISN + 1, 10);
	bytes = (uint64_t)s.win << sa->wscale;
	EXPECT_LE((uint64_t)PEER_MSS, bytes) TH_LOG("window %u << %d", s.win, sa->wscale);
	EXPECT_GE((uint64_t)rcvbuf, bytes) TH_LOG("window %u << %d", s.win, sa->wscale);

	d = pdata(&self->c, 0, 100, 10);
	SEND(&d);
	RECV(&s, REPLY_MS, "ACK");
	CHECK_SEG(&s, SEG_ACK, self->c.iss + 11, PEER_ISN + 1 + 100, 0);
	bytes = (uint64_t)s.win << sa->wscale;
	EXPECT_LE((uint64_t)PEER_MSS, bytes) TH_LOG("window %u << %d", s.win, sa->wscale);
	EXPECT_GE((uint64_t)rcvbuf, bytes) TH_LOG("window %u << %d", s.win, sa->wscale);
}

/* With scaling on, a SYN without the option gets a SYN-ACK without it (RFC 7323 §1.3). */
TEST_F(seg, window_scaling_not_offered)
{
	ASSERT_EQ(0, peer_knob_set(variant->proto, PEER_WINDOW_SCALING, 1));
	establish(_metadata, self, variant, -1, PEER_WIN);
	EXPECT_EQ(OPT_BIT(OPT_MSS), self->c.synack.opts)
		TH_LOG("options of %s", peer_fmt(&self->c.p, &self->c.synack));
	EXPECT_EQ(-1, self->c.synack.wscale);
}

/*
 * The stack applies the peer's shift (RFC 7323 §2.3): the peer offers
 * shift 7 and then advertises window field 1, 128 bytes. The application
 * writes 1000 bytes: the stack sends exactly the usable window, 128 bytes
 * (an unscaled reading would allow 1 byte; REPLY_MS plus 500 ms leaves
 * room for a sender that waits for its probe timer), then, once they are
 * acknowledged with the same window, the next 128. Then the window opens
 * (field 512, 64 KiB) and the rest follows in order, each segment
 * acknowledged as it comes (Linux keeps sending 128-byte segments: its
 * MSS stays cut to half the largest window seen, tcp_bound_to_half_wnd()).
 */
TEST_F(seg, window_scaling_honoured)
{
	struct seg s, ack;
	uint32_t off;
	int i;

	ASSERT_EQ(0, peer_knob_set(variant->proto, PEER_WINDOW_SCALING, 1));
	establish(_metadata, self, variant, 7, 1);
	ASSERT_TRUE(!!(self->c.synack.opts & OPT_BIT(OPT_WSCALE)))
		TH_LOG("no window scale option: %s", peer_fmt(&self->c.p, &self->c.synack));

	ASSERT_EQ(1000, send_stream(self->c.cfd, 0, 1000));
	for (i = 0, off = 0; i < 2; i++, off += 128) {
		RECV(&s, REPLY_MS + 500, "data into a 128-byte window");
		CHECK_SEG(&s, s.flags & SEG_PSH ? SEG_ACK | SEG_PSH : SEG_ACK,
			  self->c.iss + 1 + off, PEER_ISN + 1, 128);
		EXPECT_TRUE(stack_data_ok(&s, off));
		if (i == 0) {
			ack = pseg(&self->c, SEG_ACK, 0, off + 128);
			SEND(&ack);
		}
	}
	self->c.win = 512;
	while (off < 1000) {
		ack = pseg(&self->c, SEG_ACK, 0, off);
		SEND(&ack);
		RECV(&s, REPLY_MS, "the rest once the window opened");
		ASSERT_LT(0, s.len) TH_LOG("%s", peer_fmt(&self->c.p, &s));
		CHECK_SEG(&s, s.flags & SEG_PSH ? SEG_ACK | SEG_PSH : SEG_ACK,
			  self->c.iss + 1 + off, PEER_ISN + 1, s.len);
		ASSERT_GE(1000U, off + s.len) TH_LOG("%s", peer_fmt(&self->c.p, &s));
		EXPECT_TRUE(stack_data_ok(&s, off));
		off += s.len;
	}
	ack = pseg(&self->c, SEG_ACK, 0, 1000);
	SEND(&ack);
	SILENCE(SILENCE_MS, "after everything was acknowledged");
}

XTCP_TEST_MAIN
