// SPDX-License-Identifier: GPL-2.0
/*
 * Connection establishment through the socket API: bind, listen, connect,
 * accept, their errno values, names, poll events and counters. Every
 * TEST_F(conn, ...) runs as conn.tcp.* and conn.xtcp.* (FIXTURE_VARIANT)
 * with the same assertions: what Linux TCP does is what xtcp must do.
 *
 * Each test runs in a network namespace of its own (sysctls, ports and
 * counters start fresh): loopback, and for destinations that never answer
 * a TUN device "xt0" (10.0.0.1/24) whose file descriptor nobody reads, so
 * every segment sent to 10.0.0.2 vanishes (and can be counted).
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
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/if_tun.h>
#include <linux/tcp.h>

#include "kselftest_harness.h"
#include "xtcp_main.h"
#include "xtcp_proto.h"

#define PORT		5000

/* ------------------------------------------------------------ helpers */

/* The calls below return 0 or the errno value of the failure. */
static int bind_to(int fd, const char *ip, int port)
{
	struct sockaddr_in sin = addr4(ip, port);

	return bind(fd, (struct sockaddr *)&sin, sizeof(sin)) ? errno : 0;
}

static int listen_err(int fd, int backlog)
{
	return listen(fd, backlog) ? errno : 0;
}

static int set_reuseaddr(int fd)
{
	int one = 1;

	return setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
}

/* "a.b.c.d:port" of a socket's own (@peer 0) or peer's (@peer 1) name. */
static const char *name_of(int fd, int peer)
{
	static char buf[2][32];
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	char ip[INET_ADDRSTRLEN];
	int ret;

	memset(&sin, 0, sizeof(sin));
	ret = peer ? getpeername(fd, (struct sockaddr *)&sin, &len) :
		     getsockname(fd, (struct sockaddr *)&sin, &len);
	if (ret)
		snprintf(buf[peer], sizeof(buf[peer]), "error %d", errno);
	else
		snprintf(buf[peer], sizeof(buf[peer]), "%s:%d",
			 inet_ntop(AF_INET, &sin.sin_addr, ip, sizeof(ip)),
			 ntohs(sin.sin_port));
	return buf[peer];
}

static const char *peer_name(int fd)
{
	return name_of(fd, 1);
}

static const char *sock_name(int fd)
{
	return name_of(fd, 0);
}

/* revents of @fd for @events after waiting up to @ms (0 if none). */
static int wait_events(int fd, short events, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int n = poll(&pfd, 1, ms);

	return n < 0 ? -1 : n ? pfd.revents : 0;
}

#define ALL_EVENTS (POLLIN | POLLOUT | POLLRDHUP)

static int set_port_range(int lo, int hi)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%d %d\n", lo, hi);
	return write_file("/proc/sys/net/ipv4/ip_local_port_range", buf);
}

/* Drain the TUN queue; count the SYNs (without ACK) of @proto to @port. */
static int tun_count_syns(int tfd, int proto, int port)
{
	unsigned char pkt[2048];
	struct iphdr *ip = (struct iphdr *)pkt;
	struct tcphdr *th;
	int n, syns = 0;

	while ((n = read(tfd, pkt, sizeof(pkt))) > 0) {
		if (n < (int)sizeof(*ip) || ip->version != 4 ||
		    ip->protocol != proto || n < ip->ihl * 4 + 20)
			continue;
		th = (struct tcphdr *)(pkt + ip->ihl * 4);
		if (th->syn && !th->ack && ntohs(th->dest) == port)
			syns++;
	}
	return syns;
}

/*
 * Every socket of these tests gets 3 s SO_RCVTIMEO and SO_SNDTIMEO: a
 * blocking accept() or connect() that should return at once but does not
 * (a broken protocol) fails its test quickly instead of hanging it.
 */
