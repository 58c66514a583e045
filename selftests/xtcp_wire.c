// SPDX-License-Identifier: GPL-2.0
/*
 * Connection establishment on the wire, TCP and xtcp side by side.
 *
 * Every test runs in a network namespace of its own where the scripted peer
 * of xtcp_peer.h plays the remote host 10.0.0.2 behind a TUN device: it
 * sends exactly the segments the test wants and checks every segment the
 * stack (10.0.0.1) sends back: flags, sequence and acknowledgment numbers,
 * options, checksums, and for retransmissions, when.
 *
 * Variants: "tcp" is Linux TCP, the reference; "xtcp" is the module, with
 * the same assertions except where a comment says otherwise. TCP's
 * optional extensions (timestamps, SACK, window scaling, ECN, SYN cookies)
 * are turned off in each namespace so that both speak the same subset: a
 * SYN or SYN-ACK carries exactly one option, MSS.
 *
 * Timing: TCP's first SYN/SYN-ACK RTO is 1 s and cannot be changed, so its
 * timing tests use 2 retries (about 7 s each); xtcp's is a sysctl, 100 ms
 * here. An interval of nominal length T passes if it lies within
 * [T - T/10 - 20 ms, T + T/4 + 60 ms]: see interval_ok().
 */
#include <poll.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "kselftest_harness.h"
#include "xtcp_main.h"
#include "xtcp_proto.h"
#include "xtcp_peer.h"

#define PEER_ISN	0xffffff00u	/* wraps within a few segments */
#include "xtcp_script.h"

#define CLOSED_PORT	5001		/* nobody listens there */

FIXTURE(wire) {
	struct script c;	/* c.cfd: connected or connecting socket */
};

FIXTURE_VARIANT(wire) {
	int proto;
	int rto_ms;		/* first SYN/SYN-ACK RTO, doubling */
	int synack_retries;	/* for synack_retransmit */
	int syn_retries;	/* for syn_retransmit_etimedout */
};

FIXTURE_VARIANT_ADD(wire, tcp) {
	.proto = IPPROTO_TCP,
	.rto_ms = 1000,		/* TCP_TIMEOUT_INIT, fixed */
	.synack_retries = 2,
	.syn_retries = 2,
};

FIXTURE_VARIANT_ADD(wire, xtcp) {
	.proto = IPPROTO_XTCP,
	.rto_ms = 100,
	.synack_retries = 3,
	.syn_retries = 2,
};

FIXTURE_SETUP(wire)
{
	ASSERT_EQ(0, script_open(&self->c, variant->proto));
	ASSERT_EQ(0, peer_plain_tcp());
}

FIXTURE_TEARDOWN(wire)
{
	script_close(&self->c);
}

/* --- helpers --------------------------------------------------------------- */

static void sin_set(struct sockaddr_in *sin, const char *addr, uint16_t port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	inet_pton(AF_INET, addr, &sin->sin_addr);
}

/* Non-blocking connect() to 10.0.0.2:@port: fd, or -errno if not EINPROGRESS. */
static int connect_start(int proto, uint16_t port)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);

	if (fd < 0)
		return -errno;
	sin_set(&sin, PEER_REMOTE, port);
	if (!connect(fd, (struct sockaddr *)&sin, sizeof(sin)) || errno != EINPROGRESS) {
		int err = errno ? -errno : -EISCONN;

		close(fd);
		return err;
	}
	return fd;
}

/*
 * State of connect() on @fd after poll()ing it up to @ms: 0 connected, a
 * positive errno if it failed (SO_ERROR), -ETIMEDOUT if poll() saw nothing,
 * -EINPROGRESS if poll() reported an event on a socket that is neither
 * connected nor failed (TCP never does that: no POLLOUT in SYN_SENT).
 */
static short last_revents;	/* of connect_poll(), for messages */

static int connect_poll(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	struct sockaddr_in sin;
	socklen_t len = sizeof(int);
	int err = 0, n;

	n = poll(&pfd, 1, ms);
	if (n < 0)
		return -errno;
	last_revents = pfd.revents;
	if (!n)
		return -ETIMEDOUT;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
		return -errno;
	if (err)
		return err;
	len = sizeof(sin);
	if (getpeername(fd, (struct sockaddr *)&sin, &len))
		return errno == ENOTCONN ? -EINPROGRESS : -errno;
	return 0;
}

/* Milliseconds from now to CLOCK_MONOTONIC time @end_ns, 0 if past. */
static int ms_left(uint64_t end_ns)
{
	int64_t left = (int64_t)(end_ns - peer_now_ns());

	return left > 0 ? (left + 999999) / 1000000 : 0;
}

/* Wait up to @ms for connect() on @fd to finish; connect_poll()'s values. */
static int connect_wait(int fd, int ms)
{
	uint64_t end = peer_now_ns() + ms * 1000000ull;
	int r, left;

	for (;;) {
		left = ms_left(end);
		r = connect_poll(fd, left);
		if (r != -EINPROGRESS || !left)
			return r;
		usleep(5000);	/* poll() would not block: do not spin */
	}
}

/* connect_poll()'s result, for messages. */
static const char *connect_str(int r)
{
	static char buf[80];

	switch (r) {
	case 0:
		return "connected";
	case -ETIMEDOUT:
		return "still connecting (no poll event)";
	case -EINPROGRESS:
		snprintf(buf, sizeof(buf), "poll revents %#x, yet neither connected nor failed",
			 last_revents);
		return buf;
	default:
		return strerror(r < 0 ? -r : r);
	}
}

