// SPDX-License-Identifier: GPL-2.0
/*
 * Races of connection establishment, on TCP and on xtcp.
 *
 * connect_close_while_listener_flaps: for a few seconds, clients connect
 * and close as fast as they can while a server accepts, closes what it
 * accepted, and keeps closing and reopening its listener (on a port of its
 * choosing, or an ephemeral one: such a listener gives its port back as it
 * closes), so handshakes meet listener closes, resets and retransmission
 * timers at every step. Afterwards nothing may be left: no connection
 * counted as established, the socket slab and (xtcp) the half-open slab
 * back where they started, only connections finishing on a timer
 * (TIME_WAIT, FIN_WAIT2) in the socket table and none of them on port 0,
 * every listener's port free for a new listener that works, and the
 * kernel log clean (vm-run checks it). For xtcp the children are counted
 * as they are made (a kprobe on xtcp_inherit_port()) and none may come
 * from a listener that has left LISTEN or given its port back.
 *
 * listener_close_vs_final_ack: the same race made narrow and repeated,
 * xtcp only. A scripted peer (xtcp_peer.h) completes a handshake with an
 * ephemeral listener, and its final ACK is written from one CPU while the
 * listener is closed from the other, the ACK's timing steered towards the
 * moment close() empties the listen queues: just before it the ACK makes a
 * child (which close() resets), just after it there is nothing to make.
 * No child may be made from a listener that has left LISTEN (the tracepoint
 * xtcp_state tells the order, with a global event counter for a clock), or
 * inherit port 0 from a listener that has given its port back (the kprobe).
 */
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>

#include "kselftest_harness.h"
#include "xtcp_main.h"
#include "xtcp_proto.h"
#include "xtcp_peer.h"
#include "xtcp_script.h"

#define PORT		5000
#define CLIENTS		4
#define REOPENS		30	/* listener closes and reopens, 20 ms apart */
#define MAX_MS		10000	/* however slow the machine, stop by then */

/* --- tracing: events/xtcp/xtcp_state and a kprobe, in an instance -------- */

#define TRACEFS		"/sys/kernel/tracing"
#define TR_INST		TRACEFS "/instances/xtcp_stress"
#define KP_GROUP	"xtcp_stress"

/*
 * xtcp_inherit_port(child, parent): the local port (skc_num) of each, read
 * as the function starts. struct sock_common begins with skc_addrpair (8
 * bytes), skc_hash (4) and skc_portpair (skc_dport, skc_num): skc_num is
 * at byte 14, in 6.1 as in 6.12. The parent's is read again under the
 * port_lock inside: 0 here means 0 there.
 */
#define KP_INHERIT	"p:" KP_GROUP "/inherit xtcp_inherit_port " \
			"child_port=+14($arg1):u16 parent_port=+14($arg2):u16"

/*
 * Socket state changes into or out of LISTEN, and children leaving
 * SYN_RECV (xtcp_create_child()): kind 0 is a socket, state 10 LISTEN,
 * 3 SYN_RECV.
 */
#define TR_FILTER	"kind == 0 && (oldstate == 10 || newstate == 10 || oldstate == 3)"

static int append_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -errno : 0;
}

/* Take the instance and the kprobe away (what a crashed run may have left). */
static void tr_stop(void)
{
	if (!access(TR_INST, F_OK)) {
		write_file(TR_INST "/events/enable", "0");
		rmdir(TR_INST);
	}
	append_file(TRACEFS "/kprobe_events", "-:" KP_GROUP "/inherit\n");
}

/*
 * The instance, its clock a global counter (strict order across CPUs),
 * xtcp_state filtered as TR_FILTER; the kprobe if it can be made (then
 * *@kprobe is set). 0 or -errno.
 */
