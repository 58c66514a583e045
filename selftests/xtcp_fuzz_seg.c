// SPDX-License-Identifier: GPL-2.0
/*
 * A storm of hostile segments against every place a segment can land in
 * xtcp, and the checks that xtcp survives it intact.
 *
 * The scripted peer of xtcp_peer.h (10.0.0.2, behind a TUN device in a
 * network namespace of its own) keeps a set of targets alive on the stack
 * (10.0.0.1): a listener, for SYNs and strays from ports it never saw;
 * a closed port; half-open entries on the listener's SYN queue (a SYN and
 * never the final ACK); connect()s in SYN_SENT that get no answer;
 * established connections, passive and active, with data unacknowledged
 * both ways (retransmissions in flight); FIN_WAIT_1, FIN_WAIT_2 (with the
 * socket open or orphaned), CLOSE_WAIT, CLOSING and LAST_ACK; TIME_WAIT
 * entries. Each target is a slot of a fixed table; it is made with a
 * short exchange of valid segments, then receives mutations of the valid
 * segment it expects: any of the 256 flag combinations, sequence and
 * acknowledgment numbers at and around the edges of the window and
 * across 2^32 (half the peer's initial sequence numbers are just below
 * 2^32), data offsets too small and too large, segments cut shorter than
 * their header says (and IP lengths longer than the packet), options
 * malformed and repeated (length 0, 1, past the header, unknown kinds,
 * MSS, window scale, SACK, timestamps again and again), zero and huge
 * windows, urgent pointers, payloads up to the MTU and past it, other
 * source addresses, a broadcast destination, duplicates; checksums right
 * but one time in twenty. A target is made anew when the storm destroys
 * it (a RST from the stack) and after a budget of segments (its sockets
 * closed, aborted or shut down, for orphans of every kind). The peer never
 * waits for an answer to a mutation: it drains the TUN device every few
 * segments, learning from what the stack sends (its sequence numbers, the
 * acknowledgments that say where its receive window is, RSTs), so that
 * base segments stay in the window. Meanwhile a thread plays the stack's
 * applications on the targets' sockets (reads, writes, ioctls, buffer
 * sizes, options, poll), so that segments also arrive while a process
 * owns a socket, and wait on its backlog.
 *
 * Pass criteria, one assertion each: no kernel report in /dev/kmsg since
 * the test began; a canary on loopback (127.0.0.1, plain xtcp sockets, a
 * child process) moves 16 MiB intact (SHA-256 of what was sent and of
 * what arrived, compared) over and over during the storm and once after
 * it; after the storm the fuzzed listener still completes a handshake
 * with the peer and a connect() from a second xtcp socket, each carrying
 * data; the gauges (CurrEstab, CurrTimeWait, Orphans) never go negative
 * or absurd during the storm and all come back to 0 once everything is
 * closed (TIME_WAIT after 2 * msl_ms, shrunk to 1 s); the socket table
 * empties; xtcp's slab objects (XTCP, xtcp_req, xtcp_tw) and the module's
 * reference count return to their level before the test.
 *
 * Environment:
 *	XTCP_FUZZ_SEGMENTS	segments to send (default 200000)
 *	SEED			the seed (decimal or 0x hex); default from time
 *
 * The seed is printed first ("# seed N"). Every segment's mutations are a
 * function of the seed and of the segment's index only (a PRNG stream of
 * its own, splitmix64), and so are the target it goes to and how each
 * target is made: SEED=N replays the same sequence of mutations. What the
 * stack chooses (its initial sequence numbers, the timing of its timers
 * and answers) still differs from run to run, so the absolute numbers of
 * the segments do too. The throughput (segments per second) closes the run.
 */
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/sockios.h>

#include "kselftest_harness.h"
#include "xtcp_main.h"
#include "xtcp_proto.h"
#include "xtcp_peer.h"
#include "xtcp_script.h"
#include "xtcp_sha256.h"

#define FZ_DEFAULT_SEGMENTS	200000
#define FZ_TIMEOUT_S		(6 * 3600)	/* the harness's; vm-run's is the real one */

#define FZ_CLOSED_PORT		(LPORT + 1)	/* nobody listens there */
#define FZ_STRAY_PORT_MIN	10000		/* untracked ports, to the listener */
#define FZ_STRAY_PORTS		10000
#define FZ_PORT_MIN		20000		/* the targets' ports */
#define FZ_PORT_MAX		59999
#define FZ_FRESH_PORT		65000		/* the handshake after the storm */
#define FZ_CANARY_PORT		7000		/* and up, on 127.0.0.1 */
#define FZ_CANARY_BYTES		(16u << 20)
#define FZ_CANARY_TIMEOUT_S	1800

#define FZ_MAX_PAYLOAD		1540		/* the MTU's worth, and 40 past it */
#define FZ_MSL_MS		1000		/* TIME_WAIT: 2 s */
#define FZ_WAIT_MS		500		/* an answer a target's making waits for */
#define FZ_RETRY_SEGS		64		/* a failed target is made again after */
#define FZ_GAUGE_MAX		100000		/* more is absurd here (wrapped below 0) */
#define FZ_DRAIN_EVERY		8
#define FZ_ACCEPT_EVERY		128
#define FZ_SAMPLE_EVERY		1000

/* Where a segment lands: the kinds of target. */
enum fz_type {
	FZ_LISTEN, FZ_CLOSED, FZ_HALF_OPEN, FZ_SYN_SENT, FZ_ESTAB, FZ_ESTAB_ACTIVE,
	FZ_FIN_WAIT1, FZ_FIN_WAIT2, FZ_CLOSE_WAIT, FZ_CLOSING, FZ_LAST_ACK,
	FZ_TIME_WAIT, FZ_NTYPES
};

static const char * const fz_type_name[FZ_NTYPES] = {
	[FZ_LISTEN] = "listener", [FZ_CLOSED] = "closed port",
	[FZ_HALF_OPEN] = "half-open", [FZ_SYN_SENT] = "SYN_SENT",
	[FZ_ESTAB] = "established", [FZ_ESTAB_ACTIVE] = "established (active)",
	[FZ_FIN_WAIT1] = "FIN_WAIT_1", [FZ_FIN_WAIT2] = "FIN_WAIT_2",
	[FZ_CLOSE_WAIT] = "CLOSE_WAIT", [FZ_CLOSING] = "CLOSING",
	[FZ_LAST_ACK] = "LAST_ACK", [FZ_TIME_WAIT] = "TIME_WAIT",
};

/* The slots: a segment picks one uniformly. */
static const enum fz_type fz_slot_type[] = {
	FZ_LISTEN, FZ_LISTEN, FZ_LISTEN, FZ_CLOSED,
	FZ_HALF_OPEN, FZ_HALF_OPEN, FZ_HALF_OPEN, FZ_HALF_OPEN,
	FZ_SYN_SENT, FZ_SYN_SENT,
	FZ_ESTAB, FZ_ESTAB, FZ_ESTAB, FZ_ESTAB, FZ_ESTAB, FZ_ESTAB,
	FZ_ESTAB_ACTIVE, FZ_ESTAB_ACTIVE,
	FZ_FIN_WAIT1, FZ_FIN_WAIT1, FZ_FIN_WAIT1,
	FZ_FIN_WAIT2, FZ_FIN_WAIT2, FZ_FIN_WAIT2,
	FZ_CLOSE_WAIT, FZ_CLOSE_WAIT, FZ_CLOSE_WAIT,
	FZ_CLOSING, FZ_CLOSING, FZ_CLOSING,
	FZ_LAST_ACK, FZ_LAST_ACK, FZ_LAST_ACK,
	FZ_TIME_WAIT, FZ_TIME_WAIT, FZ_TIME_WAIT, FZ_TIME_WAIT,
};

#define FZ_SLOTS	((int)ARRAY_SIZE(fz_slot_type))

/* --- the PRNG ------------------------------------------------------------ */

struct rng {
	uint64_t s;
};

static inline uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/*
 * The stream of item @i of kind @stream: segment i's mutations (stream 0),
 * the making of slot k's generation g (stream k + 1, item g), ...
 */
static struct rng rng_for(uint64_t seed, uint32_t stream, uint64_t i)
{
	uint64_t s = seed ^ ((uint64_t)stream << 48) ^ (i * 0x2545f4914f6cdd1dull);
	struct rng r = { splitmix64(&s) };

	return r;
}

static inline uint32_t rnd(struct rng *r)
{
	return splitmix64(&r->s) >> 32;
}

/* Uniform in [0, n). */
static inline uint32_t below(struct rng *r, uint32_t n)
{
	return (uint32_t)(((uint64_t)rnd(r) * n) >> 32);
}

