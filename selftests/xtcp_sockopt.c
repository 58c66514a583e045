// SPDX-License-Identifier: GPL-2.0
/*
 * Socket semantics of a connected pair on loopback, on TCP and on xtcp with
 * the same assertions (FIXTURE_VARIANTs tcp and xtcp): the protocol-level
 * options (no-delay and MAXSEG, at level IPPROTO_TCP or SOL_XTCP), Nagle's
 * algorithm and MSG_MORE, send and receive buffer sizes, SO_RCVLOWAT,
 * SO_SNDTIMEO, SIGPIPE, poll() bits, the queue ioctls, MSG_TRUNC and
 * MSG_PEEK. Tests named xtcp_* check what is xtcp's alone.
 *
 * Segments are counted with the protocol's own counters (OutSegs and
 * DataSegsOut, TCP's TcpExt TCPOrigDataSent) in the test's private network
 * namespace, and seen on the wire with a packet socket on "lo". Where a
 * test needs data to stay unacknowledged for a while, netem delays every
 * packet on "lo" (both directions: a round trip of twice the delay).
 */
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>
#include <linux/virtio_net.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "kselftest_harness.h"
#include "xtcp_main.h"
#include "xtcp_proto.h"
#include "xtcp_sha256.h"

#define PORT	5000

#ifndef SO_PEEK_OFF
#define SO_PEEK_OFF	42
#endif

FIXTURE(so) {
	int lfd, c, s;	/* listener, client end, server end */
};

FIXTURE_VARIANT(so) {
	int proto;
	int level;	/* of the protocol's own options */
	int nodelay;
	int maxseg;
};

FIXTURE_VARIANT_ADD(so, tcp) {
	.proto = IPPROTO_TCP,
	.level = SOL_TCP,
	.nodelay = TCP_NODELAY,
	.maxseg = TCP_MAXSEG,
};

FIXTURE_VARIANT_ADD(so, xtcp) {
	.proto = IPPROTO_XTCP,
	.level = SOL_XTCP,
	.nodelay = XTCP_NODELAY,
	.maxseg = XTCP_MAXSEG,
};

/* Integer option: its value, or -1000 - errno. */
static int getint(int fd, int level, int name)
{
	int val = -1;
	socklen_t len = sizeof(val);

	if (getsockopt(fd, level, name, &val, &len))
		return -1000 - errno;
	return val;
}

/* Set an integer option: 0 or errno. */
static int setint(int fd, int level, int name, int val)
{
	return setsockopt(fd, level, name, &val, sizeof(val)) ? errno : 0;
}

static void timeouts(int fd, int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = ms % 1000 * 1000 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/*
 * Tolerance of a measured wait for a timeout of @t ms: the project's
 * [T - 10% - 20 ms] below (as xtcp_wire; a blocking send() timed out 23 ms
 * early by CLOCK_MONOTONIC once under TCG), and up to 1 s late above (TCG
 * wake-ups on a busy host).
 */
#define EARLIEST(t)	((t) - (t) / 10 - 20)
#define LATEST(t)	((t) + 1000)

/* Poll @cond every millisecond for up to @ms; its last value. */
#define WAIT_UNTIL(cond, ms) ({					\
	long __end = now_ms() + (ms);				\
	while (!(cond) && now_ms() < __end)			\
		usleep(1000);					\
	(cond);							\
})

/* poll() events of @fd (POLLIN, POLLOUT, POLLPRI, POLLRDHUP asked), now. */
static int revents(int fd)
{
	struct pollfd pfd = { .fd = fd,
			      .events = POLLIN | POLLOUT | POLLPRI | POLLRDHUP };

	if (poll(&pfd, 1, 0) < 0)
		return -1;
	return pfd.revents;
}

/* Every packet on "lo" waits @ms in netem: a round trip takes 2 * @ms. */
static int delay_lo(int ms)
{
	return sh("tc qdisc add dev lo root netem delay %dms", ms);
}

/* A new connection to the fixture's listener: the client, its peer in *@s. */
static int connect_new(int lfd, int c, int *s)
{
	if (connect_to(c, "127.0.0.1", PORT))
		return -1;
	*s = accept(lfd, NULL, NULL);
	return *s < 0 ? -1 : 0;
}

/* A connected pair on 127.0.0.1 in a new network namespace, 10 s timeouts. */
FIXTURE_SETUP(so)
{
	struct sockaddr_in sin = addr4("127.0.0.1", PORT);

	self->s = -1;
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, lo_up());
	self->lfd = socket(AF_INET, SOCK_STREAM, variant->proto);
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, bind(self->lfd, (struct sockaddr *)&sin, sizeof(sin)));
	ASSERT_EQ(0, listen(self->lfd, 8));
	self->c = socket(AF_INET, SOCK_STREAM, variant->proto);
	ASSERT_LE(0, self->c);
	ASSERT_EQ(0, connect_new(self->lfd, self->c, &self->s));
	timeouts(self->c, 10000);
	timeouts(self->s, 10000);
}

FIXTURE_TEARDOWN(so)
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

/* ---- the no-delay option ---- */

/*
 * Off by default on a new, a connected and an accepted socket; 1 reads 1,
 * any non-zero value reads 1, 0 reads 0.
 */
TEST_F(so, nodelay_values)
{
	int fd = socket(AF_INET, SOCK_STREAM, variant->proto);
	int lv = variant->level, opt = variant->nodelay;

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, getint(fd, lv, opt));
	EXPECT_EQ(0, getint(self->c, lv, opt));
	EXPECT_EQ(0, getint(self->s, lv, opt));
	EXPECT_EQ(0, setint(fd, lv, opt, 1));
	EXPECT_EQ(1, getint(fd, lv, opt));
	EXPECT_EQ(0, setint(fd, lv, opt, 0));
	EXPECT_EQ(0, getint(fd, lv, opt));
	EXPECT_EQ(0, setint(fd, lv, opt, 42));
	EXPECT_EQ(1, getint(fd, lv, opt));
	EXPECT_EQ(0, setint(fd, lv, opt, 0));
	EXPECT_EQ(0, setint(fd, lv, opt, -1));
	EXPECT_EQ(1, getint(fd, lv, opt));
	EXPECT_EQ(0, setint(self->c, lv, opt, 1));
	EXPECT_EQ(1, getint(self->c, lv, opt));
	EXPECT_EQ(0, getint(self->s, lv, opt));
	close(fd);
}

