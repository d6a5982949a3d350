/* JSON renderer: one document per run with a versioned schema (docs/json-schema.md). */
#include "config.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "render.h"
#include "report.h"
#include "xmalloc.h"

static json_t *
finding_json(const struct finding *f)
{
	json_t *o = json_object();

	/* subject, message and fix went through report.c's clean_text(): valid UTF-8 */
	json_object_set_new(o, "id", json_string(finding_id(f)));
	json_object_set_new(o, "status", json_string(status_name(finding_status(f))));
	json_object_set_new(o, "subject", json_string_nocheck(finding_subject(f)));
	if (finding_group_name(f) != NULL)
		json_object_set_new(o, "group", json_string(finding_group_name(f)));
	json_object_set_new(o, "message", finding_message(f) != NULL ?
	    json_string_nocheck(finding_message(f)) : json_null());
	json_object_set_new(o, "fix", finding_fix_text(f) != NULL ?
	    json_string_nocheck(finding_fix_text(f)) : json_null());
	json_object_set(o, "evidence", finding_evidence_list(f));
	json_object_set(o, "references", finding_refs(f));
	json_object_set(o, "data", finding_data_obj(f));
	return o;
}

json_t *
render_json_doc(const struct report *rep)
{
	const struct report_stats *st = report_stats_const(rep);
	enum status worst = report_worst(rep);
	json_t *doc = json_object(), *findings = json_array(), *extra = report_extra(rep);
	size_t i;

	json_object_set_new(doc, "schema", json_integer(MXD_JSON_SCHEMA));
	json_object_set_new(doc, "tool", json_string(PACKAGE_NAME " " PACKAGE_VERSION));
	json_object_set_new(doc, "command", json_string(report_command(rep)));
	json_object_set_new(doc, "target", json_string(report_target(rep)));
	json_object_set_new(doc, "status", json_string(status_name(worst)));
	json_object_set_new(doc, "exit_code", json_integer(status_exit_code(worst)));
	for (i = 0; i < report_count(rep); i++)
		json_array_append_new(findings, finding_json(report_finding(rep, i)));
	json_object_set_new(doc, "findings", findings);
	if (extra != NULL)
		json_object_update(doc, extra);
	json_object_set_new(doc, "stats", json_pack("{s:{s:i, s:i, s:i}, s:{s:i}, s:I}",
	    "dns", "queries", (int)st->dns.queries, "cache_hits", (int)st->dns.cache_hits,
	    "depth", (int)st->dns.depth,
	    "smtp", "sessions", (int)st->smtp_sessions,
	    "elapsed_ms", (json_int_t)st->elapsed_ms));
	return doc;
}

int
render_json(FILE *out, const struct report *rep)
{
	return render_json_problems(out, rep, false);
}

json_t *
render_json_doc_problems(const struct report *rep, bool problems_only)
{
	json_t *doc = render_json_doc(rep), *findings = json_object_get(doc, "findings");
	size_t i;

	/* The status stays the whole run's: only the OK and INFO lines go. */
	for (i = json_array_size(findings); problems_only && i-- > 0;) {
		const char *st = json_string_value(json_object_get(json_array_get(findings, i),
		    "status"));

		if (st != NULL && (strcmp(st, "OK") == 0 || strcmp(st, "INFO") == 0))
			json_array_remove(findings, i);
	}
	return doc;
}

int
render_json_problems(FILE *out, const struct report *rep, bool problems_only)
{
	json_t *doc = render_json_doc_problems(rep, problems_only);
	int rc;

	rc = json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	json_decref(doc);
	if (rc != 0 || fputc('\n', out) == EOF)
		return MXD_EIO;
	return 0;
}

/* render_json_line()'s writer: jansson's json_dumpf() makes one fwrite() per token and
 * decodes every string a code point at a time; over a mailbox of bounces that was a third
 * of the run. This one gives the same bytes (jansson's JSON_COMPACT output: no spaces, raw
 * UTF-8, its escapes) from a buffer on the stack, flushed when full. */
