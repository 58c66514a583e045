// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp-demo: what `make demo [SCENARIO=...]` runs inside the guest.
 *
 *	xtcp-demo [textbook|refused|synack-retransmit|backlog-overflow|time-wait]
 *
 * Plays one connection story on xtcp in a network namespace of its own and
 * tells it from a real run: a numbered timeline with one line per segment
 * (direction, flags, seq(len), ack, window, options) and each end's state
 * after it, read from the tracepoints of events/xtcp/ (with the program's
 * own calls and the timers' events in between); then what /proc shows and
 * the counters that moved.
 *
 * For the host (scripts/demo) it also prints, on lines starting with "@@",
 * a capture of the segments as a pcap file (base64; captured with an
 * AF_PACKET socket on the interface the story uses) and the same timeline
 * as an mscgen message sequence chart. Output fits 80 columns.
 *
 * The loopback stories (textbook, refused, backlog-overflow) run both ends
 * on xtcp; synack-retransmit and time-wait need a peer that misbehaves on
 * purpose: the scripted peer of selftests/xtcp_peer.h behind a TUN device.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/xtcp.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "xtcp_proto.h"		/* selftests/: lo_up, addr4, files */
#include "xtcp_peer.h"		/* selftests/: the scripted peer */

#define TRACEFS		"/sys/kernel/tracing"
#define INSTANCE	TRACEFS "/instances/xtcp-demo"
#define MAX_EV		1024
#define MAX_PKT		256
#define MAX_PARTY	4
#define MAX_ROW		256
#define MSS		1024	/* the textbook's, through XTCP_MAXSEG */

/* ------------------------------------------------------------ events */

/* A tracepoint event, or one of the program's own notes ("note"). */
struct ev {
	double t;		/* CLOCK_MONOTONIC, s */
	char name[24];
	char args[232];
	int party;		/* notes: who acted */
	int idx;		/* order of reading: ties keep it */
};

static struct ev ev[MAX_EV];
static int nev;

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "xtcp-demo: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

/* Events of the story: all xtcp events, with CLOCK_MONOTONIC timestamps. */
static void trace_start(void)
{
	int fd;

	if (access(TRACEFS "/instances", F_OK) &&
	    mount("tracefs", TRACEFS, "tracefs", 0, NULL))
		die("mount tracefs: %s", strerror(errno));
	if (mkdir(INSTANCE, 0700) && errno != EEXIST)
		die("mkdir %s: %s", INSTANCE, strerror(errno));
	if (write_file(INSTANCE "/trace_clock", "mono") ||
	    write_file(INSTANCE "/events/xtcp/enable", "1") ||
	    write_file(INSTANCE "/tracing_on", "1"))
		die("cannot enable events/xtcp in %s", INSTANCE);
	fd = open(INSTANCE "/trace", O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd >= 0)
		close(fd);
}

static void trace_stop(void)
{
	write_file(INSTANCE "/tracing_on", "0");
}

/* A note of the program's own: @party did something. */
static void __attribute__((format(printf, 2, 3))) note(int party, const char *fmt, ...)
{
	va_list ap;

	if (nev >= MAX_EV)
		return;
	ev[nev].t = mono();
	snprintf(ev[nev].name, sizeof(ev[0].name), "note");
	va_start(ap, fmt);
	vsnprintf(ev[nev].args, sizeof(ev[0].args), fmt, ap);
	va_end(ap);
	ev[nev].party = party;
	ev[nev].idx = nev;
	nev++;
}

static int ev_cmp(const void *a, const void *b)
{
	const struct ev *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->idx - y->idx;
}

/* Read the instance's events and merge them with the notes by time. */
static void trace_load(void)
{
	char line[512];
	FILE *f = fopen(INSTANCE "/trace", "re");

	if (!f)
		die("read %s/trace: %s", INSTANCE, strerror(errno));
	while (fgets(line, sizeof(line), f) && nev < MAX_EV) {
		char *name = strstr(line, ": xtcp_"), *args, *ts;

		if (line[0] == '#' || !name)
			continue;
		*name = '\0';
		ts = strrchr(line, ' ');
		name += 2;
		args = strstr(name, ": ");
		if (!ts || !args)
			continue;
		*args = '\0';
		args += 2;
		args[strcspn(args, "\n")] = '\0';
		ev[nev].t = strtod(ts + 1, NULL);
		snprintf(ev[nev].name, sizeof(ev[0].name), "%s", name + 5);
		snprintf(ev[nev].args, sizeof(ev[0].args), "%s", args);
		ev[nev].party = -1;
		ev[nev].idx = nev;
		nev++;
	}
	fclose(f);
	/* events print in microseconds: ties keep the buffer's order */
	qsort(ev, nev, sizeof(ev[0]), ev_cmp);
}

/* Wait up to @ms for an event named @name (without "xtcp_") containing @what. */
static bool trace_wait(const char *name, const char *what, int ms)
{
	char line[512], want[64];
	double end = mono() + ms / 1000.0;

	snprintf(want, sizeof(want), ": xtcp_%s: ", name);
	do {
		FILE *f = fopen(INSTANCE "/trace", "re");
		bool found = false;

		while (f && !found && fgets(line, sizeof(line), f))
			found = strstr(line, want) && strstr(line, what);
		if (f)
			fclose(f);
		if (found)
			return true;
		usleep(20000);
	} while (mono() < end);
	return false;
}

/* ----------------------------------------------------------- capture */

struct pkt {
	double t;
	int len;
	uint8_t data[1600];
};

static struct pkt pkts[MAX_PKT];
static int npkt;
static int cap_fd = -1;
static bool cap_outgoing;

/* Capture xtcp's packets on @ifname (outgoing ones too if @outgoing). */
static void cap_open(const char *ifname, bool outgoing)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP),
		.sll_ifindex = if_nametoindex(ifname),
	};
	int on = 1;

	cap_fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			htons(ETH_P_IP));
	if (cap_fd < 0 || bind(cap_fd, (struct sockaddr *)&sll, sizeof(sll)) ||
	    setsockopt(cap_fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on)))
		die("capture on %s: %s", ifname, strerror(errno));
	cap_outgoing = outgoing;
}

