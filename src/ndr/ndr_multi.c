/* Case-insensitive (ASCII) search for many phrases in one pass over a text.
 *
 * The phrases are spread over 8 buckets. fp bytes of each phrase, the same window
 * [off, off + fp) of all of them, pick the candidates: at each offset of the text, the
 * buckets whose phrases have those bytes there (plain C: a table per byte; SSSE3 and
 * AVX2: 16 or 32 offsets at a time from tables indexed by each byte's low and high
 * nibble, "Teddy" as in Hyperscan, then the byte tables); each candidate is then compared
 * in full. Candidates may be false, never missing, so all ways give the same answers.
 * The window is the last one all phrases have: their first bytes are often alike
 * ("-----", "the "), their middles less so. */
#include "config.h"

#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_TEDDY 1
#endif

#include "ndr_multi.h"

/* Phrases with the same window bytes share a bucket (their candidates are the same
 * offsets); the others take the buckets in turn. */
static size_t
bucket_of(const struct ndr_multi *m, size_t k, size_t *next_bucket)
{
	size_t i, j, b;

	for (i = 0; i < k; i++) {
		for (j = m->off; j < m->off + m->fp; j++)
			if (ASCII_LC((unsigned char)m->pats[i][j]) !=
			    ASCII_LC((unsigned char)m->pats[k][j]))
				break;
		for (b = 0; j == m->off + m->fp && b < 8; b++)
			if (m->bucket[b] & (1u << i))
				return b;
	}
	return (*next_bucket)++ % 8;
}

/* Add bucket bit to the tables of byte j of the window for phrase byte p (ASCII case
 * folded). */
static void
window_byte(struct ndr_multi *m, size_t j, unsigned char p, uint8_t bit)
{
	unsigned char f = (unsigned char)(p | 0x20);

	m->tab[j][p] |= bit;
	if (ASCII_LC(p) != p || (p >= 'a' && p <= 'z'))
		m->tab[j][p ^ 0x20] |= bit;	/* the other case of a letter */
	/* SSSE3 folds each byte by setting 0x20 (letters to lower case, other bytes to
	 * false candidates only) */
	m->lo[j][f & 0x0f] |= bit;
	m->hi[j][f >> 4] |= bit;
}

void
ndr_multi_init(struct ndr_multi *m, const char *const *pats, size_t n)
{
	size_t k, j, shortest = (size_t)-1, next_bucket = 0;

	memset(m, 0, sizeof(*m));
	m->pats = pats;
	m->n = n > NDR_MULTI_MAX ? NDR_MULTI_MAX : n;
	for (k = 0; k < m->n; k++) {
		m->len[k] = strlen(pats[k]);
		if (m->len[k] < shortest)
			shortest = m->len[k];
	}
	if (m->n == 0 || shortest == 0) {
		m->n = 0;
		return;
	}
	m->fp = shortest < NDR_MULTI_FP ? shortest : NDR_MULTI_FP;
	m->off = shortest - m->fp;
	for (k = 0; k < m->n; k++) {
		size_t b = bucket_of(m, k, &next_bucket);

		m->bucket[b] |= 1u << k;
		for (j = 0; j < m->len[k] && j + 1 < NDR_MULTI_LC; j++)
			m->lc[k][j] = (char)ASCII_LC((unsigned char)pats[k][j]);
		for (j = 0; j < m->fp; j++)
			window_byte(m, j, (unsigned char)pats[k][m->off + j], (uint8_t)(1u << b));
	}
	/* past fp (phrases that short) every byte matches */
	for (j = m->fp; j < NDR_MULTI_FP; j++) {
		memset(m->tab[j], 0xff, sizeof(m->tab[j]));
		memset(m->lo[j], 0xff, sizeof(m->lo[j]));
		memset(m->hi[j], 0xff, sizeof(m->hi[j]));
	}
}

static bool
ci_at(const char *h, const char *needle, size_t nl)
{
	size_t k;

	for (k = 0; k < nl; k++) {
		unsigned char a = (unsigned char)h[k], b = (unsigned char)needle[k];

		if (ASCII_LC(a) != ASCII_LC(b))
			return false;
	}
	return true;
}

/* Does phrase k start at t (which has room for it)? 8 bytes at a time: candidates often
 * share many bytes with a phrase ("original message ..."). */