/* A listener's no-delay is inherited by the connections it accepts. */
TEST_F(so, nodelay_inherited_from_listener)
{
	int c = socket(AF_INET, SOCK_STREAM, variant->proto), s = -1;

	ASSERT_LE(0, c);
	ASSERT_EQ(0, setint(self->lfd, variant->level, variant->nodelay, 1));
	EXPECT_EQ(1, getint(self->lfd, variant->level, variant->nodelay));
	ASSERT_EQ(0, connect_new(self->lfd, c, &s));
	EXPECT_EQ(1, getint(s, variant->level, variant->nodelay));
	EXPECT_EQ(0, getint(c, variant->level, variant->nodelay));
	close(s);
	close(c);
}

/*
 * setsockopt() with fewer bytes than an int: EINVAL, nothing changed.
 * getsockopt() with a short buffer is not an error: Linux copies that many
 * bytes of the int and says so in optlen.
 */
TEST_F(so, option_short_optlen)
{
	int opts[] = { variant->nodelay, variant->maxseg };
	int lv = variant->level, val, i;
	socklen_t len;
	short half;

	for (i = 0; i < 2; i++) {
		val = 1000;
		EXPECT_EQ(-1, setsockopt(self->c, lv, opts[i], &val, 2));
		EXPECT_EQ(EINVAL, errno) TH_LOG("option %d", opts[i]);
		EXPECT_EQ(-1, setsockopt(self->c, lv, opts[i], &val, 0));
		EXPECT_EQ(EINVAL, errno) TH_LOG("option %d", opts[i]);
	}
	EXPECT_EQ(0, getint(self->c, lv, variant->nodelay));
	ASSERT_EQ(0, setint(self->c, lv, variant->nodelay, 1));
	half = -1;
	len = sizeof(half);
	EXPECT_EQ(0, getsockopt(self->c, lv, variant->nodelay, &half, &len));
	EXPECT_EQ(sizeof(half), len);
	EXPECT_EQ(1, half);
}

/* An option number the protocol does not have: ENOPROTOOPT both ways. */
TEST_F(so, unknown_option)
{
	EXPECT_EQ(ENOPROTOOPT, setint(self->c, variant->level, 1000, 1));
	EXPECT_EQ(-1000 - ENOPROTOOPT, getint(self->c, variant->level, 1000));
	EXPECT_EQ(ENOPROTOOPT, setint(self->c, variant->level, -1, 1));
}

/*
 * A level that is not the socket's (UDP's): as Linux's ip_setsockopt() and
 * ip_getsockopt() answer for TCP, ENOPROTOOPT to set and EOPNOTSUPP to get.
 */
TEST_F(so, foreign_level_option)
{
	EXPECT_EQ(ENOPROTOOPT, setint(self->c, IPPROTO_UDP, 1, 1));
	EXPECT_EQ(-1000 - EOPNOTSUPP, getint(self->c, IPPROTO_UDP, 1));
}

/*
 * On an xtcp socket, level SOL_TCP is not xtcp's (its level is SOL_XTCP):
 * TCP's options there fail as on a UDP socket, which the test asks first
 * for the reference (setsockopt ENOPROTOOPT, getsockopt EOPNOTSUPP), and
 * set nothing.
 */
TEST_F(so, xtcp_sol_tcp_is_not_its_level)
{
	int udp = socket(AF_INET, SOCK_DGRAM, 0), set_err, get_err;

	if (variant->proto != IPPROTO_XTCP)
		SKIP(return, "xtcp only");
	ASSERT_LE(0, udp);
	set_err = setint(udp, SOL_TCP, TCP_NODELAY, 1);
	get_err = getint(udp, SOL_TCP, TCP_NODELAY);
	EXPECT_EQ(ENOPROTOOPT, set_err);
	EXPECT_EQ(-1000 - EOPNOTSUPP, get_err);
	EXPECT_EQ(set_err, setint(self->c, SOL_TCP, TCP_NODELAY, 1));
	EXPECT_EQ(get_err, getint(self->c, SOL_TCP, TCP_NODELAY));
	EXPECT_EQ(set_err, setint(self->c, SOL_TCP, TCP_MAXSEG, 1000));
	EXPECT_EQ(get_err, getint(self->c, SOL_TCP, TCP_MAXSEG));
	EXPECT_EQ(0, getint(self->c, variant->level, variant->nodelay));
	close(udp);
}

/* ---- MAXSEG ---- */

/*
 * Values 88..32767 and 0 (the route's) are accepted, others EINVAL (Linux's
 * TCP_MIN_MSS and MAX_TCP_WINDOW); a socket that is not connected reads
 * back the value set.
 */
TEST_F(so, maxseg_range)
{
	int fd = socket(AF_INET, SOCK_STREAM, variant->proto);
	int lv = variant->level, opt = variant->maxseg;

	ASSERT_LE(0, fd);
	EXPECT_EQ(EINVAL, setint(fd, lv, opt, 87));
	EXPECT_EQ(EINVAL, setint(fd, lv, opt, 32768));
	EXPECT_EQ(EINVAL, setint(fd, lv, opt, -1));
	EXPECT_EQ(EINVAL, setint(fd, lv, opt, 65536));
	EXPECT_EQ(0, setint(fd, lv, opt, 88));
	EXPECT_EQ(88, getint(fd, lv, opt));
	EXPECT_EQ(0, setint(fd, lv, opt, 32767));
	EXPECT_EQ(32767, getint(fd, lv, opt));
	EXPECT_EQ(0, setint(fd, lv, opt, 1000));
	EXPECT_EQ(1000, getint(fd, lv, opt));
	EXPECT_EQ(EINVAL, setint(fd, lv, opt, 87));
	EXPECT_EQ(1000, getint(fd, lv, opt));
	EXPECT_EQ(0, setint(fd, lv, opt, 0));
	close(fd);
}

/* A new socket reads TCP's default MSS, 536 (RFC 9293 §3.7.1). */
TEST_F(so, maxseg_default_unconnected)
{
	int fd = socket(AF_INET, SOCK_STREAM, variant->proto);

	ASSERT_LE(0, fd);
	EXPECT_EQ(536, getint(fd, variant->level, variant->maxseg));
	close(fd);
}

