/* The knowledge base's phrases: normalised, built into one Aho-Corasick automaton (a
 * DFA, ndr_kb_int.h), so that a text is read once however many phrases the knowledge base
 * holds; the scan, the provider-code prefixes, and the first cause a scan's hits name. */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "ndr.h"
#include "ndr_kb.h"
#include "ndr_kb_int.h"
#include "ndr_search.h"
#include "xmalloc.h"

#define WILD_GAP 80	/* bytes a '*' in a phrase may span */

static bool
is_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* U+2018/U+2019 at s + i (Office 365 writes "wasn’t"): normalised to a plain ' */
static bool
is_curly_quote(const char *s, size_t i, size_t len)
{
	return (unsigned char)s[i] == 0xe2 && i + 2 < len && (unsigned char)s[i + 1] == 0x80 &&
	    ((unsigned char)s[i + 2] == 0x98 || (unsigned char)s[i + 2] == 0x99);
}

/* Lower-case ASCII, blanks collapsed to one space, typographic apostrophes and quotes
 * made plain. Returns a new string (caller frees), length in *out_len. ndr_kb_scan() does
 * the same on the fly. */
static char *
normalise(const char *s, size_t len, size_t *out_len)
{
	char *out = xmalloc(len + 1);
	size_t i = 0, o = 0;
	bool space = false;

	while (i < len) {
		unsigned char c = (unsigned char)s[i];

		if (is_blank(c)) {
			space = true;
			i++;
			continue;
		}
		if (space && o > 0)
			out[o++] = ' ';
		space = false;
		if (is_curly_quote(s, i, len)) {
			out[o++] = '\'';
			i += 3;
			continue;
		}
		out[o++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		i++;
	}
	out[o] = '\0';
	*out_len = o;
	return out;
}

/* The byte classes: a column per byte the first pieces (and code prefixes) hold. */
static void
class_add(struct ndr_kb *kb, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (kb->cls[(unsigned char)s[i]] == CLS_OTHER)
			kb->cls[(unsigned char)s[i]] = (uint16_t)kb->n_cls++;
}

static uint16_t *
ac_row(const struct ndr_kb *kb, int node)
{
	return &kb->next[(size_t)node << kb->shift];
}

/* A node with no trie edges yet (its row all root, no output). */
static int
ac_new_node(struct ndr_kb *kb, unsigned cls)
{
	struct ac_node *n = &kb->ac[kb->n_ac];

	memset(ac_row(kb, (int)kb->n_ac), 0, kb->n_cls * sizeof(*kb->next));
	n->child = n->sibling = n->out = n->dict = -1;
	n->fail = 0;
	n->cls = cls;
	n->is_code = false;
	return (int)kb->n_ac++;
}

/* Insert s into the trie; the rows hold only trie edges until ac_build(). Returns the
 * node it ends at. The caller sized kb->ac and kb->next for every byte inserted. */
static int
ac_insert(struct ndr_kb *kb, const char *s, size_t len)
{
	int node = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned cls = kb->cls[(unsigned char)s[i]];
		uint16_t *slot = &ac_row(kb, node)[cls];

		if (*slot == 0) {	/* no trie edge leads back to the root */
			int child = ac_new_node(kb, cls);

			kb->ac[child].sibling = kb->ac[node].child;
			kb->ac[node].child = child;
			*slot = (uint16_t)child;
		}
		node = *slot;
	}
	return node;
}

static bool
has_output(const struct ac_node *n)
{
	return n->out >= 0 || n->is_code;
}

/* Fail links breadth first; each row becomes its fail node's row (complete already: it
 * is shallower) with the node's own trie edges over it; then each row's report. */
static void
ac_build(struct ndr_kb *kb)
{
	int *queue = xmalloc(kb->n_ac * sizeof(int));
	size_t head = 0, tail = 0, v;
	int k;

	for (k = kb->ac[0].child; k >= 0; k = kb->ac[k].sibling)
		queue[tail++] = k;
	while (head < tail) {
		int u = queue[head++];
		uint16_t *row = ac_row(kb, u);
		const uint16_t *frow = ac_row(kb, kb->ac[u].fail);

		memcpy(row, frow, kb->n_cls * sizeof(*row));
		for (k = kb->ac[u].child; k >= 0; k = kb->ac[k].sibling) {
			struct ac_node *c = &kb->ac[k];

			c->fail = frow[c->cls];
			c->dict = has_output(&kb->ac[c->fail]) ? c->fail : kb->ac[c->fail].dict;
			row[c->cls] = (uint16_t)k;
			queue[tail++] = k;
		}
	}
	free(queue);
	for (v = 0; v < kb->n_ac; v++)
		ac_row(kb, (int)v)[COL_REPORT] = (uint16_t)(1 + (has_output(&kb->ac[v]) ?
		    (int)v : kb->ac[v].dict));
}