static int new_sock(int proto)
{
	struct timeval tv = { .tv_sec = 3 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, proto);

	if (fd >= 0 &&
	    (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	     setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A listening socket on @ip:@port; -errno on failure. */
static int listener(int proto, const char *ip, int port, int backlog)
{
	int fd = new_sock(proto);
	int err;

	if (fd < 0)
		return -errno;
	err = bind_to(fd, ip, port);
	if (!err)
		err = listen_err(fd, backlog);
	if (err) {
		close(fd);
		return -err;
	}
	return fd;
}

/* A client socket connected (blocking connect()) to 127.0.0.1:@port. */
static int client(int proto, int port)
{
	int fd = new_sock(proto);

	if (fd < 0)
		return -errno;
	if (connect_to(fd, "127.0.0.1", port)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* --------------------------------------------------------- the fixture */

FIXTURE(conn) {
	int proto;
};

FIXTURE_VARIANT(conn) {
	int proto;
};

FIXTURE_VARIANT_ADD(conn, tcp) {
	.proto = IPPROTO_TCP,
};

FIXTURE_VARIANT_ADD(conn, xtcp) {
	.proto = IPPROTO_XTCP,
};

FIXTURE_SETUP(conn)
{
	self->proto = variant->proto;
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, lo_up());
}

FIXTURE_TEARDOWN(conn)
{
}

/* --------------------------------------------------------------- bind */

TEST_F(conn, bind_specific_address)
{
	int fd = new_sock(self->proto);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, bind_to(fd, "127.0.0.1", PORT));
	EXPECT_STREQ("127.0.0.1:5000", sock_name(fd));
	EXPECT_STREQ("error 107", peer_name(fd));	/* ENOTCONN */
	close(fd);
}

TEST_F(conn, bind_wildcard_address)
{
	int fd = new_sock(self->proto);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, bind_to(fd, "0.0.0.0", PORT));
	EXPECT_STREQ("0.0.0.0:5000", sock_name(fd));
	close(fd);
}

/*
 * Port 0 picks a free port of net.ipv4.ip_local_port_range, a different one
 * each time; when all are taken, bind() fails with EADDRINUSE.
 */
TEST_F(conn, bind_port0_ephemeral_in_range)
{
	int fds[9], seen[8] = { 0 }, i, port;

	ASSERT_EQ(0, set_port_range(40000, 40007));
	for (i = 0; i < 8; i++) {
		fds[i] = new_sock(self->proto);
		ASSERT_LE(0, fds[i]);
		ASSERT_EQ(0, bind_to(fds[i], "127.0.0.1", 0)) TH_LOG("bind #%d", i);
		port = local_port(fds[i]);
		ASSERT_LE(40000, port);
		ASSERT_GE(40007, port);
		EXPECT_EQ(0, seen[port - 40000]) TH_LOG("port %d twice", port);
		seen[port - 40000] = 1;
	}
	fds[8] = new_sock(self->proto);
	ASSERT_LE(0, fds[8]);
	EXPECT_EQ(EADDRINUSE, bind_to(fds[8], "127.0.0.1", 0));
	EXPECT_EQ(EADDRINUSE, bind_to(fds[8], "0.0.0.0", 0));
	for (i = 0; i < 9; i++)
		close(fds[i]);
}

/*
 * All ephemeral ports held by bind(): listen() of an unbound socket (which
 * binds one) fails with EADDRINUSE, connect() of one with EADDRNOTAVAIL.
 */
TEST_F(conn, ephemeral_ports_exhausted_by_bind)
{
	int fds[4], fd, lfd, i;

	lfd = listener(self->proto, "127.0.0.1", PORT, 8);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, set_port_range(40000, 40003));
	for (i = 0; i < 4; i++) {
		fds[i] = new_sock(self->proto);
		ASSERT_LE(0, fds[i]);
		ASSERT_EQ(0, bind_to(fds[i], "127.0.0.1", 0));
	}
	fd = new_sock(self->proto);
	ASSERT_LE(0, fd);
	EXPECT_EQ(EADDRINUSE, listen_err(fd, 8));
	EXPECT_EQ(EADDRNOTAVAIL, connect_to(fd, "127.0.0.1", PORT));
	EXPECT_EQ(0, local_port(fd));
	/* Freeing one port is enough. */
	close(fds[0]);
	EXPECT_EQ(0, connect_to(fd, "127.0.0.1", PORT));
	close(fd);
	for (i = 1; i < 4; i++)
		close(fds[i]);
	close(lfd);
}

/*
 * connect() of unbound sockets to one destination: one ephemeral port each;
 * once the range is used up, EADDRNOTAVAIL. The 4-tuple is what must be
 * unique: another destination can still use the same ports.
 */
TEST_F(conn, ephemeral_ports_exhausted_by_connect)
{
	int fds[5], seen[4] = { 0 }, lfd, lfd2, fd, i, port;

	lfd = listener(self->proto, "127.0.0.1", PORT, 16);
	ASSERT_LE(0, lfd);
	lfd2 = listener(self->proto, "127.0.0.1", PORT + 1, 16);
	ASSERT_LE(0, lfd2);
	ASSERT_EQ(0, set_port_range(40000, 40003));
	for (i = 0; i < 4; i++) {
		fds[i] = new_sock(self->proto);
		ASSERT_LE(0, fds[i]);
		ASSERT_EQ(0, connect_to(fds[i], "127.0.0.1", PORT)) TH_LOG("#%d", i);
		port = local_port(fds[i]);
		ASSERT_LE(40000, port);
		ASSERT_GE(40003, port);
		EXPECT_EQ(0, seen[port - 40000]) TH_LOG("port %d twice", port);
		seen[port - 40000] = 1;
	}
	fds[4] = new_sock(self->proto);
	ASSERT_LE(0, fds[4]);
	EXPECT_EQ(EADDRNOTAVAIL, connect_to(fds[4], "127.0.0.1", PORT));
	EXPECT_EQ(0, connect_to(fds[4], "127.0.0.1", PORT + 1));
	port = local_port(fds[4]);
	EXPECT_LE(40000, port);
	EXPECT_GE(40003, port);
	/* bind(0) cannot take a port that connect() uses. */
	fd = new_sock(self->proto);
	ASSERT_LE(0, fd);
	EXPECT_EQ(EADDRINUSE, bind_to(fd, "127.0.0.1", 0));
	close(fd);
	for (i = 0; i < 5; i++)
		close(fds[i]);
	close(lfd);
	close(lfd2);
}

/*
 * Two sockets on one port: socket A bound to @a (SO_REUSEADDR if
 * @a_reuse; @a_listen 1: listening, 2: listening from after B's bind),
 * then B binds to @b (SO_REUSEADDR if @b_reuse): @bind_err, and if that
 * worked, B's listen(): @listen_err.
 */
static const struct bind_case {
	const char *a;
	int a_reuse, a_listen;
	const char *b;
	int b_reuse, bind_err, listen_err;
} bind_cases[] = {
	{ "127.0.0.1", 0, 0, "127.0.0.1", 0, EADDRINUSE, 0 },
	{ "0.0.0.0",   0, 0, "127.0.0.1", 0, EADDRINUSE, 0 },
	{ "127.0.0.1", 0, 0, "0.0.0.0",   0, EADDRINUSE, 0 },
	{ "127.0.0.1", 0, 0, "127.0.0.2", 0, 0, 0 },
	{ "127.0.0.1", 0, 1, "127.0.0.1", 0, EADDRINUSE, 0 },
	{ "127.0.0.1", 0, 1, "127.0.0.2", 0, 0, 0 },
	{ "0.0.0.0",   0, 1, "127.0.0.2", 0, EADDRINUSE, 0 },
	/* SO_REUSEADDR: both must set it, and neither may be listening. */
	{ "127.0.0.1", 1, 0, "127.0.0.1", 0, EADDRINUSE, 0 },
	{ "127.0.0.1", 0, 0, "127.0.0.1", 1, EADDRINUSE, 0 },
	{ "127.0.0.1", 1, 0, "127.0.0.1", 1, 0, 0 },
	{ "0.0.0.0",   1, 0, "127.0.0.1", 1, 0, 0 },
	{ "127.0.0.1", 1, 0, "0.0.0.0",   1, 0, 0 },
	{ "127.0.0.1", 1, 1, "127.0.0.1", 1, EADDRINUSE, 0 },
	{ "0.0.0.0",   1, 1, "127.0.0.1", 1, EADDRINUSE, 0 },
	{ "127.0.0.1", 1, 1, "0.0.0.0",   1, EADDRINUSE, 0 },
	{ "127.0.0.1", 1, 1, "127.0.0.2", 1, 0, 0 },
	/* B may share the port, but not listen beside A's listener. */
	{ "127.0.0.1", 1, 2, "127.0.0.1", 1, 0, EADDRINUSE },
	{ "0.0.0.0",   1, 2, "127.0.0.1", 1, 0, EADDRINUSE },
};

TEST_F(conn, bind_conflicts)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bind_cases); i++) {
		const struct bind_case *c = &bind_cases[i];
		int port = PORT + i, a, b;

		a = new_sock(self->proto);
		b = new_sock(self->proto);
		ASSERT_LE(0, a);
		ASSERT_LE(0, b);
		if (c->a_reuse)
			ASSERT_EQ(0, set_reuseaddr(a));
		if (c->b_reuse)
			ASSERT_EQ(0, set_reuseaddr(b));
		ASSERT_EQ(0, bind_to(a, c->a, port));
		if (c->a_listen == 1)
			ASSERT_EQ(0, listen_err(a, 8));
		EXPECT_EQ(c->bind_err, bind_to(b, c->b, port))
			TH_LOG("case %u: %s%s%s, then %s%s", i, c->a,
			       c->a_reuse ? " reuse" : "",
			       c->a_listen == 1 ? " listening" : "", c->b,
			       c->b_reuse ? " reuse" : "");
		if (c->a_listen == 2)	/* A listens after B has bound */
			ASSERT_EQ(0, listen_err(a, 8));
		if (!c->bind_err)
			EXPECT_EQ(c->listen_err, listen_err(b, 8))
				TH_LOG("case %u: listen()", i);
		close(a);
		close(b);
	}
}

