/* Findings model: an ordered list of findings plus run statistics. */
#include "config.h"

#include <stdarg.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "loop.h"
#include "report.h"
#include "text.h"
#include "xmalloc.h"

/* A hostile target cannot make a report grow without end. */
#define REPORT_MAX_FINDINGS 4096
#define FINDING_MAX_EVIDENCE 256

/* One piece of evidence: a DNS answer's, kept as built from the answer (the line writer
 * writes it as it is), or any other as a JSON object with "text". Exactly one is set. */
struct evidence {
	json_t *json;
	struct dns_evidence *dns;
};

struct finding {
	char *id;
	enum status status;
	char *subject;
	char *message;
	char *fix;
	char *group;
	struct evidence *ev;	/* in the order added */
	size_t nev, ev_cap;
	json_t *ev_list;	/* finding_evidence_list()'s array, made when asked; NULL when
				 * not asked since the last change */
	json_t *refs;		/* array of strings */
	json_t *data;		/* object */
	struct finding_share *share;	/* the copies of one finding: NULL when not copied */
};

/* What the copies of one finding (report_add_copy()) share beyond their JSON values: the
 * text its line writer made of the first of them, so that the others write those bytes as
 * they are (over a mailbox, the proofs' findings were rendered again for every bounce that
 * reused them: half of the writing). A finding changed after it was copied leaves it. */
struct finding_share {
	unsigned refs;			/* atomic: copies are freed on several threads */
	struct shared_text *text;	/* NULL until written; set once, atomically */
};

struct shared_text {
	size_t len;
	char *bytes;	/* the writer's own, taken over */
};

struct report {
	char *command;
	char *target;
	struct finding **findings;
	size_t count, cap;
	struct finding overflow;	/* absorbs findings past the ceiling */
	struct report_stats stats;
	json_t *extra;
	json_t *answers;	/* array of strings, or NULL */
};

/* How many of p[0..n) from the start are kept as they are: printable ASCII (DEL too), tab
 * and newline. Sixteen at a time where SSE2 is: finding texts are long and mostly that. */
static size_t
plain_prefix(const unsigned char *p, size_t n)
{
	size_t i = 0;

#ifdef __SSE2__
	const __m128i space = _mm_set1_epi8(0x20), tab = _mm_set1_epi8('\t');
	const __m128i nl = _mm_set1_epi8('\n');

	for (; n - i >= 16; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(p + i));
		/* signed: bytes from 0x80 up are negative, below the space as controls are */
		unsigned odd = (unsigned)_mm_movemask_epi8(_mm_cmplt_epi8(v, space));
		unsigned ok = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, tab),
		    _mm_cmpeq_epi8(v, nl)));

		if ((odd & ~ok) != 0)
			return i + (size_t)__builtin_ctz(odd & ~ok);
	}
#endif
	while (i < n && ((p[i] >= 0x20 && p[i] < 0x80) || p[i] == '\t' || p[i] == '\n'))
		i++;
	return i;
}

/* Servers and bounces send any bytes; JSON needs UTF-8 and terminals need no control
 * characters. Invalid bytes become '?', controls other than tab and newline ' '. In
 * place: each byte is kept or replaced by one, so nothing moves. Returns s. */
static char *
clean_in_place(char *s)
{
	unsigned char *p = (unsigned char *)s;
	size_t n = strlen(s), i = 0;

	while ((i += plain_prefix(p + i, n - i)) < n) {
		size_t k;

		if (p[i] < 0x80) {		/* a control */
			p[i++] = ' ';
		} else if ((k = text_utf8_seq(p + i, n - i)) == 0) {
			p[i++] = '?';
		} else {
			i += k;
		}
	}
	return s;
}

/* clean_in_place() on a copy of s. Caller frees. */
static char *
clean_text(const char *s)
{
	return clean_in_place(xstrdup(s));
}

static char *
clean_vasprintf(const char *fmt, va_list ap)
{
	return clean_in_place(xvasprintf(fmt, ap));
}

/* Atomic: explain frees the reports of a window on several threads, and their findings
 * may share one answer's evidence (jansson's own counts are atomic too). */
static void
dns_evidence_ref(struct dns_evidence *d)
{
	__atomic_add_fetch(&d->refs, 1, __ATOMIC_RELAXED);
}