/* Normalise every cause's phrases (kb->phr sized for them), in file order, and note the
 * bytes of their first pieces. Returns -1 with err set on an empty first piece. */
static int
load_phrases(struct ndr_kb *kb, const char *path, char *err, size_t err_len)
{
	size_t i, j;

	for (i = 0; i < 256; i++) {
		kb->fold[i] = (unsigned char)(i >= 'A' && i <= 'Z' ? i + 32 : i);
		kb->cls[i] = CLS_OTHER;
	}
	kb->n_cls = CLS_OTHER + 1;
	for (i = 0; i < kb->n_causes; i++) {
		struct ndr_cause *k = &kb->causes[i];

		for (j = 0; j < k->n_phrases; j++) {
			size_t id = k->first_phrase + j, nl;
			struct phrase *p = &kb->phr[id];

			p->norm = normalise(k->phrases[j], strlen(k->phrases[j]), &nl);
			kb->n_phr = id + 1;	/* what ndr_kb_free() frees */
			p->cause = i;
			p->is_wild = memchr(p->norm, '*', nl) != NULL;
			p->first_len = strcspn(p->norm, "*");
			if (p->first_len == 0) {
				snprintf(err, err_len, "%s: %s: empty phrase or leading '*': \"%s\"",
				    path, k->id, k->phrases[j]);
				return -1;
			}
			class_add(kb, p->norm, p->first_len);
		}
	}
	return 0;
}

/* Can the scan see prefix wherever ndr_ci_find() finds it in a text? Yes when it is ASCII
 * without blanks: normalising keeps such bytes one for one, ASCII lower-cased. */
static bool
is_scannable_prefix(const char *pre)
{
	size_t i;

	for (i = 0; pre[i] != '\0'; i++)
		if ((unsigned char)pre[i] >= 0x80 || is_blank((unsigned char)pre[i]))
			return false;
	return true;
}

/* Each provider code prefix (kb.json provider_codes), passed to fn, which says whether it
 * went on; the ones the scan cannot see set is_code_unfiltered. Returns how many went. */
static size_t
code_prefixes(struct ndr_kb *kb, void (*fn)(struct ndr_kb *, const char *))
{
	json_t *tables = json_object_get(kb->root, "provider_codes"), *t, *p;
	size_t ti, pi, n = 0;

	json_array_foreach(tables, ti, t)
		json_array_foreach(json_object_get(t, "prefixes"), pi, p) {
			const char *pre = json_string_value(p);

			if (pre == NULL || pre[0] == '\0')
				continue;	/* ndr_kb_provider_code() never finds these */
			if (kb->code_prefixes != NULL) {
				kb->code_prefixes[kb->n_code_prefixes++] = pre;
				if (kb->min_code_prefix == 0 || strlen(pre) < kb->min_code_prefix)
					kb->min_code_prefix = strlen(pre);
			}
			if (!is_scannable_prefix(pre)) {
				kb->is_code_unfiltered = true;
				continue;
			}
			fn(kb, pre);
			n += strlen(pre);
		}
	return n;
}

static void
prefix_classes(struct ndr_kb *kb, const char *pre)
{
	char *low;
	size_t l;

	low = normalise(pre, strlen(pre), &l);
	class_add(kb, low, l);
	free(low);
}

static void
prefix_insert(struct ndr_kb *kb, const char *pre)
{
	char *low;
	size_t l;

	low = normalise(pre, strlen(pre), &l);
	kb->ac[ac_insert(kb, low, l)].is_code = true;
	free(low);
}

/* The automaton over the phrases' first pieces and the code prefixes: one allocation per
 * array, sized for the bytes inserted (a bound on the nodes), trimmed once built. -1 with
 * err set when its nodes could be more than the table's 16-bit entries name. */