static bool
phrase_at(const struct ndr_multi *m, size_t k, const char *t)
{
	size_t nl = m->len[k], i;

	if (nl >= 4 && nl < 8) {
		/* the first 4 and the last 4, overlapping */
		uint32_t a, b, x, y;

		memcpy(&a, t, 4);
		memcpy(&b, t + nl - 4, 4);
		memcpy(&x, m->lc[k], 4);
		memcpy(&y, m->lc[k] + nl - 4, 4);
		return (uint32_t)lower8(a) == x && (uint32_t)lower8(b) == y;
	}
	if (nl < 8 || nl >= NDR_MULTI_LC)
		return ci_at(t, m->pats[k], nl);
	for (i = 0; i + 8 <= nl; i += 8)
		if (lower8(load8(t + i)) != load8(m->lc[k] + i))
			return false;
	/* the last bytes: the 8 that end the phrase (overlapping the ones before) */
	return i == nl || lower8(load8(t + nl - 8)) == load8(m->lc[k] + nl - 8);
}

/* The phrases of the candidate buckets that really start at offset at. */
static uint32_t
verify(const struct ndr_multi *m, const char *t, size_t len, size_t at, unsigned buckets)
{
	uint32_t which = 0;

	while (buckets != 0) {
		uint32_t ks = m->bucket[__builtin_ctz(buckets)];

		buckets &= buckets - 1;
		while (ks != 0) {
			unsigned k = (unsigned)__builtin_ctz(ks);

			ks &= ks - 1;
			if (m->len[k] <= len - at && phrase_at(m, k, t + at))
				which |= 1u << k;
		}
	}
	return which;
}

/* The buckets whose phrases have the window bytes of a phrase starting at t, by the byte
 * tables: the nibble tables also pass bytes that mix two phrases' nibbles. */
static inline unsigned
exact_buckets(const struct ndr_multi *m, const char *t)
{
	const unsigned char *u = (const unsigned char *)t + m->off;

	return (unsigned)(m->tab[0][u[0]] & m->tab[1][u[1]] & m->tab[2][u[2]]);
}

long
ndr_multi_next_plain(const struct ndr_multi *m, const char *t, size_t len, size_t from,
    uint32_t *which)
{
	const unsigned char *u = (const unsigned char *)t + m->off;
	size_t p;

	*which = 0;
	if (m->n == 0 || len < m->off + m->fp)
		return -1;
	/* p: where a phrase would start; its window is u[p..] */
	for (p = from; p <= len - m->off - m->fp; p++) {
		unsigned b = m->tab[0][u[p]];

		if (b != 0 && m->fp > 1)
			b &= m->tab[1][u[p + 1]];
		if (b != 0 && m->fp > 2)
			b &= m->tab[2][u[p + 2]];
		if (b != 0 && (*which = verify(m, t, len, p, b)) != 0)
			return (long)p;
	}
	return -1;
}

#ifdef HAVE_TEDDY
/* The buckets of the 16 windows at w..w+15 for their byte j. */
__attribute__((target("ssse3"))) static inline __m128i
teddy_byte(const struct ndr_multi *m, const char *w, size_t j)
{
	const __m128i nib = _mm_set1_epi8(0x0f);
	__m128i x = _mm_or_si128(_mm_loadu_si128((const __m128i *)(const void *)(w + j)),
	    _mm_set1_epi8(0x20));
	__m128i lo = _mm_loadu_si128((const __m128i *)(const void *)m->lo[j]);
	__m128i hi = _mm_loadu_si128((const __m128i *)(const void *)m->hi[j]);

	return _mm_and_si128(_mm_shuffle_epi8(lo, _mm_and_si128(x, nib)),
	    _mm_shuffle_epi8(hi, _mm_and_si128(_mm_srli_epi16(x, 4), nib)));
}

/* The candidates of a block (bit o: a phrase may start at p + o) checked in order. */
static long
block_verify(const struct ndr_multi *m, const char *t, size_t len, size_t p, uint32_t mask,
    uint32_t *which)
{
	for (; mask != 0; mask &= mask - 1) {
		size_t at = p + (size_t)__builtin_ctz(mask);
		unsigned b = exact_buckets(m, t + at);

		if (b != 0 && (*which = verify(m, t, len, at, b)) != 0)
			return (long)at;
	}
	return -1;
}

