// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/net/xtcp/sockets and /proc/net/xtcp/listeners.
 *
 * The sockets table promises the columns and encoding of /proc/net/tcp, so
 * that its parsers read it unchanged. Each test here builds one situation
 * twice, once with TCP and once with xtcp, with the same addresses and
 * ports (the two protocols have separate port spaces), and compares the
 * two tables row by row, keyed by local and remote address: the same rows
 * must exist, with the same header, width and fields, except those that
 * name kernel objects (inode number, reference count, address) or follow
 * estimators that differ on purpose (RTO, delayed-ACK timeout, congestion
 * window: Documentation/proc.rst).
 *
 * Every test runs in network namespaces of its own; the half-open and
 * connecting rows need a peer that does not answer, the scripted peer of
 * xtcp_peer.h behind a TUN device.
 */
#include <poll.h>
#include <sched.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "kselftest_harness.h"
#include "xtcp_main.h"
#include "xtcp_proto.h"
#include "xtcp_peer.h"

#define PORT		5000	/* 0x1388 */
#define CPORT_A		40001	/* 0x9C41, accepted */
#define CPORT_B		40002	/* 0x9C42, left on the accept queue */
#define MAX_ROWS	32
#define TCP_ROW_LEN	149	/* /proc/net/tcp pads rows to TMPSZ - 1 */

/* One row of a /proc/net/tcp-style table. */
struct row {
	int sl;
	char local[16], rem[16];
	int st, txq, rxq, tr, retr, uid, timeout;
	unsigned long when, inode;
	int len;		/* characters before the newline */
};

struct table {
	char header[256];
	int header_len;
	int n;
	struct row r[MAX_ROWS];
};

/* Read and parse @path; 0 or -errno. */
static int table_read(const char *path, struct table *t)
{
	char line[512];
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	memset(t, 0, sizeof(*t));
	if (!fgets(t->header, sizeof(t->header), f)) {
		fclose(f);
		return -EIO;
	}
	t->header_len = strcspn(t->header, "\n");
	while (t->n < MAX_ROWS && fgets(line, sizeof(line), f)) {
		struct row *r = &t->r[t->n];

		if (sscanf(line, " %d: %15[0-9A-F:] %15[0-9A-F:] %x %x:%x %x:%lx %x %d %d %lu",
			   &r->sl, r->local, r->rem, &r->st, &r->txq, &r->rxq,
			   &r->tr, &r->when, &r->retr, &r->uid, &r->timeout,
			   &r->inode) != 12) {
			fclose(f);
			return -EINVAL;
		}
		r->len = strcspn(line, "\n");
		t->n++;
	}
	fclose(f);
	return 0;
}

static const struct row *table_find(const struct table *t, const char *local,
				    const char *rem)
{
	int i;

	for (i = 0; i < t->n; i++)
		if (!strcmp(t->r[i].local, local) && !strcmp(t->r[i].rem, rem))
			return &t->r[i];
	return NULL;
}

/* Field @f of the row @local @rem of @t, or -1 if there is no such row. */
#define FIELD(t, local, rem, f) ({					\
	const struct row *_r = table_find(t, local, rem);		\
	_r ? (long)_r->f : -1L;						\
})

/* Both tables, for a failure's log. */
static void tables_dump(const struct table *t, const struct table *x)
{
	int i;

	ksft_print_msg("TCP:  %s", t->header);
	for (i = 0; i < t->n; i++)
		ksft_print_msg("  %s %s st %02X %d:%d tr %d retr %d\n", t->r[i].local,
			       t->r[i].rem, t->r[i].st, t->r[i].txq, t->r[i].rxq,
			       t->r[i].tr, t->r[i].retr);
	ksft_print_msg("xtcp: %s", x->header);
	for (i = 0; i < x->n; i++)
		ksft_print_msg("  %s %s st %02X %d:%d tr %d retr %d\n", x->r[i].local,
			       x->r[i].rem, x->r[i].st, x->r[i].txq, x->r[i].rxq,
			       x->r[i].tr, x->r[i].retr);
}

/*
 * @x (xtcp's table) has the same header and rows as @t (TCP's), in the
 * compared fields; its sl numbers count from 0. |when| may differ by
 * @when_slack clock ticks.
 */
