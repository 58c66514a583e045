// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp-bench: what `make bench` runs inside the guest (scripts/bench).
 *
 * Measures IPPROTO_TCP and IPPROTO_XTCP on 127.0.0.1 in the same guest,
 * one after the other, and prints a table (or CSV with --csv):
 *
 *   bulk	one stream, 64 KiB send()s, bytes counted by the receiver
 *   rr		1-byte request, 1-byte response, on one connection
 *   crr	connect, 1-byte request, 1-byte response, close
 *   cc		connect and close; the server accepts and closes (counted
 *		by the server: a connect() that the server's close()
 *		resets before it returns still made a handshake)
 *
 * A benchmark, not a test: it measures and prints, and never judges a
 * number. Each protocol's server and client are two threads of this
 * process; the main thread starts them, lets them warm up, and reads the
 * shared counter at the start and at the end of the measured interval
 * (--one-cpu keeps all of them on CPU 0).
 *
 * Each metric is run in ROUNDS rounds that alternate the order of the two
 * protocols (TCP first, then xtcp first, ...); a figure is the total count
 * over all rounds divided by the total measured time. Footnotes flag what
 * a figure should be read with: segments retransmitted during the metric
 * (on loopback, a drop or a timer that fired while the guest stalled:
 * either costs time), and rounds of one protocol that disagree by more
 * than half (under TCG, a busy host slows the guest unevenly).
 *
 * A protocol that cannot run a metric (a call fails before or during the
 * measurement) gets "n/a" and the failing call in a footnote; that is a
 * result, not an error. Every socket has SO_RCVTIMEO and SO_SNDTIMEO, and
 * an alarm() bounds the whole run, so the program never hangs.
 *
 * Exit status: 0 when the TCP baseline ran every metric; 1 if it could
 * not (the harness is broken); 2 on bad usage; 3 on the global timeout.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <linux/xtcp.h>

#define BULK_BUF	(64 * 1024)	/* bytes per send() in "bulk" */
#define WARMUP_MS	200		/* not measured, per run */
#define IO_TIMEOUT_S	3		/* SO_RCVTIMEO, SO_SNDTIMEO */
#define POLL_MS		20		/* the main thread's sleep step */
#define MAX_ROUNDS	16
#define MAX_NOTES	10
#define NOTE_LEN	256
#define WIDTH		79		/* of the table and its notes */
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

enum metric { BULK, RR, CRR, CC, N_METRICS };
enum { P_TCP, P_XTCP, N_PROTOS };

static const struct {
	const char *key;	/* CSV name */
	const char *label;	/* table row */
	const char *unit;
	double scale;		/* count / scale per second */
} metrics[N_METRICS] = {
	[BULK] = { "bulk", "bulk throughput", "MB/s", 1e6 },
	[RR]   = { "rr", "request/response", "trans/s", 1 },
	[CRR]  = { "crr", "connect+req/resp+close", "conn/s", 1 },
	[CC]   = { "cc", "connect+accept+close", "conn/s", 1 },
};

static const char * const proto_names[N_PROTOS] = { "TCP", "xtcp" };
static int protos[N_PROTOS] = { IPPROTO_TCP, IPPROTO_XTCP };

/* One protocol's total for one metric, over the rounds. */
struct result {
	unsigned long long count;
	double secs;
	double round_rate[MAX_ROUNDS];	/* each round's own figure */
	int rounds;
	unsigned long long dials, resets;	/* cc: client connect()s */
	long long retrans;		/* segments, -1 if unknown */
	bool failed;
	char why[NOTE_LEN];	/* the failing call, when failed */
};

/* One measured run: a protocol, a metric, the threads' shared state. */
struct run {
	int proto;
	enum metric metric;
	struct sockaddr_in addr;	/* the listener's */
	int lfd;			/* listener (main thread owns it) */
	int cfd, sfd;			/* bulk, rr: the connection's ends */
	unsigned long long count;	/* bytes or transactions, atomic */
	unsigned long long dials, resets;	/* cc client's own */
	int stop;			/* atomic */
	pthread_mutex_t lock;
	bool failed;			/* first failure, under lock */
	char why[NOTE_LEN];
};

