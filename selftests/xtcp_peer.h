/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A scripted peer for wire-level tests, in the spirit of packetdrill.
 *
 * The peer owns a TUN device in a network namespace of its own: the kernel
 * under test is 10.0.0.1 on "xtun0", the simulated remote host 10.0.0.2 is
 * the test itself. Every IPv4 packet the stack routes to 10.0.0.2 comes out
 * of the TUN file descriptor, and every packet written to it is received
 * by the stack as if it had come from the wire. A test therefore sends
 * exactly the segments it wants and checks exactly what comes back, and
 * when. Nothing leaves the namespace.
 *
 * The same code speaks TCP (IP protocol 6) and xtcp (253 by default): the
 * segment format is TCP's (RFC 9293); only the IP protocol number, and with
 * it the checksum's pseudo-header, differ.
 *
 *	struct peer p;
 *	struct seg s = { .sport = 40000, .dport = 5000, .seq = 1000,
 *			 .flags = SEG_SYN, .win = 65535 };
 *
 *	peer_open(&p, IPPROTO_TCP);		// new netns, lo and xtun0 up
 *	seg_opt_mss(&s, 1000);
 *	peer_send(&p, &s);
 *	peer_expect(&p, &s, 1000);		// the SYN-ACK, parsed
 *	printf("%s\n", peer_fmt(&p, &s));	// S. 0:0(0) ack 1 win ...
 *
 * The API (int functions return 0 or -errno):
 *
 *	peer_open(p, proto), peer_close(p)	namespace and TUN device
 *	peer_send(p, seg)			one segment, peer to stack
 *	peer_expect(p, seg, ms)			the stack's next one, or -ETIMEDOUT
 *	peer_expect_none(p, seg, ms)		silence, or -EEXIST and the segment
 *	peer_fmt(p, seg)			a segment as one tcpdump-like line
 *	seg_opt_mss/wscale/sack_perm/ts/nop/eol/raw(seg, ...), seg_data()
 *	seg_ms(a, b)				time between two arrivals
 *	stack_seq(p, rel), peer_seq(p, rel)	absolute from relative numbers
 *	peer_knob_set(proto, knob, val)		TCP's or xtcp's sysctl, by meaning
 *	peer_plain_tcp()			TCP without what xtcp lacks
 *	peer_counter(proto, name)		a Tcp: or xtcp snmp counter
 *
 * Sequence numbers in struct seg are absolute; peer_fmt() prints those of
 * the latest connection (port pair) relative to its two initial sequence
 * numbers (the stack's, learned from its SYN or SYN-ACK, and the peer's
 * own, from the last SYN it sent), as tcpdump does. Set PEER_TRACE=1 in
 * the environment to log every segment, with its time since peer_open(),
 * to stderr.
 *
 * Times are CLOCK_MONOTONIC, taken when peer_expect() reads a segment: a
 * test that measures intervals must be waiting in peer_expect() while the
 * segments arrive (a segment that waits in the TUN queue is stamped late).
 */
#ifndef XTCP_SELFTEST_PEER_H
#define XTCP_SELFTEST_PEER_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/if_tun.h>

#include "xtcp_util.h"

#define PEER_IFNAME	"xtun0"
#define PEER_LOCAL	"10.0.0.1"	/* the stack under test */
#define PEER_REMOTE	"10.0.0.2"	/* the scripted peer */

/* Header flags, as in the 14th byte of the header. */
#define SEG_FIN		0x01
#define SEG_SYN		0x02
#define SEG_RST		0x04
#define SEG_PSH		0x08
#define SEG_ACK		0x10
#define SEG_URG		0x20
#define SEG_ECE		0x40
#define SEG_CWR		0x80

/* Option kinds (RFC 9293, 7323, 2018). */
#define OPT_EOL		0
#define OPT_NOP		1
#define OPT_MSS		2
#define OPT_WSCALE	3
#define OPT_SACK_PERM	4
#define OPT_SACK	5
#define OPT_TS		8
#define OPT_BIT(kind)	(1u << ((kind) < 31 ? (kind) : 31))

#define PEER_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define SEG_MAX_OPT	40
#define SEG_MAX_DATA	1500