TEST_F(conn, bind_twice_einval)
{
	int fd = new_sock(self->proto);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, bind_to(fd, "127.0.0.1", PORT));
	EXPECT_EQ(EINVAL, bind_to(fd, "127.0.0.1", PORT));
	EXPECT_EQ(EINVAL, bind_to(fd, "127.0.0.1", PORT + 1));
	EXPECT_EQ(EINVAL, bind_to(fd, "0.0.0.0", 0));
	EXPECT_STREQ("127.0.0.1:5000", sock_name(fd));
	close(fd);
}

TEST_F(conn, bind_nonlocal_eaddrnotavail)
{
	int fd = new_sock(self->proto);

	ASSERT_LE(0, fd);
	EXPECT_EQ(EADDRNOTAVAIL, bind_to(fd, "192.0.2.1", PORT));
	EXPECT_STREQ("0.0.0.0:0", sock_name(fd));
	/* Still unbound: a local address works. */
	EXPECT_EQ(0, bind_to(fd, "127.0.0.1", PORT));
	close(fd);
}

/* Nothing connected, nothing left behind: the port is free at once. */
TEST_F(conn, bind_after_owner_closed)
{
	int a, b;

	a = new_sock(self->proto);
	ASSERT_LE(0, a);
	ASSERT_EQ(0, bind_to(a, "127.0.0.1", PORT));
	close(a);
	b = new_sock(self->proto);
	ASSERT_LE(0, b);
	EXPECT_EQ(0, bind_to(b, "127.0.0.1", PORT));
	close(b);

	a = listener(self->proto, "0.0.0.0", PORT, 8);
	ASSERT_LE(0, a);
	close(a);
	b = new_sock(self->proto);
	ASSERT_LE(0, b);
	EXPECT_EQ(0, bind_to(b, "127.0.0.1", PORT));
	EXPECT_EQ(0, listen_err(b, 8));
	close(b);
}