static void die_alarm(int sig)
{
	static const char msg[] =
		"xtcp-bench: global timeout, giving up (a blocking call hung?)\n";

	ssize_t n;

	(void)sig;
	n = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)n;
	_exit(3);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static bool stopping(struct run *r)
{
	return __atomic_load_n(&r->stop, __ATOMIC_ACQUIRE);
}

static void count_add(struct run *r, unsigned long long n)
{
	__atomic_fetch_add(&r->count, n, __ATOMIC_RELAXED);
}

static unsigned long long count_get(struct run *r)
{
	return __atomic_load_n(&r->count, __ATOMIC_RELAXED);
}

static const char *errno_name(int err)
{
	switch (err) {
	case EOPNOTSUPP:
		return "EOPNOTSUPP";
	case ECONNRESET:
		return "ECONNRESET";
	case ECONNREFUSED:
		return "ECONNREFUSED";
	case EPIPE:
		return "EPIPE";
	case ENOTCONN:
		return "ENOTCONN";
	case EPROTONOSUPPORT:
		return "EPROTONOSUPPORT";
	case EADDRNOTAVAIL:
		return "EADDRNOTAVAIL";
	case ETIMEDOUT:
		return "ETIMEDOUT";
	case ENOPROTOOPT:
		return "ENOPROTOOPT";
	default:
		return NULL;
	}
}

/*
 * Record the first failure of a run (later ones, and any after the stop,
 * are consequences): "@side: @what: <error>". @err is an errno, or 0 when
 * @what says it all.
 */
static void fail(struct run *r, const char *side, const char *what, int err)
{
	const char *name = errno_name(err);
	char how[64];

	if (stopping(r))
		return;
	if (!err)
		how[0] = '\0';
	else if (err == EAGAIN)
		snprintf(how, sizeof(how), ": timed out after %d s (EAGAIN)",
			 IO_TIMEOUT_S);
	else if (name)
		snprintf(how, sizeof(how), ": %s (%s)", name, strerror(err));
	else
		snprintf(how, sizeof(how), ": errno %d (%s)", err, strerror(err));
	pthread_mutex_lock(&r->lock);
	if (!r->failed) {
		r->failed = true;
		snprintf(r->why, sizeof(r->why), "%s: %s%s", side, what, how);
	}
	pthread_mutex_unlock(&r->lock);
}

static bool has_failed(struct run *r)
{
	bool f;

	pthread_mutex_lock(&r->lock);
	f = r->failed;
	pthread_mutex_unlock(&r->lock);
	return f;
}

/* A socket of the run's protocol with both I/O timeouts; -1 on failure. */
static int new_socket(struct run *r, const char *side)
{
	struct timeval tv = { .tv_sec = IO_TIMEOUT_S };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, r->proto);

	if (fd < 0) {
		fail(r, side, "socket()", errno);
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv))) {
		fail(r, side, "setsockopt(SO_RCVTIMEO/SO_SNDTIMEO)", errno);
		close(fd);
		return -1;
	}
	return fd;
}

/* Connect a new client socket to the run's listener; -1 on failure. */
static int dial(struct run *r)
{
	int fd = new_socket(r, "client");

	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&r->addr, sizeof(r->addr))) {
		fail(r, "client", "connect()", errno);
		close(fd);
		return -1;
	}
	return fd;
}

/* accept() on the listener (SO_RCVTIMEO bounds it); -1 on failure. */
static int take(struct run *r)
{
	struct timeval tv = { .tv_sec = IO_TIMEOUT_S };
	int fd = accept4(r->lfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0) {
		fail(r, "server", "accept()", errno);
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv))) {
		fail(r, "server", "setsockopt(SO_RCVTIMEO/SO_SNDTIMEO)", errno);
		close(fd);
		return -1;
	}
	return fd;
}

/* Send or receive exactly one byte; false (and recorded) otherwise. */
static bool send1(struct run *r, int fd, const char *side)
{
	char c = 'x';
	ssize_t n = send(fd, &c, 1, MSG_NOSIGNAL);

	if (n == 1)
		return true;
	fail(r, side, "send()", n < 0 ? errno : EIO);
	return false;
}

