// SPDX-License-Identifier: GPL-2.0
/*
 * A listener's two queues: the SYN queue of half-open connections and the
 * accept queue of established ones, their limits (listen()'s backlog,
 * max_syn_backlog), what happens beyond them (drops, retransmission,
 * abort_on_overflow) and their counters. Every TEST_F(queue, ...) runs as
 * queue.tcp.* and queue.xtcp.* with the same assertions, except where a
 * counter exists for xtcp only (SynQueueOverflows).
 *
 * Each test runs in a network namespace of its own. TCP runs there with
 * net.ipv4.tcp_syncookies = 0: xtcp has no SYN cookies, and with them TCP
 * would not drop what it drops here.
 *
 * Half-open connections come from a peer played by the test itself: a TUN
 * device "xt0" (10.0.0.1/24); segments written to its file descriptor
 * arrive from 10.0.0.2, what is sent to 10.0.0.2 is read from it.
 *
 * Options (the 6.1 harness has none): -v VARIANT, -t TEST (repeatable),
 * -l to list the tests.
 */
#include <poll.h>
#include <sched.h>
#include <time.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <linux/if_tun.h>
#include <linux/tcp.h>

#include "kselftest_harness.h"
#include "xtcp_main.h"
#include "xtcp_proto.h"

#define PORT		5000

/* ------------------------------------------------------------ helpers */

/* Snapshot of the counters the tests look at, to take differences. */
static const char * const counter_names[] = {
	"ActiveOpens", "PassiveOpens", "CurrEstab", "OutRsts",
	"ListenOverflows", "ListenDrops", "SynAckRetrans", "SynQueueOverflows",
};

#define N_COUNTERS ARRAY_SIZE(counter_names)

struct counters {
	int proto;
	long v[N_COUNTERS];
};

static void snap(struct counters *c, int proto)
{
	unsigned int i;

	c->proto = proto;
	for (i = 0; i < N_COUNTERS; i++)
		c->v[i] = mib(proto, counter_names[i]);
}

/* How much counter @name moved since snapshot @c. */
static long delta(const struct counters *c, const char *name)
{
	unsigned int i;

	for (i = 0; i < N_COUNTERS; i++)
		if (!strcmp(counter_names[i], name))
			return mib(c->proto, name) - c->v[i];
	return -12345;
}

static void sleep_ms(long ms)
{
	usleep(ms * 1000);
}

/* A non-blocking listening socket on @ip:@port; -errno on failure. */
static int listener(int proto, const char *ip, int port, int backlog)
{
	struct sockaddr_in sin = addr4(ip, port);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) || listen(fd, backlog)) {
		int err = errno;

		close(fd);
		return -err;
	}
	return fd;
}