__attribute__((target("ssse3"))) static long
next_ssse3(const struct ndr_multi *m, const char *t, size_t len, size_t from,
    uint32_t *which)
{
	size_t p = from;	/* where the block's first phrase would start */

	*which = 0;
	if (m->n == 0)
		return -1;
	/* a block reads the windows' bytes p+off .. p+off+15+NDR_MULTI_FP-1, all inside
	 * t/len; the tail is the plain loop's */
	while (len >= m->off + NDR_MULTI_FP + 15 && p <= len - m->off - NDR_MULTI_FP - 15) {
		const char *w = t + p + m->off;
		__m128i c = _mm_and_si128(_mm_and_si128(teddy_byte(m, w, 0),
		    teddy_byte(m, w, 1)), teddy_byte(m, w, 2));
		uint32_t mask = 0xffffu ^ (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(c,
		    _mm_setzero_si128()));
		long at = mask != 0 ? block_verify(m, t, len, p, mask, which) : -1;

		if (at >= 0)
			return at;
		p += 16;
	}
	return ndr_multi_next_plain(m, t, len, p, which);
}

/* The same as teddy_byte() for 32 windows (the nibble tables in both halves). */
__attribute__((target("avx2"))) static inline __m256i
teddy_byte32(const struct ndr_multi *m, const char *w, size_t j)
{
	const __m256i nib = _mm256_set1_epi8(0x0f);
	__m256i x = _mm256_or_si256(_mm256_loadu_si256((const __m256i *)(const void *)(w + j)),
	    _mm256_set1_epi8(0x20));
	__m256i lo = _mm256_broadcastsi128_si256(_mm_loadu_si128(
	    (const __m128i *)(const void *)m->lo[j]));
	__m256i hi = _mm256_broadcastsi128_si256(_mm_loadu_si128(
	    (const __m128i *)(const void *)m->hi[j]));

	return _mm256_and_si256(_mm256_shuffle_epi8(lo, _mm256_and_si256(x, nib)),
	    _mm256_shuffle_epi8(hi, _mm256_and_si256(_mm256_srli_epi16(x, 4), nib)));
}

__attribute__((target("avx2"))) static long
next_avx2(const struct ndr_multi *m, const char *t, size_t len, size_t from,
    uint32_t *which)
{
	size_t p = from;

	*which = 0;
	if (m->n == 0)
		return -1;
	/* 32 windows a block, reading up to p+off+31+NDR_MULTI_FP-1; the SSSE3 loop
	 * takes the tail */
	while (len >= m->off + NDR_MULTI_FP + 31 && p <= len - m->off - NDR_MULTI_FP - 31) {
		const char *w = t + p + m->off;
		__m256i c = _mm256_and_si256(_mm256_and_si256(teddy_byte32(m, w, 0),
		    teddy_byte32(m, w, 1)), teddy_byte32(m, w, 2));
		uint32_t mask = ~(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(c,
		    _mm256_setzero_si256()));
		long at = mask != 0 ? block_verify(m, t, len, p, mask, which) : -1;

		if (at >= 0)
			return at;
		p += 32;
	}
	return next_ssse3(m, t, len, p, which);
}
#endif

int
ndr_multi_simd_level(void)
{
#ifdef HAVE_TEDDY
	if (__builtin_cpu_supports("avx2"))
		return 2;
	if (__builtin_cpu_supports("ssse3"))
		return 1;
#endif
	return 0;
}

long
ndr_multi_next_level(const struct ndr_multi *m, const char *t, size_t len, size_t from,
    uint32_t *which, int level)
{
#ifdef HAVE_TEDDY
	if (level >= 2 && __builtin_cpu_supports("avx2"))
		return next_avx2(m, t, len, from, which);
	if (level >= 1 && __builtin_cpu_supports("ssse3"))
		return next_ssse3(m, t, len, from, which);
#else
	(void)level;
#endif
	return ndr_multi_next_plain(m, t, len, from, which);
}

long
ndr_multi_next(const struct ndr_multi *m, const char *t, size_t len, size_t from,
    uint32_t *which)
{
	return ndr_multi_next_level(m, t, len, from, which, 2);
}

uint32_t
ndr_multi_first_each(const struct ndr_multi *m, const char *t, size_t len, size_t from,
    uint32_t want, const char **at)
{
	uint32_t left = want, which;
	long p;
	size_t k;

	for (k = 0; k < m->n; k++)
		if (want & (1u << k))
			at[k] = NULL;
	for (p = ndr_multi_next(m, t, len, from, &which); p >= 0 && left != 0;
	    p = ndr_multi_next(m, t, len, (size_t)p + 1, &which)) {
		uint32_t first = which & left;

		left &= ~first;
		for (; first != 0; first &= first - 1)
			at[__builtin_ctz(first)] = t + p;
	}
	return want & ~left;
}