/*
 * Read what was captured. On loopback each packet is seen going out and
 * coming in: the incoming copy is kept. On TUN only one direction of each
 * packet is seen: both are kept.
 */
static void cap_drain(void)
{
	char cbuf[CMSG_SPACE(sizeof(struct timespec))];
	struct sockaddr_ll from;
	struct iovec iov;
	struct msghdr m;
	struct cmsghdr *c;
	ssize_t n;

	while (cap_fd >= 0 && npkt < MAX_PKT) {
		struct pkt *p = &pkts[npkt];

		iov.iov_base = p->data;
		iov.iov_len = sizeof(p->data);
		memset(&m, 0, sizeof(m));
		m.msg_name = &from;
		m.msg_namelen = sizeof(from);
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		m.msg_control = cbuf;
		m.msg_controllen = sizeof(cbuf);
		n = recvmsg(cap_fd, &m, 0);
		if (n < 0)
			break;
		if (n < 20 || p->data[9] != IPPROTO_XTCP ||
		    (from.sll_pkttype == PACKET_OUTGOING && !cap_outgoing))
			continue;
		p->len = n;
		p->t = 0;
		for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPNS) {
				struct timespec ts;

				memcpy(&ts, CMSG_DATA(c), sizeof(ts));
				p->t = ts.tv_sec + ts.tv_nsec / 1e9;
			}
		npkt++;
	}
}

static void put32(uint8_t *b, uint32_t v)
{
	memcpy(b, &v, 4);	/* pcap: the writer's byte order */
}

/* Print the capture as a pcap file (LINKTYPE_RAW), base64, on "@@" lines. */
static void cap_emit(void)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	static uint8_t buf[MAX_PKT * 1616 + 24];
	size_t len = 0, i;
	char out[77];
	int k, o = 0;

	put32(buf, 0xa1b2c3d4);
	put32(buf + 4, 2 | 4 << 16);		/* version 2.4 */
	put32(buf + 8, 0);
	put32(buf + 12, 0);
	put32(buf + 16, 65535);			/* snaplen */
	put32(buf + 20, 101);			/* LINKTYPE_RAW: IPv4 */
	len = 24;
	for (k = 0; k < npkt; k++) {
		double t = pkts[k].t;	/* CLOCK_REALTIME */

		put32(buf + len, (uint32_t)t);
		put32(buf + len + 4, (uint32_t)((t - (uint32_t)t) * 1e6));
		put32(buf + len + 8, pkts[k].len);
		put32(buf + len + 12, pkts[k].len);
		memcpy(buf + len + 16, pkts[k].data, pkts[k].len);
		len += 16 + pkts[k].len;
	}
	printf("@@pcap-begin\n");
	for (i = 0; i < len; i += 3) {
		uint32_t v = buf[i] << 16 | (i + 1 < len ? buf[i + 1] << 8 : 0) |
			     (i + 2 < len ? buf[i + 2] : 0);

		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = i + 1 < len ? b64[v >> 6 & 63] : '=';
		out[o++] = i + 2 < len ? b64[v & 63] : '=';
		if (o == 76 || i + 3 >= len) {
			out[o] = '\0';
			printf("@@%s\n", out);
			o = 0;
		}
	}
	printf("@@pcap-end\n");
}

/* ----------------------------------------------------------- parties */

/* Who is who: an address:port and how the story calls it. */
struct party {
	char addr[24];		/* "127.0.0.1:40000" */
	const char *name;	/* "client" */
	char tag;		/* 'C' */
	const char *msc;	/* mscgen entity: "c" */
	const char *initial;	/* state before the story: "CLOSED", "LISTEN", "-" */
	bool traced;		/* xtcp under test (its states are traced) */
};

static struct party party[MAX_PARTY];
static int nparty;

static int add_party(const char *addr, const char *name, char tag,
		     const char *msc, const char *initial, bool traced)
{
	struct party *p = &party[nparty];

	snprintf(p->addr, sizeof(p->addr), "%s", addr);
	p->name = name;
	p->tag = tag;
	p->msc = msc;
	p->initial = initial;
	p->traced = traced;
	return nparty++;
}

static int party_of(const char *addr)
{
	int i;

	for (i = 0; i < nparty; i++)
		if (!strcmp(party[i].addr, addr))
			return i;
	return -1;
}

