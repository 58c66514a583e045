// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp - header and option parsing and building, and the rules that need
 * nothing but a header. Kernel-independent (see wire.h).
 */
#include "wire.h"
#include "seq.h"

static u16 get16(const u8 *p)
{
	return (u16)(p[0] << 8 | p[1]);
}

static u32 get32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

static void put16(u8 *p, u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(u8 *p, u32 v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

/**
 * xtcp_parse_hdr() - parse and check a segment's header and options
 * @buf: the segment, starting at the header
 * @len: bytes available at @buf (the whole segment)
 * @h: filled in when the header is well-formed
 *
 * RFC 9293 §3.1-3.2: the data offset must be at least 5 words and within
 * the segment; every option other than End of Option List and No-Operation
 * has a length of at least 2 that stays inside the header. Unknown options
 * are skipped by their length; an MSS or window scale option of the wrong
 * length is ignored, as Linux TCP does. A window scale above 14 is taken
 * as 14 (RFC 7323 §2.3).
 *
 * Return: XTCP_PARSE_OK or the reason the segment is malformed.
 */
enum xtcp_parse_result xtcp_parse_hdr(const u8 *buf, size_t len,
				      struct xtcp_hdr *h)
{
	size_t hlen, i;

	if (len < XTCP_HDR_MIN)
		return XTCP_PARSE_TRUNCATED;
	hlen = (size_t)(buf[12] >> 4) * 4;
	if (hlen < XTCP_HDR_MIN)
		return XTCP_PARSE_BAD_DOFF;
	if (hlen > len)
		return XTCP_PARSE_TRUNCATED;

	h->sport = get16(buf);
	h->dport = get16(buf + 2);
	h->seq = get32(buf + 4);
	h->ack = get32(buf + 8);
	h->flags = buf[13] & 0x3f;
	h->window = get16(buf + 14);
	h->hdr_len = (u8)hlen;
	h->mss = 0;
	h->has_ws = false;
	h->ws = 0;

	for (i = XTCP_HDR_MIN; i < hlen;) {
		u8 kind = buf[i], olen;

		if (kind == XTCP_OPT_EOL)
			break;
		if (kind == XTCP_OPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= hlen)
			return XTCP_PARSE_BAD_OPTION;
		olen = buf[i + 1];
		if (olen < 2 || i + olen > hlen)
			return XTCP_PARSE_BAD_OPTION;
		if (kind == XTCP_OPT_MSS && olen == XTCP_OPTLEN_MSS)
			h->mss = get16(buf + i + 2);
		if (kind == XTCP_OPT_WS && olen == XTCP_OPTLEN_WS) {
			h->has_ws = true;
			h->ws = buf[i + 2] < XTCP_WS_MAX ? buf[i + 2] : XTCP_WS_MAX;
		}
		i += olen;
	}
	return XTCP_PARSE_OK;
}

/**
 * xtcp_build_hdr() - write a header and its options
 * @buf: room for XTCP_HDR_MAX bytes
 * @h: what to write; @h->hdr_len is ignored (computed)
 *
 * Options, in Linux's order: MSS if @h->mss is set, then NOP and window
 * scale if @h->has_ws (keeping the header a multiple of 4 bytes). The
 * checksum field is left 0 for the caller to fill in.
 *
 * Return: the header length written.
 */
size_t xtcp_build_hdr(u8 *buf, const struct xtcp_hdr *h)
{
	size_t hlen = XTCP_HDR_MIN + (h->mss ? XTCP_OPTLEN_MSS : 0) +
		      (h->has_ws ? 1 + XTCP_OPTLEN_WS : 0);
	u8 *opt = buf + XTCP_HDR_MIN;

	put16(buf, h->sport);
	put16(buf + 2, h->dport);
	put32(buf + 4, h->seq);
	put32(buf + 8, h->ack);
	buf[12] = (u8)(hlen / 4) << 4;
	buf[13] = h->flags;
	put16(buf + 14, h->window);
	put16(buf + 16, 0);	/* checksum */
	put16(buf + 18, 0);	/* urgent pointer */
	if (h->mss) {
		opt[0] = XTCP_OPT_MSS;
		opt[1] = XTCP_OPTLEN_MSS;
		put16(opt + 2, h->mss);
		opt += XTCP_OPTLEN_MSS;
	}
	if (h->has_ws) {
		opt[0] = XTCP_OPT_NOP;
		opt[1] = XTCP_OPT_WS;
		opt[2] = XTCP_OPTLEN_WS;
		opt[3] = h->ws;
	}
	return hlen;
}

/**
 * xtcp_seg_len() - sequence space a segment occupies (RFC 9293 §3.4)
 * @h: its header
 * @payload_len: bytes of data
 *
 * Return: data length plus one for SYN and one for FIN.
 */
u32 xtcp_seg_len(const struct xtcp_hdr *h, u32 payload_len)
{
	return payload_len + !!(h->flags & XTCP_SYN) + !!(h->flags & XTCP_FIN);
}

/**
 * xtcp_rst_reply() - the reset answering a segment that has no connection
 * @in: header of the arriving segment (ports as received)
 * @payload_len: its data length
 * @out: the reset to send (ports swapped)
 *
 * RFC 9293 §3.10.7.1 (CLOSED): a RST is never answered. If the segment has
 * ACK, the reset is <SEQ=SEG.ACK><CTL=RST>; otherwise it is
 * <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
 *
 * Return: true if a reset must be sent.
 */
bool xtcp_rst_reply(const struct xtcp_hdr *in, u32 payload_len,
		    struct xtcp_hdr *out)
{
	if (in->flags & XTCP_RST)
		return false;
	*out = (struct xtcp_hdr){
		.sport = in->dport,
		.dport = in->sport,
		.hdr_len = XTCP_HDR_MIN,
	};
	if (in->flags & XTCP_ACK) {
		out->seq = in->ack;
		out->flags = XTCP_RST;
	} else {
		out->seq = 0;
		out->ack = in->seq + xtcp_seg_len(in, payload_len);
		out->flags = XTCP_RST | XTCP_ACK;
	}
	return true;
}

/**
 * xtcp_backoff_ms() - retransmission timeout after @n retransmissions
 * @base_ms: the first timeout
 * @n: retransmissions so far
 * @max_ms: upper bound
 *
 * Exponential backoff: base, 2*base, 4*base, ..., never above @max_ms and
 * without overflow whatever @n is.
 *
 * Return: the timeout in milliseconds.
 */
u32 xtcp_backoff_ms(u32 base_ms, unsigned int n, u32 max_ms)
{
	u64 t = base_ms;

	while (n-- && t < max_ms)
		t <<= 1;
	return t < max_ms ? (u32)t : max_ms;
}

/**
 * xtcp_select_window() - the receive window to advertise (RFC 9293 §3.8.6)
 * @free: what the free receive buffer allows, bytes
 * @keep: what is left of the window advertised last (its right edge minus
 *	RCV.NXT), 0 if it is used up
 * @step: the least the right edge may move forward: receiver silly-window
 *	avoidance (§3.8.6.2.2), a segment or a fraction of the buffer
 * @wscale: our window scale shift (RFC 7323), 0 without scaling
 *
 * Never shrinks the window (the old right edge stays when @free is less);
 * moves its right edge by @step or more, or not at all; a multiple of
 * 2^@wscale (rounded down, or up when the old edge must stay); at most what
 * the 16-bit field can carry.
 *
 * Return: the window in bytes; the field to send is it >> @wscale.
 */
u32 xtcp_select_window(u32 free, u32 keep, u32 step, u8 wscale)
{
	u32 unit = 1U << wscale;
	u32 max = (u32)0xffff << wscale;
	u32 wnd = free & ~(unit - 1);

	if (wnd < keep + step && (keep || wnd < step))
		wnd = (keep + unit - 1) & ~(unit - 1);
	return wnd < max ? wnd : max;
}

/**
 * xtcp_snd_mss() - the send MSS of a new connection
 * @peer_mss: the MSS option of the peer's SYN or SYN-ACK, 0 if it had none
 * @advmss: the MSS we announce (from the route's MTU, or XTCP_MAXSEG)
 * @min_snd_mss: the floor, net.xtcp.min_snd_mss
 *
 * RFC 9293 §3.7.1: no larger than the peer's MSS option (536 without one)
 * nor than our own. Then raised to @min_snd_mss, as Linux raises it to
 * tcp_min_snd_mss (CVE-2019-11479): a peer announcing MSS 1 must not make
 * us send data a byte at a time, each byte costing a header and a buffer.
 *
 * Return: the send MSS, bytes.
 */
u16 xtcp_snd_mss(u16 peer_mss, u16 advmss, u16 min_snd_mss)
{
	u16 mss = peer_mss ? peer_mss : XTCP_DEFAULT_MSS;

	if (mss > advmss)
		mss = advmss;
	return mss > min_snd_mss ? mss : min_snd_mss;
}

/**
 * xtcp_ack_kind() - what the ACK field of a synchronized connection's
 * segment acknowledges
 * @ack: SEG.ACK
 * @snd_una: SND.UNA
 * @snd_nxt: SND.NXT: the highest sequence number sent so far
 * @max_window: MAX.SND.WND, the largest window the peer has advertised
 * @bytes_acked: how much of our data the peer has acknowledged in all
 *
 * RFC 9293 §3.10.7.4, fifth: an ACK above SND.NXT acknowledges what was
 * never sent (the caller answers with an ACK and drops the segment); one
 * above SND.UNA acknowledges new data; one below SND.UNA is a duplicate,
 * to be ignored, and updates no window (only SND.UNA =< SEG.ACK =< SND.NXT
 * does). RFC 5961 §5.2 (blind data injection) bounds the duplicates: an
 * ACK below SND.UNA - MAX.SND.WND is refused (a challenge ACK, the
 * segment dropped). As Linux's tcp_ack(), the bound is no further back
 * than what the peer has ever acknowledged (@bytes_acked, when smaller):
 * an ACK of sequence numbers before our first byte is refused too.
 *
 * Return: enum xtcp_ack_kind.
 */
enum xtcp_ack_kind xtcp_ack_kind(u32 ack, u32 snd_una, u32 snd_nxt,
				 u32 max_window, u64 bytes_acked)
{
	u32 span = bytes_acked < max_window ? (u32)bytes_acked : max_window;

	if (xtcp_seq_after(ack, snd_nxt))
		return XTCP_ACK_UNSENT;
	if (xtcp_seq_after(ack, snd_una))
		return XTCP_ACK_NEW;
	if (ack == snd_una)
		return XTCP_ACK_SAME;
	if (xtcp_seq_before(ack, snd_una - span))
		return XTCP_ACK_TOO_OLD;
	return XTCP_ACK_OLD;
}