/*
 * A server restarts while one of its connections is open: the accepted
 * socket still holds the port, so a new listener needs SO_REUSEADDR.
 */
TEST_F(conn, rebind_while_accepted_socket_open)
{
	int lfd, c, s, n;

	lfd = new_sock(self->proto);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, set_reuseaddr(lfd));
	ASSERT_EQ(0, bind_to(lfd, "127.0.0.1", PORT));
	ASSERT_EQ(0, listen_err(lfd, 8));
	c = client(self->proto, PORT);
	ASSERT_LE(0, c);
	s = accept(lfd, NULL, NULL);
	ASSERT_LE(0, s);
	close(lfd);

	n = new_sock(self->proto);
	ASSERT_LE(0, n);
	EXPECT_EQ(EADDRINUSE, bind_to(n, "127.0.0.1", PORT));
	close(n);
	n = new_sock(self->proto);
	ASSERT_LE(0, n);
	ASSERT_EQ(0, set_reuseaddr(n));
	EXPECT_EQ(0, bind_to(n, "127.0.0.1", PORT));
	EXPECT_EQ(0, listen_err(n, 8));
	close(n);
	close(s);
	close(c);
}

/* -------------------------------------------------------------- listen */

TEST_F(conn, listen_unbound_autobinds)
{
	int lfd = new_sock(self->proto), c, port;

	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, set_port_range(40000, 40009));
	ASSERT_EQ(0, listen_err(lfd, 8));
	port = local_port(lfd);
	EXPECT_LE(40000, port);
	EXPECT_GE(40009, port);
	EXPECT_STREQ("0.0.0.0", strtok(strdup(sock_name(lfd)), ":"));
	EXPECT_EQ(1, getopt_int(lfd, SOL_SOCKET, SO_ACCEPTCONN));
	c = client(self->proto, port);
	EXPECT_LE(0, c);
	close(c);
	close(lfd);
}

TEST_F(conn, listen_twice_adjusts_backlog)
{
	int lfd = listener(self->proto, "127.0.0.1", PORT, 0);
	int c[5], i, n = 0, s;

	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, set_knob(self->proto, SYNCOOKIES, 0));
	/* A second listen() only changes the backlog: room for 2 + 1. */
	ASSERT_EQ(0, listen_err(lfd, 2));
	EXPECT_EQ(1, getopt_int(lfd, SOL_SOCKET, SO_ACCEPTCONN));
	EXPECT_STREQ("127.0.0.1:5000", sock_name(lfd));
	/*
	 * One at a time: a handshake still under way when the next SYN comes
	 * leaves room for that SYN, whose final ACK the full queue then drops
	 * while its client counts itself connected.
	 */
	for (i = 0; i < 5; i++) {
		c[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, self->proto);
		ASSERT_LE(0, c[i]);
		EXPECT_EQ(EINPROGRESS, connect_to(c[i], "127.0.0.1", PORT));
		if (wait_events(c[i], POLLOUT, i < 3 ? 1000 : 100) & POLLOUT)
			n++;
	}
	EXPECT_EQ(3, n);
	ASSERT_EQ(0, fcntl(lfd, F_SETFL, O_NONBLOCK));
	n = 0;
	while ((s = accept(lfd, NULL, NULL)) >= 0) {
		close(s);
		n++;
	}
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(3, n);
	for (i = 0; i < 5; i++)
		close(c[i]);
	close(lfd);
}

TEST_F(conn, listen_on_connected_einval)
{
	int lfd = listener(self->proto, "127.0.0.1", PORT, 8);
	int c, s;

	ASSERT_LE(0, lfd);
	c = client(self->proto, PORT);
	ASSERT_LE(0, c);
	s = accept(lfd, NULL, NULL);
	ASSERT_LE(0, s);
	EXPECT_EQ(EINVAL, listen_err(c, 8));
	EXPECT_EQ(EINVAL, listen_err(s, 8));
	EXPECT_EQ(0, getopt_int(c, SOL_SOCKET, SO_ACCEPTCONN));
	close(s);
	close(c);
	close(lfd);
}

/* connect() on a listener: it is not CLOSED, so "already connected". */
TEST_F(conn, connect_on_listener_eisconn)
{
	int lfd = listener(self->proto, "127.0.0.1", PORT, 8);
	int other = listener(self->proto, "127.0.0.1", PORT + 1, 8);

	ASSERT_LE(0, lfd);
	ASSERT_LE(0, other);
	EXPECT_EQ(EISCONN, connect_to(lfd, "127.0.0.1", PORT + 1));
	EXPECT_EQ(1, getopt_int(lfd, SOL_SOCKET, SO_ACCEPTCONN));
	close(other);
	close(lfd);
}

/* ------------------------------------------------------------- connect */