/*
 * One segment. To send: fill the header fields, add options with
 * seg_opt_*() and data with seg_data(); the malformation knobs let a test
 * send what a correct stack never would. Received: peer_expect() fills in
 * everything, including the parsed options and the checks it made.
 */
struct seg {
	/* header, host byte order */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;		/* SEG_* */
	uint16_t win, urg;
	uint8_t opt[SEG_MAX_OPT];	/* raw options, as on the wire */
	int optlen;
	uint8_t data[SEG_MAX_DATA];
	int len;		/* payload bytes */

	/* sending: addresses (network order, 0: peer to stack) */
	uint32_t saddr, daddr;
	/* sending: deliberate malformations */
	int doff;		/* data offset (0: the right one); received: read */
	int trunc;		/* send only this many header+data bytes (0: all) */
	bool bad_csum;		/* corrupt the checksum */

	/* received */
	bool ip_csum_ok;	/* IPv4 header checksum */
	bool csum_ok;		/* checksum over the pseudo-header with proto */
	bool hdr_ok;		/* 20 <= data offset * 4 <= segment length */
	bool opt_ok;		/* options well formed up to EOL or the end */
	unsigned int opts;	/* OPT_BIT() of every option kind present */
	int mss;		/* -1: no MSS option */
	int wscale;		/* -1: no window scale option */
	uint32_t tsval, tsecr;	/* if opts & OPT_BIT(OPT_TS) */
	uint64_t t_ns;		/* arrival, CLOCK_MONOTONIC */
};

struct peer {
	int fd;			/* TUN, non-blocking */
	int proto;		/* IPPROTO_TCP or IPPROTO_XTCP */
	int mtu;		/* of xtun0 */
	uint32_t local, remote;	/* network order */
	uint16_t ip_id;
	/* initial sequence numbers of the connection on ports isn_ports */
	uint32_t stack_isn, peer_isn;
	bool stack_isn_known, peer_isn_known;
	uint16_t isn_ports[2];	/* stack's port, peer's port */
	unsigned int skipped;	/* packets read and ignored (not IPv4/proto) */
	bool trace;
	uint64_t t0_ns;
	char fmt[512];		/* peer_fmt()'s buffer */
};

static inline uint64_t peer_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Milliseconds from segment @a's arrival to @b's. */
static inline double seg_ms(const struct seg *a, const struct seg *b)
{
	return ((double)b->t_ns - (double)a->t_ns) / 1e6;
}

static inline uint32_t peer_be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3];
}

/* --- building segments --------------------------------------------------- */

static inline void seg_opt_raw(struct seg *s, const void *bytes, int n)
{
	if (s->optlen + n <= SEG_MAX_OPT) {
		memcpy(s->opt + s->optlen, bytes, n);
		s->optlen += n;
	}
}

static inline void seg_opt_nop(struct seg *s)
{
	uint8_t o = OPT_NOP;

	seg_opt_raw(s, &o, 1);
}

static inline void seg_opt_eol(struct seg *s)
{
	uint8_t o = OPT_EOL;

	seg_opt_raw(s, &o, 1);
}

static inline void seg_opt_mss(struct seg *s, uint16_t mss)
{
	uint8_t o[4] = { OPT_MSS, 4, mss >> 8, mss & 0xff };

	seg_opt_raw(s, o, sizeof(o));
}

static inline void seg_opt_wscale(struct seg *s, uint8_t shift)
{
	uint8_t o[3] = { OPT_WSCALE, 3, shift };

	seg_opt_raw(s, o, sizeof(o));
}

static inline void seg_opt_sack_perm(struct seg *s)
{
	uint8_t o[2] = { OPT_SACK_PERM, 2 };

	seg_opt_raw(s, o, sizeof(o));
}

static inline void seg_opt_ts(struct seg *s, uint32_t val, uint32_t ecr)
{
	uint8_t o[10] = { OPT_TS, 10 };

	val = htonl(val);
	ecr = htonl(ecr);
	memcpy(o + 2, &val, 4);
	memcpy(o + 6, &ecr, 4);
	seg_opt_raw(s, o, sizeof(o));
}

static inline void seg_data(struct seg *s, const void *data, int len)
{
	if (len > SEG_MAX_DATA)
		len = SEG_MAX_DATA;
	memcpy(s->data, data, len);
	s->len = len;
}