static int tr_start(bool *kprobe)
{
	int err;

	*kprobe = false;
	if (access(TRACEFS "/instances", F_OK) &&
	    mount("tracefs", TRACEFS, "tracefs", 0, NULL))
		return -errno;
	tr_stop();
	if (mkdir(TR_INST, 0700))
		return -errno;
	err = write_file(TR_INST "/trace_clock", "counter");
	if (!err)
		err = write_file(TR_INST "/buffer_size_kb", "4096");
	if (!err)
		err = write_file(TR_INST "/events/xtcp/xtcp_state/filter", TR_FILTER);
	if (!err)
		err = write_file(TR_INST "/events/xtcp/xtcp_state/enable", "1");
	if (err)
		return err;
	if (!append_file(TRACEFS "/kprobe_events", KP_INHERIT "\n") &&
	    !write_file(TR_INST "/events/" KP_GROUP "/inherit/enable", "1"))
		*kprobe = true;
	return 0;
}

/* What the trace says about the children made while it ran. */
struct tr_count {
	int children;		/* SYN_RECV -> ESTABLISHED */
	int late;		/* ... on a port whose listener had left LISTEN */
	int inherits;		/* kprobe hits */
	int zero_port;		/* ... parent or child on port 0 */
	int lost;		/* events the buffer lost */
	char first_bad[256];	/* the first late or zero-port line */
};

/*
 * Read the instance's trace. Events come in the order of the counter clock:
 * a listener's "LISTEN -> CLOSE" marks its port closed until a "CLOSE ->
 * LISTEN" on it; a child made on a closed port is late. An ephemeral port
 * is chosen after the listener enters LISTEN (as TCP's), so that event
 * shows port 0: the tests give each ephemeral listener a port no earlier
 * one had.
 */
static int tr_count(struct tr_count *c)
{
	static bool closed[65536];
	char line[512], from[32], to[32];
	unsigned int a, b, cc, d, port, cport, pport;
	FILE *f = fopen(TR_INST "/trace", "re");
	char *s;

	if (!f)
		return -errno;
	memset(c, 0, sizeof(*c));
	memset(closed, 0, sizeof(closed));
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#') {
			if (strstr(line, "LOST"))
				c->lost++;
			continue;
		}
		if (strstr(line, "LOST EVENTS"))
			c->lost++;
		s = strstr(line, " xtcp_state: sock=");
		if (s) {
			s = strchr(s + 18, ' ');
			if (!s || sscanf(s, " %u.%u.%u.%u:%u-%*s %31s -> %31s",
					 &a, &b, &cc, &d, &port, from, to) != 7 ||
			    port > 65535)
				continue;
			if (!strcmp(from, "TCP_LISTEN")) {
				closed[port] = true;
			} else if (!strcmp(to, "TCP_LISTEN")) {
				closed[port] = false;
			} else if (!strcmp(from, "TCP_SYN_RECV") &&
				   !strcmp(to, "TCP_ESTABLISHED")) {
				c->children++;
				if (closed[port] && !c->late++)
					snprintf(c->first_bad, sizeof(c->first_bad),
						 "%.200s", line);
			}
			continue;
		}
		s = strstr(line, " inherit: (");
		if (s) {
			s = strstr(s, "child_port=");
			if (!s || sscanf(s, "child_port=%u parent_port=%u",
					 &cport, &pport) != 2)
				continue;
			c->inherits++;
			if ((!cport || !pport) && !c->zero_port++ && !c->late)
				snprintf(c->first_bad, sizeof(c->first_bad),
					 "%.200s", line);
		}
	}
	fclose(f);
	return 0;
}

/* --- connect_close_while_listener_flaps ---------------------------------- */

struct stress {
	int proto;
	bool ephemeral;		/* listen() without bind() */
	volatile int stop;
	volatile int port;	/* the listener's, for the clients */
	bool used[65536];	/* ports listeners had */
	long connects, accepts, reopens;
	int ports[REOPENS + 1];	/* every listener's */
	int nports;
};

static int open_listener(struct stress *st)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(PORT),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int one = 1, fd, tries = 0;