/* A segment from the peer's port @sport to the stack's port @dport. */
static struct seg seg_make(uint16_t sport, uint16_t dport, uint8_t flags,
			   uint32_t seq, uint32_t ack)
{
	struct seg s = {
		.sport = sport, .dport = dport, .flags = flags,
		.seq = seq, .ack = ack, .win = PEER_WIN,
	};

	if (flags & SEG_SYN)
		seg_opt_mss(&s, PEER_MSS);
	return s;
}

/* A SYN or SYN-ACK from the stack: MSS = MTU - 40 and no other option. */
#define CHECK_SYN_OPTS(s) do {						\
	EXPECT_EQ(OPT_BIT(OPT_MSS), (s)->opts)				\
		TH_LOG("options of %s", peer_fmt(&self->c.p, s));		\
	EXPECT_EQ(self->c.p.mtu - 40, (s)->mss)				\
		TH_LOG("MSS of %s", peer_fmt(&self->c.p, s));		\
	EXPECT_EQ(0, (s)->len);						\
	EXPECT_LT(0, (s)->win);						\
} while (0)

/* A RST from the stack: no data, no options. */
#define CHECK_RST(s, _flags, _seq, _ack) do {				\
	CHECK_SEG(s, _flags, _seq, _ack, 0);				\
	EXPECT_EQ(0, (s)->optlen) TH_LOG("%s", peer_fmt(&self->c.p, s));	\
} while (0)

/* --- passive open ---------------------------------------------------------- */

/* SYN, SYN-ACK, ACK: accept() returns the connection. */
TEST_F(wire, passive_open)
{
	struct seg syn = seg_make(PPORT, LPORT, SEG_SYN, PEER_ISN, 0);
	struct seg sa, ack;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	self->c.lfd = listen_on(variant->proto, LPORT);
	ASSERT_LE(0, self->c.lfd) TH_LOG("listen: %s", strerror(-self->c.lfd));

	SEND(&syn);
	RECV(&sa, REPLY_MS, "SYN-ACK");
	CHECK_SEG(&sa, SEG_SYN | SEG_ACK, sa.seq, PEER_ISN + 1, 0);
	CHECK_SYN_OPTS(&sa);
	EXPECT_EQ(LPORT, sa.sport);
	EXPECT_EQ(PPORT, sa.dport);

	ack = seg_make(PPORT, LPORT, SEG_ACK, PEER_ISN + 1, sa.seq + 1);
	SEND(&ack);
	self->c.cfd = accept_wait(self->c.lfd, REPLY_MS);
	ASSERT_LE(0, self->c.cfd) TH_LOG("accept: %s", strerror(-self->c.cfd));

	ASSERT_EQ(0, getpeername(self->c.cfd, (struct sockaddr *)&sin, &len));
	EXPECT_EQ(htonl(0x0a000002), sin.sin_addr.s_addr);
	EXPECT_EQ(PPORT, ntohs(sin.sin_port));
	len = sizeof(sin);
	ASSERT_EQ(0, getsockname(self->c.cfd, (struct sockaddr *)&sin, &len));
	EXPECT_EQ(htonl(0x0a000001), sin.sin_addr.s_addr);
	EXPECT_EQ(LPORT, ntohs(sin.sin_port));

	SILENCE(SILENCE_MS, "after the handshake");
}

/*
 * The SYN-ACK of a half-open connection is retransmitted synack_retries
 * times, after T, 2T, 4T...; the entry then expires 2^N T after the last
 * one, silently, and a late ACK is answered as on a listener without it:
 * RST, seq = its ack (both TCP and xtcp).
 */
TEST_F(wire, synack_retransmit)
{
	int n = variant->synack_retries, t = variant->rto_ms, i, wait;
	struct seg syn = seg_make(PPORT, LPORT, SEG_SYN, PEER_ISN, 0);
	struct seg first, sa, late, rst;
	double ms;

	ASSERT_EQ(0, peer_knob_set(variant->proto, PEER_SYN_RTO_MS, t));
	ASSERT_EQ(0, peer_knob_set(variant->proto, PEER_SYNACK_RETRIES, n));
	self->c.lfd = listen_on(variant->proto, LPORT);
	ASSERT_LE(0, self->c.lfd) TH_LOG("listen: %s", strerror(-self->c.lfd));

	SEND(&syn);
	RECV(&first, REPLY_MS, "SYN-ACK");
	CHECK_SEG(&first, SEG_SYN | SEG_ACK, first.seq, PEER_ISN + 1, 0);
	CHECK_SYN_OPTS(&first);

	sa = first;
	for (i = 0; i < n; i++) {
		struct seg prev = sa;
		int want = t << i;

		RECV(&sa, interval_max(want), "SYN-ACK retransmission");
		CHECK_SEG(&sa, SEG_SYN | SEG_ACK, first.seq, PEER_ISN + 1, 0);
		CHECK_SYN_OPTS(&sa);
		ms = seg_ms(&prev, &sa);
		EXPECT_TRUE(interval_ok(ms, want))
			TH_LOG("retransmission %d after %.1f ms, want %d", i + 1, ms, want);
		ksft_print_msg("SYN-ACK retransmission %d: +%.1f ms (nominal %d)\n",
			       i + 1, ms, want);
	}

	/* the entry expires 2^N T after the last retransmission */
	wait = interval_max(t << n);
	SILENCE(wait, "after the last SYN-ACK retransmission");
	EXPECT_EQ(-ETIMEDOUT, accept_wait(self->c.lfd, 0));

	late = seg_make(PPORT, LPORT, SEG_ACK, PEER_ISN + 1, first.seq + 1);
	SEND(&late);
	RECV(&rst, REPLY_MS, "RST for the late ACK");
	CHECK_RST(&rst, SEG_RST, first.seq + 1, 0);
	EXPECT_EQ(-ETIMEDOUT, accept_wait(self->c.lfd, 0));
	SILENCE(SILENCE_MS, "after the RST");
}