TEST_F(conn, connect_blocking_names_and_counters)
{
	long act = mib(self->proto, "ActiveOpens");
	long pas = mib(self->proto, "PassiveOpens");
	long est = mib(self->proto, "CurrEstab");
	struct sockaddr_in from;
	socklen_t len = sizeof(from);
	char cname[32], aname[32];
	int lfd, c, s;

	lfd = listener(self->proto, "127.0.0.1", PORT, 8);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, set_port_range(40000, 40009));
	c = new_sock(self->proto);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, connect_to(c, "127.0.0.1", PORT));
	/* Implicit bind: 127.0.0.1 (the route's source), ephemeral port. */
	EXPECT_LE(40000, local_port(c));
	EXPECT_GE(40009, local_port(c));
	snprintf(cname, sizeof(cname), "127.0.0.1:%d", local_port(c));
	EXPECT_STREQ(cname, sock_name(c));
	EXPECT_STREQ("127.0.0.1:5000", peer_name(c));
	EXPECT_EQ(0, so_error(c));

	memset(&from, 0xff, sizeof(from));
	s = accept(lfd, (struct sockaddr *)&from, &len);
	ASSERT_LE(0, s);
	EXPECT_EQ(sizeof(from), len);
	EXPECT_EQ(AF_INET, from.sin_family);
	EXPECT_EQ(htonl(INADDR_LOOPBACK), from.sin_addr.s_addr);
	EXPECT_EQ(local_port(c), ntohs(from.sin_port));
	EXPECT_STREQ("127.0.0.1:5000", sock_name(s));
	EXPECT_STREQ(cname, peer_name(s));
	snprintf(aname, sizeof(aname), "%s", sock_name(s));
	EXPECT_STREQ(aname, peer_name(c));
	EXPECT_EQ(0, so_error(s));
	EXPECT_EQ(variant->proto, getopt_int(s, SOL_SOCKET, SO_PROTOCOL));
	EXPECT_EQ(0, getopt_int(s, SOL_SOCKET, SO_ACCEPTCONN));

	EXPECT_EQ(1, mib(self->proto, "ActiveOpens") - act);
	EXPECT_EQ(1, mib(self->proto, "PassiveOpens") - pas);
	EXPECT_EQ(2, mib(self->proto, "CurrEstab") - est);
	/* Connected: connect() again says so. */
	EXPECT_EQ(EISCONN, connect_to(c, "127.0.0.1", PORT));
	close(s);
	close(c);
	close(lfd);
}

TEST_F(conn, connect_refused_blocking)
{
	long fails = mib(self->proto, "AttemptFails");
	long rsts = mib(self->proto, "OutRsts");
	long act = mib(self->proto, "ActiveOpens");
	int fd = new_sock(self->proto), lfd;

	ASSERT_LE(0, fd);
	EXPECT_EQ(ECONNREFUSED, connect_to(fd, "127.0.0.1", PORT));
	EXPECT_EQ(0, so_error(fd));
	EXPECT_STREQ("error 107", peer_name(fd));	/* ENOTCONN */
	EXPECT_EQ(1, mib(self->proto, "ActiveOpens") - act);
	EXPECT_EQ(1, mib(self->proto, "AttemptFails") - fails);
	EXPECT_EQ(1, mib(self->proto, "OutRsts") - rsts);
	/* The socket can try again, and succeed once someone listens. */
	lfd = listener(self->proto, "127.0.0.1", PORT, 8);
	ASSERT_LE(0, lfd);
	EXPECT_EQ(0, connect_to(fd, "127.0.0.1", PORT));
	EXPECT_STREQ("127.0.0.1:5000", peer_name(fd));
	close(lfd);
	close(fd);
}

TEST_F(conn, connect_refused_nonblocking)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, self->proto);

	ASSERT_LE(0, fd);
	ASSERT_EQ(EINPROGRESS, connect_to(fd, "127.0.0.1", PORT));
	EXPECT_EQ(POLLIN | POLLOUT | POLLRDHUP | POLLERR | POLLHUP,
		  wait_events(fd, ALL_EVENTS, 2000));
	EXPECT_EQ(ECONNREFUSED, so_error(fd));
	EXPECT_EQ(0, so_error(fd));
	/* A connect() after the failure was reported: "aborted". */
	EXPECT_EQ(ECONNABORTED, connect_to(fd, "127.0.0.1", PORT));
	/* And the next one is a new attempt. */
	EXPECT_EQ(EINPROGRESS, connect_to(fd, "127.0.0.1", PORT));
	EXPECT_EQ(POLLIN | POLLOUT | POLLRDHUP | POLLERR | POLLHUP,
		  wait_events(fd, ALL_EVENTS, 2000));
	/* Unread, the error is what the next connect() reports. */
	EXPECT_EQ(ECONNREFUSED, connect_to(fd, "127.0.0.1", PORT));
	EXPECT_EQ(0, so_error(fd));
	close(fd);
}

TEST_F(conn, connect_nonblocking_established)
{
	int lfd = listener(self->proto, "127.0.0.1", PORT, 8);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, self->proto);
	int s;

	ASSERT_LE(0, lfd);
	ASSERT_LE(0, fd);
	ASSERT_EQ(EINPROGRESS, connect_to(fd, "127.0.0.1", PORT));
	EXPECT_EQ(POLLOUT, wait_events(fd, ALL_EVENTS, 2000));
	EXPECT_EQ(0, so_error(fd));
	EXPECT_STREQ("127.0.0.1:5000", peer_name(fd));
	/*
	 * The first connect() after completion reports success (and marks
	 * the socket connected); later ones EISCONN.
	 */
	EXPECT_EQ(0, connect_to(fd, "127.0.0.1", PORT));
	EXPECT_EQ(EISCONN, connect_to(fd, "127.0.0.1", PORT));
	EXPECT_EQ(EISCONN, connect_to(fd, "127.0.0.1", PORT + 1));
	s = accept(lfd, NULL, NULL);
	EXPECT_LE(0, s);
	EXPECT_EQ(POLLOUT, wait_events(s, ALL_EVENTS, 0));
	close(s);
	close(fd);
	close(lfd);
}

