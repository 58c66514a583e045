// SPDX-License-Identifier: GPL-2.0
/*
 * The byte stream on loopback, on TCP and on xtcp with the same assertions:
 * data arrives intact in both directions at once (64 MiB each way, and
 * sizes around the segment size), each end hashing with SHA-256 what it
 * sent and what it received; recv() and send() flags, readiness and queue
 * ioctls behave as TCP's; errors after a reset; 64 MiB each way over a
 * lossy, reordering, duplicating, corrupting path.
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
#include "xtcp_sha256.h"

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
	uint8_t md[SHA256_DIGEST_SIZE];	/* SHA-256 of what was sent */
};

/* Send @x->len bytes of pattern @x->seed, hashing what send() took. */
static void *send_all(void *arg)
{
	struct xfer *x = arg;
	static __thread unsigned char buf[100003];
	struct sha256 ctx;
	size_t off = 0, i;

	sha256_init(&ctx);
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
		sha256_update(&ctx, buf, w);
		off += w;
	}
	sha256_final(&ctx, x->md);
	x->done = off;
	return NULL;
}

struct rx {
	int fd;
	size_t len;
	unsigned int seed;
	ssize_t got;		/* bytes received, or -errno */
	ssize_t bad;		/* offset of the first unexpected byte, or -1 */
	uint8_t md[SHA256_DIGEST_SIZE];	/* SHA-256 of what was received */
};

/*
 * Receive @r->len bytes (or up to end of stream or an error), hash them
 * and check each against pattern @r->seed, noting the first that differs.
 */
static void recv_check(struct rx *r)
{
	static __thread unsigned char buf[77777];
	struct sha256 ctx;
	size_t off = 0, i;

	r->bad = -1;
	sha256_init(&ctx);
	while (off < r->len) {
		ssize_t n = recv(r->fd, buf, sizeof(buf), 0);

		if (n < 0) {
			r->got = -errno;
			return;
		}
		if (n == 0)
			break;
		sha256_update(&ctx, buf, n);
		for (i = 0; r->bad < 0 && i < (size_t)n; i++)
			if (buf[i] != pattern(off + i, r->seed))
				r->bad = off + i;
		off += n;
	}
	sha256_final(&ctx, r->md);
	r->got = off;
}

static void *recv_thread(void *arg)
{
	recv_check(arg);
	return NULL;
}

/*
 * One direction of a transfer, as both ends saw it: everything sent and
 * received, the same SHA-256 on both ends, and every byte as expected.
 */
static void check_way(struct __test_metadata *_metadata, const char *way,
		      size_t len, const struct xfer *x, const struct rx *r)
{
	char a[2 * SHA256_DIGEST_SIZE + 1], b[2 * SHA256_DIGEST_SIZE + 1];

	EXPECT_EQ((ssize_t)len, x->done) TH_LOG("%s: %zu bytes: sent %zd", way,
						len, x->done);
	EXPECT_EQ((ssize_t)len, r->got) TH_LOG("%s: %zu bytes: received %zd",
					       way, len, r->got);
	if (x->done != (ssize_t)len || r->got != (ssize_t)len)
		return;
	EXPECT_EQ(0, memcmp(x->md, r->md, SHA256_DIGEST_SIZE))
		TH_LOG("%s: %zu bytes: SHA-256 sent %s, received %s", way, len,
		       sha256_hex(x->md, a), sha256_hex(r->md, b));
	EXPECT_EQ(-1, r->bad) TH_LOG("%s: %zu bytes: first wrong byte at %zd",
				     way, len, r->bad);
}

