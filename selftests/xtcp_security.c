// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's security machinery as TCP applies it, on TCP and on xtcp
 * with the same assertions (FIXTURE_VARIANTs tcp and xtcp), on a connected
 * pair on loopback in a private network namespace:
 *
 *   socket filters    SO_ATTACH_FILTER (classic BPF) on the receiving
 *                     socket: a program that drops every segment makes the
 *                     peer retransmit, the data unacknowledged, until it
 *                     is detached; one that keeps a single byte trims a
 *                     segment to its header, never below (its ACK still
 *                     counts, its data does not); one that keeps the
 *                     header and 3 bytes lets the data through 3 bytes at
 *                     a time, each retransmission starting where the last
 *                     one's bytes were taken. tcp_filter().
 *   cgroup ingress    a BPF_PROG_TYPE_CGROUP_SKB program on
 *                     BPF_CGROUP_INET_INGRESS of the cgroup the sockets
 *                     were made in, returning 0: the same as a filter that
 *                     drops all (it runs in sk_filter() too).
 *   cgroup connect    BPF_PROG_TYPE_CGROUP_SOCK_ADDR programs on
 *                     BPF_CGROUP_INET4_CONNECT, run before connect() by
 *                     struct proto's pre_connect: one returning 0 makes
 *                     connect() fail with EPERM (and the socket connects
 *                     once it is detached); one rewriting the port makes
 *                     the connection go to the other port.
 *   LSM hooks         counted by BPF LSM programs (the "bpf" LSM is
 *                     active on Debian's kernels): over a handshake, the
 *                     socket_sock_rcv_skb hook once per segment received
 *                     (in sk_filter()), inet_conn_established once (the
 *                     client's SYN-ACK), sk_clone_security and sock_graft
 *                     once (the child, and accept()). inet_conn_request
 *                     and inet_csk_clone take TCP's struct request_sock,
 *                     which xtcp has none of: once each for TCP, never for
 *                     xtcp (the variants say so). No LSM in the guest
 *                     refuses anything: these show where the hooks run,
 *                     not what a policy would do there.
 *   IPsec policy      a policy of the socket's own (IP_XFRM_POLICY) that
 *                     blocks what comes in: on the connected socket, the
 *                     same as a filter that drops all; on a listener, no
 *                     SYN gets an answer. One of the namespace ("ip xfrm
 *                     policy ... dir in action block"): data, SYNs to a
 *                     listener and to a closed port alike get no answer
 *                     (no SYN-ACK, no RST), until it is flushed.
 *                     xfrm4_policy_check().
 *
 * The IPsec tests need the xfrm_user module (and xfrm_algo, which it
 * needs), which the guest image leaves out: they skip without it. With
 * both taken from the guest kernel's linux-image package:
 *
 *   scripts/vm-run --kernel 6.12 --file xfrm_algo.ko --file xfrm_user.ko \
 *     -- sh -c 'insmod /files/xfrm_algo.ko && insmod /files/xfrm_user.ko &&
 *               /selftests/xtcp_security'
 *
 * BPF programs are loaded with the bpf() system call, written by hand
 * (there is no libbpf or bpftool in the guest), and attached to a cgroup
 * of the cgroup2 hierarchy the guest mounts on /sys/fs/cgroup, made for
 * the test; the test process moves into it and back out.
 *
 * The counters are each protocol's own in the test's namespace
 * (RetransSegs: TCP's Tcp RetransSegs).
 */
#include <poll.h>
#include <sched.h>
#include <stddef.h>
#include <netinet/in.h>
#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/filter.h>
#include <linux/magic.h>
#include <linux/netlink.h>
#include <linux/sockios.h>
#include <linux/xfrm.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "xtcp_main.h"
#include "xtcp_proto.h"

#define PORT	5000

#define CG_ROOT	"/sys/fs/cgroup"

FIXTURE(sec) {
	int lfd, c, s;	/* listener, client end, server end */
	int cg;		/* the test's cgroup (cg_enter()), or -1 */
	char cg_path[64];
};

FIXTURE_VARIANT(sec) {
	int proto;
	/*
	 * inet_conn_request and inet_csk_clone hook calls per passive
	 * open: both take a struct request_sock (protocol.rst)
	 */
	int reqsk_hooks;
};

FIXTURE_VARIANT_ADD(sec, tcp) {
	.proto = IPPROTO_TCP,
	.reqsk_hooks = 1,
};

FIXTURE_VARIANT_ADD(sec, xtcp) {
	.proto = IPPROTO_XTCP,
	.reqsk_hooks = 0,
};

/* Poll @cond every millisecond for up to @ms; its last value. */
#define WAIT_UNTIL(cond, ms) ({					\
	long __end = now_ms() + (ms);				\
	while (!(cond) && now_ms() < __end)			\
		usleep(1000);					\
	(cond);							\
})

static void timeouts(int fd, int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = ms % 1000 * 1000 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/*
 * A listener of @proto on 127.0.0.1:@port, backlog 8, accept() waiting
 * 10 s at most; -1 on failure.
 */
static int listener(int proto, int port)
{
	struct sockaddr_in sin = addr4("127.0.0.1", port);
	int fd = socket(AF_INET, SOCK_STREAM, proto);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) || listen(fd, 8)) {
		close(fd);
		return -1;
	}
	timeouts(fd, 10000);	/* accept() */
	return fd;
}

/* A new connection of @proto to @lfd on @port: the client, the server in *@s. */
static int connect_pair(int proto, int lfd, int port, int *s)
{
	int c = socket(AF_INET, SOCK_STREAM, proto);

	if (c < 0)
		return -1;
	if (connect_to(c, "127.0.0.1", port)) {
		close(c);
		return -1;
	}
	*s = accept(lfd, NULL, NULL);
	if (*s < 0) {
		close(c);
		return -1;
	}
	timeouts(c, 10000);
	timeouts(*s, 10000);
	return c;
}

/* A connected pair on 127.0.0.1 in a new network namespace, 10 s timeouts. */
FIXTURE_SETUP(sec)
{
	self->s = -1;
	self->c = -1;
	self->cg = -1;
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, lo_up());
	self->lfd = listener(variant->proto, PORT);
	ASSERT_LE(0, self->lfd);
	self->c = connect_pair(variant->proto, self->lfd, PORT, &self->s);
	ASSERT_LE(0, self->c);
}