static bool recv1(struct run *r, int fd, const char *side)
{
	char c;
	ssize_t n = recv(fd, &c, 1, 0);

	if (n == 1)
		return true;
	if (n == 0)
		fail(r, side, "recv(): unexpected end of stream", 0);
	else
		fail(r, side, "recv()", errno);
	return false;
}

static void *bulk_sender(void *arg)
{
	struct run *r = arg;
	static char buf[BULK_BUF];
	size_t off = 0;
	ssize_t n;

	memset(buf, 'x', sizeof(buf));
	while (!stopping(r)) {
		n = send(r->cfd, buf + off, sizeof(buf) - off, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fail(r, "client", "send()", errno);
			break;
		}
		off = (off + n) % sizeof(buf);
	}
	return NULL;
}

static void *bulk_receiver(void *arg)
{
	struct run *r = arg;
	static char buf[BULK_BUF];
	ssize_t n;

	while (!stopping(r)) {
		n = recv(r->sfd, buf, sizeof(buf), 0);
		if (n > 0) {
			count_add(r, n);
		} else if (n == 0) {
			fail(r, "server", "recv(): unexpected end of stream", 0);
			break;
		} else if (errno != EINTR) {
			fail(r, "server", "recv()", errno);
			break;
		}
	}
	return NULL;
}

static void *rr_client(void *arg)
{
	struct run *r = arg;

	while (!stopping(r)) {
		if (!send1(r, r->cfd, "client") || !recv1(r, r->cfd, "client"))
			break;
		count_add(r, 1);
	}
	return NULL;
}

static void *rr_server(void *arg)
{
	struct run *r = arg;

	while (!stopping(r))
		if (!recv1(r, r->sfd, "server") || !send1(r, r->sfd, "server"))
			break;
	return NULL;
}

static void *crr_client(void *arg)
{
	struct run *r = arg;
	bool ok;
	int fd;

	while (!stopping(r)) {
		fd = dial(r);
		if (fd < 0)
			break;
		ok = send1(r, fd, "client") && recv1(r, fd, "client");
		close(fd);
		if (!ok)
			break;
		count_add(r, 1);
	}
	return NULL;
}

/*
 * The server answers, then waits for the client's close (end of stream,
 * or a reset where close() aborts) before closing its own end, as
 * netperf's TCP_CRR does: the client is the side that closes first.
 */
static void *crr_server(void *arg)
{
	struct run *r = arg;
	char c;
	bool ok;
	int fd;

	while (!stopping(r)) {
		fd = take(r);
		if (fd < 0)
			break;
		ok = recv1(r, fd, "server") && send1(r, fd, "server");
		if (ok && recv(fd, &c, 1, 0) < 0 && errno != ECONNRESET) {
			fail(r, "server", "recv() of the close", errno);
			ok = false;
		}
		close(fd);
		if (!ok)
			break;
	}
	return NULL;
}

/*
 * The handshake completes when connect() sees the SYN-ACK, and the server
 * may accept and close the connection before connect() returns: if that
 * close() sends RST (an abort), connect() then fails with ECONNRESET
 * although the handshake was made. That is counted apart, not a failure.
 */
static void *cc_client(void *arg)
{
	struct run *r = arg;
	int fd;

	while (!stopping(r)) {
		fd = new_socket(r, "client");
		if (fd < 0)
			break;
		r->dials++;
		if (connect(fd, (struct sockaddr *)&r->addr, sizeof(r->addr))) {
			if (errno != ECONNRESET) {
				fail(r, "client", "connect()", errno);
				close(fd);
				break;
			}
			r->resets++;
		}
		close(fd);
	}
	return NULL;
}

static void *cc_server(void *arg)
{
	struct run *r = arg;
	int fd;

	while (!stopping(r)) {
		fd = take(r);
		if (fd < 0)
			break;
		close(fd);
		count_add(r, 1);
	}
	return NULL;
}

static void *(*const clients[N_METRICS])(void *) = {
	[BULK] = bulk_sender, [RR] = rr_client, [CRR] = crr_client,
	[CC] = cc_client,
};

