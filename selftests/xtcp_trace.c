// SPDX-License-Identifier: GPL-2.0
/*
 * The tracepoints of events/xtcp/ (Documentation/tracepoints.rst).
 *
 * Each test enables every xtcp event in a tracefs instance of its own
 * (instances/xtcp_selftest, so the global buffer and other tracers are
 * left alone), plays one story, reads the events back as text and checks
 * that the story's events are there, in order, with the right fields.
 * Tracepoints are global, not per namespace: events are picked by their
 * addresses and ports, which are the test's own.
 *
 * Loopback stories (handshake, close, refused connect, accept queue
 * overflow) run on 127.0.9.1 in a namespace of their own, an address no
 * other selftest uses: connections that earlier programs closed may still
 * be retransmitting in their namespaces, and their events come through too.
 * Every count is of the test's own connection for the same reason; those that need
 * a peer that does not answer (SYN-ACK and data retransmission) use the
 * scripted peer of xtcp_peer.h behind a TUN device. xtcp only: TCP's
 * tracepoints (events/tcp/) are a different set.
 */
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "xtcp_main.h"
#include "xtcp_proto.h"
#include "xtcp_peer.h"
#include "xtcp_script.h"

#define TRACEFS		"/sys/kernel/tracing"
#define INSTANCE	TRACEFS "/instances/xtcp_selftest"
#define SPORT		5000	/* the server's port */
#define CPORT		40001	/* the client's */
#define MAX_EV		256

/* One event as tracefs prints it: "...: NAME: ARGS". */
struct ev {
	char name[32];
	char args[224];
};

struct trace {
	int n;
	struct ev e[MAX_EV];
};

/* Read the instance's buffer; the number of xtcp events or -errno. */
static int trace_read(struct trace *t)
{
	char line[512];
	FILE *f = fopen(INSTANCE "/trace", "re");

	if (!f)
		return -errno;
	t->n = 0;
	while (fgets(line, sizeof(line), f) && t->n < MAX_EV) {
		char *name = strstr(line, ": xtcp_"), *args;

		if (line[0] == '#' || !name)
			continue;
		name += 2;
		args = strstr(name, ": ");
		if (!args)
			continue;
		*args = '\0';
		args += 2;
		args[strcspn(args, "\n")] = '\0';
		snprintf(t->e[t->n].name, sizeof(t->e[0].name), "%s", name);
		snprintf(t->e[t->n].args, sizeof(t->e[0].args), "%s", args);
		t->n++;
	}
	fclose(f);
	return t->n;
}

/*
 * The first event at index @from or later named @name whose arguments
 * contain the string @fmt makes; its index, or -1.
 */
static int __attribute__((format(printf, 4, 5)))
ev_find(const struct trace *t, int from, const char *name, const char *fmt, ...)
{
	char want[224];
	va_list ap;
	int i;

	va_start(ap, fmt);
	vsnprintf(want, sizeof(want), fmt, ap);
	va_end(ap);
	for (i = from < 0 ? 0 : from; i < t->n; i++)
		if (!strcmp(t->e[i].name, name) && strstr(t->e[i].args, want))
			return i;
	return -1;
}

/* How many events named @name contain @what. */
static int ev_count(const struct trace *t, const char *name, const char *what)
{
	int i, n = 0;

	for (i = 0; i < t->n; i++)
		if (!strcmp(t->e[i].name, name) && strstr(t->e[i].args, what))
			n++;
	return n;
}

/* The value of "@key=" in event @i's arguments, or -1. */
static long ev_field(const struct trace *t, int i, const char *key)
{
	char k[32];
	const char *p;

	if (i < 0)
		return -1;
	snprintf(k, sizeof(k), " %s=", key);
	p = strstr(t->e[i].args, k);
	return p ? strtol(p + strlen(k), NULL, 10) : -1;
}

static void trace_dump(struct __test_metadata *_metadata, const struct trace *t)
{
	int i;

	for (i = 0; i < t->n; i++)
		TH_LOG("%3d %s: %s", i, t->e[i].name, t->e[i].args);
}

/*
 * Find the next event (after index *@at) named @name containing what @fmt
 * makes. If found, *@at becomes its index, so a chain of STEP()s checks an
 * order; if not, the whole trace goes to the log.
 */
