// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the wire format and sequence arithmetic: src/wire.c and
 * src/seq.h, the files the module compiles.
 */
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "../../src/wire.c"
#include "seq.h"

/* A 24-byte SYN with MSS 1460 (bytes as on the wire). */
static const u8 syn_mss[] = {
	0x9c, 0x40, 0x13, 0x88,		/* 40000 -> 5000 */
	0x00, 0x00, 0x03, 0xe8,		/* seq 1000 */
	0x00, 0x00, 0x00, 0x00,		/* ack 0 */
	0x60, 0x02, 0xfa, 0xf0,		/* doff 6, SYN, window 64240 */
	0x12, 0x34, 0x00, 0x00,		/* checksum, urgent */
	0x02, 0x04, 0x05, 0xb4,		/* MSS 1460 */
};

UNIT_TEST(parse_syn_with_mss)
{
	struct xtcp_hdr h;

	CHECK(xtcp_parse_hdr(syn_mss, sizeof(syn_mss), &h) == XTCP_PARSE_OK);
	CHECK(h.sport == 40000 && h.dport == 5000);
	CHECK(h.seq == 1000 && h.ack == 0);
	CHECK(h.flags == XTCP_SYN);
	CHECK(h.window == 64240);
	CHECK(h.hdr_len == 24);
	CHECK(h.mss == 1460);
}

UNIT_TEST(build_then_parse_round_trip)
{
	struct xtcp_hdr in = {
		.sport = 1, .dport = 65535, .seq = 0xfffffff0, .ack = 7,
		.flags = XTCP_SYN | XTCP_ACK, .window = 1024, .mss = 1024,
	}, out;
	u8 buf[XTCP_HDR_MAX];
	size_t n = xtcp_build_hdr(buf, &in);

	CHECK(n == 24);
	CHECK(xtcp_parse_hdr(buf, n, &out) == XTCP_PARSE_OK);
	CHECK(out.sport == in.sport && out.dport == in.dport);
	CHECK(out.seq == in.seq && out.ack == in.ack);
	CHECK(out.flags == in.flags && out.window == in.window);
	CHECK(out.mss == 1024 && out.hdr_len == 24);
	in.mss = 0;
	CHECK(xtcp_build_hdr(buf, &in) == 20);
	CHECK(buf[12] == 0x50);
}

UNIT_TEST(parse_rejects_malformed)
{
	u8 b[40];
	struct xtcp_hdr h;

	memcpy(b, syn_mss, sizeof(syn_mss));
	CHECK(xtcp_parse_hdr(b, 19, &h) == XTCP_PARSE_TRUNCATED);
	CHECK(xtcp_parse_hdr(b, 23, &h) == XTCP_PARSE_TRUNCATED);	/* doff 6 */
	b[12] = 0x40;							/* doff 4 */
	CHECK(xtcp_parse_hdr(b, 24, &h) == XTCP_PARSE_BAD_DOFF);
	b[12] = 0x00;
	CHECK(xtcp_parse_hdr(b, 24, &h) == XTCP_PARSE_BAD_DOFF);
	b[12] = 0xf0;							/* doff 15 */
	CHECK(xtcp_parse_hdr(b, 24, &h) == XTCP_PARSE_TRUNCATED);
	b[12] = 0x60;
	b[21] = 0;							/* option len 0 */
	CHECK(xtcp_parse_hdr(b, 24, &h) == XTCP_PARSE_BAD_OPTION);
	b[21] = 1;							/* option len 1 */
	CHECK(xtcp_parse_hdr(b, 24, &h) == XTCP_PARSE_BAD_OPTION);
	b[21] = 5;							/* past header */
	CHECK(xtcp_parse_hdr(b, 24, &h) == XTCP_PARSE_BAD_OPTION);
	b[20] = 1; b[21] = 1; b[22] = 1; b[23] = 8;	/* NOPs, then kind w/o length */
	CHECK(xtcp_parse_hdr(b, 24, &h) == XTCP_PARSE_BAD_OPTION);
}

UNIT_TEST(parse_options_skipped_and_ended)
{
	u8 b[32];
	struct xtcp_hdr h;

	memcpy(b, syn_mss, 20);
	b[12] = 0x80;				/* doff 8: 12 option bytes */
	b[20] = 1;				/* NOP */
	b[21] = 3; b[22] = 3; b[23] = 7;	/* window scale 7 */
	b[24] = 2; b[25] = 4; b[26] = 0x04; b[27] = 0x00;	/* MSS 1024 */
	b[28] = 0;				/* EOL: the rest is ignored */
	b[29] = 0xff; b[30] = 0; b[31] = 0;
	CHECK(xtcp_parse_hdr(b, 32, &h) == XTCP_PARSE_OK);
	CHECK(h.mss == 1024 && h.hdr_len == 32);
	CHECK(h.has_ws && h.ws == 7);
	b[25] = 3; b[26] = 0x04;		/* MSS of length 3: ignored */
	b[27] = 1;
	CHECK(xtcp_parse_hdr(b, 32, &h) == XTCP_PARSE_OK);
	CHECK(h.mss == 0);
	b[23] = 15;				/* above 14: taken as 14 */
	CHECK(xtcp_parse_hdr(b, 32, &h) == XTCP_PARSE_OK);
	CHECK(h.has_ws && h.ws == 14);
	b[22] = 4; b[23] = 1; b[24] = 0;	/* wscale of length 4: ignored */
	b[25] = 1; b[26] = 1; b[27] = 1;
	CHECK(xtcp_parse_hdr(b, 32, &h) == XTCP_PARSE_OK);
	CHECK(!h.has_ws && h.ws == 0);
}