/*
 * Payload sizes of the segments a connection sends, seen on "lo" by a
 * packet socket that keeps the first 256 bytes of outgoing packets: for a
 * GSO packet (TCP on loopback sends up to 64 KiB at once) the size of each
 * segment it stands for, from the virtio-net header.
 */
struct capture {
	int fd;
};

static int cap_open(struct capture *cap)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = if_nametoindex("lo"),
	};
	struct sock_filter outgoing[] = {
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, SKF_AD_OFF + SKF_AD_PKTTYPE),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 256),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = { .len = ARRAY_SIZE(outgoing), .filter = outgoing };
	int one = 1, rcvbuf = 64 << 20;

	cap->fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));
	if (cap->fd < 0)
		return -1;
	if (setsockopt(cap->fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) ||
	    setsockopt(cap->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		       sizeof(rcvbuf)) ||
	    setsockopt(cap->fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) ||
	    bind(cap->fd, (struct sockaddr *)&sll, sizeof(sll)))
		return -1;
	return 0;
}

struct seg_sizes {
	int data;	/* data segments (a GSO packet counts as its segments) */
	int max;	/* largest payload of one segment */
	int drops;	/* packets the capture lost (must be 0) */
};

/* The data segments of @proto sent from port @sport since the last call. */
static struct seg_sizes cap_read(struct capture *cap, int proto, int sport)
{
	static unsigned char buf[sizeof(struct virtio_net_hdr) + 512];
	struct seg_sizes ss = { 0 };
	struct tpacket_stats st;
	socklen_t slen = sizeof(st);

	for (;;) {
		struct virtio_net_hdr *vh = (void *)buf;
		unsigned char *ip = buf + sizeof(*vh) + ETH_HLEN, *l4;
		int ihl, tot, doff, pay, seg;
		ssize_t n = recv(cap->fd, buf, sizeof(buf), 0);

		if (n < 0)
			break;
		if (n < (ssize_t)(ip - buf) + 40 || (ip[0] >> 4) != 4 ||
		    ip[9] != proto)
			continue;
		ihl = (ip[0] & 15) * 4;
		tot = ip[2] << 8 | ip[3];
		l4 = ip + ihl;
		if ((l4[0] << 8 | l4[1]) != sport)
			continue;
		doff = (l4[12] >> 4) * 4;
		pay = tot - ihl - doff;
		if (pay <= 0)
			continue;
		seg = pay;
		if (vh->gso_type != VIRTIO_NET_HDR_GSO_NONE && vh->gso_size &&
		    vh->gso_size < pay)
			seg = vh->gso_size;
		ss.data += (pay + seg - 1) / seg;
		if (seg > ss.max)
			ss.max = seg;
	}
	if (getsockopt(cap->fd, SOL_PACKET, PACKET_STATISTICS, &st, &slen))
		ss.drops = -1;
	else
		ss.drops = st.tp_drops;
	return ss;
}

struct sender {
	int fd;
	size_t len;
	ssize_t done;		/* bytes sent, or -errno */
	uint8_t md[SHA256_DIGEST_SIZE];	/* SHA-256 of what was sent */
};