/* Start a non-blocking connect() to 127.0.0.1:@port; the socket or -1. */
static int start_client(int proto, int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	int err;

	if (fd < 0)
		return -1;
	err = connect_to(fd, "127.0.0.1", port);
	if (err && err != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

/* How many of @fds[@n] poll() reports with any of @events right now. */
static int count_events(const int *fds, int n, short events)
{
	struct pollfd pfd[64];
	int i, cnt = 0;

	for (i = 0; i < n && i < 64; i++) {
		pfd[i].fd = fds[i];
		pfd[i].events = events;
		pfd[i].revents = 0;
	}
	if (poll(pfd, i, 0) < 0)
		return -1;
	for (i = 0; i < n && i < 64; i++)
		if (pfd[i].revents & events)
			cnt++;
	return cnt;
}

/*
 * Accept everything queued on non-blocking @lfd: the sockets in @fds, their
 * peers' ports in @ports (at most @max; more are counted and closed). The
 * sockets stay open: closing one ends its connection, and the tests look at
 * the clients afterwards.
 */
static int accept_all(int lfd, int *fds, int *ports, int max)
{
	int n = 0, s;

	while ((s = accept(lfd, NULL, NULL)) >= 0) {
		if (n < max) {
			fds[n] = s;
			ports[n] = peer_port(s);
		} else {
			close(s);
		}
		n++;
	}
	return errno == EAGAIN ? n : -errno;
}

static void close_all(const int *fds, int n)
{
	int i;

	for (i = 0; i < n; i++)
		close(fds[i]);
}

/* ---------------------------------------------------- the TUN peer */

#define F_SYN	0x02
#define F_RST	0x04
#define F_ACK	0x10

struct seg {
	int sport, dport, flags;
	uint32_t seq, ack;
};

static uint16_t ip_csum(const void *hdr, size_t len)
{
	const uint8_t *p = hdr;
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (p[i] << 8) | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(~sum & 0xffff);
}

/* Send segment @s (20-byte header, no data) from 10.0.0.2 to 10.0.0.1. */
static int tun_send(int tfd, int proto, const struct seg *s)
{
	uint8_t pkt[40];
	struct iphdr *ip = (struct iphdr *)pkt;
	struct tcphdr *th = (struct tcphdr *)(pkt + 20);

	memset(pkt, 0, sizeof(pkt));
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons(sizeof(pkt));
	ip->ttl = 64;
	ip->protocol = proto;
	inet_pton(AF_INET, TUN_PEER, &ip->saddr);
	inet_pton(AF_INET, TUN_LOCAL, &ip->daddr);
	ip->check = ip_csum(ip, 20);
	th->source = htons(s->sport);
	th->dest = htons(s->dport);
	th->seq = htonl(s->seq);
	th->ack_seq = htonl(s->ack);
	th->doff = 5;
	pkt[20 + 13] = s->flags;
	th->window = htons(65535);
	th->check = xtcp_csum(ip->saddr, ip->daddr, proto, th, 20);
	return write(tfd, pkt, sizeof(pkt)) == sizeof(pkt) ? 0 : -1;
}

/* Next segment of @proto sent to 10.0.0.2: 1, or 0 if none is queued. */
static int tun_recv(int tfd, int proto, struct seg *s)
{
	uint8_t pkt[2048];
	struct iphdr *ip = (struct iphdr *)pkt;
	struct tcphdr *th;
	int n;

	while ((n = read(tfd, pkt, sizeof(pkt))) > 0) {
		if (n < 40 || ip->version != 4 || ip->protocol != proto ||
		    n < ip->ihl * 4 + 20)
			continue;
		th = (struct tcphdr *)(pkt + ip->ihl * 4);
		s->sport = ntohs(th->source);
		s->dport = ntohs(th->dest);
		s->seq = ntohl(th->seq);
		s->ack = ntohl(th->ack_seq);
		s->flags = pkt[ip->ihl * 4 + 13] & 0x3f;
		return 1;
	}
	return 0;
}

static int send_syn(int tfd, int proto, int sport)
{
	struct seg s = {
		.sport = sport, .dport = PORT, .flags = F_SYN, .seq = sport * 1000,
	};

	return tun_send(tfd, proto, &s);
}

/* Read SYN-ACKs: count them per peer port @base + i in @synacks[i]. */
static int collect_synacks(int tfd, int proto, int base, int n, int *synacks,
			   uint32_t *isn)
{
	struct seg s;
	int total = 0;

	while (tun_recv(tfd, proto, &s))
		if (s.flags == (F_SYN | F_ACK) && s.dport >= base &&
		    s.dport < base + n) {
			synacks[s.dport - base]++;
			if (isn)
				isn[s.dport - base] = s.seq;
			total++;
		}
	return total;
}

static int nonzero(const int *v, int n)
{
	int i, cnt = 0;

	for (i = 0; i < n; i++)
		cnt += v[i] != 0;
	return cnt;
}

/* --------------------------------------------------------- the fixture */

FIXTURE(queue) {
	int proto;
};

FIXTURE_VARIANT(queue) {
	int proto;
	const char *slab;	/* the socket's slab cache */
};

FIXTURE_VARIANT_ADD(queue, tcp) {
	.proto = IPPROTO_TCP,
	.slab = "TCP",
};

FIXTURE_VARIANT_ADD(queue, xtcp) {
	.proto = IPPROTO_XTCP,
	.slab = "XTCP",
};

FIXTURE_SETUP(queue)
{
	self->proto = variant->proto;
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, lo_up());
	ASSERT_EQ(0, set_knob(self->proto, SYNCOOKIES, 0));
}

FIXTURE_TEARDOWN(queue)
{
}

/* ------------------------------------------------------- accept queue */

/*
 * listen(@backlog), nobody accepts, 2 * backlog + 4 clients connect at
 * once. The accept queue is full when it holds more than @backlog, so
 * backlog + 1 connections complete (one for backlog 0), the SYNs of the
 * others are dropped (ListenOverflows and ListenDrops, once per SYN; not
 * a SYN queue overflow) and those clients stay in SYN_SENT.
 *
 * The counts are taken before the clients' first SYN retransmission (1 s).
 */
static void no_accept(struct __test_metadata *_metadata, int proto, int backlog)
{
	int total = 2 * backlog + 4, done, expect = backlog + 1;
	int c[12], acc[12], ports[12], lfd, i, n;
	struct counters cnt;
	long t0;

	lfd = listener(proto, "127.0.0.1", PORT, backlog);
	ASSERT_LE(0, lfd);
	snap(&cnt, proto);
	t0 = now_ms();
	for (i = 0; i < total; i++) {
		c[i] = start_client(proto, PORT);
		ASSERT_LE(0, c[i]);
	}
	/* Until every client has completed or had its SYN dropped. */
	do {
		done = count_events(c, total, POLLOUT);
		if (done + delta(&cnt, "ListenDrops") >= total)
			break;
		sleep_ms(5);
	} while (now_ms() - t0 < 800);

	EXPECT_EQ(expect, done);
	EXPECT_EQ(total - expect, delta(&cnt, "ListenDrops"));
	EXPECT_EQ(total - expect, delta(&cnt, "ListenOverflows"));
	if (proto == IPPROTO_XTCP)
		EXPECT_EQ(0, delta(&cnt, "SynQueueOverflows"));
	EXPECT_EQ(expect, delta(&cnt, "PassiveOpens"));
	EXPECT_EQ(total, delta(&cnt, "ActiveOpens"));
	EXPECT_EQ(2 * expect, delta(&cnt, "CurrEstab"));
	EXPECT_GT(1000, now_ms() - t0);

	/* The rest are still connecting, without error. */
	for (i = 0; i < total; i++)
		EXPECT_EQ(0, so_error(c[i]));
	n = accept_all(lfd, acc, ports, 12);
	EXPECT_EQ(expect, n);
	close_all(acc, n < 0 ? 0 : n > 12 ? 12 : n);
	close_all(c, total);
	close(lfd);
}

TEST_F(queue, backlog_0_no_accept)
{
	no_accept(_metadata, self->proto, 0);
}

TEST_F(queue, backlog_1_no_accept)
{
	no_accept(_metadata, self->proto, 1);
}

TEST_F(queue, backlog_4_no_accept)
{
	no_accept(_metadata, self->proto, 4);
}

/*
 * Clients whose SYN was dropped for a full accept queue get in with their
 * SYN retransmission once accept() has made room.
 */
TEST_F(queue, dropped_syn_retried_after_accept)
{
	int c[4], s[8], ports[8], lfd, i, n, k;
	long t0;

	ASSERT_EQ(0, set_knob(self->proto, SYNACK_TIMEOUT_MS, 200));
	lfd = listener(self->proto, "127.0.0.1", PORT, 1);
	ASSERT_LE(0, lfd);
	for (i = 0; i < 4; i++) {
		c[i] = start_client(self->proto, PORT);
		ASSERT_LE(0, c[i]);
	}
	n = accept_all(lfd, s, ports, 8);
	ASSERT_EQ(2, n);
	/*
	 * The two others complete with the SYN they retransmit (TCP: 1 s;
	 * xtcp: synack_timeout_ms, 200 here).
	 */
	t0 = now_ms();
	while (n < 4 && now_ms() - t0 < 3000) {
		struct pollfd pfd = { .fd = lfd, .events = POLLIN };

		if (poll(&pfd, 1, 3000) == 1) {
			k = accept_all(lfd, s + n, ports + n, 8 - n);
			ASSERT_LE(0, k);
			n += k;
		}
	}
	ASSERT_EQ(4, n);
	EXPECT_EQ(4, count_events(c, 4, POLLOUT));
	for (i = 0; i < 4; i++)
		EXPECT_EQ(0, so_error(c[i]));
	for (i = 0; i < 4; i++) {
		int lp = local_port(c[i]), j, found = 0;

		for (j = 0; j < 4; j++)
			found += ports[j] == lp;
		EXPECT_EQ(1, found) TH_LOG("client port %d", lp);
		close(c[i]);
	}
	close_all(s, n);
	close(lfd);
}

/*
 * The handshake's last ACK finds the accept queue full. With backlog 4:
 * four clients fill the queue (it holds 4 + 1); then, with 50 ms of delay
 * on loopback, four more connect at once. Their SYNs all enter the SYN
 * queue (it holds backlog + 1 too) before any ACK comes back; the
 * first ACK completes a connection, the queue is full, and the other
 * three overflow (ListenOverflows, ListenDrops), while those clients,
 * having had their SYN-ACK, are established.
 *
 * Returns the listener in @lfd, the clients in @c[8] (the racing four
 * last) and in @cnt the counters from before the race.
 */
static void ack_overflow(struct __test_metadata *_metadata, int proto,
			 int *lfd, int *c, struct counters *cnt)
{
	long t0;
	int i;

	*lfd = listener(proto, "127.0.0.1", PORT, 4);
	ASSERT_LE(0, *lfd);
	for (i = 0; i < 4; i++) {
		c[i] = start_client(proto, PORT);
		ASSERT_LE(0, c[i]);
	}
	t0 = now_ms();
	while (count_events(c, 4, POLLOUT) < 4 && now_ms() - t0 < 1000)
		sleep_ms(5);
	ASSERT_EQ(4, count_events(c, 4, POLLOUT));

	ASSERT_EQ(0, system("tc qdisc add dev lo root netem delay 50ms"));
	snap(cnt, proto);
	for (i = 4; i < 8; i++) {
		c[i] = start_client(proto, PORT);
		ASSERT_LE(0, c[i]);
	}
	t0 = now_ms();
	while (delta(cnt, "ListenOverflows") < 3 && now_ms() - t0 < 2000)
		sleep_ms(5);
	EXPECT_EQ(3, delta(cnt, "ListenOverflows"));
	EXPECT_EQ(3, delta(cnt, "ListenDrops"));
	EXPECT_EQ(0, delta(cnt, "SynAckRetrans"));
}

/*
 * abort_on_overflow 0: the three stay half-open on the listener, which
 * retransmits their SYN-ACK (xtcp: after synack_timeout_ms, 300 here;
 * TCP: 1 s); the clients answer with an ACK, and once accept() has made
 * room the connections complete. Nothing is reset.
 */
TEST_F(queue, ack_overflow_retried_after_accept)
{
	int c[8], s[8], ports[8], lfd, i, j, n, k, found;
	struct counters cnt;
	long t0;

	ASSERT_EQ(0, set_knob(self->proto, SYNACK_TIMEOUT_MS, 300));
	ASSERT_EQ(0, set_knob(self->proto, ABORT_ON_OVERFLOW, 0));
	ack_overflow(_metadata, self->proto, &lfd, c, &cnt);

	/* The clients do not know: they are established. */
	t0 = now_ms();
	while (count_events(c, 8, POLLOUT) < 8 && now_ms() - t0 < 1000)
		sleep_ms(5);
	EXPECT_EQ(8, count_events(c, 8, POLLOUT));
	EXPECT_EQ(0, count_events(c, 8, POLLERR | POLLHUP));
	n = accept_all(lfd, s, ports, 8);
	ASSERT_EQ(5, n);

	t0 = now_ms();
	while (n < 8 && now_ms() - t0 < 3 * rto_ms(self->proto)) {
		struct pollfd pfd = { .fd = lfd, .events = POLLIN };

		if (poll(&pfd, 1, 100) == 1) {
			k = accept_all(lfd, s + n, ports + n, 8 - n);
			ASSERT_LE(0, k);
			n += k;
		}
	}
	ASSERT_EQ(8, n);
	/* Not before the SYN-ACK retransmission. */
	EXPECT_LE(rto_ms(self->proto) * 8 / 10, now_ms() - t0);
	EXPECT_EQ(3, delta(&cnt, "SynAckRetrans"));
	EXPECT_EQ(3, delta(&cnt, "ListenOverflows"));
	EXPECT_EQ(0, delta(&cnt, "OutRsts"));
	for (i = 0; i < 8; i++) {
		EXPECT_EQ(0, so_error(c[i]));
		for (j = 0, found = 0; j < 8; j++)
			found += ports[j] == local_port(c[i]);
		EXPECT_EQ(1, found) TH_LOG("client %d", i);
		close(c[i]);
	}
	close_all(s, n);
	close(lfd);
}

/*
 * abort_on_overflow 1: the listener answers the overflowing ACKs with a
 * RST; those three clients see the connection reset.
 */
TEST_F(queue, ack_overflow_abort_resets)
{
	int c[8], s[8], ports[8], lfd, i, j, n, found, reset = 0;
	struct counters cnt;
	long t0;

	ASSERT_EQ(0, set_knob(self->proto, ABORT_ON_OVERFLOW, 1));
	ack_overflow(_metadata, self->proto, &lfd, c, &cnt);

	t0 = now_ms();
	while (count_events(c + 4, 4, POLLERR) < 3 && now_ms() - t0 < 1000)
		sleep_ms(5);
	EXPECT_EQ(3, count_events(c + 4, 4, POLLERR));
	EXPECT_EQ(3, delta(&cnt, "OutRsts"));
	n = accept_all(lfd, s, ports, 8);
	ASSERT_EQ(5, n);
	for (i = 0; i < 8; i++) {
		int err = so_error(c[i]);

		for (j = 0, found = 0; j < 5; j++)
			found += ports[j] == local_port(c[i]);
		if (err == ECONNRESET) {
			reset++;
			EXPECT_EQ(0, found) TH_LOG("client %d", i);
		} else {
			EXPECT_EQ(0, err) TH_LOG("client %d", i);
			EXPECT_EQ(1, found) TH_LOG("client %d", i);
		}
		close(c[i]);
	}
	EXPECT_EQ(3, reset);
	EXPECT_EQ(3, delta(&cnt, "ListenOverflows"));
	close_all(s, n);
	close(lfd);
}

/* --------------------------------------------------------- SYN queue */

/*
 * SYNs from 10.0.0.2 that nobody will ACK stay half-open. @nsyn arrive at
 * a listener with @backlog; @admitted of them get a SYN-ACK, the rest are
 * dropped: ListenDrops (xtcp: SynQueueOverflows too), no ListenOverflows.
 * Returns the TUN descriptor; ISNs of the SYN-ACKs in @isn.
 */
static int syn_flood(struct __test_metadata *_metadata, int proto, int *lfd,
		     int backlog, int nsyn, int admitted, uint32_t *isn)
{
	int synacks[16] = { 0 }, tfd, i, got = 0;
	struct counters cnt;
	long t0;

	tfd = tun_open();
	if (tfd < 0)
		return -1;
	*lfd = listener(proto, TUN_LOCAL, PORT, backlog);
	if (*lfd < 0)
		return -1;
	snap(&cnt, proto);
	for (i = 0; i < nsyn; i++)
		EXPECT_EQ(0, send_syn(tfd, proto, 1000 + i));
	t0 = now_ms();
	do {
		got += collect_synacks(tfd, proto, 1000, nsyn, synacks, isn);
		if (got + delta(&cnt, "ListenDrops") >= nsyn)
			break;
		sleep_ms(5);
	} while (now_ms() - t0 < 500);

	EXPECT_EQ(admitted, nonzero(synacks, nsyn));
	for (i = 0; i < admitted; i++)	/* the first ones */
		EXPECT_EQ(1, synacks[i]) TH_LOG("SYN-ACKs to port %d", 1000 + i);
	EXPECT_EQ(nsyn - admitted, delta(&cnt, "ListenDrops"));
	EXPECT_EQ(0, delta(&cnt, "ListenOverflows"));
	if (proto == IPPROTO_XTCP)
		EXPECT_EQ(nsyn - admitted, delta(&cnt, "SynQueueOverflows"));
	return tfd;
}

/*
 * max_syn_backlog bounds the SYN queue. TCP (without syncookies) keeps
 * the last quarter of tcp_max_syn_backlog for peers it has talked to
 * before, which for 4 is exactly 4 entries for new peers; xtcp: 4.
 */
TEST_F(queue, syn_queue_max_syn_backlog)
{
	int lfd = -1, tfd;

	ASSERT_EQ(0, set_knob(self->proto, MAX_SYN_BACKLOG, 4));
	tfd = syn_flood(_metadata, self->proto, &lfd, 64, 10, 4, NULL);
	ASSERT_LE(0, tfd);
	ASSERT_LE(0, lfd);
	close(lfd);
	close(tfd);
}

/*
 * The backlog bounds the SYN queue too, as it does the accept queue: full
 * when it holds more than the backlog (2 here: 3 entries). An entry
 * leaves it when its handshake completes, which makes room for a new one.
 */
TEST_F(queue, syn_queue_bounded_by_backlog)
{
	uint32_t isn[8] = { 0 };
	int synacks[8] = { 0 }, lfd = -1, tfd, s, got = 0;
	struct seg ack = { .sport = 1000, .dport = PORT, .flags = F_ACK,
			   .seq = 1000 * 1000 + 1 };
	struct counters cnt;
	long t0;

	tfd = syn_flood(_metadata, self->proto, &lfd, 2, 6, 3, isn);
	ASSERT_LE(0, tfd);
	ASSERT_LE(0, lfd);

	snap(&cnt, self->proto);
	ack.ack = isn[0] + 1;
	ASSERT_EQ(0, tun_send(tfd, self->proto, &ack));
	s = -1;
	t0 = now_ms();
	while (s < 0 && now_ms() - t0 < 500) {
		struct pollfd pfd = { .fd = lfd, .events = POLLIN };

		if (poll(&pfd, 1, 500) == 1)
			s = accept(lfd, NULL, NULL);
	}
	ASSERT_LE(0, s);
	EXPECT_EQ(1000, peer_port(s));
	EXPECT_EQ(1, delta(&cnt, "CurrEstab"));

	/* Room for one more. */
	ASSERT_EQ(0, send_syn(tfd, self->proto, 1006));
	t0 = now_ms();
	while (!got && now_ms() - t0 < 500) {
		got = collect_synacks(tfd, self->proto, 1006, 1, synacks, NULL);
		sleep_ms(5);
	}
	EXPECT_EQ(1, got);
	EXPECT_EQ(0, delta(&cnt, "ListenDrops"));
	close(s);
	close(lfd);
	close(tfd);
}

/*
 * synack_retries 1: a half-open entry's SYN-ACK goes out twice (at 0 and
 * after the timeout), and the entry is dropped at three timeouts; an ACK
 * arriving after that finds no entry and is answered with a RST.
 */
TEST_F(queue, half_open_expires_after_synack_retries)
{
	int synacks[1] = { 0 }, lfd, tfd, got = 0, rst = 0;
	uint32_t isn[1];
	struct seg s, ack = { .sport = 1000, .dport = PORT, .flags = F_ACK,
			      .seq = 1000 * 1000 + 1 };
	struct counters cnt;
	long rto, t0;

	ASSERT_EQ(0, set_knob(self->proto, SYNACK_RETRIES, 1));
	ASSERT_EQ(0, set_knob(self->proto, SYNACK_TIMEOUT_MS, 100));
	rto = rto_ms(self->proto);
	tfd = tun_open();
	ASSERT_LE(0, tfd);
	lfd = listener(self->proto, TUN_LOCAL, PORT, 8);
	ASSERT_LE(0, lfd);
	snap(&cnt, self->proto);
	ASSERT_EQ(0, send_syn(tfd, self->proto, 1000));
	t0 = now_ms();
	/* Nothing to wait on for the expiry but time: 3 timeouts + margin. */
	while (now_ms() - t0 < 3 * rto + 300) {
		got += collect_synacks(tfd, self->proto, 1000, 1, synacks, isn);
		sleep_ms(10);
	}
	got += collect_synacks(tfd, self->proto, 1000, 1, synacks, isn);
	EXPECT_EQ(2, got);
	EXPECT_EQ(1, delta(&cnt, "SynAckRetrans"));

	ack.ack = isn[0] + 1;
	ASSERT_EQ(0, tun_send(tfd, self->proto, &ack));
	t0 = now_ms();
	while (!rst && now_ms() - t0 < 500) {
		while (tun_recv(tfd, self->proto, &s))
			if (s.flags & F_RST && s.dport == 1000)
				rst = s.seq == ack.ack;
		sleep_ms(5);
	}
	EXPECT_TRUE(rst);
	EXPECT_EQ(1, delta(&cnt, "OutRsts"));
	EXPECT_EQ(-1, accept(lfd, NULL, NULL));
	EXPECT_EQ(EAGAIN, errno);
	close(lfd);
	close(tfd);
}

/* -------------------------------------------------------- concurrency */

#define NCLIENTS 1000

/*
 * 1000 clients connect at once (non-blocking, epoll) to one listener with
 * backlog 1024: all are accepted, nothing is dropped. When all are closed,
 * the protocol's socket slab cache is back where it started.
 */
TEST_F_TIMEOUT(queue, thousand_clients, 60)
{
	static int c[NCLIENTS], s[NCLIENTS];
	struct rlimit rl = { .rlim_cur = 4 * NCLIENTS, .rlim_max = 4 * NCLIENTS };
	struct epoll_event ev[64];
	int lfd, ep, i, n, k, connected = 0, accepted = 0, errors = 0;
	long slab0, t0, est0, progress;
	struct counters cnt;

	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	ASSERT_EQ(0, write_file("/proc/sys/net/core/somaxconn", "2048\n"));
	slab0 = slab_active(variant->slab);
	est0 = mib(self->proto, "CurrEstab");
	lfd = listener(self->proto, "127.0.0.1", PORT, 1024);
	ASSERT_LE(0, lfd);
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ev[0].events = EPOLLIN;
	ev[0].data.u32 = 0;
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev[0]));
	snap(&cnt, self->proto);

	t0 = now_ms();
	for (i = 0; i < NCLIENTS; i++) {
		c[i] = start_client(self->proto, PORT);
		ASSERT_LE(0, c[i]) TH_LOG("client %d", i);
		ev[0].events = EPOLLOUT;
		ev[0].data.u32 = i + 1;
		ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, c[i], &ev[0]));
	}
	/* Until all are done, or nothing happened for 5 s. */
	progress = now_ms();
	while ((connected + errors < NCLIENTS || accepted < NCLIENTS) &&
	       now_ms() - progress < 5000) {
		n = epoll_wait(ep, ev, 64, 1000);
		ASSERT_LE(0, n);
		if (n)
			progress = now_ms();
		for (k = 0; k < n; k++) {
			i = ev[k].data.u32;
			if (!i) {
				int fd;

				while ((fd = accept(lfd, NULL, NULL)) >= 0) {
					ASSERT_GT(NCLIENTS, accepted);
					s[accepted++] = fd;
				}
				ASSERT_EQ(EAGAIN, errno);
				continue;
			}
			if (so_error(c[i - 1]))
				errors++;
			else
				connected++;
			ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_DEL, c[i - 1], NULL));
		}
	}
	ksft_print_msg("%d connections in %ld ms\n", accepted, now_ms() - t0);
	EXPECT_EQ(NCLIENTS, connected);
	EXPECT_EQ(0, errors);
	EXPECT_EQ(NCLIENTS, accepted);
	EXPECT_EQ(NCLIENTS, delta(&cnt, "ActiveOpens"));
	EXPECT_EQ(NCLIENTS, delta(&cnt, "PassiveOpens"));
	EXPECT_EQ(2 * NCLIENTS, delta(&cnt, "CurrEstab"));
	EXPECT_EQ(0, delta(&cnt, "ListenOverflows"));
	EXPECT_EQ(0, delta(&cnt, "ListenDrops"));
	EXPECT_LE(slab0 + 2 * NCLIENTS + 1, slab_active(variant->slab));

	for (i = 0; i < NCLIENTS; i++)
		close(c[i]);
	for (i = 0; i < accepted; i++)
		close(s[i]);
	close(lfd);
	close(ep);
	/* Freed (bounded wait): no socket of the protocol left behind. */
	t0 = now_ms();
	while ((slab_active(variant->slab) > slab0 ||
		mib(self->proto, "CurrEstab") != est0) && now_ms() - t0 < 5000)
		sleep_ms(20);
	EXPECT_GE(slab0, slab_active(variant->slab));
	EXPECT_EQ(est0, mib(self->proto, "CurrEstab"));
}

XTCP_TEST_MAIN
