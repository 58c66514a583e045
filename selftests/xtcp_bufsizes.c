// SPDX-License-Identifier: GPL-2.0
/*
 * send() sizes against buffer sizes, on TCP and on xtcp with the same
 * assertions: SO_SNDBUF on the sender from the least the kernel allows to
 * 256 KiB, SO_RCVBUF on the receiver the same way, and send() sizes from
 * 1 byte to 1 MiB around every power of two and around multiples of the
 * connection's MSS, with blocking and with non-blocking sockets. Each
 * transfer is a new connection on loopback: every byte arrives, the
 * SHA-256 of what arrived is the SHA-256 of what was sent, and a blocking
 * send() takes all it is given, as TCP's.
 *
 * xtcp once panicked here: SO_SNDBUF 10000 and a 32 KiB send() built a
 * segment that claimed more bytes than its pages held (kernel BUG in
 * __skb_checksum). The sweep pairs every size up to 256 KiB with every
 * SO_SNDBUF and every SO_RCVBUF, larger ones with half of them (sweep()).
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "kselftest_harness.h"
#include "xtcp_main.h"
#include "xtcp_proto.h"
#include "xtcp_sha256.h"

#define PORT 5100

/* Requested sizes; the kernel doubles them, and raises the least to its minimum. */
static const int sndbufs[] = { 1, 3000, 5000, 10000, 23456, 65536, 100001, 262144 };
static const int rcvbufs[] = { 1, 4000, 10000, 33333, 131071, 262144 };

FIXTURE(bufsizes) {
	int lfd[ARRAY_SIZE(rcvbufs)];	/* a listener per SO_RCVBUF */
	size_t sizes[96];
	int nsizes;
};

FIXTURE_VARIANT(bufsizes) {
	int proto;
};

FIXTURE_VARIANT_ADD(bufsizes, tcp) {
	.proto = IPPROTO_TCP,
};

FIXTURE_VARIANT_ADD(bufsizes, xtcp) {
	.proto = IPPROTO_XTCP,
};

/* Byte i of a test stream: not periodic at any segment size. */
static unsigned char pattern(size_t i)
{
	return (unsigned char)((i * 2654435761u) >> 13) ^ (unsigned char)(i >> 11);
}

static void add_size(struct _test_data_bufsizes *self, long n)
{
	int i;

	if (n < 1 || n > (1 << 20) || self->nsizes == ARRAY_SIZE(self->sizes))
		return;
	for (i = 0; i < self->nsizes; i++)
		if (self->sizes[i] == (size_t)n)
			return;
	self->sizes[self->nsizes++] = n;
}

/* The send MSS of a connected @fd (TCP_MAXSEG, XTCP_MAXSEG). */
static int send_mss(int fd, int proto)
{
	return getopt_int(fd, proto, 2 /* TCP_MAXSEG, XTCP_MAXSEG */);
}

static int connect_port(int proto, int port)
{
	struct sockaddr_in sin = addr4("127.0.0.1", port);
	int fd = socket(AF_INET, SOCK_STREAM, proto);

	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Listeners with each SO_RCVBUF (set before listen(): a child inherits
 * it, and the window scale is chosen from it), and the send() sizes: 2^p
 * - 1, 2^p and 2^p + 1 up to 1 MiB, and 1, 2, 3, 4, 16 times the loopback
 * MSS of this protocol, each - 1, as is and + 1.
 */
FIXTURE_SETUP(bufsizes)
{
	static const int mults[] = { 1, 2, 3, 4, 16 };
	unsigned int i;
	int p, fd, mss;

	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, lo_up());
	for (i = 0; i < ARRAY_SIZE(rcvbufs); i++) {
		struct sockaddr_in sin = addr4("127.0.0.1", PORT + i);

		self->lfd[i] = socket(AF_INET, SOCK_STREAM, variant->proto);
		ASSERT_LE(0, self->lfd[i]);
		ASSERT_EQ(0, setsockopt(self->lfd[i], SOL_SOCKET, SO_RCVBUF,
					&rcvbufs[i], sizeof(int)));
		ASSERT_EQ(0, bind(self->lfd[i], (struct sockaddr *)&sin, sizeof(sin)));
		ASSERT_EQ(0, listen(self->lfd[i], 4));
	}
	for (p = 0; p <= 20; p++) {
		add_size(self, (1L << p) - 1);
		add_size(self, 1L << p);
		add_size(self, (1L << p) + 1);
	}
	fd = connect_port(variant->proto, PORT);
	ASSERT_LE(0, fd);
	mss = send_mss(fd, variant->proto);
	close(fd);
	fd = accept(self->lfd[0], NULL, NULL);
	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_LT(0, mss);
	for (i = 0; i < ARRAY_SIZE(mults); i++)
		for (p = -1; p <= 1; p++)
			add_size(self, (long)mults[i] * mss + p);
}

