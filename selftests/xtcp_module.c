// SPDX-License-Identifier: GPL-2.0
/*
 * Module life: loading, parameters, autoloading, unloading, leaks.
 *
 * Runs in the test guest as root with xtcp.ko loaded (default proto=253).
 * Every test leaves it loaded that way again (fixture teardown).
 */
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>

#include "kselftest_harness.h"
#include "xtcp_main.h"
#include "xtcp_util.h"
#include "xtcp_peer.h"
#include "xtcp_kmsg.h"

#define MAX_CACHES 512

struct slab_snap {
	int n;
	struct {
		char name[64];
		long active;
	} c[MAX_CACHES];
};

static const char * const xtcp_caches[] = { "XTCP", "xtcp_req", "xtcp_tw" };
#define N_XTCP_CACHES (sizeof(xtcp_caches) / sizeof(xtcp_caches[0]))

/* Active objects of every slab cache, from /proc/slabinfo. */
static int slab_snapshot(struct slab_snap *s)
{
	char line[512];
	unsigned int i;
	FILE *f;

	for (i = 0; i < N_XTCP_CACHES; i++)
		slab_shrink(xtcp_caches[i]);
	f = fopen("/proc/slabinfo", "re");
	if (!f)
		return -errno;
	s->n = 0;
	while (fgets(line, sizeof(line), f) && s->n < MAX_CACHES) {
		if (line[0] == '#' || !strncmp(line, "slabinfo", 8))
			continue;
		if (sscanf(line, "%63s %ld", s->c[s->n].name,
			   &s->c[s->n].active) == 2)
			s->n++;
	}
	fclose(f);
	return 0;
}

static long slab_active(const struct slab_snap *s, const char *name)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->c[i].name, name))
			return s->c[i].active;
	return 0;
}

/* Did a kernel log record containing @needle arrive since kmsg_open_end()? */
static int kmsg_seen(int fd, const char *needle)
{
	char rec[1024];
	ssize_t n;
	int found = 0;

	while ((n = read(fd, rec, sizeof(rec) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		if (n <= 0)
			continue;
		rec[n] = '\0';
		if (strstr(rec, needle))
			found = 1;
	}
	return found;
}

static int xtcp_socket(int proto)
{
	return socket(AF_INET, SOCK_STREAM, proto);
}

#define MOD_FDS 8

/*
 * @fd: sockets a test opened, closed by the teardown if the test stopped
 * early (-1: none), so that they do not keep the module loaded
 */
FIXTURE(mod) {
	int fd[MOD_FDS];
};

FIXTURE_SETUP(mod)
{
	int i;

	for (i = 0; i < MOD_FDS; i++)
		self->fd[i] = -1;
	ASSERT_TRUE(xtcp_loaded()) TH_LOG("xtcp.ko must be loaded before each test");
	ASSERT_EQ(0, set_autoload(0));
}

FIXTURE_TEARDOWN(mod)
{
	int i;

	for (i = 0; i < MOD_FDS; i++)
		if (self->fd[i] >= 0)
			close(self->fd[i]);
	if (xtcp_loaded())
		xtcp_unload();
	EXPECT_EQ(0, xtcp_load(""));
	EXPECT_EQ(0, set_autoload(1));
}

/* socket() works while loaded, and fails EPROTONOSUPPORT once unloaded. */
TEST_F(mod, socket_follows_module)
{
	int fd = xtcp_socket(IPPROTO_XTCP);

	ASSERT_LE(0, fd) TH_LOG("socket: %s", strerror(errno));
	ASSERT_EQ(0, close(fd));
	ASSERT_EQ(0, xtcp_unload());
	ASSERT_FALSE(xtcp_loaded());
	EXPECT_EQ(-1, xtcp_socket(IPPROTO_XTCP));
	EXPECT_EQ(EPROTONOSUPPORT, errno);
	/* /proc/net/xtcp and the sysctls went with it */
	EXPECT_EQ(-1, xtcp_counter("InSegs"));
	EXPECT_EQ(LONG_MIN, read_long("/proc/sys/net/xtcp/syn_retries"));
}

/*
 * An open socket holds a reference on the module: unloading fails with
 * EWOULDBLOCK (the kernel's answer for a module in use; rmmod prints "is in
 * use") until the socket is closed.
 */
TEST_F(mod, unload_refused_while_socket_open)
{
	int fd = xtcp_socket(IPPROTO_XTCP);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EWOULDBLOCK, xtcp_unload());
	EXPECT_TRUE(xtcp_loaded());
	EXPECT_EQ(0, close(fd));
	EXPECT_EQ(0, xtcp_unload());
	EXPECT_FALSE(xtcp_loaded());
}

/* A listener-less TCP socket does not pin xtcp, nor does a raw socket. */
TEST_F(mod, other_sockets_do_not_pin)
{
	int tcp = xtcp_socket(IPPROTO_TCP);
	int raw = socket(AF_INET, SOCK_RAW, IPPROTO_XTCP);

	ASSERT_LE(0, tcp);
	ASSERT_LE(0, raw);
	EXPECT_EQ(0, xtcp_unload());
	close(tcp);
	close(raw);
}

/* socket(AF_INET, SOCK_STREAM, 253) loads xtcp.ko through its alias. */
TEST_F(mod, socket_autoloads_module)
{
	int fd;

	ASSERT_EQ(0, xtcp_unload());
	ASSERT_EQ(0, set_autoload(1));
	fd = xtcp_socket(IPPROTO_XTCP);
	ASSERT_LE(0, fd) TH_LOG("autoload failed: %s", strerror(errno));
	EXPECT_TRUE(xtcp_loaded());
	close(fd);
}

/* proto= accepts only 253 and 254; anything else leaves nothing behind. */
TEST_F(mod, bad_proto_refused)
{
	static const char * const bad[] = {
		"proto=-1", "proto=0", "proto=6", "proto=17", "proto=132",
		"proto=252", "proto=255", "proto=256", "proto=65789",
	};
	char want[64];
	unsigned int i;
	int kmsg;

	ASSERT_EQ(0, xtcp_unload());
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		kmsg = kmsg_open_end();
		ASSERT_LE(0, kmsg);
		EXPECT_EQ(-EINVAL, xtcp_load(bad[i])) TH_LOG("%s", bad[i]);
		EXPECT_FALSE(xtcp_loaded()) TH_LOG("%s", bad[i]);
		snprintf(want, sizeof(want), "xtcp: %s refused", bad[i]);
		EXPECT_TRUE(kmsg_seen(kmsg, want)) TH_LOG("no '%s' in dmesg", want);
		close(kmsg);
	}
	EXPECT_EQ(-1, xtcp_socket(IPPROTO_XTCP));
	EXPECT_EQ(EPROTONOSUPPORT, errno);
	EXPECT_EQ(-1, xtcp_counter("InSegs"));
}