/* @len bytes each way at once; both directions checked by check_way(). */
static void both_ways(struct __test_metadata *_metadata, int a, int b,
		      size_t len)
{
	struct xfer xa = { .fd = a, .len = len, .seed = 1 };
	struct xfer xb = { .fd = b, .len = len, .seed = 2 };
	struct rx ra = { .fd = a, .len = len, .seed = 2 };
	struct rx rb = { .fd = b, .len = len, .seed = 1 };
	pthread_t t[3];

	ASSERT_EQ(0, pthread_create(&t[0], NULL, send_all, &xa));
	ASSERT_EQ(0, pthread_create(&t[1], NULL, send_all, &xb));
	ASSERT_EQ(0, pthread_create(&t[2], NULL, recv_thread, &ra));
	recv_check(&rb);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	pthread_join(t[2], NULL);
	check_way(_metadata, "a->b", len, &xa, &rb);
	check_way(_metadata, "b->a", len, &xb, &ra);
}

/*
 * 64 MiB each way at once, each end hashing what it sent and received:
 * the SHA-256 digests match, and every byte is where the pattern puts it.
 * Measured under TCG (2 vCPUs, another guest running on the host): TCP
 * 4.0 to 8.4 s on 6.1, 5.3 to 8.7 s on 6.12; xtcp 7.3 to 7.9 s on 6.1,
 * 4.6 s on 6.12. The timeout leaves room for a loaded host.
 */
TEST_F_TIMEOUT(data, sixty_four_mib_both_ways, 120)
{
	long t0 = now_ms();

	both_ways(_metadata, self->c, self->s, 64 << 20);
	TH_LOG("64 MiB each way: %ld ms", now_ms() - t0);
}

/* The send MSS of @fd (TCP_MAXSEG, XTCP_MAXSEG at the protocol's level). */
static int send_mss(int fd, int proto)
{
	int mss = -1;
	socklen_t len = sizeof(mss);

	if (getsockopt(fd, proto, 2 /* TCP_MAXSEG, XTCP_MAXSEG */, &mss, &len))
		return -errno;
	return mss;
}

/*
 * One byte, the connection's MSS - 1, MSS and MSS + 1 (the MSS as
 * getsockopt() reports it), and sizes around other segment sizes (536,
 * 1460, 16000, 65483: loopback's MSS with timestamps, 65535, 65536), each
 * way at once, SHA-256 compared.
 */
TEST_F(data, odd_sizes_both_ways)
{
	static const size_t fixed[] = {
		1, 2, 535, 536, 537, 1459, 1460, 1461, 15999, 16000, 16001,
		65482, 65483, 65484, 65535, 65536, 65537, 100000, 1000003,
	};
	size_t sizes[ARRAY_SIZE(fixed) + 3];
	unsigned int i, n = 0;
	int mss = send_mss(self->c, variant->proto);

	EXPECT_LT(0, mss) TH_LOG("MAXSEG: %s", strerror(-mss));
	if (mss > 1) {
		sizes[n++] = mss - 1;
		sizes[n++] = mss;
		sizes[n++] = mss + 1;
	}
	for (i = 0; i < ARRAY_SIZE(fixed); i++)
		sizes[n++] = fixed[i];
	for (i = 0; i < n; i++) {
		both_ways(_metadata, self->c, self->s, sizes[i]);
		if (_metadata->passed == 0) {
			TH_LOG("size %zu", sizes[i]);
			break;
		}
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
 * 5 ms, reordering 25%, duplication 2% and corruption 1%. 64 MiB each way
 * arrive intact (SHA-256 of what each end sent equals that of what the
 * other received); corrupted segments are caught by the checksum, lost
 * ones retransmitted: RetransSegs moves in both namespaces. The veth's
 * MTU is LOSSY_MTU (see the measurement above the test).
 */
/* (a printf format: %% is one %) */
#define NETEM "netem loss 5%% delay 5ms reorder 25%% duplicate 2%% corrupt 1%%"
#define LOSSY_LEN	(64 << 20)
#define LOSSY_MTU	9000

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

/* What the child's end saw, written back to the test through a pipe. */
struct lossy_report {
	int step;		/* 0, or where the child's side failed */
	struct xfer x;		/* what it sent */
	struct rx r;		/* what it received */
	long retrans;		/* RetransSegs in its namespace */
};

/* The child's side: listen on 10.1.0.2, then the same transfer. */
static int lossy_server(int proto, int go_fd, struct lossy_report *rep)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(PORT),
		.sin_addr.s_addr = htonl(0x0a010002),
	};
	pthread_t t;
	int lfd, fd;
	char c;

	if (read(go_fd, &c, 1) != 1 || lo_up() ||
	    sh("ip addr add 10.1.0.2/24 dev vb && ip link set vb mtu %d up && "
	       "tc qdisc add dev vb root " NETEM, LOSSY_MTU))
		return 1;
	lfd = socket(AF_INET, SOCK_STREAM, proto);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    listen(lfd, 1))
		return 2;
	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		return 3;
	timeouts(fd, 60);
	rep->x = (struct xfer){ .fd = fd, .len = LOSSY_LEN, .seed = 4 };
	rep->r = (struct rx){ .fd = fd, .len = LOSSY_LEN, .seed = 3 };
	if (pthread_create(&t, NULL, send_all, &rep->x))
		return 4;
	recv_check(&rep->r);
	pthread_join(t, NULL);
	rep->retrans = mib(proto, "RetransSegs");
	if (drain_outq(fd))
		return 7;
	close(fd);
	close(lfd);
	return 0;
}