FIXTURE_TEARDOWN(bufsizes)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(rcvbufs); i++)
		close(self->lfd[i]);
}

struct rx {
	int fd;
	size_t got;		/* bytes received */
	int err;		/* errno of a failed recv(), or 0 */
	uint8_t md[SHA256_DIGEST_SIZE];
};

/* Receive to end of stream, hashing what arrives. */
static void *rx_thread(void *arg)
{
	static __thread unsigned char buf[65536];
	struct rx *r = arg;
	struct sha256 ctx;

	sha256_init(&ctx);
	for (;;) {
		ssize_t n = recv(r->fd, buf, sizeof(buf), 0);

		if (n < 0) {
			r->err = errno;
			break;
		}
		if (!n)
			break;
		sha256_update(&ctx, buf, n);
		r->got += n;
	}
	sha256_final(&ctx, r->md);
	return NULL;
}

/* What one transfer does: @calls send()s of @size bytes each. */
struct xfer {
	size_t size, calls;
	int sndbuf, rcvbuf;	/* as requested */
	int nonblock;
};

/*
 * One transfer on a new connection: the client, with SO_SNDBUF @x->sndbuf,
 * sends @x->calls writes of @x->size bytes to the listener with SO_RCVBUF
 * @x->rcvbuf, then shuts down its sending side; the server hashes what
 * arrives. Blocking: each send() takes everything. Non-blocking: send()
 * takes what fits, or fails with EAGAIN and poll() waits for room.
 * Returns 0, or -1 after a failed assertion.
 */