UNIT_TEST(build_window_scale_like_linux)
{
	struct xtcp_hdr in = {
		.sport = 5000, .dport = 40000, .seq = 1, .ack = 2,
		.flags = XTCP_SYN | XTCP_ACK, .window = 65535, .mss = 1460,
		.has_ws = true, .ws = 7,
	}, out;
	static const u8 opts[] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 7 };
	u8 buf[XTCP_HDR_MAX];
	size_t n = xtcp_build_hdr(buf, &in);

	/* MSS, NOP, WS: the order and padding Linux TCP sends */
	CHECK(n == 28 && buf[12] == 0x70);
	CHECK(!memcmp(buf + 20, opts, sizeof(opts)));
	CHECK(xtcp_parse_hdr(buf, n, &out) == XTCP_PARSE_OK);
	CHECK(out.mss == 1460 && out.has_ws && out.ws == 7);
	in.mss = 0;				/* WS alone: NOP, WS */
	CHECK(xtcp_build_hdr(buf, &in) == 24);
	CHECK(buf[20] == 1 && buf[21] == 3 && buf[22] == 3 && buf[23] == 7);
}

UNIT_TEST(select_window_rules)
{
	/* fresh: what the buffer allows, rounded down to the scale unit */
	CHECK(xtcp_select_window(65536, 0, 1460, 0) == 65535);
	CHECK(xtcp_select_window(100000, 0, 1460, 7) == 99968);
	/* never shrinks: less free space keeps the old right edge */
	CHECK(xtcp_select_window(1000, 5000, 1460, 0) == 5000);
	CHECK(xtcp_select_window(1000, 5000, 1460, 7) == 5120);
	/* silly-window avoidance: the edge moves by a step or not at all */
	CHECK(xtcp_select_window(6000, 5000, 1460, 0) == 5000);
	CHECK(xtcp_select_window(6460, 5000, 1460, 0) == 6460);
	CHECK(xtcp_select_window(1000, 0, 1460, 0) == 0);
	CHECK(xtcp_select_window(1460, 0, 1460, 0) == 1460);
	/* the field's limit: 65535 << shift */
	CHECK(xtcp_select_window(1U << 30, 0, 1460, 7) == 65535U << 7);
	CHECK(xtcp_select_window(1U << 31, 0, 1460, 14) == 65535U << 14);
}

UNIT_TEST(rst_reply_rules)
{
	struct xtcp_hdr in = { .sport = 40000, .dport = 5000, .seq = 100,
			       .ack = 777, .flags = XTCP_SYN }, out;

	/* no ACK: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>, SYN counts */
	CHECK(xtcp_rst_reply(&in, 0, &out));
	CHECK(out.flags == (XTCP_RST | XTCP_ACK) && out.seq == 0 && out.ack == 101);
	CHECK(out.sport == 5000 && out.dport == 40000);
	in.flags = XTCP_FIN;
	CHECK(xtcp_rst_reply(&in, 10, &out) && out.ack == 111);
	/* ACK: <SEQ=SEG.ACK><CTL=RST> */
	in.flags = XTCP_ACK | XTCP_PSH;
	CHECK(xtcp_rst_reply(&in, 10, &out));
	CHECK(out.flags == XTCP_RST && out.seq == 777);
	/* never answer a reset */
	in.flags = XTCP_RST | XTCP_ACK;
	CHECK(!xtcp_rst_reply(&in, 0, &out));
	in.seq = 0xffffffff;
	in.flags = XTCP_SYN | XTCP_FIN;
	CHECK(xtcp_rst_reply(&in, 0, &out) && out.ack == 1);	/* wraps */
}

UNIT_TEST(backoff_doubles_and_caps)
{
	CHECK(xtcp_backoff_ms(1000, 0, 120000) == 1000);
	CHECK(xtcp_backoff_ms(1000, 1, 120000) == 2000);
	CHECK(xtcp_backoff_ms(100, 5, 120000) == 3200);
	CHECK(xtcp_backoff_ms(1000, 7, 120000) == 120000);
	CHECK(xtcp_backoff_ms(120000, 1000000, 120000) == 120000);
	CHECK(xtcp_backoff_ms(1, 255, 120000) == 120000);
}