/* True @pct percent of the time. */
static inline bool pct(struct rng *r, uint32_t pct)
{
	return below(r, 100) < pct;
}

static inline bool seq_after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

/* --- state ------------------------------------------------------------- */

/* One target: what the stack holds for a 4-tuple, and what the peer knows. */
struct fz_target {
	enum fz_type type;
	bool live;		/* made, and not seen destroyed */
	int fd;			/* the stack's socket, or -1 (orphan, none) */
	unsigned int gen;	/* how many times made */
	int budget;		/* segments until it is made anew */
	uint64_t retry_at;	/* segment index of the next try, if not live */
	uint16_t port;		/* the peer's port (0: none) */
	uint16_t lport;		/* the stack's */
	uint16_t mss;		/* the peer's MSS option */
	int ws;			/* the peer's window scale option, -1: none */
	uint32_t peer_isn;
	uint32_t peer_nxt;	/* the peer's next sequence number */
	uint32_t iss;		/* the stack's initial sequence number */
	uint32_t stack_nxt;	/* end of what the stack has sent */
	uint32_t acked;		/* what the peer acknowledged last */
	uint32_t stack_ack;	/* the stack's latest acknowledgment (RCV.NXT) */
	uint16_t stack_win;	/* its window field */
	uint64_t born_ns;
};

/* One segment to send, and the malformations to send it with. */
struct fz_seg {
	uint32_t saddr, daddr;		/* network order */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win, urg;
	uint8_t opt[40];
	int optlen;			/* a multiple of 4 */
	const uint8_t *data;
	int len;
	int doff;			/* data offset; -1: the right one */
	int trunc;			/* send only this many bytes of segment; -1: all */
	int ip_extra;			/* the IP total length claims this many more */
	bool bad_csum;
};

struct fz_stats {
	unsigned long long sent, dups, write_errs, made_segs;
	unsigned long long by_type[FZ_NTYPES];
	unsigned long long made[FZ_NTYPES], make_fails[FZ_NTYPES];
	unsigned long long replies, reply_rsts, reply_foreign, killed, strays, app_calls;
	unsigned long long bad_csum, trunc, bad_doff, opt_soup, rand_flags, payload;
};

struct fz {
	struct peer p;
	int lfd;
	uint64_t seed;
	struct fz_target t[FZ_SLOTS];
	int8_t slot_of[65536];		/* the peer's port -> slot, -1: none */
	uint16_t next_port;
	uint8_t pkt[2][20 + 60 + FZ_MAX_PAYLOAD];
	int last_len, cur;		/* the packet sent last: pkt[cur] */
	uint8_t junk[4096];		/* payload bytes */
	struct fz_stats st;
	/* the gauges, sampled during the storm */
	long samples, bad_samples;
	char first_bad[160];
	unsigned long long max_estab, max_tw, max_orphans;
};

static struct fz fz_state;
static uint64_t fz_seed;

/*
 * Held by the storm while it closes or replaces a target's socket, and by
 * the applications' thread (fz_apps()) while it uses one.
 */
static pthread_mutex_t fz_fd_lock = PTHREAD_MUTEX_INITIALIZER;
static bool fz_apps_stop;

/* --- counters ----------------------------------------------------------- */

struct fz_mib {
	int n;
	char name[64][32];
	unsigned long long v[64];
};

/* Every counter of /proc/net/xtcp/snmp (unsigned: a gauge below 0 is huge). */
static int fz_mib_read(struct fz_mib *m)
{
	char line[128];
	FILE *f = fopen("/proc/net/xtcp/snmp", "re");

	if (!f)
		return -errno;
	m->n = 0;
	while (m->n < 64 && fgets(line, sizeof(line), f))
		if (sscanf(line, "%31[^\t]\t%llu", m->name[m->n], &m->v[m->n]) == 2)
			m->n++;
	fclose(f);
	return 0;
}

static unsigned long long fz_mib(const struct fz_mib *m, const char *name)
{
	int i;

	for (i = 0; i < m->n; i++)
		if (!strcmp(m->name[i], name))
			return m->v[i];
	return ULLONG_MAX;
}

static unsigned long long fz_gauge(const char *name)
{
	static struct fz_mib m;

	if (fz_mib_read(&m))
		return ULLONG_MAX;
	return fz_mib(&m, name);
}