static bool __attribute__((format(printf, 5, 6)))
step(struct __test_metadata *_metadata, const struct trace *t, int *at,
     const char *name, const char *fmt, ...)
{
	char want[224];
	va_list ap;
	int i;

	va_start(ap, fmt);
	vsnprintf(want, sizeof(want), fmt, ap);
	va_end(ap);
	i = ev_find(t, *at + 1, name, "%s", want);
	if (i < 0) {
		trace_dump(_metadata, t);
		TH_LOG("no %s \"%s\" after event %d", name, want, *at);
		return false;
	}
	*at = i;
	return true;
}

#define STEP(at, name, ...) \
	ASSERT_TRUE(step(_metadata, &self->t, at, name, __VA_ARGS__))

/* Enable (@on) all xtcp events in a fresh instance; empty its buffer. */
static int tracefs_setup(bool on)
{
	int fd, err;

	if (on) {
		if (access(TRACEFS "/instances", F_OK) &&
		    mount("tracefs", TRACEFS, "tracefs", 0, NULL))
			return -errno;
		if (mkdir(INSTANCE, 0700) && errno != EEXIST)
			return -errno;
	} else if (access(INSTANCE, F_OK)) {
		return 0;
	}
	err = write_file(INSTANCE "/events/xtcp/enable", on ? "1" : "0");
	if (err)
		return err;
	fd = open(INSTANCE "/trace", O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	close(fd);
	if (!on && rmdir(INSTANCE))
		return -errno;
	return 0;
}

/* A socket of @proto bound to 127.0.9.1:@port (0: any). */
static int bound(int port)
{
	struct sockaddr_in sin = addr4("127.0.9.1", port);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_XTCP);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Wait up to @ms for an event named @name containing @what. */
static bool wait_event(struct trace *t, const char *name, const char *what, int ms)
{
	long end = now_ms() + ms;

	do {
		if (trace_read(t) > 0 && ev_count(t, name, what))
			return true;
		usleep(10000);
	} while (now_ms() < end);
	return false;
}

FIXTURE(tp) {
	struct script c;
	struct trace t;
	int lfd, cfd, afd;
};

FIXTURE_SETUP(tp)
{
	int err;

	self->lfd = -1;
	self->cfd = -1;
	self->afd = -1;
	/* the module must be loaded for events/xtcp/ to exist */
	err = socket(AF_INET, SOCK_STREAM, IPPROTO_XTCP);
	ASSERT_LE(0, err) TH_LOG("xtcp socket: %s", strerror(errno));
	close(err);
	err = script_open(&self->c, IPPROTO_XTCP);
	ASSERT_EQ(0, err) TH_LOG("netns and TUN: %s", strerror(-err));
	err = tracefs_setup(true);
	ASSERT_EQ(0, err) TH_LOG("tracefs instance: %s", strerror(-err));
}

FIXTURE_TEARDOWN(tp)
{
	if (self->afd >= 0)
		close(self->afd);
	if (self->cfd >= 0)
		close(self->cfd);
	if (self->lfd >= 0)
		close(self->lfd);
	script_close(&self->c);
	tracefs_setup(false);
}

/* Listener on 127.0.9.1:SPORT, client bound to CPORT, connected, accepted. */
static void lo_connect(struct __test_metadata *_metadata,
		       FIXTURE_DATA(tp) *self, int backlog)
{
	struct sockaddr_in sin = addr4("127.0.9.1", SPORT);

	self->lfd = bound(SPORT);
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, listen(self->lfd, backlog));
	self->cfd = bound(CPORT);
	ASSERT_LE(0, self->cfd);
	ASSERT_EQ(0, connect(self->cfd, (struct sockaddr *)&sin, sizeof(sin)))
		TH_LOG("connect: %s", strerror(errno));
}

/*
 * The three-way handshake on loopback, event by event: each segment is
 * traced when it is sent and when it arrives, and each side's state
 * changes right after the segment that causes it (RFC 9293 §3.5, figure 6).
 */