/* A SYN nobody answers: in progress, EALREADY, nothing to poll yet. */
TEST_F(conn, connect_in_progress_ealready)
{
	int tfd = tun_open();
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, self->proto);

	ASSERT_LE(0, tfd);
	ASSERT_LE(0, fd);
	ASSERT_EQ(EINPROGRESS, connect_to(fd, TUN_PEER, PORT));
	EXPECT_EQ(EALREADY, connect_to(fd, TUN_PEER, PORT));
	EXPECT_EQ(EALREADY, connect_to(fd, "127.0.0.1", PORT));
	EXPECT_EQ(0, wait_events(fd, ALL_EVENTS, 50));
	EXPECT_EQ(0, so_error(fd));
	EXPECT_STREQ(TUN_LOCAL, strtok(strdup(sock_name(fd)), ":"));
	EXPECT_STREQ("error 107", peer_name(fd));	/* ENOTCONN */
	EXPECT_EQ(1, tun_count_syns(tfd, self->proto, PORT));
	close(fd);
	close(tfd);
}

/*
 * syn_retries 1: the SYN and one retransmission, then ETIMEDOUT after
 * rto + 2 * rto (TCP: 1 s + 2 s; xtcp with synack_timeout_ms 200: 600 ms).
 * Since 6.5 TCP retransmits its first SYNs at a constant interval
 * (net.ipv4.tcp_syn_linear_timeouts, 4 by default: 3 SYNs by the 3 s
 * timeout here); xtcp backs off from the first, so that is turned off.
 */
TEST_F_TIMEOUT(conn, connect_timeout_etimedout, 20)
{
	long act = mib(self->proto, "ActiveOpens");
	long fails = mib(self->proto, "AttemptFails");
	long retr = mib(self->proto, "SynRetrans");
	int tfd = tun_open(), fd;
	struct timeval tv = { .tv_sec = 10 };
	long t0, elapsed, expect;

	ASSERT_LE(0, tfd);
	ASSERT_EQ(0, set_knob(self->proto, SYN_RETRIES, 1));
	ASSERT_EQ(0, set_knob(self->proto, SYNACK_TIMEOUT_MS, 200));
	write_file("/proc/sys/net/ipv4/tcp_syn_linear_timeouts", "0\n");
	expect = 3 * rto_ms(self->proto);
	fd = new_sock(self->proto);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
	t0 = now_ms();
	EXPECT_EQ(ETIMEDOUT, connect_to(fd, TUN_PEER, PORT));
	elapsed = now_ms() - t0;
	EXPECT_LE(expect * 9 / 10, elapsed);
	EXPECT_GE(expect + 1500, elapsed);
	EXPECT_EQ(0, so_error(fd));
	EXPECT_EQ(2, tun_count_syns(tfd, self->proto, PORT));
	EXPECT_EQ(1, mib(self->proto, "ActiveOpens") - act);
	EXPECT_EQ(1, mib(self->proto, "AttemptFails") - fails);
	EXPECT_EQ(1, mib(self->proto, "SynRetrans") - retr);
	close(fd);
	close(tfd);
}

/* SO_SNDTIMEO bounds a blocking connect(): EINPROGRESS, then EALREADY. */
TEST_F(conn, connect_sndtimeo_einprogress)
{
	struct timeval tv = { .tv_usec = 200000 };
	int tfd = tun_open(), fd;
	long t0, elapsed;

	ASSERT_LE(0, tfd);
	fd = new_sock(self->proto);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
	t0 = now_ms();
	EXPECT_EQ(EINPROGRESS, connect_to(fd, TUN_PEER, PORT));
	elapsed = now_ms() - t0;
	EXPECT_LE(190, elapsed);
	EXPECT_GE(900, elapsed);
	t0 = now_ms();
	EXPECT_EQ(EALREADY, connect_to(fd, TUN_PEER, PORT));
	elapsed = now_ms() - t0;
	EXPECT_LE(190, elapsed);
	EXPECT_GE(900, elapsed);
	EXPECT_EQ(0, so_error(fd));
	close(fd);
	close(tfd);
}

/* -------------------------------------------------------------- accept */

/* A blocking accept() sleeps until a connection arrives. */
TEST_F(conn, accept_blocking_waits)
{
	int lfd = listener(self->proto, "127.0.0.1", PORT, 8);
	struct sockaddr_in from;
	socklen_t len = sizeof(from);
	int s, status, c;
	pid_t pid;

	ASSERT_LE(0, lfd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		usleep(100000);
		c = client(self->proto, PORT);
		/* Report our port to the parent as exit status... */
		_exit(c < 0 ? 0 : local_port(c) & 0xff);
	}
	s = accept(lfd, (struct sockaddr *)&from, &len);
	ASSERT_LE(0, s);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(WEXITSTATUS(status), ntohs(from.sin_port) & 0xff);
	EXPECT_EQ(htonl(INADDR_LOOPBACK), from.sin_addr.s_addr);
	close(s);
	close(lfd);
}