/* ---------------------------------------------------------- the story */

/*
 * The states of each connection end: one per (party, remote party) pair.
 * A listener's state (remote 0.0.0.0:0) is not an end of a connection.
 */
static const char *state[MAX_PARTY][MAX_PARTY];

/* Textbook names: TCP_FIN_WAIT1 -> FIN_WAIT_1, TCP_CLOSE -> CLOSED. */
static const char *state_name(const char *tcp)
{
	static const char * const map[][2] = {
		{ "TCP_ESTABLISHED", "ESTABLISHED" }, { "TCP_SYN_SENT", "SYN_SENT" },
		{ "TCP_SYN_RECV", "SYN_RECV" }, { "TCP_FIN_WAIT1", "FIN_WAIT_1" },
		{ "TCP_FIN_WAIT2", "FIN_WAIT_2" }, { "TCP_TIME_WAIT", "TIME_WAIT" },
		{ "TCP_CLOSE", "CLOSED" }, { "TCP_CLOSE_WAIT", "CLOSE_WAIT" },
		{ "TCP_LAST_ACK", "LAST_ACK" }, { "TCP_LISTEN", "LISTEN" },
		{ "TCP_CLOSING", "CLOSING" },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(tcp, map[i][0]))
			return map[i][1];
	return "?";
}

/* A parsed segment event. */
struct segev {
	int from, to;
	char flags[8];
	uint32_t seq, ack, len, win, mss;
	int wscale;
};

static bool parse_seg(const struct ev *e, struct segev *s)
{
	char src[24], dst[24];

	if (sscanf(e->args,
		   "%23s > %23s flags=%7s seq=%u ack=%u len=%u win=%u mss=%u wscale=%d",
		   src, dst, s->flags, &s->seq, &s->ack, &s->len, &s->win,
		   &s->mss, &s->wscale) != 9)
		return false;
	s->from = party_of(src);
	s->to = party_of(dst);
	return s->from >= 0 && s->to >= 0;
}

/* A parsed xtcp_state event: which end, which states. */
static bool parse_state(const struct ev *e, int *end, int *remote, char *old,
			char *new)
{
	char obj[40], l[24], r[24];

	if (sscanf(e->args, "%39s %23[^-]-%23s %23s -> %23s", obj, l, r, old, new) != 5)
		return false;
	*end = party_of(l);
	*remote = party_of(r);
	return *end >= 0 && *remote >= 0;
}

/* Initial sequence numbers, per connection and direction: from the SYNs. */
static uint32_t isn[MAX_PARTY][MAX_PARTY];
static bool isn_known[MAX_PARTY][MAX_PARTY];

static const char *flag_words(const char *f)
{
	static char buf[24];
	static const struct { char c; const char *w; } fw[] = {
		{ 'S', "SYN" }, { 'F', "FIN" }, { 'R', "RST" }, { 'P', "PSH" },
		{ 'A', "ACK" },
	};
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < sizeof(fw) / sizeof(fw[0]); i++) {
		if (!strchr(f, fw[i].c))
			continue;
		/* data segments: PSH,ACK reads as the textbook's "data" */
		if (buf[0])
			strcat(buf, ",");
		strcat(buf, fw[i].w);
	}
	return buf;
}

/* A row of the timeline: a segment (seg >= 0) or a note / timer event. */
struct row {
	int ev;			/* index in ev[] */
	int seg;		/* segment number, or 0 */
};

static struct row rows[MAX_ROW];
static int nrow;
/* The server's listen queues after each row, from the events. */
static int synq[MAX_ROW], accq[MAX_ROW];
static int at_row[MAX_EV];	/* state event -> row it belongs to */

static bool is_send(int i, int p)
{
	struct segev s;

	return !strcmp(ev[i].name, "seg_send") && parse_seg(&ev[i], &s) &&
	       (p < 0 || s.from == p);
}

/*
 * Which row a state change of @end belongs to: walking back, the segment
 * that arrived at @end and caused it, or the note of @end's program (then
 * the next segment @end sends: its close() shows with its FIN), or the
 * timer event that caused it.
 */
static int cause_row(int i, int end)
{
	int k, r;

	for (k = i - 1; k >= 0; k--) {
		struct segev s;

		if (!strcmp(ev[k].name, "seg_recv") && parse_seg(&ev[k], &s) &&
		    s.to == end)
			break;
		if (!strcmp(ev[k].name, "note") && ev[k].party == end) {
			for (k = i + 1; k < nev; k++)
				if (is_send(k, end))
					break;
			break;
		}
		if (!strcmp(ev[k].name, "tw_expire") ||
		    !strcmp(ev[k].name, "queue_drop"))
			break;
	}
	if (k < 0 || k >= nev)
		k = i;
	/* the row whose event is k, or for a seg_recv the row of its send */
	if (!strcmp(ev[k].name, "seg_recv")) {
		struct segev s, t;

		parse_seg(&ev[k], &s);
		for (r = nrow - 1; r >= 0; r--)
			if (rows[r].seg && parse_seg(&ev[rows[r].ev], &t) &&
			    t.from == s.from && t.seq == s.seq && !strcmp(t.flags, s.flags) &&
			    ev[rows[r].ev].t <= ev[k].t)
				return r;
	}
	for (r = 0; r < nrow; r++)
		if (rows[r].ev >= k)
			return r;
	return nrow - 1;
}