static void tables_match(struct __test_metadata *_metadata,
			 const struct table *t, const struct table *x,
			 unsigned long when_slack)
{
	int i;

	EXPECT_STREQ(t->header, x->header);
	EXPECT_EQ(t->n, x->n) TH_LOG("TCP has %d rows, xtcp %d", t->n, x->n);
	if (t->n != x->n || !_metadata->passed)
		tables_dump(t, x);
	for (i = 0; i < x->n; i++)
		EXPECT_EQ(i, x->r[i].sl);
	for (i = 0; i < t->n; i++) {
		const struct row *a = &t->r[i];
		const struct row *b = table_find(x, a->local, a->rem);

		EXPECT_NE(NULL, b) TH_LOG("no xtcp row %s %s", a->local, a->rem);
		if (!b)
			continue;
		EXPECT_EQ(a->len, b->len) TH_LOG("width of %s %s", a->local, a->rem);
		EXPECT_EQ(a->st, b->st) TH_LOG("st of %s %s", a->local, a->rem);
		EXPECT_EQ(a->txq, b->txq) TH_LOG("tx_queue of %s %s", a->local, a->rem);
		EXPECT_EQ(a->rxq, b->rxq) TH_LOG("rx_queue of %s %s", a->local, a->rem);
		EXPECT_EQ(a->tr, b->tr) TH_LOG("tr of %s %s", a->local, a->rem);
		EXPECT_GE((long)when_slack, labs((long)a->when - (long)b->when))
			TH_LOG("tm->when of %s %s: TCP %lu, xtcp %lu", a->local, a->rem,
			       a->when, b->when);
		EXPECT_EQ(a->retr, b->retr) TH_LOG("retrnsmt of %s %s", a->local, a->rem);
		EXPECT_EQ(a->uid, b->uid);
		EXPECT_EQ(a->timeout, b->timeout) TH_LOG("timeout of %s %s", a->local, a->rem);
		EXPECT_EQ(!a->inode, !b->inode) TH_LOG("inode of %s %s", a->local, a->rem);
	}
}

static const char *sockets_path(int proto)
{
	return proto == IPPROTO_TCP ? "/proc/net/tcp" : "/proc/net/xtcp/sockets";
}

static int bound_socket(int proto, const char *ip, int port)
{
	struct sockaddr_in sin = addr4(ip, port);
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, proto);

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		close(fd);
		return -errno;
	}
	return fd;
}

static int wait_readable(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, ms);
}

FIXTURE(proc) {
	int dummy;
};

FIXTURE_SETUP(proc)
{
}

FIXTURE_TEARDOWN(proc)
{
}

/* The sockets of one loopback situation: see rows_on_loopback. */
struct lo_scene {
	int lfd, a, sa, b;
};

static void lo_scene_build(struct __test_metadata *_metadata, int proto,
			   struct lo_scene *sc)
{
	char buf[16] = "0123456789";

	sc->lfd = bound_socket(proto, "127.0.0.1", PORT);
	ASSERT_LE(0, sc->lfd);
	ASSERT_EQ(0, listen(sc->lfd, 8));
	sc->a = bound_socket(proto, "127.0.0.1", CPORT_A);
	ASSERT_LE(0, sc->a);
	ASSERT_EQ(0, connect_to(sc->a, "127.0.0.1", PORT));
	sc->sa = accept(sc->lfd, NULL, NULL);
	ASSERT_LE(0, sc->sa);
	sc->b = bound_socket(proto, "127.0.0.1", CPORT_B);
	ASSERT_LE(0, sc->b);
	ASSERT_EQ(0, connect_to(sc->b, "127.0.0.1", PORT));
	/* 10 bytes to the server, 5 back, all unread, all acknowledged */
	ASSERT_EQ(10, send(sc->a, buf, 10, 0));
	ASSERT_EQ(5, send(sc->sa, buf, 5, 0));
	ASSERT_EQ(1, wait_readable(sc->sa, 2000));
	ASSERT_EQ(1, wait_readable(sc->a, 2000));
	usleep(300 * 1000);	/* delayed ACKs out, nothing in flight */
}

/*
 * A listener with one accepted connection (10 bytes unread by the server,
 * 5 by the client) and one left on the accept queue: six rows (listener,
 * two clients, two server ends) alike in TCP's table and xtcp's, header
 * and width included. Then the accepted client closes first: its row
 * becomes FIN_WAIT2 (05) with the orphan's 60 s timeout (timer 3, as TCP
 * shows the TIME_WAIT entry it makes of a FIN_WAIT2 orphan; within 2 s),
 * the server's CLOSE_WAIT (08). When the server closes too, the client's
 * row is TIME_WAIT (06, timer 3, 60 s) and the server's is gone. All
 * alike.
 */