/* proto=254 moves xtcp to the other experimental number. */
TEST_F(mod, proto_254)
{
	char buf[16];
	int fd;

	ASSERT_EQ(0, xtcp_unload());
	ASSERT_EQ(0, xtcp_load("proto=254"));
	ASSERT_LT(0, read_file("/sys/module/xtcp/parameters/proto", buf,
			       sizeof(buf)));
	EXPECT_STREQ("254\n", buf);
	fd = xtcp_socket(IPPROTO_XTCP_ALT);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, xtcp_socket(IPPROTO_XTCP));
	EXPECT_EQ(EPROTONOSUPPORT, errno);
	close(fd);
}

/*
 * A protocol number another protocol already handles is refused (EBUSY),
 * with nothing left registered. xtcp_squat.ko (a test-only module) takes
 * 254 for the test; $XTCP_SQUAT_KO says where it is (default: where
 * `make check` puts it in the guest).
 */
TEST_F(mod, taken_proto_refused)
{
	const char *squat = getenv("XTCP_SQUAT_KO") ?: "/files/xtcp_squat.ko";
	int fd, kmsg;

	if (access(squat, R_OK))
		SKIP(return, "no xtcp_squat.ko (set XTCP_SQUAT_KO)");
	ASSERT_EQ(0, xtcp_unload());
	fd = open(squat, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, syscall(SYS_finit_module, fd, "proto=254", 0));
	close(fd);

	kmsg = kmsg_open_end();
	ASSERT_LE(0, kmsg);
	EXPECT_EQ(-EBUSY, xtcp_load("proto=254"));
	EXPECT_FALSE(xtcp_loaded());
	EXPECT_TRUE(kmsg_seen(kmsg, "xtcp: proto=254 refused: IP protocol 254 is already handled"));
	close(kmsg);
	EXPECT_EQ(-1, xtcp_socket(IPPROTO_XTCP_ALT));
	EXPECT_EQ(EPROTONOSUPPORT, errno);
	EXPECT_EQ(-1, xtcp_counter("InSegs"));

	/* the other number is still free */
	EXPECT_EQ(0, xtcp_load("proto=253"));
	EXPECT_EQ(0, xtcp_unload());
	EXPECT_EQ(0, syscall(SYS_delete_module, "xtcp_squat", O_NONBLOCK));
}

/* Slab caches xtcp.ko creates at load and destroys at unload. */
/*
 * How many objects cache @name may gain in @rounds load/unload rounds.
 * Less than one per round, except for one known kernel bug: Linux 6.1's
 * debugfs_slab_release() (mm/slub.c) looks up the cache's debugfs directory
 * and never drops that reference, so each destroyed cache with
 * SLAB_STORE_USER (slub_debug=U, as the guest boots) leaves one dentry and
 * its inode (with the inode's LSM blob) behind. xtcp destroys
 * N_XTCP_CACHES caches per unload; on 6.1 those three caches may grow by
 * that many per round, and a leak of xtcp's own still shows above it.
 * 6.12 fixed the bug (debugfs_lookup_and_remove()).
 */
static long growth_limit(const char *name, int rounds)
{
	static int is_61 = -1;
	char rel[64];

	if (is_61 < 0)
		is_61 = read_file("/proc/sys/kernel/osrelease", rel, sizeof(rel)) > 0 &&
			!strncmp(rel, "6.1.", 4);
	if (is_61 && (!strcmp(name, "dentry") || !strcmp(name, "inode_cache") ||
		      !strcmp(name, "lsm_inode_cache")))
		return (N_XTCP_CACHES + 1L) * rounds;
	return rounds;
}

/* Caches of @after that grew past their limit since @before. */
static int count_grown(const struct slab_snap *before,
		       const struct slab_snap *after, int rounds, int report)
{
	int i, n = 0;

	for (i = 0; i < after->n; i++) {
		long grew = after->c[i].active - slab_active(before, after->c[i].name);

		if (grew >= growth_limit(after->c[i].name, rounds)) {
			n++;
			if (report)
				ksft_print_msg("slab %s grew by %ld objects in %d rounds\n",
					       after->c[i].name, grew, rounds);
		}
	}
	return n;
}