TEST_F(tp, handshake_in_order)
{
	int at = -1, syn, synack;
	long iss, irs;

	lo_connect(_metadata, self, 16);
	self->afd = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, self->afd);
	ASSERT_TRUE(wait_event(&self->t, "xtcp_state",
			       "127.0.9.1:5000-127.0.9.1:40001 TCP_SYN_RECV -> TCP_ESTABLISHED",
			       2000)) trace_dump(_metadata, &self->t);

	STEP(&at, "xtcp_state", "sock=");
	STEP(&at, "xtcp_state", "127.0.9.1:40001-127.0.9.1:5000 TCP_CLOSE -> TCP_SYN_SENT");
	STEP(&at, "xtcp_seg_send", "127.0.9.1:40001 > 127.0.9.1:5000 flags=S seq=");
	syn = at;
	iss = ev_field(&self->t, syn, "seq");
	EXPECT_EQ(0, ev_field(&self->t, syn, "ack"));
	EXPECT_EQ(0, ev_field(&self->t, syn, "len"));
	EXPECT_EQ(65495, ev_field(&self->t, syn, "mss"));	/* lo, as TCP's */
	STEP(&at, "xtcp_seg_recv", "127.0.9.1:40001 > 127.0.9.1:5000 flags=S seq=%ld ack=0 ",
	     iss);
	STEP(&at, "xtcp_state", "127.0.9.1:5000-127.0.9.1:40001 TCP_LISTEN -> TCP_SYN_RECV");
	EXPECT_EQ(0, strncmp(self->t.e[at].args, "req=", 4));
	STEP(&at, "xtcp_seg_send", "127.0.9.1:5000 > 127.0.9.1:40001 flags=SA seq=");
	synack = at;
	irs = ev_field(&self->t, synack, "seq");
	EXPECT_EQ((iss + 1) & 0xffffffff, ev_field(&self->t, synack, "ack"));
	EXPECT_EQ(65495, ev_field(&self->t, synack, "mss"));
	STEP(&at, "xtcp_seg_recv", "127.0.9.1:5000 > 127.0.9.1:40001 flags=SA seq=%ld ack=%ld ",
	     irs, (iss + 1) & 0xffffffff);
	STEP(&at, "xtcp_state", "127.0.9.1:40001-127.0.9.1:5000 TCP_SYN_SENT -> TCP_ESTABLISHED");
	STEP(&at, "xtcp_seg_send",
	     "127.0.9.1:40001 > 127.0.9.1:5000 flags=A seq=%ld ack=%ld len=0 ",
	     (iss + 1) & 0xffffffff, (irs + 1) & 0xffffffff);
	EXPECT_EQ(0, ev_field(&self->t, at, "mss"));
	STEP(&at, "xtcp_seg_recv",
	     "127.0.9.1:40001 > 127.0.9.1:5000 flags=A seq=%ld ack=%ld len=0 ",
	     (iss + 1) & 0xffffffff, (irs + 1) & 0xffffffff);
	STEP(&at, "xtcp_state",
	     "127.0.9.1:5000-127.0.9.1:40001 TCP_SYN_RECV -> TCP_ESTABLISHED");
	EXPECT_EQ(0, strncmp(self->t.e[at].args, "sock=", 5));

	/* three segments, each sent and received once; nothing else */
	EXPECT_EQ(3, ev_count(&self->t, "xtcp_seg_send", "127.0.9.1:"));
	EXPECT_EQ(3, ev_count(&self->t, "xtcp_seg_recv", "127.0.9.1:"));
	EXPECT_EQ(0, ev_count(&self->t, "xtcp_retransmit", "127.0.9.1:"));
	EXPECT_EQ(0, ev_count(&self->t, "xtcp_reset_send", "127.0.9.1:"));
	EXPECT_EQ(0, ev_count(&self->t, "xtcp_queue_drop", "127.0.9.1:"));
}

/*
 * The client closes first (RFC 9293 §3.6 case 1): FIN_WAIT_1, FIN_WAIT_2,
 * TIME_WAIT for 2 MSL; the server CLOSE_WAIT, LAST_ACK, CLOSED. The
 * TIME_WAIT entry's life is traced from enter to expire.
 */