static int
build_automaton(struct ndr_kb *kb, const char *path, char *err, size_t err_len)
{
	size_t i, prefix_bytes = code_prefixes(kb, prefix_classes), bytes = prefix_bytes;

	for (i = 0; i < kb->n_phr; i++)
		bytes += kb->phr[i].first_len;
	if (bytes + 1 >= UINT16_MAX) {	/* nodes and 1 + node (the report column) fit */
		snprintf(err, err_len, "%s: too many phrase bytes (%zu, at most %d)", path,
		    bytes, UINT16_MAX - 2);
		return -1;
	}
	for (kb->shift = 0; ((size_t)1 << kb->shift) < kb->n_cls; kb->shift++)
		;
	kb->ac = xmalloc((bytes + 1) * sizeof(*kb->ac));
	/* its own mapping, in 2 MB pages where the kernel gives them: the rows are written
	 * once, then read at random by every scan; in 4 KB pages its 5 MB were some 1,300
	 * page faults, a tenth of a run for one bounce */
	kb->next = xmap_zeroed(((bytes + 1) << kb->shift) * sizeof(*kb->next), &kb->next_bytes);
	ac_new_node(kb, 0);
	for (i = 0; i < kb->n_phr; i++) {
		int node = ac_insert(kb, kb->phr[i].norm, kb->phr[i].first_len);

		/* chain phrases that share this first piece */
		kb->phr[i].same_next = kb->ac[node].out;
		kb->ac[node].out = (int)i;
	}
	kb->code_prefixes = xcalloc(prefix_bytes + 1, sizeof(*kb->code_prefixes)); /* >= 1 byte each */
	code_prefixes(kb, prefix_insert);
	for (i = 0; i < 256; i++)
		kb->text_cls[i] = is_blank((unsigned char)i) || i == 0xe2 ? CLS_SPECIAL :
		    kb->cls[kb->fold[i]];
	kb->ac = xrealloc(kb->ac, kb->n_ac * sizeof(*kb->ac));
	ac_build(kb);
	return 0;
}

int
ndr_kb_phrases_build(struct ndr_kb *kb, size_t n_phr, const char *path, char *err,
    size_t err_len)
{
	if (load_phrases(kb, path, err, err_len) < 0)
		return -1;
	kb->n_phr = n_phr;
	return build_automaton(kb, path, err, err_len);
}

void
ndr_kb_phrases_free(struct ndr_kb *kb)
{
	size_t i;

	for (i = 0; i < kb->n_phr; i++)
		free(kb->phr[i].norm);
	free(kb->phr);
	free(kb->ac);
	xunmap(kb->next, kb->next_bytes);
	free(kb->code_prefixes);
}

/* Is the phrase at norm + start said not to hold ("... not listed in Domino Directory",
 * "isn't blocked")? Then it is no evidence of its cause; a phrase that holds its own "not"
 * ("not listed in domino directory") is matched whole. */
static bool
is_negated(const char *norm, size_t start)
{
	return start >= 4 && (memcmp(norm + start - 4, "not ", 4) == 0 ||
	    memcmp(norm + start - 4, "n't ", 4) == 0);
}

/* Mark what ends at node, the first with an output on the fail chain of the node the
 * scan is in, end bytes into the normalised text m->norm. */
static void
scan_hits(const struct ndr_kb *kb, struct ndr_kb_match *m, int node, size_t end)
{
	int o, p;

	for (o = node; o >= 0; o = kb->ac[o].dict) {
		m->has_code_prefix |= kb->ac[o].is_code;
		for (p = kb->ac[o].out; p >= 0; p = kb->phr[p].same_next)
			if (!is_negated(m->norm, end - kb->phr[p].first_len))
				m->hits[p / 64] |= (uint64_t)1 << (p % 64);
	}
}

/* Room in m for a text of len bytes (its buffers are kept from one scan to the next). */
static void
match_reserve(const struct ndr_kb *kb, struct ndr_kb_match *m, size_t len)
{
	size_t n_hits = kb->n_phr / 64 + 1;

	if (m->norm_cap < len + 1) {
		m->norm_cap = len + 1 > 2 * m->norm_cap ? len + 1 : 2 * m->norm_cap;
		free(m->norm);
		m->norm = xmalloc(m->norm_cap);
	}
	if (m->n_hits != n_hits) {
		free(m->hits);
		m->hits = xmalloc(n_hits * sizeof(*m->hits));
		m->n_hits = n_hits;
	}
	memset(m->hits, 0, n_hits * sizeof(*m->hits));
	m->norm_len = 0;
	m->has_code_prefix = false;
}

/* Normalise as normalise() does, feeding each byte to the automaton as it is made. A
 * byte that is neither a blank nor a curly quote's first takes the short way.
 * The loop keeps what it reads in locals: a store through a char pointer may alias
 * anything, so fields read through kb or m would be loaded again after every byte. */