/*
 * Load, use and unload 50 times: no slab cache may grow by as much as one
 * object per round (a leak of anything per load, netns state or socket
 * would), and the kernel log stays clean (checked by vm-run). Frees the
 * kernel defers (kfree_rcu() batches for seconds) are waited for, up to 10 s.
 */
TEST_F(mod, load_unload_50_no_leak)
{
	static struct slab_snap before, after;
	const int rounds = 50;
	int i, fd, tries;

	/* one warm-up round so lazily created caches exist in both snapshots */
	ASSERT_EQ(0, xtcp_unload());
	ASSERT_EQ(0, xtcp_load(""));
	ASSERT_EQ(0, xtcp_unload());
	ASSERT_EQ(0, slab_snapshot(&before));
	for (i = 0; i < rounds; i++) {
		ASSERT_EQ(0, xtcp_load("")) TH_LOG("round %d", i);
		fd = xtcp_socket(IPPROTO_XTCP);
		ASSERT_LE(0, fd) TH_LOG("round %d", i);
		ASSERT_EQ(0, close(fd));
		ASSERT_EQ(0, xtcp_unload()) TH_LOG("round %d", i);
	}
	for (tries = 0; tries < 20; tries++) {
		ASSERT_EQ(0, slab_snapshot(&after));
		if (!count_grown(&before, &after, rounds, 0))
			break;
		usleep(500 * 1000);
	}
	EXPECT_EQ(0, count_grown(&before, &after, rounds, 1));
	for (i = 0; i < (int)N_XTCP_CACHES; i++)
		EXPECT_EQ(0, slab_active(&after, xtcp_caches[i]));
}

/* --- unloading with connections in every state ------------------------------ */

#define LO		"127.0.0.1"
#define LPORT		5000	/* the stack's listener */
#define PPORT		40000	/* the scripted peer's port */
#define PEER_ISN	1000u
#define REPLY_MS	1000	/* an answer that is due arrives within this */

/* Objects of slab cache @name now; -1 if no such cache exists. */
static long slab_objs(const char *name)
{
	static struct slab_snap s;
	int i;

	if (slab_snapshot(&s))
		return -2;
	for (i = 0; i < s.n; i++)
		if (!strcmp(s.c[i].name, name))
			return s.c[i].active;
	return -1;
}

/* References on the module (/sys/module/xtcp/refcnt); LONG_MIN if unloaded. */
static long mod_refcnt(void)
{
	return read_long("/sys/module/xtcp/refcnt");
}

static long ms_now(void)
{
	return peer_now_ns() / 1000000;
}

/* Evaluate @cond every 10 ms for up to @ms until it holds: its last value. */
#define WAIT_FOR(cond, ms) ({						\
	long _end = ms_now() + (ms);					\
	bool _ok;							\
									\
	while (!(_ok = (cond)) && ms_now() < _end)			\
		usleep(10 * 1000);					\
	_ok;								\
})

/* Close *@fd and forget it; close()'s result. */
static int close_fd(int *fd)
{
	int ret = close(*fd);

	*fd = -1;
	return ret;
}

static struct sockaddr_in sin4(const char *ip, int port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
	};

	inet_pton(AF_INET, ip, &sin.sin_addr);
	return sin;
}

/* An xtcp socket bound to @ip:@port (no SO_REUSEADDR): fd or -errno. */
static int bound_socket(const char *ip, int port)
{
	struct sockaddr_in sin = sin4(ip, port);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_XTCP);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* An xtcp listener on @ip:@port: fd or -errno. */