/*
 * Leave the test's cgroup for the root one and remove it; its programs go
 * with it.
 */
static void cg_leave(int *cg, const char *path)
{
	char pid[16];

	if (*cg < 0)
		return;
	snprintf(pid, sizeof(pid), "%d\n", getpid());
	write_file(CG_ROOT "/cgroup.procs", pid);
	close(*cg);
	*cg = -1;
	rmdir(path);
}

FIXTURE_TEARDOWN(sec)
{
	close(self->s);
	close(self->c);
	close(self->lfd);
	cg_leave(&self->cg, self->cg_path);
}

/* ---- cgroups and BPF programs, by hand ---- */

/*
 * Move this process into a new cgroup of its own (the sockets it makes
 * from now on belong to it): its directory's descriptor, or -1 with the
 * reason in *@why (cgroup2 not mounted on CG_ROOT, ...).
 */
static int cg_enter(char *path, size_t len, const char **why)
{
	struct statfs st;
	char pid[16];
	int fd;

	*why = "no cgroup2 hierarchy on " CG_ROOT;
	if (statfs(CG_ROOT, &st) || st.f_type != CGROUP2_SUPER_MAGIC)
		return -1;
	*why = "cannot make a cgroup";
	snprintf(path, len, CG_ROOT "/xtcp_security.%d", getpid());
	if (mkdir(path, 0755) && errno != EEXIST)
		return -1;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	snprintf(pid, sizeof(pid), "%d\n", getpid());
	if (fd >= 0) {
		char procs[96];

		snprintf(procs, sizeof(procs), "%s/cgroup.procs", path);
		if (!write_file(procs, pid))
			return fd;
		close(fd);
	}
	rmdir(path);
	return -1;
}

/* Enter a cgroup of the test's own (self->cg), or skip the test. */
#define CG_ENTER_OR_SKIP() do {						\
	const char *__why;						\
									\
	self->cg = cg_enter(self->cg_path, sizeof(self->cg_path), &__why); \
	if (self->cg < 0)						\
		SKIP(return, "%s", __why);				\
} while (0)

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), \
	.src_reg = (s), .off = (o), .imm = (i) })
/* r@d = @i */
#define MOV_IMM(d, i)	INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
/* r@d = r@s */
#define MOV_REG(d, s)	INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
/* r@d += @i */
#define ADD_IMM(d, i)	INSN(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, i)
/* *(u32 *)(r@d + @o) = r@s */
#define STX_W(d, s, o)	INSN(BPF_STX | BPF_MEM | BPF_W, d, s, o, 0)
/* *(u32 *)(r@d + @o) = @i */
#define ST_W(d, o, i)	INSN(BPF_ST | BPF_MEM | BPF_W, d, 0, o, i)
/* lock *(u64 *)(r@d + @o) += r@s */
#define XADD_DW(d, s, o) INSN(BPF_STX | BPF_ATOMIC | BPF_DW, d, s, o, BPF_ADD)
/* r@d = the map of descriptor @fd (two instructions) */
#define LD_MAP(d, fd)	INSN(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_MAP_FD, 0, fd), \
			INSN(0, 0, 0, 0, 0)