static char msc[16384];
static size_t msclen;

static void __attribute__((format(printf, 1, 2))) msc_add(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msclen += vsnprintf(msc + msclen, sizeof(msc) - msclen, fmt, ap);
	va_end(ap);
	if (msclen >= sizeof(msc))
		msclen = sizeof(msc) - 1;
}

/* Text of a non-segment row; NULL: not shown. */
static const char *row_text(const struct ev *e)
{
	static char buf[280];
	char what[16], a[24];
	unsigned int attempt, rto, qlen, limit, ms;

	if (!strcmp(e->name, "note")) {
		snprintf(buf, sizeof(buf), "%s: %s", party[e->party].name, e->args);
		return buf;
	}
	if (!strcmp(e->name, "retransmit") &&
	    sscanf(e->args, "%15s %*s seq=%*u attempt=%u rto_ms=%u", what, &attempt,
		   &rto) == 3 && strcmp(what, "FAST")) {
		snprintf(buf, sizeof(buf),
			 "timeout: %s sent again (retransmission %u, next timeout %u ms)",
			 !strcmp(what, "SYNACK") ? "SYN-ACK" : what, attempt, rto);
		return buf;
	}
	if (!strcmp(e->name, "queue_drop") &&
	    sscanf(e->args, "%*s %*s from %*s queue=%15s reason=%23s qlen=%u limit=%u",
		   what, a, &qlen, &limit) == 4) {
		if (!strcmp(a, "timeout"))
			snprintf(buf, sizeof(buf),
				 "SYN-ACK retries (net.xtcp.synack_retries) used up: "
				 "half-open entry dropped");
		else
			snprintf(buf, sizeof(buf), "%s dropped: %s queue full (%u of %u)",
				 !strcmp(a, "syn") ? "SYN" : "final ACK", what, qlen, limit);
		return buf;
	}
	if (!strcmp(e->name, "tw_enter") &&
	    sscanf(e->args, "%*s %23[^-]-%*s from=%*s snd_nxt=%*u rcv_nxt=%*u timeout_ms=%u",
		   a, &ms) == 2 && party_of(a) >= 0) {
		snprintf(buf, sizeof(buf), "%s: TIME_WAIT timer %u ms (2 x net.xtcp.msl_ms)",
			 party[party_of(a)].name, ms);
		return buf;
	}
	if (!strcmp(e->name, "tw_expire") &&
	    sscanf(e->args, "%*s %23[^-]-%*s reason=%15s", a, what) == 2 &&
	    party_of(a) >= 0) {
		snprintf(buf, sizeof(buf), "%s: TIME_WAIT %s: CLOSED",
			 party[party_of(a)].name,
			 !strcmp(what, "timer") ? "timer expires" : what);
		return buf;
	}
	return NULL;
}

