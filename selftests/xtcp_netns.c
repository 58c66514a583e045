// SPDX-License-Identifier: GPL-2.0
/*
 * Per-network-namespace state: /proc/net/xtcp/snmp counters and the
 * /proc/sys/net/xtcp sysctls, each namespace with its own.
 *
 * Segments are injected with a raw IP socket of xtcp's protocol number on
 * loopback, so each test knows exactly which counters must move.
 */
#include <sched.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/tcp.h>

#include "kselftest_harness.h"
#include "xtcp_main.h"
#include "xtcp_proto.h"

/* The first counters, in this order (issue: foundation). */
static const char * const first_counters[] = {
	"InSegs", "OutSegs", "InErrs", "InCsumErrors", "OutRsts",
	"CurrEstab", "ActiveOpens", "PassiveOpens",
};
#define N_FIRST (sizeof(first_counters) / sizeof(first_counters[0]))

struct sysctl_spec {
	const char *name;
	long def, min, max;
};

static const struct sysctl_spec sysctls[] = {
	{ "syn_retries", 6, 1, 127 },
	{ "synack_retries", 5, 0, 255 },
	{ "synack_timeout_ms", 1000, 1, 120000 },
	{ "max_syn_backlog", 128, 1, 1 << 20 },
	{ "abort_on_overflow", 0, 0, 1 },
	{ "rto_min_ms", 200, 1, 120000 },
	{ "rto_max_ms", 120000, 1, 120000 },
	{ "retries2", 15, 1, 255 },
	{ "min_snd_mss", 48, 48, 65535 },
};
#define N_SYSCTLS (sizeof(sysctls) / sizeof(sysctls[0]))

static void sysctl_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "/proc/sys/net/xtcp/%s", name);
}

enum seg_kind { SEG_GOOD, SEG_SHORT, SEG_BAD_DOFF, SEG_DOFF_PAST_END, SEG_BAD_CSUM };

/* Send one segment of @kind from 127.0.0.1 to 127.0.0.1 over a raw socket. */
static int send_segment(enum seg_kind kind)
{
	struct sockaddr_in dst = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	union {
		struct tcphdr th;
		uint8_t raw[20];
	} seg;
	size_t len = sizeof(seg);
	ssize_t n;
	int fd;

	memset(&seg, 0, sizeof(seg));
	seg.th.source = htons(40000);
	seg.th.dest = htons(5000);
	seg.th.seq = htonl(1);
	seg.th.doff = 5;
	seg.th.syn = 1;
	seg.th.window = htons(1024);
	if (kind == SEG_BAD_DOFF)
		seg.th.doff = 4;
	if (kind == SEG_DOFF_PAST_END)
		seg.th.doff = 15;
	if (kind == SEG_SHORT)
		len = 10;
	seg.th.check = xtcp_csum(dst.sin_addr.s_addr, dst.sin_addr.s_addr,
				 IPPROTO_XTCP, &seg, len);
	if (kind == SEG_BAD_CSUM)
		seg.th.check ^= htons(0x0101);

	fd = socket(AF_INET, SOCK_RAW, IPPROTO_XTCP);
	if (fd < 0)
		return -1;
	n = sendto(fd, &seg, len, 0, (struct sockaddr *)&dst, sizeof(dst));
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

struct counters {
	long v[N_FIRST];
};

static void read_counters(struct counters *c)
{
	unsigned int i;

	for (i = 0; i < N_FIRST; i++)
		c->v[i] = xtcp_counter(first_counters[i]);
}

/* Counter @name moved by @delta between @a and @b; all others did not. */
static long moved(const struct counters *a, const struct counters *b,
		  const char *name)
{
	unsigned int i;

	for (i = 0; i < N_FIRST; i++)
		if (!strcmp(first_counters[i], name))
			return b->v[i] - a->v[i];
	return -12345;
}

FIXTURE(netns) {
	int init_ns;		/* fd of the namespace we started in */
	struct counters init_before;
};

FIXTURE_SETUP(netns)
{
	self->init_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->init_ns);
	read_counters(&self->init_before);
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, lo_up());
}

/* Nothing done in the test's own namespace touched the first one. */
FIXTURE_TEARDOWN(netns)
{
	struct counters after;
	unsigned int i;

	ASSERT_EQ(0, setns(self->init_ns, CLONE_NEWNET));
	read_counters(&after);
	for (i = 0; i < N_FIRST; i++) {
		if (self->init_before.v[i] != after.v[i])
			ksft_print_msg("%s moved in the first namespace\n",
				       first_counters[i]);
		EXPECT_EQ(self->init_before.v[i], after.v[i]);
	}
	close(self->init_ns);
}