/* RFC 9293 §3.7.1, then Linux's tcp_min_snd_mss floor (CVE-2019-11479). */
UNIT_TEST(snd_mss_rules)
{
	/* the smaller of the peer's option and ours; 536 without an option */
	CHECK(xtcp_snd_mss(1000, 1460, 48) == 1000);
	CHECK(xtcp_snd_mss(9000, 1460, 48) == 1460);
	CHECK(xtcp_snd_mss(0, 1460, 48) == XTCP_DEFAULT_MSS);
	CHECK(xtcp_snd_mss(0, 88, 48) == 88);
	/* never below the floor, even below our own MSS */
	CHECK(xtcp_snd_mss(1, 1460, 48) == 48);
	CHECK(xtcp_snd_mss(47, 1460, 48) == 48);
	CHECK(xtcp_snd_mss(48, 1460, 48) == 48);
	CHECK(xtcp_snd_mss(49, 1460, 48) == 49);
	CHECK(xtcp_snd_mss(1, 1460, 100) == 100);
	CHECK(xtcp_snd_mss(1000, 88, 100) == 100);
	CHECK(xtcp_snd_mss(65535, 65535, 65535) == 65535);
}

/* RFC 9293 §3.10.7.4 (fifth) and RFC 5961 §5.2, as Linux's tcp_ack(). */
UNIT_TEST(ack_kind_rules)
{
	const u32 una = 10000, nxt = 12000, win = 4000;

	CHECK(xtcp_ack_kind(una + 1, una, nxt, win, 1 << 20) == XTCP_ACK_NEW);
	CHECK(xtcp_ack_kind(nxt, una, nxt, win, 1 << 20) == XTCP_ACK_NEW);
	CHECK(xtcp_ack_kind(nxt + 1, una, nxt, win, 1 << 20) == XTCP_ACK_UNSENT);
	CHECK(xtcp_ack_kind(una, una, nxt, win, 1 << 20) == XTCP_ACK_SAME);
	CHECK(xtcp_ack_kind(una, una, una, win, 0) == XTCP_ACK_SAME);
	/* below SND.UNA: a duplicate down to SND.UNA - MAX.SND.WND */
	CHECK(xtcp_ack_kind(una - 1, una, nxt, win, 1 << 20) == XTCP_ACK_OLD);
	CHECK(xtcp_ack_kind(una - win, una, nxt, win, 1 << 20) == XTCP_ACK_OLD);
	CHECK(xtcp_ack_kind(una - win - 1, una, nxt, win, 1 << 20) ==
	      XTCP_ACK_TOO_OLD);
	CHECK(xtcp_ack_kind(una - (1U << 29), una, nxt, win, 1 << 20) ==
	      XTCP_ACK_TOO_OLD);
	/* ... and no further back than what was ever acknowledged */
	CHECK(xtcp_ack_kind(una - 100, una, nxt, win, 100) == XTCP_ACK_OLD);
	CHECK(xtcp_ack_kind(una - 101, una, nxt, win, 100) == XTCP_ACK_TOO_OLD);
	CHECK(xtcp_ack_kind(una - 1, una, nxt, win, 0) == XTCP_ACK_TOO_OLD);
	CHECK(xtcp_ack_kind(una - 1, una, nxt, 0, 1 << 20) == XTCP_ACK_TOO_OLD);
	/* across the wrap of the sequence space */
	CHECK(xtcp_ack_kind(0xfffffff0, 0x10, 0x100, win, 1ULL << 40) ==
	      XTCP_ACK_OLD);
	CHECK(xtcp_ack_kind(0x10, 0xfffffff0, 0x100, win, 1ULL << 40) ==
	      XTCP_ACK_NEW);
	CHECK(xtcp_ack_kind(0x101, 0xfffffff0, 0x100, win, 1ULL << 40) ==
	      XTCP_ACK_UNSENT);
	CHECK(xtcp_ack_kind(0xfffffff0 - win - 1, 0xfffffff0, 0x100, win,
			    1ULL << 40) == XTCP_ACK_TOO_OLD);
}

UNIT_TEST(seq_arithmetic_wraps)
{
	CHECK(xtcp_seq_before(1, 2) && !xtcp_seq_before(2, 1));
	CHECK(xtcp_seq_before(0xfffffff0, 0x10));
	CHECK(xtcp_seq_after(0x10, 0xfffffff0));
	CHECK(!xtcp_seq_before(5, 5) && !xtcp_seq_after(5, 5));
	CHECK(xtcp_seq_between(0, 0xfffffffe, 2));
	CHECK(xtcp_seq_between(5, 5, 5));
	CHECK(!xtcp_seq_between(3, 5, 10));
}

/*
 * Random headers: parsing never reads past the buffer (ASan watches), and a
 * header it accepts lies within the segment.
 */
UNIT_TEST(parse_random_input_is_safe)
{
	unsigned int i, seed = 1;

	for (i = 0; i < 200000; i++) {
		size_t len = (seed = seed * 1103515245 + 12345) % 64, j;
		u8 *b = malloc(len ? len : 1);
		struct xtcp_hdr h;

		for (j = 0; j < len; j++)
			b[j] = (seed = seed * 1103515245 + 12345) >> 16;
		if (len > 12 && (i & 1))
			b[12] = (u8)((5 + i % 11) << 4);
		if (xtcp_parse_hdr(b, len, &h) == XTCP_PARSE_OK)
			CHECK(h.hdr_len >= XTCP_HDR_MIN && h.hdr_len <= len);
		free(b);
	}
}

int main(void)
{
	return unit_run();
}