/* Print the timeline and build the chart. */
static void timeline(void)
{
	int i, r, nseg = 0, p, q;
	double tfirst = -1;

	for (p = 0; p < nparty; p++)
		for (q = 0; q < nparty; q++)
			state[p][q] = party[p].initial;
	/* rows: every segment sent, every note and timer event */
	for (i = 0; i < nev && nrow < MAX_ROW; i++) {
		struct segev s;

		if (is_send(i, -1)) {
			parse_seg(&ev[i], &s);
			if (strchr(s.flags, 'S') && !isn_known[s.from][s.to]) {
				isn[s.from][s.to] = s.seq;
				isn_known[s.from][s.to] = true;
			}
			rows[nrow].ev = i;
			rows[nrow++].seg = ++nseg;
		} else if (row_text(&ev[i])) {
			rows[nrow].ev = i;
			rows[nrow++].seg = 0;
		}
	}
	/* a scripted peer's segments are not traced as sent: as received */
	for (i = 0; i < nev && nrow < MAX_ROW; i++) {
		struct segev s;

		if (!strcmp(ev[i].name, "seg_recv") && parse_seg(&ev[i], &s) &&
		    !party[s.from].traced) {
			int k;

			if (strchr(s.flags, 'S') && !isn_known[s.from][s.to]) {
				isn[s.from][s.to] = s.seq;
				isn_known[s.from][s.to] = true;
			}
			for (k = nrow; k > 0 && rows[k - 1].ev > i; k--)
				rows[k] = rows[k - 1];
			rows[k].ev = i;
			rows[k].seg = 1;
			nrow++;
		}
	}
	for (r = 0, nseg = 0; r < nrow; r++)
		if (rows[r].seg)
			rows[r].seg = ++nseg;
	for (i = 0; i < nev; i++) {
		char o[24], n[24];
		int end, rem;

		at_row[i] = -1;
		if (!strcmp(ev[i].name, "state") && parse_state(&ev[i], &end, &rem, o, n))
			at_row[i] = cause_row(i, end);
	}

	printf("\n%2s %6s %3s %-7s %-8s %-5s %5s %-13s %-11s %s\n", "#", "t ms",
	       "dir", "flags", "seq(len)", "ack", "win", "options", "client",
	       "server");
	msc_add("msc {\n  hscale=\"1.4\", arcgradient=\"8\";\n  ");
	for (p = 0; p < nparty; p++)
		msc_add("%s%s [label=\"%s %s\"]", p ? ", " : "", party[p].msc,
			party[p].name, party[p].addr);
	msc_add(";\n");
	for (r = 0; r < nrow; r++) {
		const struct ev *e = &ev[rows[r].ev];
		struct segev s;
		char seqlen[24], ack[16], opts[24], boxes[256] = "";
		int cl, sv, changed[MAX_PARTY] = { 0 };

		if (tfirst < 0)
			tfirst = e->t;
		synq[r] = r ? synq[r - 1] : 0;
		accq[r] = r ? accq[r - 1] : 0;
		for (i = 0; i < nev; i++) {
			char o[24], n[24];
			int end, rem;

			if (at_row[i] != r || !parse_state(&ev[i], &end, &rem, o, n))
				continue;
			state[end][rem] = state_name(n);
			changed[end] = rem + 1;
			/* a half-open entry comes and goes; a child is queued */
			if (!strncmp(ev[i].args, "req=", 4))
				synq[r] += strcmp(n, "TCP_SYN_RECV") ? -1 : 1;
			else if (party[end].tag == 'S' && !strcmp(o, "TCP_SYN_RECV") &&
				 !strcmp(n, "TCP_ESTABLISHED"))
				synq[r]--, accq[r]++;
		}
		if (!strcmp(e->name, "note") && party[e->party].tag == 'S' &&
		    !strncmp(e->args, "accept()", 8))
			accq[r]--;
		if (!rows[r].seg) {
			const char *txt = row_text(e);

			printf("%2s %6.1f     %s\n", "", (e->t - tfirst) * 1000, txt);
			if (!strcmp(e->name, "note"))
				msc_add("  %s note %s [label=\"%s\"];\n", party[e->party].msc,
					party[e->party].msc, e->args);
			else
				msc_add("  --- [label=\"%s\"];\n", txt);
		} else {
			parse_seg(e, &s);
			/* the connection's client end and server end */
			cl = party[s.from].tag == 'S' ? s.to : s.from;
			sv = party[s.from].tag == 'S' ? s.from : s.to;
			snprintf(seqlen, sizeof(seqlen), "%u(%u)", s.seq - isn[s.from][s.to], s.len);
			if (strchr(s.flags, 'A'))
				snprintf(ack, sizeof(ack), "%u", s.ack - isn[s.to][s.from]);
			else
				snprintf(ack, sizeof(ack), "-");
			opts[0] = '\0';
			if (s.mss)
				snprintf(opts, sizeof(opts), "mss %u", s.mss);
			if (s.wscale >= 0)
				snprintf(opts + strlen(opts), sizeof(opts) - strlen(opts),
					 "%sws %d", opts[0] ? "," : "", s.wscale);
			printf("%2d %6.1f %c>%c %-7s %-8s %-5s %5u %-13s %-11s %s\n",
			       rows[r].seg, (e->t - tfirst) * 1000, party[s.from].tag,
			       party[s.to].tag, flag_words(s.flags), seqlen, ack, s.win,
			       opts, state[cl][sv], state[sv][cl]);
			msc_add("  %s=>%s [label=\"%d %s seq %s%s%s%s%s%s\"];\n",
				party[s.from].msc, party[s.to].msc, rows[r].seg,
				flag_words(s.flags), seqlen,
				strcmp(ack, "-") ? " ack " : "",
				strcmp(ack, "-") ? ack : "", opts[0] ? " <" : "", opts,
				opts[0] ? ">" : "");
		}
		/* the state boxes of one step side by side */
		for (p = 0; p < nparty; p++)
			if (changed[p])
				snprintf(boxes + strlen(boxes), sizeof(boxes) - strlen(boxes),
					 "%s%s abox %s [label=\"%s\"]", boxes[0] ? ", " : "",
					 party[p].msc, party[p].msc, state[p][changed[p] - 1]);
		if (boxes[0])
			msc_add("  %s;\n", boxes);
	}
	msc_add("}\n");
}

static void msc_emit(void)
{
	char *line = msc, *nl;

	printf("@@msc-begin\n");
	while ((nl = strchr(line, '\n'))) {
		printf("@@%.*s\n", (int)(nl - line), line);
		line = nl + 1;
	}
	printf("@@msc-end\n");
}

/* ---------------------------------------------------- counters, /proc */

struct mibs {
	int n;
	char name[96][32];
	long val[96];
};

static void mib_read(struct mibs *m)
{
	char line[128];
	FILE *f = fopen("/proc/net/xtcp/snmp", "re");

	m->n = 0;
	while (f && m->n < 96 && fgets(line, sizeof(line), f))
		if (sscanf(line, "%31[^\t]\t%ld", m->name[m->n], &m->val[m->n]) == 2)
			m->n++;
	if (f)
		fclose(f);
}

static void mib_diff(const struct mibs *a, const struct mibs *b)
{
	int i, k = 0;

	printf("\nCounters that moved (/proc/net/xtcp/snmp):\n");
	for (i = 0; i < b->n && i < a->n; i++) {
		if (a->val[i] == b->val[i])
			continue;
		printf("  %-18s %+4ld%s", b->name[i], b->val[i] - a->val[i],
		       ++k % 3 ? "" : "\n");
	}
	if (k % 3)
		printf("\n");
}