/* Rows of /proc/net/xtcp/sockets (its header not counted), -1 if unreadable. */
static int fz_socket_rows(void)
{
	char line[512];
	int rows = -1;
	FILE *f = fopen("/proc/net/xtcp/sockets", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		rows++;
	fclose(f);
	return rows;
}

/* Sample the gauges; a value below 0 (huge, unsigned) or absurd is remembered. */
static void fz_sample(struct fz *f, uint64_t i)
{
	static const char * const names[] = { "CurrEstab", "CurrTimeWait", "Orphans" };
	unsigned long long *max[] = { &f->max_estab, &f->max_tw, &f->max_orphans };
	static struct fz_mib m;
	unsigned int k;

	f->samples++;
	if (fz_mib_read(&m))
		return;
	for (k = 0; k < ARRAY_SIZE(names); k++) {
		unsigned long long v = fz_mib(&m, names[k]);

		if (v > FZ_GAUGE_MAX) {
			if (!f->bad_samples++)
				snprintf(f->first_bad, sizeof(f->first_bad),
					 "%s = %llu (%lld) after %llu segments",
					 names[k], v, (long long)v, (unsigned long long)i);
		} else if (v > *max[k]) {
			*max[k] = v;
		}
	}
}

/* --- the kernel log ------------------------------------------------------ */

static int fz_kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/* Kernel log records since fz_kmsg_open() that report a problem, printed: how many. */
static int fz_kmsg_problems(int fd)
{
	static const char * const bad[] = {
		"BUG", "WARNING", "KASAN", "UBSAN", "Oops", "general protection",
		"ODEBUG", "refcount_t", "list_add corruption", "list_del corruption",
	};
	char rec[2048];
	unsigned int i;
	ssize_t len;
	int n = 0;

	while ((len = read(fd, rec, sizeof(rec) - 1)) > 0 || (len < 0 && errno == EPIPE)) {
		if (len <= 0)
			continue;	/* EPIPE: records overwritten; read on */
		rec[len] = '\0';
		for (i = 0; i < ARRAY_SIZE(bad); i++) {
			if (strstr(rec, bad[i])) {
				ksft_print_msg("kernel log: %s", rec);
				n++;
				break;
			}
		}
	}
	return n;
}

/* --- segments out -------------------------------------------------------- */

static void fz_seg_init(struct fz *f, const struct fz_target *t, struct fz_seg *s)
{
	memset(s, 0, sizeof(*s));
	s->saddr = f->p.remote;
	s->daddr = f->p.local;
	s->sport = t->port;
	s->dport = t->lport;
	s->win = 65535;
	s->doff = -1;
	s->trunc = -1;
	s->data = f->junk;
}

/* Build @s into a packet (IPv4, the peer's protocol) and write it to the TUN device. */
static int fz_send(struct fz *f, const struct fz_seg *s)
{
	uint8_t *pkt = f->pkt[f->cur ^ 1], *th = pkt + 20;
	int hlen = 20 + s->optlen, l4 = hlen + s->len;
	uint16_t v16, csum;
	uint32_t v32;
	ssize_t n;

	if (s->optlen > 40 || s->len > FZ_MAX_PAYLOAD) {
		f->st.write_errs++;	/* a bug of the fuzzer's: it would not fit */
		return -EMSGSIZE;
	}
	if (s->trunc >= 0 && s->trunc < l4)
		l4 = s->trunc;
	memset(pkt, 0, 20);
	pkt[0] = 0x45;
	v16 = htons(20 + l4 + s->ip_extra);
	memcpy(pkt + 2, &v16, 2);
	v16 = htons(++f->p.ip_id);
	memcpy(pkt + 4, &v16, 2);
	pkt[6] = 0x40;		/* DF */
	pkt[8] = 64;
	pkt[9] = f->p.proto;
	memcpy(pkt + 12, &s->saddr, 4);
	memcpy(pkt + 16, &s->daddr, 4);
	v16 = htons(peer_ip_csum(pkt, 20));
	memcpy(pkt + 10, &v16, 2);

	v16 = htons(s->sport);
	memcpy(th, &v16, 2);
	v16 = htons(s->dport);
	memcpy(th + 2, &v16, 2);
	v32 = htonl(s->seq);
	memcpy(th + 4, &v32, 4);
	v32 = htonl(s->ack);
	memcpy(th + 8, &v32, 4);
	th[12] = (s->doff >= 0 ? s->doff : hlen / 4) << 4;
	th[13] = s->flags;
	v16 = htons(s->win);
	memcpy(th + 14, &v16, 2);
	memset(th + 16, 0, 2);
	v16 = htons(s->urg);
	memcpy(th + 18, &v16, 2);
	memcpy(th + 20, s->opt, s->optlen);
	memcpy(th + hlen, s->data, s->len);
	/* the checksum of what is sent, so that a cut segment still passes it */
	csum = xtcp_csum(s->saddr, s->daddr, f->p.proto, th, l4 < 20 ? 20 : l4);
	if (s->bad_csum)
		csum ^= htons(0x0101);
	if (l4 >= 18)
		memcpy(th + 16, &csum, 2);

	f->cur ^= 1;
	f->last_len = 20 + l4;
	n = write(f->p.fd, pkt, f->last_len);
	if (n != f->last_len) {
		f->st.write_errs++;
		return n < 0 ? -errno : -EIO;
	}
	return 0;
}

/* A valid segment of target @t: @flags, @seq, @ack, @len bytes of payload. */
static int fz_send_plain(struct fz *f, const struct fz_target *t, uint8_t flags,
			 uint32_t seq, uint32_t ack, int len)
{
	struct fz_seg s;

	fz_seg_init(f, t, &s);
	s.flags = flags;
	s.seq = seq;
	s.ack = ack;
	s.len = len;
	f->st.made_segs++;
	return fz_send(f, &s);
}

/* MSS, and window scale if @ws >= 0: a SYN's options. Their length. */
static int fz_syn_opts(uint8_t *o, uint16_t mss, int ws)
{
	int n = 0;

	o[n++] = OPT_MSS;
	o[n++] = 4;
	o[n++] = mss >> 8;
	o[n++] = mss & 0xff;
	if (ws >= 0) {
		o[n++] = OPT_NOP;
		o[n++] = OPT_WSCALE;
		o[n++] = 3;
		o[n++] = ws;
	}
	return n;
}

/* --- segments in: what the stack sends ----------------------------------- */

/* Learn from segment @s of the stack: its numbers, its window, a RST. */
static void fz_observe(struct fz *f, const struct seg *s)
{
	struct fz_target *t;
	uint32_t end;
	int slot;

	f->st.replies++;
	if (s->flags & SEG_RST)
		f->st.reply_rsts++;
	if (s->saddr != f->p.local)
		f->st.reply_foreign++;
	if (!s->hdr_ok)
		return;
	slot = f->slot_of[s->dport];
	if (slot < 0)
		return;
	t = &f->t[slot];
	if (t->lport && s->sport != t->lport)
		return;
	if (s->flags & SEG_RST) {
		if (t->live)
			f->st.killed++;
		t->live = false;
		return;
	}
	if (s->flags & SEG_SYN)
		t->iss = s->seq;
	end = s->seq + s->len + !!(s->flags & SEG_SYN) + !!(s->flags & SEG_FIN);
	if (seq_after(end, t->stack_nxt))
		t->stack_nxt = end;
	if ((s->flags & SEG_ACK) && seq_after(s->ack, t->stack_ack))
		t->stack_ack = s->ack;
	t->stack_win = s->win;
}

/* Read and learn from everything the stack has sent, without waiting. */
static void fz_drain(struct fz *f)
{
	struct seg s;
	int n = 0;

	while (n++ < 1024 && !peer_expect(&f->p, &s, 0))
		fz_observe(f, &s);
}

/*
 * Wait up to @ms for a segment of the stack to the peer's port @port with
 * all of @flags, learning from every segment read: 0 with it in @out,
 * -ECONNRESET for a RST to that port, -ETIMEDOUT.
 */
static int fz_wait(struct fz *f, uint16_t port, uint8_t flags, int ms, struct seg *out)
{
	uint64_t end = peer_now_ns() + ms * 1000000ull;
	int64_t left;

	for (;;) {
		left = (int64_t)(end - peer_now_ns()) / 1000000;
		if (left < 0 || peer_expect(&f->p, out, (int)left))
			return -ETIMEDOUT;
		fz_observe(f, out);
		if (!out->hdr_ok || out->dport != port)
			continue;
		if (out->flags & SEG_RST)
			return -ECONNRESET;
		if ((out->flags & flags) == flags)
			return 0;
	}
}

/* --- the stack's sockets ------------------------------------------------- */

static void fz_abort(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

/* A connection the listener made that no target is waiting for: closed. */
static void fz_stray(struct fz *f, int fd)
{
	int port = peer_port(fd), slot = port > 0 ? f->slot_of[port] : -1;

	f->st.strays++;
	/* a half-open target the storm completed is one no more */
	if (slot >= 0 && f->t[slot].type == FZ_HALF_OPEN && f->t[slot].lport == LPORT)
		f->t[slot].live = false;
	if (f->st.strays & 1)
		fz_abort(fd);
	else
		close(fd);	/* FIN, or RST for unread data: an orphan either way */
}

static void fz_accept_strays(struct fz *f)
{
	int fd;

	while ((fd = accept4(f->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0)
		fz_stray(f, fd);
}

/* The listener's connection from the peer's port @port, within FZ_WAIT_MS. */
static int fz_accept(struct fz *f, uint16_t port)
{
	uint64_t end = peer_now_ns() + FZ_WAIT_MS * 1000000ull;
	struct pollfd pfd = { .fd = f->lfd, .events = POLLIN };
	int fd;

	for (;;) {
		fd = accept4(f->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			if (peer_port(fd) == port)
				return fd;
			fz_stray(f, fd);
			continue;
		}
		if (errno != EAGAIN || peer_now_ns() > end)
			return -1;
		fz_drain(f);
		poll(&pfd, 1, 10);
	}
}

/* Read whatever @t's socket holds; false if the connection is gone (reset, timed out). */
static bool fz_read(struct fz_target *t)
{
	static uint8_t buf[65536];
	ssize_t n;

	if (t->fd < 0)
		return true;
	n = recv(t->fd, buf, sizeof(buf), MSG_DONTWAIT);
	return n >= 0 || errno == EAGAIN;
}

/* The stack sends @len bytes on @t's socket (as much as it takes). */
static void fz_write(struct fz *f, struct fz_target *t, int len)
{
	if (t->fd >= 0 && len > 0)
		(void)!send(t->fd, f->junk, len, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* The stack closes its side: shutdown(SHUT_WR) keeping the socket, or close(). */
static void fz_stack_close(struct fz_target *t, struct rng *r)
{
	if (t->fd < 0)
		return;
	if (pct(r, 50)) {
		shutdown(t->fd, SHUT_WR);
	} else {
		close(t->fd);	/* an orphan from now on */
		t->fd = -1;
	}
}

/* Forget target @t's sockets and port: closed, aborted or shut down first. */
static void fz_retire(struct fz *f, struct fz_target *t, struct rng *r)
{
	if (t->fd >= 0) {
		switch (below(r, 3)) {
		case 0:
			fz_abort(t->fd);
			break;
		case 1:
			close(t->fd);
			break;
		default:
			shutdown(t->fd, SHUT_RDWR);
			close(t->fd);
		}
		t->fd = -1;
	}
	if (t->port)
		f->slot_of[t->port] = -1;
	t->port = 0;
	t->lport = 0;
	t->live = false;
}

/* --- making targets ------------------------------------------------------- */

/* A new port of the peer for slot @slot. */
static uint16_t fz_new_port(struct fz *f, int slot)
{
	do {
		f->next_port = f->next_port >= FZ_PORT_MAX || f->next_port < FZ_PORT_MIN ?
			       FZ_PORT_MIN : f->next_port + 1;
	} while (f->slot_of[f->next_port] >= 0);
	f->slot_of[f->next_port] = slot;
	return f->next_port;
}

static void fz_new_numbers(struct fz_target *t, struct rng *r)
{
	static const uint16_t mss[] = { 536, 1000, 1460 };

	/* half the time the peer's sequence numbers cross 2^32 soon */
	t->peer_isn = pct(r, 50) ? 0u - 1 - below(r, 8192) : rnd(r);
	t->peer_nxt = t->peer_isn + 1;
	t->mss = mss[below(r, ARRAY_SIZE(mss))];
	t->ws = pct(r, 50) ? (int)below(r, 15) : -1;
}

/* What the peer learns from the stack's SYN or SYN-ACK @s. */
static void fz_learn_syn(struct fz_target *t, const struct seg *s)
{
	t->iss = s->seq;
	t->stack_nxt = s->seq + 1;
	t->acked = s->seq + 1;
	t->stack_ack = t->peer_isn + 1;
	t->stack_win = s->win;
}

/* Passive open from the peer: SYN, SYN-ACK, and if @complete, ACK and accept(). */
static int fz_passive(struct fz *f, int slot, struct rng *r, bool complete)
{
	struct fz_target *t = &f->t[slot];
	struct fz_seg s;
	struct seg in;

	t->port = fz_new_port(f, slot);
	t->lport = LPORT;
	fz_new_numbers(t, r);
	fz_seg_init(f, t, &s);
	s.flags = SEG_SYN;
	s.seq = t->peer_isn;
	s.optlen = (fz_syn_opts(s.opt, t->mss, t->ws) + 3) & ~3;
	f->st.made_segs++;
	if (fz_send(f, &s) || fz_wait(f, t->port, SEG_SYN | SEG_ACK, FZ_WAIT_MS, &in))
		return -1;
	fz_learn_syn(t, &in);
	if (!complete)
		return 0;
	if (fz_send_plain(f, t, SEG_ACK, t->peer_nxt, t->acked, 0))
		return -1;
	t->fd = fz_accept(f, t->port);
	return t->fd < 0 ? -1 : 0;
}

/* Active open by the stack: connect(), its SYN, and if @complete our SYN-ACK. */
static int fz_active(struct fz *f, int slot, struct rng *r, bool complete)
{
	struct fz_target *t = &f->t[slot];
	struct sockaddr_in sin;
	struct fz_seg s;
	struct seg in;

	t->port = fz_new_port(f, slot);
	t->lport = 0;		/* learnt from the SYN */
	fz_new_numbers(t, r);
	sin = addr4(PEER_REMOTE, t->port);
	t->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_XTCP);
	if (t->fd < 0)
		return -1;
	if (connect(t->fd, (struct sockaddr *)&sin, sizeof(sin)) && errno != EINPROGRESS)
		return -1;
	if (fz_wait(f, t->port, SEG_SYN, FZ_WAIT_MS, &in))
		return -1;
	t->lport = in.sport;
	fz_learn_syn(t, &in);
	t->acked = in.seq;	/* nothing acknowledged yet */
	if (!complete)
		return 0;
	fz_seg_init(f, t, &s);
	s.flags = SEG_SYN | SEG_ACK;
	s.seq = t->peer_isn;
	s.ack = t->iss + 1;
	s.optlen = (fz_syn_opts(s.opt, t->mss, t->ws) + 3) & ~3;
	f->st.made_segs++;
	if (fz_send(f, &s) || fz_wait(f, t->port, SEG_ACK, FZ_WAIT_MS, &in))
		return -1;
	t->acked = t->iss + 1;
	return 0;
}

/* The peer sends @len bytes of data (and FIN if @fin), unacknowledging. */
static int fz_peer_data(struct fz *f, struct fz_target *t, int len, bool fin)
{
	int err = fz_send_plain(f, t, SEG_ACK | SEG_PSH | (fin ? SEG_FIN : 0),
				t->peer_nxt, t->acked, len);

	t->peer_nxt += len + fin;
	return err;
}

/*
 * The stack closes (close() if @orphan, else fz_stack_close()) and sends
 * its FIN, whose end the peer learns.
 */
static int fz_stack_fin(struct fz *f, struct fz_target *t, struct rng *r, bool orphan)
{
	struct seg in;

	if (orphan) {
		close(t->fd);
		t->fd = -1;
	} else {
		fz_stack_close(t, r);
	}
	if (fz_wait(f, t->port, SEG_FIN, FZ_WAIT_MS, &in))
		return -1;
	t->stack_nxt = in.seq + in.len + 1;
	return 0;
}

/* Make slot @slot's target anew (after segment @i); false if that failed. */
static bool fz_make(struct fz *f, int slot, uint64_t i)
{
	struct fz_target *t = &f->t[slot];
	struct rng r = rng_for(f->seed, 1 + slot, ++t->gen);
	struct seg in;
	int err = 0;

	fz_retire(f, t, &r);
	t->budget = 64 + below(&r, 256);
	t->born_ns = peer_now_ns();
	switch (t->type) {
	case FZ_LISTEN:
	case FZ_CLOSED:
		break;
	case FZ_HALF_OPEN:
		err = fz_passive(f, slot, &r, false);
		break;
	case FZ_SYN_SENT:
		err = fz_active(f, slot, &r, false);
		break;
	case FZ_ESTAB_ACTIVE:
		err = fz_active(f, slot, &r, true);
		if (!err) {
			fz_write(f, t, below(&r, 8000));
			err = fz_peer_data(f, t, below(&r, 1400), false);
		}
		break;
	case FZ_ESTAB:
		err = fz_passive(f, slot, &r, true);
		if (!err) {
			fz_write(f, t, below(&r, 8000));
			err = fz_peer_data(f, t, below(&r, 1400), false);
		}
		break;
	case FZ_FIN_WAIT1:
		/* its FIN waits behind data the peer never acknowledges */
		err = fz_passive(f, slot, &r, true);
		if (!err) {
			fz_write(f, t, below(&r, 8000));
			fz_stack_close(t, &r);
		}
		break;
	case FZ_FIN_WAIT2:
		err = fz_passive(f, slot, &r, true);
		if (!err)
			err = fz_stack_fin(f, t, &r, false);
		if (!err) {
			t->acked = t->stack_nxt;
			err = fz_send_plain(f, t, SEG_ACK, t->peer_nxt, t->acked, 0);
		}
		break;
	case FZ_CLOSE_WAIT:
		err = fz_passive(f, slot, &r, true);
		if (!err) {
			err = fz_peer_data(f, t, below(&r, 1000), true);
			fz_write(f, t, below(&r, 8000));
		}
		break;
	case FZ_LAST_ACK:
		err = fz_passive(f, slot, &r, true);
		if (!err)
			err = fz_peer_data(f, t, below(&r, 1000), true);
		if (!err) {
			uint8_t buf[1000];

			/* read to the end: close() with unread data would reset */
			while (recv_wait(t->fd, buf, sizeof(buf), FZ_WAIT_MS) > 0)
				;
			fz_stack_close(t, &r);
		}
		break;
	case FZ_CLOSING:
		/* simultaneous close: the peer's FIN does not acknowledge the stack's */
		err = fz_passive(f, slot, &r, true);
		if (!err)
			err = fz_stack_fin(f, t, &r, false);
		if (!err)
			err = fz_peer_data(f, t, 0, true);
		break;
	case FZ_TIME_WAIT:
		err = fz_passive(f, slot, &r, true);
		if (!err)
			err = fz_stack_fin(f, t, &r, true);
		if (!err) {
			t->acked = t->stack_nxt;
			/* through FIN_WAIT_2, or FIN_WAIT_1 straight to TIME_WAIT */
			if (pct(&r, 50))
				err = fz_send_plain(f, t, SEG_ACK, t->peer_nxt, t->acked, 0);
			if (!err)
				err = fz_peer_data(f, t, 0, true);
			if (!err)
				err = fz_wait(f, t->port, SEG_ACK, FZ_WAIT_MS, &in);
			t->born_ns = peer_now_ns();
		}
		break;
	case FZ_NTYPES:
		break;
	}
	t->live = !err;
	if (err) {
		f->st.make_fails[t->type]++;
		t->retry_at = i + FZ_RETRY_SEGS;
	} else {
		f->st.made[t->type]++;
	}
	return !err;
}

/* --- mutations --------------------------------------------------------- */

/* A sequence or acknowledgment number at or around an edge of @base's window @win. */
static uint32_t fz_edge(struct rng *r, uint32_t base, uint32_t win)
{
	switch (below(r, 18)) {
	case 0: return base + 1;
	case 1: return base - 1;
	case 2: return base + win;
	case 3: return base + win - 1;
	case 4: return base + win + 1;
	case 5: return base - win;
	case 6: return base - win - 1;
	case 7: return base + 0x80000000u;
	case 8: return base + 0x7fffffffu;
	case 9: return base + 0x80000001u;
	case 10: return rnd(r);
	case 11: return base + below(r, 65536);
	case 12: return base - below(r, 65536);
	case 13: return 0;
	case 14: return 0xffffffffu - below(r, 4);
	case 15: return base + (win << below(r, 15));
	case 16: return base + 1 + below(r, 4096);
	default: return base - 1 - below(r, 4096);
	}
}

/*
 * Options, valid and not: up to 40 bytes of items drawn from @r, padded to
 * a multiple of 4 (with EOL, or with garbage after it). @seq: near where
 * SACK blocks point. Returns the length.
 */
static int fz_opt_soup(struct rng *r, uint8_t *o, uint32_t seq)
{
	static const uint16_t mss[] = { 0, 1, 47, 48, 536, 1460, 65535 };
	static const uint8_t shift[] = { 0, 7, 14, 15, 255 };
	int n = 0, items = 1 + below(r, 7), prev = -1, prevlen = 0, bl, k, room;
	uint8_t b[40];
	uint32_t v;

	while (items-- > 0 && n < 40) {
		room = 40 - n;
		bl = 0;
		switch (below(r, 15)) {
		case 0:
			b[bl++] = OPT_NOP;
			break;
		case 1:
			b[bl++] = OPT_EOL;
			break;
		case 2:
			v = pct(r, 70) ? mss[below(r, ARRAY_SIZE(mss))] : rnd(r);
			b[bl++] = OPT_MSS;
			b[bl++] = 4;
			b[bl++] = v >> 8;
			b[bl++] = v;
			break;
		case 3:		/* MSS or window scale of the wrong length */
			b[bl++] = pct(r, 50) ? OPT_MSS : OPT_WSCALE;
			b[bl] = 2 + below(r, 6);
			for (k = 2; k < b[1]; k++)
				b[k] = rnd(r);
			bl = b[1];
			break;
		case 4:
			b[bl++] = OPT_WSCALE;
			b[bl++] = 3;
			b[bl++] = pct(r, 70) ? shift[below(r, ARRAY_SIZE(shift))] : rnd(r);
			break;
		case 5:		/* SACK permitted, right or of the wrong length */
			b[bl++] = OPT_SACK_PERM;
			b[bl++] = pct(r, 70) ? 2 : 3 + below(r, 4);
			for (k = 2; k < b[1]; k++)
				b[k] = rnd(r);
			bl = b[1];
			break;
		case 6:		/* SACK blocks around @seq */
			k = below(r, 5);
			b[bl++] = OPT_SACK;
			b[bl++] = 2 + 8 * k;
			while (k--) {
				v = htonl(fz_edge(r, seq, 65535));
				memcpy(b + bl, &v, 4);
				v = htonl(fz_edge(r, seq, 65535));
				memcpy(b + bl + 4, &v, 4);
				bl += 8;
			}
			break;
		case 7:		/* timestamps, right or of the wrong length */
			b[bl++] = OPT_TS;
			b[bl++] = pct(r, 70) ? 10 : 2 + below(r, 12);
			for (k = 2; k < b[1]; k++)
				b[k] = rnd(r);
			bl = b[1];
			break;
		case 8:		/* an unknown kind */
			b[bl++] = 9 + below(r, 247);
			b[bl] = 2 + below(r, 10);
			for (k = 2; k < b[1]; k++)
				b[k] = rnd(r);
			bl = b[1];
			break;
		case 9:		/* length 0 */
		case 10:	/* length 1 */
			b[bl++] = pct(r, 50) ? rnd(r) : 2 + below(r, 7);
			b[bl++] = below(r, 2);
			break;
		case 11:	/* length past the end of the header */
			b[bl++] = pct(r, 50) ? rnd(r) : 2 + below(r, 7);
			b[bl++] = room + 1 + below(r, 40);
			break;
		default:	/* the last one again */
			if (prev < 0)
				continue;
			memcpy(b, o + prev, prevlen);
			bl = prevlen;
		}
		if (bl > room)
			bl = room;	/* cut: one more past the end */
		memcpy(o + n, b, bl);
		prev = n;
		prevlen = bl;
		n += bl;
	}
	while (n & 3)
		o[n++] = pct(r, 75) ? OPT_EOL : rnd(r);
	return n;
}

/* A payload length: 1 byte, a few, MSS-like sizes, up to the MTU, past it. */
static int fz_payload_len(struct fz *f, struct rng *r, int optlen)
{
	int max = (f->p.mtu < 1500 ? f->p.mtu : 1500) - 40 - optlen;

	switch (below(r, 10)) {
	case 0: return 1;
	case 1: return 1 + below(r, 64);
	case 2: return 536;
	case 3: return 1000;
	case 4: return max;
	case 5: return max - 1;
	case 6: return max + 1 + below(r, 40);	/* longer than the MTU */
	default: return 1 + below(r, max);
	}
}

/* The valid segment target @t expects (or a likely one), before mutations. */
static void fz_base(struct fz *f, struct fz_target *t, struct rng *r, struct fz_seg *s)
{
	static const uint8_t halfopen_flags[] = {
		SEG_SYN, SEG_RST, SEG_RST | SEG_ACK, SEG_FIN | SEG_ACK, SEG_ACK,
		SEG_ACK | SEG_PSH, SEG_SYN | SEG_ACK,
	};
	static const uint8_t conn_flags[] = {
		SEG_ACK, SEG_ACK, SEG_ACK, SEG_ACK | SEG_PSH, SEG_ACK | SEG_PSH,
		SEG_ACK | SEG_FIN, SEG_ACK | SEG_RST, SEG_SYN, SEG_RST,
	};
	int data_pct = 40;

	fz_seg_init(f, t, s);
	switch (t->type) {
	case FZ_LISTEN:
	case FZ_CLOSED:
		s->sport = FZ_STRAY_PORT_MIN + below(r, FZ_STRAY_PORTS);
		s->dport = t->type == FZ_LISTEN ? LPORT : FZ_CLOSED_PORT;
		s->seq = pct(r, 50) ? rnd(r) : 0u - 1 - below(r, 4096);
		s->ack = rnd(r);
		switch (below(r, 6)) {
		case 0:
		case 1:
		case 2:
			s->flags = SEG_SYN;
			s->optlen = (fz_syn_opts(s->opt, 1460, pct(r, 50) ? 7 : -1) + 3) & ~3;
			break;
		case 3:
			s->flags = SEG_ACK;
			break;
		default:
			s->flags = rnd(r);
		}
		data_pct = 10;
		break;
	case FZ_HALF_OPEN:
		s->seq = t->peer_isn + !!pct(r, 80);
		s->ack = t->iss + 1;
		s->flags = halfopen_flags[below(r, ARRAY_SIZE(halfopen_flags))];
		data_pct = 15;
		break;
	case FZ_SYN_SENT:
		s->seq = t->peer_isn;
		s->ack = t->iss + 1;
		s->flags = pct(r, 60) ? SEG_SYN | SEG_ACK : halfopen_flags[below(r, 7)];
		if (s->flags & SEG_SYN)
			s->optlen = (fz_syn_opts(s->opt, t->mss, t->ws) + 3) & ~3;
		data_pct = 10;
		break;
	case FZ_TIME_WAIT:
		s->seq = t->peer_nxt;
		s->ack = t->stack_nxt;
		switch (below(r, 5)) {
		case 0:		/* the FIN again */
			s->seq--;
			s->flags = SEG_FIN | SEG_ACK;
			break;
		case 1:		/* a new connection, or an old one */
			s->seq += pct(r, 50) ? 100000 : -100000;
			s->flags = SEG_SYN;
			s->optlen = (fz_syn_opts(s->opt, t->mss, t->ws) + 3) & ~3;
			break;
		case 2:
			s->flags = SEG_RST;
			break;
		default:
			s->flags = SEG_ACK;
		}
		data_pct = 10;
		break;
	default:	/* a synchronized connection */
		s->seq = t->stack_ack;
		s->ack = pct(r, 70) ? t->acked : t->stack_nxt;
		s->flags = conn_flags[below(r, ARRAY_SIZE(conn_flags))];
		/* a RST in the window but not at RCV.NXT: a challenge ACK */
		if ((s->flags & SEG_RST) && pct(r, 70))
			s->seq += 1 + below(r, 1000);
		break;
	}
	if (pct(r, data_pct)) {
		s->len = fz_payload_len(f, r, s->optlen);
		s->data = f->junk + below(r, 1024);
		f->st.payload++;
	}
}

/* Mutate segment @s of target @t. */
static void fz_mutate(struct fz *f, struct fz_target *t, struct rng *r, struct fz_seg *s)
{
	static const uint16_t wins[] = { 0, 1, 2, 535, 65534, 65535 };
	uint32_t win = t->stack_win ? t->stack_win : 65535;
	int l4;

	if (pct(r, 25)) {
		s->flags = rnd(r);	/* any of the 256 combinations */
		f->st.rand_flags++;
	} else if (pct(r, 12)) {
		s->flags ^= 1 << below(r, 8);
	}
	if (pct(r, 35))
		s->seq = fz_edge(r, s->seq, pct(r, 70) ? win : win << 7);
	if (pct(r, 35))
		s->ack = fz_edge(r, s->ack, pct(r, 50) ? t->stack_nxt - t->acked : 65535);
	if (pct(r, 20))
		s->win = pct(r, 70) ? wins[below(r, ARRAY_SIZE(wins))] : rnd(r);
	if (pct(r, 10)) {
		s->urg = pct(r, 50) ? rnd(r) : s->len + below(r, 3) - 1;
		if (pct(r, 70))
			s->flags |= SEG_URG;
	}
	if (pct(r, 30)) {
		s->optlen = fz_opt_soup(r, s->opt, s->ack);
		if (s->len > f->p.mtu - 40 - s->optlen && pct(r, 80))
			s->len = f->p.mtu - 40 - s->optlen;
		f->st.opt_soup++;
	}
	if (pct(r, 6)) {
		s->doff = below(r, 16);		/* too small, too large, or right */
		f->st.bad_doff++;
	}
	l4 = 20 + s->optlen + s->len;
	if (pct(r, 6)) {
		s->trunc = below(r, l4);	/* shorter than the header says */
		f->st.trunc++;
	}
	if (pct(r, 2))
		s->ip_extra = 1 + below(r, 64);	/* the IP layer's to drop */
	if (pct(r, 5)) {
		s->bad_csum = true;
		f->st.bad_csum++;
	}
	if (!below(r, 200))		/* another host of the subnet */
		s->saddr = htonl(ntohl(f->p.remote) + 1 + below(r, 250));
	if (!below(r, 500))		/* the subnet's broadcast address */
		s->daddr = htonl(ntohl(f->p.local) | 0xff);
}

/* --- the storm ------------------------------------------------------------- */

static void fz_init(struct fz *f, uint64_t seed)
{
	struct rng r = rng_for(seed, 0xffff, 0);
	unsigned int i;

	f->seed = seed;
	memset(f->slot_of, -1, sizeof(f->slot_of));
	for (i = 0; i < sizeof(f->junk); i++)
		f->junk[i] = rnd(&r);
	for (i = 0; i < (unsigned int)FZ_SLOTS; i++) {
		f->t[i].type = fz_slot_type[i];
		f->t[i].fd = -1;
	}
}

/* Segment @i of the storm. */
static void fz_one(struct fz *f, uint64_t i)
{
	struct rng r = rng_for(f->seed, 0, i);
	int slot = below(&r, FZ_SLOTS);
	struct fz_target *t = &f->t[slot];
	uint64_t tw_ns = 2ull * FZ_MSL_MS * 1000000 - 200000000;
	struct fz_seg s;

	if (t->type == FZ_TIME_WAIT && t->live && peer_now_ns() - t->born_ns > tw_ns)
		t->live = false;	/* about to expire */
	if (t->budget <= 0 || (!t->live && i >= t->retry_at)) {
		pthread_mutex_lock(&fz_fd_lock);
		fz_make(f, slot, i);
		pthread_mutex_unlock(&fz_fd_lock);
	}
	t->budget--;
	f->st.by_type[t->type]++;

	if (pct(&r, 3) && f->last_len) {
		/* the last segment again, as the network may duplicate it */
		if (write(f->p.fd, f->pkt[f->cur], f->last_len) != f->last_len)
			f->st.write_errs++;
		f->st.dups++;
	} else {
		fz_base(f, t, &r, &s);
		fz_mutate(f, t, &r, &s);
		fz_send(f, &s);
	}
	f->st.sent++;

	/* the stack's side: read, write, and now and then stop reading */
	if (t->fd >= 0) {
		if (pct(&r, 6) && !fz_read(t))
			t->live = false;
		if (pct(&r, 2))
			fz_write(f, t, 1 + below(&r, 4000));
		if (!below(&r, 1000))
			shutdown(t->fd, SHUT_RD);
	}
	if (i % FZ_DRAIN_EVERY == FZ_DRAIN_EVERY - 1)
		fz_drain(f);
	if (i % FZ_ACCEPT_EVERY == FZ_ACCEPT_EVERY - 1)
		fz_accept_strays(f);
}

static void fz_print_stats(struct fz *f, const struct fz_mib *m0, const struct fz_mib *m1)
{
	struct fz_stats *st = &f->st;
	char line[512];
	size_t n;
	int k;

	ksft_print_msg("segments: %llu, and %llu more to make targets\n", st->sent,
		       st->made_segs);
	ksft_print_msg("  %llu duplicates, %llu random flags, %llu option soups, %llu payloads\n",
		       st->dups, st->rand_flags, st->opt_soup, st->payload);
	ksft_print_msg("  %llu bad checksums, %llu cut, %llu odd data offsets\n",
		       st->bad_csum, st->trunc, st->bad_doff);
	for (k = 0; k < FZ_NTYPES; k++)
		ksft_print_msg("  %-22s %8llu segments, made %5llu times (%llu failed)\n",
			       fz_type_name[k], st->by_type[k], st->made[k], st->make_fails[k]);
	ksft_print_msg("stack: %llu segments back (%llu RSTs, %llu from other addresses)\n",
		       st->replies, st->reply_rsts, st->reply_foreign);
	ksft_print_msg("  %llu targets reset, %llu stray connections accepted\n",
		       st->killed, st->strays);
	ksft_print_msg("applications: %llu calls on the targets' sockets\n", st->app_calls);
	n = 0;
	line[0] = '\0';
	for (k = 0; k < m1->n; k++) {
		unsigned long long d = m1->v[k] - fz_mib(m0, m1->name[k]);

		if (!d || n > sizeof(line) - 48)
			continue;
		n += snprintf(line + n, sizeof(line) - n, " %s +%llu", m1->name[k], d);
	}
	ksft_print_msg("counters moved:%s\n", line);
	ksft_print_msg("gauges, highest: CurrEstab %llu, CurrTimeWait %llu, Orphans %llu\n",
		       f->max_estab, f->max_tw, f->max_orphans);
}

/*
 * The stack's applications, on the other CPU: calls on the targets'
 * sockets (reads, writes, queue ioctls, buffer sizes, options, poll) while
 * the storm's segments arrive, so that some arrive while a process owns
 * the socket and wait on its backlog for release_sock(). Its own PRNG
 * stream: what it does depends on timing, not on the seed alone.
 */
static void *fz_apps(void *arg)
{
	static const int bufs[] = { 1, 2048, 4608, 65536, 262144 };
	struct fz *f = arg;
	struct rng r = rng_for(f->seed, 0xfffe, 0);
	static uint8_t buf[65536];
	struct pollfd pfd;
	int fd, v;

	while (!__atomic_load_n(&fz_apps_stop, __ATOMIC_RELAXED)) {
		pthread_mutex_lock(&fz_fd_lock);
		fd = f->t[below(&r, FZ_SLOTS)].fd;
		if (fd >= 0) {
			switch (below(&r, 10)) {
			case 0:
			case 1:
			case 2:
				v = below(&r, 2) ? (int)sizeof(buf) : 1 + (int)below(&r, 100);
				(void)!recv(fd, buf, v, MSG_DONTWAIT);
				break;
			case 3:
				(void)!recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_PEEK);
				break;
			case 4:
			case 5:
				(void)!send(fd, f->junk, 1 + below(&r, 3000),
					    MSG_DONTWAIT | MSG_NOSIGNAL);
				break;
			case 6:
				ioctl(fd, below(&r, 2) ? SIOCINQ : SIOCOUTQ, &v);
				break;
			case 7:
				v = bufs[below(&r, ARRAY_SIZE(bufs))];
				setsockopt(fd, SOL_SOCKET, below(&r, 2) ? SO_RCVBUF : SO_SNDBUF,
					   &v, sizeof(v));
				break;
			case 8:
				v = below(&r, 2);
				setsockopt(fd, SOL_XTCP, XTCP_NODELAY, &v, sizeof(v));
				so_error(fd);
				break;
			default:
				pfd.fd = fd;
				pfd.events = POLLIN | POLLOUT;
				poll(&pfd, 1, 0);
			}
			f->st.app_calls++;
		}
		pthread_mutex_unlock(&fz_fd_lock);
		usleep(100);
	}
	return NULL;
}

/* --- the canary: 16 MiB on loopback ------------------------------------- */

/* Bytes [@off, @off + @len) of the canary's stream @seed; @off a multiple of 8. */
static void canary_fill(uint8_t *buf, uint64_t off, size_t len, uint64_t seed)
{
	size_t i;

	for (i = 0; i < len; i += 8) {
		uint64_t s = seed ^ ((off + i) / 8), v = splitmix64(&s);

		memcpy(buf + i, &v, len - i < 8 ? len - i : 8);
	}
}

/*
 * One transfer of FZ_CANARY_BYTES from a socket to another on 127.0.0.1:
 * 0, or what failed (1 set-up, 2 an error or a timeout, 3 the stream
 * differs).
 */
static int canary_transfer(const char *what, uint16_t port, uint64_t seed)
{
	static uint8_t sbuf[65536], rbuf[65536];
	struct sockaddr_in sin = addr4("127.0.0.1", port);
	uint8_t md_s[SHA256_DIGEST_SIZE], md_r[SHA256_DIGEST_SIZE];
	char hex_s[2 * SHA256_DIGEST_SIZE + 1], hex_r[2 * SHA256_DIGEST_SIZE + 1];
	uint64_t t0 = peer_now_ns(), end = t0 + FZ_CANARY_TIMEOUT_S * 1000000000ull;
	size_t sent = 0, rcvd = 0, spos = 0, slen = 0;
	struct sha256 hs, hr;
	int l, c, a = -1, one = 1, ret = 2;
	bool eof = false, shut = false;
	double secs;
	ssize_t n;

	sha256_init(&hs);
	sha256_init(&hr);
	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_XTCP);
	c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_XTCP);
	if (l >= 0 && c >= 0 && !setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) &&
	    !bind(l, (struct sockaddr *)&sin, sizeof(sin)) && !listen(l, 1) &&
	    (!connect(c, (struct sockaddr *)&sin, sizeof(sin)) || errno == EINPROGRESS))
		a = accept_wait(l, 10000);
	if (a < 0) {
		printf("# canary %s: set-up failed: %s\n", what, strerror(errno));
		ret = 1;
		goto out;
	}
	while (!eof && peer_now_ns() < end) {
		struct pollfd pfd[2] = {
			{ .fd = c, .events = sent < FZ_CANARY_BYTES ? POLLOUT : 0 },
			{ .fd = a, .events = POLLIN },
		};

		poll(pfd, 2, 1000);
		if (sent < FZ_CANARY_BYTES) {
			if (spos == slen) {
				slen = FZ_CANARY_BYTES - sent < sizeof(sbuf) ?
				       FZ_CANARY_BYTES - sent : sizeof(sbuf);
				canary_fill(sbuf, sent, slen, seed);
				sha256_update(&hs, sbuf, slen);
				spos = 0;
			}
			n = send(c, sbuf + spos, slen - spos, MSG_DONTWAIT | MSG_NOSIGNAL);
			if (n > 0) {
				spos += n;
				sent += n;
			} else if (n < 0 && errno != EAGAIN) {
				printf("# canary %s: send: %s\n", what, strerror(errno));
				goto out;
			}
		} else if (!shut) {
			shutdown(c, SHUT_WR);
			shut = true;
		}
		while ((n = recv(a, rbuf, sizeof(rbuf), MSG_DONTWAIT)) > 0) {
			sha256_update(&hr, rbuf, n);
			rcvd += n;
		}
		if (n == 0) {
			eof = true;
		} else if (errno != EAGAIN) {
			printf("# canary %s: recv: %s\n", what, strerror(errno));
			goto out;
		}
	}
	secs = (peer_now_ns() - t0) / 1e9;
	if (!eof) {
		printf("# canary %s: timed out after %.0f s, %zu bytes sent, %zu received\n",
		       what, secs, sent, rcvd);
		goto out;
	}
	sha256_final(&hs, md_s);
	sha256_final(&hr, md_r);
	sha256_hex(md_s, hex_s);
	sha256_hex(md_r, hex_r);
	ret = rcvd == FZ_CANARY_BYTES && !memcmp(md_s, md_r, sizeof(md_s)) ? 0 : 3;
	printf("# canary %s: %zu bytes in %.1f s (%.2f MiB/s), sha256 %.16s...%s\n",
	       what, rcvd, secs, rcvd / secs / (1 << 20), hex_r,
	       ret ? " DIFFERS" : " intact");
	if (ret)
		printf("# canary %s: sent %zu bytes, sha256 %s; received %zu, sha256 %s\n",
		       what, sent, hex_s, rcvd, hex_r);
out:
	fflush(stdout);
	if (a >= 0)
		close(a);
	if (c >= 0)
		close(c);
	if (l >= 0)
		close(l);
	return ret;
}

/*
 * The canary in a child process (none of the parent's descriptors): one
 * transfer, or if @stop, transfers one after another until the parent
 * closes *@stop, the pipe's end it gets; after each the canary rests as
 * long as it took, leaving the storm a CPU half the time. Its exit status
 * is 0 if every transfer was intact.
 */
static pid_t canary_start(const char *what, uint64_t seed, int *stop)
{
	int pipefd[2] = { -1, -1 };
	pid_t pid;

	if (stop && pipe(pipefd))
		return -1;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid) {
		if (stop) {
			close(pipefd[0]);
			*stop = pipefd[1];
		}
		return pid;
	}
	/* the pipe's end on stdin, and none of the parent's sockets */
	if (stop)
		dup2(pipefd[0], 0);
	close_range(3, ~0u, 0);
	if (!stop)
		_exit(canary_transfer(what, FZ_CANARY_PORT, seed));
	{
		struct pollfd pfd = { .fd = 0, .events = POLLIN };
		uint64_t t0;
		int k, ret;

		for (k = 0; ; k++) {
			t0 = peer_now_ns();
			ret = canary_transfer(what, FZ_CANARY_PORT + 1 + k % 100, seed + k);
			if (ret)
				_exit(ret);
			if (poll(&pfd, 1, (peer_now_ns() - t0) / 1000000) > 0)
				break;
		}
		printf("# canary %s: %d transfer(s) of %u bytes, all intact\n", what, k + 1,
		       FZ_CANARY_BYTES);
		fflush(stdout);
		_exit(0);
	}
}