/* A retransmitted SYN gets the same SYN-ACK (same ISN), no second entry. */
TEST_F(wire, duplicate_syn)
{
	struct seg syn = seg_make(PPORT, LPORT, SEG_SYN, PEER_ISN, 0);
	struct seg sa1, sa2, ack;
	long opens;

	self->c.lfd = listen_on(variant->proto, LPORT);
	ASSERT_LE(0, self->c.lfd) TH_LOG("listen: %s", strerror(-self->c.lfd));
	opens = peer_counter(variant->proto, "PassiveOpens");

	SEND(&syn);
	RECV(&sa1, REPLY_MS, "SYN-ACK");
	CHECK_SEG(&sa1, SEG_SYN | SEG_ACK, sa1.seq, PEER_ISN + 1, 0);
	SEND(&syn);
	RECV(&sa2, REPLY_MS, "SYN-ACK to the duplicate SYN");
	CHECK_SEG(&sa2, SEG_SYN | SEG_ACK, sa1.seq, PEER_ISN + 1, 0);
	CHECK_SYN_OPTS(&sa2);

	ack = seg_make(PPORT, LPORT, SEG_ACK, PEER_ISN + 1, sa1.seq + 1);
	SEND(&ack);
	self->c.cfd = accept_wait(self->c.lfd, REPLY_MS);
	ASSERT_LE(0, self->c.cfd) TH_LOG("accept: %s", strerror(-self->c.cfd));
	EXPECT_EQ(-ETIMEDOUT, accept_wait(self->c.lfd, SILENCE_MS));
	/* TCP counts the child at the ACK, xtcp the entry at the SYN: 1 */
	EXPECT_EQ(opens + 1, peer_counter(variant->proto, "PassiveOpens"));
	SILENCE(SILENCE_MS, "after the handshake");
}

/*
 * A final ACK that does not acknowledge ISN+1 gets a RST with seq = its ack
 * and no ACK flag (RFC 9293 3.10.7.4, SYN-RECEIVED); the half-open entry
 * stays, and the right ACK then completes the handshake.
 */
TEST_F(wire, bad_final_ack)
{
	struct seg syn = seg_make(PPORT, LPORT, SEG_SYN, PEER_ISN, 0);
	struct seg sa, ack, rst;
	uint32_t bad[2];
	int i;

	self->c.lfd = listen_on(variant->proto, LPORT);
	ASSERT_LE(0, self->c.lfd) TH_LOG("listen: %s", strerror(-self->c.lfd));
	SEND(&syn);
	RECV(&sa, REPLY_MS, "SYN-ACK");
	CHECK_SEG(&sa, SEG_SYN | SEG_ACK, sa.seq, PEER_ISN + 1, 0);

	bad[0] = sa.seq;		/* acknowledges nothing */
	bad[1] = sa.seq + 1001;		/* acknowledges what was never sent */
	for (i = 0; i < 2; i++) {
		ack = seg_make(PPORT, LPORT, SEG_ACK, PEER_ISN + 1, bad[i]);
		SEND(&ack);
		RECV(&rst, REPLY_MS, "RST for the bad ACK");
		CHECK_RST(&rst, SEG_RST, bad[i], 0);
		EXPECT_EQ(-ETIMEDOUT, accept_wait(self->c.lfd, 0));
	}

	ack = seg_make(PPORT, LPORT, SEG_ACK, PEER_ISN + 1, sa.seq + 1);
	SEND(&ack);
	self->c.cfd = accept_wait(self->c.lfd, REPLY_MS);
	ASSERT_LE(0, self->c.cfd) TH_LOG("accept: %s", strerror(-self->c.cfd));
	SILENCE(SILENCE_MS, "after the handshake");
}

/*
 * The final ACK of the handshake may carry data, and a FIN (RFC 9293
 * §3.10.7.4: in SYN-RECEIVED an acceptable ACK enters ESTABLISHED and
 * processing continues, with the segment text, seventh, and the FIN bit,
 * eighth; Linux's tcp_child_process()). The peer's third segment is
 * ACK|PSH with its first 100 bytes, FIN too if @fin. accept() returns the
 * connection, and recv() right after it (MSG_DONTWAIT) returns the 100
 * bytes, then end of stream if @fin (EAGAIN if not). The peer never
 * resends them: the stack's first segment is the ACK of them (and of the
 * FIN), <SEQ=ISS+1><ACK=peer ISN+1+100(+1)>, delayed at most
 * DELACK_MAX_MS after the peer's segment; then nothing.
 */