static void *(*const servers[N_METRICS])(void *) = {
	[BULK] = bulk_receiver, [RR] = rr_server, [CRR] = crr_server,
	[CC] = cc_server,
};

/* Listener on 127.0.0.1, an ephemeral port; for bulk and rr, a connection. */
static bool setup(struct run *r)
{
	socklen_t len = sizeof(r->addr);

	r->addr.sin_family = AF_INET;
	r->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	r->lfd = new_socket(r, "server");
	if (r->lfd < 0)
		return false;
	if (bind(r->lfd, (struct sockaddr *)&r->addr, sizeof(r->addr))) {
		fail(r, "server", "bind(127.0.0.1:0)", errno);
		return false;
	}
	if (listen(r->lfd, 1024)) {
		fail(r, "server", "listen()", errno);
		return false;
	}
	if (getsockname(r->lfd, (struct sockaddr *)&r->addr, &len)) {
		fail(r, "server", "getsockname()", errno);
		return false;
	}
	if (r->metric != BULK && r->metric != RR)
		return true;
	r->cfd = dial(r);
	if (r->cfd < 0)
		return false;
	r->sfd = take(r);
	return r->sfd >= 0;
}

/* Wait @ms, or less if a thread fails; false if one did. */
static bool wait_ms(struct run *r, long ms)
{
	double end = now_s() + ms / 1000.0;
	double left;

	while (!has_failed(r)) {
		left = end - now_s();
		if (left <= 0)
			return true;
		sleep_ms(left * 1000 < POLL_MS ? (long)(left * 1000) + 1 : POLL_MS);
	}
	return false;
}

/* Shut a socket down both ways: wakes a thread blocked on it. */
static void wake(int fd)
{
	if (fd >= 0)
		shutdown(fd, SHUT_RDWR);
}

static void drop(int fd)
{
	if (fd >= 0)
		close(fd);
}

/* Value of @name in /proc/net/snmp's "Tcp:" lines; -1 if missing. */
static long long tcp_mib(const char *name)
{
	char hdr[1024], val[1024], *hs, *vs, *h, *v;
	long long ret = -1;
	FILE *f = fopen("/proc/net/snmp", "re");

	if (!f)
		return -1;
	while (fgets(hdr, sizeof(hdr), f) && fgets(val, sizeof(val), f)) {
		if (strncmp(hdr, "Tcp:", 4))
			continue;
		h = strtok_r(hdr + 4, "\n ", &hs);
		v = strtok_r(val + 4, "\n ", &vs);
		while (h && v) {
			if (!strcmp(h, name))
				ret = strtoll(v, NULL, 10);
			h = strtok_r(NULL, "\n ", &hs);
			v = strtok_r(NULL, "\n ", &vs);
		}
		break;
	}
	fclose(f);
	return ret;
}

/*
 * Segments protocol @p has retransmitted so far, or -1 if unknown. TCP's
 * RetransSegs counts SYNs and SYN-ACKs too; xtcp counts them apart.
 */
static long long retransmitted(int p)
{
	static const char * const names[] = {
		"SynRetrans", "SynAckRetrans", "RetransSegs",
	};
	char line[128], key[64];
	long long sum = -1, v;
	unsigned int i;
	FILE *f;

	if (p == P_TCP)
		return tcp_mib("RetransSegs");
	f = fopen("/proc/net/xtcp/snmp", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63[^\t]\t%lld", key, &v) != 2)
			continue;
		for (i = 0; i < ARRAY_SIZE(names); i++)
			if (!strcmp(key, names[i]))
				sum = (sum < 0 ? 0 : sum) + v;
	}
	fclose(f);
	return sum;
}

/* One run of @metric on protocol @p for @secs seconds, added to @res. */
static void measure(int p, enum metric metric, double secs,
		    struct result *res)
{
	struct run r = {
		.proto = protos[p], .metric = metric,
		.lfd = -1, .cfd = -1, .sfd = -1,
		.lock = PTHREAD_MUTEX_INITIALIZER,
	};
	long long re0 = retransmitted(p), re1;
	unsigned long long c0, c1;
	pthread_t client, server;
	bool started = false;
	double t0, t1;
	int err;