/*
 * Remember the connection the initial sequence numbers belong to: the
 * other side's ISN is forgotten when a SYN starts another connection.
 */
static inline bool peer_same_conn(struct peer *p, uint16_t stack_port,
				  uint16_t peer_port)
{
	return p->isn_ports[0] == stack_port && p->isn_ports[1] == peer_port;
}

static inline void peer_set_conn(struct peer *p, uint16_t stack_port,
				 uint16_t peer_port)
{
	if (!peer_same_conn(p, stack_port, peer_port)) {
		p->stack_isn_known = false;
		p->peer_isn_known = false;
		p->isn_ports[0] = stack_port;
		p->isn_ports[1] = peer_port;
	}
}

/* --- printing -------------------------------------------------------------- */

/* Append to the string of @size bytes at @buf, of length *@n, truncating. */
__attribute__((format(printf, 4, 5)))
static inline void peer_catf(char *buf, size_t size, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (*n + 1 >= size)
		return;
	va_start(ap, fmt);
	r = vsnprintf(buf + *n, size - *n, fmt, ap);
	va_end(ap);
	if (r > 0)
		*n = *n + r < size ? *n + r : size - 1;
}

/* Options as tcpdump shows them: " <mss 1460,nop,wscale 7>". */
static inline void seg_fmt_opts(const struct seg *s, char *buf, size_t size, size_t *n)
{
	const uint8_t *o = s->opt;
	int i = 0, len;

	if (!s->optlen)
		return;
	peer_catf(buf, size, n, " <");
	while (i < s->optlen) {
		const char *sep = i ? "," : "";

		if (o[i] == OPT_EOL || o[i] == OPT_NOP) {
			peer_catf(buf, size, n, "%s%s", sep, o[i] ? "nop" : "eol");
			i++;
			continue;
		}
		len = i + 1 < s->optlen ? o[i + 1] : 0;
		if (len < 2 || i + len > s->optlen) {
			peer_catf(buf, size, n, "%sbad opt %u len %d", sep, o[i], len);
			break;
		}
		if (o[i] == OPT_MSS && len == 4)
			peer_catf(buf, size, n, "%smss %u", sep, o[i + 2] << 8 | o[i + 3]);
		else if (o[i] == OPT_WSCALE && len == 3)
			peer_catf(buf, size, n, "%swscale %u", sep, o[i + 2]);
		else if (o[i] == OPT_SACK_PERM && len == 2)
			peer_catf(buf, size, n, "%ssackOK", sep);
		else if (o[i] == OPT_TS && len == 10)
			peer_catf(buf, size, n, "%sTS val %u ecr %u", sep,
				  peer_be32(o + i + 2), peer_be32(o + i + 6));
		else
			peer_catf(buf, size, n, "%sopt-%u:%d", sep, o[i], len);
		i += len;
	}
	peer_catf(buf, size, n, ">");
}

/*
 * One line per segment, tcpdump style, sequence numbers relative to the
 * initial ones when known: "10.0.0.1:5000 > 10.0.0.2:40000 S. 0:0(0) ack 1
 * win 64240 <mss 1460>". Flags: F S R P U E W, "." for ACK. Returns a
 * buffer inside @p, overwritten by the next call.
 */