static int listen_at(const char *ip, int port, int backlog)
{
	int fd = bound_socket(ip, port);

	if (fd >= 0 && listen(fd, backlog)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/*
 * A client connected to 127.0.0.1:@port, from port @cport (0: an ephemeral
 * one), with blocking connect(): fd or -errno.
 */
static int connect_lo(int port, int cport)
{
	struct sockaddr_in sin = sin4(LO, port);
	int fd = cport ? bound_socket(LO, cport) :
			 socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_XTCP);

	if (fd < 0)
		return fd < -1 ? fd : -errno;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* Wait up to @ms for @fd to be readable, then read once: recv()'s result. */
static ssize_t recv_wait(int fd, void *buf, size_t len, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (poll(&pfd, 1, ms) != 1) {
		errno = ETIMEDOUT;
		return -1;
	}
	return recv(fd, buf, len, MSG_DONTWAIT);
}

/*
 * Close a loopback connection, the client *@c first: its FIN reaches *@s,
 * which reads the end of the stream and closes as well. The client ends
 * in TIME_WAIT. 0 or -errno.
 */
static int close_client_first(int *c, int *s)
{
	char b;

	if (close_fd(c))
		return -errno;
	if (recv_wait(*s, &b, 1, REPLY_MS) != 0)
		return errno ? -errno : -EPROTO;
	return close_fd(s) ? -errno : 0;
}

/* Move into a new network namespace with "lo" up. 0 or -errno. */
static int netns_new(void)
{
	if (unshare(CLONE_NEWNET))
		return -errno;
	return peer_if_up("lo");
}

/* A segment of the scripted peer: seq = PEER_ISN + 1 + @off, ack = @iss + 1 + @ack_off. */
static struct seg pseg(uint32_t iss, uint8_t flags, uint32_t off, uint32_t ack_off)
{
	struct seg s = {
		.sport = PPORT, .dport = LPORT, .flags = flags,
		.seq = PEER_ISN + 1 + off, .ack = iss + 1 + ack_off,
		.win = 65535,
	};

	return s;
}

/*
 * In a network namespace of its own (peer_open()), the scripted peer
 * 10.0.0.2:PPORT sends a SYN to the stack's listener on 10.0.0.1:LPORT,
 * which is left in self->fd[0]; the stack's SYN-ACK is returned in @synack.
 */
static void peer_syn(struct __test_metadata *_metadata, FIXTURE_DATA(mod) *self,
		     struct peer *p, struct seg *synack)
{
	struct seg syn = {
		.sport = PPORT, .dport = LPORT, .seq = PEER_ISN,
		.flags = SEG_SYN, .win = 65535,
	};

	/* the fixture turned autoloading off: let the kernel load tun.ko */
	ASSERT_EQ(0, set_autoload(1));
	ASSERT_EQ(0, peer_open(p, IPPROTO_XTCP));
	ASSERT_EQ(0, set_autoload(0));
	self->fd[0] = listen_at(PEER_LOCAL, LPORT, 16);
	ASSERT_LE(0, self->fd[0]) TH_LOG("listen: %s", strerror(-self->fd[0]));
	seg_opt_mss(&syn, 1000);
	ASSERT_EQ(0, peer_send(p, &syn));
	ASSERT_EQ(0, peer_expect(p, synack, REPLY_MS)) TH_LOG("no SYN-ACK");
	ASSERT_EQ(SEG_SYN | SEG_ACK, synack->flags);
	ASSERT_EQ(PEER_ISN + 1, synack->ack);
}

/*
 * As peer_syn(), then the peer completes the handshake and the connection
 * is accepted (self->fd[1], non-blocking) and the listener closed: the
 * stack's end is the only xtcp socket left. Returns the stack's ISS.
 */
static uint32_t peer_connect(struct __test_metadata *_metadata,
			     FIXTURE_DATA(mod) *self, struct peer *p)
{
	struct pollfd pfd = { .events = POLLIN };
	struct seg synack, ack;

	peer_syn(_metadata, self, p, &synack);
	ack = pseg(synack.seq, SEG_ACK, 0, 0);
	EXPECT_EQ(0, peer_send(p, &ack));
	pfd.fd = self->fd[0];
	EXPECT_EQ(1, poll(&pfd, 1, REPLY_MS));
	self->fd[1] = accept4(self->fd[0], NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	EXPECT_LE(0, self->fd[1]) TH_LOG("accept: %s", strerror(errno));
	EXPECT_EQ(0, close_fd(&self->fd[0]));
	return synack.seq;
}

/*
 * The module is free: wait up to 2 s for its reference count to come back
 * to @base (a socket's last reference may be dropped just after its
 * counters move), then unload it, once.
 */
static int unload_when_free(long base)
{
	WAIT_FOR(mod_refcnt() == base, 2000);
	return xtcp_unload();
}

/*
 * Half-open (SYN_RECV): a SYN-queue entry belongs to its listener and holds
 * it, not the module by itself. With the listener open and one entry (the
 * scripted peer sends a SYN and never completes), rmmod is refused
 * (EWOULDBLOCK); closing the listener resets the entry (RST <SEQ=ISS+1>),
 * frees it (xtcp_req back to its count before) and rmmod then succeeds.
 */
TEST_F(mod, unload_half_open)
{
	long req0 = slab_objs("xtcp_req"), ref0 = mod_refcnt();
	struct seg synack, rst;
	struct peer p;

	ASSERT_LE(0, req0);
	peer_syn(_metadata, self, &p, &synack);
	EXPECT_EQ(req0 + 1, slab_objs("xtcp_req"));
	EXPECT_LT(ref0, mod_refcnt());
	EXPECT_EQ(-EWOULDBLOCK, xtcp_unload());
	EXPECT_TRUE(xtcp_loaded());

	EXPECT_EQ(0, close_fd(&self->fd[0]));
	ASSERT_EQ(0, peer_expect(&p, &rst, REPLY_MS)) TH_LOG("no RST for the entry");
	EXPECT_EQ(SEG_RST, rst.flags);
	EXPECT_EQ(synack.seq + 1, rst.seq);
	EXPECT_TRUE(WAIT_FOR(slab_objs("xtcp_req") == req0, 1000))
		TH_LOG("xtcp_req: %ld objects, %ld before", slab_objs("xtcp_req"), req0);
	EXPECT_EQ(0, unload_when_free(ref0));
	EXPECT_FALSE(xtcp_loaded());
	peer_close(&p);
}

/*
 * An established loopback connection (client and accepted server) pins the
 * module, and so does its client once closed, while it waits in FIN_WAIT_2
 * for the server's FIN (an orphan). Once the server has read the end of
 * the stream and closed too, nothing is left but the client's TIME_WAIT
 * entry (Orphans 0, CurrTimeWait 1), and rmmod succeeds.
 */
TEST_F(mod, unload_established)
{
	long ref0 = mod_refcnt(), sk0;
	char b;

	ASSERT_EQ(0, netns_new());
	sk0 = slab_objs("XTCP");
	self->fd[0] = listen_at(LO, LPORT, 16);
	ASSERT_LE(0, self->fd[0]);
	self->fd[1] = connect_lo(LPORT, 0);
	ASSERT_LE(0, self->fd[1]) TH_LOG("connect: %s", strerror(-self->fd[1]));
	self->fd[2] = accept4(self->fd[0], NULL, NULL, SOCK_CLOEXEC);
	ASSERT_LE(0, self->fd[2]);
	ASSERT_EQ(0, close_fd(&self->fd[0]));
	EXPECT_EQ(2, xtcp_counter("CurrEstab")) TH_LOG("both ends ESTABLISHED");
	EXPECT_EQ(-EWOULDBLOCK, xtcp_unload());

	/* the client closes: an orphan waiting for the server's FIN */
	ASSERT_EQ(0, close_fd(&self->fd[1]));
	EXPECT_EQ(1, xtcp_counter("Orphans"));
	EXPECT_EQ(-EWOULDBLOCK, xtcp_unload());
	EXPECT_EQ(1, xtcp_counter("Orphans"));

	/* the server reads the end of the stream and closes */
	EXPECT_EQ(0, recv_wait(self->fd[2], &b, 1, REPLY_MS));
	ASSERT_EQ(0, close_fd(&self->fd[2]));
	EXPECT_TRUE(WAIT_FOR(xtcp_counter("Orphans") == 0 &&
			     xtcp_counter("CurrTimeWait") == 1, 2000))
		TH_LOG("Orphans %ld, CurrTimeWait %ld", xtcp_counter("Orphans"),
		       xtcp_counter("CurrTimeWait"));
	EXPECT_EQ(0, xtcp_counter("CurrEstab"));
	EXPECT_TRUE(WAIT_FOR(slab_objs("XTCP") == sk0, 1000))
		TH_LOG("XTCP: %ld objects, %ld before", slab_objs("XTCP"), sk0);
	EXPECT_EQ(0, unload_when_free(ref0));
	EXPECT_FALSE(xtcp_loaded());
}

/*
 * Orphan in FIN_WAIT_1: the program closed its end of a connection with the
 * scripted peer, which never acknowledges the FIN. The orphan retransmits
 * it (default retries2 and RTO: minutes) and pins the module: rmmod is
 * refused while Orphans is 1. Then retries2 = 1 and rto_max_ms = 100 make
 * it give up at its next expiry (Timeouts moves); once Orphans is 0, rmmod
 * succeeds.
 */
TEST_F(mod, unload_orphan_fin_wait1)
{
	long ref0 = mod_refcnt(), timeouts;
	struct seg fin;
	struct peer p;
	uint32_t iss;

	iss = peer_connect(_metadata, self, &p);
	timeouts = xtcp_counter("Timeouts");
	ASSERT_EQ(0, close_fd(&self->fd[1]));
	ASSERT_EQ(0, peer_expect(&p, &fin, REPLY_MS)) TH_LOG("no FIN");
	EXPECT_EQ(SEG_FIN | SEG_ACK, fin.flags);
	EXPECT_EQ(iss + 1, fin.seq);
	EXPECT_EQ(1, xtcp_counter("Orphans"));
	EXPECT_EQ(-EWOULDBLOCK, xtcp_unload());
	EXPECT_EQ(1, xtcp_counter("Orphans"));

	ASSERT_EQ(0, write_file("/proc/sys/net/xtcp/retries2", "1"));
	ASSERT_EQ(0, write_file("/proc/sys/net/xtcp/rto_max_ms", "100"));
	EXPECT_TRUE(WAIT_FOR(xtcp_counter("Orphans") == 0, 10000))
		TH_LOG("the orphan in FIN_WAIT_1 did not give up");
	EXPECT_LT(timeouts, xtcp_counter("Timeouts"));
	EXPECT_EQ(0, unload_when_free(ref0));
	EXPECT_FALSE(xtcp_loaded());
	peer_close(&p);
}

/*
 * Orphan in FIN_WAIT_2: the peer acknowledges the FIN and never sends its
 * own. With fin_timeout = 4 (s) the orphan pins the module (rmmod refused,
 * Orphans 1) until the timeout ends it (FinWait2Timeouts moves, Orphans 0);
 * then rmmod succeeds.
 */
TEST_F(mod, unload_orphan_fin_wait2)
{
	long ref0 = mod_refcnt(), fw2;
	struct seg fin, ack;
	struct peer p;
	uint32_t iss;

	iss = peer_connect(_metadata, self, &p);
	ASSERT_EQ(0, write_file("/proc/sys/net/xtcp/fin_timeout", "4"));
	fw2 = xtcp_counter("FinWait2Timeouts");
	ASSERT_EQ(0, close_fd(&self->fd[1]));
	ASSERT_EQ(0, peer_expect(&p, &fin, REPLY_MS)) TH_LOG("no FIN");
	EXPECT_EQ(SEG_FIN | SEG_ACK, fin.flags);
	ack = pseg(iss, SEG_ACK, 0, 1);
	ASSERT_EQ(0, peer_send(&p, &ack));
	EXPECT_EQ(1, xtcp_counter("Orphans"));
	EXPECT_EQ(-EWOULDBLOCK, xtcp_unload());
	EXPECT_EQ(1, xtcp_counter("Orphans"));
	EXPECT_EQ(fw2, xtcp_counter("FinWait2Timeouts"));

	EXPECT_TRUE(WAIT_FOR(xtcp_counter("Orphans") == 0, 10000))
		TH_LOG("the orphan in FIN_WAIT_2 did not time out");
	EXPECT_EQ(fw2 + 1, xtcp_counter("FinWait2Timeouts"));
	EXPECT_EQ(0, unload_when_free(ref0));
	EXPECT_FALSE(xtcp_loaded());
	peer_close(&p);
}

/*
 * Orphan in LAST_ACK: the peer closes first; the program reads the end of
 * the stream and closes, and the peer never acknowledges that FIN. The
 * orphan pins the module (rmmod refused, Orphans 1) until the peer resets
 * the connection (RST <SEQ=its FIN + 1>); then rmmod succeeds.
 */
TEST_F(mod, unload_orphan_last_ack)
{
	long ref0 = mod_refcnt();
	struct seg pfin, fin, rst;
	struct peer p;
	uint32_t iss;
	char b;

	iss = peer_connect(_metadata, self, &p);
	pfin = pseg(iss, SEG_FIN | SEG_ACK, 0, 0);
	ASSERT_EQ(0, peer_send(&p, &pfin));
	ASSERT_EQ(0, recv_wait(self->fd[1], &b, 1, REPLY_MS)) TH_LOG("no end of stream");
	ASSERT_EQ(0, close_fd(&self->fd[1]));
	ASSERT_EQ(0, peer_expect(&p, &fin, REPLY_MS)) TH_LOG("no FIN");
	EXPECT_EQ(SEG_FIN | SEG_ACK, fin.flags);
	EXPECT_EQ(iss + 1, fin.seq);
	EXPECT_EQ(PEER_ISN + 2, fin.ack);
	EXPECT_EQ(1, xtcp_counter("Orphans"));
	EXPECT_EQ(-EWOULDBLOCK, xtcp_unload());
	EXPECT_EQ(1, xtcp_counter("Orphans"));

	rst = pseg(iss, SEG_RST, 1, 0);
	ASSERT_EQ(0, peer_send(&p, &rst));
	EXPECT_TRUE(WAIT_FOR(xtcp_counter("Orphans") == 0, 2000))
		TH_LOG("the orphan in LAST_ACK survived the RST");
	EXPECT_EQ(0, unload_when_free(ref0));
	EXPECT_FALSE(xtcp_loaded());
	peer_close(&p);
}

/*
 * TIME_WAIT entries do not pin the module. A loopback client bound to port
 * 41000 closes first and waits in TIME_WAIT (msl_ms at its default: 60 s),
 * keeping the port (bind() without SO_REUSEADDR: EADDRINUSE). With no
 * socket left, rmmod succeeds at once: the entry is purged, the xtcp_tw
 * cache is destroyed without objects (no cache of that name remains) and
 * the kernel log stays clean. A new insmod works at once and port 41000 is
 * free.
 */
TEST_F(mod, unload_time_wait)
{
	long ref0 = mod_refcnt(), tw0 = slab_objs("xtcp_tw");
	long t;
	int kmsg, fd;

	ASSERT_LE(0, tw0);
	ASSERT_EQ(0, netns_new());
	kmsg = kmsg_open_end();
	ASSERT_LE(0, kmsg);
	ASSERT_EQ(30000, read_long("/proc/sys/net/xtcp/msl_ms"));
	self->fd[0] = listen_at(LO, LPORT, 16);
	ASSERT_LE(0, self->fd[0]);
	self->fd[1] = connect_lo(LPORT, 41000);
	ASSERT_LE(0, self->fd[1]) TH_LOG("connect: %s", strerror(-self->fd[1]));
	self->fd[2] = accept4(self->fd[0], NULL, NULL, SOCK_CLOEXEC);
	ASSERT_LE(0, self->fd[2]);
	ASSERT_EQ(0, close_fd(&self->fd[0]));
	ASSERT_EQ(0, close_client_first(&self->fd[1], &self->fd[2]));
	ASSERT_TRUE(WAIT_FOR(xtcp_counter("Orphans") == 0 &&
			     xtcp_counter("CurrTimeWait") == 1, 2000))
		TH_LOG("Orphans %ld, CurrTimeWait %ld", xtcp_counter("Orphans"),
		       xtcp_counter("CurrTimeWait"));
	EXPECT_EQ(tw0 + 1, slab_objs("xtcp_tw"));
	fd = bound_socket(LO, 41000);
	EXPECT_EQ(-EADDRINUSE, fd) TH_LOG("port 41000 not held by TIME_WAIT");
	if (fd >= 0)
		close(fd);
	ASSERT_TRUE(WAIT_FOR(mod_refcnt() == ref0, 2000))
		TH_LOG("module refcnt %ld, %ld before", mod_refcnt(), ref0);

	t = ms_now();
	EXPECT_EQ(1, xtcp_counter("CurrTimeWait"));
	EXPECT_EQ(0, xtcp_unload());
	ksft_print_msg("rmmod with a TIME_WAIT entry: %ld ms\n", ms_now() - t);
	EXPECT_FALSE(xtcp_loaded());
	EXPECT_EQ(-1, slab_objs("xtcp_tw")) TH_LOG("xtcp_tw cache left behind");
	EXPECT_EQ(-1, slab_objs("XTCP"));
	EXPECT_EQ(-1, slab_objs("xtcp_req"));
	EXPECT_EQ(0, kmsg_problems_print(kmsg, ksft_print_msg));
	close(kmsg);

	ASSERT_EQ(0, xtcp_load(""));
	EXPECT_EQ(0, xtcp_counter("CurrTimeWait"));
	fd = bound_socket(LO, 41000);
	EXPECT_LE(0, fd) TH_LOG("bind to the port of the purged entry: %s",
				strerror(-fd));
	if (fd >= 0)
		close(fd);
}

/*
 * A TIME_WAIT entry in a network namespace that goes away: a child process
 * makes one in a namespace of its own (msl_ms at its default, so it would
 * last 60 s) and exits. The namespace's exit purges it: within 10 s the
 * xtcp_tw objects, the sockets and the module's references are back to
 * what they were, the kernel log is clean and rmmod succeeds.
 */
TEST_F(mod, netns_exit_purges_time_wait)
{
	long ref0 = mod_refcnt(), tw0 = slab_objs("xtcp_tw"), sk0 = slab_objs("XTCP");
	int kmsg, status;
	pid_t pid;

	ASSERT_LE(0, tw0);
	kmsg = kmsg_open_end();
	ASSERT_LE(0, kmsg);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int l, c, s;

		if (netns_new())
			_exit(10);
		l = listen_at(LO, LPORT, 16);
		c = connect_lo(LPORT, 0);
		s = l < 0 ? -1 : accept4(l, NULL, NULL, SOCK_CLOEXEC);
		if (l < 0 || c < 0 || s < 0)
			_exit(11);
		close(l);
		if (close_client_first(&c, &s))
			_exit(12);
		if (!WAIT_FOR(xtcp_counter("Orphans") == 0 &&
			      xtcp_counter("CurrTimeWait") == 1, 2000))
			_exit(13);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status)) TH_LOG("child failed at step %d",
						 WEXITSTATUS(status));
	EXPECT_TRUE(WAIT_FOR(slab_objs("xtcp_tw") == tw0, 10000))
		TH_LOG("xtcp_tw: %ld objects, %ld before", slab_objs("xtcp_tw"), tw0);
	EXPECT_TRUE(WAIT_FOR(slab_objs("XTCP") == sk0, 2000));
	EXPECT_EQ(0, unload_when_free(ref0));
	EXPECT_EQ(0, kmsg_problems_print(kmsg, ksft_print_msg));
	close(kmsg);
}

/*
 * A namespace that goes away just as its TIME_WAIT entries expire: the
 * purge of its entries and their own timers race for each entry. A timer
 * that took its entry out of the tables just before the purge looked must
 * still be done with the namespace's counters before the namespace is
 * freed (a use-after-free of struct xtcp_net that KASAN, on the debug
 * guest kernel, reports). Each round a child makes TW_RACE_CONNS entries
 * that last 2 x 20 ms in a namespace of its own and exits 0 to 48 ms
 * later, so that the namespace's exit falls all over their expiry.
 * Afterwards the objects and references are back, and the log is clean.
 */
#define TW_RACE_ROUNDS	40
#define TW_RACE_CONNS	16

TEST_F(mod, netns_exit_while_time_wait_expires)
{
	long ref0 = mod_refcnt(), tw0 = slab_objs("xtcp_tw"), sk0 = slab_objs("XTCP");
	int kmsg, status, round;
	pid_t pid;

	ASSERT_LE(0, tw0);
	kmsg = kmsg_open_end();
	ASSERT_LE(0, kmsg);
	for (round = 0; round < TW_RACE_ROUNDS; round++) {
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			int l, c, a, i;

			if (netns_new() ||
			    write_file("/proc/sys/net/xtcp/msl_ms", "20"))
				_exit(10);
			l = listen_at(LO, LPORT, 64);
			if (l < 0)
				_exit(11);
			for (i = 0; i < TW_RACE_CONNS; i++) {
				c = connect_lo(LPORT, 0);
				a = c < 0 ? -1 : accept4(l, NULL, NULL, SOCK_CLOEXEC);
				if (c < 0 || a < 0)
					_exit(12);
				if (close_client_first(&c, &a))
					_exit(13);
			}
			usleep((round % 13) * 4000);
			_exit(0);
		}
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_TRUE(WIFEXITED(status));
		ASSERT_EQ(0, WEXITSTATUS(status)) TH_LOG("round %d: child failed at step %d",
							 round, WEXITSTATUS(status));
	}
	EXPECT_TRUE(WAIT_FOR(slab_objs("xtcp_tw") == tw0, 10000))
		TH_LOG("xtcp_tw: %ld objects, %ld before", slab_objs("xtcp_tw"), tw0);
	EXPECT_TRUE(WAIT_FOR(slab_objs("XTCP") == sk0, 2000));
	EXPECT_EQ(0, unload_when_free(ref0));
	EXPECT_EQ(0, kmsg_problems_print(kmsg, ksft_print_msg));
	close(kmsg);
}