	if (setup(&r)) {
		err = pthread_create(&server, NULL, servers[metric], &r);
		if (!err) {
			err = pthread_create(&client, NULL, clients[metric], &r);
			if (err) {
				wake(r.lfd);
				wake(r.sfd);
				__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
				pthread_join(server, NULL);
			}
		}
		if (err)
			fail(&r, "bench", "pthread_create()", err);
		started = !err;
	}
	if (started && wait_ms(&r, WARMUP_MS)) {
		c0 = count_get(&r);
		t0 = now_s();
		wait_ms(&r, (long)(secs * 1000));
		c1 = count_get(&r);
		t1 = now_s();
		if (!has_failed(&r) && t1 > t0) {
			res->count += c1 - c0;
			res->secs += t1 - t0;
			if (res->rounds < MAX_ROUNDS)
				res->round_rate[res->rounds++] = (c1 - c0) /
					metrics[metric].scale / (t1 - t0);
		}
	}
	if (started) {
		/* stop, then wake whatever is blocked: accept(), send(), recv() */
		__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
		wake(r.lfd);
		wake(r.cfd);
		wake(r.sfd);
		pthread_join(client, NULL);
		pthread_join(server, NULL);
	}
	drop(r.cfd);
	drop(r.sfd);
	drop(r.lfd);
	res->dials += r.dials;
	res->resets += r.resets;
	re1 = retransmitted(p);
	if (re0 < 0 || re1 < 0 || res->retrans < 0)
		res->retrans = -1;
	else
		res->retrans += re1 - re0;
	if (r.failed && !res->failed) {
		res->failed = true;
		memcpy(res->why, r.why, sizeof(res->why));
	}
}

/* ------------------------------------------------------------- output */

static char notes[MAX_NOTES][2 * NOTE_LEN];
static int n_notes;

/* Footnote number of @text (added if new; 0 if there is no room left). */
static int note(const char *text)
{
	int i;

	for (i = 0; i < n_notes; i++)
		if (!strcmp(notes[i], text))
			return i + 1;
	if (n_notes == MAX_NOTES)
		return 0;
	snprintf(notes[n_notes], sizeof(notes[0]), "%s", text);
	return ++n_notes;
}

/*
 * Print @text after @first, wrapped at WIDTH; next lines are indented by 4
 * under a footnote mark, not at all under a plain paragraph ("" @first).
 */
static void print_wrapped(const char *first, const char *text)
{
	int indent = *first ? 4 : 0, start = strlen(first), col = start, len;
	const char *w = text, *end;

	printf("%s", first);
	for (;;) {
		while (*w == ' ')
			w++;
		if (!*w)
			break;
		end = strchr(w, ' ');
		if (!end)
			end = w + strlen(w);
		len = end - w;
		if (col > start && col + 1 + len > WIDTH) {
			printf("\n%*s", indent, "");
			start = indent;
			col = indent;
		} else if (col > start) {
			col += printf(" ");
		}
		col += printf("%.*s", len, w);
		w = end;
	}
	printf("\n");
}

static double rate(const struct result *res, enum metric m)
{
	return res->count / metrics[m].scale / res->secs;
}

static bool usable(const struct result *res)
{
	return !res->failed && res->secs > 0;
}

static bool ratio(const struct result *res, enum metric m, double *r)
{
	if (!usable(&res[P_TCP]) || !usable(&res[P_XTCP]) || !res[P_TCP].count)
		return false;
	*r = rate(&res[P_XTCP], m) / rate(&res[P_TCP], m);
	return true;
}

/* Append to the string in @buf, as snprintf() would print. */
static void addf(char *buf, size_t len, const char *fmt, ...)
{
	size_t l = strlen(buf);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf + l, len - l, fmt, ap);
	va_end(ap);
}

static const char *close_note(void)
{
	static char text[2 * NOTE_LEN];

	text[0] = '\0';
	addf(text, sizeof(text), "close(): both protocols send FIN (orderly ");
	addf(text, sizeof(text), "release, TIME_WAIT on the side that closes ");
	addf(text, sizeof(text), "first): the same segments are measured.");
	return text;
}