TEST_F(tp, close_in_order)
{
	const char *c2s = "127.0.9.1:40001-127.0.9.1:5000";
	const char *s2c = "127.0.9.1:5000-127.0.9.1:40001";
	int at, tw_enter;
	char buf[4];

	ASSERT_EQ(0, write_file("/proc/sys/net/xtcp/msl_ms", "100"));
	lo_connect(_metadata, self, 16);
	self->afd = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, self->afd);
	ASSERT_EQ(0, tracefs_setup(true));	/* the close only */

	ASSERT_EQ(0, close(self->cfd));
	self->cfd = -1;
	ASSERT_EQ(0, recv(self->afd, buf, sizeof(buf), 0));
	/* the FIN is acknowledged before the server closes: four segments */
	ASSERT_TRUE(wait_event(&self->t, "xtcp_state", "TCP_FIN_WAIT1 -> TCP_FIN_WAIT2",
			       2000)) trace_dump(_metadata, &self->t);
	ASSERT_EQ(0, close(self->afd));
	self->afd = -1;
	ASSERT_TRUE(wait_event(&self->t, "xtcp_tw_expire",
			       "127.0.9.1:40001-127.0.9.1:5000 reason=timer", 2000))
		trace_dump(_metadata, &self->t);

	at = -1;
	STEP(&at, "xtcp_state", "%s TCP_ESTABLISHED -> TCP_FIN_WAIT1", c2s);
	STEP(&at, "xtcp_seg_send", "127.0.9.1:40001 > 127.0.9.1:5000 flags=FA ");
	STEP(&at, "xtcp_seg_recv", "127.0.9.1:40001 > 127.0.9.1:5000 flags=FA ");
	STEP(&at, "xtcp_state", "%s TCP_ESTABLISHED -> TCP_CLOSE_WAIT", s2c);
	STEP(&at, "xtcp_seg_send", "127.0.9.1:5000 > 127.0.9.1:40001 flags=A ");
	STEP(&at, "xtcp_seg_recv", "127.0.9.1:5000 > 127.0.9.1:40001 flags=A ");
	STEP(&at, "xtcp_state", "%s TCP_FIN_WAIT1 -> TCP_FIN_WAIT2", c2s);
	STEP(&at, "xtcp_state", "%s TCP_CLOSE_WAIT -> TCP_LAST_ACK", s2c);
	STEP(&at, "xtcp_seg_send", "127.0.9.1:5000 > 127.0.9.1:40001 flags=FA ");
	STEP(&at, "xtcp_seg_recv", "127.0.9.1:5000 > 127.0.9.1:40001 flags=FA ");
	/* the FIN is acknowledged, then the connection enters TIME_WAIT */
	STEP(&at, "xtcp_seg_send", "127.0.9.1:40001 > 127.0.9.1:5000 flags=A ");
	STEP(&at, "xtcp_tw_enter", "%s from=TCP_FIN_WAIT2 ", c2s);
	tw_enter = at;
	EXPECT_EQ(200, ev_field(&self->t, tw_enter, "timeout_ms"));
	STEP(&at, "xtcp_state", "%s TCP_FIN_WAIT2 -> TCP_TIME_WAIT", c2s);
	STEP(&at, "xtcp_seg_recv", "127.0.9.1:40001 > 127.0.9.1:5000 flags=A ");
	STEP(&at, "xtcp_state", "%s TCP_LAST_ACK -> TCP_CLOSE", s2c);
	STEP(&at, "xtcp_tw_expire", "%s reason=timer", c2s);
	STEP(&at, "xtcp_state", "tw=");
	EXPECT_NE(NULL, strstr(self->t.e[at].args, "TCP_TIME_WAIT -> TCP_CLOSE"));

	/* the socket's own CLOSE after TIME_WAIT is not traced: the entry's is */
	EXPECT_EQ(1, ev_count(&self->t, "xtcp_state",
			      "127.0.9.1:40001-127.0.9.1:5000 TCP_TIME_WAIT -> TCP_CLOSE"));
	EXPECT_EQ(4, ev_count(&self->t, "xtcp_seg_send", "127.0.9.1:"));
}

/*
 * connect() to a port nobody listens on: the SYN is answered by RST|ACK
 * (RFC 9293 §3.10.7.1), traced as sent for no connection and received in
 * SYN_SENT, which ends the client (ECONNREFUSED).
 */