/* The listener on @addr in /proc/net/xtcp/listeners: queue lengths. */
static void listener_queues(const char *hexaddr, char *out, size_t len)
{
	char line[256], a[24];
	unsigned int sq, smax, aq, amax;
	FILE *f = fopen("/proc/net/xtcp/listeners", "re");

	snprintf(out, len, "(no listener)");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%23s %u %u %u %u", a, &sq, &smax, &aq, &amax) == 5 &&
		    !strcmp(a, hexaddr))
			snprintf(out, len, "SYN queue %u of %u, accept queue %u of %u",
				 sq, smax, aq, amax);
	if (f)
		fclose(f);
}

/* Print the rows of /proc/net/xtcp/sockets in state @st (hex), shortened. */
static void show_sockets(const char *st)
{
	char line[512], l[32], r[32], s[8];
	FILE *f = fopen("/proc/net/xtcp/sockets", "re");

	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, "local_address") ||
		    (sscanf(line, "%*s %31s %31s %7s", l, r, s) == 3 && !strcmp(s, st)))
			printf("  %.78s\n", line + strspn(line, " "));
	if (f)
		fclose(f);
}

/* ------------------------------------------------------------ sockets */

static int xsock(const char *ip, int port, int mss)
{
	struct sockaddr_in sin = addr4(ip, port);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_XTCP);

	if (fd < 0)
		die("socket(AF_INET, SOCK_STREAM, IPPROTO_XTCP): %s", strerror(errno));
	if (mss && setsockopt(fd, SOL_XTCP, XTCP_MAXSEG, &mss, sizeof(mss)))
		die("XTCP_MAXSEG: %s", strerror(errno));
	if (port && bind(fd, (struct sockaddr *)&sin, sizeof(sin)))
		die("bind %s:%d: %s", ip, port, strerror(errno));
	return fd;
}

static int xconnect(int fd, const char *ip, int port)
{
	struct sockaddr_in sin = addr4(ip, port);

	return connect(fd, (struct sockaddr *)&sin, sizeof(sin)) ? -errno : 0;
}

static void sysctl_set(const char *name, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), "/proc/sys/net/xtcp/%s", name);
	if (write_file(path, val))
		die("cannot set net.xtcp.%s", name);
}

static void lo_netns(void)
{
	if (unshare(CLONE_NEWNET) || lo_up())
		die("a network namespace with lo: %s", strerror(errno));
	cap_open("lo", false);
}

/* --------------------------------------------------------- scenarios */

static struct mibs before, after;

/* RFC 9293 §3.5 figure 6 and §3.6 figure 12, as the textbook tells them. */
static void textbook(void)
{
	char buf[32], q1[96], q2[96];
	int l, c, s, i;

	lo_netns();
	sysctl_set("msl_ms", "500");
	add_party("127.0.0.1:40000", "client", 'C', "c", "CLOSED", true);
	add_party("127.0.0.1:5000", "server", 'S', "s", "LISTEN", true);
	printf("The textbook connection: client 127.0.0.1:40000, server 127.0.0.1:5000.\n"
	       "Both ends set XTCP_MAXSEG %d before connect()/listen(), so the SYNs\n"
	       "announce MSS %d. net.xtcp.msl_ms=500: TIME_WAIT lasts 1 s, not 60 s.\n",
	       MSS, MSS);
	l = xsock("127.0.0.1", 5000, MSS);
	if (listen(l, 8))
		die("listen: %s", strerror(errno));
	c = xsock("127.0.0.1", 40000, MSS);
	mib_read(&before);
	trace_start();

	note(0, "connect()");
	if (xconnect(c, "127.0.0.1", 5000))
		die("connect: %s", strerror(errno));
	listener_queues("0100007F:1388", q1, sizeof(q1));
	note(1, "accept()");
	s = accept(l, NULL, NULL);
	listener_queues("0100007F:1388", q2, sizeof(q2));
	note(0, "send() 20 bytes");
	send(c, "hello from client 20", 20, 0);
	recv(s, buf, 20, MSG_WAITALL);
	note(1, "recv() 20 bytes, send() 10 bytes");
	send(s, "hi client!", 10, 0);
	recv(c, buf, 10, MSG_WAITALL);
	usleep(300000);		/* the client's delayed ACK goes alone */
	note(0, "close()");
	close(c);
	if (recv(s, buf, sizeof(buf), 0) == 0)
		note(1, "recv() returns 0: the client's FIN");
	usleep(300000);		/* the server's delayed ACK of the FIN goes alone */
	note(1, "close()");
	close(s);
	usleep(50000);
	printf("\n/proc/net/xtcp/sockets during TIME_WAIT (st 06; tm->when: jiffies left):\n");
	show_sockets("06");
	trace_wait("tw_expire", "reason=timer", 3000);
	close(l);
	trace_stop();
	mib_read(&after);
	trace_load();
	timeline();
	printf("\nListen queues of 127.0.0.1:5000, listen backlog 8 (at most 9 each):\n");
	for (i = 0; i < nrow; i++) {
		if (synq[i] == (i ? synq[i - 1] : 0) && accq[i] == (i ? accq[i - 1] : 0))
			continue;
		if (rows[i].seg)
			printf("  after segment %-2d         ", rows[i].seg);
		else
			printf("  after %-19s", ev[rows[i].ev].args);
		printf("SYN queue %d, accept queue %d\n", synq[i], accq[i]);
	}
	printf("/proc/net/xtcp/listeners agrees:\n"
	       "  after connect() returned  %s\n"
	       "  after accept()            %s\n", q1, q2);
}

