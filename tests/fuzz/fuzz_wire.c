// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the header and option parser (src/wire.c, the file
 * the module compiles): any input, as a segment, must be parsed without
 * reading outside it; an accepted header lies within the segment, and
 * building it again and parsing that gives the same fields.
 *
 *	make fuzz [FUZZ_SECONDS=60]
 */
#include <stdlib.h>
#include <string.h>

#include "../../src/wire.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a copy of exactly @size bytes, so ASan sees any overread */
	u8 *seg = malloc(size ? size : 1);
	struct xtcp_hdr h, again;
	u8 buf[XTCP_HDR_MAX];
	size_t n;

	memcpy(seg, data, size);
	if (xtcp_parse_hdr(seg, size, &h) == XTCP_PARSE_OK) {
		if (h.hdr_len < XTCP_HDR_MIN || h.hdr_len > size)
			abort();
		n = xtcp_build_hdr(buf, &h);
		if (xtcp_parse_hdr(buf, n, &again) != XTCP_PARSE_OK ||
		    again.sport != h.sport || again.dport != h.dport ||
		    again.seq != h.seq || again.ack != h.ack ||
		    again.flags != h.flags || again.window != h.window ||
		    again.mss != h.mss || again.has_ws != h.has_ws ||
		    again.ws != h.ws || h.ws > XTCP_WS_MAX)
			abort();
	}
	free(seg);
	return 0;
}