TEST_F(proc, rows_on_loopback)
{
	static struct table t, x;
	struct lo_scene sc[2];
	int i, protos[2] = { IPPROTO_TCP, IPPROTO_XTCP };

	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, lo_up());
	for (i = 0; i < 2; i++)
		lo_scene_build(_metadata, protos[i], &sc[i]);
	ASSERT_EQ(0, table_read(sockets_path(IPPROTO_TCP), &t));
	ASSERT_EQ(0, table_read(sockets_path(IPPROTO_XTCP), &x));
	ASSERT_EQ(5, t.n);
	EXPECT_EQ(TCP_ROW_LEN, t.r[0].len);
	tables_match(_metadata, &t, &x, 0);
	/* the listener counts the queued connection */
	EXPECT_EQ(1, FIELD(&x, "0100007F:1388", "00000000:0000", rxq));
	EXPECT_EQ(10, FIELD(&x, "0100007F:1388", "0100007F:9C41", rxq));
	EXPECT_EQ(5, FIELD(&x, "0100007F:9C41", "0100007F:1388", rxq));

	for (i = 0; i < 2; i++) {
		char buf[8];

		/* unread data would make close() reset instead */
		ASSERT_EQ(5, recv(sc[i].a, buf, sizeof(buf), 0));
		ASSERT_EQ(0, shutdown(sc[i].a, SHUT_WR));
		ASSERT_EQ(1, wait_readable(sc[i].sa, 2000));
	}
	usleep(300 * 1000);
	for (i = 0; i < 2; i++)
		close(sc[i].a);
	usleep(300 * 1000);
	ASSERT_EQ(0, table_read(sockets_path(IPPROTO_TCP), &t));
	ASSERT_EQ(0, table_read(sockets_path(IPPROTO_XTCP), &x));
	tables_match(_metadata, &t, &x, 200);
	EXPECT_EQ(5, FIELD(&x, "0100007F:9C41", "0100007F:1388", st));
	EXPECT_EQ(3, FIELD(&x, "0100007F:9C41", "0100007F:1388", tr));
	EXPECT_EQ(8, FIELD(&x, "0100007F:1388", "0100007F:9C41", st));

	for (i = 0; i < 2; i++) {
		char buf[16];

		ASSERT_EQ(10, recv(sc[i].sa, buf, sizeof(buf), 0));
		close(sc[i].sa);
	}
	usleep(300 * 1000);
	ASSERT_EQ(0, table_read(sockets_path(IPPROTO_TCP), &t));
	ASSERT_EQ(0, table_read(sockets_path(IPPROTO_XTCP), &x));
	tables_match(_metadata, &t, &x, 200);
	EXPECT_EQ(6, FIELD(&x, "0100007F:9C41", "0100007F:1388", st));
	EXPECT_EQ(3, FIELD(&x, "0100007F:9C41", "0100007F:1388", tr));
	EXPECT_EQ(-1, FIELD(&x, "0100007F:1388", "0100007F:9C41", st));
	for (i = 0; i < 2; i++) {
		close(sc[i].b);
		close(sc[i].lfd);
	}
}

/*
 * Rows of connections waiting on a silent peer: a half-open entry (03,
 * SYN_RECV: the peer's SYN got our SYN-ACK, no ACK came) and a connecting
 * socket (02, SYN_SENT), both with the retransmission timer (1) pending
 * about 1 s ahead (TCP's fixed initial RTO; xtcp's synack_timeout_ms
 * default), within 30 ticks. The two tables live in the namespaces of two
 * peers, one after the other.
 */
TEST_F(proc, rows_half_open_and_connecting)
{
	static struct table tab[2];
	int i, protos[2] = { IPPROTO_TCP, IPPROTO_XTCP };
	struct seg syn, sa;
	struct peer p;
	int lfd, cfd;

	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, peer_open(&p, protos[i]));
		ASSERT_EQ(0, peer_plain_tcp());
		lfd = bound_socket(protos[i], PEER_LOCAL, PORT);
		ASSERT_LE(0, lfd);
		ASSERT_EQ(0, listen(lfd, 8));
		syn = (struct seg){ .sport = CPORT_A, .dport = PORT, .seq = 1000,
				    .flags = SEG_SYN, .win = 65535 };
		seg_opt_mss(&syn, 1000);
		ASSERT_EQ(0, peer_send(&p, &syn));
		ASSERT_EQ(0, peer_expect(&p, &sa, 1000));
		EXPECT_EQ(SEG_SYN | SEG_ACK, sa.flags);
		cfd = bound_socket(protos[i], PEER_LOCAL, CPORT_B);
		ASSERT_LE(0, cfd);
		ASSERT_EQ(0, fcntl(cfd, F_SETFL, O_NONBLOCK));
		EXPECT_EQ(EINPROGRESS, connect_to(cfd, PEER_REMOTE, PORT));
		ASSERT_EQ(0, peer_expect(&p, &sa, 1000));
		EXPECT_EQ(SEG_SYN, sa.flags);
		ASSERT_EQ(0, table_read(sockets_path(protos[i]), &tab[i]));
		close(cfd);
		close(lfd);
		peer_close(&p);
	}
	ASSERT_EQ(3, tab[0].n);
	tables_match(_metadata, &tab[0], &tab[1], 30);
	EXPECT_EQ(3, FIELD(&tab[1], "0100000A:1388", "0200000A:9C41", st));
	EXPECT_EQ(1, FIELD(&tab[1], "0100000A:1388", "0200000A:9C41", tr));
	EXPECT_EQ(2, FIELD(&tab[1], "0100000A:9C42", "0200000A:1388", st));
}

