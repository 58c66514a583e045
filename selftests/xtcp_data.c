// SPDX-License-Identifier: GPL-2.0
/*
 * The byte stream on loopback, on TCP and on xtcp with the same assertions:
 * data arrives intact in both directions at once, for sizes around the
 * segment size; recv() and send() flags, readiness and queue ioctls
 * behave as TCP's; errors after a reset.
 */
#include <poll.h>
#include <stdarg.h>
#include <pthread.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/sockios.h>

#include "kselftest_harness.h"
#include "xtcp_main.h"
#include "xtcp_proto.h"

#define PORT 5000

FIXTURE(data) {
	int lfd, c, s;	/* listener, client end, server end */
};

FIXTURE_VARIANT(data) {
	int proto;
};

FIXTURE_VARIANT_ADD(data, tcp) {
	.proto = IPPROTO_TCP,
};

FIXTURE_VARIANT_ADD(data, xtcp) {
	.proto = IPPROTO_XTCP,
};

static void timeouts(int fd, int sec)
{
	struct timeval tv = { .tv_sec = sec };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* A connected pair on 127.0.0.1, both ends with 10 s timeouts. */
FIXTURE_SETUP(data)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(PORT),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};

	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, lo_up());
	self->lfd = socket(AF_INET, SOCK_STREAM, variant->proto);
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, bind(self->lfd, (struct sockaddr *)&sin, sizeof(sin)));
	ASSERT_EQ(0, listen(self->lfd, 8));
	self->c = socket(AF_INET, SOCK_STREAM, variant->proto);
	ASSERT_LE(0, self->c);
	ASSERT_EQ(0, connect(self->c, (struct sockaddr *)&sin, sizeof(sin)));
	self->s = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, self->s);
	timeouts(self->c, 10);
	timeouts(self->s, 10);
}

FIXTURE_TEARDOWN(data)
{
	close(self->s);
	close(self->c);
	close(self->lfd);
}

/* Byte i of a test stream: not periodic at any segment size. */
static unsigned char pattern(size_t i, unsigned int seed)
{
	return (unsigned char)((i * 2654435761u) >> 13) ^ (unsigned char)(i >> 11) ^
	       (unsigned char)seed;
}

struct xfer {
	int fd;
	size_t len;
	unsigned int seed;
	ssize_t done;		/* bytes sent, or -errno */
};

static void *send_all(void *arg)
{
	struct xfer *x = arg;
	static __thread unsigned char buf[100003];
	size_t off = 0, i;

	while (off < x->len) {
		size_t n = x->len - off < sizeof(buf) ? x->len - off : sizeof(buf);
		ssize_t w;

		for (i = 0; i < n; i++)
			buf[i] = pattern(off + i, x->seed);
		w = send(x->fd, buf, n, MSG_NOSIGNAL);
		if (w < 0) {
			x->done = -errno;
			return NULL;
		}
		off += w;
	}
	x->done = off;
	return NULL;
}

/* Receive @len bytes and check each; returns the count of good bytes. */
static ssize_t recv_check(int fd, size_t len, unsigned int seed)
{
	static __thread unsigned char buf[77777];
	size_t off = 0, i;

	while (off < len) {
		ssize_t r = recv(fd, buf, sizeof(buf), 0);

		if (r <= 0)
			return r < 0 ? -errno : (ssize_t)off;
		for (i = 0; i < (size_t)r; i++)
			if (buf[i] != pattern(off + i, seed))
				return -EILSEQ;
		off += r;
	}
	return off;
}

struct rx {
	int fd;
	size_t len;
	unsigned int seed;
	ssize_t got;
};

static void *recv_thread(void *arg)
{
	struct rx *r = arg;

	r->got = recv_check(r->fd, r->len, r->seed);
	return NULL;
}

/* @len bytes each way at once, checked byte by byte. */
static void both_ways(struct __test_metadata *_metadata, int a, int b,
		      size_t len)
{
	struct xfer xa = { .fd = a, .len = len, .seed = 1 };
	struct xfer xb = { .fd = b, .len = len, .seed = 2 };
	struct rx ra = { .fd = a, .len = len, .seed = 2 };
	pthread_t t[3];
	ssize_t got_b;

	ASSERT_EQ(0, pthread_create(&t[0], NULL, send_all, &xa));
	ASSERT_EQ(0, pthread_create(&t[1], NULL, send_all, &xb));
	ASSERT_EQ(0, pthread_create(&t[2], NULL, recv_thread, &ra));
	got_b = recv_check(b, len, 1);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	pthread_join(t[2], NULL);
	EXPECT_EQ((ssize_t)len, xa.done);
	EXPECT_EQ((ssize_t)len, xb.done);
	EXPECT_EQ((ssize_t)len, got_b);
	EXPECT_EQ((ssize_t)len, ra.got);
}