static void check_final_ack_carries(struct __test_metadata *_metadata,
				    FIXTURE_DATA(wire) *self,
				    const FIXTURE_VARIANT(wire) *variant, bool fin)
{
	struct seg syn = psyn(PEER_ISN), d, s;
	uint8_t buf[200];
	uint64_t t;
	ssize_t n;

	self->c.lfd = listen_on(variant->proto, LPORT);
	ASSERT_LE(0, self->c.lfd) TH_LOG("listen: %s", strerror(-self->c.lfd));
	SEND(&syn);
	RECV(&self->c.synack, REPLY_MS, "SYN-ACK");
	CHECK_SEG(&self->c.synack, SEG_SYN | SEG_ACK, self->c.synack.seq, PEER_ISN + 1, 0);
	self->c.iss = self->c.synack.seq;
	self->c.win = PEER_WIN;

	d = pdata(&self->c, 0, 100, 0);
	if (fin)
		d.flags |= SEG_FIN;
	SEND(&d);
	t = peer_now_ns();
	self->c.cfd = accept_wait(self->c.lfd, REPLY_MS);
	ASSERT_LE(0, self->c.cfd) TH_LOG("accept: %s", strerror(-self->c.cfd));
	n = recv(self->c.cfd, buf, sizeof(buf), MSG_DONTWAIT);
	EXPECT_EQ(100, n) TH_LOG("recv() right after accept(): %s",
				 n < 0 ? strerror(errno) : "not the 100 bytes");
	if (n == 100)
		EXPECT_EQ(0, memcmp(buf, d.data, 100));
	EXPECT_EQ(fin ? 0 : -EAGAIN, recv_once(self->c.cfd, 0))
		TH_LOG("after the data: %s", fin ? "no end of stream" : "more");

	RECV(&s, DELACK_MAX_MS, "ACK of what the final ACK carried");
	CHECK_SEG(&s, SEG_ACK, self->c.iss + 1, PEER_ISN + 1 + 100 + fin, 0);
	EXPECT_GE(DELACK_MAX_MS, ms_since(t, &s)) TH_LOG("ACK after %.1f ms", ms_since(t, &s));
	ksft_print_msg("ACK of the data%s %.1f ms after the final ACK\n",
		       fin ? " and FIN" : "", ms_since(t, &s));
	SILENCE(SILENCE_MS, "after the ACK");
}

TEST_F(wire, final_ack_with_data)
{
	check_final_ack_carries(_metadata, self, variant, false);
}

TEST_F(wire, final_ack_with_data_fin)
{
	check_final_ack_carries(_metadata, self, variant, true);
}

/*
 * No socket: a segment with ACK gets RST seq = its ack; one without gets
 * RST|ACK seq 0 ack = seq + SYN + data + FIN; a RST gets nothing.
 */
TEST_F(wire, closed_port_rst)
{
	static const struct {
		const char *what;
		uint8_t flags;
		int len;
	} cases[] = {
		{ "SYN", SEG_SYN, 0 },
		{ "data without ACK", SEG_PSH, 100 },
		{ "FIN", SEG_FIN, 0 },
		{ "FIN with data", SEG_FIN | SEG_PSH, 10 },
		{ "SYN|FIN with data", SEG_SYN | SEG_FIN, 20 },
	};
	static const uint8_t flags_with_ack[] = {
		SEG_ACK, SEG_ACK | SEG_PSH, SEG_ACK | SEG_FIN, SEG_SYN | SEG_ACK,
	};
	uint8_t payload[100];
	struct seg s, rst;
	uint16_t port = PPORT;
	unsigned int i;
	uint32_t want;

	memset(payload, 'x', sizeof(payload));
	for (i = 0; i < PEER_ARRAY_SIZE(cases); i++) {
		s = seg_make(port++, CLOSED_PORT, cases[i].flags, PEER_ISN, 0);
		seg_data(&s, payload, cases[i].len);
		SEND(&s);
		RECV(&rst, REPLY_MS, cases[i].what);
		want = PEER_ISN + cases[i].len + !!(cases[i].flags & SEG_SYN) +
		       !!(cases[i].flags & SEG_FIN);
		CHECK_RST(&rst, SEG_RST | SEG_ACK, 0, want);
		EXPECT_EQ(CLOSED_PORT, rst.sport);
		EXPECT_EQ(port - 1, rst.dport);
	}
	for (i = 0; i < sizeof(flags_with_ack); i++) {
		s = seg_make(port++, CLOSED_PORT, flags_with_ack[i], PEER_ISN,
			     0x12345678 + i);
		if (flags_with_ack[i] & SEG_PSH)
			seg_data(&s, payload, 50);
		SEND(&s);
		RECV(&rst, REPLY_MS, "RST for a segment with ACK");
		CHECK_RST(&rst, SEG_RST, 0x12345678 + i, 0);
	}

	/* never a RST for a RST */
	s = seg_make(port++, CLOSED_PORT, SEG_RST, PEER_ISN, 0);
	SEND(&s);
	s = seg_make(port++, CLOSED_PORT, SEG_RST | SEG_ACK, PEER_ISN, 1);
	SEND(&s);
	SILENCE(SILENCE_MS, "RST to a closed port");
}

/* --- active open ----------------------------------------------------------- */