/* Send @x->len bytes of pattern, hashing what send() took. */
static void *send_pattern(void *arg)
{
	struct sender *x = arg;
	static __thread unsigned char buf[65536];
	struct sha256 ctx;
	size_t off = 0, i, n;
	ssize_t w;

	sha256_init(&ctx);
	while (off < x->len) {
		n = x->len - off < sizeof(buf) ? x->len - off : sizeof(buf);
		for (i = 0; i < n; i++)
			buf[i] = pattern(off + i, 11);
		w = send(x->fd, buf, n, MSG_NOSIGNAL);
		if (w <= 0) {
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

/*
 * Send @len bytes of pattern from @a (a thread) while @b reads them; 0 if
 * they arrive intact (same SHA-256), else where it went wrong.
 */
static int transfer(int a, int b, size_t len)
{
	struct sender x = { .fd = a, .len = len };
	static unsigned char buf[65536];
	uint8_t md[SHA256_DIGEST_SIZE];
	struct sha256 ctx;
	size_t got = 0;
	pthread_t t;
	ssize_t n;

	if (pthread_create(&t, NULL, send_pattern, &x))
		return -1;
	sha256_init(&ctx);
	while (got < len) {
		n = recv(b, buf, sizeof(buf), 0);
		if (n <= 0)
			break;
		sha256_update(&ctx, buf, n);
		got += n;
	}
	sha256_final(&ctx, md);
	pthread_join(t, NULL);
	if (x.done != (ssize_t)len)
		return -2;
	if (got != len)
		return -3;
	return memcmp(md, x.md, sizeof(md)) ? -4 : 0;
}

/*
 * Send 200000 bytes from @a to @b and check that MAXSEG of @a is the size
 * of its data segments on the wire (the largest; with as many segments as
 * that size needs at least), unchanged by the transfer.
 */
static void check_send_mss(struct __test_metadata *_metadata,
			   FIXTURE_VARIANT(so) const *variant, int a, int b)
{
	int mss = getint(a, variant->level, variant->maxseg);
	struct capture cap;
	struct seg_sizes ss;

	ASSERT_EQ(0, cap_open(&cap));
	ASSERT_EQ(0, transfer(a, b, 200000));
	ss = cap_read(&cap, variant->proto, local_port(a));
	EXPECT_EQ(0, ss.drops);
	EXPECT_EQ(mss, ss.max)
		TH_LOG("port %d: MAXSEG %d, segments up to %d", local_port(a),
		       mss, ss.max);
	EXPECT_LE((200000 + mss - 1) / mss, ss.data);
	EXPECT_EQ(mss, getint(a, variant->level, variant->maxseg));
	close(cap.fd);
}

/*
 * On a connection, MAXSEG reads the send MSS: each end's data segments on
 * the wire carry that much. Linux TCP bounds it by half the largest window
 * the peer has offered, so it is read after a first transfer has opened
 * the windows; on loopback (MTU 65536) it is then more than 60000 and at
 * most 65536 - 40. Both ends have 1 MiB buffers (SO_SNDBUF, SO_RCVBUF set
 * before connect()), so that a full segment fits in the send buffer and
 * the window: with xtcp's default 16 KiB send buffer no segment on
 * loopback is ever full.
 */
TEST_F(so, maxseg_is_send_mss)
{
	int c = socket(AF_INET, SOCK_STREAM, variant->proto), s = -1, i, mss;
	int fds[2] = { c, self->lfd };

	ASSERT_LE(0, c);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, setint(fds[i], SOL_SOCKET, SO_SNDBUF, 1 << 20));
		ASSERT_EQ(0, setint(fds[i], SOL_SOCKET, SO_RCVBUF, 1 << 20));
	}
	ASSERT_EQ(0, connect_new(self->lfd, c, &s));
	timeouts(c, 10000);
	timeouts(s, 10000);
	ASSERT_EQ(0, transfer(c, s, 300000));
	ASSERT_EQ(0, transfer(s, c, 300000));
	mss = getint(c, variant->level, variant->maxseg);
	EXPECT_LT(60000, mss);
	EXPECT_GE(65536 - 40, mss);
	check_send_mss(_metadata, variant, c, s);
	check_send_mss(_metadata, variant, s, c);
	close(s);
	close(c);
}

/*
 * MAXSEG 1000 set before connect(): the SYN announces it, so the peer
 * sends segments of at most 1000 bytes (its MAXSEG reads that size, which
 * its segments on the wire carry); the socket's own segments are limited
 * too.
 */
TEST_F(so, maxseg_before_connect_limits_peer)
{
	int c = socket(AF_INET, SOCK_STREAM, variant->proto), s = -1, mss;

	ASSERT_LE(0, c);
	ASSERT_EQ(0, setint(c, variant->level, variant->maxseg, 1000));
	ASSERT_EQ(0, connect_new(self->lfd, c, &s));
	timeouts(c, 10000);
	timeouts(s, 10000);
	mss = getint(s, variant->level, variant->maxseg);
	EXPECT_LT(500, mss);
	EXPECT_GE(1000, mss);
	mss = getint(c, variant->level, variant->maxseg);
	EXPECT_LT(500, mss);
	EXPECT_GE(1000, mss);
	check_send_mss(_metadata, variant, s, c);
	check_send_mss(_metadata, variant, c, s);
	close(s);
	close(c);
}

/* ---- Nagle's algorithm, no-delay, MSG_MORE ---- */

#define NAGLE_DELAY_MS	200	/* netem on lo: a round trip of 400 ms */
#define NAGLE_WRITES	8	/* fewer than TCP's initial window, 10 */

/*
 * Small writes while data is unacknowledged, no-delay off: the first
 * leaves at once, the other seven wait for its ACK (a round trip of 400 ms
 * through netem) and then leave together as one segment. Right after the
 * writes exactly one segment has been sent (OutSegs; nothing else can
 * move it before the first segment arrives, 200 ms later); in the end the
 * data took exactly two segments (DataSegsOut) and arrived intact.
 * Assumes the eight writes take less than 200 ms.
 */
TEST_F(so, nagle_coalesces_small_writes)
{
	char buf[NAGLE_WRITES * 10], in[sizeof(buf)];
	long out0, data0, t0;
	int i, got = 0, n;

	for (i = 0; i < (int)sizeof(buf); i++)
		buf[i] = pattern(i, 9);
	ASSERT_EQ(0, delay_lo(NAGLE_DELAY_MS));
	out0 = mib(variant->proto, "OutSegs");
	data0 = mib(variant->proto, "DataSegsOut");
	t0 = now_ms();
	for (i = 0; i < NAGLE_WRITES; i++)
		ASSERT_EQ(10, send(self->c, buf + 10 * i, 10, 0));
	EXPECT_EQ(out0 + 1, mib(variant->proto, "OutSegs"));
	EXPECT_GT(NAGLE_DELAY_MS, now_ms() - t0) TH_LOG("the writes were slow");
	EXPECT_EQ((int)sizeof(buf) - 10, ioc(self->c, SIOCOUTQNSD));
	while (got < (int)sizeof(buf)) {
		n = recv(self->s, in + got, sizeof(in) - got, 0);
		ASSERT_LT(0, n);
		got += n;
	}
	EXPECT_EQ(0, memcmp(in, buf, sizeof(buf)));
	EXPECT_TRUE(WAIT_UNTIL(ioc(self->c, SIOCOUTQ) == 0, 5000));
	EXPECT_EQ(data0 + 2, mib(variant->proto, "DataSegsOut"));
}

/*
 * The same writes with no-delay on: each leaves at once as its own
 * segment, all eight sent before any can be acknowledged.
 */
TEST_F(so, nodelay_sends_each_write)
{
	char buf[NAGLE_WRITES * 10], in[sizeof(buf)];
	long out0, data0, t0;
	int i, got = 0, n;

	for (i = 0; i < (int)sizeof(buf); i++)
		buf[i] = pattern(i, 9);
	ASSERT_EQ(0, setint(self->c, variant->level, variant->nodelay, 1));
	ASSERT_EQ(0, delay_lo(NAGLE_DELAY_MS));
	out0 = mib(variant->proto, "OutSegs");
	data0 = mib(variant->proto, "DataSegsOut");
	t0 = now_ms();
	for (i = 0; i < NAGLE_WRITES; i++)
		ASSERT_EQ(10, send(self->c, buf + 10 * i, 10, 0));
	EXPECT_EQ(out0 + NAGLE_WRITES, mib(variant->proto, "OutSegs"));
	EXPECT_GT(NAGLE_DELAY_MS, now_ms() - t0) TH_LOG("the writes were slow");
	EXPECT_EQ(0, ioc(self->c, SIOCOUTQNSD));
	EXPECT_EQ((int)sizeof(buf), ioc(self->c, SIOCOUTQ));
	while (got < (int)sizeof(buf)) {
		n = recv(self->s, in + got, sizeof(in) - got, 0);
		ASSERT_LT(0, n);
		got += n;
	}
	EXPECT_EQ(0, memcmp(in, buf, sizeof(buf)));
	EXPECT_TRUE(WAIT_UNTIL(ioc(self->c, SIOCOUTQ) == 0, 5000));
	EXPECT_EQ(data0 + NAGLE_WRITES, mib(variant->proto, "DataSegsOut"));
}

/*
 * Turning no-delay on sends what Nagle holds, at once (Linux pushes
 * pending data in setsockopt()).
 */
TEST_F(so, nodelay_on_pushes_held_data)
{
	char buf[30] = "0123456789abcdefghijklmnopqrs";
	long out0, t0;

	ASSERT_EQ(0, delay_lo(NAGLE_DELAY_MS));
	out0 = mib(variant->proto, "OutSegs");
	t0 = now_ms();
	ASSERT_EQ(10, send(self->c, buf, 10, 0));
	ASSERT_EQ(10, send(self->c, buf + 10, 10, 0));
	ASSERT_EQ(10, send(self->c, buf + 20, 10, 0));
	EXPECT_EQ(out0 + 1, mib(variant->proto, "OutSegs"));
	EXPECT_EQ(20, ioc(self->c, SIOCOUTQNSD));
	ASSERT_EQ(0, setint(self->c, variant->level, variant->nodelay, 1));
	EXPECT_EQ(out0 + 2, mib(variant->proto, "OutSegs"));
	EXPECT_EQ(0, ioc(self->c, SIOCOUTQNSD));
	EXPECT_GT(NAGLE_DELAY_MS, now_ms() - t0) TH_LOG("the calls were slow");
}

/*
 * MSG_MORE holds data even with no-delay on (no delay through netem here:
 * nothing but the next send() may release it); the first send() without
 * it sends everything as one segment.
 */
TEST_F(so, msg_more_holds_data)
{
	char in[64];
	long out0, data0;

	ASSERT_EQ(0, setint(self->c, variant->level, variant->nodelay, 1));
	out0 = mib(variant->proto, "OutSegs");
	data0 = mib(variant->proto, "DataSegsOut");
	ASSERT_EQ(10, send(self->c, "0123456789", 10, MSG_MORE));
	ASSERT_EQ(10, send(self->c, "abcdefghij", 10, MSG_MORE));
	EXPECT_EQ(out0, mib(variant->proto, "OutSegs"));
	EXPECT_EQ(20, ioc(self->c, SIOCOUTQNSD));
	EXPECT_EQ(0, ioc(self->s, SIOCINQ));
	ASSERT_EQ(5, send(self->c, "ABCDE", 5, 0));
	EXPECT_TRUE(WAIT_UNTIL(ioc(self->s, SIOCINQ) == 25, 2000));
	EXPECT_EQ(25, recv(self->s, in, sizeof(in), 0));
	EXPECT_EQ(0, memcmp(in, "0123456789abcdefghijABCDE", 25));
	EXPECT_EQ(data0 + 1, mib(variant->proto, "DataSegsOut"));
}

/* ---- SO_SNDBUF, SO_RCVBUF ---- */

/*
 * net.core.NAME: from this namespace if it has its own, else (before Linux
 * made it per namespace) from the initial one, as PID 1 sees it.
 */
static long core_sysctl(const char *name)
{
	char path[128];
	long val;
	int self_ns, init_ns;

	snprintf(path, sizeof(path), "/proc/sys/net/core/%s", name);
	val = read_long(path);
	if (val != LONG_MIN)
		return val;
	self_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	init_ns = open("/proc/1/ns/net", O_RDONLY | O_CLOEXEC);
	if (self_ns >= 0 && init_ns >= 0 && !setns(init_ns, CLONE_NEWNET)) {
		val = read_long(path);
		if (setns(self_ns, CLONE_NEWNET))
			val = LONG_MIN;
	}
	close(self_ns);
	close(init_ns);
	return val;
}

/*
 * Linux stores twice the value asked (room for its bookkeeping), at most
 * twice net.core.wmem_max / rmem_max, at least a fixed minimum: the same
 * for 1 and 0, more than twice either.
 */
TEST_F(so, buffer_sizes_doubled)
{
	long wmax = core_sysctl("wmem_max"), rmax = core_sysctl("rmem_max");
	int fds[2] = { socket(AF_INET, SOCK_STREAM, variant->proto), self->c };
	int i, min;

	ASSERT_LE(0, fds[0]);
	ASSERT_LT(20000, wmax);
	ASSERT_LT(20000, rmax);
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(0, setint(fds[i], SOL_SOCKET, SO_SNDBUF, 10000));
		EXPECT_EQ(20000, getint(fds[i], SOL_SOCKET, SO_SNDBUF));
		EXPECT_EQ(0, setint(fds[i], SOL_SOCKET, SO_RCVBUF, 10000));
		EXPECT_EQ(20000, getint(fds[i], SOL_SOCKET, SO_RCVBUF));
		EXPECT_EQ(0, setint(fds[i], SOL_SOCKET, SO_SNDBUF, wmax + 1000));
		EXPECT_EQ(2 * wmax, getint(fds[i], SOL_SOCKET, SO_SNDBUF));
		EXPECT_EQ(0, setint(fds[i], SOL_SOCKET, SO_RCVBUF, rmax + 1000));
		EXPECT_EQ(2 * rmax, getint(fds[i], SOL_SOCKET, SO_RCVBUF));
		EXPECT_EQ(0, setint(fds[i], SOL_SOCKET, SO_SNDBUF, 1));
		min = getint(fds[i], SOL_SOCKET, SO_SNDBUF);
		EXPECT_LT(2, min);
		EXPECT_EQ(0, setint(fds[i], SOL_SOCKET, SO_SNDBUF, 0));
		EXPECT_EQ(min, getint(fds[i], SOL_SOCKET, SO_SNDBUF));
		EXPECT_EQ(0, setint(fds[i], SOL_SOCKET, SO_RCVBUF, 1));
		min = getint(fds[i], SOL_SOCKET, SO_RCVBUF);
		EXPECT_LT(2, min);
		EXPECT_EQ(0, setint(fds[i], SOL_SOCKET, SO_RCVBUF, 0));
		EXPECT_EQ(min, getint(fds[i], SOL_SOCKET, SO_RCVBUF));
	}
	close(fds[0]);
}