/* Fields of a /proc/net/xtcp/listeners row. */
struct lrow {
	char local[16];
	int syn_q, syn_max, acc_q, acc_max, drops, ovf, syn_ovf, rtx;
};

/* The row of the listener at @local; 0, or -1 if there is none. */
static int listener_row(const char *local, struct lrow *l)
{
	FILE *f = fopen("/proc/net/xtcp/listeners", "re");
	char line[256];
	int ret = -1;

	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f) || strncmp(line, "local_address syn_q", 19))
		goto out;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%15s %d %d %d %d %d %d %d %d", l->local,
			   &l->syn_q, &l->syn_max, &l->acc_q, &l->acc_max,
			   &l->drops, &l->ovf, &l->syn_ovf, &l->rtx) == 9 &&
		    !strcmp(l->local, local)) {
			ret = 0;
			break;
		}
	}
out:
	fclose(f);
	return ret;
}

/*
 * The listeners view of one listener with backlog 1, in a namespace of its
 * own. Empty at first: syn_max = min(max_syn_backlog, backlog + 1) = 2,
 * acc_max = backlog + 1 = 2. Two connections fill the accept queue; the
 * third SYN is dropped (drops 1, overflows 1: the namespace's ListenDrops
 * and ListenOverflows moved alike). A SYN from the scripted peer, never
 * answered, is one SYN-queue entry until accept() makes room; with
 * synack_timeout_ms 100 its SYN-ACK is retransmitted (synack_rtx >= 1,
 * SynAckRetrans likewise).
 */
TEST_F(proc, listeners_view)
{
	struct seg syn, sa;
	struct lrow l;
	struct peer p;
	int lfd, c[3], i, s;
	long drops, ovf, rtx;

	ASSERT_EQ(0, peer_open(&p, IPPROTO_XTCP));
	drops = xtcp_counter("ListenDrops");
	ovf = xtcp_counter("ListenOverflows");
	rtx = xtcp_counter("SynAckRetrans");
	lfd = bound_socket(IPPROTO_XTCP, PEER_LOCAL, PORT);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, listen(lfd, 1));
	ASSERT_EQ(0, listener_row("0100000A:1388", &l));
	EXPECT_EQ(0, l.syn_q);
	EXPECT_EQ(2, l.syn_max);
	EXPECT_EQ(0, l.acc_q);
	EXPECT_EQ(2, l.acc_max);
	EXPECT_EQ(0, l.drops + l.ovf + l.syn_ovf + l.rtx);

	for (i = 0; i < 3; i++) {
		c[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, IPPROTO_XTCP);
		ASSERT_LE(0, c[i]);
		EXPECT_EQ(EINPROGRESS, connect_to(c[i], PEER_LOCAL, PORT));
		usleep(50 * 1000);
	}
	ASSERT_EQ(0, listener_row("0100000A:1388", &l));
	EXPECT_EQ(2, l.acc_q);
	EXPECT_EQ(1, l.drops);
	EXPECT_EQ(1, l.ovf);
	EXPECT_EQ(drops + 1, xtcp_counter("ListenDrops"));
	EXPECT_EQ(ovf + 1, xtcp_counter("ListenOverflows"));

	s = accept(lfd, NULL, NULL);
	ASSERT_LE(0, s);
	close(s);
	s = accept(lfd, NULL, NULL);
	ASSERT_LE(0, s);
	close(s);
	for (i = 0; i < 3; i++)
		close(c[i]);
	ASSERT_EQ(0, peer_knob_set(IPPROTO_XTCP, PEER_SYN_RTO_MS, 100));
	syn = (struct seg){ .sport = CPORT_A, .dport = PORT, .seq = 1000,
			    .flags = SEG_SYN, .win = 65535 };
	seg_opt_mss(&syn, 1000);
	ASSERT_EQ(0, peer_send(&p, &syn));
	ASSERT_EQ(0, peer_expect(&p, &sa, 1000));
	ASSERT_EQ(0, listener_row("0100000A:1388", &l));
	EXPECT_EQ(1, l.syn_q);
	EXPECT_EQ(0, l.acc_q);
	ASSERT_EQ(0, peer_expect(&p, &sa, 1000));	/* the retransmission */
	EXPECT_EQ(SEG_SYN | SEG_ACK, sa.flags);
	ASSERT_EQ(0, listener_row("0100000A:1388", &l));
	EXPECT_LE(1, l.rtx);
	EXPECT_EQ(rtx + l.rtx, xtcp_counter("SynAckRetrans"));
	close(lfd);
	/* the row goes with the listener */
	EXPECT_EQ(-1, listener_row("0100000A:1388", &l));
	peer_close(&p);
}