/* Read exactly @len bytes from @fd, waiting up to REPLY_MS for each part. */
static int recv_n(int fd, char *buf, int len)
{
	int got = 0;
	ssize_t n;

	while (got < len) {
		n = recv_wait(fd, buf + got, len - got, REPLY_MS);
		if (n <= 0)
			return n ? -errno : -EPROTO;
		got += n;
	}
	return 0;
}

#define CHURN_CYCLES	10000
#define CHURN_MSL_MS	500

/*
 * Churn: CHURN_CYCLES loopback connections one after another, in a network
 * namespace of its own. Each cycle: the client connects (an ephemeral
 * port) and sends 8 bytes, the server accepts and reads them, the client
 * closes first (TIME_WAIT on its side), the server reads the end of the
 * stream and closes. msl_ms = 500 (TIME_WAIT lasts 1 s), max_tw_buckets
 * 20,000; net.ipv4.ip_local_port_range must hold at least CHURN_CYCLES
 * ports (the default 32768-60999 holds 28,232), so that even every entry
 * at once would leave the client a port.
 *
 * Afterwards: TimeWaitEntered, ActiveOpens and PassiveOpens moved by
 * exactly CHURN_CYCLES, TimeWaitOverflow, EstabResets and AbortOnClose
 * not at all; CurrTimeWait drains to 0 within 2 MSL + 2 s; CurrEstab and
 * Orphans are 0; the XTCP, xtcp_req and xtcp_tw slabs come back to their
 * counts before (waiting up to 10 s) and the module's reference count to
 * its own; then rmmod succeeds. Prints how long the cycles took.
 */