static inline const char *peer_fmt(struct peer *p, const struct seg *s)
{
	static const char letters[] = "FSRP.UEW";	/* tcpdump's */
	char flags[9], addr[2][INET_ADDRSTRLEN];
	bool from_stack = s->saddr == p->local;
	uint32_t seq = s->seq, ack = s->ack;
	size_t size = sizeof(p->fmt), n = 0;
	struct in_addr a;
	int i, k = 0;

	for (i = 0; i < 8; i++)
		if (s->flags & (1 << i))
			flags[k++] = letters[i];
	flags[k] = '\0';
	/* relative numbers for the latest connection only */
	if (from_stack ? peer_same_conn(p, s->sport, s->dport) :
			 peer_same_conn(p, s->dport, s->sport)) {
		if (from_stack ? p->stack_isn_known : p->peer_isn_known)
			seq -= from_stack ? p->stack_isn : p->peer_isn;
		if (from_stack ? p->peer_isn_known : p->stack_isn_known)
			ack -= from_stack ? p->peer_isn : p->stack_isn;
	}
	a.s_addr = s->saddr ? s->saddr : p->remote;
	inet_ntop(AF_INET, &a, addr[0], sizeof(addr[0]));
	a.s_addr = s->daddr ? s->daddr : p->local;
	inet_ntop(AF_INET, &a, addr[1], sizeof(addr[1]));

	p->fmt[0] = '\0';
	peer_catf(p->fmt, size, &n, "%s:%u > %s:%u %s %u:%u(%d)", addr[0],
		  s->sport, addr[1], s->dport, k ? flags : "none", seq,
		  seq + s->len, s->len);
	if (s->flags & SEG_ACK)
		peer_catf(p->fmt, size, &n, " ack %u", ack);
	peer_catf(p->fmt, size, &n, " win %u", s->win);
	if (s->flags & SEG_URG)
		peer_catf(p->fmt, size, &n, " urg %u", s->urg);
	seg_fmt_opts(s, p->fmt, size, &n);
	if (s->t_ns && from_stack) {
		if (!s->ip_csum_ok)
			peer_catf(p->fmt, size, &n, " [bad ip csum]");
		if (!s->csum_ok)
			peer_catf(p->fmt, size, &n, " [bad csum]");
		if (!s->hdr_ok)
			peer_catf(p->fmt, size, &n, " [bad header]");
	} else if (!from_stack) {
		if (s->doff)
			peer_catf(p->fmt, size, &n, " [doff %d]", s->doff);
		if (s->trunc)
			peer_catf(p->fmt, size, &n, " [%d bytes]", s->trunc);
		if (s->bad_csum)
			peer_catf(p->fmt, size, &n, " [bad csum]");
	}
	return p->fmt;
}

static inline void peer_trace(struct peer *p, const char *dir, const struct seg *s,
			      uint64_t t_ns)
{
	if (p->trace)
		fprintf(stderr, "#   %9.3f ms %s %s\n",
			(double)(t_ns - p->t0_ns) / 1e6, dir, peer_fmt(p, s));
}

/* --- the namespace and the TUN device ---------------------------------- */

static inline int peer_ifreq(const char *name, unsigned long req, struct ifreq *ifr)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int err;

	if (fd < 0)
		return -errno;
	strncpy(ifr->ifr_name, name, IFNAMSIZ - 1);
	err = ioctl(fd, req, ifr) ? -errno : 0;
	close(fd);
	return err;
}

static inline int peer_if_up(const char *name)
{
	struct ifreq ifr = {};
	int err = peer_ifreq(name, SIOCGIFFLAGS, &ifr);

	if (err)
		return err;
	ifr.ifr_flags |= IFF_UP;
	return peer_ifreq(name, SIOCSIFFLAGS, &ifr);
}

static inline int peer_if_addr(const char *name, unsigned long req, const char *addr)
{
	struct ifreq ifr = {};
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;

	sin->sin_family = AF_INET;
	inet_pton(AF_INET, addr, &sin->sin_addr);
	return peer_ifreq(name, req, &ifr);
}

/*
 * Move the caller into a new network namespace with lo up and xtun0
 * (10.0.0.1/24, MTU 1500, link up), and open the peer on it for IP protocol
 * @proto. IPv6 is off in the namespace: with it, the TUN device sends
 * ICMPv6 of its own within seconds of coming up. The kselftest harness
 * runs each test in a child process, so each test gets its own namespace
 * (and sysctls) from its FIXTURE_SETUP. Returns 0 or -errno.
 */