again:
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, st->proto);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if ((!st->ephemeral && bind(fd, (struct sockaddr *)&sin, sizeof(sin))) ||
	    listen(fd, 16)) {
		close(fd);
		return -1;
	}
	/* an ephemeral port no listener had before: see tr_count() */
	if (st->ephemeral && st->used[local_port(fd)] && ++tries < 100) {
		close(fd);
		goto again;
	}
	st->used[local_port(fd)] = true;
	st->port = local_port(fd);
	if (st->nports < (int)ARRAY_SIZE(st->ports))
		st->ports[st->nports++] = st->port;
	return fd;
}

/*
 * Accept and close (a few at a time); every 20 ms close the listener and
 * open a new one, REOPENS times; then tell the clients to stop.
 */
static void *server(void *arg)
{
	struct stress *st = arg;
	long next = now_ms() + 20, end = now_ms() + MAX_MS;
	int lfd = open_listener(st), fd, n;

	while (st->reopens < REOPENS && now_ms() < end) {
		struct pollfd pfd = { .fd = lfd, .events = POLLIN };

		if (lfd >= 0 && poll(&pfd, 1, 2) == 1) {
			for (n = 0; n < 8 && (fd = accept(lfd, NULL, NULL)) >= 0; n++) {
				st->accepts++;
				close(fd);
			}
		}
		if (now_ms() >= next) {
			if (lfd >= 0)
				close(lfd);
			lfd = open_listener(st);
			st->reopens++;
			next = now_ms() + 20;
		}
	}
	if (lfd >= 0)
		close(lfd);
	st->stop = 1;
	return NULL;
}

/*
 * Connect without waiting long, then close, over and over. SO_REUSEADDR,
 * so that the TIME_WAIT entries the clients leave do not keep a new
 * listener (which sets it too) off a port afterwards.
 */
static void *client(void *arg)
{
	struct stress *st = arg;
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int one = 1;

	while (!st->stop) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, st->proto);
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };

		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		sin.sin_port = htons(st->port);
		connect(fd, (struct sockaddr *)&sin, sizeof(sin));
		poll(&pfd, 1, 1 + (int)(now_ms() % 3));
		__atomic_add_fetch(&st->connects, 1, __ATOMIC_RELAXED);
		close(fd);
	}
	return NULL;
}

/*
 * Rows of the socket table (/proc/net/tcp or /proc/net/xtcp/sockets) other
 * than connections finishing on a timer (TIME_WAIT, and FIN_WAIT2 after
 * close(), which TCP keeps as a TIME_WAIT socket), or with port 0 at
 * either end; the first in @bad. -1 if the table cannot be read.
 */
static int odd_rows(int proto, int *rows, char *bad, size_t len)
{
	const char *path = proto == IPPROTO_TCP ? "/proc/net/tcp" :
						  "/proc/net/xtcp/sockets";
	unsigned int lport, rport, st;
	char line[256];
	int odd = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	*rows = 0;
	*bad = '\0';
	fgets(line, sizeof(line), f);	/* the header */
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %*d: %*8[0-9A-F]:%4x %*8[0-9A-F]:%4x %2x",
			   &lport, &rport, &st) != 3)
			continue;
		(*rows)++;
		if ((st == 6 || st == 5) && lport && rport)	/* TIME_WAIT, FIN_WAIT2 */
			continue;
		if (!odd++)
			snprintf(bad, len, "%.200s", line);
	}
	fclose(f);
	return odd;
}

/* A listener on 127.0.0.1:@port with SO_REUSEADDR; fd or -errno. */
static int listen_again(int proto, int port)
{
	struct sockaddr_in sin = addr4("127.0.0.1", port);
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, proto);

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) || listen(fd, 4)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

FIXTURE(stress) {
	bool traced, kprobe;
};

FIXTURE_VARIANT(stress) {
	int proto;
	bool ephemeral;		/* the listener's port: from listen() */
	const char *slab;	/* the socket slab cache */
	const char *req_slab;	/* half-open entries, if the protocol has one */
};

FIXTURE_VARIANT_ADD(stress, tcp) {
	.proto = IPPROTO_TCP,
	.slab = "TCP",
	.req_slab = NULL,	/* shared with everything else: not checked */
};

