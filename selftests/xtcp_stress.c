// SPDX-License-Identifier: GPL-2.0
/*
 * Races of connection establishment, on TCP and on xtcp: for a few seconds,
 * clients connect and close as fast as they can while a server accepts,
 * closes what it accepted, and keeps closing and reopening its listener, so
 * handshakes meet listener closes, resets and retransmission timers at
 * every step. Afterwards nothing may be left: no connection counted as
 * established, the socket slab and (xtcp) the half-open slab back where
 * they started, and the kernel log clean (vm-run checks it).
 */
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "kselftest_harness.h"
#include "xtcp_main.h"
#include "xtcp_proto.h"

#define PORT		5000
#define CLIENTS		4
#define REOPENS		30	/* listener closes and reopens, 20 ms apart */
#define MAX_MS		10000	/* however slow the machine, stop by then */

struct stress {
	int proto;
	volatile int stop;
	long connects, accepts, reopens;
};

static int open_listener(int proto)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(PORT),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, proto);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) || listen(fd, 16)) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Accept and close (a few at a time); every 20 ms close the listener and
 * open a new one, REOPENS times; then tell the clients to stop.
 */
static void *server(void *arg)
{
	struct stress *st = arg;
	long next = now_ms() + 20, end = now_ms() + MAX_MS;
	int lfd = open_listener(st->proto), fd, n;

	while (st->reopens < REOPENS && now_ms() < end) {
		struct pollfd pfd = { .fd = lfd, .events = POLLIN };

		if (lfd >= 0 && poll(&pfd, 1, 2) == 1) {
			for (n = 0; n < 8 && (fd = accept(lfd, NULL, NULL)) >= 0; n++) {
				st->accepts++;
				close(fd);
			}
		}
		if (now_ms() >= next) {
			if (lfd >= 0)
				close(lfd);
			lfd = open_listener(st->proto);
			st->reopens++;
			next = now_ms() + 20;
		}
	}
	if (lfd >= 0)
		close(lfd);
	st->stop = 1;
	return NULL;
}

/* Connect without waiting long, then close, over and over. */
static void *client(void *arg)
{
	struct stress *st = arg;
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(PORT),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};

	while (!st->stop) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, st->proto);
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };

		if (fd < 0)
			continue;
		connect(fd, (struct sockaddr *)&sin, sizeof(sin));
		poll(&pfd, 1, 1 + (int)(now_ms() % 3));
		__atomic_add_fetch(&st->connects, 1, __ATOMIC_RELAXED);
		close(fd);
	}
	return NULL;
}

FIXTURE(stress) {
	int dummy;
};

FIXTURE_VARIANT(stress) {
	int proto;
	const char *slab;	/* the socket slab cache */
	const char *req_slab;	/* half-open entries, if the protocol has one */
};

FIXTURE_VARIANT_ADD(stress, tcp) {
	.proto = IPPROTO_TCP,
	.slab = "TCP",
	.req_slab = NULL,	/* shared with everything else: not checked */
};

FIXTURE_VARIANT_ADD(stress, xtcp) {
	.proto = IPPROTO_XTCP,
	.slab = "XTCP",
	.req_slab = "xtcp_req",
};

FIXTURE_SETUP(stress)
{
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, lo_up());
	/* short timers so retransmissions happen during the run */
	ASSERT_EQ(0, set_knob(variant->proto, SYNACK_TIMEOUT_MS, 20));
	ASSERT_EQ(0, set_knob(variant->proto, SYNCOOKIES, 0));
}

FIXTURE_TEARDOWN(stress)
{
}

/* Wait up to 5 s for slab @name to come back to @start (frees can lag). */
static long settle(const char *name, long start)
{
	long t0 = now_ms(), n;

	while ((n = slab_active(name)) > start && now_ms() - t0 < 5000)
		usleep(20 * 1000);
	return n;
}

TEST_F_TIMEOUT(stress, connect_close_while_listener_flaps, 30)
{
	struct stress st = { .proto = variant->proto };
	pthread_t srv, cli[CLIENTS];
	long slab0, req0 = 0, est0;
	int i;

	slab0 = slab_active(variant->slab);
	if (variant->req_slab)
		req0 = slab_active(variant->req_slab);
	est0 = mib(variant->proto, "CurrEstab");

	for (i = 0; i < CLIENTS; i++)
		ASSERT_EQ(0, pthread_create(&cli[i], NULL, client, &st));
	ASSERT_EQ(0, pthread_create(&srv, NULL, server, &st));
	pthread_join(srv, NULL);
	for (i = 0; i < CLIENTS; i++)
		pthread_join(cli[i], NULL);
	ksft_print_msg("%ld connects, %ld accepts, %ld listener reopens\n",
		       st.connects, st.accepts, st.reopens);
	/* the races happened: listeners came and went under connections */
	EXPECT_EQ(REOPENS, st.reopens);
	EXPECT_LT(REOPENS, st.connects);
	EXPECT_LT(0, st.accepts);

	EXPECT_GE(slab0, settle(variant->slab, slab0));
	if (variant->req_slab)
		EXPECT_GE(req0, settle(variant->req_slab, req0));
	EXPECT_EQ(est0, mib(variant->proto, "CurrEstab"));
}

XTCP_TEST_MAIN