void
ndr_kb_scan(const struct ndr_kb *kb, const char *text, size_t len, struct ndr_kb_match *m)
{
	const uint16_t *next = kb->next;
	const unsigned shift = kb->shift;
	const uint16_t *text_cls = kb->text_cls;
	const unsigned char *fold = kb->fold;
	size_t i, o = 0;
	const uint16_t *row = next;	/* the root's */
	char *out;

	match_reserve(kb, m, len);
	out = m->norm;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		unsigned k = text_cls[c];

		if (k == CLS_SPECIAL) {
			if (is_blank(c)) {
				/* a run of blanks is one space, and only before more text */
				while (i + 1 < len && is_blank((unsigned char)text[i + 1]))
					i++;
				if (i + 1 == len || o == 0)
					continue;
				c = ' ';
			} else if (is_curly_quote(text, i, len)) {
				c = '\'';
				i += 2;
			}
			k = kb->cls[fold[c]];
		}
		out[o++] = (char)fold[c];
		row = next + ((size_t)row[k] << shift);
		if (row[COL_REPORT] != 0)
			scan_hits(kb, m, (int)row[COL_REPORT] - 1, o);
	}
	out[o] = '\0';
	m->norm_len = o;
}

bool
ndr_kb_may_have_code(const struct ndr_kb *kb, const struct ndr_kb_match *m)
{
	return kb->is_code_unfiltered || m->has_code_prefix;
}

/* Does a code prefix start at h (hl bytes), ASCII case folded as ndr_ci_find() folds? */
static bool
code_prefix_at(const struct ndr_kb *kb, const char *h, size_t hl)
{
	size_t i, j;

	for (i = 0; i < kb->n_code_prefixes; i++) {
		const char *pre = kb->code_prefixes[i];

		for (j = 0; j < hl && pre[j] != '\0'; j++)
			if (kb->fold[(unsigned char)h[j]] != kb->fold[(unsigned char)pre[j]])
				break;
		if (pre[j] == '\0')
			return true;
	}
	return false;
}

#ifdef __SSE2__
#define MAX_SIMD_PREFIXES 8

/* Candidate starts of text + i .. + 15 (text has 17 bytes from i): the first two bytes of
 * a prefix (b0, b1: n of them), with bit 0x20 set on both sides (what is equal folded is
 * equal so). */
static unsigned
code_candidates(const char *text, size_t i, const __m128i *b0, const __m128i *b1, size_t n)
{
	const __m128i c20 = _mm_set1_epi8(0x20);
	__m128i x0 = _mm_or_si128(_mm_loadu_si128((const __m128i *)(const void *)(text + i)), c20);
	__m128i x1 = _mm_or_si128(_mm_loadu_si128((const __m128i *)(const void *)(text + i + 1)),
	    c20);
	__m128i any = _mm_setzero_si128();
	size_t p;

	for (p = 0; p < n; p++)
		any = _mm_or_si128(any, _mm_and_si128(_mm_cmpeq_epi8(x0, b0[p]),
		    _mm_cmpeq_epi8(x1, b1[p])));
	return (unsigned)_mm_movemask_epi8(any);
}

/* Any prefix (each of 2 bytes or more) in text, len >= 17: 16 starts at a time, the last
 * block overlapping the one before (a prefix cannot start at the last byte). */
static bool
code_in_blocks(const struct ndr_kb *kb, const char *text, size_t len)
{
	__m128i b0[MAX_SIMD_PREFIXES], b1[MAX_SIMD_PREFIXES];
	size_t p, i = 0;

	for (p = 0; p < kb->n_code_prefixes; p++) {
		b0[p] = _mm_set1_epi8((char)((unsigned char)kb->code_prefixes[p][0] | 0x20));
		b1[p] = _mm_set1_epi8((char)((unsigned char)kb->code_prefixes[p][1] | 0x20));
	}
	for (;;) {
		unsigned mask = code_candidates(text, i, b0, b1, kb->n_code_prefixes);

		for (; mask != 0; mask &= mask - 1) {
			size_t at = i + (size_t)__builtin_ctz(mask);

			if (code_prefix_at(kb, text + at, len - at))
				return true;
		}
		if (i + 17 == len)
			return false;
		i = i + 33 <= len ? i + 16 : len - 17;
	}
}
#endif

/* What ndr_ci_find() per prefix would tell, in one pass over text. */
bool
ndr_kb_may_have_code_in(const struct ndr_kb *kb, const char *text, size_t len)
{
	size_t i;

	if (kb->is_code_unfiltered)
		return true;
#ifdef __SSE2__
	if (kb->min_code_prefix >= 2 && kb->n_code_prefixes <= MAX_SIMD_PREFIXES && len >= 17)
		return code_in_blocks(kb, text, len);
#endif
	for (i = 0; i < len; i++)
		if (code_prefix_at(kb, text + i, len - i))
			return true;
	return false;
}