/* if r@d == @i goto +@o */
#define JEQ_IMM(d, i, o) INSN(BPF_JMP | BPF_JEQ | BPF_K, d, 0, o, i)
#define CALL(f)		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define EXIT()		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/*
 * Load program @insns (@n instructions) of @type, for attach type @at (and
 * kernel function @btf_id, for tracing and LSM programs): its descriptor,
 * or -1 (the verifier's log on stderr).
 */
static int prog_load_btf(enum bpf_prog_type type, enum bpf_attach_type at,
			 int btf_id, const struct bpf_insn *insns,
			 unsigned int n)
{
	static char log[4096];
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = type;
	attr.expected_attach_type = at;
	attr.attach_btf_id = btf_id;
	attr.insns = (uintptr_t)insns;
	attr.insn_cnt = n;
	attr.license = (uintptr_t)"GPL";
	fd = sys_bpf(BPF_PROG_LOAD, &attr);
	if (fd >= 0)
		return fd;
	attr.log_buf = (uintptr_t)log;
	attr.log_size = sizeof(log);
	attr.log_level = 1;
	fd = sys_bpf(BPF_PROG_LOAD, &attr);
	fprintf(stderr, "# BPF_PROG_LOAD: %s\n%s", strerror(errno), log);
	return fd;
}

static int prog_load(enum bpf_prog_type type, enum bpf_attach_type at,
		     const struct bpf_insn *insns, unsigned int n)
{
	return prog_load_btf(type, at, 0, insns, n);
}

/* Attach program @prog to cgroup @cg at @at: 0 or errno. */
static int cg_attach(int cg, int prog, enum bpf_attach_type at)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.target_fd = cg;
	attr.attach_bpf_fd = prog;
	attr.attach_type = at;
	return sys_bpf(BPF_PROG_ATTACH, &attr) ? errno : 0;
}

static int cg_detach(int cg, int prog, enum bpf_attach_type at)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.target_fd = cg;
	attr.attach_bpf_fd = prog;
	attr.attach_type = at;
	return sys_bpf(BPF_PROG_DETACH, &attr) ? errno : 0;
}

/* ---- socket filters (SO_ATTACH_FILTER) ---- */

/* Attach the classic BPF program @insns (@n instructions) to @fd: 0 or errno. */
static int attach_filter(int fd, struct sock_filter *insns, unsigned short n)
{
	struct sock_fprog prog = { .len = n, .filter = insns };

	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
			  sizeof(prog)) ? errno : 0;
}

static int detach_filter(int fd)
{
	int zero = 0;

	return setsockopt(fd, SOL_SOCKET, SO_DETACH_FILTER, &zero,
			  sizeof(zero)) ? errno : 0;
}

/*
 * Data from @c to @s, whose segments something keeps from @s: it is
 * neither read nor acknowledged, and @c retransmits it (RetransSegs moves
 * within 5 s: TCP's RTO, or xtcp's first one of 1 s).
 */
