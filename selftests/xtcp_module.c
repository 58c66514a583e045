// SPDX-License-Identifier: GPL-2.0
/*
 * Module life: loading, parameters, autoloading, unloading, leaks.
 *
 * Runs in the test guest as root with xtcp.ko loaded (default proto=253).
 * Every test leaves it loaded that way again (fixture teardown).
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include "kselftest_harness.h"
#include "xtcp_util.h"

#define MAX_CACHES 512

struct slab_snap {
	int n;
	struct {
		char name[64];
		long active;
	} c[MAX_CACHES];
};

/* Active objects of every slab cache, from /proc/slabinfo. */
static int slab_snapshot(struct slab_snap *s)
{
	char line[512];
	FILE *f = fopen("/proc/slabinfo", "re");

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

/* Open /dev/kmsg positioned at its end, to read what comes next. */
static int kmsg_open_end(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
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

FIXTURE(mod) {
	int dummy;
};

FIXTURE_SETUP(mod)
{
	ASSERT_TRUE(xtcp_loaded()) TH_LOG("xtcp.ko must be loaded before each test");
	ASSERT_EQ(0, set_autoload(0));
}

FIXTURE_TEARDOWN(mod)
{
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
 * Load, use and unload 50 times: no slab cache may grow by as much as one
 * object per round (a leak of anything per load, netns state or socket
 * would), and the kernel log stays clean (checked by vm-run).
 */
TEST_F(mod, load_unload_50_no_leak)
{
	static struct slab_snap before, after;
	const int rounds = 50;
	int i, fd;

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
	ASSERT_EQ(0, slab_snapshot(&after));
	for (i = 0; i < after.n; i++) {
		long grew = after.c[i].active - slab_active(&before, after.c[i].name);

		EXPECT_LT(grew, rounds) TH_LOG("slab %s grew by %ld objects in %d rounds",
					       after.c[i].name, grew, rounds);
	}
	EXPECT_EQ(0, slab_active(&after, "XTCP"));
}

TEST_HARNESS_MAIN