/* ------------------------------------------------------------ big tables */

#define BIG_N		20000	/* 2 BIG_N half-open entries */
#define BIG_SPORT	1024	/* the peer's first port */
#define BIG_CONNS	40	/* loopback connections: half kept ... */
#define BIG_LPORT	6000	/* ... the other half closed into TIME_WAIT */
#define BIG_LISTENERS	600
#define BIG_READS	5	/* each timing is the best of so many reads */

/* A row's key: local and remote port and address (first ^ last octet). */
static uint64_t row_key(unsigned int la, unsigned int lp, unsigned int ra,
			unsigned int rp)
{
	return (uint64_t)((la & 0xff) ^ (la >> 24)) << 40 | (uint64_t)lp << 24 |
	       ((ra & 0xff) ^ (ra >> 24)) << 16 | rp;
}

static uint64_t key_of(const char *la, int lp, const char *ra, int rp)
{
	struct in_addr l, r;

	inet_pton(AF_INET, la, &l);
	inet_pton(AF_INET, ra, &r);
	/* as /proc prints them: the __be32 as a host-order number */
	return row_key(l.s_addr, lp, r.s_addr, rp);
}

static int key_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct keys {
	int n, max;
	uint64_t *k;
};

static void keys_add(struct keys *ks, uint64_t k)
{
	if (ks->n == ks->max) {
		ks->max = ks->max ? 2 * ks->max : 4096;
		ks->k = realloc(ks->k, ks->max * sizeof(*ks->k));
	}
	ks->k[ks->n++] = k;
}

/*
 * Read @path with read() calls of @chunk bytes into @buf (@len bytes at
 * most), up to its end or, if @rows > 0, until the header and @rows rows
 * are in: the microseconds the reads took (open and close outside), or
 * -errno.
 */
static long read_rows(const char *path, size_t chunk, char *buf, size_t len,
		      int rows, size_t *got)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), lines = 0;
	uint64_t t0;
	ssize_t n;
	char *c;

	if (fd < 0)
		return -errno;
	*got = 0;
	t0 = peer_now_ns();
	while (*got + chunk < len && (n = read(fd, buf + *got, chunk)) > 0) {
		for (c = buf + *got; (c = memchr(c, '\n', buf + *got + n - c)); c++)
			lines++;
		*got += n;
		if (rows > 0 && lines > rows)
			break;
	}
	t0 = peer_now_ns() - t0;
	close(fd);
	buf[*got] = '\0';
	return (long)(t0 / 1000);
}

static long read_all(const char *path, size_t chunk, char *buf, size_t len,
		     size_t *got)
{
	return read_rows(path, chunk, buf, len, 0, got);
}

/*
 * The next line of @*text into @line (@len bytes at most, the rest cut),
 * @*text moved past it; false at the end. (sscanf() on the rest of a
 * large buffer would measure all of it each time.)
 */
static bool next_line(const char **text, char *line, size_t len)
{
	const char *end = strchr(*text, '\n');
	size_t n;

	if (!**text)
		return false;
	if (!end)
		end = *text + strlen(*text);
	n = end - *text < (long)len - 1 ? (size_t)(end - *text) : len - 1;
	memcpy(line, *text, n);
	line[n] = '\0';
	*text = *end ? end + 1 : end;
	return true;
}