/* connect(): SYN with MSS only; SYN-ACK; the stack ACKs; connect succeeds. */
TEST_F(wire, active_open)
{
	struct seg syn, sa, ack;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int err;

	self->c.cfd = connect_start(variant->proto, PPORT);
	ASSERT_LE(0, self->c.cfd) TH_LOG("connect: %s", strerror(-self->c.cfd));
	RECV(&syn, REPLY_MS, "SYN");
	CHECK_SEG(&syn, SEG_SYN, syn.seq, 0, 0);
	CHECK_SYN_OPTS(&syn);
	EXPECT_EQ(PPORT, syn.dport);
	EXPECT_EQ(local_port(self->c.cfd), syn.sport);

	sa = seg_make(PPORT, syn.sport, SEG_SYN | SEG_ACK, PEER_ISN, syn.seq + 1);
	SEND(&sa);
	RECV(&ack, REPLY_MS, "ACK of the SYN-ACK");
	CHECK_SEG(&ack, SEG_ACK, syn.seq + 1, PEER_ISN + 1, 0);
	EXPECT_EQ(0, ack.len);
	err = connect_wait(self->c.cfd, REPLY_MS);
	EXPECT_EQ(0, err) TH_LOG("connect: %s", connect_str(err));
	ASSERT_EQ(0, getpeername(self->c.cfd, (struct sockaddr *)&sin, &len));
	EXPECT_EQ(PPORT, ntohs(sin.sin_port));
	SILENCE(SILENCE_MS, "after the handshake");
}

/*
 * An unanswered SYN is retransmitted syn_retries times, after T, 2T, 4T...;
 * 2^N T after the last one connect() fails with ETIMEDOUT, silently.
 * (6.5+'s TCP would retransmit linearly first: tcp_syn_linear_timeouts,
 * turned off by peer_plain_tcp().)
 */
TEST_F(wire, syn_retransmit_etimedout)
{
	int n = variant->syn_retries, t = variant->rto_ms, i, err;
	struct seg first, syn;
	uint64_t t_fail;
	double ms;

	ASSERT_EQ(0, peer_knob_set(variant->proto, PEER_SYN_RTO_MS, t));
	ASSERT_EQ(0, peer_knob_set(variant->proto, PEER_SYN_RETRIES, n));
	self->c.cfd = connect_start(variant->proto, PPORT);
	ASSERT_LE(0, self->c.cfd) TH_LOG("connect: %s", strerror(-self->c.cfd));
	RECV(&first, REPLY_MS, "SYN");
	CHECK_SEG(&first, SEG_SYN, first.seq, 0, 0);

	syn = first;
	for (i = 0; i < n; i++) {
		struct seg prev = syn;
		int want = t << i;

		RECV(&syn, interval_max(want), "SYN retransmission");
		CHECK_SEG(&syn, SEG_SYN, first.seq, 0, 0);
		CHECK_SYN_OPTS(&syn);
		EXPECT_EQ(first.sport, syn.sport);
		ms = seg_ms(&prev, &syn);
		EXPECT_TRUE(interval_ok(ms, want))
			TH_LOG("retransmission %d after %.1f ms, want %d", i + 1, ms, want);
		ksft_print_msg("SYN retransmission %d: +%.1f ms (nominal %d)\n",
			       i + 1, ms, want);
	}

	err = connect_wait(self->c.cfd, interval_max(t << n));
	t_fail = peer_now_ns();
	ASSERT_EQ(ETIMEDOUT, err) TH_LOG("connect: %s", connect_str(err));
	ms = (double)(t_fail - syn.t_ns) / 1e6;
	EXPECT_TRUE(interval_ok(ms, t << n))
		TH_LOG("ETIMEDOUT %.1f ms after the last SYN, want %d", ms, t << n);
	ksft_print_msg("ETIMEDOUT: +%.1f ms (nominal %d)\n", ms, t << n);
	SILENCE(SILENCE_MS, "after ETIMEDOUT");
}

/*
 * Drain what the stack sends for @ms: only retransmissions of the SYN
 * @syn are allowed (TCP retransmits at once, after TCP_TIMEOUT_MIN, when
 * an unacceptable ACK arrives before any retransmission).
 */
static void only_syn_retransmissions(struct __test_metadata *_metadata,
				     struct peer *p, const struct seg *syn, int ms)
{
	uint64_t end = peer_now_ns() + ms * 1000000ull;
	struct seg s;

	while (ms_left(end)) {
		if (peer_expect(p, &s, ms_left(end)) == -ETIMEDOUT)
			break;
		EXPECT_EQ(SEG_SYN, s.flags) TH_LOG("%s", peer_fmt(p, &s));
		EXPECT_EQ(syn->seq, s.seq) TH_LOG("%s", peer_fmt(p, &s));
	}
}

/*
 * SYN-SENT (RFC 9293 3.10.7.3): a RST is acceptable only with an ACK of
 * exactly ISS+1; it then refuses the connection. Others are dropped.
 */