TEST_F(tp, refused)
{
	struct sockaddr_in sin = addr4("127.0.9.1", SPORT);
	int at = -1;
	long iss;

	self->cfd = bound(CPORT);
	ASSERT_LE(0, self->cfd);
	ASSERT_EQ(-1, connect(self->cfd, (struct sockaddr *)&sin, sizeof(sin)));
	ASSERT_EQ(ECONNREFUSED, errno);
	ASSERT_LE(0, trace_read(&self->t));

	STEP(&at, "xtcp_seg_send", "127.0.9.1:40001 > 127.0.9.1:5000 flags=S ");
	iss = ev_field(&self->t, at, "seq");
	STEP(&at, "xtcp_seg_recv", "127.0.9.1:40001 > 127.0.9.1:5000 flags=S ");
	STEP(&at, "xtcp_reset_send",
	     "127.0.9.1:5000 > 127.0.9.1:40001 flags=RA seq=0 ack=%ld state=TCP_CLOSE",
	     (iss + 1) & 0xffffffff);
	STEP(&at, "xtcp_seg_recv", "127.0.9.1:5000 > 127.0.9.1:40001 flags=RA ");
	STEP(&at, "xtcp_reset_recv",
	     "127.0.9.1:5000 > 127.0.9.1:40001 flags=RA seq=0 ack=%ld state=TCP_SYN_SENT",
	     (iss + 1) & 0xffffffff);
	STEP(&at, "xtcp_state", "127.0.9.1:40001-127.0.9.1:5000 TCP_SYN_SENT -> TCP_CLOSE");
}

/*
 * listen(fd, 0): the accept queue holds one connection (Linux's backlog +
 * 1); the next SYN finds it full and is dropped, traced with the queue's
 * length and limit.
 */
TEST_F(tp, accept_queue_overflow)
{
	struct sockaddr_in sin = addr4("127.0.9.1", SPORT);
	int fd2;

	lo_connect(_metadata, self, 0);
	fd2 = bound(CPORT + 1);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, fcntl(fd2, F_SETFL, O_NONBLOCK));
	ASSERT_EQ(-1, connect(fd2, (struct sockaddr *)&sin, sizeof(sin)));
	EXPECT_EQ(EINPROGRESS, errno);
	EXPECT_TRUE(wait_event(&self->t, "xtcp_queue_drop", "queue=accept", 2000))
		trace_dump(_metadata, &self->t);
	EXPECT_EQ(1, ev_count(&self->t, "xtcp_queue_drop",
			      "127.0.9.1:5000 from 127.0.9.1:"));
	EXPECT_EQ(1, ev_count(&self->t, "xtcp_queue_drop", "127.0.9.1:5000 from "
			      "127.0.9.1:40002 queue=accept reason=syn qlen=1 limit=1"));
	close(fd2);
}

/*
 * A SYN from the scripted peer is never completed: the SYN-ACK goes again
 * after synack_timeout_ms, doubling (RFC 6298 §5.5), synack_retries times;
 * then the half-open entry is dropped.
 */
TEST_F(tp, synack_retransmit_and_timeout)
{
	struct seg syn = psyn(PEER_ISN), s;
	int at = -1, i;
	char want[128];

	ASSERT_EQ(0, set_knob(IPPROTO_XTCP, SYNACK_TIMEOUT_MS, 100));
	ASSERT_EQ(0, set_knob(IPPROTO_XTCP, SYNACK_RETRIES, 2));
	self->c.lfd = listen_on(IPPROTO_XTCP, LPORT);
	ASSERT_LE(0, self->c.lfd);
	SEND(&syn);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, peer_expect(&self->c.p, &s, REPLY_MS)) TH_LOG("SYN-ACK %d", i);
	snprintf(want, sizeof(want), "10.0.0.1:%d-10.0.0.2:%d TCP_SYN_RECV -> TCP_CLOSE",
		 LPORT, PPORT);
	ASSERT_TRUE(wait_event(&self->t, "xtcp_state", want, 2000))
		trace_dump(_metadata, &self->t);

	STEP(&at, "xtcp_seg_recv", "10.0.0.2:%d > 10.0.0.1:%d flags=S seq=%u ", PPORT,
	     LPORT, PEER_ISN);
	STEP(&at, "xtcp_state", "10.0.0.1:%d-10.0.0.2:%d TCP_LISTEN -> TCP_SYN_RECV",
	     LPORT, PPORT);
	STEP(&at, "xtcp_seg_send", "10.0.0.1:%d > 10.0.0.2:%d flags=SA seq=%u ack=%u ",
	     LPORT, PPORT, s.seq, PEER_ISN + 1);
	STEP(&at, "xtcp_retransmit", "SYNACK 10.0.0.1:%d-10.0.0.2:%d seq=%u attempt=1 rto_ms=200",
	     LPORT, PPORT, s.seq);
	STEP(&at, "xtcp_seg_send", "10.0.0.1:%d > 10.0.0.2:%d flags=SA seq=%u ", LPORT,
	     PPORT, s.seq);
	STEP(&at, "xtcp_retransmit", "SYNACK 10.0.0.1:%d-10.0.0.2:%d seq=%u attempt=2 rto_ms=400",
	     LPORT, PPORT, s.seq);
	STEP(&at, "xtcp_seg_send", "10.0.0.1:%d > 10.0.0.2:%d flags=SA seq=%u ", LPORT,
	     PPORT, s.seq);
	STEP(&at, "xtcp_queue_drop",
	     "10.0.0.1:%d from 10.0.0.2:%d queue=syn reason=timeout qlen=1 limit=17",
	     LPORT, PPORT);
	STEP(&at, "xtcp_state", "req=");
	EXPECT_NE(NULL, strstr(self->t.e[at].args, "TCP_SYN_RECV -> TCP_CLOSE"));
	snprintf(want, sizeof(want), "SYNACK 10.0.0.1:%d-10.0.0.2:%d seq=%u ", LPORT,
		 PPORT, s.seq);
	EXPECT_EQ(2, ev_count(&self->t, "xtcp_retransmit", want));
}