TEST_F(data, eight_mib_both_ways)
{
	both_ways(_metadata, self->c, self->s, 8 << 20);
}

/* Sizes around the segment sizes (xtcp: 65483 MSS, 16 KiB buffers). */
TEST_F(data, odd_sizes_both_ways)
{
	static const size_t sizes[] = {
		1, 2, 535, 536, 537, 1459, 1460, 1461, 15999, 16000, 16001,
		65482, 65483, 65484, 65535, 65536, 65537, 100000, 1000003,
	};
	unsigned int i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		both_ways(_metadata, self->c, self->s, sizes[i]);
		if (_metadata->passed == 0)
			TH_LOG("size %zu", sizes[i]);
	}
}

/*
 * The first bytes of a new connection fit the window its handshake
 * advertised: nothing is sent twice (an xtcp child once started from a
 * zero window, and its first data waited for the 1 s RTO). Only this first
 * exchange is checked: under TCG a stalled guest can make any later timer
 * fire spuriously, TCP's tail-loss probe included.
 */
TEST_F(data, first_exchange_needs_no_retransmission)
{
	long retrans = mib(variant->proto, "RetransSegs");
	char b = 'x';

	ASSERT_EQ(1, send(self->c, &b, 1, 0));
	ASSERT_EQ(1, recv(self->s, &b, 1, 0));
	ASSERT_EQ(1, send(self->s, &b, 1, 0));
	ASSERT_EQ(1, recv(self->c, &b, 1, 0));
	EXPECT_EQ(retrans, mib(variant->proto, "RetransSegs"));
}

/* Wait until @fd has @n bytes to read (poll, then SIOCINQ). */
static int wait_inq(int fd, int n)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int have = -1, tries;

	for (tries = 0; tries < 100; tries++) {
		if (poll(&pfd, 1, 100) < 0 || ioctl(fd, SIOCINQ, &have))
			return -1;
		if (have >= n)
			break;
	}
	return have;
}

TEST_F(data, peek_then_read)
{
	char buf[16] = { 0 };

	ASSERT_EQ(10, send(self->c, "0123456789", 10, 0));
	ASSERT_EQ(10, wait_inq(self->s, 10));
	EXPECT_EQ(4, recv(self->s, buf, 4, MSG_PEEK));
	EXPECT_EQ(0, memcmp(buf, "0123", 4));
	EXPECT_EQ(10, recv(self->s, buf, sizeof(buf), MSG_PEEK));
	EXPECT_EQ(6, recv(self->s, buf, 6, 0));
	EXPECT_EQ(0, memcmp(buf, "012345", 6));
	EXPECT_EQ(4, wait_inq(self->s, 4));
	EXPECT_EQ(4, recv(self->s, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "6789", 4));
	EXPECT_EQ(-1, recv(self->s, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
}

TEST_F(data, waitall_collects_segments)
{
	static char in[200000];
	struct xfer x = { .fd = self->c, .len = sizeof(in), .seed = 7 };
	pthread_t t;
	size_t i;

	int rcvbuf = 32768;

	/* more than the receive buffer: the window must reopen mid-call */
	ASSERT_EQ(0, setsockopt(self->s, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				sizeof(rcvbuf)));
	ASSERT_EQ(0, pthread_create(&t, NULL, send_all, &x));
	EXPECT_EQ((ssize_t)sizeof(in), recv(self->s, in, sizeof(in), MSG_WAITALL));
	pthread_join(t, NULL);
	for (i = 0; i < sizeof(in); i++)
		if ((unsigned char)in[i] != pattern(i, 7))
			break;
	EXPECT_EQ(sizeof(in), i);
}

TEST_F(data, poll_readable_after_data)
{
	struct pollfd pfd = { .fd = self->s, .events = POLLIN | POLLOUT };
	char b;

	ASSERT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLOUT, pfd.revents);
	ASSERT_EQ(1, send(self->c, "x", 1, 0));
	ASSERT_EQ(1, wait_inq(self->s, 1));
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLIN | POLLOUT, pfd.revents);
	EXPECT_EQ(1, recv(self->s, &b, 1, 0));
}

/* A peer that does not read: the sender fills up and gets EAGAIN. */
TEST_F(data, nonblocking_send_fills_up)
{
	static char buf[65536];
	int sndbuf = 65536, total = 0, n, outq = -1;

	ASSERT_EQ(0, setsockopt(self->c, SOL_SOCKET, SO_SNDBUF, &sndbuf,
				sizeof(sndbuf)));
	while ((n = send(self->c, buf, sizeof(buf), MSG_DONTWAIT)) > 0 &&
	       total < (64 << 20))
		total += n;
	EXPECT_EQ(-1, n);
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_LT(0, total);
	EXPECT_GT(64 << 20, total);
	EXPECT_EQ(0, ioctl(self->c, SIOCOUTQ, &outq));
	EXPECT_LT(0, outq);
}