/*
 * Measured under TCG (2 vCPUs), 64 MiB each way: TCP took 96 s on 6.1
 * with the veth's default MTU of 1500, so the MTU is 9000 (bigger
 * segments, the same loss rates per packet): TCP 22.7 to 24.9 s on 6.1,
 * 21.2 to 23.1 s on 6.12; xtcp 62.9 to 71.0 s on 6.1, 75.8 s on 6.12.
 * The timeout, 400 s, is bounded but leaves room for a loaded host.
 */
TEST_F_TIMEOUT(data, lossy_path_64_mib_both_ways, 400)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(PORT),
		.sin_addr.s_addr = htonl(0x0a010002),
	};
	long retrans0 = mib(variant->proto, "RetransSegs"), t0;
	struct lossy_report rep = { .step = -1 };
	int go[2], res[2], status, fd = -1, i;
	struct xfer x;
	struct rx r;
	pthread_t t;
	pid_t pid;

	ASSERT_EQ(0, sh("ip link add va type veth peer name vb"));
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(res));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct lossy_report out = { 0 };

		close(go[1]);
		close(res[0]);
		if (unshare(CLONE_NEWNET))
			_exit(9);
		out.step = lossy_server(variant->proto, go[0], &out);
		_exit(write(res[1], &out, sizeof(out)) == sizeof(out) ? 0 : 8);
	}
	close(go[0]);
	close(res[1]);
	/* once the child is in its namespace, hand it vb */
	for (i = 0; i < 100 && sh("ip link set vb netns %d 2>/dev/null", pid); i++)
		usleep(10000);
	ASSERT_EQ(0, sh("ip addr add 10.1.0.1/24 dev va && "
			"ip link set va mtu %d up && "
			"tc qdisc add dev va root " NETEM, LOSSY_MTU));
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
	t0 = now_ms();
	x = (struct xfer){ .fd = fd, .len = LOSSY_LEN, .seed = 3 };
	r = (struct rx){ .fd = fd, .len = LOSSY_LEN, .seed = 4 };
	ASSERT_EQ(0, pthread_create(&t, NULL, send_all, &x));
	recv_check(&r);
	pthread_join(t, NULL);
	EXPECT_EQ(0, drain_outq(fd));
	TH_LOG("64 MiB each way over netem, MTU %d: %ld ms", LOSSY_MTU,
	       now_ms() - t0);
	EXPECT_EQ((ssize_t)sizeof(rep), read(res[0], &rep, sizeof(rep)));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(0, rep.step);
	check_way(_metadata, "10.1.0.1->10.1.0.2", LOSSY_LEN, &x, &rep.r);
	check_way(_metadata, "10.1.0.2->10.1.0.1", LOSSY_LEN, &rep.x, &r);
	EXPECT_LT(retrans0, mib(variant->proto, "RetransSegs"));
	EXPECT_LT(0, rep.retrans);
	close(fd);
	close(go[1]);
	close(res[0]);
}

XTCP_TEST_MAIN