TEST_F(netns, snmp_new_namespace_all_zero)
{
	char buf[4096], want[64];
	char *p = buf;
	unsigned int i;

	ASSERT_LT(0, read_file("/proc/net/xtcp/snmp", buf, sizeof(buf)));
	for (i = 0; i < N_FIRST; i++) {
		snprintf(want, sizeof(want), "%s\t0\n", first_counters[i]);
		ASSERT_EQ(0, strncmp(p, want, strlen(want)))
			TH_LOG("line %u: want '%s'", i + 1, first_counters[i]);
		p += strlen(want);
	}
	/* every further line is Name<TAB>0 too */
	while (*p) {
		char *nl = strchr(p, '\n');

		ASSERT_NE(NULL, nl);
		ASSERT_EQ(0, strncmp(nl - 2, "\t0", 2)) TH_LOG("%.*s", (int)(nl - p), p);
		p = nl + 1;
	}
}

/*
 * A well-formed SYN to a port nobody listens on: counted, answered with a
 * RST (which loops back to 127.0.0.1:40000, is counted in turn, and is not
 * answered), no error counted.
 */
TEST_F(netns, good_segment_to_closed_port_gets_rst)
{
	struct counters a, b;

	read_counters(&a);
	ASSERT_EQ(0, send_segment(SEG_GOOD));
	read_counters(&b);
	EXPECT_EQ(2, moved(&a, &b, "InSegs"));
	EXPECT_EQ(1, moved(&a, &b, "OutSegs"));
	EXPECT_EQ(1, moved(&a, &b, "OutRsts"));
	EXPECT_EQ(0, moved(&a, &b, "InErrs"));
	EXPECT_EQ(0, moved(&a, &b, "InCsumErrors"));
}

TEST_F(netns, truncated_header_is_inerr)
{
	struct counters a, b;

	read_counters(&a);
	ASSERT_EQ(0, send_segment(SEG_SHORT));
	read_counters(&b);
	EXPECT_EQ(1, moved(&a, &b, "InSegs"));
	EXPECT_EQ(1, moved(&a, &b, "InErrs"));
	EXPECT_EQ(0, moved(&a, &b, "InCsumErrors"));
}

TEST_F(netns, bad_data_offset_is_inerr)
{
	struct counters a, b;

	read_counters(&a);
	ASSERT_EQ(0, send_segment(SEG_BAD_DOFF));
	ASSERT_EQ(0, send_segment(SEG_DOFF_PAST_END));
	read_counters(&b);
	EXPECT_EQ(2, moved(&a, &b, "InSegs"));
	EXPECT_EQ(2, moved(&a, &b, "InErrs"));
	EXPECT_EQ(0, moved(&a, &b, "InCsumErrors"));
}

TEST_F(netns, bad_checksum_is_csum_error)
{
	struct counters a, b;

	read_counters(&a);
	ASSERT_EQ(0, send_segment(SEG_BAD_CSUM));
	read_counters(&b);
	EXPECT_EQ(1, moved(&a, &b, "InSegs"));
	EXPECT_EQ(1, moved(&a, &b, "InErrs"));
	EXPECT_EQ(1, moved(&a, &b, "InCsumErrors"));
}

TEST_F(netns, sysctl_defaults)
{
	char path[128];
	unsigned int i;

	for (i = 0; i < N_SYSCTLS; i++) {
		sysctl_path(path, sizeof(path), sysctls[i].name);
		EXPECT_EQ(sysctls[i].def, read_long(path)) TH_LOG("%s", path);
	}
}

/* Out of range or not a number: EINVAL, and the value stays. */
TEST_F(netns, sysctl_range_checked)
{
	char path[128], val[32];
	unsigned int i;

	for (i = 0; i < N_SYSCTLS; i++) {
		const struct sysctl_spec *s = &sysctls[i];

		sysctl_path(path, sizeof(path), s->name);
		snprintf(val, sizeof(val), "%ld", s->min - 1);
		EXPECT_EQ(-EINVAL, write_file(path, val)) TH_LOG("%s=%s", path, val);
		snprintf(val, sizeof(val), "%ld", s->max + 1);
		EXPECT_EQ(-EINVAL, write_file(path, val)) TH_LOG("%s=%s", path, val);
		EXPECT_EQ(-EINVAL, write_file(path, "abc")) TH_LOG("%s", path);
		EXPECT_EQ(s->def, read_long(path)) TH_LOG("%s", path);

		snprintf(val, sizeof(val), "%ld", s->min);
		EXPECT_EQ(0, write_file(path, val));
		EXPECT_EQ(s->min, read_long(path)) TH_LOG("%s", path);
		snprintf(val, sizeof(val), "%ld", s->max);
		EXPECT_EQ(0, write_file(path, val));
		EXPECT_EQ(s->max, read_long(path)) TH_LOG("%s", path);
	}
}

/* A value set in one namespace is not seen in another. */
TEST_F(netns, sysctl_per_namespace)
{
	char path[128];
	int second;

	sysctl_path(path, sizeof(path), "synack_timeout_ms");
	ASSERT_EQ(0, write_file(path, "250"));
	second = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, second);
	ASSERT_EQ(0, setns(self->init_ns, CLONE_NEWNET));
	EXPECT_EQ(1000, read_long(path));
	ASSERT_EQ(0, setns(second, CLONE_NEWNET));
	EXPECT_EQ(250, read_long(path));
	close(second);
}

XTCP_TEST_MAIN