#define JOUT_DEPTH 64	/* our documents nest a few levels; deeper is a bug */

struct jout {
	FILE *out;		/* NULL: into heap */
	char *heap;		/* render_json_line_text()'s text so far (owned) */
	size_t heap_len;
	size_t len;
	bool is_err;
	bool is_first;		/* no member yet in the object just opened */
	char buf[16384];
};

static void
jout_flush(struct jout *j)
{
	if (j->out == NULL) {
		/* room for the NUL too; a report is bounded (findings, evidence, texts) */
		j->heap = xrealloc(j->heap, j->heap_len + j->len + 1);
		memcpy(j->heap + j->heap_len, j->buf, j->len);
		j->heap_len += j->len;
		j->heap[j->heap_len] = '\0';
	} else if (j->len > 0 && fwrite(j->buf, 1, j->len, j->out) != j->len) {
		j->is_err = true;
	}
	j->len = 0;
}

static void
jout_put(struct jout *j, const char *s, size_t n)
{
	if (n < sizeof(j->buf) - j->len) {	/* most pieces: room, and never full after */
		memcpy(j->buf + j->len, s, n);
		j->len += n;
		return;
	}
	while (n > 0) {
		size_t room = sizeof(j->buf) - j->len, k = n < room ? n : room;

		memcpy(j->buf + j->len, s, k);
		j->len += k;
		s += k;
		n -= k;
		if (j->len == sizeof(j->buf))
			jout_flush(j);
	}
}

static void
jout_char(struct jout *j, char c)
{
	if (j->len == sizeof(j->buf))
		jout_flush(j);
	j->buf[j->len++] = c;
}

/* What JSON must escape: a control byte, '"' or '\\'. */
static bool
byte_needs_escape(unsigned char c)
{
	return c < 0x20 || c == '"' || c == '\\';
}

#ifdef __SSE2__
/* The bytes of 16 that JSON must escape: a control byte (< 0x20, where subtracting 0x1f
 * saturates to 0), '"' or '\\'. */
static unsigned
escape_mask(const char *p)
{
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i hit = _mm_or_si128(_mm_cmpeq_epi8(_mm_subs_epu8(x, _mm_set1_epi8(0x1f)),
	    _mm_setzero_si128()), _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')),
	    _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))));

	return (unsigned)_mm_movemask_epi8(hit);
}
#endif

/* The first byte of s[i..n) that JSON must escape, or n. Most strings have none: looked for
 * 16 bytes at a time, the last ones too (padded), not byte by byte. */
static size_t
next_escape(const char *s, size_t i, size_t n)
{
#ifdef __SSE2__
	for (; i < n; i += 16) {
		char tail[16];
		const char *p = s + i;
		unsigned mask;

		if (n - i < 16) {
			memset(tail, 'x', sizeof(tail));	/* 'x' needs no escape */
			memcpy(tail, p, n - i);
			p = tail;
		}
		mask = escape_mask(p);
		if (mask != 0)
			return i + (size_t)__builtin_ctz(mask);
	}
	return n;
#else
	for (; i < n; i++)
		if (byte_needs_escape((unsigned char)s[i]))
			break;
	return i;
#endif
}

/* jansson's escape of c (a control, '"' or '\\') into out: \\ \" \b \f \n \r \t, other
 * controls \u00XX. Returns its length, 2 or 6. */
static size_t
escape_byte(unsigned char c, char *out)
{
	static const char hex[] = "0123456789ABCDEF";

	out[0] = '\\';
	switch (c) {
	case '"': out[1] = '"'; return 2;
	case '\\': out[1] = '\\'; return 2;
	case '\b': out[1] = 'b'; return 2;
	case '\f': out[1] = 'f'; return 2;
	case '\n': out[1] = 'n'; return 2;
	case '\r': out[1] = 'r'; return 2;
	case '\t': out[1] = 't'; return 2;
	default:
		memcpy(out + 1, "u00", 3);
		out[4] = hex[c >> 4];
		out[5] = hex[c & 0xf];
		return 6;
	}
}

