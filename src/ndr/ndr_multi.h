/* Case-insensitive (ASCII) search for many phrases in one pass over a text: the parsers
 * look for dozens of phrases in the same bounce text, and one pass that finds candidates
 * for all of them replaces one ndr_ci_find() pass per phrase. */
#ifndef MXD_NDR_MULTI_H
#define MXD_NDR_MULTI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ASCII case folding, the one ndr_multi and ndr_ci_find() compare by: a byte, and eight
 * bytes at once (load8() reads them unaligned). */
#define ASCII_LC(c) ((c) >= 'A' && (c) <= 'Z' ? (c) + 32 : (c))

static inline uint64_t
load8(const char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

/* ASCII_LC() of 8 bytes at once: bit 0x20 added to the bytes 'A'..'Z' */
static inline uint64_t
lower8(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ull;
	uint64_t h = x & (0x7f * ones);
	uint64_t upper = (h + (0x80 - 'A') * ones) & ~(h + (0x80 - 'Z' - 1) * ones) & ~x &
	    (0x80 * ones);

	return x | (upper >> 2);
}

#define NDR_MULTI_MAX	32	/* phrases per set (bits of a match mask) */
#define NDR_MULTI_FP	3	/* leading bytes that pick the candidates */
#define NDR_MULTI_LC	48	/* phrases shorter than this are compared 8 bytes at a time */

struct ndr_multi {
	const char *const *pats;	/* borrowed; each non-empty */
	size_t n;
	size_t len[NDR_MULTI_MAX];
	size_t fp;			/* bytes of fingerprint: min(NDR_MULTI_FP, shortest) */
	size_t off;			/* where in each phrase they are: shortest - fp */
	char lc[NDR_MULTI_MAX][NDR_MULTI_LC];	/* each phrase in lower case */
	uint32_t bucket[8];		/* the phrases of each bucket */
	/* bucket bits per byte position of the fingerprint: by byte (plain C), and by low
	 * and high nibble of the byte with bit 0x20 set (SSSE3) */
	uint8_t tab[NDR_MULTI_FP][256];
	uint8_t lo[NDR_MULTI_FP][16];
	uint8_t hi[NDR_MULTI_FP][16];
};

/* Prepare a set of n (1..NDR_MULTI_MAX) non-empty phrases; pats must outlive m. */
void ndr_multi_init(struct ndr_multi *m, const char *const *pats, size_t n);

/*
 * First offset >= from in t/len where a phrase starts (ASCII case folded, whole phrase
 * inside t/len), or -1. *which gets the phrases that match there (bit k: pats[k]).
 * Uses AVX2 or SSSE3 when the CPU has it; the answers never depend on that.
 */
long ndr_multi_next(const struct ndr_multi *m, const char *t, size_t len, size_t from,
    uint32_t *which);

/* Where each phrase of want (bit k: pats[k]) first starts at or after from in t/len, into
 * at[k] (NULL: nowhere), in one pass that ends once all are found; returns those found. */
uint32_t ndr_multi_first_each(const struct ndr_multi *m, const char *t, size_t len, size_t from,
    uint32_t want, const char **at);

/* The same without SIMD (the fallback). */
long ndr_multi_next_plain(const struct ndr_multi *m, const char *t, size_t len, size_t from,
    uint32_t *which);

/* The same with SIMD up to level (0: none, 1: SSSE3, 2: AVX2), never above the CPU's;
 * and the CPU's level. Tests compare the levels. */
long ndr_multi_next_level(const struct ndr_multi *m, const char *t, size_t len, size_t from,
    uint32_t *which, int level);
int ndr_multi_simd_level(void);

#endif
