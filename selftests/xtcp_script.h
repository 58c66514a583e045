/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Scripted connections for the wire-level test programs (xtcp_wire.c,
 * xtcp_segments.c, xtcp_teardown.c): what they share on top of the peer of
 * xtcp_peer.h.
 *
 * The stack under test (10.0.0.1) listens on LPORT or connects; the peer
 * (10.0.0.2, the test) plays the remote end from PPORT with MSS PEER_MSS
 * and window PEER_WIN, its sequence numbers starting at PEER_ISN (a
 * program may define its own before including this header). A program's
 * fixture holds a struct script named c:
 *
 *	FIXTURE(tear) {
 *		struct script c;
 *	};
 *
 * and the macros RECV, SILENCE, SEND and CHECK_SEG below work on
 * self->c.p inside TEST_F(). Include after kselftest_harness.h,
 * xtcp_proto.h and xtcp_peer.h.
 *
 * Timing. "At once" means within IMMEDIATE_MS (25 ms) of the peer's write
 * that triggers it: below the 40 ms a delayed ACK waits at least. A delayed
 * ACK comes by DELACK_MAX_MS. A timer interval of nominal length T passes
 * within [T - T/10 - 20 ms, T + T/4 + 60 ms]: see interval_ok().
 */
#ifndef XTCP_SELFTEST_SCRIPT_H
#define XTCP_SELFTEST_SCRIPT_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <sys/socket.h>

#define LPORT		5000		/* the stack's listener */
#define PPORT		40000		/* the peer's (first) port */
#ifndef PEER_ISN
#define PEER_ISN	0xfffffc00u	/* the peer's numbers wrap after 1 KiB */
#endif
#define PEER_WIN	65535
#define PEER_MSS	1000

#define REPLY_MS	1000	/* an answer that is due arrives within this */
#define IMMEDIATE_MS	25	/* "at once": see the comment at the top */
#define SILENCE_MS	300	/* nothing for this long counts as silence */
#define DELACK_MIN_MS	30	/* a delayed ACK comes no earlier (40 ms nominal) */
#define DELACK_MAX_MS	250	/* ... and by then (Linux: 40 ms; RFC 5681: 500 ms) */
#define RTO_MIN_MS	200	/* Linux's TCP_RTO_MIN, xtcp's rto_min_ms */

/* One scripted connection: the peer and the stack's sockets. */
struct script {
	struct peer p;
	int lfd;		/* the stack's listener, or -1 */
	int cfd;		/* its connection (accepted or connecting), or -1 */
	uint32_t iss;		/* the stack's initial sequence number */
	uint16_t win;		/* window field of the peer's segments */
	struct seg synack;	/* the stack's SYN-ACK */
};

/* Start a script for @proto: a new namespace and TUN device. 0 or -errno. */
static inline int script_open(struct script *c, int proto)
{
	c->lfd = -1;
	c->cfd = -1;
	return peer_open(&c->p, proto);
}

static inline void script_close(struct script *c)
{
	if (c->cfd >= 0)
		close(c->cfd);
	if (c->lfd >= 0)
		close(c->lfd);
	c->cfd = -1;
	c->lfd = -1;
	peer_close(&c->p);
}

/* A non-blocking listener on 10.0.0.1:@port; fd or -errno. */
static inline int listen_on(int proto, uint16_t port)
{
	struct sockaddr_in sin = addr4(PEER_LOCAL, port);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) || listen(fd, 16)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* The next connection of @lfd within @ms: fd, -ETIMEDOUT or -errno. */
static inline int accept_wait(int lfd, int ms)
{
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };
	int fd;

	if (poll(&pfd, 1, ms) < 0)
		return -errno;
	fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return errno == EAGAIN ? -ETIMEDOUT : -errno;
	return fd;
}

/* Byte @off of the peer's stream (@peer) or of the stack's. */
static inline uint8_t stream_byte(bool peer, uint32_t off)
{
	return peer ? (uint8_t)(off % 251 + 1) : (uint8_t)(off * 7 % 253 + 3);
}

/* Write bytes [@off, @off + @len) of the stack's stream on @fd; bytes written. */
static inline int send_stream(int fd, uint32_t off, int len)
{
	uint8_t buf[8192];
	int i;

	if (len > (int)sizeof(buf))
		return -1;
	for (i = 0; i < len; i++)
		buf[i] = stream_byte(false, off + i);
	return send(fd, buf, len, MSG_DONTWAIT);
}

/* The stack's segment @s carries bytes [@off, @off + s->len) of its stream. */
static inline bool stack_data_ok(const struct seg *s, uint32_t off)
{
	int i;

	for (i = 0; i < s->len && i < SEG_MAX_DATA; i++)
		if (s->data[i] != stream_byte(false, off + i))
			return false;
	return true;
}

/*
 * Read up to @len bytes from non-blocking @fd, waiting up to @ms for all of
 * them: the number read.
 */