/* The keys of the rows of socket table text @buf (header first). */
static int sockets_keys(const char *buf, struct keys *ks)
{
	unsigned int la, lp, ra, rp;
	char line[256];

	ks->n = 0;
	next_line(&buf, line, sizeof(line));	/* the header */
	while (next_line(&buf, line, sizeof(line))) {
		if (sscanf(line, " %*d: %8X:%4X %8X:%4X", &la, &lp, &ra, &rp) != 4)
			return -EINVAL;
		keys_add(ks, row_key(la, lp, ra, rp));
	}
	return 0;
}

/*
 * Compare the rows read (@got) with those expected (@want, sorted): the
 * keys seen twice or more, missing, or not expected.
 */
static void keys_diff(struct keys *got, const struct keys *want, int *dup,
		      int *missing, int *extra)
{
	int i;

	qsort(got->k, got->n, sizeof(*got->k), key_cmp);
	*dup = 0;
	*extra = 0;
	for (i = 0; i < got->n; i++) {
		if (i && got->k[i] == got->k[i - 1])
			(*dup)++;
		else if (!bsearch(&got->k[i], want->k, want->n, sizeof(*want->k),
				  key_cmp))
			(*extra)++;
	}
	*missing = 0;
	for (i = 0; i < want->n; i++)
		if (!bsearch(&want->k[i], got->k, got->n, sizeof(*got->k), key_cmp))
			(*missing)++;
}

/* Wait (2 s at most) for the end of @fd's stream, then close it; 0 or -1. */
static int close_after_eof(int fd)
{
	char buf[64];
	int ret = -1;

	if (wait_readable(fd, 2000) == 1 && recv(fd, buf, sizeof(buf), 0) == 0)
		ret = 0;
	close(fd);
	return ret;
}

/* SYNs from 10.0.0.2 ports BIG_SPORT + [@from, @to) to @port. */
static int big_syns(struct peer *p, int from, int to, int port)
{
	struct seg syn = { .dport = port, .flags = SEG_SYN, .win = 65535 };
	struct seg junk;
	int i, err;

	for (i = from; i < to; i++) {
		syn.sport = BIG_SPORT + i;
		syn.seq = 1000u * i;
		err = peer_send(p, &syn);
		if (err)
			return err;
		if (i % 64 == 63)	/* the SYN-ACKs: let the TUN queue drain */
			while (!peer_expect(p, &junk, 0))
				;
	}
	return 0;
}

FIXTURE(big) {
	struct peer p;
	int lfd, lo_lfd;
	int c[BIG_CONNS], s[BIG_CONNS];
	int l[BIG_LISTENERS];
	char *buf;
	size_t len;
	struct keys want, got;
};

FIXTURE_SETUP(big)
{
	int i;

	self->lfd = -1;
	self->lo_lfd = -1;
	for (i = 0; i < BIG_CONNS; i++)
		self->c[i] = self->s[i] = -1;
	for (i = 0; i < BIG_LISTENERS; i++)
		self->l[i] = -1;
	memset(&self->want, 0, sizeof(self->want));
	memset(&self->got, 0, sizeof(self->got));
	self->len = 32 << 20;
	self->buf = malloc(self->len);
	ASSERT_NE(NULL, self->buf);
	ASSERT_EQ(0, peer_open(&self->p, IPPROTO_XTCP));
}

FIXTURE_TEARDOWN(big)
{
	int i;

	for (i = 0; i < BIG_CONNS; i++) {
		if (self->c[i] >= 0)
			close(self->c[i]);
		if (self->s[i] >= 0)
			close(self->s[i]);
	}
	for (i = 0; i < BIG_LISTENERS; i++)
		if (self->l[i] >= 0)
			close(self->l[i]);
	if (self->lo_lfd >= 0)
		close(self->lo_lfd);
	if (self->lfd >= 0)
		close(self->lfd);
	peer_close(&self->p);
	free(self->buf);
	free(self->want.k);
	free(self->got.k);
}

/*
 * Read @path in @chunk-byte read() calls: it must show the rows of
 * self->want exactly once.
 */
static void big_check(struct __test_metadata *_metadata, FIXTURE_DATA(big) *self,
		      const char *path, size_t chunk)
{
	int dup, missing, extra;
	size_t got;

	ASSERT_LE(0, read_all(path, chunk, self->buf, self->len, &got));
	ASSERT_EQ(0, sockets_keys(self->buf, &self->got));
	keys_diff(&self->got, &self->want, &dup, &missing, &extra);
	EXPECT_EQ(self->want.n, self->got.n)
		TH_LOG("%s in %zu-byte reads: %d rows, %d expected",
		       path, chunk, self->got.n, self->want.n);
	EXPECT_EQ(0, dup + missing + extra)
		TH_LOG("%s in %zu-byte reads: %d rows twice, %d missing, %d unexpected",
		       path, chunk, dup, missing, extra);
}