/* Whether any of the eight bytes of w needs an escape (a control, '"', '\\'): the
 * zero-byte test on w - 0x20.., w ^ '"'.. and w ^ '\\'.. (a borrow may flag a byte after
 * a real hit, never a word without one). */
static bool
word_needs_escape(uint64_t w)
{
	const uint64_t ones = UINT64_C(0x0101010101010101), high = UINT64_C(0x8080808080808080);
	uint64_t quote = w ^ (ones * '"'), slash = w ^ (ones * '\\');

	return (((w - ones * 0x20) & ~w) | ((quote - ones) & ~quote) |
	    ((slash - ones) & ~slash)) & high;
}

/* A string of at most JOUT_SHORT bytes, written straight into the buffer (room for the
 * worst case, every byte six, made first): sixteen bytes stored at a time up to the next
 * byte to escape, no call per piece. */
#define JOUT_SHORT ((sizeof(((struct jout *)0)->buf) - 2) / 6)

static void
jout_short_string(struct jout *j, const char *s, size_t n)
{
	size_t i = 0;
	char *o;

	if (sizeof(j->buf) - j->len < 6 * n + 2)
		jout_flush(j);
	o = j->buf + j->len;
	*o++ = '"';
#ifdef __SSE2__
	while (n - i >= 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		unsigned mask = escape_mask(s + i);
		size_t k = mask != 0 ? (size_t)__builtin_ctz(mask) : 16;

		/* all sixteen stored, k kept: the room made covers them */
		_mm_storeu_si128((__m128i *)(void *)o, x);
		o += k;
		i += k;
		if (k < 16)
			o += escape_byte((unsigned char)s[i++], o);
	}
#endif
	/* the rest (and most strings: ids, codes, names) eight bytes at a time */
	while (n - i >= 8) {
		uint64_t w;

		memcpy(&w, s + i, 8);
		if (word_needs_escape(w))
			break;
		memcpy(o, &w, 8);
		o += 8;
		i += 8;
	}
	for (; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (byte_needs_escape(c))
			o += escape_byte(c, o);
		else
			*o++ = (char)c;
	}
	*o++ = '"';
	j->len = (size_t)(o - j->buf);
}

/* jansson's escapes; UTF-8 as it is (json_string() accepted only valid UTF-8). */
static void
jout_string(struct jout *j, const char *s, size_t n)
{
	size_t i, run = 0;

	if (n <= JOUT_SHORT) {
		jout_short_string(j, s, n);
		return;
	}
	jout_char(j, '"');
	for (i = next_escape(s, 0, n); i < n; i = next_escape(s, i + 1, n)) {
		char esc[6];

		jout_put(j, s + run, i - run);
		run = i + 1;
		jout_put(j, esc, escape_byte((unsigned char)s[i], esc));
	}
	jout_put(j, s + run, n - run);
	jout_char(j, '"');
}

static void
jout_int(struct jout *j, long long v)
{
	char num[REPORT_INT_TEXT_MAX];

	jout_put(j, num, report_int_text(v, num));
}

static void
jout_value(struct jout *j, const json_t *v, int depth)
{
	const char *key;
	json_t *item;
	size_t i;

	if (depth > JOUT_DEPTH) {
		j->is_err = true;
		return;
	}
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		jout_char(j, '{');
		i = 0;
		json_object_foreach((json_t *)v, key, item) {
			if (i++ > 0)
				jout_char(j, ',');
			jout_string(j, key, strlen(key));
			jout_char(j, ':');
			jout_value(j, item, depth + 1);
		}
		jout_char(j, '}');
		break;
	case JSON_ARRAY:
		jout_char(j, '[');
		json_array_foreach(v, i, item) {
			if (i > 0)
				jout_char(j, ',');
			jout_value(j, item, depth + 1);
		}
		jout_char(j, ']');
		break;
	case JSON_STRING:
		jout_string(j, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		jout_int(j, (long long)json_integer_value(v));
		break;
	case JSON_REAL: {
		/* jansson's own number format */
		char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

		if (s == NULL) {
			j->is_err = true;
			break;
		}
		jout_put(j, s, strlen(s));
		free(s);
		break;
	}
	case JSON_TRUE:
		jout_put(j, "true", 4);
		break;
	case JSON_FALSE:
		jout_put(j, "false", 5);
		break;
	case JSON_NULL:
		jout_put(j, "null", 4);
		break;
	}
}