static inline int recv_wait(int fd, uint8_t *buf, int len, int ms)
{
	uint64_t end = peer_now_ns() + ms * 1000000ull;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int got = 0, left;
	ssize_t n;

	while (got < len) {
		n = recv(fd, buf + got, len - got, MSG_DONTWAIT);
		if (n > 0) {
			got += n;
			continue;
		}
		if (n == 0 || errno != EAGAIN)
			break;
		left = (int)(((int64_t)(end - peer_now_ns()) + 999999) / 1000000);
		if (left <= 0 || poll(&pfd, 1, left) <= 0)
			break;
	}
	return got;
}

/*
 * Wait up to @ms for @fd to become readable, then recv(MSG_DONTWAIT) once:
 * 0 at end of stream, the byte count (> 0) for data, or -errno (-EAGAIN:
 * nothing within @ms).
 */
static inline int recv_once(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint8_t buf[64];
	ssize_t n;

	poll(&pfd, 1, ms);
	n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	return n < 0 ? -errno : (int)n;
}

/* A segment from the peer: seq = its ISN + 1 + @off, ack = ISS + 1 + @ack_off. */
static inline struct seg pseg(const struct script *c, uint8_t flags, uint32_t off,
			      uint32_t ack_off)
{
	struct seg s = {
		.sport = PPORT, .dport = LPORT, .flags = flags,
		.seq = PEER_ISN + 1 + off, .ack = c->iss + 1 + ack_off,
		.win = c->win,
	};

	return s;
}

/* Bytes [@off, @off + @len) of the peer's stream, ACK|PSH, ack = ISS + 1 + @ack_off. */
static inline struct seg pdata(const struct script *c, uint32_t off, int len,
			       uint32_t ack_off)
{
	struct seg s = pseg(c, SEG_ACK | SEG_PSH, off, ack_off);
	int i;

	for (i = 0; i < len && i < SEG_MAX_DATA; i++)
		s.data[i] = stream_byte(true, off + i);
	s.len = i;
	return s;
}

/* A SYN from the peer's port with sequence number @seq, MSS @mss. */
static inline struct seg psyn_mss(uint32_t seq, uint16_t mss)
{
	struct seg s = {
		.sport = PPORT, .dport = LPORT, .seq = seq,
		.flags = SEG_SYN, .win = PEER_WIN,
	};

	seg_opt_mss(&s, mss);
	return s;
}

/* A SYN from the peer's port with sequence number @seq, MSS PEER_MSS. */
static inline struct seg psyn(uint32_t seq)
{
	return psyn_mss(seq, PEER_MSS);
}

/*
 * An interval of nominal length T passes if it lies within
 * [T - T/10 - 20 ms, T + T/4 + 60 ms]. Intervals are measured between the
 * times peer_expect() read two segments, so each end carries the guest's
 * wake-up latency under TCG (up to ~10 ms seen, more on a busy host): a
 * late first reading makes an interval look short. Beyond that, a timer
 * never fires early (one jiffy, 4 ms at HZ=250, of rounding), and fires
 * late by the timer wheel's granularity: up to 12.5% for expiries over 64
 * jiffies (256 ms), e.g. TCP's 4 s timer by up to 256 ms.
 * Measured in 11 runs, 6.1 and 6.12 guests on a 2-core host, load 1-2:
 * TCP 1 s +3..+47 ms, 2 s +14..+35 ms, 4 s (to ETIMEDOUT) +32..+256 ms;
 * xtcp 100 ms -11..+8 ms, 200 ms -0..+29 ms, 400 ms -10..+71 ms.
 */
static inline bool interval_ok(double got_ms, int want_ms)
{
	return got_ms >= want_ms - want_ms / 10.0 - 20 &&
	       got_ms <= want_ms + want_ms / 4.0 + 60;
}

static inline int interval_max(int want_ms)
{
	return want_ms + want_ms / 4 + 60;
}

/* Milliseconds from @t_ns (CLOCK_MONOTONIC) to the arrival of @s. */
static inline double ms_since(uint64_t t_ns, const struct seg *s)
{
	return ((double)s->t_ns - (double)t_ns) / 1e6;
}