static void expect_unacked(struct __test_metadata *_metadata, int proto,
			   int c, int s)
{
	long retrans = mib(proto, "RetransSegs");
	char buf[16];

	ASSERT_LE(0, retrans);
	ASSERT_EQ(5, send(c, "hello", 5, 0));
	EXPECT_TRUE(WAIT_UNTIL(mib(proto, "RetransSegs") > retrans, 5000))
		TH_LOG("no retransmission: the data got through");
	EXPECT_EQ(5, ioc(c, SIOCOUTQ));
	EXPECT_EQ(0, ioc(s, SIOCINQ));
	EXPECT_EQ(-1, recv(s, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
}

/*
 * After expect_unacked(), once segments get through again: the next
 * retransmission delivers the data, which is acknowledged.
 */
static void expect_delivered(struct __test_metadata *_metadata, int c, int s)
{
	char buf[16];

	ASSERT_EQ(5, recv(s, buf, 5, MSG_WAITALL));
	EXPECT_EQ(0, memcmp(buf, "hello", 5));
	EXPECT_TRUE(WAIT_UNTIL(ioc(c, SIOCOUTQ) == 0, 10000));
}

/* A filter that drops every segment of the connected socket. */
TEST_F(sec, filter_drop_all)
{
	struct sock_filter drop[] = { BPF_STMT(BPF_RET | BPF_K, 0) };

	ASSERT_EQ(0, attach_filter(self->s, drop, 1));
	expect_unacked(_metadata, variant->proto, self->c, self->s);
	ASSERT_EQ(0, detach_filter(self->s));
	expect_delivered(_metadata, self->c, self->s);
	/* and the connection carries data both ways as before */
	ASSERT_EQ(3, send(self->s, "abc", 3, 0));
	EXPECT_TRUE(WAIT_UNTIL(ioc(self->c, SIOCINQ) == 3, 5000));
	EXPECT_TRUE(WAIT_UNTIL(ioc(self->s, SIOCOUTQ) == 0, 5000));
}

/*
 * A filter that keeps only the first byte of each segment: the segment is
 * trimmed to its header, not below it (sk_filter_trim_cap()), so what it
 * acknowledges still counts while its data is gone. @s sends, and @c's ACK
 * empties @s's send queue; @c sends, and its data never arrives, until
 * the filter goes.
 */
TEST_F(sec, filter_trim_to_header)
{
	struct sock_filter one[] = { BPF_STMT(BPF_RET | BPF_K, 1) };
	char buf[4];

	ASSERT_EQ(0, attach_filter(self->s, one, 1));
	ASSERT_EQ(3, send(self->s, "abc", 3, 0));
	ASSERT_EQ(3, recv(self->c, buf, 3, MSG_WAITALL));
	EXPECT_EQ(0, memcmp(buf, "abc", 3));
	EXPECT_TRUE(WAIT_UNTIL(ioc(self->s, SIOCOUTQ) == 0, 5000))
		TH_LOG("the ACK was dropped, not trimmed to its header");
	expect_unacked(_metadata, variant->proto, self->c, self->s);
	ASSERT_EQ(0, detach_filter(self->s));
	expect_delivered(_metadata, self->c, self->s);
}

/*
 * A byte from @c to @s, read and acknowledged: a round trip timed on a
 * segment sent once, which sets the retransmission timeout to the
 * estimate again (RFC 6298; backed off until then, Karn's rule).
 */
static void rtt_sample(struct __test_metadata *_metadata, int c, int s)
{
	char b;

	ASSERT_EQ(1, send(c, "x", 1, 0));
	ASSERT_EQ(1, recv(s, &b, 1, 0));
	ASSERT_TRUE(WAIT_UNTIL(ioc(c, SIOCOUTQ) == 0, 5000));
}

/*
 * A filter that keeps the header and the first 3 bytes of data of each
 * segment (data offset from the header's 13th byte): 10 bytes sent in one
 * segment arrive 3, 3, 3 and 1 at a time, whole and in order, since each
 * retransmission starts at what is still unacknowledged (TCP's
 * tcp_retransmit_skb() trims the acknowledged head; resending the segment
 * from its first byte would give the filter's 3 old bytes every time).
 * Then 5000 bytes, 2000 at a time: xtcp's segment holds them in pages.
 * Each part starts from a fresh round-trip sample, so that the backed-off
 * timeouts of three retransmissions stay within the test's 10 s.
 */
TEST_F(sec, filter_keep_part)
{
	struct sock_filter keep[] = {
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 12),	/* data offset << 4 */
		BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 2),
		BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0x3c),	/* header bytes */
		BPF_STMT(BPF_ALU | BPF_ADD | BPF_K, 3),	/* data bytes kept */
		BPF_STMT(BPF_RET | BPF_A, 0),
	};
	long retrans = mib(variant->proto, "RetransSegs");
	enum { BIG = 5000 };
	char buf[16], big[BIG], got[BIG];
	int i;

	rtt_sample(_metadata, self->c, self->s);
	ASSERT_EQ(0, attach_filter(self->s, keep, ARRAY_SIZE(keep)));
	ASSERT_EQ(10, send(self->c, "0123456789", 10, 0));
	ASSERT_EQ(10, recv(self->s, buf, 10, MSG_WAITALL));
	EXPECT_EQ(0, memcmp(buf, "0123456789", 10));
	EXPECT_LE(3, mib(variant->proto, "RetransSegs") - retrans);
	EXPECT_TRUE(WAIT_UNTIL(ioc(self->c, SIOCOUTQ) == 0, 5000));

	ASSERT_EQ(0, detach_filter(self->s));
	rtt_sample(_metadata, self->c, self->s);
	keep[3].k = 2000;
	ASSERT_EQ(0, attach_filter(self->s, keep, ARRAY_SIZE(keep)));
	for (i = 0; i < BIG; i++)
		big[i] = i * 7 + i / 251;
	ASSERT_EQ(BIG, send(self->c, big, BIG, 0));
	ASSERT_EQ(BIG, recv(self->s, got, BIG, MSG_WAITALL));
	EXPECT_EQ(0, memcmp(big, got, BIG));
	EXPECT_TRUE(WAIT_UNTIL(ioc(self->c, SIOCOUTQ) == 0, 5000));
}