/* Wait for the canary @pid: its exit status, or -ETIMEDOUT (killed). */
static int canary_wait(pid_t pid)
{
	uint64_t end = peer_now_ns() + (FZ_CANARY_TIMEOUT_S + 60) * 1000000000ull;
	int status;
	pid_t r;

	for (;;) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		if (r < 0)
			return -errno;
		if (peer_now_ns() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -ETIMEDOUT;
		}
		usleep(20000);
	}
}

/* --- after the storm ----------------------------------------------------- */

/*
 * A handshake from the peer's fresh port to the fuzzed listener (its SYN
 * repeated while the SYN queue may still be full), data each way: 0 or
 * the step that failed.
 */
static int fz_fresh_handshake(struct fz *f)
{
	struct fz_target t = { .port = FZ_FRESH_PORT, .lport = LPORT, .fd = -1 };
	struct fz_seg s;
	struct seg in;
	uint8_t buf[4];
	int k, err = -1, ret = 0;

	t.peer_isn = 0xfffffff0u;	/* across 2^32 */
	t.peer_nxt = t.peer_isn + 1;
	for (k = 0; k < 40 && err; k++) {
		fz_seg_init(f, &t, &s);
		s.flags = SEG_SYN;
		s.seq = t.peer_isn;
		s.optlen = fz_syn_opts(s.opt, 1460, -1);
		if (fz_send(f, &s))
			return 1;
		err = fz_wait(f, t.port, SEG_SYN | SEG_ACK, 250, &in);
	}
	if (err)
		return 2;
	t.iss = in.seq;
	t.acked = in.seq + 1;
	if (fz_send_plain(f, &t, SEG_ACK, t.peer_nxt, t.acked, 0))
		return 3;
	t.fd = fz_accept(f, t.port);
	if (t.fd < 0)
		return 4;
	f->junk[0] = 'p';
	if (fz_peer_data(f, &t, 1, false) || recv_wait(t.fd, buf, 1, 1000) != 1 ||
	    buf[0] != 'p')
		ret = 5;
	else if (send(t.fd, "q", 1, MSG_NOSIGNAL) != 1 ||
		 fz_wait(f, t.port, SEG_ACK | SEG_PSH, 1000, &in) || in.len != 1 ||
		 in.data[0] != 'q' || in.seq != t.iss + 1)
		ret = 6;
	fz_abort(t.fd);
	return ret;
}