/*
 * A receiver with the smallest receive buffer (SO_RCVBUF 1, set before
 * connect(), so its first window is small too) still gets 1 MiB intact:
 * SHA-256 of what was sent equals that of what was received.
 */
TEST_F_TIMEOUT(so, tiny_rcvbuf_one_mib_intact, 120)
{
	int c = socket(AF_INET, SOCK_STREAM, variant->proto), s = -1;
	struct sender x = { .len = 1 << 20 };
	static unsigned char buf[4096];
	uint8_t md[SHA256_DIGEST_SIZE];
	struct sha256 ctx;
	size_t got = 0;
	long t0 = now_ms();
	pthread_t t;
	ssize_t n;

	ASSERT_LE(0, c);
	ASSERT_EQ(0, setint(c, SOL_SOCKET, SO_RCVBUF, 1));
	ASSERT_EQ(0, connect_new(self->lfd, c, &s));
	timeouts(c, 30000);
	timeouts(s, 30000);
	x.fd = s;
	ASSERT_EQ(0, pthread_create(&t, NULL, send_pattern, &x));
	sha256_init(&ctx);
	while (got < x.len) {
		n = recv(c, buf, sizeof(buf), 0);
		if (n <= 0)
			break;
		sha256_update(&ctx, buf, n);
		got += n;
	}
	sha256_final(&ctx, md);
	pthread_join(t, NULL);
	TH_LOG("1 MiB into SO_RCVBUF %d: %ld ms",
	       getint(c, SOL_SOCKET, SO_RCVBUF), now_ms() - t0);
	EXPECT_EQ((ssize_t)x.len, x.done);
	EXPECT_EQ(x.len, got);
	EXPECT_EQ(0, memcmp(md, x.md, sizeof(md)));
	close(s);
	close(c);
}