/* ---- IPsec policies ---- */

/*
 * Skip unless IPsec policies can be set: opening a NETLINK_XFRM socket
 * loads xfrm_user, the key manager that compiles IP_XFRM_POLICY's and
 * answers "ip xfrm".
 */
#define XFRM_OR_SKIP() do {						\
	int __fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_XFRM); \
									\
	if (__fd < 0)							\
		SKIP(return, "no IPsec key manager (xfrm_user): %s",	\
		     strerror(errno));					\
	close(__fd);							\
} while (0)

/* Give @fd a policy of its own for what comes in: @action; 0 or errno. */
static int sock_policy_in(int fd, int action)
{
	struct xfrm_userpolicy_info pol;

	memset(&pol, 0, sizeof(pol));
	pol.sel.family = AF_INET;	/* any address, port, protocol */
	pol.lft.soft_byte_limit = XFRM_INF;
	pol.lft.hard_byte_limit = XFRM_INF;
	pol.lft.soft_packet_limit = XFRM_INF;
	pol.lft.hard_packet_limit = XFRM_INF;
	pol.dir = XFRM_POLICY_IN;
	pol.action = action;
	return setsockopt(fd, IPPROTO_IP, IP_XFRM_POLICY, &pol,
			  sizeof(pol)) ? errno : 0;
}

/* Remove @fd's own policies; 0 or errno. */
static int sock_policy_clear(int fd)
{
	return setsockopt(fd, IPPROTO_IP, IP_XFRM_POLICY, NULL, 0) ? errno : 0;
}

/* The events of @fd (POLLOUT asked) within @ms: 0 if none. */
static int wait_out(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };

	return poll(&pfd, 1, ms) == 1 ? pfd.revents : 0;
}

/* A non-blocking connect() of @proto to 127.0.0.1:@port, in progress. */
static int connect_nb(int proto, int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, proto);

	if (fd >= 0 && connect_to(fd, "127.0.0.1", port) != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A policy of the connected socket blocks its input: as filter_drop_all. */
TEST_F(sec, xfrm_sock_policy_connected)
{
	XFRM_OR_SKIP();
	ASSERT_EQ(0, sock_policy_in(self->s, XFRM_POLICY_BLOCK));
	expect_unacked(_metadata, variant->proto, self->c, self->s);
	ASSERT_EQ(0, sock_policy_clear(self->s));
	expect_delivered(_metadata, self->c, self->s);
}

/*
 * A listener's policy blocks its input: a SYN gets no SYN-ACK; once it is
 * removed, the SYN's retransmission (1 s later, then 2 s) connects.
 */
TEST_F(sec, xfrm_sock_policy_listener)
{
	int fd, s;

	XFRM_OR_SKIP();
	ASSERT_EQ(0, sock_policy_in(self->lfd, XFRM_POLICY_BLOCK));
	fd = connect_nb(variant->proto, PORT);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, wait_out(fd, 1500));
	ASSERT_EQ(0, sock_policy_clear(self->lfd));
	EXPECT_EQ(POLLOUT, wait_out(fd, 10000));
	EXPECT_EQ(0, so_error(fd));
	s = accept(self->lfd, NULL, NULL);
	EXPECT_LE(0, s);
	close(s);
	close(fd);
}

/*
 * The namespace's policy blocks all of the protocol's input: data on a
 * connection is not acknowledged, a SYN to the listener gets no SYN-ACK
 * and one to a closed port no RST. Once flushed, the data and the SYNs'
 * retransmissions get through: connected, and refused. Packets that come
 * in on "lo" skip the namespace's policies (disable_policy, on by default
 * for a loopback device, marks each in IP's control block), so the test
 * turns that off.
 */
TEST_F(sec, xfrm_netns_policy)
{
	int closed, open, s;

	XFRM_OR_SKIP();
	ASSERT_EQ(0, write_file("/proc/sys/net/ipv4/conf/lo/disable_policy",
				"0\n"));
	ASSERT_EQ(0, sh("ip xfrm policy add src 127.0.0.1/32 dst 127.0.0.1/32 proto %d dir in action block",
			variant->proto));
	expect_unacked(_metadata, variant->proto, self->c, self->s);
	closed = connect_nb(variant->proto, PORT + 2);
	ASSERT_LE(0, closed);
	open = connect_nb(variant->proto, PORT);
	ASSERT_LE(0, open);
	EXPECT_EQ(0, wait_out(closed, 1500)) TH_LOG("the closed port answered");
	EXPECT_EQ(0, wait_out(open, 0)) TH_LOG("the listener answered");

	ASSERT_EQ(0, sh("ip xfrm policy flush"));
	expect_delivered(_metadata, self->c, self->s);
	EXPECT_NE(0, wait_out(closed, 10000));
	EXPECT_EQ(ECONNREFUSED, so_error(closed));
	EXPECT_EQ(POLLOUT, wait_out(open, 10000));
	EXPECT_EQ(0, so_error(open));
	s = accept(self->lfd, NULL, NULL);
	EXPECT_LE(0, s);
	close(s);
	close(open);
	close(closed);
}