static inline int peer_open(struct peer *p, int proto)
{
	struct ifreq ifr = { .ifr_flags = IFF_TUN | IFF_NO_PI };
	int err;

	memset(p, 0, sizeof(*p));
	p->fd = -1;
	p->proto = proto;
	p->trace = getenv("PEER_TRACE") && *getenv("PEER_TRACE") == '1';
	p->t0_ns = peer_now_ns();
	inet_pton(AF_INET, PEER_LOCAL, &p->local);
	inet_pton(AF_INET, PEER_REMOTE, &p->remote);

	if (unshare(CLONE_NEWNET))
		return -errno;
	/* new devices of this namespace get no IPv6: no MLD, no DAD */
	write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	err = peer_if_up("lo");
	if (err)
		return err;

	p->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (p->fd < 0)
		return -errno;
	strncpy(ifr.ifr_name, PEER_IFNAME, IFNAMSIZ - 1);
	if (ioctl(p->fd, TUNSETIFF, &ifr))
		return -errno;
	err = peer_if_addr(PEER_IFNAME, SIOCSIFADDR, PEER_LOCAL);
	if (!err)
		err = peer_if_addr(PEER_IFNAME, SIOCSIFNETMASK, "255.255.255.0");
	if (!err)
		err = peer_if_up(PEER_IFNAME);
	if (err)
		return err;
	memset(&ifr, 0, sizeof(ifr));
	err = peer_ifreq(PEER_IFNAME, SIOCGIFMTU, &ifr);
	if (err)
		return err;
	p->mtu = ifr.ifr_mtu;
	return 0;
}

static inline void peer_close(struct peer *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}

