// SPDX-License-Identifier: GPL-2.0
/*
 * A system-call fuzzer for xtcp sockets, in the spirit of syzkaller's
 * descriptions: several threads run random sequences of the socket calls
 * on a shared table of xtcp sockets, in every state those calls lead to.
 *
 *   socket, bind, listen, connect (blocking and not, AF_UNSPEC too),
 *   accept4, send/sendto/sendmsg (sizes 0 to 1 MiB around every power of
 *   two, 1 to 8 iovecs, every MSG_ flag), recv/recvmsg (likewise), shutdown
 *   (any "how"), close, poll, epoll, ioctl, and setsockopt/getsockopt over
 *   SOL_SOCKET, SOL_IP and SOL_XTCP option numbers with boundary and random
 *   values and odd lengths
 *
 * Addresses and ports come from small sets, so listeners, connections and
 * their races meet all the time: loopback, and a veth to a second
 * namespace with netem loss and delay, where two of the threads live.
 * Blocking calls end within 100 ms (SO_RCVTIMEO/SO_SNDTIMEO, which the
 * fuzzer never lets grow, nor SO_LINGER past 1 s).
 *
 * Seeded: the seed is printed first; SEED=N replays each thread's sequence
 * of calls (how threads interleave is up to the scheduler). Length:
 * XTCP_FUZZ_SECONDS (default 60). Pass: no kernel report meanwhile or
 * after; once every socket is closed (timeouts shrunk by sysctl), both
 * namespaces' socket tables empty out, and xtcp's slab objects and the
 * module's references are no more than before (earlier programs'
 * connections may still be finishing).
 * It finds the send() panic of issue 12 on the module before its fix
 * (SO_SNDBUF set mid-range, then a large send()).
 */
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/sockios.h>
#include <netinet/in.h>

#include "kselftest_harness.h"
#include "xtcp_main.h"
#include "xtcp_proto.h"
#include "xtcp_kmsg.h"

#define NSLOT		24	/* the shared table of sockets */
#define NTHREAD_A	4	/* threads in the first namespace */
#define NTHREAD_B	2	/* in the second, across the veth */
#define PORT0		7000	/* ports PORT0 .. PORT0 + NPORT - 1 */
#define NPORT		6
#define MAXBUF		(1 << 20)
#define ADDR_A		"10.9.0.1"
#define ADDR_B		"10.9.0.2"

static _Atomic int slot[NSLOT];
static atomic_bool stop;
static atomic_long calls, accepted, sent, received;
static unsigned long long seed;

/* splitmix64: one generator per thread, from the seed and its index */
static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned int pick(uint64_t *s, unsigned int n)
{
	return rnd(s) % n;
}

/* A size around a power of two, an MSS multiple, or small. */
static size_t fuzz_size(uint64_t *s)
{
	static const size_t mss[] = { 536, 1460, 8948, 65483 };
	size_t n;

	switch (pick(s, 4)) {
	case 0:
		return pick(s, 64);
	case 1:
		n = (size_t)1 << pick(s, 21);
		return n + pick(s, 3) - 1;
	case 2:
		n = mss[pick(s, 4)] * (1 + pick(s, 16));
		return (n > MAXBUF ? MAXBUF : n) + pick(s, 3) - 1;
	default:
		return pick(s, MAXBUF + 1);
	}
}

static int fuzz_int(uint64_t *s)
{
	static const int v[] = {
		0, 1, -1, 2, 3, 4, 7, 8, 16, 48, 64, 88, 255, 256, 536, 1024, 1460,
		4096, 10000, 65535, 65536, 1 << 20, 0x7fffffff, (int)0x80000000,
	};

	return pick(s, 4) ? v[pick(s, sizeof(v) / sizeof(v[0]))] : (int)rnd(s);
}

static struct sockaddr_in fuzz_addr(uint64_t *s, bool in_b)
{
	static const char * const ip[] = { "127.0.0.1", "0.0.0.0", ADDR_A, ADDR_B,
					   "10.9.0.3" };
	struct sockaddr_in sin = addr4(ip[pick(s, 5)], PORT0 + pick(s, NPORT));

	if (!pick(s, 8))
		sin.sin_port = 0;
	if (!pick(s, 4))	/* where the other namespace is, mostly */
		inet_pton(AF_INET, in_b ? ADDR_A : ADDR_B, &sin.sin_addr);
	return sin;
}