/* A SYN to a port where nothing listens: RST (RFC 9293 §3.10.7.1). */
static void refused(void)
{
	int c, err;

	lo_netns();
	add_party("127.0.0.1:40000", "client", 'C', "c", "CLOSED", true);
	add_party("127.0.0.1:5000", "server", 'S', "s", "(none)", true);
	printf("A refused connection: nothing listens on 127.0.0.1:5000.\n");
	c = xsock("127.0.0.1", 40000, MSS);
	mib_read(&before);
	trace_start();
	note(0, "connect()");
	err = xconnect(c, "127.0.0.1", 5000);
	note(0, "connect() fails: %s", strerror(-err));
	trace_stop();
	mib_read(&after);
	close(c);
	trace_load();
	timeline();
}

/* A full accept queue: the SYN is dropped, the client's retransmission gets in. */
static void backlog_overflow(void)
{
	struct pollfd pfd;
	char q[96];
	int l, a, b, s1, s2;

	lo_netns();
	add_party("127.0.0.1:40001", "client A", 'A', "a", "CLOSED", true);
	add_party("127.0.0.1:40002", "client B", 'B', "b", "CLOSED", true);
	add_party("127.0.0.1:5000", "server", 'S', "s", "LISTEN", true);
	printf("A full accept queue: listen(fd, 0) holds one connection (backlog + 1,\n"
	       "as Linux); client A's waits there, client B's SYN finds it full.\n"
	       "(Columns: the client and server end of each segment's connection.)\n");
	l = xsock("127.0.0.1", 5000, MSS);
	if (listen(l, 0))
		die("listen: %s", strerror(errno));
	a = xsock("127.0.0.1", 40001, MSS);
	b = xsock("127.0.0.1", 40002, MSS);
	mib_read(&before);
	trace_start();
	note(0, "connect()");
	if (xconnect(a, "127.0.0.1", 5000))
		die("connect A: %s", strerror(errno));
	listener_queues("0100007F:1388", q, sizeof(q));
	note(1, "connect() (non-blocking)");
	fcntl(b, F_SETFL, O_NONBLOCK);
	xconnect(b, "127.0.0.1", 5000);
	usleep(400000);
	note(2, "accept(): A's connection leaves the queue");
	s1 = accept(l, NULL, NULL);
	pfd.fd = b;
	pfd.events = POLLOUT;
	poll(&pfd, 1, 4000);
	note(1, "connected (SO_ERROR %d)", so_error(b));
	s2 = accept(l, NULL, NULL);
	trace_stop();
	mib_read(&after);
	trace_load();
	timeline();
	printf("\nWhile A waited: %s\n", q);
	close(s1);
	close(s2);
	close(a);
	close(b);
	close(l);
}

/* The scripted peer's segment to the stack. */
static struct seg pseg_to(uint16_t sport, uint16_t dport, uint8_t flags,
			  uint32_t seq, uint32_t ack)
{
	struct seg s = {
		.sport = sport, .dport = dport, .flags = flags, .seq = seq,
		.ack = ack, .win = 65535,
	};

	return s;
}

/* The final ACK never comes: SYN-ACK backoff, then the entry is dropped. */
static void synack_retransmit(void)
{
	struct peer p;
	struct seg s, syn = pseg_to(40000, 5000, SEG_SYN, 1000, 0);
	double prev = 0;
	int l, i, k = 0;

	if (peer_open(&p, IPPROTO_XTCP))
		die("netns and TUN: %s", strerror(errno));
	cap_open(PEER_IFNAME, true);
	sysctl_set("synack_timeout_ms", "100");
	add_party("10.0.0.2:40000", "client", 'C', "c", "-", false);
	add_party("10.0.0.1:5000", "server", 'S', "s", "LISTEN", true);
	printf("The final ACK never comes: the client is a scripted peer behind a TUN\n"
	       "device (10.0.0.2) that sends one SYN (ISN 1000, MSS %d) and ignores the\n"
	       "SYN-ACKs. Linux's schedule, 1, 2, 4, 8, 16 s after the SYN-ACK then\n"
	       "32 s to give up, runs 10 times faster: net.xtcp.synack_timeout_ms=100,\n"
	       "synack_retries 5 (the default).\n", MSS);
	l = xsock("10.0.0.1", 5000, MSS);
	if (listen(l, 8))
		die("listen: %s", strerror(errno));
	seg_opt_mss(&syn, MSS);
	mib_read(&before);
	trace_start();
	note(0, "SYN (scripted)");
	peer_send(&p, &syn);
	trace_wait("queue_drop", "reason=timeout", 10000);
	while (peer_expect(&p, &s, 0) == 0)
		;
	trace_stop();
	mib_read(&after);
	trace_load();
	timeline();
	printf("\nSYN-ACKs went out at (ms after the first):");
	for (i = 0; i < nev; i++)
		if (is_send(i, 1)) {
			printf("%s %.0f", k ? "," : "", k ? (ev[i].t - prev) * 1000 : 0.0);
			if (!k++)
				prev = ev[i].t;
		}
	printf("\n");
	close(l);
	peer_close(&p);
}