/* Does each piece after the first occur somewhere in norm, as far as wild_match() reads
 * them? If one does not, no start of the first piece can match: the pieces after it are
 * searched for in norm only. Checking this once spares a search per start (".*.* spam"
 * starts at every dot). */
static bool
has_later_pieces(const char *norm, const char *ph)
{
	char piece[256];

	while (*ph == '*') {
		size_t pl;

		ph++;
		pl = strcspn(ph, "*");
		if (pl == 0)
			return true;	/* wild_match() reads no further */
		if (pl >= sizeof(piece))
			return false;
		memcpy(piece, ph, pl);
		piece[pl] = '\0';
		if (strstr(norm, piece) == NULL)
			return false;
		ph += pl;
	}
	return true;
}

/* A phrase with '*': its pieces in order, each gap at most WILD_GAP bytes. */
static bool
wild_match(const char *norm, const char *phrase)
{
	const char *start = norm;
	size_t first = strcspn(phrase, "*");
	char piece[256];

	if (first >= sizeof(piece) || !has_later_pieces(norm, phrase + first))
		return false;
	memcpy(piece, phrase, first);
	piece[first] = '\0';
	while ((start = strstr(start, piece)) != NULL) {
		const char *pos = start + first, *ph = phrase + first;
		bool ok = true;

		while (*ph == '*') {
			size_t pl;
			const char *f;

			ph++;
			pl = strcspn(ph, "*");
			if (pl == 0 || pl >= sizeof(piece)) {
				ok = pl == 0;
				break;
			}
			memcpy(piece, ph, pl);
			piece[pl] = '\0';
			f = strstr(pos, piece);
			if (f == NULL || (size_t)(f - pos) > WILD_GAP) {
				ok = false;
				break;
			}
			pos = f + pl;
			ph += pl;
		}
		if (ok)
			return true;
		memcpy(piece, phrase, first);
		piece[first] = '\0';
		start++;
	}
	return false;
}

static bool
status_fits(const struct ndr_cause *k, const char *status)
{
	size_t i;

	for (i = 0; i < k->n_unless_status && status != NULL; i++)
		if (strncmp(status, k->unless_status[i], strlen(k->unless_status[i])) == 0)
			return false;
	if (k->n_when_status == 0)
		return true;
	if (status == NULL)
		return false;
	for (i = 0; i < k->n_when_status; i++)
		if (strncmp(status, k->when_status[i], strlen(k->when_status[i])) == 0)
			return true;
	return false;
}

static bool
is_confirmed(const struct ndr_cause *k, const char *phrase)
{
	size_t i;

	for (i = 0; i < k->n_confirmed; i++)
		if (strcmp(k->confirmed[i], phrase) == 0)
			return true;
	return false;
}

const struct ndr_cause *
ndr_kb_first(const struct ndr_kb *kb, const struct ndr_kb_match *m, const char *status,
    const char **phrase)
{
	return ndr_kb_first_except(kb, m, status, NULL, phrase);
}

const struct ndr_cause *
ndr_kb_first_except(const struct ndr_kb *kb, const struct ndr_kb_match *m, const char *status,
    const char *skip, const char **phrase)
{
	size_t word;

	/* the phrases hit, in table order: the causes' order, then each cause's own (a text
	 * hits a few of the kb's phrases, so only those are looked at) */
	for (word = 0; word < m->n_hits; word++) {
		uint64_t bits = m->hits[word];

		while (bits != 0) {
			size_t id = word * 64 + (size_t)__builtin_ctzll(bits);
			const struct phrase *p = &kb->phr[id];
			const struct ndr_cause *k = &kb->causes[p->cause];
			const char *text = k->phrases[id - k->first_phrase];

			bits &= bits - 1;
			if (skip != NULL && strcmp(k->reason, skip) == 0)
				continue;
			/* a confirmed phrase stands without the status its cause asks for */
			if (!status_fits(k, status) && !is_confirmed(k, text))
				continue;
			if (p->is_wild && !wild_match(m->norm, p->norm))
				continue;
			if (phrase != NULL)
				*phrase = text;
			return k;
		}
	}
	return NULL;
}

void
ndr_kb_match_fini(struct ndr_kb_match *m)
{
	free(m->hits);
	free(m->norm);
	memset(m, 0, sizeof(*m));
}