/* Blocking calls on @fd end within 100 ms. */
static void short_timeouts(int fd)
{
	struct timeval tv = { .tv_usec = 100000 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Put @fd in slot @i, closing what was there. */
static void slot_put(unsigned int i, int fd)
{
	int old = atomic_exchange(&slot[i], fd);

	if (old >= 0)
		close(old);
}

static int new_socket(uint64_t *s)
{
	int type = SOCK_STREAM | SOCK_CLOEXEC | (pick(s, 3) ? 0 : SOCK_NONBLOCK);
	int fd = socket(AF_INET, type, IPPROTO_XTCP);

	if (fd >= 0)
		short_timeouts(fd);
	return fd;
}

/* Steps that lead somewhere, in one go: a listener on one of the ports. */
static void new_listener(uint64_t *s, bool in_b)
{
	struct sockaddr_in sin = addr4(pick(s, 2) ? "0.0.0.0" : in_b ? ADDR_B : "127.0.0.1",
				       PORT0 + pick(s, NPORT));
	int fd = new_socket(s), one = 1;

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) || listen(fd, pick(s, 64))) {
		close(fd);
		return;
	}
	slot_put(pick(s, NSLOT), fd);
}

/*
 * A client, its buffers set to random sizes half of the time, connected
 * (or connecting) to one of the ports, here or in the other namespace.
 */
static void new_client(uint64_t *s, bool in_b)
{
	struct sockaddr_in sin = addr4(pick(s, 2) ? "127.0.0.1" : in_b ? ADDR_A : ADDR_B,
				       PORT0 + pick(s, NPORT));
	int fd = new_socket(s), v;

	if (fd < 0)
		return;
	if (pick(s, 2)) {
		v = pick(s, 300000);
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
		v = pick(s, 300000);
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	}
	connect(fd, (struct sockaddr *)&sin, sizeof(sin));
	slot_put(pick(s, NSLOT), fd);
}

static const int msg_flags[] = {
	MSG_DONTWAIT, MSG_MORE, MSG_OOB, MSG_EOR, MSG_CONFIRM, MSG_PEEK,
	MSG_WAITALL, MSG_TRUNC, MSG_ERRQUEUE, MSG_DONTROUTE, MSG_FASTOPEN,
	MSG_ZEROCOPY, MSG_CMSG_CLOEXEC, MSG_BATCH,
};

static int fuzz_flags(uint64_t *s)
{
	int f = MSG_NOSIGNAL, n = pick(s, 4);

	while (n--)
		f |= msg_flags[pick(s, sizeof(msg_flags) / sizeof(msg_flags[0]))];
	return f;
}

static void do_sendmsg(uint64_t *s, int fd, char *buf, bool in_b)
{
	struct iovec iov[8];
	struct sockaddr_in to = fuzz_addr(s, in_b);
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 1 + pick(s, 8) };
	size_t i, total = fuzz_size(s), off = 0;

	for (i = 0; i < m.msg_iovlen; i++) {
		size_t n = i + 1 == m.msg_iovlen ? total - off : pick(s, total - off + 1);

		iov[i].iov_base = buf + off;
		iov[i].iov_len = n;
		off += n;
	}
	if (!pick(s, 4)) {
		m.msg_name = &to;
		m.msg_namelen = sizeof(to);
	}
	sendmsg(fd, &m, fuzz_flags(s));
}

/* The options that change what the stack does with data, more often. */
static const int hot_opts[] = {
	SO_SNDBUF, SO_RCVBUF, SO_SNDBUFFORCE, SO_RCVBUFFORCE, SO_RCVLOWAT,
	SO_SNDLOWAT, SO_LINGER, SO_KEEPALIVE, SO_OOBINLINE, SO_PEEK_OFF,
	SO_REUSEADDR, SO_ZEROCOPY, SO_PRIORITY, SO_MARK, SO_MAX_PACING_RATE,
};