TEST_F(wire, rst_in_syn_sent)
{
	struct seg syn, rst;
	uint32_t bad_ack[2];
	int i, err;

	self->c.cfd = connect_start(variant->proto, PPORT);
	ASSERT_LE(0, self->c.cfd) TH_LOG("connect: %s", strerror(-self->c.cfd));
	RECV(&syn, REPLY_MS, "SYN");
	CHECK_SEG(&syn, SEG_SYN, syn.seq, 0, 0);

	/* no ACK bit: dropped */
	rst = seg_make(PPORT, syn.sport, SEG_RST, 0, 0);
	SEND(&rst);
	only_syn_retransmissions(_metadata, &self->c.p, &syn, SILENCE_MS);
	err = connect_poll(self->c.cfd, 0);
	EXPECT_EQ(-ETIMEDOUT, err) TH_LOG("RST without ACK: %s", connect_str(err));

	/* SEG.ACK =< ISS or SEG.ACK > SND.NXT: dropped */
	bad_ack[0] = syn.seq;
	bad_ack[1] = syn.seq + 2;
	for (i = 0; i < 2; i++) {
		rst = seg_make(PPORT, syn.sport, SEG_RST | SEG_ACK, 0, bad_ack[i]);
		SEND(&rst);
		only_syn_retransmissions(_metadata, &self->c.p, &syn, SILENCE_MS);
		err = connect_poll(self->c.cfd, 0);
		EXPECT_EQ(-ETIMEDOUT, err) TH_LOG("RST with ack ISS%+d: %s",
						 (int)(bad_ack[i] - syn.seq),
						 connect_str(err));
	}

	rst = seg_make(PPORT, syn.sport, SEG_RST | SEG_ACK, 0, syn.seq + 1);
	SEND(&rst);
	err = connect_wait(self->c.cfd, REPLY_MS);
	EXPECT_EQ(ECONNREFUSED, err) TH_LOG("connect: %s", connect_str(err));
	SILENCE(SILENCE_MS, "after the accepted RST");
}

/*
 * Crossed SYNs: the peer answers the SYN with its own SYN; the stack sends
 * SYN-ACK with its first ISN; the peer's SYN-ACK completes the connection.
 */
TEST_F(wire, simultaneous_open)
{
	struct seg syn, psyn, sa, s;
	uint64_t end;
	int err;

	self->c.cfd = connect_start(variant->proto, PPORT);
	ASSERT_LE(0, self->c.cfd) TH_LOG("connect: %s", strerror(-self->c.cfd));
	RECV(&syn, REPLY_MS, "SYN");
	CHECK_SEG(&syn, SEG_SYN, syn.seq, 0, 0);

	psyn = seg_make(PPORT, syn.sport, SEG_SYN, PEER_ISN, 0);
	SEND(&psyn);
	RECV(&sa, REPLY_MS, "SYN-ACK to the crossed SYN");
	CHECK_SEG(&sa, SEG_SYN | SEG_ACK, syn.seq, PEER_ISN + 1, 0);
	CHECK_SYN_OPTS(&sa);
	err = connect_poll(self->c.cfd, 0);
	EXPECT_EQ(-ETIMEDOUT, err) TH_LOG("in SYN_RECV: %s", connect_str(err));

	psyn = seg_make(PPORT, syn.sport, SEG_SYN | SEG_ACK, PEER_ISN, syn.seq + 1);
	SEND(&psyn);
	err = connect_wait(self->c.cfd, REPLY_MS);
	EXPECT_EQ(0, err) TH_LOG("connect: %s", connect_str(err));

	/* an ACK may follow (TCP sends one for the duplicate SYN): nothing else */
	end = peer_now_ns() + SILENCE_MS * 1000000ull;
	while (ms_left(end) && peer_expect(&self->c.p, &s, ms_left(end)) == 0) {
		CHECK_SEG(&s, SEG_ACK, syn.seq + 1, PEER_ISN + 1, 0);
		EXPECT_EQ(0, s.len);
	}
}

/* --- the peer's MSS -------------------------------------------------------- */

/*
 * The send MSS has a floor (CVE-2019-11479: a peer announcing MSS 1 would
 * have the stack cut its data into 1-byte segments, a header and a buffer
 * each). RFC 9293 §3.7.1 takes the peer's MSS option as the largest
 * segment it accepts; Linux raises it to net.ipv4.tcp_min_snd_mss (48 by
 * default, the least allowed), xtcp to net.xtcp.min_snd_mss (the same
 * default and range). Linux then takes the options of its data segments
 * off (12 bytes of timestamps: off here, peer_plain_tcp()); xtcp's data
 * segments carry none. So with either, a data segment carries
 * max(MSS option, floor) bytes: the program writes four such segments'
 * worth, and the peer sees four segments of exactly that size (the
 * initial window is ten).
 */
static void check_seg_size(struct __test_metadata *_metadata,
			   FIXTURE_DATA(wire) *self, int size)
{
	struct seg s;
	int i;

	ASSERT_EQ(4 * size, send_stream(self->c.cfd, 0, 4 * size));
	for (i = 0; i < 4; i++) {
		RECV(&s, REPLY_MS, "data segment");
		/* Linux sets PSH on the last segment of a write only */
		CHECK_SEG(&s, s.flags & SEG_PSH ? SEG_ACK | SEG_PSH : SEG_ACK,
			  self->c.iss + 1 + i * size, PEER_ISN + 1, size);
		EXPECT_TRUE(stack_data_ok(&s, i * size))
			TH_LOG("payload of %s", peer_fmt(&self->c.p, &s));
	}
}