TEST_F_TIMEOUT(mod, churn_time_wait, 900)
{
	static const char * const caches[] = { "XTCP", "xtcp_req", "xtcp_tw" };
	long ref0 = mod_refcnt(), obj0[3], entered, overflow, resets, aborts;
	long active, passive, t0, ms, curr, max_tw = 0;
	char buf[8], path[] = "/proc/sys/net/ipv4/ip_local_port_range";
	int i, low = 0, high = 0;
	FILE *f;

	ASSERT_EQ(0, netns_new());
	f = fopen(path, "re");
	ASSERT_NE(NULL, f);
	ASSERT_EQ(2, fscanf(f, "%d %d", &low, &high));
	fclose(f);
	ASSERT_LE(CHURN_CYCLES, high - low + 1)
		TH_LOG("ephemeral ports %d-%d: fewer than %d", low, high, CHURN_CYCLES);
	ASSERT_EQ(0, write_file("/proc/sys/net/xtcp/msl_ms", "500"));
	ASSERT_EQ(0, write_file("/proc/sys/net/xtcp/max_tw_buckets", "20000"));
	for (i = 0; i < 3; i++) {
		obj0[i] = slab_objs(caches[i]);
		ASSERT_LE(0, obj0[i]) TH_LOG("no slab %s", caches[i]);
	}
	entered = xtcp_counter("TimeWaitEntered");
	overflow = xtcp_counter("TimeWaitOverflow");
	resets = xtcp_counter("EstabResets");
	aborts = xtcp_counter("AbortOnClose");
	active = xtcp_counter("ActiveOpens");
	passive = xtcp_counter("PassiveOpens");

	self->fd[0] = listen_at(LO, LPORT, 128);
	ASSERT_LE(0, self->fd[0]);
	t0 = ms_now();
	for (i = 0; i < CHURN_CYCLES; i++) {
		self->fd[1] = connect_lo(LPORT, 0);
		ASSERT_LE(0, self->fd[1]) TH_LOG("cycle %d: connect: %s", i,
						 strerror(-self->fd[1]));
		self->fd[2] = accept4(self->fd[0], NULL, NULL, SOCK_CLOEXEC);
		ASSERT_LE(0, self->fd[2]) TH_LOG("cycle %d: accept: %s", i, strerror(errno));
		ASSERT_EQ(8, send(self->fd[1], "churn!!\n", 8, 0)) TH_LOG("cycle %d", i);
		ASSERT_EQ(0, recv_n(self->fd[2], buf, 8)) TH_LOG("cycle %d", i);
		ASSERT_EQ(0, memcmp(buf, "churn!!\n", 8));
		ASSERT_EQ(0, close_client_first(&self->fd[1], &self->fd[2]))
			TH_LOG("cycle %d", i);
		if (i % 500 == 499) {
			curr = xtcp_counter("CurrTimeWait");
			if (curr > max_tw)
				max_tw = curr;
		}
	}
	ms = ms_now() - t0;
	ksft_print_msg("churn: %d cycles in %ld.%03ld s (%ld us each), CurrTimeWait up to %ld\n",
		       CHURN_CYCLES, ms / 1000, ms % 1000, ms * 1000 / CHURN_CYCLES, max_tw);
	ASSERT_EQ(0, close_fd(&self->fd[0]));

	EXPECT_TRUE(WAIT_FOR(xtcp_counter("TimeWaitEntered") == entered + CHURN_CYCLES, 2000))
		TH_LOG("TimeWaitEntered moved by %ld", xtcp_counter("TimeWaitEntered") - entered);
	EXPECT_TRUE(WAIT_FOR(xtcp_counter("CurrTimeWait") == 0, 2 * CHURN_MSL_MS + 2000))
		TH_LOG("CurrTimeWait %ld", xtcp_counter("CurrTimeWait"));
	EXPECT_EQ(entered + CHURN_CYCLES, xtcp_counter("TimeWaitEntered"));
	EXPECT_EQ(active + CHURN_CYCLES, xtcp_counter("ActiveOpens"));
	EXPECT_EQ(passive + CHURN_CYCLES, xtcp_counter("PassiveOpens"));
	EXPECT_EQ(overflow, xtcp_counter("TimeWaitOverflow"));
	EXPECT_EQ(resets, xtcp_counter("EstabResets"));
	EXPECT_EQ(aborts, xtcp_counter("AbortOnClose"));
	EXPECT_EQ(0, xtcp_counter("CurrEstab"));
	EXPECT_EQ(0, xtcp_counter("Orphans"));
	for (i = 0; i < 3; i++) {
		const char *name = caches[i];
		long before = obj0[i];

		EXPECT_TRUE(WAIT_FOR(slab_objs(name) == before, 10000))
			TH_LOG("slab %s: %ld objects, %ld before", name,
			       slab_objs(name), before);
	}
	EXPECT_TRUE(WAIT_FOR(mod_refcnt() == ref0, 2000))
		TH_LOG("module refcnt %ld, %ld before", mod_refcnt(), ref0);
	EXPECT_EQ(0, xtcp_unload());
	EXPECT_FALSE(xtcp_loaded());
}

XTCP_TEST_MAIN