static void do_sockopt(uint64_t *s, int fd, bool set)
{
	static const int levels[] = { SOL_SOCKET, SOL_IP, SOL_XTCP, SOL_XTCP, 6, 0x1ff };
	static const socklen_t lens[] = { 0, 1, 2, 3, 4, 4, 4, 7, 8, 16, 64, 256 };
	int level = levels[pick(s, sizeof(levels) / sizeof(levels[0]))];
	int name = pick(s, 8) ? (int)pick(s, 80) : fuzz_int(s);
	socklen_t len = lens[pick(s, sizeof(lens) / sizeof(lens[0]))];
	union {
		int i[64];
		struct linger l;
	} v;
	unsigned int k;

	for (k = 0; k < 64; k++)
		v.i[k] = fuzz_int(s);
	if (!pick(s, 3)) {	/* a buffer or data option, a plausible value */
		level = SOL_SOCKET;
		name = hot_opts[pick(s, sizeof(hot_opts) / sizeof(hot_opts[0]))];
		len = sizeof(int);
		if (pick(s, 2))
			v.i[0] = pick(s, 300000);
	}
	if (!set) {
		if (!pick(s, 8))
			len = (socklen_t)fuzz_int(s);
		getsockopt(fd, level, name, &v, &len);
		return;
	}
	if (level == SOL_SOCKET) {
		/* nothing may block longer than the 100 ms of short_timeouts() */
		if (name == SO_RCVTIMEO_OLD || name == SO_SNDTIMEO_OLD ||
		    name == SO_RCVTIMEO_NEW || name == SO_SNDTIMEO_NEW)
			return;
		if (name == SO_LINGER && v.l.l_linger > 1)
			v.l.l_linger = 1;
	}
	setsockopt(fd, level, name, &v, len);
}

static void do_ioctl(uint64_t *s, int fd)
{
	static const unsigned long cmds[] = {
		FIONREAD, SIOCINQ, SIOCOUTQ, SIOCOUTQNSD, FIONBIO, SIOCATMARK,
		0x8906 /* SIOCGSTAMP */, SIOCGIFADDR, FIOASYNC, 0x8900, 0x89e0,
	};
	int v = fuzz_int(s);

	ioctl(fd, cmds[pick(s, sizeof(cmds) / sizeof(cmds[0]))], &v);
}

static void do_poll(uint64_t *s, int ep)
{
	struct pollfd p[4];
	struct epoll_event ev = { .events = (uint32_t)rnd(s) };
	unsigned int i, n = 1 + pick(s, 4);

	if (pick(s, 2)) {
		for (i = 0; i < n; i++) {
			p[i].fd = atomic_load(&slot[pick(s, NSLOT)]);
			p[i].events = (short)rnd(s);
		}
		poll(p, n, pick(s, 10));
		return;
	}
	epoll_ctl(ep, 1 + pick(s, 3), atomic_load(&slot[pick(s, NSLOT)]), &ev);
	epoll_wait(ep, &ev, 1, 0);
}

struct worker {
	pthread_t t;
	int index;
	int netns;		/* -1, or the namespace to enter first */
};

static void *worker(void *arg)
{
	struct worker *w = arg;
	uint64_t s = seed * 1000 + w->index;
	char *buf = malloc(MAXBUF + 64);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	bool in_b = w->netns >= 0;

	if (!buf || (in_b && setns(w->netns, CLONE_NEWNET)))
		return (void *)1;
	memset(buf, 'x', MAXBUF + 64);
	while (!atomic_load(&stop)) {
		int fd = atomic_load(&slot[pick(&s, NSLOT)]);
		struct sockaddr_in sin = fuzz_addr(&s, in_b);
		socklen_t alen = pick(&s, 8) ? sizeof(sin) : pick(&s, 20);
		ssize_t n;

		atomic_fetch_add(&calls, 1);
		switch (pick(&s, 24)) {
		case 0:
			fd = new_socket(&s);
			if (fd >= 0)
				slot_put(pick(&s, NSLOT), fd);
			break;
		case 1:
			new_listener(&s, in_b);
			break;
		case 20:
		case 21:
			new_client(&s, in_b);
			break;
		case 22:
		case 23:
			fd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
			if (fd >= 0) {
				atomic_fetch_add(&accepted, 1);
				short_timeouts(fd);
				slot_put(pick(&s, NSLOT), fd);
			}
			break;
		case 2:
			bind(fd, (struct sockaddr *)&sin, alen);
			break;
		case 3:
			listen(fd, fuzz_int(&s) % 200);
			break;
		case 4:
			if (!pick(&s, 10))
				sin.sin_family = AF_UNSPEC;
			connect(fd, (struct sockaddr *)&sin, alen);
			break;
		case 5:
			fd = accept4(fd, NULL, NULL, SOCK_CLOEXEC |
				     (pick(&s, 2) ? SOCK_NONBLOCK : 0));
			if (fd >= 0) {
				atomic_fetch_add(&accepted, 1);
				short_timeouts(fd);
				slot_put(pick(&s, NSLOT), fd);
			}
			break;
		case 6:
		case 7:
			n = send(fd, buf, fuzz_size(&s), fuzz_flags(&s));
			if (n > 0)
				atomic_fetch_add(&sent, n);
			break;
		case 8:
			sendto(fd, buf, fuzz_size(&s), fuzz_flags(&s),
			       (struct sockaddr *)&sin, alen);
			break;
		case 9:
			do_sendmsg(&s, fd, buf, in_b);
			break;
		case 10:
		case 11:
			n = recv(fd, buf, fuzz_size(&s), fuzz_flags(&s));
			if (n > 0)
				atomic_fetch_add(&received, n);
			break;
		case 12:
			shutdown(fd, (int)pick(&s, 5) - 1);
			break;
		case 13:
			slot_put(pick(&s, NSLOT), -1);
			break;
		case 14:
			do_poll(&s, ep);
			break;
		case 15:
			do_ioctl(&s, fd);
			break;
		case 16:
		case 17:
			do_sockopt(&s, fd, true);
			break;
		case 18:
		case 19:
			do_sockopt(&s, fd, false);
			break;
		}
	}
	close(ep);
	free(buf);
	return NULL;
}

