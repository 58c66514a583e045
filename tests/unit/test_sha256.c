// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the selftests' SHA-256 (selftests/xtcp_sha256.h):
 * the FIPS 180-4 / NIST example messages ("abc", the 448-bit message, one
 * million 'a'), the message lengths where the padding needs a second
 * block, the same digest whatever the pieces given to sha256_update(), and
 * the constants derived from their definition (§4.2.2, §5.3.3) with exact
 * integer roots.
 */
#include <stdlib.h>

#include "unit.h"
#include "../../selftests/xtcp_sha256.h"

/* Does the digest of @len bytes at @msg read as @hex? */
static int digest_is(const void *msg, size_t len, const char *hex)
{
	uint8_t md[SHA256_DIGEST_SIZE];
	char got[2 * SHA256_DIGEST_SIZE + 1];

	sha256(msg, len, md);
	sha256_hex(md, got);
	if (strcmp(got, hex)) {
		printf("# got      %s\n# expected %s\n", got, hex);
		return 0;
	}
	return 1;
}

/* FIPS 180-4 examples (NIST CSRC "SHA256.pdf"): one block, "abc". */
UNIT_TEST(nist_abc)
{
	CHECK(digest_is("abc", 3,
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
}

/* The 448-bit message: its padding fills a second block. */
UNIT_TEST(nist_448_bits)
{
	const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

	CHECK(strlen(m) * 8 == 448);
	CHECK(digest_is(m, strlen(m),
		"248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
}

/* One million 'a', in one call and in pieces of 1000 (NIST's long message). */
UNIT_TEST(nist_million_a)
{
	static const char *want =
		"cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
	uint8_t md[SHA256_DIGEST_SIZE];
	char hex[2 * SHA256_DIGEST_SIZE + 1];
	struct sha256 ctx;
	char *m = malloc(1000000);
	int i;

	CHECK(m != NULL);
	if (!m)
		return;
	memset(m, 'a', 1000000);
	CHECK(digest_is(m, 1000000, want));
	sha256_init(&ctx);
	for (i = 0; i < 1000; i++)
		sha256_update(&ctx, m, 1000);
	sha256_final(&ctx, md);
	CHECK(!strcmp(sha256_hex(md, hex), want));
	free(m);
}

/* The empty message: a padding block only. */
UNIT_TEST(empty_message)
{
	CHECK(digest_is("", 0,
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
}

/*
 * Runs of 'a' whose padding ends each way: the length fits in the last
 * block (55, 119), needs another (56, 63, 120), or the message fills whole
 * blocks (64). Expected digests from an independent implementation
 * (coreutils sha256sum).
 */
UNIT_TEST(padding_boundaries)
{
	static const struct {
		size_t len;
		const char *hex;
	} v[] = {
		{ 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318" },
		{ 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a" },
		{ 63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34" },
		{ 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb" },
		{ 65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0" },
		{ 119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb" },
		{ 120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c" },
	};
	char a[128];
	size_t i;

	memset(a, 'a', sizeof(a));
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		if (!digest_is(a, v[i].len, v[i].hex)) {
			printf("# length %zu\n", v[i].len);
			CHECK(0);
		}
	}
}

/*
 * Every split of a 200-byte message into two or three update() calls gives
 * the one-call digest, for every length 0..200 (so every padding case:
 * 55, 56, 63 and 64 bytes in the last block); a zero-length update changes
 * nothing.
 */
UNIT_TEST(pieces_make_no_difference)
{
	uint8_t msg[200], whole[SHA256_DIGEST_SIZE], md[SHA256_DIGEST_SIZE];
	struct sha256 ctx;
	size_t len, i, j;
	int bad = 0;

	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 131 + 7);
	for (len = 0; len <= sizeof(msg); len++) {
		sha256(msg, len, whole);
		for (i = 0; i <= len; i++) {
			j = i + (len - i) / 3;
			sha256_init(&ctx);
			sha256_update(&ctx, msg, i);
			sha256_update(&ctx, msg + i, 0);
			sha256_update(&ctx, msg + i, j - i);
			sha256_update(&ctx, msg + j, len - j);
			sha256_final(&ctx, md);
			bad += !!memcmp(md, whole, sizeof(md));
		}
	}
	CHECK(bad == 0);
}

/* Distinct lengths of the same bytes give distinct digests. */
UNIT_TEST(length_is_hashed)
{
	uint8_t zeros[128] = { 0 }, a[SHA256_DIGEST_SIZE], b[SHA256_DIGEST_SIZE];
	size_t len;
	int same = 0;

	for (len = 0; len < sizeof(zeros); len++) {
		sha256(zeros, len, a);
		sha256(zeros, len + 1, b);
		same += !memcmp(a, b, sizeof(a));
	}
	CHECK(same == 0);
}

/* The first 64 primes, by trial division. */
static void primes(unsigned int *p, int n)
{
	unsigned int c, d;
	int k = 0;

	for (c = 2; k < n; c++) {
		for (d = 2; d * d <= c && c % d; d++)
			;
		if (d * d > c)
			p[k++] = c;
	}
}

/*
 * floor(root(p) * 2^32) with root the @e-th root (2 or 3), exactly: the
 * largest x with x^e <= p * 2^(32 e), by bisection in 128-bit integers.
 */
static unsigned __int128 scaled_root(unsigned int p, int e)
{
	unsigned __int128 target = (unsigned __int128)p << (32 * e);
	unsigned __int128 lo = 0, hi = (unsigned __int128)1 << 40, mid, pow;

	while (hi - lo > 1) {
		mid = (lo + hi) / 2;
		pow = e == 2 ? mid * mid : mid * mid * mid;
		if (pow <= target)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* The constants are what §4.2.2 and §5.3.3 define them to be. */
UNIT_TEST(constants_from_definition)
{
	unsigned int p[64];
	int i, bad_k = 0, bad_h = 0;

	primes(p, 64);
	CHECK(p[0] == 2 && p[7] == 19 && p[63] == 311);
	for (i = 0; i < 64; i++)
		bad_k += (uint32_t)scaled_root(p[i], 3) != sha256_k[i];
	for (i = 0; i < 8; i++)
		bad_h += (uint32_t)scaled_root(p[i], 2) != sha256_h0[i];
	CHECK(bad_k == 0);
	CHECK(bad_h == 0);
}

int main(void)
{
	return unit_run();
}