/*
 * What the figure of protocol @p for metric @m should be read with, in
 * @text (empty if nothing): connect()s that a reset overtook (cc),
 * retransmissions (TCP's RetransSegs; xtcp's SYN, SYN-ACK and data
 * retransmissions), rounds that disagree by more than half.
 */
static void cell_note(char *text, size_t len, const struct result *res,
		      int p, enum metric m)
{
	const char *fmt = m == BULK ? "%.1f" : "%.0f";
	const char *sep = ": ";
	double lo = res->round_rate[0], hi = lo;
	size_t base;
	int k;

	snprintf(text, len, "%s", proto_names[p]);
	base = strlen(text);
	if (res->resets) {
		addf(text, len, "%s%llu of %llu connect()s got ECONNRESET, ",
		     sep, res->resets, res->dials);
		addf(text, len, "reset before they returned (the figure counts ");
		addf(text, len, "the server's accepts)");
		sep = "; ";
	}
	if (res->retrans > 0) {
		addf(text, len, "%s%lld segment%s retransmitted ", sep,
		     res->retrans, res->retrans == 1 ? "" : "s");
		addf(text, len, "(on loopback: a drop, or a timer that fired ");
		addf(text, len, "while the guest stalled)");
		sep = "; ";
	}
	for (k = 1; k < res->rounds; k++) {
		if (res->round_rate[k] < lo)
			lo = res->round_rate[k];
		if (res->round_rate[k] > hi)
			hi = res->round_rate[k];
	}
	if (res->rounds > 1 && hi > lo * 1.5) {
		addf(text, len, "%srounds ranged from ", sep);
		addf(text, len, fmt, lo);
		addf(text, len, " to ");
		addf(text, len, fmt, hi);
		addf(text, len, " %s (host load stalls TCG's vCPUs unevenly; ",
		     metrics[m].unit);
		addf(text, len, "--one-cpu is steadier)");
		sep = "; ";
	}
	if (strlen(text) == base)
		text[0] = '\0';
	else
		addf(text, len, ".");
}

/* Append " [n]" for footnote @text to @buf. */
static void mark(char *buf, size_t len, const char *text)
{
	size_t l = strlen(buf);

	snprintf(buf + l, len - l, "%s[%d]", l && buf[l - 1] == ']' ? "" : " ",
		 note(text));
}

static void table_row(enum metric m, double secs, struct result *res)
{
	char label[64], val[N_PROTOS][32], rt[16], text[2 * NOTE_LEN];
	double r;
	int p;

	snprintf(label, sizeof(label), "%s, %s (%g s)", metrics[m].label,
		 metrics[m].unit, secs);
	if (m == CRR || m == CC)
		mark(label, sizeof(label), close_note());
	for (p = 0; p < N_PROTOS; p++) {
		if (usable(&res[p])) {
			snprintf(val[p], sizeof(val[p]),
				 m == BULK ? "%.1f" : "%.0f", rate(&res[p], m));
			cell_note(text, sizeof(text), &res[p], p, m);
		} else {
			snprintf(val[p], sizeof(val[p]), "n/a");
			snprintf(text, sizeof(text), "%s: %s", proto_names[p],
				 res[p].failed ? res[p].why : "no measurement");
		}
		if (text[0])
			mark(val[p], sizeof(val[p]), text);
	}
	if (ratio(res, m, &r))
		snprintf(rt, sizeof(rt), r < 0.1 ? "%.2g" : "%.2f", r);
	else
		snprintf(rt, sizeof(rt), "n/a");
	printf("%-42s %11s %13s %9s\n", label, val[P_TCP], val[P_XTCP], rt);
	fflush(stdout);
}

/* A CSV field: the text with commas, quotes and newlines made harmless. */
static const char *csv_text(const char *s)
{
	static char buf[2 * NOTE_LEN];
	size_t i;

	snprintf(buf, sizeof(buf), "%s", s);
	for (i = 0; buf[i]; i++)
		if (buf[i] == ',' || buf[i] == '"' || buf[i] == '\n')
			buf[i] = ';';
	return buf;
}

