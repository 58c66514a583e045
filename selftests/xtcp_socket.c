// SPDX-License-Identifier: GPL-2.0
/*
 * Socket API conformance: the same assertions on IPPROTO_TCP and on
 * IPPROTO_XTCP (two FIXTURE_VARIANTs) wherever xtcp means to behave as TCP.
 * Tests of xtcp-only behaviour say so in their name.
 */
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/sockios.h>

#include "kselftest_harness.h"
#include "xtcp_main.h"
#include "xtcp_proto.h"

FIXTURE(sock) {
	int fd;
};

FIXTURE_VARIANT(sock) {
	int proto;
};

FIXTURE_VARIANT_ADD(sock, tcp) {
	.proto = IPPROTO_TCP,
};

FIXTURE_VARIANT_ADD(sock, xtcp) {
	.proto = IPPROTO_XTCP,
};

FIXTURE_SETUP(sock)
{
	self->fd = socket(AF_INET, SOCK_STREAM, variant->proto);
	ASSERT_LE(0, self->fd) TH_LOG("socket(%d): %s", variant->proto,
				      strerror(errno));
}

FIXTURE_TEARDOWN(sock)
{
	close(self->fd);
}

TEST_F(sock, identity)
{
	EXPECT_EQ(SOCK_STREAM, getopt_int(self->fd, SOL_SOCKET, SO_TYPE));
	EXPECT_EQ(AF_INET, getopt_int(self->fd, SOL_SOCKET, SO_DOMAIN));
	EXPECT_EQ(variant->proto, getopt_int(self->fd, SOL_SOCKET, SO_PROTOCOL));
	EXPECT_EQ(0, getopt_int(self->fd, SOL_SOCKET, SO_ACCEPTCONN));
	EXPECT_EQ(0, getopt_int(self->fd, SOL_SOCKET, SO_ERROR));
}

TEST_F(sock, flags_at_creation)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			variant->proto);

	ASSERT_LE(0, fd);
	EXPECT_TRUE(fcntl(fd, F_GETFL) & O_NONBLOCK);
	EXPECT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
}

/* A new socket is unbound and unconnected. */
TEST_F(sock, names_of_new_socket)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	memset(&sin, 0xff, sizeof(sin));
	ASSERT_EQ(0, getsockname(self->fd, (struct sockaddr *)&sin, &len));
	EXPECT_EQ(sizeof(sin), len);
	EXPECT_EQ(AF_INET, sin.sin_family);
	EXPECT_EQ(0, sin.sin_port);
	EXPECT_EQ(htonl(INADDR_ANY), sin.sin_addr.s_addr);

	len = sizeof(sin);
	EXPECT_EQ(-1, getpeername(self->fd, (struct sockaddr *)&sin, &len));
	EXPECT_EQ(ENOTCONN, errno);
}

TEST_F(sock, shutdown_unconnected)
{
	EXPECT_EQ(-1, shutdown(self->fd, SHUT_RDWR));
	EXPECT_EQ(ENOTCONN, errno);
	EXPECT_EQ(-1, shutdown(self->fd, 42));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(sock, poll_new_socket)
{
	struct pollfd pfd = { .fd = self->fd,
			      .events = POLLIN | POLLOUT | POLLRDHUP };

	ASSERT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLOUT | POLLHUP, pfd.revents);
}

/*
 * shutdown() of a never-connected socket fails (ENOTCONN) but still marks it
 * shut down: hung up, readable (EOF) and "writable" (a write fails at once).
 */
TEST_F(sock, poll_after_shutdown)
{
	struct pollfd pfd = { .fd = self->fd,
			      .events = POLLIN | POLLOUT | POLLRDHUP };

	shutdown(self->fd, SHUT_RDWR);
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLIN | POLLOUT | POLLRDHUP | POLLHUP, pfd.revents);
}

TEST_F(sock, accept_without_listen)
{
	EXPECT_EQ(-1, accept(self->fd, NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(sock, connect_af_unspec_on_new_socket)
{
	struct sockaddr sa = { .sa_family = AF_UNSPEC };

	EXPECT_EQ(0, connect(self->fd, &sa, sizeof(sa)));
}

TEST_F(sock, queue_ioctls_on_new_socket)
{
	int n = -1;

	EXPECT_EQ(0, ioctl(self->fd, SIOCINQ, &n));
	EXPECT_EQ(0, n);
	n = -1;
	EXPECT_EQ(0, ioctl(self->fd, SIOCOUTQ, &n));
	EXPECT_EQ(0, n);
	n = -1;
	EXPECT_EQ(0, ioctl(self->fd, SIOCOUTQNSD, &n));
	EXPECT_EQ(0, n);
}

TEST_F(sock, ip_level_options)
{
	int tos = 0x10;

	EXPECT_EQ(0, setsockopt(self->fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos)));
	EXPECT_EQ(0x10, getopt_int(self->fd, IPPROTO_IP, IP_TOS));
	EXPECT_EQ(0, setsockopt(self->fd, IPPROTO_IP, IP_TTL, &tos, sizeof(tos)));
	EXPECT_EQ(0x10, getopt_int(self->fd, IPPROTO_IP, IP_TTL));
}

TEST_F(sock, socket_level_options)
{
	int one = 1;

	EXPECT_EQ(0, getopt_int(self->fd, SOL_SOCKET, SO_REUSEADDR));
	EXPECT_EQ(0, setsockopt(self->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
	EXPECT_EQ(1, getopt_int(self->fd, SOL_SOCKET, SO_REUSEADDR));
	EXPECT_EQ(0, setsockopt(self->fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)));
	EXPECT_EQ(1, getopt_int(self->fd, SOL_SOCKET, SO_KEEPALIVE));
}

TEST_F(sock, unknown_level_option)
{
	int one = 1;

	EXPECT_EQ(-1, setsockopt(self->fd, IPPROTO_UDP, 1, &one, sizeof(one)));
	EXPECT_EQ(ENOPROTOOPT, errno);
}

TEST_F(sock, socketpair_unsupported)
{
	int sv[2];

	EXPECT_EQ(-1, socketpair(AF_INET, SOCK_STREAM, variant->proto, sv));
	EXPECT_EQ(EOPNOTSUPP, errno);
}

TEST_F(sock, recv_unconnected)
{
	char buf[8];

	EXPECT_EQ(-1, recv(self->fd, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(ENOTCONN, errno);
	EXPECT_EQ(-1, recv(self->fd, buf, sizeof(buf), 0));
	EXPECT_EQ(ENOTCONN, errno);
}

/* Sending on a socket that never connected: EPIPE (no SIGPIPE here). */
TEST_F(sock, send_unconnected_epipe)
{
	char buf[8] = "xtcp";

	EXPECT_EQ(-1, send(self->fd, buf, sizeof(buf), MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(-1, send(self->fd, buf, sizeof(buf), MSG_NOSIGNAL | MSG_DONTWAIT));
	EXPECT_EQ(EPIPE, errno);
}

XTCP_TEST_MAIN