/* After the peer resets: ECONNRESET once, then EPIPE (no SIGPIPE). */
TEST_F(data, send_after_reset)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct pollfd pfd = { .fd = self->c, .events = POLLIN };
	char b = 'x';

	ASSERT_EQ(0, setsockopt(self->s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	close(self->s);
	self->s = -1;
	ASSERT_EQ(1, poll(&pfd, 1, 2000));
	EXPECT_EQ(-1, send(self->c, &b, 1, MSG_NOSIGNAL));
	EXPECT_EQ(ECONNRESET, errno);
	EXPECT_EQ(-1, send(self->c, &b, 1, MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);
}

/*
 * Over a lossy path: a veth pair between this namespace (10.1.0.1) and a
 * child's (10.1.0.2), both directions through netem with loss 5%, delay
 * 5 ms, reordering 25%, duplication 2% and corruption 1%. 1 MiB each way
 * arrives intact; corrupted segments are caught by the checksum, lost ones
 * retransmitted (xtcp: RetransSegs and InCsumErrors move).
 */
/* (a printf format: %% is one %) */
#define NETEM "netem loss 5%% delay 5ms reorder 25%% duplicate 2%% corrupt 1%%"

static int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/*
 * Wait (up to 60 s) until everything sent on @fd is acknowledged, so that
 * close() cannot lose it whatever close does (xtcp's close still aborts
 * with RST until the teardown issue). 0 when drained.
 */
static int drain_outq(int fd)
{
	int i, outq = -1;

	for (i = 0; i < 6000; i++) {
		if (ioctl(fd, SIOCOUTQ, &outq) || !outq)
			break;
		usleep(10000);
	}
	return outq;
}

/* The child's side: listen on 10.1.0.2, then the same transfer. */
static int lossy_server(int proto, int go_fd, size_t len)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(PORT),
		.sin_addr.s_addr = htonl(0x0a010002),
	};
	struct xfer x;
	pthread_t t;
	int lfd, fd;
	char c;

	if (read(go_fd, &c, 1) != 1 || lo_up() ||
	    sh("ip addr add 10.1.0.2/24 dev vb && ip link set vb up && "
	       "tc qdisc add dev vb root " NETEM))
		return 1;
	lfd = socket(AF_INET, SOCK_STREAM, proto);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    listen(lfd, 1))
		return 2;
	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		return 3;
	timeouts(fd, 60);
	x = (struct xfer){ .fd = fd, .len = len, .seed = 4 };
	if (pthread_create(&t, NULL, send_all, &x))
		return 4;
	if (recv_check(fd, len, 3) != (ssize_t)len)
		return 5;
	pthread_join(t, NULL);
	if (x.done != (ssize_t)len)
		return 6;
	if (drain_outq(fd))
		return 7;
	close(fd);
	close(lfd);
	return 0;
}

TEST_F_TIMEOUT(data, lossy_path_one_mib_both_ways, 120)
{
	const size_t len = 1 << 20;
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(PORT),
		.sin_addr.s_addr = htonl(0x0a010002),
	};
	long retrans0 = mib(variant->proto, "RetransSegs");
	int go[2], status, fd = -1, i;
	struct xfer x;
	pthread_t t;
	pid_t pid;

	ASSERT_EQ(0, sh("ip link add va type veth peer name vb"));
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(go[1]);
		if (unshare(CLONE_NEWNET))
			_exit(9);
		_exit(lossy_server(variant->proto, go[0], len));
	}
	close(go[0]);
	/* once the child is in its namespace, hand it vb */
	for (i = 0; i < 100 && sh("ip link set vb netns %d 2>/dev/null", pid); i++)
		usleep(10000);
	ASSERT_EQ(0, sh("ip addr add 10.1.0.1/24 dev va && ip link set va up && "
			"tc qdisc add dev va root " NETEM));
	ASSERT_EQ(1, write(go[1], "g", 1));
	for (i = 0; i < 200; i++) {
		fd = socket(AF_INET, SOCK_STREAM, variant->proto);
		ASSERT_LE(0, fd);
		if (!connect(fd, (struct sockaddr *)&sin, sizeof(sin)))
			break;
		close(fd);
		fd = -1;
		usleep(20000);
	}
	ASSERT_LE(0, fd) TH_LOG("no connection to 10.1.0.2");
	timeouts(fd, 60);
	x = (struct xfer){ .fd = fd, .len = len, .seed = 3 };
	ASSERT_EQ(0, pthread_create(&t, NULL, send_all, &x));
	EXPECT_EQ((ssize_t)len, recv_check(fd, len, 4));
	pthread_join(t, NULL);
	EXPECT_EQ((ssize_t)len, x.done);
	EXPECT_EQ(0, drain_outq(fd));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_LT(retrans0, mib(variant->proto, "RetransSegs"));
	close(fd);
	close(go[1]);
}

XTCP_TEST_MAIN