/* Fold a 32-bit one's complement sum; result in host order, complemented. */
static inline uint16_t peer_ip_csum(const void *buf, int len)
{
	const uint8_t *b = buf;
	uint32_t sum = 0;
	int i;

	for (i = 0; i + 1 < len; i += 2)
		sum += b[i] << 8 | b[i + 1];
	if (len & 1)
		sum += b[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

/* --- sending ------------------------------------------------------------- */

/*
 * Send @s from the peer to the stack: an IPv4 header (protocol p->proto,
 * DF, TTL 64) and the segment, options padded with EOL to a multiple of 4.
 * Returns 0 or -errno.
 */
static inline int peer_send(struct peer *p, const struct seg *s)
{
	uint8_t pkt[20 + 60 + SEG_MAX_DATA] = {};
	uint8_t *th = pkt + 20;
	int optlen = (s->optlen + 3) & ~3;
	int hlen = 20 + optlen, l4len = hlen + s->len;
	uint32_t saddr = s->saddr ? s->saddr : p->remote;
	uint32_t daddr = s->daddr ? s->daddr : p->local;
	uint16_t v16, csum;
	uint32_t v32;
	struct seg sent;
	ssize_t n;

	if (s->trunc && s->trunc < l4len)
		l4len = s->trunc;

	/* IPv4 header */
	pkt[0] = 0x45;
	v16 = htons(20 + l4len);
	memcpy(pkt + 2, &v16, 2);
	v16 = htons(++p->ip_id);
	memcpy(pkt + 4, &v16, 2);
	pkt[6] = 0x40;		/* DF */
	pkt[8] = 64;
	pkt[9] = p->proto;
	memcpy(pkt + 12, &saddr, 4);
	memcpy(pkt + 16, &daddr, 4);
	v16 = htons(peer_ip_csum(pkt, 20));
	memcpy(pkt + 10, &v16, 2);

	/* the segment */
	v16 = htons(s->sport);
	memcpy(th, &v16, 2);
	v16 = htons(s->dport);
	memcpy(th + 2, &v16, 2);
	v32 = htonl(s->seq);
	memcpy(th + 4, &v32, 4);
	v32 = htonl(s->ack);
	memcpy(th + 8, &v32, 4);
	th[12] = (s->doff ? s->doff : hlen / 4) << 4;
	th[13] = s->flags;
	v16 = htons(s->win);
	memcpy(th + 14, &v16, 2);
	v16 = htons(s->urg);
	memcpy(th + 18, &v16, 2);
	memcpy(th + 20, s->opt, s->optlen);
	memcpy(th + hlen, s->data, s->len);
	csum = xtcp_csum(saddr, daddr, p->proto, th, hlen + s->len);
	if (s->bad_csum)
		csum ^= htons(0x0101);
	memcpy(th + 16, &csum, 2);

	if (s->flags & SEG_SYN) {
		peer_set_conn(p, s->dport, s->sport);
		p->peer_isn = s->seq;
		p->peer_isn_known = true;
	}
	if (p->trace) {
		sent = *s;
		sent.saddr = saddr;
		sent.daddr = daddr;
		sent.t_ns = 0;
		peer_trace(p, "peer ", &sent, peer_now_ns());
	}
	n = write(p->fd, pkt, 20 + l4len);
	if (n < 0)
		return -errno;
	return n == 20 + l4len ? 0 : -EIO;
}

/* --- receiving ----------------------------------------------------------- */

/* Parse the options of @s (already in s->opt) into s->opts, mss, ... */
static inline void seg_parse_opts(struct seg *s)
{
	const uint8_t *o = s->opt;
	int i = 0, len;

	s->opts = 0;
	s->mss = -1;
	s->wscale = -1;
	s->opt_ok = true;
	while (i < s->optlen) {
		s->opts |= OPT_BIT(o[i]);
		if (o[i] == OPT_EOL)
			break;
		if (o[i] == OPT_NOP) {
			i++;
			continue;
		}
		len = i + 1 < s->optlen ? o[i + 1] : 0;
		if (len < 2 || i + len > s->optlen) {
			s->opt_ok = false;
			break;
		}
		if (o[i] == OPT_MSS && len == 4) {
			s->mss = o[i + 2] << 8 | o[i + 3];
		} else if (o[i] == OPT_WSCALE && len == 3) {
			s->wscale = o[i + 2];
		} else if (o[i] == OPT_TS && len == 10) {
			s->tsval = peer_be32(o + i + 2);
			s->tsecr = peer_be32(o + i + 6);
		} else if (o[i] == OPT_MSS || o[i] == OPT_WSCALE || o[i] == OPT_TS ||
			   (o[i] == OPT_SACK_PERM && len != 2)) {
			s->opt_ok = false;
		}
		i += len;
	}
}

/*
 * Parse IPv4 packet @pkt of @n bytes into @s. Returns 0, or -1 for a packet
 * that is not for us (not IPv4, other protocol, fragment).
 */
static inline int peer_parse(struct peer *p, const uint8_t *pkt, int n, struct seg *s)
{
	const uint8_t *th;
	int ihl, tot, l4len, doff;

	if (n < 20 || pkt[0] >> 4 != 4)
		return -1;
	ihl = (pkt[0] & 15) * 4;
	tot = pkt[2] << 8 | pkt[3];
	if (ihl < 20 || tot < ihl || tot > n || pkt[9] != p->proto ||
	    ((pkt[6] << 8 | pkt[7]) & 0x3fff))
		return -1;

	memset(s, 0, sizeof(*s));
	memcpy(&s->saddr, pkt + 12, 4);
	memcpy(&s->daddr, pkt + 16, 4);
	s->ip_csum_ok = peer_ip_csum(pkt, ihl) == 0;
	th = pkt + ihl;
	l4len = tot - ihl;
	s->csum_ok = xtcp_csum(s->saddr, s->daddr, p->proto, th, l4len) == 0;
	s->mss = -1;
	s->wscale = -1;
	if (l4len < 20)
		return 0;	/* hdr_ok stays false */
	s->sport = th[0] << 8 | th[1];
	s->dport = th[2] << 8 | th[3];
	s->seq = peer_be32(th + 4);
	s->ack = peer_be32(th + 8);
	doff = th[12] >> 4;
	s->doff = doff;
	s->flags = th[13];
	s->win = th[14] << 8 | th[15];
	s->urg = th[18] << 8 | th[19];
	s->hdr_ok = doff >= 5 && doff * 4 <= l4len;
	if (!s->hdr_ok)
		return 0;
	s->optlen = doff * 4 - 20;
	memcpy(s->opt, th + 20, s->optlen);
	seg_parse_opts(s);
	s->len = l4len - doff * 4;
	memcpy(s->data, th + doff * 4, s->len < SEG_MAX_DATA ? s->len : SEG_MAX_DATA);
	return 0;
}

/*
 * Wait up to @timeout_ms for the next segment of p->proto the stack sends,
 * skipping any other packet. Returns 0 with @s filled in, -ETIMEDOUT, or
 * another -errno. A SYN from the stack sets p->stack_isn.
 */
static inline int peer_expect(struct peer *p, struct seg *s, int timeout_ms)
{
	uint64_t deadline = peer_now_ns() + (uint64_t)timeout_ms * 1000000;
	static uint8_t pkt[65536];
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
	int64_t left;
	ssize_t n;

	for (;;) {
		n = read(p->fd, pkt, sizeof(pkt));
		if (n < 0 && errno != EAGAIN)
			return -errno;
		if (n >= 0) {
			uint64_t now = peer_now_ns();

			if (peer_parse(p, pkt, n, s)) {
				p->skipped++;
				if (p->trace)
					fprintf(stderr, "#   %9.3f ms skipped: %zd bytes, IPv%d\n",
						(double)(now - p->t0_ns) / 1e6, n,
						n ? pkt[0] >> 4 : 0);
				continue;
			}
			s->t_ns = now;
			if ((s->flags & SEG_SYN) && s->hdr_ok) {
				peer_set_conn(p, s->sport, s->dport);
				p->stack_isn = s->seq;
				p->stack_isn_known = true;
			}
			peer_trace(p, "stack", s, now);
			return 0;
		}
		left = (int64_t)(deadline - peer_now_ns());
		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, (left + 999999) / 1000000) < 0 && errno != EINTR)
			return -errno;
	}
}