static void
dns_evidence_unref(struct dns_evidence *d)
{
	if (d != NULL && __atomic_sub_fetch(&d->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		free(d->data);
		free(d);
	}
}

static void
evidence_clear(struct finding *f)
{
	size_t i;

	for (i = 0; i < f->nev; i++) {
		json_decref(f->ev[i].json);
		dns_evidence_unref(f->ev[i].dns);
	}
	free(f->ev);
	f->ev = NULL;
	f->nev = f->ev_cap = 0;
	json_decref(f->ev_list);
	f->ev_list = NULL;
}

static void
share_unref(struct finding_share *sh)
{
	if (sh != NULL && __atomic_sub_fetch(&sh->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		if (sh->text != NULL)
			free(sh->text->bytes);
		free(sh->text);
		free(sh);
	}
}

/* f is about to change: it no longer writes what its copies write. */
static void
share_leave(struct finding *f)
{
	share_unref(f->share);
	f->share = NULL;
}

/* Append one piece (its reference taken over); past the ceiling when is_capped, dropped. */
static void
evidence_push(struct finding *f, json_t *json, struct dns_evidence *dns, bool is_capped)
{
	share_leave(f);
	if (is_capped && f->nev >= FINDING_MAX_EVIDENCE) {
		json_decref(json);
		dns_evidence_unref(dns);
		return;
	}
	if (f->nev == f->ev_cap) {
		f->ev_cap = f->ev_cap ? f->ev_cap * 2 : 4;
		f->ev = xrealloc(f->ev, f->ev_cap * sizeof(*f->ev));
	}
	f->ev[f->nev].json = json;
	f->ev[f->nev].dns = dns;
	f->nev++;
	json_decref(f->ev_list);	/* stale */
	f->ev_list = NULL;
}

static void
finding_init(struct finding *f, const char *id, enum status st, const char *subject)
{
	f->id = xstrdup(id);
	f->status = st;
	f->subject = clean_text(subject != NULL ? subject : "");
	f->refs = json_array();
	f->data = json_object();
}

static void
finding_fini(struct finding *f)
{
	free(f->id);
	free(f->subject);
	free(f->message);
	free(f->fix);
	free(f->group);
	evidence_clear(f);
	json_decref(f->refs);
	json_decref(f->data);
	share_unref(f->share);
}

struct report *
report_new(const char *command, const char *target)
{
	struct report *rep = xcalloc(1, sizeof(*rep));

	rep->command = xstrdup(command);
	/* cleaned as finding texts are: a file name need not be UTF-8, JSON must be */
	rep->target = clean_text(target != NULL ? target : "");
	rep->stats.started_ms = loop_now_ms();
	finding_init(&rep->overflow, "(dropped)", ST_UNKNOWN, "");
	return rep;
}

void
report_free(struct report *rep)
{
	size_t i;

	if (rep == NULL)
		return;
	for (i = 0; i < rep->count; i++) {
		finding_fini(rep->findings[i]);
		free(rep->findings[i]);
	}
	finding_fini(&rep->overflow);
	free(rep->findings);
	free(rep->command);
	free(rep->target);
	json_decref(rep->extra);
	json_decref(rep->answers);
	free(rep);
}

static int severity(enum status st);

/* What report_settle() sorts by, for qsort (which is not stable: seq keeps it so). */
struct settle_key {
	struct finding *f;
	size_t group, seq;
	bool is_target;
};

static int
cmp_settle(const void *a, const void *b)
{
	const struct settle_key *x = a, *y = b;
	int c;

	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	if (x->is_target != y->is_target)
		return x->is_target ? -1 : 1;
	if ((c = strcmp(x->f->subject, y->f->subject)) != 0)
		return c;
	if (x->f->status != y->f->status)
		return severity(x->f->status) > severity(y->f->status) ? -1 : 1;
	if ((c = strcmp(x->f->id, y->f->id)) != 0)
		return c;
	/* By message too, whatever order the answers arrived in: the report is the same run
	 * to run, and findings that say the same thing end up side by side to be merged. */
	if ((c = strcmp(x->f->message != NULL ? x->f->message : "",
	    y->f->message != NULL ? y->f->message : "")) != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static size_t
group_rank(const char *const *groups, const char *g)
{
	size_t i;

	for (i = 0; groups != NULL && groups[i] != NULL; i++)
		if (g != NULL && strcmp(groups[i], g) == 0)
			return i + 1;
	return 0;	/* no titled section: the untitled lead comes first */
}

static bool
says_the_same(const struct finding *a, const struct finding *b)
{
	return strcmp(a->id, b->id) == 0 && strcmp(a->subject, b->subject) == 0 &&
	    a->status == b->status && a->message != NULL && b->message != NULL &&
	    strcmp(a->message, b->message) == 0;
}

/* All of from's evidence appended to to's, as it was (no ceiling: as many as before). */
static void
evidence_move(struct finding *to, struct finding *from)
{
	size_t i;

	for (i = 0; i < from->nev; i++)
		evidence_push(to, from->ev[i].json, from->ev[i].dns, false);
	from->nev = 0;
}

void
report_settle(struct report *rep, const char *const *groups)
{
	struct settle_key *keys;
	size_t i, n = 0;

	if (rep->count < 2)
		return;
	keys = xcalloc(rep->count, sizeof(*keys));
	for (i = 0; i < rep->count; i++) {
		keys[i].f = rep->findings[i];
		keys[i].group = group_rank(groups, rep->findings[i]->group);
		keys[i].seq = i;
		keys[i].is_target = rep->target != NULL &&
		    strcmp(rep->findings[i]->subject, rep->target) == 0;
	}
	qsort(keys, rep->count, sizeof(*keys), cmp_settle);
	for (i = 0; i < rep->count; i++) {
		struct finding *f = keys[i].f;

		if (n > 0 && says_the_same(rep->findings[n - 1], f)) {
			evidence_move(rep->findings[n - 1], f);
			finding_fini(f);
			free(f);
			continue;
		}
		rep->findings[n++] = f;
	}
	rep->count = n;
	free(keys);
}

void
report_finish(struct report *rep)
{
	rep->stats.elapsed_ms = loop_now_ms() - rep->stats.started_ms;
}

struct finding *
report_add(struct report *rep, const char *id, enum status st, const char *subject)
{
	struct finding *f;

	if (rep->count == REPORT_MAX_FINDINGS)
		return &rep->overflow;
	if (rep->count == REPORT_MAX_FINDINGS - 1) {
		/* The last slot says that the rest was dropped; setters then write into overflow. */
		id = "report.truncated";
		st = ST_UNKNOWN;
	}
	if (rep->count == rep->cap) {
		rep->cap = rep->cap ? rep->cap * 2 : 16;
		rep->findings = xrealloc(rep->findings, rep->cap * sizeof(*rep->findings));
	}
	f = xcalloc(1, sizeof(*f));
	finding_init(f, id, st, subject);
	rep->findings[rep->count++] = f;
	if (rep->count == REPORT_MAX_FINDINGS) {
		finding_msg(f, "More than %d findings: the rest were dropped.",
		    REPORT_MAX_FINDINGS - 1);
		return &rep->overflow;
	}
	return f;
}

struct finding *
report_add_copy(struct report *rep, const struct finding *src)
{
	struct finding *f = report_add(rep, src->id, src->status, src->subject);
	size_t i;

	if (strcmp(f->id, src->id) != 0)
		return f;	/* the ceiling: the slot says the rest was dropped */
	if (src->message != NULL)
		f->message = xstrdup(src->message);
	if (src->fix != NULL)
		f->fix = xstrdup(src->fix);
	if (src->group != NULL)
		f->group = xstrdup(src->group);
	/* explain copies each proof's findings into every bounce that reuses it: evidence,
	 * data and references are shared (reference-counted), not copied. A copy is read,
	 * never added to: its reports are written on several threads at once, and jansson
	 * reads a count without an atomic before it changes it. */
	for (i = 0; i < src->nev; i++) {
		if (src->ev[i].dns != NULL)
			dns_evidence_ref(src->ev[i].dns);
		evidence_push(f, json_incref(src->ev[i].json), src->ev[i].dns, false);
	}
	json_decref(f->refs);
	json_decref(f->data);
	f->refs = json_incref(src->refs);
	f->data = json_incref(src->data);
	/* src is the original or a copy, on the thread that copies (as are all its copies) */
	if (src->share == NULL) {
		struct finding *orig = (struct finding *)src;	/* only its share is set */

		orig->share = xcalloc(1, sizeof(*orig->share));
		orig->share->refs = 1;
	}
	__atomic_add_fetch(&src->share->refs, 1, __ATOMIC_RELAXED);
	f->share = src->share;
	return f;
}

const char *
finding_shared_text(const struct finding *f, char *(*write)(const struct finding *, size_t *),
    size_t *len)
{
	struct shared_text *t, *mine, *none = NULL;
	char *bytes;
	size_t n;

	if (f->share == NULL)
		return NULL;
	t = __atomic_load_n(&f->share->text, __ATOMIC_ACQUIRE);
	if (t == NULL) {
		if ((bytes = write(f, &n)) == NULL)
			return NULL;
		mine = xmalloc(sizeof(*mine));
		mine->len = n;
		mine->bytes = bytes;
		/* another thread may have written a copy meanwhile: the first text stays */
		if (__atomic_compare_exchange_n(&f->share->text, &none, mine, false,
		    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			t = mine;
		} else {
			free(bytes);
			free(mine);
			t = none;
		}
	}
	*len = t->len;
	return t->bytes;
}

void
finding_msg(struct finding *f, const char *fmt, ...)
{
	va_list ap;

	share_leave(f);
	free(f->message);
	va_start(ap, fmt);
	f->message = clean_vasprintf(fmt, ap);
	va_end(ap);
}

void
finding_fix(struct finding *f, const char *fmt, ...)
{
	va_list ap;

	share_leave(f);
	free(f->fix);
	va_start(ap, fmt);
	f->fix = clean_vasprintf(fmt, ap);
	va_end(ap);
}

void
finding_ref(struct finding *f, const char *ref)
{
	char *text = clean_text(ref);

	share_leave(f);
	json_array_append_new(f->refs, json_string_nocheck(text));	/* clean_text: UTF-8 */
	free(text);
}

void
finding_evidence_json(struct finding *f, json_t *obj)
{
	if (obj != NULL)
		evidence_push(f, obj, NULL, true);
}

void
finding_evidence(struct finding *f, const char *fmt, ...)
{
	va_list ap;
	char *text;
	json_t *obj;

	va_start(ap, fmt);
	text = clean_vasprintf(fmt, ap);
	va_end(ap);
	obj = json_object();
	json_object_set_new(obj, "text", json_string_nocheck(text));	/* cleaned: UTF-8 */
	finding_evidence_json(f, obj);
	free(text);
}

/* Whether json_string() takes s: UTF-8, checked with jansson's rules (RFC 3629) but
 * without its call per byte. */
static bool
is_utf8(const char *s)
{
	return text_is_utf8(s, strlen(s));
}

json_t *
report_json_string(const char *s)
{
	size_t len;

	if (s == NULL)
		return NULL;
	len = strlen(s);
	return text_is_utf8(s, len) ? json_stringn_nocheck(s, len) : NULL;
}

size_t
report_int_text(long long v, char *buf)
{
	char num[REPORT_INT_TEXT_MAX];
	size_t i = sizeof(num);
	/* the magnitude as unsigned: -LLONG_MIN does not fit a long long */
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	do {
		num[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u > 0);
	if (v < 0)
		num[--i] = '-';
	memcpy(buf, num + i, sizeof(num) - i);
	return sizeof(num) - i;
}

/* The texts of a DNS evidence, gathered in one buffer before they are pointed at. */
struct ev_texts {
	char *buf;
	size_t used, cap;
};

/* s[0..len) appended, room for a NUL kept after it. */
static void
texts_put(struct ev_texts *t, const char *s, size_t len)
{
	while (t->cap - t->used < len + 1) {
		t->cap = t->cap ? t->cap * 2 : 512;
		t->buf = xrealloc(t->buf, t->cap);
	}
	memcpy(t->buf + t->used, s, len);
	t->used += len;
}

static void
texts_puts(struct ev_texts *t, const char *s)
{
	texts_put(t, s, strlen(s));
}

/* The text being written ended with its NUL. */
static void
texts_end(struct ev_texts *t)
{
	t->buf[t->used++] = '\0';	/* texts_put() kept the room */
}

/*
 * The evidence of ans: question, rcode, flags, server, time, the answer records (the first
 * DNS_EVIDENCE_MAX_RECORDS) as ldns writes them. NULL when its name or server is not UTF-8
 * (json_string() refused the text that holds them); an error that is not is left out. Its
 * texts are one allocation: as a jansson object it was some thirty, a fifth of a batch's
 * CPU to make and free.
 */
static struct dns_evidence *
dns_evidence_new(const struct dns_answer *ans)
{
	struct dns_evidence *d;
	struct ev_texts t = { 0 };
	const ldns_rr_list *an = ans->pkt != NULL ? ldns_pkt_answer(ans->pkt) : NULL;
	size_t i, n = an != NULL ? ldns_rr_list_rr_count(an) : 0, off_text, off_qname;
	size_t off_qtype, off_server = 0, off_error = 0, off_rr[DNS_EVIDENCE_MAX_RECORDS];
	const char *server = ans->server != NULL ? ans->server : "?";
	char num[REPORT_INT_TEXT_MAX], rtext[2048];

	if (!is_utf8(ans->qname) || !is_utf8(server))
		return NULL;
	d = xcalloc(1, sizeof(*d));
	d->refs = 1;
	/* "%s %s -> %s (%zu record%s) from %s in %lld ms%s", without printf's work (its two
	 * snprintf() calls for the numbers alone were 3 % of a batch) */
	off_text = t.used;
	texts_puts(&t, ans->qname);
	texts_puts(&t, " ");
	texts_puts(&t, dns_type_name(ans->qtype));
	texts_puts(&t, " -> ");
	texts_puts(&t, dns_status_name(ans->status));
	texts_puts(&t, " (");
	texts_put(&t, num, report_int_text((long long)n, num));
	texts_puts(&t, n == 1 ? " record) from " : " records) from ");
	texts_puts(&t, server);
	texts_puts(&t, " in ");
	texts_put(&t, num, report_int_text((long long)ans->ms, num));
	texts_puts(&t, ans->is_authenticated ? " ms, AD" : " ms");
	texts_end(&t);
	off_qname = t.used;
	texts_puts(&t, ans->qname);
	texts_end(&t);
	off_qtype = t.used;	/* dns_type_name()'s buffer is reused */
	texts_puts(&t, dns_type_name(ans->qtype));
	texts_end(&t);
	for (i = 0; i < n && i < DNS_EVIDENCE_MAX_RECORDS; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(an, i);
		size_t len = dns_rr_text(rr, rtext, sizeof(rtext));
		char *s;

		if (len > 0) {	/* printable ASCII only: nothing to clean */
			off_rr[d->nanswers] = t.used;
			texts_put(&t, rtext, len);
			texts_end(&t);
			d->nanswers++;
			continue;
		}
		s = ldns_rr2str(rr);
		if (s != NULL) {
			s[strcspn(s, "\n")] = '\0';
			off_rr[d->nanswers] = t.used;
			texts_puts(&t, clean_in_place(s));
			texts_end(&t);
			d->nanswers++;
			free(s);
		}
	}
	if (ans->server != NULL) {
		off_server = t.used;
		texts_puts(&t, ans->server);
		texts_end(&t);
	}
	if (ans->error != NULL && is_utf8(ans->error)) {
		off_error = t.used;
		texts_puts(&t, ans->error);
		texts_end(&t);
	}
	/* pointed at once the buffer no longer moves */
	d->data = t.buf;
	d->text = t.buf + off_text;
	d->qname = t.buf + off_qname;
	for (i = 0; i < d->nanswers; i++)
		d->answers[i] = t.buf + off_rr[i];
	d->server = ans->server != NULL ? t.buf + off_server : NULL;
	d->error = off_error > 0 ? t.buf + off_error : NULL;
	d->qtype = t.buf + off_qtype;
	d->status = dns_status_name(ans->status);
	d->rcode = ans->rcode;
	d->ms = ans->ms;
	d->is_authenticated = ans->is_authenticated;
	d->was_truncated = ans->was_truncated;
	return d;
}

static void
release_evidence(void *obj)
{
	dns_evidence_unref(obj);
}

/* ans's evidence, a new reference: built once per answer and kept in its memo, as the mx,
 * address, ptr and probe checks cite the same answers (a domain's MX, its hosts' A/AAAA).
 * Findings share it: no one changes it once made. NULL as dns_evidence_new(). */
static struct dns_evidence *
dns_evidence_of(const struct dns_answer *ans)
{
	struct dns_evidence *d;

	if (ans->memo != NULL && ans->memo->obj != NULL) {
		d = ans->memo->obj;
		dns_evidence_ref(d);
		return d;
	}
	d = dns_evidence_new(ans);
	if (d != NULL && ans->memo != NULL) {
		dns_evidence_ref(d);
		ans->memo->obj = d;
		ans->memo->release = release_evidence;
	}
	return d;
}

/* The JSON object of d, as render_json_line() writes d. Caller owns the reference. */
static json_t *
dns_evidence_json(const struct dns_evidence *d)
{
	json_t *obj = json_object(), *records = json_array();
	size_t i;

	for (i = 0; i < d->nanswers; i++)
		json_array_append_new(records, json_string_nocheck(d->answers[i]));
	/* every text was checked to be UTF-8 when d was made */
	json_object_set_new_nocheck(obj, "kind", json_string_nocheck("dns"));
	json_object_set_new_nocheck(obj, "text", json_string_nocheck(d->text));
	json_object_set_new_nocheck(obj, "qname", json_string_nocheck(d->qname));
	json_object_set_new_nocheck(obj, "qtype", json_string_nocheck(d->qtype));
	json_object_set_new_nocheck(obj, "rcode", json_integer(d->rcode));
	json_object_set_new_nocheck(obj, "status", json_string_nocheck(d->status));
	json_object_set_new_nocheck(obj, "ms", json_integer((json_int_t)d->ms));
	json_object_set_new_nocheck(obj, "ad", json_boolean(d->is_authenticated));
	json_object_set_new_nocheck(obj, "tc", json_boolean(d->was_truncated));
	json_object_set_new_nocheck(obj, "answers", records);
	if (d->server != NULL)
		json_object_set_new_nocheck(obj, "server", json_string_nocheck(d->server));
	if (d->error != NULL)
		json_object_set_new_nocheck(obj, "error", json_string_nocheck(d->error));
	return obj;
}

void
finding_dns(struct finding *f, const struct dns_answer *ans)
{
	struct dns_evidence *d = dns_evidence_of(ans);

	if (d != NULL)
		evidence_push(f, NULL, d, true);
}

json_t *
dns_answer_evidence(const struct dns_answer *ans)
{
	struct dns_evidence *d = dns_evidence_of(ans);
	json_t *obj;

	if (d == NULL)
		return NULL;
	obj = dns_evidence_json(d);
	dns_evidence_unref(d);
	return obj;
}

void
finding_data(struct finding *f, const char *key, json_t *value)
{
	share_leave(f);
	json_object_set_new_nocheck(f->data, key, value);	/* keys are literals */
}

void
finding_group(struct finding *f, const char *group)
{
	share_leave(f);
	free(f->group);
	f->group = xstrdup(group);
}

void
report_group_from(struct report *rep, size_t first, const char *group)
{
	size_t i;

	for (i = first; i < rep->count; i++)
		finding_group(rep->findings[i], group);
}

const char *report_command(const struct report *rep) { return rep->command; }
const char *report_target(const struct report *rep) { return rep->target; }
struct report_stats *report_stats(struct report *rep) { return &rep->stats; }
const struct report_stats *report_stats_const(const struct report *rep) { return &rep->stats; }
size_t report_count(const struct report *rep) { return rep->count; }
const struct finding *report_finding(const struct report *rep, size_t i) { return rep->findings[i]; }
json_t *report_extra(const struct report *rep) { return rep->extra; }

void
report_set_extra(struct report *rep, const char *key, json_t *value)
{
	if (rep->extra == NULL)
		rep->extra = json_object();
	json_object_set_new_nocheck(rep->extra, key, value);	/* keys are literals */
}

void
report_answer(struct report *rep, const char *line)
{
	char *clean = clean_text(line);

	if (rep->answers == NULL)
		rep->answers = json_array();
	json_array_append_new(rep->answers, json_string(clean));
	free(clean);
}

json_t *report_answers(const struct report *rep) { return rep->answers; }

void
report_regrade(struct report *rep, size_t i, enum status st, const char *why,
    bool keep_fix)
{
	struct finding *f = rep->findings[i];
	char *old;

	if (f->status == st)
		return;
	share_leave(f);
	finding_data(f, "regraded", json_pack("{s:s, s:s}", "from", status_name(f->status),
	    "why", why));
	finding_evidence(f, "%s", why);
	/* The reason leads: it is why this no longer matters. */
	old = f->message;
	f->message = NULL;
	finding_msg(f, "%s%s%s", why, old != NULL ? text_sentence_gap(why) : "",
	    old != NULL ? old : "");
	free(old);
	if (!keep_fix) {
		free(f->fix);
		f->fix = NULL;
	}
	f->status = st;
}

void
report_remove(struct report *rep, size_t i)
{
	if (i >= rep->count)
		return;
	finding_fini(rep->findings[i]);
	free(rep->findings[i]);
	memmove(&rep->findings[i], &rep->findings[i + 1],
	    (rep->count - i - 1) * sizeof(*rep->findings));
	rep->count--;
}

const struct finding *
report_find(const struct report *rep, const char *id)
{
	size_t i;

	for (i = 0; i < rep->count; i++)
		if (strcmp(rep->findings[i]->id, id) == 0)
			return rep->findings[i];
	return NULL;
}

const char *finding_id(const struct finding *f) { return f->id; }
enum status finding_status(const struct finding *f) { return f->status; }
const char *finding_subject(const struct finding *f) { return f->subject; }
const char *finding_message(const struct finding *f) { return f->message; }
const char *finding_fix_text(const struct finding *f) { return f->fix; }
const char *finding_group_name(const struct finding *f) { return f->group; }
size_t finding_evidence_count(const struct finding *f) { return f->nev; }

const json_t *
finding_evidence_at(const struct finding *f, size_t i, const struct dns_evidence **dns)
{
	*dns = f->ev[i].dns;
	return f->ev[i].json;
}

json_t *
finding_evidence_list(const struct finding *f)
{
	struct finding *mf = (struct finding *)f;	/* a cache of what f holds: f is the same */
	size_t i;

	if (f->ev_list != NULL)
		return f->ev_list;
	mf->ev_list = json_array();
	for (i = 0; i < f->nev; i++)
		json_array_append_new(mf->ev_list, f->ev[i].dns != NULL ?
		    dns_evidence_json(f->ev[i].dns) : json_incref(f->ev[i].json));
	return f->ev_list;
}
json_t *finding_refs(const struct finding *f) { return f->refs; }
json_t *finding_data_obj(const struct finding *f) { return f->data; }

/* FAIL is proven and wins; an undecided check outranks warnings because it may hide worse. */
static int
severity(enum status st)
{
	switch (st) {
	case ST_OK: return 0;
	case ST_INFO: return 1;
	case ST_WARN: return 2;
	case ST_UNKNOWN: return 3;
	case ST_FAIL: return 4;
	}
	return 3;
}

enum status
report_worst(const struct report *rep)
{
	enum status worst = ST_OK;
	size_t i;

	for (i = 0; i < rep->count; i++)
		if (severity(rep->findings[i]->status) > severity(worst))
			worst = rep->findings[i]->status;
	if (rep->count == 0)
		return ST_UNKNOWN;	/* nothing learned is not "all fine" */
	return worst;
}

int
status_exit_code(enum status st)
{
	switch (st) {
	case ST_OK:
	case ST_INFO: return 0;
	case ST_WARN: return 1;
	case ST_FAIL: return 2;
	case ST_UNKNOWN: return 3;
	}
	return 3;
}

enum status
status_of_exit(int code)
{
	static const enum status by_exit[] = { ST_OK, ST_WARN, ST_FAIL, ST_UNKNOWN };

	return code >= 0 && code <= 3 ? by_exit[code] : ST_UNKNOWN;
}

int
status_exit_worse(int a, int b)
{
	return severity(status_of_exit(a)) >= severity(status_of_exit(b)) ? a : b;
}

const char *
status_name(enum status st)
{
	switch (st) {
	case ST_OK: return "OK";
	case ST_INFO: return "INFO";
	case ST_WARN: return "WARN";
	case ST_FAIL: return "FAIL";
	case ST_UNKNOWN: return "UNKNOWN";
	}
	return "UNKNOWN";
}