static void csv_row(enum metric m, double secs, int rounds,
		    const struct utsname *u, long cpus, bool one_cpu,
		    struct result *res)
{
	const char *fmt = m == BULK ? "%.3f" : "%.1f";
	double r;
	int p, k;

	printf("%s,%s,%s,%ld,%d,%g,%d", metrics[m].key, metrics[m].unit,
	       u->release, cpus, one_cpu, secs, rounds);
	for (p = 0; p < N_PROTOS; p++) {
		printf(",");
		if (usable(&res[p]))
			printf(fmt, rate(&res[p], m));
	}
	printf(",");
	if (ratio(res, m, &r))
		printf("%.4f", r);
	for (p = 0; p < N_PROTOS; p++) {
		printf(",");
		for (k = 0; usable(&res[p]) && k < res[p].rounds; k++) {
			printf("%s", k ? ";" : "");
			printf(fmt, res[p].round_rate[k]);
		}
	}
	for (p = 0; p < N_PROTOS; p++) {
		printf(",");
		if (res[p].retrans >= 0)
			printf("%lld", res[p].retrans);
	}
	for (p = 0; p < N_PROTOS; p++) {
		if (!usable(&res[p]))
			printf(",%s", csv_text(res[p].failed ? res[p].why :
					       "no measurement"));
		else if (res[p].resets)
			printf(",ok: %llu of %llu connect() ECONNRESET (counted)",
			       res[p].resets, res[p].dials);
		else
			printf(",ok");
	}
	printf("\n");
	fflush(stdout);
}

/* ---------------------------------------------------------------- main */

static void help(FILE *f)
{
	fprintf(f,
		"usage: xtcp-bench [-b SEC] [-s SEC] [-r ROUNDS] [-m METRIC]...\n"
		"                  [-P PROTO] [--one-cpu] [--csv]\n"
		"  -b SEC     bulk throughput time per protocol (default 10)\n"
		"  -s SEC     time of each other metric per protocol (default 5)\n"
		"  -r ROUNDS  split each time into ROUNDS runs, alternating which\n"
		"             protocol goes first (default 2, at most 16)\n"
		"  -m METRIC  only this metric: bulk, rr, crr, cc (repeatable)\n"
		"  -P PROTO   xtcp's IP protocol number (default: the module's)\n"
		"  --one-cpu  run client and server on CPU 0 only (default: any\n"
		"             CPU); steadier when a busy host slows the vCPUs\n"
		"  --csv      machine-readable output\n");
}

static double parse_secs(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (*end || !(v > 0) || v > 3600) {
		fprintf(stderr, "xtcp-bench: bad duration '%s'\n", s);
		exit(2);
	}
	return v;
}

/* xtcp's protocol number: the loaded module's proto= parameter. */
static int xtcp_proto(void)
{
	FILE *f = fopen("/sys/module/xtcp/parameters/proto", "re");
	int v = IPPROTO_XTCP;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = IPPROTO_XTCP;
		fclose(f);
	}
	return v;
}