TEST_F(conn, accept_nonblocking_eagain)
{
	int lfd = listener(self->proto, "127.0.0.1", PORT, 8);
	int c, s;

	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, fcntl(lfd, F_SETFL, O_NONBLOCK));
	EXPECT_EQ(-1, accept(lfd, NULL, NULL));
	EXPECT_EQ(EAGAIN, errno);
	c = client(self->proto, PORT);
	ASSERT_LE(0, c);
	s = accept(lfd, NULL, NULL);
	ASSERT_LE(0, s);
	/* The new socket does not inherit the listener's O_NONBLOCK. */
	EXPECT_FALSE(fcntl(s, F_GETFL) & O_NONBLOCK);
	EXPECT_EQ(-1, accept(lfd, NULL, NULL));
	EXPECT_EQ(EAGAIN, errno);
	close(s);
	close(c);
	close(lfd);
}

TEST_F(conn, accept4_flags)
{
	int lfd = listener(self->proto, "127.0.0.1", PORT, 8);
	int c1, c2, s;

	ASSERT_LE(0, lfd);
	c1 = client(self->proto, PORT);
	ASSERT_LE(0, c1);
	c2 = client(self->proto, PORT);
	ASSERT_LE(0, c2);

	EXPECT_EQ(-1, accept4(lfd, NULL, NULL, 0x1));
	EXPECT_EQ(EINVAL, errno);

	s = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	ASSERT_LE(0, s);
	EXPECT_TRUE(fcntl(s, F_GETFL) & O_NONBLOCK);
	EXPECT_TRUE(fcntl(s, F_GETFD) & FD_CLOEXEC);
	close(s);

	s = accept4(lfd, NULL, NULL, 0);
	ASSERT_LE(0, s);
	EXPECT_FALSE(fcntl(s, F_GETFL) & O_NONBLOCK);
	EXPECT_FALSE(fcntl(s, F_GETFD) & FD_CLOEXEC);
	close(s);
	close(c1);
	close(c2);
	close(lfd);
}