/* ---- cgroup BPF ---- */

/*
 * A cgroup ingress program that drops everything, on the cgroup a new
 * pair of sockets was made in: as filter_drop_all, until it is detached.
 */
TEST_F(sec, cgroup_ingress_drop)
{
	const struct bpf_insn drop[] = { MOV_IMM(0, 0), EXIT() };
	int lfd, c, s, prog;

	CG_ENTER_OR_SKIP();
	lfd = listener(variant->proto, PORT + 1);
	ASSERT_LE(0, lfd);
	c = connect_pair(variant->proto, lfd, PORT + 1, &s);
	ASSERT_LE(0, c);
	prog = prog_load(BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_INGRESS,
			 drop, ARRAY_SIZE(drop));
	ASSERT_LE(0, prog);
	ASSERT_EQ(0, cg_attach(self->cg, prog, BPF_CGROUP_INET_INGRESS));
	expect_unacked(_metadata, variant->proto, c, s);
	ASSERT_EQ(0, cg_detach(self->cg, prog, BPF_CGROUP_INET_INGRESS));
	expect_delivered(_metadata, c, s);
	close(prog);
	close(s);
	close(c);
	close(lfd);
}


/* Whether listener @lfd has a connection to accept: POLLIN, or 0. */
static int queued(int lfd)
{
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };

	return poll(&pfd, 1, 0) == 1 ? pfd.revents : 0;
}

/* A connect4 program that refuses every connect(): EPERM, nothing sent. */
TEST_F(sec, cgroup_connect_deny)
{
	const struct bpf_insn deny[] = { MOV_IMM(0, 0), EXIT() };
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd, s, prog;

	CG_ENTER_OR_SKIP();
	prog = prog_load(BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
			 BPF_CGROUP_INET4_CONNECT, deny, ARRAY_SIZE(deny));
	ASSERT_LE(0, prog);
	ASSERT_EQ(0, cg_attach(self->cg, prog, BPF_CGROUP_INET4_CONNECT));
	fd = socket(AF_INET, SOCK_STREAM, variant->proto);
	ASSERT_LE(0, fd);
	EXPECT_EQ(EPERM, connect_to(fd, "127.0.0.1", PORT));
	EXPECT_EQ(-1, getpeername(fd, (struct sockaddr *)&sin, &len));
	EXPECT_EQ(ENOTCONN, errno);
	EXPECT_EQ(0, local_port(fd));	/* no port taken */
	EXPECT_EQ(0, queued(self->lfd));

	ASSERT_EQ(0, cg_detach(self->cg, prog, BPF_CGROUP_INET4_CONNECT));
	EXPECT_EQ(0, connect_to(fd, "127.0.0.1", PORT));
	s = accept(self->lfd, NULL, NULL);
	EXPECT_LE(0, s);
	close(s);
	close(fd);
	close(prog);
}

/*
 * A connect4 program that rewrites the destination port: connect() to
 * PORT goes to the listener on PORT + 1 instead.
 */
TEST_F(sec, cgroup_connect_rewrite)
{
	const struct bpf_insn rewrite[] = {
		MOV_IMM(2, htons(PORT + 1)),
		STX_W(1, 2, offsetof(struct bpf_sock_addr, user_port)),
		MOV_IMM(0, 1),
		EXIT(),
	};
	int lfd, fd, s, prog;

	CG_ENTER_OR_SKIP();
	lfd = listener(variant->proto, PORT + 1);
	ASSERT_LE(0, lfd);
	prog = prog_load(BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
			 BPF_CGROUP_INET4_CONNECT, rewrite, ARRAY_SIZE(rewrite));
	ASSERT_LE(0, prog);
	ASSERT_EQ(0, cg_attach(self->cg, prog, BPF_CGROUP_INET4_CONNECT));
	fd = socket(AF_INET, SOCK_STREAM, variant->proto);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, connect_to(fd, "127.0.0.1", PORT));
	EXPECT_EQ(PORT + 1, peer_port(fd));
	EXPECT_EQ(0, queued(self->lfd));
	s = accept(lfd, NULL, NULL);
	EXPECT_LE(0, s);
	EXPECT_EQ(local_port(fd), peer_port(s));
	close(s);
	close(fd);
	close(lfd);
	ASSERT_EQ(0, cg_detach(self->cg, prog, BPF_CGROUP_INET4_CONNECT));
	close(prog);
}