/* connect() from another xtcp socket to the fuzzed listener, one byte each way. */
static int fz_fresh_connect(struct fz *f)
{
	struct sockaddr_in sin = addr4(PEER_LOCAL, LPORT);
	int c, a = -1, ret = 0;
	uint8_t b = 0;

	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_XTCP);
	if (c < 0 || connect(c, (struct sockaddr *)&sin, sizeof(sin)))
		return 1;
	while ((a = accept_wait(f->lfd, 1000)) >= 0 && peer_port(a) != local_port(c))
		fz_stray(f, a);
	if (a < 0)
		ret = 2;
	else if (send(c, "x", 1, MSG_NOSIGNAL) != 1 || recv_wait(a, &b, 1, 1000) != 1 || b != 'x')
		ret = 3;
	else if (send(a, "y", 1, MSG_NOSIGNAL) != 1 || recv_wait(c, &b, 1, 1000) != 1 || b != 'y')
		ret = 4;
	if (a >= 0)
		close(a);
	if (c >= 0)
		close(c);
	return ret;
}

static const char * const fz_caches[] = { "XTCP", "xtcp_req", "xtcp_tw" };

static bool fz_slabs_back(const long *base, char *why, size_t len)
{
	unsigned int k;
	long now;

	for (k = 0; k < ARRAY_SIZE(fz_caches); k++) {
		now = slab_active(fz_caches[k]);
		if (now > base[k]) {
			snprintf(why, len, "%s: %ld objects, %ld before", fz_caches[k], now,
				 base[k]);
			return false;
		}
	}
	return true;
}