/*
 * Assert silence: 0 if the stack sends no segment of p->proto within @ms,
 * else -EEXIST with the segment in @s.
 */
static inline int peer_expect_none(struct peer *p, struct seg *s, int ms)
{
	int err = peer_expect(p, s, ms);

	if (err == -ETIMEDOUT)
		return 0;
	return err ? err : -EEXIST;
}

/* Absolute sequence numbers from relative ones (tcpdump's numbering). */
static inline uint32_t stack_seq(const struct peer *p, uint32_t rel)
{
	return p->stack_isn + rel;
}

static inline uint32_t peer_seq(const struct peer *p, uint32_t rel)
{
	return p->peer_isn + rel;
}

/* --- tunables and counters ----------------------------------------------- */

/*
 * The knobs of connection establishment (and window scaling, the floor of
 * the send MSS, the rate limit of challenge ACKs, the FIN_WAIT2 timeout),
 * by meaning; peer_knob_set() writes TCP's or xtcp's sysctl, in the
 * caller's network namespace.
 */
enum peer_knob {
	PEER_SYN_RETRIES,	/* connect(): SYN retransmissions */
	PEER_SYNACK_RETRIES,	/* listener: SYN-ACK retransmissions */
	PEER_SYN_RTO_MS,	/* first SYN/SYN-ACK RTO, doubling */
	PEER_MAX_SYN_BACKLOG,
	PEER_ABORT_ON_OVERFLOW,
	PEER_WINDOW_SCALING,	/* RFC 7323 window scale option, 0 or 1 */
	PEER_INVALID_RATELIMIT_MS, /* per socket: challenge and out-of-window ACKs */
	PEER_FIN_TIMEOUT,	/* s: an orphan's FIN_WAIT2 lifetime */
	PEER_MIN_SND_MSS,	/* floor of the peer's MSS option */
};

static inline const char *peer_knob_path(int proto, enum peer_knob k)
{
	static const char * const tcp[] = {
		[PEER_SYN_RETRIES] = "/proc/sys/net/ipv4/tcp_syn_retries",
		[PEER_SYNACK_RETRIES] = "/proc/sys/net/ipv4/tcp_synack_retries",
		[PEER_SYN_RTO_MS] = NULL,	/* TCP_TIMEOUT_INIT: 1 s, fixed */
		[PEER_MAX_SYN_BACKLOG] = "/proc/sys/net/ipv4/tcp_max_syn_backlog",
		[PEER_ABORT_ON_OVERFLOW] = "/proc/sys/net/ipv4/tcp_abort_on_overflow",
		[PEER_WINDOW_SCALING] = "/proc/sys/net/ipv4/tcp_window_scaling",
		[PEER_INVALID_RATELIMIT_MS] = "/proc/sys/net/ipv4/tcp_invalid_ratelimit",
		[PEER_FIN_TIMEOUT] = "/proc/sys/net/ipv4/tcp_fin_timeout",
		[PEER_MIN_SND_MSS] = "/proc/sys/net/ipv4/tcp_min_snd_mss",
	};
	static const char * const xtcp[] = {
		[PEER_SYN_RETRIES] = "/proc/sys/net/xtcp/syn_retries",
		[PEER_SYNACK_RETRIES] = "/proc/sys/net/xtcp/synack_retries",
		[PEER_SYN_RTO_MS] = "/proc/sys/net/xtcp/synack_timeout_ms",
		[PEER_MAX_SYN_BACKLOG] = "/proc/sys/net/xtcp/max_syn_backlog",
		[PEER_ABORT_ON_OVERFLOW] = "/proc/sys/net/xtcp/abort_on_overflow",
		[PEER_WINDOW_SCALING] = "/proc/sys/net/xtcp/window_scaling",
		[PEER_INVALID_RATELIMIT_MS] = "/proc/sys/net/xtcp/invalid_ratelimit_ms",
		[PEER_FIN_TIMEOUT] = "/proc/sys/net/xtcp/fin_timeout",
		[PEER_MIN_SND_MSS] = "/proc/sys/net/xtcp/min_snd_mss",
	};

	return proto == IPPROTO_TCP ? tcp[k] : xtcp[k];
}