/* ---- LSM hooks ---- */

#define BTF_VMLINUX	"/sys/kernel/btf/vmlinux"

/*
 * The id of function @name in the kernel's BTF (BTF_VMLINUX), or -1: a
 * walk over the type section, each type's size from its kind
 * (Documentation/bpf/btf.rst).
 */
static int btf_func_id(const char *name)
{
	static char *btf;
	static size_t size;
	const struct btf_header *hdr;
	const char *p, *end, *strs;
	int id;

	if (!btf) {
		int fd = open(BTF_VMLINUX, O_RDONLY | O_CLOEXEC);
		struct stat st;
		ssize_t n = 0;

		if (fd < 0)
			return -1;
		if (!fstat(fd, &st) && st.st_size > (off_t)sizeof(*hdr))
			btf = malloc(st.st_size);
		/* sysfs gives a page per read() */
		while (btf && size < (size_t)st.st_size &&
		       (n = read(fd, btf + size, st.st_size - size)) > 0)
			size += n;
		close(fd);
		if (!btf || size != (size_t)st.st_size) {
			free(btf);
			btf = NULL;
			size = 0;
			return -1;
		}
	}
	hdr = (const struct btf_header *)btf;
	if (hdr->magic != BTF_MAGIC ||
	    hdr->hdr_len + hdr->type_off + hdr->type_len > size ||
	    hdr->hdr_len + hdr->str_off + hdr->str_len > size)
		return -1;
	p = btf + hdr->hdr_len + hdr->type_off;
	end = p + hdr->type_len;
	strs = btf + hdr->hdr_len + hdr->str_off;
	for (id = 1; p + sizeof(struct btf_type) <= end; id++) {
		const struct btf_type *t = (const struct btf_type *)p;
		unsigned int vlen = BTF_INFO_VLEN(t->info);

		if (BTF_INFO_KIND(t->info) == BTF_KIND_FUNC &&
		    t->name_off < hdr->str_len && !strcmp(strs + t->name_off, name))
			return id;
		p += sizeof(*t);
		switch (BTF_INFO_KIND(t->info)) {
		case BTF_KIND_INT:
		case BTF_KIND_VAR:
		case BTF_KIND_DECL_TAG:
			p += 4;
			break;
		case BTF_KIND_ARRAY:
			p += sizeof(struct btf_array);
			break;
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
			p += vlen * sizeof(struct btf_member);
			break;
		case BTF_KIND_ENUM:
			p += vlen * sizeof(struct btf_enum);
			break;
		case BTF_KIND_FUNC_PROTO:
			p += vlen * sizeof(struct btf_param);
			break;
		case BTF_KIND_DATASEC:
			p += vlen * sizeof(struct btf_var_secinfo);
			break;
		case BTF_KIND_ENUM64:
			p += vlen * sizeof(struct btf_enum64);
			break;
		default:	/* PTR, FWD, TYPEDEF, qualifiers, FUNC, FLOAT, TYPE_TAG */
			break;
		}
	}
	return -1;
}

/* The hooks counted, by their names in the kernel (bpf_lsm_<name>). */
enum { H_RCV_SKB, H_ESTABLISHED, H_SK_CLONE, H_GRAFT, H_CONN_REQUEST,
	H_CSK_CLONE, N_HOOKS };

static const char * const hook_name[N_HOOKS] = {
	[H_RCV_SKB]	 = "socket_sock_rcv_skb",
	[H_ESTABLISHED]	 = "inet_conn_established",
	[H_SK_CLONE]	 = "sk_clone_security",
	[H_GRAFT]	 = "sock_graft",
	[H_CONN_REQUEST] = "inet_conn_request",
	[H_CSK_CLONE]	 = "inet_csk_clone",
};

/* A BPF LSM program on each hook, adding 1 to its slot of an array map. */
struct lsm_count {
	int map;
	int prog[N_HOOKS];
	int link[N_HOOKS];
};

/*
 * Load and attach the counting programs: 0, or the reason they cannot be
 * (no kernel BTF, or a hook missing from it) with *@skip set, or an errno
 * (load or attach failed).
 */