static int transfer(struct __test_metadata *_metadata, int proto, int lfd,
		    int port, const struct xfer *x, unsigned char *buf)
{
	char a[2 * SHA256_DIGEST_SIZE + 1], b[2 * SHA256_DIGEST_SIZE + 1];
	uint8_t md[SHA256_DIGEST_SIZE];
	struct rx r = { 0 };
	struct sha256 ctx;
	size_t total = x->size * x->calls, off = 0, i;
	struct timeval tv = { .tv_sec = 20 };
	pthread_t t;
	int c, ok = 1;

	c = socket(AF_INET, SOCK_STREAM, proto);
	ASSERT_LE(0, c) TH_LOG("socket: %s", strerror(errno));
	ASSERT_EQ(0, setsockopt(c, SOL_SOCKET, SO_SNDBUF, &x->sndbuf, sizeof(int)));
	ASSERT_EQ(0, setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
	ASSERT_EQ(0, connect_to(c, "127.0.0.1", port));
	r.fd = accept(lfd, NULL, NULL);
	ASSERT_LE(0, r.fd);
	ASSERT_EQ(0, setsockopt(r.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	if (x->nonblock)
		ASSERT_EQ(0, fcntl(c, F_SETFL, O_NONBLOCK));
	ASSERT_EQ(0, pthread_create(&t, NULL, rx_thread, &r));

	sha256_init(&ctx);
	for (i = 0; i < x->calls && ok; i++) {
		size_t done = 0, k;

		for (k = 0; k < x->size; k++)
			buf[k] = pattern(off + k);
		while (done < x->size) {
			ssize_t w = send(c, buf + done, x->size - done, MSG_NOSIGNAL);

			if (w < 0 && x->nonblock && errno == EAGAIN) {
				struct pollfd pfd = { .fd = c, .events = POLLOUT };

				if (poll(&pfd, 1, 20000) != 1) {
					TH_LOG("poll(POLLOUT): no room in 20 s");
					ok = 0;
					break;
				}
				continue;
			}
			if (w <= 0) {
				TH_LOG("send(%zu) after %zu bytes: %zd, %s",
				       x->size - done, off + done, w, strerror(errno));
				ok = 0;
				break;
			}
			if (!x->nonblock && (size_t)w != x->size - done) {
				TH_LOG("blocking send(%zu) took %zd", x->size - done, w);
				ok = 0;
			}
			done += w;
		}
		sha256_update(&ctx, buf, done);
		off += done;
	}
	sha256_final(&ctx, md);
	shutdown(c, SHUT_WR);
	pthread_join(t, NULL);
	close(c);
	close(r.fd);

	EXPECT_EQ(1, ok);
	EXPECT_EQ(total, off);
	EXPECT_EQ(0, r.err) TH_LOG("recv: %s", strerror(r.err));
	EXPECT_EQ(total, r.got);
	EXPECT_EQ(0, memcmp(md, r.md, sizeof(md)))
		TH_LOG("SHA-256 sent %s, received %s", sha256_hex(md, a),
		       sha256_hex(r.md, b));
	if (!_metadata->passed)
		return -1;
	return 0;
}

/*
 * The whole sweep in one mode. Every size up to 256 KiB meets every
 * SO_SNDBUF; the SO_RCVBUF turns with both (index (i + 3j) mod 6 for
 * SO_SNDBUF i and size j), so each such size also meets every SO_RCVBUF,
 * and every SO_SNDBUF every SO_RCVBUF. Larger sizes meet every other
 * SO_SNDBUF, and so half the SO_RCVBUFs: they take most of the time, and
 * repeat segment by segment what smaller writes did. A transfer is 1 to 32 writes, about 64 KiB (one write from
 * 64 KiB up), so that small writes gather and large ones wait for room.
 */
static void sweep(struct __test_metadata *_metadata,
		  struct _test_data_bufsizes *self, int proto, int nonblock)
{
	unsigned char *buf = malloc(1 << 20);
	size_t bytes = 0, n = 0;
	unsigned int i, j, k;
	long t0 = now_ms();
	int ret;

	ASSERT_NE(NULL, buf);
	for (i = 0; i < ARRAY_SIZE(sndbufs); i++) {
		for (j = 0; j < (unsigned int)self->nsizes; j++) {
			struct xfer x = {
				.size = self->sizes[j],
				.sndbuf = sndbufs[i],
				.nonblock = nonblock,
			};

			long t1 = now_ms();

			if (x.size > (256 << 10) && (i + j) % 2)
				continue;	/* the largest: every other SO_SNDBUF */
			k = (i + 3 * j) % ARRAY_SIZE(rcvbufs);
			x.rcvbuf = rcvbufs[k];
			x.calls = (64 << 10) / x.size;
			x.calls = x.calls < 1 ? 1 : x.calls > 32 ? 32 : x.calls;
			ret = transfer(_metadata, proto, self->lfd[k], PORT + k, &x, buf);
			if (getenv("XTCP_BUFSIZES_VERBOSE") || now_ms() - t1 > 2000)
				TH_LOG("SO_SNDBUF %d, SO_RCVBUF %d, %zu x send(%zu): %ld ms",
				       x.sndbuf, x.rcvbuf, x.calls, x.size, now_ms() - t1);
			if (ret) {
				TH_LOG("SO_SNDBUF %d, SO_RCVBUF %d, %zu x send(%zu), %s",
				       x.sndbuf, x.rcvbuf, x.calls, x.size,
				       nonblock ? "non-blocking" : "blocking");
				free(buf);
				return;
			}
			bytes += x.size * x.calls;
			n++;
		}
	}
	TH_LOG("%zu transfers, %zu bytes, %ld ms", n, bytes, now_ms() - t0);
	free(buf);
}

TEST_F_TIMEOUT(bufsizes, blocking, 600)
{
	sweep(_metadata, self, variant->proto, 0);
}

TEST_F_TIMEOUT(bufsizes, nonblocking, 600)
{
	sweep(_metadata, self, variant->proto, 1);
}

/*
 * The program that found the panic, as it was: SO_SNDBUF 10000, then
 * 32768-byte send()s, 262144 bytes in all.
 */
TEST_F(bufsizes, sndbuf_10000_send_32768)
{
	unsigned char *buf = malloc(32768);
	struct xfer x = {
		.size = 32768, .calls = 8, .sndbuf = 10000,
		.rcvbuf = rcvbufs[ARRAY_SIZE(rcvbufs) - 1],
	};

	ASSERT_NE(NULL, buf);
	transfer(_metadata, variant->proto, self->lfd[ARRAY_SIZE(rcvbufs) - 1],
		 PORT + ARRAY_SIZE(rcvbufs) - 1, &x, buf);
	free(buf);
}

XTCP_TEST_MAIN