/*
 * The time of reading the first half of @path's rows (@half) and all of
 * them, in 4 KiB read() calls: the best of BIG_READS each, taken in turn
 * so that both see the same machine (a TCG guest on a shared host).
 */
static void big_time(struct __test_metadata *_metadata, FIXTURE_DATA(big) *self,
		     const char *path, int half, long *t_half, long *t_all)
{
	int i, rows = -1;	/* the header is no row */
	size_t got;
	char *c;
	long t;

	*t_half = LONG_MAX;
	*t_all = LONG_MAX;
	for (i = 0; i < BIG_READS; i++) {
		t = read_rows(path, 4096, self->buf, self->len, half, &got);
		ASSERT_LE(0, t);
		if (t < *t_half)
			*t_half = t;
		t = read_all(path, 4096, self->buf, self->len, &got);
		ASSERT_LE(0, t);
		if (t < *t_all)
			*t_all = t;
	}
	for (c = self->buf; (c = strchr(c, '\n')); c++)
		rows++;
	ksft_print_msg("%s, 4 KiB reads: %d rows %ld us, all %d rows %ld us (%ld ns a row): %.2f times the time\n",
		       path, half, *t_half, rows, *t_all,
		       *t_all * 1000 / (rows > 0 ? rows : 1),
		       (double)*t_all / *t_half);
}

/*
 * A big socket table, read in small chunks: every row exactly once, and
 * twice the rows take about twice the time, not four times.
 *
 * In a namespace of its own: a listener on 10.0.0.1:PORT with 2 BIG_N
 * half-open entries (SYNs from the scripted peer that it never answers;
 * their SYN-ACK timer at its 120 s maximum, so none expires), a listener
 * on 127.0.0.1:BIG_LPORT with BIG_CONNS / 2 connections (two rows each)
 * and BIG_CONNS / 2 TIME_WAIT entries (msl_ms at its maximum): rows of
 * all four tables. Read with read() calls of 4 KiB (the seq_file buffer
 * is one page whatever the call asks), of 1000 bytes (rows split across
 * calls) and of 64 KiB, the file must hold every expected row exactly
 * once (nothing changes meanwhile). Then reading the whole file in 4 KiB
 * calls must take less than 3 times as long as reading its first half: a
 * walk that starts again from the first row at each read() is quadratic
 * (4 times), one that goes on where the last read() stopped is linear
 * (2 times). The two are timed in turn, the best of BIG_READS each.
 * Linux's /proc/net/tcp after the same SYNs (it keeps 32,768 of them
 * here) is timed alike, for the log.
 */