TEST_F(conn, accept_on_non_listener_einval)
{
	int lfd = listener(self->proto, "127.0.0.1", PORT, 8);
	int fd = new_sock(self->proto), c, s;

	ASSERT_LE(0, lfd);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, accept(fd, NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, bind_to(fd, "127.0.0.1", PORT + 1));
	EXPECT_EQ(-1, accept(fd, NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
	c = client(self->proto, PORT);
	ASSERT_LE(0, c);
	s = accept(lfd, NULL, NULL);
	ASSERT_LE(0, s);
	EXPECT_EQ(-1, accept(c, NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, accept(s, NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
	close(s);
	close(c);
	close(fd);
	close(lfd);
}

/* A listener is readable exactly while a connection waits in its queue. */
TEST_F(conn, poll_listener)
{
	int lfd = listener(self->proto, "127.0.0.1", PORT, 8);
	int c, s;

	ASSERT_LE(0, lfd);
	EXPECT_EQ(0, wait_events(lfd, ALL_EVENTS | POLLRDNORM, 0));
	c = client(self->proto, PORT);
	ASSERT_LE(0, c);
	EXPECT_EQ(POLLIN | POLLRDNORM, wait_events(lfd, ALL_EVENTS | POLLRDNORM, 1000));
	s = accept(lfd, NULL, NULL);
	ASSERT_LE(0, s);
	EXPECT_EQ(0, wait_events(lfd, ALL_EVENTS | POLLRDNORM, 0));
	close(s);
	close(c);
	close(lfd);
}

TEST_F(conn, epoll_listener)
{
	int lfd = listener(self->proto, "127.0.0.1", PORT, 8);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP };
	int ep = epoll_create1(EPOLL_CLOEXEC), c, s;

	ASSERT_LE(0, lfd);
	ASSERT_LE(0, ep);
	ev.data.fd = lfd;
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev));
	EXPECT_EQ(0, epoll_wait(ep, &ev, 1, 0));
	c = client(self->proto, PORT);
	ASSERT_LE(0, c);
	ASSERT_EQ(1, epoll_wait(ep, &ev, 1, 1000));
	EXPECT_EQ(lfd, ev.data.fd);
	EXPECT_EQ((uint32_t)EPOLLIN, ev.events);
	s = accept(lfd, NULL, NULL);
	ASSERT_LE(0, s);
	EXPECT_EQ(0, epoll_wait(ep, &ev, 1, 0));
	close(s);
	close(c);
	close(ep);
	close(lfd);
}

TEST_F(conn, so_acceptconn)
{
	int lfd = listener(self->proto, "127.0.0.1", PORT, 8);
	int c, s;

	ASSERT_LE(0, lfd);
	EXPECT_EQ(1, getopt_int(lfd, SOL_SOCKET, SO_ACCEPTCONN));
	c = client(self->proto, PORT);
	ASSERT_LE(0, c);
	s = accept(lfd, NULL, NULL);
	ASSERT_LE(0, s);
	EXPECT_EQ(0, getopt_int(c, SOL_SOCKET, SO_ACCEPTCONN));
	EXPECT_EQ(0, getopt_int(s, SOL_SOCKET, SO_ACCEPTCONN));
	close(s);
	close(c);
	close(lfd);
}

/*
 * shutdown(SHUT_WR) of a listener does nothing; SHUT_RD stops it: the
 * connection still in its queue is reset, accept() fails with EINVAL, and
 * the socket, still bound, can listen again.
 */
TEST_F(conn, shutdown_listener)
{
	int lfd = listener(self->proto, "127.0.0.1", PORT, 8);
	int c, q, s;

	ASSERT_LE(0, lfd);
	EXPECT_EQ(0, shutdown(lfd, SHUT_WR));
	EXPECT_EQ(1, getopt_int(lfd, SOL_SOCKET, SO_ACCEPTCONN));
	c = client(self->proto, PORT);
	ASSERT_LE(0, c);
	s = accept(lfd, NULL, NULL);
	ASSERT_LE(0, s);
	q = client(self->proto, PORT);
	ASSERT_LE(0, q);

	EXPECT_EQ(0, shutdown(lfd, SHUT_RD));
	EXPECT_EQ(0, getopt_int(lfd, SOL_SOCKET, SO_ACCEPTCONN));
	EXPECT_EQ(POLLOUT | POLLHUP, wait_events(lfd, ALL_EVENTS, 0));
	EXPECT_EQ(-1, accept(lfd, NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(POLLIN | POLLOUT | POLLRDHUP | POLLERR | POLLHUP,
		  wait_events(q, ALL_EVENTS, 2000));
	EXPECT_EQ(ECONNRESET, so_error(q));
	/* The accepted connection is not the listener's any more. */
	EXPECT_EQ(POLLOUT, wait_events(c, ALL_EVENTS, 0));
	EXPECT_EQ(0, so_error(c));

	/*
	 * Still bound, but the accepted connection holds the port too: no
	 * listening again (no SO_REUSEADDR) until it is closed.
	 */
	EXPECT_STREQ("127.0.0.1:5000", sock_name(lfd));
	EXPECT_EQ(EADDRINUSE, listen_err(lfd, 8));
	close(q);
	close(c);
	close(s);
	EXPECT_EQ(0, listen_err(lfd, 8));
	q = client(self->proto, PORT);
	EXPECT_LE(0, q);
	close(q);
	close(lfd);
}

/* The state letter of /proc/@pid/stat ('S': sleeping), or 0. */
static char proc_state(pid_t pid)
{
	char path[64], buf[512], *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return 0;
	p = strrchr(buf, ')');
	return p && p[1] ? p[2] : 0;
}

/*
 * shutdown() wakes an accept() sleeping on the listener: EINVAL. (Had the
 * child not slept yet, its accept() would fail the same way.)
 */
TEST_F(conn, shutdown_listener_wakes_accept)
{
	int lfd = listener(self->proto, "127.0.0.1", PORT, 8);
	int status, i;
	pid_t pid;

	ASSERT_LE(0, lfd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(accept(lfd, NULL, NULL) < 0 ? errno : 0);
	for (i = 0; i < 500 && proc_state(pid) != 'S'; i++)
		usleep(2000);
	EXPECT_EQ('S', proc_state(pid));
	EXPECT_EQ(0, shutdown(lfd, SHUT_RDWR));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(EINVAL, WEXITSTATUS(status));
	close(lfd);
}

/*
 * Closing a listener resets the connections still in its accept queue:
 * the clients see an error (POLLERR | POLLHUP) and SO_ERROR ECONNRESET.
 */
TEST_F(conn, close_listener_resets_queued)
{
	int lfd = listener(self->proto, "127.0.0.1", PORT, 8);
	long rsts, est;
	int c[2], i;

	ASSERT_LE(0, lfd);
	for (i = 0; i < 2; i++) {
		c[i] = client(self->proto, PORT);
		ASSERT_LE(0, c[i]);
	}
	EXPECT_EQ(POLLIN | POLLRDNORM, wait_events(lfd, POLLIN | POLLRDNORM, 1000));
	rsts = mib(self->proto, "OutRsts");
	est = mib(self->proto, "CurrEstab");
	close(lfd);
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(POLLIN | POLLOUT | POLLRDHUP | POLLERR | POLLHUP,
			  wait_events(c[i], ALL_EVENTS, 2000));
		EXPECT_EQ(ECONNRESET, so_error(c[i]));
		EXPECT_EQ(0, so_error(c[i]));
		EXPECT_STREQ("error 107", peer_name(c[i]));	/* ENOTCONN */
		close(c[i]);
	}
	EXPECT_EQ(2, mib(self->proto, "OutRsts") - rsts);
	EXPECT_EQ(-4, mib(self->proto, "CurrEstab") - est);
}

/*
 * The same, seen by recv(): ECONNRESET once, then end of file. Needs xtcp's
 * receive path (fails for xtcp until recvmsg() is implemented).
 */
TEST_F(conn, close_listener_recv_econnreset)
{
	int lfd = listener(self->proto, "127.0.0.1", PORT, 8);
	char buf[4];
	int c;

	ASSERT_LE(0, lfd);
	c = client(self->proto, PORT);
	ASSERT_LE(0, c);
	close(lfd);
	ASSERT_TRUE(wait_events(c, POLLIN, 2000) & POLLERR);
	EXPECT_EQ(-1, recv(c, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(ECONNRESET, errno);
	EXPECT_EQ(0, recv(c, buf, sizeof(buf), MSG_DONTWAIT));
	close(c);
}

XTCP_TEST_MAIN