static void
jout_init(struct jout *j, FILE *out)
{
	/* buf is not zeroed: it is written before it is read */
	j->out = out;
	j->heap = NULL;
	j->heap_len = 0;
	j->len = 0;
	j->is_err = false;
	j->is_first = false;
}

static int
jout_end(struct jout *j)
{
	jout_char(j, '\n');
	jout_flush(j);
	return j->is_err ? MXD_EIO : 0;
}

/* Objects written member by member: jout_open() then members, each after a comma but the
 * first; keys are ASCII words of ours. */
static void
jout_open(struct jout *j)
{
	jout_char(j, '{');
	j->is_first = true;
}

static void
jout_key(struct jout *j, const char *key)
{
	size_t n = strlen(key);
	char *o;

	/* our words: nothing to escape, nothing to look for; ,"key": in one piece */
	if (sizeof(j->buf) - j->len < n + 4)
		jout_flush(j);
	o = j->buf + j->len;
	if (!j->is_first)
		*o++ = ',';
	j->is_first = false;
	*o++ = '"';
	memcpy(o, key, n);
	o += n;
	*o++ = '"';
	*o++ = ':';
	j->len = (size_t)(o - j->buf);
}

static void
jout_close(struct jout *j)
{
	jout_char(j, '}');
	j->is_first = false;
}

/* A string member whose value is clean UTF-8 (report.c cleaned it), or null. */
static void
jout_member_str(struct jout *j, const char *key, const char *v)
{
	jout_key(j, key);
	if (v != NULL)
		jout_string(j, v, strlen(v));
	else
		jout_put(j, "null", 4);
}

static void
jout_member_int(struct jout *j, const char *key, long long v)
{
	jout_key(j, key);
	jout_int(j, v);
}

static void
jout_member_value(struct jout *j, const char *key, const json_t *v)
{
	jout_key(j, key);
	jout_value(j, v, 1);
}

static void
jout_member_bool(struct jout *j, const char *key, bool v)
{
	jout_key(j, key);
	jout_put(j, v ? "true" : "false", v ? 4 : 5);
}

/* A DNS answer's evidence, as its JSON object (report.c's dns_evidence_json()) is written. */
static void
jout_dns_evidence(struct jout *j, const struct dns_evidence *d)
{
	size_t i;

	jout_open(j);
	jout_member_str(j, "kind", "dns");
	jout_member_str(j, "text", d->text);
	jout_member_str(j, "qname", d->qname);
	jout_member_str(j, "qtype", d->qtype);
	jout_member_int(j, "rcode", d->rcode);
	jout_member_str(j, "status", d->status);
	jout_member_int(j, "ms", (long long)d->ms);
	jout_member_bool(j, "ad", d->is_authenticated);
	jout_member_bool(j, "tc", d->was_truncated);
	jout_key(j, "answers");
	jout_char(j, '[');
	for (i = 0; i < d->nanswers; i++) {
		if (i > 0)
			jout_char(j, ',');
		jout_string(j, d->answers[i], strlen(d->answers[i]));
	}
	jout_char(j, ']');
	if (d->server != NULL)
		jout_member_str(j, "server", d->server);
	if (d->error != NULL)
		jout_member_str(j, "error", d->error);
	jout_close(j);
}

static void
jout_evidence(struct jout *j, const struct finding *f)
{
	size_t i, n = finding_evidence_count(f);

	jout_key(j, "evidence");
	jout_char(j, '[');
	for (i = 0; i < n; i++) {
		const struct dns_evidence *d;
		const json_t *v = finding_evidence_at(f, i, &d);

		if (i > 0)
			jout_char(j, ',');
		if (d != NULL)
			jout_dns_evidence(j, d);
		else
			jout_value(j, v, 2);
	}
	jout_char(j, ']');
}