/* ---- SO_RCVLOWAT ---- */

/*
 * With SO_RCVLOWAT 100, 50 queued bytes do not make the socket readable
 * (poll() reports POLLOUT only, and a poll() for POLLIN sleeps its 200 ms
 * out); 100 do. 0 reads back as 1.
 */
TEST_F(so, rcvlowat_poll)
{
	struct pollfd pfd = { .fd = self->s, .events = POLLIN };
	char buf[100];

	memset(buf, 'x', sizeof(buf));
	EXPECT_EQ(1, getint(self->s, SOL_SOCKET, SO_RCVLOWAT));
	ASSERT_EQ(0, setint(self->s, SOL_SOCKET, SO_RCVLOWAT, 100));
	EXPECT_EQ(100, getint(self->s, SOL_SOCKET, SO_RCVLOWAT));
	ASSERT_EQ(50, send(self->c, buf, 50, 0));
	ASSERT_TRUE(WAIT_UNTIL(ioc(self->s, SIOCINQ) == 50, 2000));
	EXPECT_EQ(POLLOUT, revents(self->s));
	EXPECT_EQ(0, poll(&pfd, 1, 200));
	ASSERT_EQ(50, send(self->c, buf, 50, 0));
	EXPECT_EQ(1, poll(&pfd, 1, 2000));
	EXPECT_EQ(POLLIN, pfd.revents);
	EXPECT_EQ(POLLIN | POLLOUT, revents(self->s));
	EXPECT_EQ(0, setint(self->s, SOL_SOCKET, SO_RCVLOWAT, 0));
	EXPECT_EQ(1, getint(self->s, SOL_SOCKET, SO_RCVLOWAT));
}

struct late {
	int fd;
	const char *data;
};

/* 50 bytes of @data after 100 ms, 50 more after 300 ms. */
static void *send_late(void *arg)
{
	struct late *l = arg;

	usleep(100 * 1000);
	send(l->fd, l->data, 50, 0);
	usleep(200 * 1000);
	send(l->fd, l->data + 50, 50, 0);
	return NULL;
}

/*
 * With SO_RCVLOWAT 100, a blocking recv() of up to 200 bytes on an empty
 * queue waits for 100: 50 bytes arriving after 100 ms do not end it, 50
 * more after 300 ms do, and it returns all 100. With only 50 queued, it
 * returns those 50 when SO_RCVTIMEO (500 ms) runs out. Times within
 * EARLIEST() and LATEST().
 *
 * (Linux TCP wakes a reader only when SO_RCVLOWAT bytes are queued: a
 * recv() that has already taken part of its target sleeps on until the
 * timeout, so the test does not start with part of it queued.)
 */