/* Sleep until @ms after @t_ns (CLOCK_MONOTONIC). */
static inline void sleep_until(uint64_t t_ns, int ms)
{
	uint64_t end = t_ns + ms * 1000000ull;
	struct timespec ts = {
		.tv_sec = end / 1000000000ull,
		.tv_nsec = end % 1000000000ull,
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* Set a sysctl of Linux TCP's for the tcp variant; nothing for xtcp. 0 or -errno. */
static inline int tcp_only_knob(int proto, const char *name, const char *val)
{
	char path[96];

	if (proto != IPPROTO_TCP)
		return 0;
	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/%s", name);
	return write_file(path, val);
}

/* Receive the stack's next segment or fail the test. */
#define RECV(seg, ms, what)						\
	ASSERT_EQ(0, peer_expect(&self->c.p, seg, ms))			\
		TH_LOG("no %s from the stack within %d ms", what, (int)(ms))

/*
 * The stack's next segment, delayed: it arrives by @max_ms after @t_ns
 * (taken before the segment it answers was sent), and not before @min_ms
 * after it. Reading can only be late, so a segment read before @min_ms
 * was sent before it: this fails on an early segment, while a stall of
 * the test itself between its send and its wait (a vCPU stopped by a
 * busy TCG host) is not counted against the stack, as a SILENCE() begun
 * after the stall would count it.
 */
#define RECV_DELAYED(seg, t_ns, min_ms, max_ms, what) do {			\
	int _left = (int)(max_ms) -						\
		    (int)(((int64_t)(peer_now_ns() - (t_ns))) / 1000000);		\
										\
	RECV(seg, _left > 0 ? _left : 0, what);					\
	EXPECT_LE((double)(min_ms), ms_since(t_ns, seg))			\
		TH_LOG("%s: %.1f ms after the segment, not %d or more",		\
		       what, ms_since(t_ns, seg), (int)(min_ms));		\
} while (0)

/* Nothing from the stack for @ms, or fail the test. */
#define SILENCE(ms, what) do {						\
	struct seg _s = {};						\
									\
	ASSERT_EQ(0, peer_expect_none(&self->c.p, &_s, ms))		\
		TH_LOG("%s: unexpected %s", what, peer_fmt(&self->c.p, &_s)); \
} while (0)

#define SEND(seg) ASSERT_EQ(0, peer_send(&self->c.p, seg))

/*
 * The stack's segment @s is well formed and has exactly flags @flags,
 * sequence number @seq, acknowledgment number @ack (0 in a segment without
 * ACK: Linux and xtcp clear the field) and @len bytes of data.
 */
#define CHECK_SEG(s, _flags, _seq, _ack, _len)				\
	check_seg(_metadata, &self->c.p, s, _flags, _seq, _ack, _len, __LINE__)

static inline void check_seg(struct __test_metadata *_metadata, struct peer *p,
			     const struct seg *s, uint8_t flags, uint32_t seq,
			     uint32_t ack, int len, int line)
{
	EXPECT_TRUE(s->ip_csum_ok && s->csum_ok && s->hdr_ok && s->opt_ok)
		TH_LOG("line %d: malformed: %s", line, peer_fmt(p, s));
	EXPECT_EQ(flags, s->flags) TH_LOG("line %d: flags of %s", line, peer_fmt(p, s));
	EXPECT_EQ(seq, s->seq) TH_LOG("line %d: seq of %s", line, peer_fmt(p, s));
	EXPECT_EQ(ack, s->ack) TH_LOG("line %d: ack of %s", line, peer_fmt(p, s));
	EXPECT_EQ(len, s->len) TH_LOG("line %d: length of %s", line, peer_fmt(p, s));
}

/*
 * Passive open: the stack listens on LPORT; the peer's SYN carries MSS
 * @mss, a window scale option of shift @wscale unless it is -1, and
 * window PEER_WIN; the final ACK and every later peer segment window field
 * @win. Returns with the connection accepted (c->cfd, non-blocking), and
 * the SYN-ACK in c->synack.
 */
static inline void script_establish_mss(struct __test_metadata *_metadata,
					struct script *c, int proto, uint16_t mss,
					int wscale, uint16_t win)
{
	struct seg syn = psyn_mss(PEER_ISN, mss);
	struct seg ack;

	c->lfd = listen_on(proto, LPORT);
	ASSERT_LE(0, c->lfd) TH_LOG("listen: %s", strerror(-c->lfd));
	if (wscale >= 0) {
		seg_opt_nop(&syn);
		seg_opt_wscale(&syn, wscale);
	}
	ASSERT_EQ(0, peer_send(&c->p, &syn));
	ASSERT_EQ(0, peer_expect(&c->p, &c->synack, REPLY_MS)) TH_LOG("no SYN-ACK");
	check_seg(_metadata, &c->p, &c->synack, SEG_SYN | SEG_ACK, c->synack.seq,
		  PEER_ISN + 1, 0, __LINE__);
	c->iss = c->synack.seq;
	c->win = win;
	ack = pseg(c, SEG_ACK, 0, 0);
	ASSERT_EQ(0, peer_send(&c->p, &ack));
	c->cfd = accept_wait(c->lfd, REPLY_MS);
	ASSERT_LE(0, c->cfd) TH_LOG("accept: %s", strerror(-c->cfd));
}

/* Passive open with the peer's MSS PEER_MSS (script_establish_mss()). */
static inline void script_establish(struct __test_metadata *_metadata,
				    struct script *c, int proto, int wscale,
				    uint16_t win)
{
	script_establish_mss(_metadata, c, proto, PEER_MSS, wscale, win);
}

/* Counter @name by xtcp's name, TCP's equivalent for the tcp variant. */
#define COUNTER(name) mib(variant->proto, name)

#endif /* XTCP_SELFTEST_SCRIPT_H */