/* Poll @cond every 20 ms for up to @ms, draining the TUN device. */
#define FZ_WAIT_FOR(f, cond, ms) ({					\
	uint64_t _end = peer_now_ns() + (ms) * 1000000ull;		\
	bool _ok;							\
									\
	while (!(_ok = (cond)) && peer_now_ns() < _end) {		\
		fz_drain(f);						\
		usleep(20000);						\
	}								\
	_ok;								\
})

static unsigned long fz_env_ulong(const char *name, unsigned long def)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 0) : def;
}

FIXTURE(fuzz) {
	int unused;
};

FIXTURE_SETUP(fuzz)
{
}

FIXTURE_TEARDOWN(fuzz)
{
}

TEST_F_TIMEOUT(fuzz, storm, FZ_TIMEOUT_S)
{
	static const char * const knobs[][2] = {
		{ "msl_ms", "1000" },		/* TIME_WAIT: 2 s */
		{ "fin_timeout", "3" },		/* orphans in FIN_WAIT_2 */
		{ "synack_timeout_ms", "100" },	/* half-open: 1.5 s in all */
		{ "synack_retries", "3" },
		{ "syn_retries", "3" },
		{ "max_syn_backlog", "1024" },
		{ "rto_max_ms", "1000" },	/* orphans retransmit 5 s at most */
		{ "retries2", "5" },
	};
	struct fz *f = &fz_state;
	unsigned long n = fz_env_ulong("XTCP_FUZZ_SEGMENTS", FZ_DEFAULT_SEGMENTS);
	unsigned long every = n / 10 ? n / 10 : 1;
	long ref0 = read_long("/sys/module/xtcp/refcnt"), slab0[ARRAY_SIZE(fz_caches)];
	struct sockaddr_in any = addr4("0.0.0.0", LPORT);
	static struct fz_mib m0, m1;
	int kmsg, stop = -1, status, k, one = 1;
	uint64_t t0, t1, i;
	char path[96], why[160] = "";
	pthread_t apps;
	pid_t canary;
	double secs;

	signal(SIGPIPE, SIG_IGN);
	kmsg = fz_kmsg_open();
	ASSERT_LE(0, kmsg) TH_LOG("/dev/kmsg: %s", strerror(errno));
	for (k = 0; k < (int)ARRAY_SIZE(fz_caches); k++)
		slab0[k] = slab_active(fz_caches[k]);
	ksft_print_msg("%lu segments, seed %llu (SEED=%llu replays them)\n", n,
		       (unsigned long long)fz_seed, (unsigned long long)fz_seed);

	ASSERT_EQ(0, peer_open(&f->p, IPPROTO_XTCP));
	for (k = 0; k < (int)ARRAY_SIZE(knobs); k++) {
		snprintf(path, sizeof(path), "/proc/sys/net/xtcp/%s", knobs[k][0]);
		ASSERT_EQ(0, write_file(path, knobs[k][1])) TH_LOG("%s", path);
	}
	f->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_XTCP);
	ASSERT_LE(0, f->lfd);
	ASSERT_EQ(0, setsockopt(f->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
	ASSERT_EQ(0, bind(f->lfd, (struct sockaddr *)&any, sizeof(any)));
	ASSERT_EQ(0, listen(f->lfd, 1024));
	fz_init(f, fz_seed);
	ASSERT_EQ(0, fz_mib_read(&m0));

	canary = canary_start("during the storm", fz_seed, &stop);
	ASSERT_LT(0, canary);

	ASSERT_EQ(0, pthread_create(&apps, NULL, fz_apps, f));
	t0 = peer_now_ns();
	for (i = 0; i < n; i++) {
		fz_one(f, i);
		if (i % FZ_SAMPLE_EVERY == 0)
			fz_sample(f, i);
		if ((i + 1) % every == 0 && i + 1 < n)
			ksft_print_msg("%llu segments, %.1f s\n", (unsigned long long)i + 1,
				       (peer_now_ns() - t0) / 1e9);
	}
	fz_sample(f, i);
	t1 = peer_now_ns();
	__atomic_store_n(&fz_apps_stop, true, __ATOMIC_RELAXED);
	pthread_join(apps, NULL);
	secs = (t1 - t0) / 1e9;
	fz_drain(f);
	fz_accept_strays(f);
	ASSERT_EQ(0, fz_mib_read(&m1));
	fz_print_stats(f, &m0, &m1);
	EXPECT_EQ(0ull, f->st.write_errs) TH_LOG("writes to the TUN device failed");

	/* the canary, during the storm */
	close(stop);
	status = canary_wait(canary);
	EXPECT_EQ(0, status) TH_LOG("the canary during the storm failed (%d)", status);

	/* the fuzzed listener still takes connections */
	status = fz_fresh_handshake(f);
	EXPECT_EQ(0, status) TH_LOG("a handshake from the peer after the storm failed at step %d",
				    status);
	status = fz_fresh_connect(f);
	EXPECT_EQ(0, status) TH_LOG("a connect() after the storm failed at step %d", status);

	/* the canary, after the storm */
	canary = canary_start("after the storm", fz_seed ^ 0xafe7, NULL);
	ASSERT_LT(0, canary);
	status = canary_wait(canary);
	EXPECT_EQ(0, status) TH_LOG("the canary after the storm failed (%d)", status);

	/* the gauges were sane throughout */
	EXPECT_EQ(0, f->bad_samples) TH_LOG("%ld of %ld samples of the gauges wrong, first: %s",
					    f->bad_samples, f->samples, f->first_bad);

	/* everything closed: the gauges at 0, the table empty */
	write_file("/proc/sys/net/xtcp/retries2", "2");
	write_file("/proc/sys/net/xtcp/rto_max_ms", "400");
	for (k = 0; k < FZ_SLOTS; k++) {
		if (f->t[k].fd >= 0)
			fz_abort(f->t[k].fd);
		f->t[k].fd = -1;
	}
	fz_accept_strays(f);
	EXPECT_TRUE(FZ_WAIT_FOR(f, fz_gauge("CurrEstab") == 0 && fz_gauge("Orphans") == 0,
				30000))
		TH_LOG("after closing everything: CurrEstab %llu, Orphans %llu",
		       fz_gauge("CurrEstab"), fz_gauge("Orphans"));
	EXPECT_TRUE(FZ_WAIT_FOR(f, fz_gauge("CurrTimeWait") == 0, 2 * FZ_MSL_MS + 3000))
		TH_LOG("CurrTimeWait %llu, %d ms after 2 * msl_ms", fz_gauge("CurrTimeWait"),
		       3000);
	EXPECT_TRUE(FZ_WAIT_FOR(f, fz_socket_rows() == 1, 5000))
		TH_LOG("/proc/net/xtcp/sockets: %d rows, not the listener's alone",
		       fz_socket_rows());
	close(f->lfd);
	EXPECT_EQ(0, fz_socket_rows()) TH_LOG("rows left after the listener closed");
	peer_close(&f->p);

	/* the slab objects and the module's references back to their level */
	EXPECT_TRUE(FZ_WAIT_FOR(f, fz_slabs_back(slab0, why, sizeof(why)), 10000))
		TH_LOG("%s", why);
	EXPECT_TRUE(FZ_WAIT_FOR(f, read_long("/sys/module/xtcp/refcnt") <= ref0, 5000))
		TH_LOG("module refcnt %ld, %ld before", read_long("/sys/module/xtcp/refcnt"),
		       ref0);

	/* and no kernel report */
	EXPECT_EQ(0, fz_kmsg_problems(kmsg)) TH_LOG("the kernel reported problems");
	close(kmsg);

	ksft_print_msg("throughput: %lu segments in %.1f s: %.0f segments/s (seed %llu)\n",
		       n, secs, n / secs, (unsigned long long)fz_seed);
}

/* The seed, printed before anything else: SEED from the environment, or the time. */
__attribute__((constructor)) static void fz_pick_seed(void)
{
	const char *env = getenv("SEED");
	struct timespec ts;

	if (env && *env) {
		fz_seed = strtoull(env, NULL, 0);
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		fz_seed = ((uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec) ^
			  ((uint64_t)getpid() << 32);
		fz_seed = splitmix64(&fz_seed);
	}
	printf("# seed %llu\n", (unsigned long long)fz_seed);
	fflush(stdout);
}

XTCP_TEST_MAIN