static void
jout_finding_members(struct jout *j, const struct finding *f)
{
	jout_open(j);
	jout_member_str(j, "id", finding_id(f));
	jout_member_str(j, "status", status_name(finding_status(f)));
	jout_member_str(j, "subject", finding_subject(f));
	if (finding_group_name(f) != NULL)
		jout_member_str(j, "group", finding_group_name(f));
	jout_member_str(j, "message", finding_message(f));
	jout_member_str(j, "fix", finding_fix_text(f));
	jout_evidence(j, f);
	jout_member_value(j, "references", finding_refs(f));
	jout_member_value(j, "data", finding_data_obj(f));
	jout_close(j);
}

/* One finding's JSON text, for finding_shared_text(). */
static char *
finding_text(const struct finding *f, size_t *len)
{
	struct jout j;

	jout_init(&j, NULL);
	jout_finding_members(&j, f);
	jout_flush(&j);
	if (j.is_err) {
		free(j.heap);
		return NULL;
	}
	*len = j.heap_len;
	return j.heap;
}

/* A copied finding (a proof's, reused by many bounces) is written once and its text
 * kept for the other copies. */
static void
jout_finding(struct jout *j, const struct finding *f)
{
	size_t len;
	const char *text = finding_shared_text(f, finding_text, &len);

	if (text == NULL) {
		jout_finding_members(j, f);
		return;
	}
	jout_put(j, text, len);
	j->is_first = false;
}

/* The document of render_json_line(), without the newline. */
static void
jout_report(struct jout *j, const struct report *rep, bool problems_only)
{
	const struct report_stats *st = report_stats_const(rep);
	enum status worst = report_worst(rep);
	json_t *extra = report_extra(rep), *v;
	const char *key;
	size_t i, shown = 0;

	jout_open(j);
	jout_member_int(j, "schema", MXD_JSON_SCHEMA);
	jout_member_str(j, "tool", PACKAGE_NAME " " PACKAGE_VERSION);
	jout_member_str(j, "command", report_command(rep));
	jout_member_str(j, "target", report_target(rep));
	jout_member_str(j, "status", status_name(worst));
	jout_member_int(j, "exit_code", status_exit_code(worst));
	jout_key(j, "findings");
	jout_char(j, '[');
	for (i = 0; i < report_count(rep); i++) {
		const struct finding *f = report_finding(rep, i);

		/* as render_json_doc_problems(): only the OK and INFO lines go */
		if (problems_only && finding_status(f) <= ST_INFO)
			continue;
		if (shown++ > 0)
			jout_char(j, ',');
		jout_finding(j, f);
	}
	jout_char(j, ']');
	if (extra != NULL) {
		json_object_foreach(extra, key, v)
			jout_member_value(j, key, v);
	}
	jout_key(j, "stats");
	jout_open(j);
	jout_key(j, "dns");
	jout_open(j);
	jout_member_int(j, "queries", (int)st->dns.queries);
	jout_member_int(j, "cache_hits", (int)st->dns.cache_hits);
	jout_member_int(j, "depth", (int)st->dns.depth);
	jout_close(j);
	jout_key(j, "smtp");
	jout_open(j);
	jout_member_int(j, "sessions", (int)st->smtp_sessions);
	jout_close(j);
	jout_member_int(j, "elapsed_ms", (long long)st->elapsed_ms);
	jout_close(j);
	jout_close(j);
}

int
render_json_line(FILE *out, const struct report *rep, bool problems_only)
{
	struct jout j;

	jout_init(&j, out);
	jout_report(&j, rep, problems_only);
	return jout_end(&j);
}

char *
render_json_line_text(const struct report *rep, bool problems_only)
{
	struct jout j;

	/* written into the heap: open_memstream() and its stdio buffer were a fortieth of a
	 * batch */
	jout_init(&j, NULL);
	jout_report(&j, rep, problems_only);
	jout_flush(&j);
	if (j.is_err) {
		free(j.heap);
		return NULL;
	}
	return j.heap;
}