TEST_F_TIMEOUT(big, sockets_read_in_chunks, 300)
{
	static const size_t chunks[] = { 4096, 1000, 65536 };
	long t_half, t_all, t0;
	int i, port, lfd;
	unsigned int k;

	ASSERT_EQ(0, write_file("/proc/sys/net/core/somaxconn", "65535"));
	ASSERT_EQ(0, write_file("/proc/sys/net/xtcp/max_syn_backlog", "100000"));
	ASSERT_EQ(0, write_file("/proc/sys/net/xtcp/synack_timeout_ms", "120000"));
	ASSERT_EQ(0, write_file("/proc/sys/net/xtcp/msl_ms", "600000"));
	self->lfd = bound_socket(IPPROTO_XTCP, PEER_LOCAL, PORT);
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, listen(self->lfd, 65535));
	keys_add(&self->want, key_of(PEER_LOCAL, PORT, "0.0.0.0", 0));

	/* loopback: connections, and TIME_WAIT entries of clients */
	self->lo_lfd = bound_socket(IPPROTO_XTCP, "127.0.0.1", BIG_LPORT);
	ASSERT_LE(0, self->lo_lfd);
	ASSERT_EQ(0, listen(self->lo_lfd, BIG_CONNS));
	keys_add(&self->want, key_of("127.0.0.1", BIG_LPORT, "0.0.0.0", 0));
	for (i = 0; i < BIG_CONNS; i++) {
		self->c[i] = socket(AF_INET, SOCK_STREAM, IPPROTO_XTCP);
		ASSERT_LE(0, self->c[i]);
		ASSERT_EQ(0, connect_to(self->c[i], "127.0.0.1", BIG_LPORT));
		self->s[i] = accept(self->lo_lfd, NULL, NULL);
		ASSERT_LE(0, self->s[i]);
		port = local_port(self->c[i]);
		keys_add(&self->want, key_of("127.0.0.1", port, "127.0.0.1", BIG_LPORT));
		if (i % 2) {
			keys_add(&self->want,
				 key_of("127.0.0.1", BIG_LPORT, "127.0.0.1", port));
			continue;
		}
		close(self->c[i]);	/* the client first: its TIME_WAIT */
		self->c[i] = -1;
		ASSERT_EQ(0, close_after_eof(self->s[i]));
		self->s[i] = -1;
	}
	t0 = now_ms();
	while (xtcp_counter("CurrTimeWait") < BIG_CONNS / 2 && now_ms() - t0 < 5000)
		usleep(10000);
	ASSERT_EQ(BIG_CONNS / 2, xtcp_counter("CurrTimeWait"));

	ASSERT_EQ(0, big_syns(&self->p, 0, 2 * BIG_N, PORT));
	for (i = 0; i < 2 * BIG_N; i++)
		keys_add(&self->want, key_of(PEER_LOCAL, PORT, PEER_REMOTE,
					     BIG_SPORT + i));
	qsort(self->want.k, self->want.n, sizeof(*self->want.k), key_cmp);
	sleep(1);	/* the SYNs' softirq work done */
	for (k = 0; k < ARRAY_SIZE(chunks); k++)
		big_check(_metadata, self, "/proc/net/xtcp/sockets", chunks[k]);

	big_time(_metadata, self, "/proc/net/xtcp/sockets", self->want.n / 2,
		 &t_half, &t_all);
	EXPECT_GT(3 * t_half, t_all);

	/* Linux's, after the same SYNs (SYN-ACK timers of 1 s on) */
	ASSERT_EQ(0, write_file("/proc/sys/net/ipv4/tcp_syncookies", "0"));
	ASSERT_EQ(0, write_file("/proc/sys/net/ipv4/tcp_max_syn_backlog", "100000"));
	lfd = bound_socket(IPPROTO_TCP, PEER_LOCAL, PORT);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, listen(lfd, 65535));
	self->p.proto = IPPROTO_TCP;
	ASSERT_EQ(0, big_syns(&self->p, 0, 2 * BIG_N, PORT));
	big_time(_metadata, self, "/proc/net/tcp", BIG_N, &t_half, &t_all);
	close(lfd);
}

/*
 * Many listeners (BIG_LISTENERS, over all of lhash's buckets): every row
 * of /proc/net/xtcp/listeners exactly once, whatever the read() size.
 */
TEST_F(big, listeners_read_in_chunks)
{
	static const size_t chunks[] = { 100, 1000, 4096, 65536 };
	unsigned int k, la, lp;
	int i, dup, missing, extra;
	const char *text;
	char line[256];
	size_t got;

	for (i = 0; i < BIG_LISTENERS; i++) {
		self->l[i] = bound_socket(IPPROTO_XTCP, i % 2 ? "127.0.0.1" : PEER_LOCAL,
					  BIG_LPORT + i);
		ASSERT_LE(0, self->l[i]);
		ASSERT_EQ(0, listen(self->l[i], 4));
		keys_add(&self->want, key_of(i % 2 ? "127.0.0.1" : PEER_LOCAL,
					     BIG_LPORT + i, "0.0.0.0", 0));
	}
	qsort(self->want.k, self->want.n, sizeof(*self->want.k), key_cmp);
	for (k = 0; k < ARRAY_SIZE(chunks); k++) {
		ASSERT_LE(0, read_all("/proc/net/xtcp/listeners", chunks[k],
				      self->buf, self->len, &got));
		self->got.n = 0;
		text = self->buf;
		next_line(&text, line, sizeof(line));	/* the header */
		while (next_line(&text, line, sizeof(line))) {
			ASSERT_EQ(2, sscanf(line, "%8X:%4X", &la, &lp));
			keys_add(&self->got, row_key(la, lp, 0, 0));
		}
		keys_diff(&self->got, &self->want, &dup, &missing, &extra);
		EXPECT_EQ(BIG_LISTENERS, self->got.n) TH_LOG("%zu-byte reads", chunks[k]);
		EXPECT_EQ(0, dup + missing + extra)
			TH_LOG("%zu-byte reads: %d rows twice, %d missing, %d unexpected",
			       chunks[k], dup, missing, extra);
	}
}

XTCP_TEST_MAIN