/*
 * Set knob @k for @proto to @val. TCP's SYN RTO cannot be changed: asking
 * for its value (1000) succeeds, anything else is -EOPNOTSUPP. Returns 0 or
 * -errno (-ENOENT: the sysctl does not exist).
 */
static inline int peer_knob_set(int proto, enum peer_knob k, long val)
{
	const char *path = peer_knob_path(proto, k);
	char buf[32];

	if (!path)
		return val == 1000 ? 0 : -EOPNOTSUPP;
	snprintf(buf, sizeof(buf), "%ld", val);
	return write_file(path, buf);
}

/*
 * Turn off what TCP has and xtcp has not, so that both send the same
 * options (a SYN or SYN-ACK carries MSS only) and back off alike:
 * timestamps, SACK, window scaling, ECN, SYN cookies, metrics caching, and
 * 6.5+'s linear SYN timeouts; and xtcp's window scaling (a test that
 * wants it turns it on again for both). Returns 0 or the first -errno.
 */
static inline int peer_plain_tcp(void)
{
	static const char * const off[] = {
		"tcp_timestamps", "tcp_sack", "tcp_window_scaling", "tcp_ecn",
		"tcp_syncookies",
	};
	char path[96];
	unsigned int i;
	int err;

	for (i = 0; i < PEER_ARRAY_SIZE(off); i++) {
		snprintf(path, sizeof(path), "/proc/sys/net/ipv4/%s", off[i]);
		err = write_file(path, "0");
		if (err)
			return err;
	}
	err = write_file("/proc/sys/net/ipv4/tcp_no_metrics_save", "1");
	if (err)
		return err;
	err = write_file("/proc/sys/net/ipv4/tcp_syn_linear_timeouts", "0");
	if (err && err != -ENOENT)
		return err;
	/* and xtcp's window scaling, for the same SYN options */
	err = write_file("/proc/sys/net/xtcp/window_scaling", "0");
	return err == -ENOENT ? 0 : err;
}

/*
 * Counter @name ("InErrs", "InCsumErrors", ...) of @proto in the caller's
 * namespace: /proc/net/snmp's Tcp: lines for TCP, /proc/net/xtcp/snmp for
 * xtcp. -1 if missing.
 */
static inline long peer_counter(int proto, const char *name)
{
	char names[1024], values[1024], *n, *v, *sn, *sv;
	long val = -1;
	FILE *f;

	if (proto != IPPROTO_TCP)
		return xtcp_counter(name);
	f = fopen("/proc/net/snmp", "re");
	if (!f)
		return -1;
	while (fgets(names, sizeof(names), f) && fgets(values, sizeof(values), f)) {
		if (strncmp(names, "Tcp:", 4))
			continue;
		n = strtok_r(names + 4, " \n", &sn);
		v = strtok_r(values + 4, " \n", &sv);
		for (; n && v; n = strtok_r(NULL, " \n", &sn),
			       v = strtok_r(NULL, " \n", &sv))
			if (!strcmp(n, name))
				val = strtol(v, NULL, 10);
	}
	fclose(f);
	return val;
}

#endif /* XTCP_SELFTEST_PEER_H */