int main(int argc, char **argv)
{
	double secs[N_METRICS] = { [BULK] = 10, [RR] = 5, [CRR] = 5, [CC] = 5 };
	bool want[N_METRICS] = { false }, any = false, csv = false;
	bool one_cpu = false;
	cpu_set_t set;
	struct result res[N_METRICS][N_PROTOS];
	char text[2 * NOTE_LEN], first[16];
	double total = 0;
	bool tcp_ok = true;
	struct utsname u;
	int rounds = 2;
	long cpus;
	int i, m, k, p;

	protos[P_XTCP] = xtcp_proto();
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--csv")) {
			csv = true;
		} else if (!strcmp(a, "--one-cpu")) {
			one_cpu = true;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			help(stdout);
			return 0;
		} else if (i + 1 < argc && !strcmp(a, "-b")) {
			secs[BULK] = parse_secs(argv[++i]);
		} else if (i + 1 < argc && !strcmp(a, "-s")) {
			secs[RR] = parse_secs(argv[++i]);
			secs[CRR] = secs[RR];
			secs[CC] = secs[RR];
		} else if (i + 1 < argc && !strcmp(a, "-r")) {
			rounds = atoi(argv[++i]);
			if (rounds < 1 || rounds > MAX_ROUNDS) {
				fprintf(stderr, "xtcp-bench: bad rounds '%s'\n", argv[i]);
				return 2;
			}
		} else if (i + 1 < argc && !strcmp(a, "-P")) {
			protos[P_XTCP] = atoi(argv[++i]);
		} else if (i + 1 < argc && !strcmp(a, "-m")) {
			for (m = 0; m < N_METRICS; m++)
				if (!strcmp(argv[i + 1], metrics[m].key))
					break;
			if (m == N_METRICS) {
				fprintf(stderr, "xtcp-bench: unknown metric '%s'\n",
					argv[i + 1]);
				return 2;
			}
			want[m] = true;
			any = true;
			i++;
		} else {
			help(stderr);
			return 2;
		}
	}
	for (m = 0; m < N_METRICS; m++) {
		if (!any)
			want[m] = true;
		if (want[m])
			total += 2 * secs[m] + rounds * 2 * (WARMUP_MS / 1000.0 +
							     2 * IO_TIMEOUT_S);
	}

	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, die_alarm);
	alarm((unsigned int)total + 60);

	uname(&u);
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (one_cpu) {
		/* threads inherit the main thread's affinity */
		CPU_ZERO(&set);
		CPU_SET(0, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			perror("xtcp-bench: sched_setaffinity");
			return 1;
		}
	}
	memset(res, 0, sizeof(res));

	if (csv) {
		fputs("metric,unit,kernel,cpus,one_cpu,seconds,rounds,", stdout);
		fputs("tcp,xtcp,", stdout);
		fputs("xtcp_over_tcp,tcp_rounds,xtcp_rounds,", stdout);
		puts("tcp_retrans,xtcp_retrans,tcp_status,xtcp_status");
	} else {
		printf("xtcp-bench: TCP vs xtcp (IP protocol %d) on 127.0.0.1, %s\n",
		       protos[P_XTCP], "in one guest.");
		printf("Under qemu TCG absolute numbers are small: %s\n",
		       "compare the ratios.");
		printf("Linux %s, %ld CPU%s%s\n\n", u.release, cpus,
		       cpus == 1 ? "" : "s",
		       one_cpu ? ", client and server both on CPU 0" : "");
		printf("%-42s %11s %13s %9s\n", "metric", "TCP", "xtcp",
		       "xtcp/TCP");
		fflush(stdout);
	}

	for (m = 0; m < N_METRICS; m++) {
		if (!want[m])
			continue;
		for (k = 0; k < rounds; k++) {
			for (i = 0; i < N_PROTOS; i++) {
				/* round 0: TCP, xtcp; round 1: xtcp, TCP; ... */
				p = (k & 1) ? N_PROTOS - 1 - i : i;
				if (!res[m][p].failed)
					measure(p, m, secs[m] / rounds, &res[m][p]);
			}
		}
		if (!usable(&res[m][P_TCP]))
			tcp_ok = false;
		if (csv)
			csv_row(m, secs[m], rounds, &u, cpus, one_cpu, res[m]);
		else
			table_row(m, secs[m], res[m]);
	}

	if (!csv) {
		text[0] = '\0';
		addf(text, sizeof(text), "Times are per protocol, in %d round%s ",
		     rounds, rounds == 1 ? "" : "s");
		addf(text, sizeof(text), "that alternate which protocol runs ");
		addf(text, sizeof(text), "first (TCP in odd rounds, xtcp in even ");
		addf(text, sizeof(text), "ones), each after a %d ms warm-up; ",
		     WARMUP_MS);
		addf(text, sizeof(text), "a figure is the count over all rounds / ");
		addf(text, sizeof(text), "the time measured. MB = 10^6 bytes, ");
		addf(text, sizeof(text), "counted by the receiver, sent in 64 KiB ");
		addf(text, sizeof(text), "send()s.");
		printf("\n");
		print_wrapped("", text);
		for (i = 0; i < n_notes; i++) {
			snprintf(first, sizeof(first), "[%d] ", i + 1);
			print_wrapped(first, notes[i]);
		}
	}
	return tcp_ok ? 0 : 1;
}