FIXTURE_VARIANT_ADD(stress, xtcp) {
	.proto = IPPROTO_XTCP,
	.slab = "XTCP",
	.req_slab = "xtcp_req",
};

FIXTURE_VARIANT_ADD(stress, tcp_ephemeral) {
	.proto = IPPROTO_TCP,
	.ephemeral = true,
	.slab = "TCP",
	.req_slab = NULL,
};

FIXTURE_VARIANT_ADD(stress, xtcp_ephemeral) {
	.proto = IPPROTO_XTCP,
	.ephemeral = true,
	.slab = "XTCP",
	.req_slab = "xtcp_req",
};

FIXTURE_SETUP(stress)
{
	int err;

	self->traced = false;
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, lo_up());
	/* short timers so retransmissions happen during the run */
	ASSERT_EQ(0, set_knob(variant->proto, SYNACK_TIMEOUT_MS, 20));
	ASSERT_EQ(0, set_knob(variant->proto, SYNCOOKIES, 0));
	if (variant->proto == IPPROTO_XTCP) {
		err = tr_start(&self->kprobe);
		ASSERT_EQ(0, err) TH_LOG("tracefs instance: %s", strerror(-err));
		self->traced = true;
		if (!self->kprobe)
			TH_LOG("no kprobe on xtcp_inherit_port(): children not counted");
	}
}

FIXTURE_TEARDOWN(stress)
{
	if (self->traced)
		tr_stop();
}

/* Wait up to 5 s for slab @name to come back to @start (frees can lag). */
static long settle(const char *name, long start)
{
	long t0 = now_ms(), n;

	while ((n = slab_active(name)) > start && now_ms() - t0 < 5000)
		usleep(20 * 1000);
	return n;
}

TEST_F_TIMEOUT(stress, connect_close_while_listener_flaps, 40)
{
	static struct stress st;
	struct sockaddr_in sin;
	pthread_t srv, cli[CLIENTS];
	long slab0, req0 = 0, est0, po0, made;
	int i, fd, cfd, afd, rows = 0, odd;
	struct tr_count tc;
	char bad[256];

	st.proto = variant->proto;
	st.ephemeral = variant->ephemeral;
	slab0 = slab_active(variant->slab);
	if (variant->req_slab)
		req0 = slab_active(variant->req_slab);
	est0 = mib(variant->proto, "CurrEstab");
	po0 = mib(variant->proto, "PassiveOpens");

	for (i = 0; i < CLIENTS; i++)
		ASSERT_EQ(0, pthread_create(&cli[i], NULL, client, &st));
	ASSERT_EQ(0, pthread_create(&srv, NULL, server, &st));
	pthread_join(srv, NULL);
	for (i = 0; i < CLIENTS; i++)
		pthread_join(cli[i], NULL);
	/* every child was freed, accepted or not; nothing half-open is left */
	EXPECT_GE(slab0, settle(variant->slab, slab0));
	if (variant->req_slab)
		EXPECT_GE(req0, settle(variant->req_slab, req0));
	EXPECT_EQ(est0, mib(variant->proto, "CurrEstab"));

	/* counted once nothing is in flight: a late final ACK makes one too */
	made = mib(variant->proto, "PassiveOpens") - po0;
	ksft_print_msg("%ld connects, %ld children: %ld accepted, %ld reset by their listener's close; %ld listener reopens\n",
		       st.connects, made, st.accepts, made - st.accepts,
		       st.reopens);
	/* the races happened: listeners came and went under connections */
	EXPECT_EQ(REOPENS, st.reopens);
	EXPECT_LT(REOPENS, st.connects);
	EXPECT_LT(0, st.accepts);
	EXPECT_LE(st.accepts, made);

	/* what remains is connections finishing on a timer, on real ports */
	odd = odd_rows(variant->proto, &rows, bad, sizeof(bad));
	EXPECT_EQ(0, odd) TH_LOG("%d of %d rows neither TIME_WAIT nor FIN_WAIT2, or on port 0, first: %s",
				 odd, rows, bad);

	/* every listener's port takes a new listener */
	for (i = 0; i < st.nports; i++) {
		fd = listen_again(variant->proto, st.ports[i]);
		EXPECT_LE(0, fd) TH_LOG("listener %d: port %d: %s", i,
					st.ports[i], strerror(-fd));
		if (fd < 0)
			continue;
		if (i == st.nports - 1) {	/* ... that works */
			cfd = socket(AF_INET, SOCK_STREAM, variant->proto);
			sin = addr4("127.0.0.1", st.ports[i]);
			EXPECT_EQ(0, connect(cfd, (struct sockaddr *)&sin, sizeof(sin)));
			afd = accept(fd, NULL, NULL);
			EXPECT_LE(0, afd);
			EXPECT_EQ(st.ports[i], local_port(afd));
			close(afd);
			close(cfd);
		}
		close(fd);
	}

	if (!self->traced)
		return;
	ASSERT_EQ(0, tr_count(&tc));
	ksft_print_msg("traced: %d children, %d made after their listener left LISTEN; %d inherited a port, %d of them port 0\n",
		       tc.children, tc.late, tc.inherits, tc.zero_port);
	made = mib(variant->proto, "PassiveOpens") - po0;	/* and the check's */
	EXPECT_EQ(0, tc.lost);
	EXPECT_EQ(made, tc.children);
	EXPECT_EQ(0, tc.late) TH_LOG("%s", tc.first_bad);
	if (self->kprobe) {
		EXPECT_EQ(made, tc.inherits);
		EXPECT_EQ(0, tc.zero_port) TH_LOG("%s", tc.first_bad);
	}
}