/* When TIME_WAIT began, was restarted by the last FIN, and ended. */
static void tw_summary(void)
{
	double enter = -1, fin = -1, end = -1;
	struct segev s;
	int i;

	for (i = 0; i < nev; i++) {
		if (!strcmp(ev[i].name, "tw_enter") && enter < 0)
			enter = ev[i].t;
		if (enter >= 0 && !strcmp(ev[i].name, "seg_recv") &&
		    parse_seg(&ev[i], &s) && strchr(s.flags, 'F'))
			fin = ev[i].t;
		if (!strcmp(ev[i].name, "tw_expire"))
			end = ev[i].t;
	}
	if (enter < 0 || fin < 0 || end < 0)
		return;
	printf("\nTIME_WAIT lasted %.0f ms: the FIN that came again after %.0f ms\n"
	       "was ACKed again and started the 2 MSL (1000 ms) anew; it ended\n"
	       "%.0f ms after that FIN.\n", (end - enter) * 1000,
	       (fin - enter) * 1000, (end - fin) * 1000);
}

/* TIME_WAIT answers a retransmitted FIN and starts its 2 MSL again. */
static void time_wait(void)
{
	struct peer p;
	struct seg s, syn;
	uint32_t iss;
	int c;

	if (peer_open(&p, IPPROTO_XTCP))
		die("netns and TUN: %s", strerror(errno));
	cap_open(PEER_IFNAME, true);
	sysctl_set("msl_ms", "500");
	add_party("10.0.0.1:40000", "client", 'C', "c", "CLOSED", true);
	add_party("10.0.0.2:5000", "server", 'S', "s", "-", false);
	printf("TIME_WAIT at work: the client (xtcp, 10.0.0.1) closes first; the server\n"
	       "is a scripted peer behind a TUN device (ISN 8000) that sends its FIN\n"
	       "twice, as if the client's last ACK were lost. net.xtcp.msl_ms=500:\n"
	       "TIME_WAIT lasts 1 s, and starts again with the second FIN.\n");
	c = xsock("10.0.0.1", 40000, MSS);
	fcntl(c, F_SETFL, O_NONBLOCK);
	mib_read(&before);
	trace_start();
	note(0, "connect()");
	xconnect(c, "10.0.0.2", 5000);
	if (peer_expect(&p, &syn, 1000))
		die("no SYN");
	iss = syn.seq;
	s = pseg_to(5000, 40000, SEG_SYN | SEG_ACK, 8000, iss + 1);
	seg_opt_mss(&s, MSS);
	peer_send(&p, &s);
	peer_expect(&p, &s, 1000);		/* the ACK */
	note(0, "close()");
	close(c);
	peer_expect(&p, &s, 1000);		/* its FIN */
	s = pseg_to(5000, 40000, SEG_ACK, 8001, iss + 2);
	peer_send(&p, &s);
	s = pseg_to(5000, 40000, SEG_FIN | SEG_ACK, 8001, iss + 2);
	peer_send(&p, &s);
	peer_expect(&p, &syn, 1000);		/* the last ACK */
	usleep(400000);
	note(1, "FIN again (scripted)");
	peer_send(&p, &s);
	peer_expect(&p, &syn, 1000);
	trace_wait("tw_expire", "reason=timer", 3000);
	trace_stop();
	mib_read(&after);
	trace_load();
	timeline();
	tw_summary();
	peer_close(&p);
}

int main(int argc, char **argv)
{
	const char *sc = argc > 1 ? argv[1] : "textbook";
	struct utsname u;
	int i, j, k;

	setvbuf(stdout, NULL, _IOLBF, 0);
	uname(&u);
	printf("xtcp demo \"%s\" on Linux %s, xtcp.ko loaded, protocol %d.\n", sc,
	       u.release, IPPROTO_XTCP);
	if (!strcmp(sc, "textbook"))
		textbook();
	else if (!strcmp(sc, "refused"))
		refused();
	else if (!strcmp(sc, "synack-retransmit"))
		synack_retransmit();
	else if (!strcmp(sc, "backlog-overflow"))
		backlog_overflow();
	else if (!strcmp(sc, "time-wait"))
		time_wait();
	else
		die("unknown scenario '%s' (textbook, refused, synack-retransmit, "
		    "backlog-overflow, time-wait)", sc);
	mib_diff(&before, &after);
	printf("\nseq, ack: relative to each side's initial sequence number, as\n"
	       "Wireshark shows them. ISNs:");
	for (i = 0, k = 0; i < nparty; i++)
		for (j = 0; j < nparty; j++)
			if (isn_known[i][j])
				printf("%s %c>%c %u", k++ ? "," : "", party[i].tag,
				       party[j].tag, isn[i][j]);
	printf(".\nwin: the raw field (scaled by 2^ws after the SYNs); t ms: from the\n"
	       "first event; states after each segment: events/xtcp/xtcp_state.\n");
	cap_drain();
	cap_emit();
	msc_emit();
	return 0;
}
