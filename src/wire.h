/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The xtcp segment on the wire: TCP's header layout and options (RFC 9293
 * §3.1), parsed into and built from struct xtcp_hdr. Kernel-independent:
 * the module, the host unit tests and the fuzzer compile these files.
 *
 * All fields of struct xtcp_hdr are in host byte order; the wire is
 * big-endian and handled byte by byte here.
 */
#ifndef _XTCP_WIRE_H
#define _XTCP_WIRE_H

#include "types.h"

#define XTCP_HDR_MIN	20	/* header without options */
#define XTCP_HDR_MAX	60	/* data offset 15 */

/* Control bits, as in byte 13 of the header. */
#define XTCP_FIN	0x01
#define XTCP_SYN	0x02
#define XTCP_RST	0x04
#define XTCP_PSH	0x08
#define XTCP_ACK	0x10
#define XTCP_URG	0x20

/* Option kinds (RFC 9293 §3.2). */
#define XTCP_OPT_EOL	0
#define XTCP_OPT_NOP	1
#define XTCP_OPT_MSS	2
#define XTCP_OPTLEN_MSS	4
#define XTCP_OPT_WS	3	/* window scale, RFC 7323 §2 */
#define XTCP_OPTLEN_WS	3

/* RFC 7323 §2.3: the largest shift; larger ones received are taken as it. */
#define XTCP_WS_MAX	14

/* RFC 9293 §3.7.1: the send MSS when the peer sent no MSS option. */
#define XTCP_DEFAULT_MSS	536

/**
 * struct xtcp_hdr - a segment's header, host byte order
 * @sport: source port
 * @dport: destination port
 * @seq: sequence number
 * @ack: acknowledgment number (meaningful with XTCP_ACK)
 * @flags: control bits, XTCP_*
 * @window: window field as sent
 * @hdr_len: header length in bytes, options included (data offset * 4)
 * @mss: MSS option value, 0 if the segment carries none
 * @has_ws: the segment carries a window scale option
 * @ws: its shift count (at most XTCP_WS_MAX)
 */
struct xtcp_hdr {
	u16 sport;
	u16 dport;
	u32 seq;
	u32 ack;
	u8 flags;
	u16 window;
	u8 hdr_len;
	u16 mss;
	bool has_ws;
	u8 ws;
};

/*
 * What the ACK field of a synchronized connection's segment is (RFC 9293
 * §3.10.7.4, fifth; RFC 5961 §5.2): xtcp_ack_kind().
 */
enum xtcp_ack_kind {
	XTCP_ACK_NEW,		/* SND.UNA < SEG.ACK =< SND.NXT: news */
	XTCP_ACK_SAME,		/* SEG.ACK = SND.UNA */
	XTCP_ACK_OLD,		/* below SND.UNA, within bounds: a duplicate */
	XTCP_ACK_TOO_OLD,	/* below SND.UNA - MAX.SND.WND: refused */
	XTCP_ACK_UNSENT,	/* beyond SND.NXT: acknowledges nothing sent */
};

/* Why a header was rejected. */
enum xtcp_parse_result {
	XTCP_PARSE_OK = 0,
	XTCP_PARSE_TRUNCATED,	/* fewer bytes than the header needs */
	XTCP_PARSE_BAD_DOFF,	/* data offset below 5 */
	XTCP_PARSE_BAD_OPTION,	/* option length 0/1, or past the header */
};

enum xtcp_parse_result xtcp_parse_hdr(const u8 *buf, size_t len,
				      struct xtcp_hdr *h);
size_t xtcp_build_hdr(u8 *buf, const struct xtcp_hdr *h);
u32 xtcp_seg_len(const struct xtcp_hdr *h, u32 payload_len);
bool xtcp_rst_reply(const struct xtcp_hdr *in, u32 payload_len,
		    struct xtcp_hdr *out);
u32 xtcp_backoff_ms(u32 base_ms, unsigned int n, u32 max_ms);
u32 xtcp_select_window(u32 free, u32 keep, u32 step, u8 wscale);
u16 xtcp_snd_mss(u16 peer_mss, u16 advmss, u16 min_snd_mss);
enum xtcp_ack_kind xtcp_ack_kind(u32 ack, u32 snd_una, u32 snd_nxt,
				 u32 max_window, u64 bytes_acked);

#endif /* _XTCP_WIRE_H */