/* --- listener_close_vs_final_ack ----------------------------------------- */

#define RACE_TRIALS	600
#define RACE_MAX_MS	25000
#define RACE_LEAD_NS	2000000	/* from the go to the close */
#define RACE_STEP_NS	3000	/* the ACK's timing moves by this */

struct race {
	pthread_barrier_t go, done;
	struct peer *p;
	struct seg ack;
	int lfd;
	uint64_t t_ns;		/* the closer closes then */
	int64_t off_ns;		/* the ACK goes this much later */
	bool quit;
	int err;
};

static void pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void spin_until(uint64_t t_ns)
{
	while (peer_now_ns() < t_ns)
		;
}

static void *race_closer(void *arg)
{
	struct race *r = arg;

	pin_cpu(0);
	for (;;) {
		pthread_barrier_wait(&r->go);
		if (r->quit)
			return NULL;
		spin_until(r->t_ns);
		close(r->lfd);
		pthread_barrier_wait(&r->done);
	}
}

static void *race_acker(void *arg)
{
	struct race *r = arg;

	pin_cpu(1);
	for (;;) {
		pthread_barrier_wait(&r->go);
		if (r->quit)
			return NULL;
		spin_until(r->t_ns + r->off_ns);
		r->err = peer_send(r->p, &r->ack);
		pthread_barrier_wait(&r->done);
	}
}

FIXTURE(race) {
	struct script c;
	bool kprobe;
};

FIXTURE_SETUP(race)
{
	int err;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "needs two CPUs");
	err = script_open(&self->c, IPPROTO_XTCP);
	ASSERT_EQ(0, err) TH_LOG("netns and TUN: %s", strerror(-err));
	/* no SYN-ACK retransmission within a trial */
	ASSERT_EQ(0, set_knob(IPPROTO_XTCP, SYNACK_TIMEOUT_MS, 10000));
	err = tr_start(&self->kprobe);
	ASSERT_EQ(0, err) TH_LOG("tracefs instance: %s", strerror(-err));
	if (!self->kprobe)
		TH_LOG("no kprobe on xtcp_inherit_port(): ports not checked");
}

FIXTURE_TEARDOWN(race)
{
	tr_stop();
	script_close(&self->c);
}