TEST_F(so, rcvlowat_blocking_recv)
{
	static const char want[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX"
		"LMNOPQRSTUVWXYZ0123456789ABCDEFGHIJKLMNOPQRSTUVWXY";
	struct late l = { .fd = self->c, .data = want };
	char in[200];
	long t0, dt;
	pthread_t t;

	ASSERT_EQ(0, setint(self->s, SOL_SOCKET, SO_RCVLOWAT, 100));
	timeouts(self->s, 3000);
	t0 = now_ms();
	ASSERT_EQ(0, pthread_create(&t, NULL, send_late, &l));
	EXPECT_EQ(100, recv(self->s, in, sizeof(in), 0));
	dt = now_ms() - t0;
	pthread_join(t, NULL);
	EXPECT_EQ(0, memcmp(in, want, 100));
	EXPECT_LE(EARLIEST(300), dt);
	EXPECT_GE(LATEST(300), dt);

	timeouts(self->s, 500);
	ASSERT_EQ(50, send(self->c, want, 50, 0));
	ASSERT_TRUE(WAIT_UNTIL(ioc(self->s, SIOCINQ) == 50, 2000));
	t0 = now_ms();
	EXPECT_EQ(50, recv(self->s, in, sizeof(in), 0));
	dt = now_ms() - t0;
	EXPECT_LE(EARLIEST(500), dt);
	EXPECT_GE(LATEST(500), dt);
	EXPECT_EQ(0, memcmp(in, want, 50));
}

/* ---- SO_SNDTIMEO ---- */

/*
 * A sender whose peer never reads: once its buffer is full, a blocking
 * send() waits SO_SNDTIMEO (500 ms; reads back as set) and fails with
 * EAGAIN. A call that still fits some bytes returns them after the same
 * wait; up to 20 such calls are allowed before the one that fails. Times
 * within EARLIEST() and LATEST().
 */
TEST_F(so, sndtimeo_full_buffer_eagain)
{
	struct timeval tv = { .tv_usec = 500000 }, rd;
	static char buf[65536];
	socklen_t len = sizeof(rd);
	long t0, dt = 0;
	int i, n = 0;

	ASSERT_EQ(0, setsockopt(self->c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
	ASSERT_EQ(0, getsockopt(self->c, SOL_SOCKET, SO_SNDTIMEO, &rd, &len));
	EXPECT_EQ(0, rd.tv_sec);
	EXPECT_EQ(500000, rd.tv_usec);
	for (i = 0; i < 10000; i++)
		if (send(self->c, buf, sizeof(buf), MSG_DONTWAIT) < 0)
			break;
	ASSERT_EQ(EAGAIN, errno);
	for (i = 0; i < 20; i++) {
		t0 = now_ms();
		n = send(self->c, buf, sizeof(buf), 0);
		dt = now_ms() - t0;
		if (n < 0)
			break;
	}
	EXPECT_EQ(-1, n);
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_LE(EARLIEST(500), dt);
	EXPECT_GE(LATEST(500), dt);
}

/* ---- SIGPIPE ---- */

static volatile sig_atomic_t sigpipes;

static void on_sigpipe(int sig)
{
	sigpipes++;
}

/*
 * After the peer reset the connection: the first send() reports
 * ECONNRESET (the pending error, no signal); later ones EPIPE, raising
 * SIGPIPE, unless MSG_NOSIGNAL; write() too.
 */
TEST_F(so, sigpipe_after_reset)
{
	struct sigaction sa = { .sa_handler = on_sigpipe };
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	char b = 'x';

	ASSERT_EQ(0, sigaction(SIGPIPE, &sa, NULL));
	ASSERT_EQ(0, setsockopt(self->s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	close(self->s);
	self->s = -1;
	ASSERT_TRUE(WAIT_UNTIL(revents(self->c) & POLLERR, 2000));
	EXPECT_EQ(-1, send(self->c, &b, 1, 0));
	EXPECT_EQ(ECONNRESET, errno);
	EXPECT_EQ(0, sigpipes);
	EXPECT_EQ(-1, send(self->c, &b, 1, 0));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(1, sigpipes);
	EXPECT_EQ(-1, send(self->c, &b, 1, MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(1, sigpipes);
	EXPECT_EQ(-1, write(self->c, &b, 1));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(2, sigpipes);
}

/* ---- poll() bits and queue ioctls ---- */

/*
 * A connected socket is writable only; with data queued, readable and
 * writable (both ends, asking POLLIN | POLLOUT | POLLPRI | POLLRDHUP).
 */
TEST_F(so, poll_bits_connected)
{
	EXPECT_EQ(POLLOUT, revents(self->c));
	EXPECT_EQ(POLLOUT, revents(self->s));
	ASSERT_EQ(3, send(self->c, "abc", 3, 0));
	ASSERT_EQ(3, send(self->s, "def", 3, 0));
	ASSERT_TRUE(WAIT_UNTIL(ioc(self->s, SIOCINQ) == 3, 2000));
	ASSERT_TRUE(WAIT_UNTIL(ioc(self->c, SIOCINQ) == 3, 2000));
	EXPECT_EQ(POLLIN | POLLOUT, revents(self->c));
	EXPECT_EQ(POLLIN | POLLOUT, revents(self->s));
}

/*
 * After a RST from the peer: POLLIN | POLLOUT | POLLERR | POLLHUP |
 * POLLRDHUP (Linux's tcp_poll() for a reset connection); once recv() has
 * returned the error (ECONNRESET), the same without POLLERR, and recv()
 * then reads end of stream.
 */
TEST_F(so, poll_bits_after_reset)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	const int all = POLLIN | POLLOUT | POLLHUP | POLLRDHUP;
	char b;

	ASSERT_EQ(0, setsockopt(self->s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	close(self->s);
	self->s = -1;
	ASSERT_TRUE(WAIT_UNTIL(revents(self->c) & POLLERR, 2000));
	EXPECT_EQ(all | POLLERR, revents(self->c));
	EXPECT_EQ(-1, recv(self->c, &b, 1, 0));
	EXPECT_EQ(ECONNRESET, errno);
	EXPECT_EQ(all, revents(self->c));
	EXPECT_EQ(0, recv(self->c, &b, 1, 0));
	EXPECT_EQ(0, getint(self->c, SOL_SOCKET, SO_ERROR));
}

/*
 * FIONREAD and SIOCINQ read the bytes queued to read; SIOCOUTQ counts
 * bytes not yet acknowledged (sent or not) and SIOCOUTQNSD those not yet
 * sent. With netem delaying the ACK (a round trip of 400 ms), 1000 bytes
 * just sent are all in SIOCOUTQ and none in SIOCOUTQNSD; SIOCOUTQ drops to
 * 0 when the ACK arrives, though the peer has not read them.
 */
TEST_F(so, queue_ioctls)
{
	static char buf[1000];

	EXPECT_EQ(0, ioc(self->c, SIOCINQ));
	EXPECT_EQ(0, ioc(self->c, SIOCOUTQ));
	EXPECT_EQ(0, ioc(self->c, SIOCOUTQNSD));
	EXPECT_EQ(0, ioc(self->s, FIONREAD));
	ASSERT_EQ(0, delay_lo(NAGLE_DELAY_MS));
	ASSERT_EQ(1000, send(self->c, buf, sizeof(buf), 0));
	EXPECT_EQ(1000, ioc(self->c, SIOCOUTQ));
	EXPECT_EQ(0, ioc(self->c, SIOCOUTQNSD));
	EXPECT_EQ(0, ioc(self->s, SIOCINQ));
	EXPECT_TRUE(WAIT_UNTIL(ioc(self->s, SIOCINQ) == 1000, 5000));
	EXPECT_EQ(1000, ioc(self->s, FIONREAD));
	EXPECT_TRUE(WAIT_UNTIL(ioc(self->c, SIOCOUTQ) == 0, 5000));
	EXPECT_EQ(0, ioc(self->c, SIOCOUTQNSD));
	EXPECT_EQ(1000, ioc(self->s, SIOCINQ));
}

/*
 * A receiver that does not read: the sender fills its buffer (EAGAIN);
 * once the receiver has acknowledged what it holds, the sender's
 * SIOCOUTQ plus the receiver's SIOCINQ is all that was written, and part
 * of SIOCOUTQ is unsent (SIOCOUTQNSD > 0: the window is closed). When the
 * receiver reads everything, both queues empty and the data is intact.
 */
TEST_F_TIMEOUT(so, queue_ioctls_closed_window, 60)
{
	static unsigned char buf[16384], in[65536];
	long total = 0, got = 0;
	int i, n, outq, nsd;

	for (;;) {
		for (i = 0; i < (int)sizeof(buf); i++)
			buf[i] = pattern(total + i, 13);
		n = send(self->c, buf, sizeof(buf), MSG_DONTWAIT);
		if (n <= 0)
			break;
		total += n;
		ASSERT_GT(64L << 20, total);
	}
	ASSERT_EQ(EAGAIN, errno);
	EXPECT_TRUE(WAIT_UNTIL(ioc(self->c, SIOCOUTQ) + ioc(self->s, SIOCINQ) ==
			       total, 5000));
	outq = ioc(self->c, SIOCOUTQ);
	nsd = ioc(self->c, SIOCOUTQNSD);
	TH_LOG("written %ld, queued to read %d, unacknowledged %d, unsent %d",
	       total, ioc(self->s, SIOCINQ), outq, nsd);
	EXPECT_LT(0, nsd);
	EXPECT_GE(outq, nsd);
	EXPECT_LT(0, ioc(self->s, SIOCINQ));
	while (got < total) {
		n = recv(self->s, in, sizeof(in), 0);
		ASSERT_LT(0, n);
		for (i = 0; i < n; i++)
			if (in[i] != pattern(got + i, 13))
				break;
		ASSERT_EQ(n, i) TH_LOG("byte %ld", got + i);
		got += n;
	}
	EXPECT_TRUE(WAIT_UNTIL(ioc(self->c, SIOCOUTQ) == 0, 5000));
	EXPECT_EQ(0, ioc(self->c, SIOCOUTQNSD));
	EXPECT_EQ(0, ioc(self->s, SIOCINQ));
}

/* ---- MSG_TRUNC, MSG_PEEK ---- */

/*
 * MSG_TRUNC on a stream socket: the bytes are dropped, not copied (the
 * buffer is left alone, and may be NULL), and their count returned; with
 * MSG_PEEK it counts what could be read without dropping it.
 */
TEST_F(so, msg_trunc_discards)
{
	char buf[16];

	ASSERT_EQ(10, send(self->c, "0123456789", 10, 0));
	ASSERT_TRUE(WAIT_UNTIL(ioc(self->s, SIOCINQ) == 10, 2000));
	memset(buf, 'z', sizeof(buf));
	EXPECT_EQ(4, recv(self->s, buf, 4, MSG_TRUNC));
	EXPECT_EQ(0, memcmp(buf, "zzzzzzzzzzzzzzzz", 16));
	EXPECT_EQ(6, ioc(self->s, SIOCINQ));
	EXPECT_EQ(6, recv(self->s, NULL, 100, MSG_TRUNC | MSG_PEEK | MSG_DONTWAIT));
	EXPECT_EQ(6, ioc(self->s, SIOCINQ));
	EXPECT_EQ(3, recv(self->s, NULL, 3, MSG_TRUNC));
	EXPECT_EQ(3, recv(self->s, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "789", 3));
}

/*
 * MSG_PEEK reads from the head of the queue each time, across the
 * boundary of two separately sent pieces, and leaves the data queued.
 */
TEST_F(so, msg_peek_from_head)
{
	char buf[16];

	ASSERT_EQ(3, send(self->c, "abc", 3, 0));
	ASSERT_TRUE(WAIT_UNTIL(ioc(self->s, SIOCINQ) == 3, 2000));
	ASSERT_EQ(3, send(self->c, "def", 3, 0));
	ASSERT_TRUE(WAIT_UNTIL(ioc(self->s, SIOCINQ) == 6, 2000));
	EXPECT_EQ(2, recv(self->s, buf, 2, MSG_PEEK));
	EXPECT_EQ(0, memcmp(buf, "ab", 2));
	EXPECT_EQ(2, recv(self->s, buf, 2, MSG_PEEK));
	EXPECT_EQ(0, memcmp(buf, "ab", 2));
	EXPECT_EQ(6, recv(self->s, buf, sizeof(buf), MSG_PEEK));
	EXPECT_EQ(0, memcmp(buf, "abcdef", 6));
	EXPECT_EQ(6, ioc(self->s, SIOCINQ));
	EXPECT_EQ(4, recv(self->s, buf, 4, 0));
	EXPECT_EQ(0, memcmp(buf, "abcd", 4));
	EXPECT_EQ(2, recv(self->s, buf, sizeof(buf), MSG_PEEK));
	EXPECT_EQ(0, memcmp(buf, "ef", 2));
	EXPECT_EQ(2, recv(self->s, buf, sizeof(buf), 0));
}

/*
 * SO_PEEK_OFF (TCP has it since Linux 6.9; skipped where the kernel's TCP,
 * or xtcp, refuses it with EOPNOTSUPP): each MSG_PEEK starts at the peek
 * offset and moves it on; a read moves it back by what it consumed.
 */
TEST_F(so, so_peek_off)
{
	char buf[16];
	int err;

	ASSERT_EQ(10, send(self->c, "0123456789", 10, 0));
	ASSERT_TRUE(WAIT_UNTIL(ioc(self->s, SIOCINQ) == 10, 2000));
	err = setint(self->s, SOL_SOCKET, SO_PEEK_OFF, 0);
	if (err == EOPNOTSUPP)
		SKIP(return, "%s: SO_PEEK_OFF: EOPNOTSUPP",
		     variant->proto == IPPROTO_TCP ? "TCP of this kernel" : "xtcp");
	ASSERT_EQ(0, err);
	EXPECT_EQ(0, getint(self->s, SOL_SOCKET, SO_PEEK_OFF));
	EXPECT_EQ(3, recv(self->s, buf, 3, MSG_PEEK));
	EXPECT_EQ(0, memcmp(buf, "012", 3));
	EXPECT_EQ(3, recv(self->s, buf, 3, MSG_PEEK));
	EXPECT_EQ(0, memcmp(buf, "345", 3));
	EXPECT_EQ(6, getint(self->s, SOL_SOCKET, SO_PEEK_OFF));
	EXPECT_EQ(2, recv(self->s, buf, 2, 0));
	EXPECT_EQ(0, memcmp(buf, "01", 2));
	EXPECT_EQ(4, getint(self->s, SOL_SOCKET, SO_PEEK_OFF));
	EXPECT_EQ(3, recv(self->s, buf, 3, MSG_PEEK));
	EXPECT_EQ(0, memcmp(buf, "678", 3));
	EXPECT_EQ(1, recv(self->s, buf, sizeof(buf), MSG_PEEK));
	EXPECT_EQ(0, memcmp(buf, "9", 1));
	EXPECT_EQ(-1, recv(self->s, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(8, recv(self->s, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "23456789", 8));
	EXPECT_EQ(0, getint(self->s, SOL_SOCKET, SO_PEEK_OFF));
}

XTCP_TEST_MAIN
