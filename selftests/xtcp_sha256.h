/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SHA-256 as FIPS 180-4 specifies it (sections 4.1.2, 4.2.2, 5.1.1, 5.3.3,
 * 6.2), for the selftests to compare what one end sent with what the other
 * received. Written for this project from the standard, byte-oriented and
 * unoptimised; tests/unit/test_sha256.c checks it against the standard's
 * examples and derives its constants.
 *
 *	struct sha256 ctx;
 *	uint8_t md[SHA256_DIGEST_SIZE];
 *
 *	sha256_init(&ctx);
 *	sha256_update(&ctx, data, len);		(as often as needed)
 *	sha256_final(&ctx, md);
 */
#ifndef XTCP_SHA256_H
#define XTCP_SHA256_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define SHA256_DIGEST_SIZE	32
#define SHA256_BLOCK_SIZE	64

struct sha256 {
	uint32_t h[8];		/* intermediate hash value H(i) */
	uint64_t bytes;		/* message length so far */
	uint8_t block[SHA256_BLOCK_SIZE];	/* partial block */
	size_t used;		/* bytes in block[] */
};

/*
 * §4.2.2: the first 32 bits of the fractional parts of the cube roots of
 * the first 64 primes.
 */
static const uint32_t sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5,
	0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
	0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
	0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5,
	0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

/*
 * §5.3.3: the first 32 bits of the fractional parts of the square roots of
 * the first 8 primes.
 */
static const uint32_t sha256_h0[8] = {
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

static inline uint32_t sha256_rotr(uint32_t x, unsigned int n)
{
	return (x >> n) | (x << (32 - n));
}

/* §4.1.2, functions (4.2) to (4.7) */
static inline uint32_t sha256_ch(uint32_t x, uint32_t y, uint32_t z)
{
	return (x & y) ^ (~x & z);
}

static inline uint32_t sha256_maj(uint32_t x, uint32_t y, uint32_t z)
{
	return (x & y) ^ (x & z) ^ (y & z);
}

static inline uint32_t sha256_bsig0(uint32_t x)
{
	return sha256_rotr(x, 2) ^ sha256_rotr(x, 13) ^ sha256_rotr(x, 22);
}

static inline uint32_t sha256_bsig1(uint32_t x)
{
	return sha256_rotr(x, 6) ^ sha256_rotr(x, 11) ^ sha256_rotr(x, 25);
}

static inline uint32_t sha256_ssig0(uint32_t x)
{
	return sha256_rotr(x, 7) ^ sha256_rotr(x, 18) ^ (x >> 3);
}

static inline uint32_t sha256_ssig1(uint32_t x)
{
	return sha256_rotr(x, 17) ^ sha256_rotr(x, 19) ^ (x >> 10);
}

/* §6.2.2: process one 512-bit block M(i). */
static inline void sha256_block(struct sha256 *ctx, const uint8_t *m)
{
	uint32_t w[64], a, b, c, d, e, f, g, h, t1, t2;
	int t;

	/* 1. the message schedule; words are big-endian (§3.1) */
	for (t = 0; t < 16; t++)
		w[t] = (uint32_t)m[4 * t] << 24 | (uint32_t)m[4 * t + 1] << 16 |
		       (uint32_t)m[4 * t + 2] << 8 | m[4 * t + 3];
	for (t = 16; t < 64; t++)
		w[t] = sha256_ssig1(w[t - 2]) + w[t - 7] +
		       sha256_ssig0(w[t - 15]) + w[t - 16];
	/* 2. the working variables */
	a = ctx->h[0];
	b = ctx->h[1];
	c = ctx->h[2];
	d = ctx->h[3];
	e = ctx->h[4];
	f = ctx->h[5];
	g = ctx->h[6];
	h = ctx->h[7];
	/* 3. 64 rounds */
	for (t = 0; t < 64; t++) {
		t1 = h + sha256_bsig1(e) + sha256_ch(e, f, g) + sha256_k[t] + w[t];
		t2 = sha256_bsig0(a) + sha256_maj(a, b, c);
		h = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	/* 4. the next intermediate hash value */
	ctx->h[0] += a;
	ctx->h[1] += b;
	ctx->h[2] += c;
	ctx->h[3] += d;
	ctx->h[4] += e;
	ctx->h[5] += f;
	ctx->h[6] += g;
	ctx->h[7] += h;
}

static inline void sha256_init(struct sha256 *ctx)
{
	memcpy(ctx->h, sha256_h0, sizeof(ctx->h));
	ctx->bytes = 0;
	ctx->used = 0;
}

static inline void sha256_update(struct sha256 *ctx, const void *data,
				 size_t len)
{
	const uint8_t *p = data;
	size_t n;

	ctx->bytes += len;
	if (ctx->used) {
		n = SHA256_BLOCK_SIZE - ctx->used;
		if (n > len)
			n = len;
		memcpy(ctx->block + ctx->used, p, n);
		ctx->used += n;
		p += n;
		len -= n;
		if (ctx->used < SHA256_BLOCK_SIZE)
			return;
		sha256_block(ctx, ctx->block);
		ctx->used = 0;
	}
	for (; len >= SHA256_BLOCK_SIZE; p += SHA256_BLOCK_SIZE,
	     len -= SHA256_BLOCK_SIZE)
		sha256_block(ctx, p);
	memcpy(ctx->block, p, len);
	ctx->used = len;
}

/*
 * §5.1.1: append the bit "1", then zeros up to 448 mod 512 bits, then the
 * message length in bits as a 64-bit big-endian integer; §6.2.2: the digest
 * is H(N) in big-endian order.
 */
static inline void sha256_final(struct sha256 *ctx,
				uint8_t md[SHA256_DIGEST_SIZE])
{
	uint64_t bits = ctx->bytes * 8;
	int i;

	ctx->block[ctx->used++] = 0x80;
	if (ctx->used > SHA256_BLOCK_SIZE - 8) {
		memset(ctx->block + ctx->used, 0, SHA256_BLOCK_SIZE - ctx->used);
		sha256_block(ctx, ctx->block);
		ctx->used = 0;
	}
	memset(ctx->block + ctx->used, 0, SHA256_BLOCK_SIZE - 8 - ctx->used);
	for (i = 0; i < 8; i++)
		ctx->block[SHA256_BLOCK_SIZE - 1 - i] = (uint8_t)(bits >> (8 * i));
	sha256_block(ctx, ctx->block);
	for (i = 0; i < 8; i++) {
		md[4 * i] = (uint8_t)(ctx->h[i] >> 24);
		md[4 * i + 1] = (uint8_t)(ctx->h[i] >> 16);
		md[4 * i + 2] = (uint8_t)(ctx->h[i] >> 8);
		md[4 * i + 3] = (uint8_t)ctx->h[i];
	}
	ctx->used = 0;
}

/* The digest of @len bytes at @data, in one call. */
static inline void sha256(const void *data, size_t len,
			  uint8_t md[SHA256_DIGEST_SIZE])
{
	struct sha256 ctx;

	sha256_init(&ctx);
	sha256_update(&ctx, data, len);
	sha256_final(&ctx, md);
}

/* @md as 64 lowercase hex digits and a NUL, in @hex (65 bytes). */
static inline char *sha256_hex(const uint8_t md[SHA256_DIGEST_SIZE],
			       char hex[2 * SHA256_DIGEST_SIZE + 1])
{
	static const char digits[] = "0123456789abcdef";
	int i;

	for (i = 0; i < SHA256_DIGEST_SIZE; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[2 * SHA256_DIGEST_SIZE] = '\0';
	return hex;
}

#endif /* XTCP_SHA256_H */