/*
 * A socket that keeps receive timestamps wanted for the whole storm. The
 * first socket to want them switches a static key on (net_enable_timestamp())
 * and the last to stop switches it off, patching the kernel's receive path
 * each time; the threads' SO_TIMESTAMP* calls would do that thousands of
 * times, with the other vCPU receiving. Under TCG a vCPU can then run the
 * int3 of a patch already finished: "Oops: int3" in
 * __netif_receive_skb_core() ended a 6.12 guest this way. Held, the key
 * stays on, and the threads' calls only move its count.
 */
static int pin_timestamp_key(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), one = 1;

	if (fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_TIMESTAMP, &one, sizeof(one))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Shrink the timeouts that keep closed connections around, in this netns. */
static int quick_teardown(void)
{
	return write_file("/proc/sys/net/xtcp/fin_timeout", "1") ||
	       write_file("/proc/sys/net/xtcp/msl_ms", "100") ||
	       write_file("/proc/sys/net/xtcp/retries2", "3") ||
	       write_file("/proc/sys/net/xtcp/rto_max_ms", "500") ||
	       write_file("/proc/sys/net/xtcp/syn_retries", "2") ||
	       write_file("/proc/sys/net/xtcp/synack_retries", "1");
}

/* Rows of this namespace's /proc/net/xtcp/sockets (TIME_WAIT included). */
static int table_rows(void)
{
	char line[512];
	int n = -1;	/* the header */
	FILE *f = fopen("/proc/self/net/xtcp/sockets", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n;
}

/* Print this namespace's /proc/net/xtcp/sockets (what did not go away). */
static void table_dump(void)
{
	char line[512];
	FILE *f = fopen("/proc/self/net/xtcp/sockets", "re");

	while (f && fgets(line, sizeof(line), f))
		ksft_print_msg("%s", line);
	if (f)
		fclose(f);
}

/* Wait up to @ms for this namespace's socket table to empty: rows left. */
static int table_rows_within(long ms)
{
	long end = now_ms() + ms;
	int n;

	while ((n = table_rows()) > 0 && now_ms() < end)
		usleep(100000);
	if (n)
		table_dump();
	return n;
}

static long xtcp_objects(void)
{
	return slab_active("XTCP") + slab_active("xtcp_req") + slab_active("xtcp_tw");
}

FIXTURE(fuzz) {
	int unused;
};

FIXTURE_SETUP(fuzz)
{
}

FIXTURE_TEARDOWN(fuzz)
{
}

TEST_F_TIMEOUT(fuzz, storm, 900)
{
	long secs = getenv("XTCP_FUZZ_SECONDS") ? atol(getenv("XTCP_FUZZ_SECONDS")) : 60;
	long ref0, obj0, t0, i;
	struct worker w[NTHREAD_A + NTHREAD_B];
	int kmsg, go[2], ready[2], nsa, nsb, status, pin;
	char c, path[64];
	pid_t b;

	seed = getenv("SEED") ? strtoull(getenv("SEED"), NULL, 0) :
				(unsigned long long)time(NULL);
	ksft_print_msg("seed %llu (SEED=%llu replays each thread's calls)\n", seed, seed);
	for (i = 0; i < NSLOT; i++)
		atomic_store(&slot[i], -1);
	close(socket(AF_INET, SOCK_STREAM, IPPROTO_XTCP));	/* loads xtcp */
	pin = pin_timestamp_key();
	ASSERT_LE(0, pin);
	ref0 = read_long("/sys/module/xtcp/refcnt");
	obj0 = xtcp_objects();
	kmsg = kmsg_open_end();
	ASSERT_LE(0, kmsg);

	/* namespace B: a child holds it; A is ours; a lossy veth between */
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, lo_up());
	ASSERT_EQ(0, quick_teardown());
	nsa = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, nsa);
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(ready));
	b = fork();
	ASSERT_LE(0, b);
	if (!b) {
		close(go[1]);
		close(ready[0]);
		if (unshare(CLONE_NEWNET) || lo_up() || quick_teardown())
			_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(2);
		/* until the storm is over */
		_exit(read(go[0], &c, 1) < 0);
	}
	close(go[0]);
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1)) TH_LOG("the child could not make namespace B");
	close(ready[0]);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", b);
	nsb = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, nsb);
	ASSERT_EQ(0, sh("ip link add xf0 type veth peer name xf1 netns %d", b));
	ASSERT_EQ(0, sh("ip addr add " ADDR_A "/24 dev xf0 && ip link set xf0 up && "
			"tc qdisc add dev xf0 root netem loss 10%% delay 1ms"));
	ASSERT_EQ(0, setns(nsb, CLONE_NEWNET));
	EXPECT_EQ(0, sh("ip addr add " ADDR_B "/24 dev xf1 && ip link set xf1 up && "
			"tc qdisc add dev xf1 root netem loss 10%%"));
	ASSERT_EQ(0, setns(nsa, CLONE_NEWNET));

	t0 = now_ms();
	for (i = 0; i < NTHREAD_A + NTHREAD_B; i++) {
		w[i].index = i;
		w[i].netns = i < NTHREAD_A ? -1 : nsb;
		ASSERT_EQ(0, pthread_create(&w[i].t, NULL, worker, &w[i]));
	}
	while (now_ms() - t0 < secs * 1000 && !kmsg_problems_print(kmsg, ksft_print_msg))
		usleep(200000);
	atomic_store(&stop, true);
	for (i = 0; i < NTHREAD_A + NTHREAD_B; i++) {
		void *ret;

		pthread_join(w[i].t, &ret);
		EXPECT_EQ(NULL, ret) TH_LOG("thread %ld could not start", i);
	}
	for (i = 0; i < NSLOT; i++)
		slot_put(i, -1);
	ksft_print_msg("%ld calls in %ld ms by %d threads: %.0f calls/s; %ld connections accepted, %ld bytes sent, %ld received\n",
		       atomic_load(&calls), now_ms() - t0, NTHREAD_A + NTHREAD_B,
		       atomic_load(&calls) * 1000.0 / (now_ms() - t0 + 1),
		       atomic_load(&accepted), atomic_load(&sent), atomic_load(&received));

	/*
	 * Everything closed: each namespace's tables empty out (orphans and
	 * TIME_WAIT entries finish quickly with the shrunk timeouts), then B
	 * goes. Earlier programs' connections may still be finishing too, so
	 * the module-wide counts must not have grown, rather than be equal.
	 */
	EXPECT_EQ(0, table_rows_within(60000)) TH_LOG("namespace A's sockets remain");
	ASSERT_EQ(0, setns(nsb, CLONE_NEWNET));
	EXPECT_EQ(0, table_rows_within(60000)) TH_LOG("namespace B's sockets remain");
	ASSERT_EQ(0, setns(nsa, CLONE_NEWNET));
	close(nsb);
	close(nsa);
	close(go[1]);
	ASSERT_EQ(b, waitpid(b, &status, 0));
	EXPECT_EQ(0, status);
	for (i = 0; i < 100; i++) {	/* 10 s, for namespace B's exit */
		if (read_long("/sys/module/xtcp/refcnt") <= ref0 && xtcp_objects() <= obj0)
			break;
		usleep(100000);
	}
	EXPECT_GE(ref0, read_long("/sys/module/xtcp/refcnt"));
	EXPECT_GE(obj0, xtcp_objects())
		TH_LOG("XTCP %ld, xtcp_req %ld, xtcp_tw %ld", slab_active("XTCP"),
		       slab_active("xtcp_req"), slab_active("xtcp_tw"));
	EXPECT_EQ(0, kmsg_problems_print(kmsg, ksft_print_msg));
	close(kmsg);
	close(pin);
}

XTCP_TEST_MAIN