/*
 * Unacknowledged data, then an unacknowledged FIN, each retransmitted on
 * the RTO: xtcp_retransmit names what went again, from which sequence
 * number, and the doubled timeout.
 */
TEST_F(tp, data_and_fin_retransmit)
{
	struct seg s, ack;
	int at = -1;

	ASSERT_EQ(0, write_file("/proc/sys/net/xtcp/rto_min_ms", "100"));
	script_establish(_metadata, &self->c, IPPROTO_XTCP, -1, PEER_WIN);
	ASSERT_EQ(0, tracefs_setup(true));
	ASSERT_EQ(100, send_stream(self->c.cfd, 0, 100));
	ASSERT_EQ(0, peer_expect(&self->c.p, &s, REPLY_MS));
	ASSERT_EQ(100, s.len);
	/* no RTT sample yet: the first timeout is the initial RTO, 1 s */
	ASSERT_EQ(0, peer_expect(&self->c.p, &s, 3 * REPLY_MS)) TH_LOG("no retransmission");
	ASSERT_EQ(100, s.len);
	ack = pseg(&self->c, SEG_ACK, 0, 100);
	SEND(&ack);
	ASSERT_EQ(0, shutdown(self->c.cfd, SHUT_WR));
	ASSERT_EQ(0, peer_expect(&self->c.p, &s, REPLY_MS));
	ASSERT_EQ(SEG_FIN | SEG_ACK, s.flags);
	ASSERT_EQ(0, peer_expect(&self->c.p, &s, 3 * REPLY_MS)) TH_LOG("no FIN retransmission");
	ASSERT_EQ(SEG_FIN | SEG_ACK, s.flags);
	ack = pseg(&self->c, SEG_ACK, 0, 101);
	SEND(&ack);
	ASSERT_LE(0, trace_read(&self->t));

	STEP(&at, "xtcp_seg_send", "10.0.0.1:%d > 10.0.0.2:%d flags=PA seq=%u ", LPORT,
	     PPORT, self->c.iss + 1);
	STEP(&at, "xtcp_retransmit", "DATA 10.0.0.1:%d-10.0.0.2:%d seq=%u attempt=1 ",
	     LPORT, PPORT, self->c.iss + 1);
	EXPECT_LE(200, ev_field(&self->t, at, "rto_ms"));
	STEP(&at, "xtcp_seg_send", "10.0.0.1:%d > 10.0.0.2:%d flags=PA seq=%u ", LPORT,
	     PPORT, self->c.iss + 1);
	STEP(&at, "xtcp_seg_recv", "flags=A seq=%u ack=%u ", PEER_ISN + 1,
	     self->c.iss + 101);
	STEP(&at, "xtcp_state", "TCP_ESTABLISHED -> TCP_FIN_WAIT1");
	STEP(&at, "xtcp_seg_send", "flags=FA seq=%u ", self->c.iss + 101);
	STEP(&at, "xtcp_retransmit", "FIN 10.0.0.1:%d-10.0.0.2:%d seq=%u attempt=1 ",
	     LPORT, PPORT, self->c.iss + 101);
	STEP(&at, "xtcp_seg_send", "flags=FA seq=%u ", self->c.iss + 101);
	STEP(&at, "xtcp_state", "TCP_FIN_WAIT1 -> TCP_FIN_WAIT2");
}

XTCP_TEST_MAIN