TEST_F_TIMEOUT(race, listener_close_vs_final_ack, 60)
{
	static bool used[65536];
	struct race r = { .p = &self->c.p };
	int i, port, trials = 0, children = 0, lfd, err;
	long end = now_ms() + RACE_MAX_MS, po0;
	pthread_t closer, acker;
	struct tr_count tc;
	struct seg s;

	ASSERT_EQ(0, pthread_barrier_init(&r.go, NULL, 3));
	ASSERT_EQ(0, pthread_barrier_init(&r.done, NULL, 3));
	ASSERT_EQ(0, pthread_create(&closer, NULL, race_closer, &r));
	ASSERT_EQ(0, pthread_create(&acker, NULL, race_acker, &r));
	po0 = xtcp_counter("PassiveOpens");

	for (i = 0; i < RACE_TRIALS && now_ms() < end; i++) {
		struct seg syn = psyn(PEER_ISN);
		bool child = false, rst = false;

		do {	/* an ephemeral port no earlier trial had */
			lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK,
				     IPPROTO_XTCP);
			ASSERT_LE(0, lfd);
			ASSERT_EQ(0, listen(lfd, 16));
			port = local_port(lfd);
			if (used[port])
				close(lfd);
		} while (used[port]);
		used[port] = true;
		syn.sport = PPORT + i;
		syn.dport = port;
		ASSERT_EQ(0, peer_send(&self->c.p, &syn));
		do {
			err = peer_expect(&self->c.p, &s, REPLY_MS);
			ASSERT_EQ(0, err) TH_LOG("trial %d: no SYN-ACK", i);
		} while (s.sport != port || s.dport != syn.sport);
		ASSERT_EQ(SEG_SYN | SEG_ACK, s.flags);
		r.ack = (struct seg){ .sport = syn.sport, .dport = port,
				      .seq = PEER_ISN + 1, .ack = s.seq + 1,
				      .flags = SEG_ACK, .win = PEER_WIN };
		r.lfd = lfd;
		r.t_ns = peer_now_ns() + RACE_LEAD_NS;
		pthread_barrier_wait(&r.go);
		pthread_barrier_wait(&r.done);
		ASSERT_EQ(0, r.err);

		/*
		 * close() resets a child with RST|ACK, a half-open entry
		 * with RST, before it returns; an ACK that finds nothing is
		 * answered with RST too.
		 */
		while (!peer_expect(&self->c.p, &s, rst ? 0 : REPLY_MS)) {
			if (s.sport != port || s.dport != syn.sport ||
			    !(s.flags & SEG_RST))
				continue;
			rst = true;
			if (s.flags & SEG_ACK)
				child = true;
		}
		EXPECT_TRUE(rst) TH_LOG("trial %d: no RST", i);
		trials++;
		children += child;
		/* towards the moment close() empties the queues */
		r.off_ns += child ? RACE_STEP_NS : -RACE_STEP_NS;
	}
	r.quit = true;
	pthread_barrier_wait(&r.go);
	pthread_join(closer, NULL);
	pthread_join(acker, NULL);

	ASSERT_EQ(0, tr_count(&tc));
	ksft_print_msg("%d trials: %d children made (%ld PassiveOpens), the ACK %+.1f us after close() at the end\n",
		       trials, children, xtcp_counter("PassiveOpens") - po0,
		       r.off_ns / 1000.0);
	ksft_print_msg("traced: %d children, %d made after their listener left LISTEN; %d inherited a port, %d of them port 0\n",
		       tc.children, tc.late, tc.inherits, tc.zero_port);
	/* both sides of the race were reached */
	EXPECT_LT(0, children);
	EXPECT_LT(children, trials);
	EXPECT_EQ(0, tc.lost);
	EXPECT_EQ(children, tc.children);
	EXPECT_EQ(0, tc.late) TH_LOG("%s", tc.first_bad);
	if (self->kprobe) {
		EXPECT_EQ(children, tc.inherits);
		EXPECT_EQ(0, tc.zero_port) TH_LOG("%s", tc.first_bad);
	}
}

XTCP_TEST_MAIN