/* Passive open, the SYN's MSS option @mss: segments of @size bytes. */
#define PEER_MSS_TEST(mss, size)					\
	TEST_F(wire, peer_mss_##mss)					\
	{								\
		script_establish_mss(_metadata, &self->c, variant->proto, \
				     mss, -1, PEER_WIN);		\
		check_seg_size(_metadata, self, size);			\
	}

PEER_MSS_TEST(1, 48)
PEER_MSS_TEST(47, 48)
PEER_MSS_TEST(48, 48)
PEER_MSS_TEST(536, 536)

/* Active open, the SYN-ACK's MSS option 1: segments of 48 bytes. */
TEST_F(wire, peer_mss_1_synack)
{
	struct seg syn, sa, ack;
	int err;

	self->c.cfd = connect_start(variant->proto, PPORT);
	ASSERT_LE(0, self->c.cfd) TH_LOG("connect: %s", strerror(-self->c.cfd));
	RECV(&syn, REPLY_MS, "SYN");
	CHECK_SEG(&syn, SEG_SYN, syn.seq, 0, 0);
	sa = seg_make(PPORT, syn.sport, SEG_SYN | SEG_ACK, PEER_ISN, syn.seq + 1);
	sa.optlen = 0;
	seg_opt_mss(&sa, 1);
	SEND(&sa);
	RECV(&ack, REPLY_MS, "ACK of the SYN-ACK");
	CHECK_SEG(&ack, SEG_ACK, syn.seq + 1, PEER_ISN + 1, 0);
	err = connect_wait(self->c.cfd, REPLY_MS);
	ASSERT_EQ(0, err) TH_LOG("connect: %s", connect_str(err));
	self->c.iss = syn.seq;
	check_seg_size(_metadata, self, 48);
}

/*
 * The floor is a sysctl of each namespace, 48..65535 for both stacks:
 * 47 is refused (EINVAL); at 100, MSS option 1 gives 100-byte segments.
 */
TEST_F(wire, peer_mss_floor_sysctl)
{
	EXPECT_EQ(-EINVAL, peer_knob_set(variant->proto, PEER_MIN_SND_MSS, 47));
	ASSERT_EQ(0, peer_knob_set(variant->proto, PEER_MIN_SND_MSS, 100));
	script_establish_mss(_metadata, &self->c, variant->proto, 1, -1, PEER_WIN);
	check_seg_size(_metadata, self, 100);
}

/* --- malformed segments ----------------------------------------------------- */

enum malformed {
	BAD_DOFF,		/* data offset 4 */
	DOFF_PAST_END,		/* data offset 15, 20-byte segment */
	TRUNCATED,		/* 12 bytes */
	BAD_CSUM,
	OPT_LEN0,		/* MSS option of length 0 */
	OPT_LEN1,		/* MSS option of length 1 */
	OPT_PAST_HEADER,	/* MSS option of length 8 in 4 bytes */
};

/*
 * RFC 9293 §3.10.7.4 (SYN-RECEIVED, second check): an acceptable RST
 * removes the half-open entry. The ACK that would have completed it then
 * finds only the listener, and gets <SEQ=SEG.ACK><CTL=RST>.
 */
TEST_F(wire, rst_removes_half_open)
{
	struct seg syn = seg_make(PPORT, LPORT, SEG_SYN, PEER_ISN, 0);
	struct seg sa, rst, ack, reply;
	long fails;

	self->c.lfd = listen_on(variant->proto, LPORT);
	ASSERT_LE(0, self->c.lfd) TH_LOG("listen: %s", strerror(-self->c.lfd));
	fails = peer_counter(variant->proto, "AttemptFails");
	SEND(&syn);
	RECV(&sa, REPLY_MS, "SYN-ACK");
	CHECK_SEG(&sa, SEG_SYN | SEG_ACK, sa.seq, PEER_ISN + 1, 0);

	rst = seg_make(PPORT, LPORT, SEG_RST, PEER_ISN + 1, 0);
	SEND(&rst);
	SILENCE(SILENCE_MS, "after the RST");
	EXPECT_EQ(fails + 1, peer_counter(variant->proto, "AttemptFails"));

	ack = seg_make(PPORT, LPORT, SEG_ACK, PEER_ISN + 1, sa.seq + 1);
	SEND(&ack);
	RECV(&reply, REPLY_MS, "RST for the ACK of a removed entry");
	CHECK_RST(&reply, SEG_RST, sa.seq + 1, 0);
	EXPECT_EQ(-ETIMEDOUT, accept_wait(self->c.lfd, 0));
}

/*
 * Closing a listener with a half-open entry. xtcp resets it at once
 * (<SEQ=ISS+1><CTL=RST>): a deliberate difference; Linux TCP drops it
 * silently and only answers the peer's next segment. Either way the peer's
 * ACK then gets <SEQ=SEG.ACK><CTL=RST>.
 */
TEST_F(wire, listener_close_resets_half_open)
{
	struct seg syn = seg_make(PPORT, LPORT, SEG_SYN, PEER_ISN, 0);
	struct seg sa, ack, reply;

	self->c.lfd = listen_on(variant->proto, LPORT);
	ASSERT_LE(0, self->c.lfd) TH_LOG("listen: %s", strerror(-self->c.lfd));
	SEND(&syn);
	RECV(&sa, REPLY_MS, "SYN-ACK");
	CHECK_SEG(&sa, SEG_SYN | SEG_ACK, sa.seq, PEER_ISN + 1, 0);

	close(self->c.lfd);
	self->c.lfd = -1;
	if (variant->proto == IPPROTO_XTCP) {
		RECV(&reply, REPLY_MS, "RST for the half-open entry");
		CHECK_RST(&reply, SEG_RST, sa.seq + 1, 0);
	}
	SILENCE(SILENCE_MS, "after the listener closed");

	ack = seg_make(PPORT, LPORT, SEG_ACK, PEER_ISN + 1, sa.seq + 1);
	SEND(&ack);
	RECV(&reply, REPLY_MS, "RST for the ACK");
	CHECK_RST(&reply, SEG_RST, sa.seq + 1, 0);
}

/*
 * Initial sequence numbers (RFC 6528): SYNs from eight source ports get
 * eight different ISNs, with no fixed step between them.
 */
TEST_F(wire, isn_unpredictable)
{
	uint32_t isn[8];
	int i, j, repeats = 0, steps_equal = 1;

	self->c.lfd = listen_on(variant->proto, LPORT);
	ASSERT_LE(0, self->c.lfd) TH_LOG("listen: %s", strerror(-self->c.lfd));
	for (i = 0; i < 8; i++) {
		struct seg syn = seg_make(PPORT + i, LPORT, SEG_SYN, PEER_ISN, 0);
		struct seg sa;

		SEND(&syn);
		RECV(&sa, REPLY_MS, "SYN-ACK");
		ASSERT_EQ(SEG_SYN | SEG_ACK, sa.flags);
		isn[i] = sa.seq;
	}
	for (i = 0; i < 8; i++)
		for (j = 0; j < i; j++)
			repeats += isn[i] == isn[j];
	EXPECT_EQ(0, repeats);
	for (i = 2; i < 8; i++)
		steps_equal &= isn[i] - isn[i - 1] == isn[1] - isn[0];
	EXPECT_FALSE(steps_equal);
}

/*
 * A malformed SYN to a listener. xtcp drops it silently and counts it in
 * InErrs (checksum: and InCsumErrors). Linux TCP, the reference:
 *  - counts in InErrs only a data offset below 5 and a bad checksum; it
 *    drops a segment shorter than 20 bytes or than its data offset without
 *    counting it (Documentation/proc.rst lists the difference);
 *  - stops parsing options at a malformed one (tcp_parse_options()) and
 *    processes the segment: the SYN gets its SYN-ACK, nothing is counted.
 */
static void check_malformed(struct __test_metadata *_metadata,
			    FIXTURE_DATA(wire) *self,
			    const FIXTURE_VARIANT(wire) *variant,
			    enum malformed kind)
{
	static const uint8_t opt_len0[] = { OPT_MSS, 0, 0x05, 0xb4 };
	static const uint8_t opt_len1[] = { OPT_MSS, 1, 0x05, 0xb4 };
	static const uint8_t opt_past[] = { OPT_MSS, 8, 0x05, 0xb4 };
	bool tcp = variant->proto == IPPROTO_TCP;
	struct seg syn = seg_make(PPORT + kind, LPORT, SEG_SYN, PEER_ISN, 0);
	long errs, csum_errs, want_errs, want_csum;
	bool want_synack = false;

	self->c.lfd = listen_on(variant->proto, LPORT);
	ASSERT_LE(0, self->c.lfd) TH_LOG("listen: %s", strerror(-self->c.lfd));

	want_errs = 1;
	want_csum = 0;
	switch (kind) {
	case BAD_DOFF:
		syn.doff = 4;
		break;
	case DOFF_PAST_END:
		syn.optlen = 0;
		syn.doff = 15;
		want_errs = tcp ? 0 : 1;
		break;
	case TRUNCATED:
		syn.trunc = 12;
		want_errs = tcp ? 0 : 1;
		break;
	case BAD_CSUM:
		syn.bad_csum = true;
		want_csum = 1;
		break;
	case OPT_LEN0:
	case OPT_LEN1:
	case OPT_PAST_HEADER:
		syn.optlen = 0;
		seg_opt_raw(&syn, kind == OPT_LEN0 ? opt_len0 :
			    kind == OPT_LEN1 ? opt_len1 : opt_past, 4);
		want_errs = tcp ? 0 : 1;
		want_synack = tcp;
		break;
	}

	errs = peer_counter(variant->proto, "InErrs");
	csum_errs = peer_counter(variant->proto, "InCsumErrors");
	ASSERT_LE(0, errs);
	ASSERT_LE(0, csum_errs);
	SEND(&syn);
	if (want_synack) {
		struct seg sa;

		RECV(&sa, REPLY_MS, "SYN-ACK (TCP ignores the bad option)");
		CHECK_SEG(&sa, SEG_SYN | SEG_ACK, sa.seq, PEER_ISN + 1, 0);
		CHECK_SYN_OPTS(&sa);
	}
	SILENCE(SILENCE_MS, "malformed SYN");
	EXPECT_EQ(want_errs, peer_counter(variant->proto, "InErrs") - errs);
	EXPECT_EQ(want_csum, peer_counter(variant->proto, "InCsumErrors") - csum_errs);
	EXPECT_EQ(-ETIMEDOUT, accept_wait(self->c.lfd, 0));
}

#define MALFORMED_TEST(name, kind)					\
	TEST_F(wire, malformed_##name)					\
	{								\
		check_malformed(_metadata, self, variant, kind);	\
	}

MALFORMED_TEST(bad_doff, BAD_DOFF)
MALFORMED_TEST(doff_past_end, DOFF_PAST_END)
MALFORMED_TEST(truncated, TRUNCATED)
MALFORMED_TEST(bad_csum, BAD_CSUM)
MALFORMED_TEST(opt_len0, OPT_LEN0)
MALFORMED_TEST(opt_len1, OPT_LEN1)
MALFORMED_TEST(opt_past_header, OPT_PAST_HEADER)

XTCP_TEST_MAIN