static int lsm_count_start(struct lsm_count *lc, const char **skip)
{
	union bpf_attr attr;
	char fn[64];
	int i, id;

	memset(lc, -1, sizeof(*lc));
	*skip = NULL;
	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = sizeof(__u32);
	attr.value_size = sizeof(__u64);
	attr.max_entries = N_HOOKS;
	lc->map = sys_bpf(BPF_MAP_CREATE, &attr);
	if (lc->map < 0)
		return errno;
	for (i = 0; i < N_HOOKS; i++) {
		const struct bpf_insn count[] = {
			ST_W(10, -4, i),		/* key = i */
			LD_MAP(1, lc->map),
			MOV_REG(2, 10),
			ADD_IMM(2, -4),
			CALL(BPF_FUNC_map_lookup_elem),
			JEQ_IMM(0, 0, 2),
			MOV_IMM(1, 1),
			XADD_DW(0, 1, 0),		/* (*value)++ */
			MOV_IMM(0, 0),			/* allow, if asked */
			EXIT(),
		};

		snprintf(fn, sizeof(fn), "bpf_lsm_%s", hook_name[i]);
		id = btf_func_id(fn);
		if (id < 0) {
			*skip = "no kernel BTF, or an LSM hook missing from it";
			return 0;
		}
		lc->prog[i] = prog_load_btf(BPF_PROG_TYPE_LSM, BPF_LSM_MAC, id,
					    count, ARRAY_SIZE(count));
		if (lc->prog[i] < 0)
			return errno;
		memset(&attr, 0, sizeof(attr));
		attr.raw_tracepoint.prog_fd = lc->prog[i];
		lc->link[i] = sys_bpf(BPF_RAW_TRACEPOINT_OPEN, &attr);
		if (lc->link[i] < 0)
			return errno;
	}
	return 0;
}

/* The count of every hook so far, into @n. */
static void lsm_counts(const struct lsm_count *lc, long n[N_HOOKS])
{
	union bpf_attr attr;
	__u64 val;
	__u32 key;

	for (key = 0; key < N_HOOKS; key++) {
		memset(&attr, 0, sizeof(attr));
		attr.map_fd = lc->map;
		attr.key = (uintptr_t)&key;
		attr.value = (uintptr_t)&val;
		n[key] = sys_bpf(BPF_MAP_LOOKUP_ELEM, &attr) ? -1 : (long)val;
	}
}

static void lsm_count_stop(struct lsm_count *lc)
{
	int i;

	for (i = 0; i < N_HOOKS; i++) {
		if (lc->link[i] >= 0)
			close(lc->link[i]);
		if (lc->prog[i] >= 0)
			close(lc->prog[i]);
	}
	if (lc->map >= 0)
		close(lc->map);
}

/*
 * The LSM hooks of a handshake on loopback and of a data segment, counted
 * (the guest does nothing else meanwhile): each segment received once
 * through socket_sock_rcv_skb (the SYN and the final ACK by the listener,
 * the SYN-ACK by the client, the data by the server), the client's
 * connection established once (inet_conn_established, from the SYN-ACK),
 * the server's child cloned once (sk_clone_security) and grafted onto its
 * socket by accept() once (sock_graft). The two hooks of TCP's request_sock
 * (inet_conn_request, inet_csk_clone) run once per passive open for TCP,
 * never for xtcp.
 */
TEST_F(sec, lsm_hooks)
{
	long n0[N_HOOKS], n[N_HOOKS];
	struct lsm_count lc;
	const char *skip;
	int c, s;
	char buf[8];

	ASSERT_EQ(0, lsm_count_start(&lc, &skip));
	if (skip) {
		lsm_count_stop(&lc);
		SKIP(return, "%s", skip);
	}
	lsm_counts(&lc, n0);
	c = connect_pair(variant->proto, self->lfd, PORT, &s);
	ASSERT_LE(0, c);
	lsm_counts(&lc, n);
	EXPECT_EQ(3, n[H_RCV_SKB] - n0[H_RCV_SKB]);
	EXPECT_EQ(1, n[H_ESTABLISHED] - n0[H_ESTABLISHED]);
	EXPECT_EQ(1, n[H_SK_CLONE] - n0[H_SK_CLONE]);
	EXPECT_EQ(1, n[H_GRAFT] - n0[H_GRAFT]);
	EXPECT_EQ(variant->reqsk_hooks, n[H_CONN_REQUEST] - n0[H_CONN_REQUEST]);
	EXPECT_EQ(variant->reqsk_hooks, n[H_CSK_CLONE] - n0[H_CSK_CLONE]);

	ASSERT_EQ(5, send(c, "hello", 5, 0));
	ASSERT_EQ(5, recv(s, buf, 5, MSG_WAITALL));
	lsm_counts(&lc, n0);
	EXPECT_LE(1, n0[H_RCV_SKB] - n[H_RCV_SKB]);
	EXPECT_EQ(0, n0[H_ESTABLISHED] - n[H_ESTABLISHED]);
	close(s);
	close(c);
	lsm_count_stop(&lc);
}

XTCP_TEST_MAIN
