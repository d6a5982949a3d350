/* Findings model: what a run learned, with evidence and fixes. Checks fill it; renderers print it. */
#ifndef MXD_REPORT_H
#define MXD_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "dns.h"

enum status { ST_OK, ST_INFO, ST_WARN, ST_FAIL, ST_UNKNOWN };

struct dns_answer;
struct finding;
struct report;

/* Counters reported as `stats` in JSON. */
struct report_stats {
	struct dns_stats dns;		/* filled by the DNS engine (dns_new()) */
	unsigned smtp_sessions;		/* SMTP connections opened */
	int64_t started_ms;		/* loop_now_ms() at report_new() */
	int64_t elapsed_ms;		/* set by report_finish() */
};

/* New report for COMMAND on TARGET (copied). Caller frees with report_free(). */
struct report *report_new(const char *command, const char *target);
void report_free(struct report *rep);
void report_finish(struct report *rep);

/* Add a finding; id is a stable `area.what` string. Strings are copied. Never NULL. */
struct finding *report_add(struct report *rep, const char *id, enum status st,
    const char *subject);

/* A copy of src (a finding of another report, e.g. one kept from an earlier run) added to
 * rep, texts, evidence, references and data included. The JSON (evidence, references,
 * data) is shared, reference-counted, not copied: a copied finding is read, not added to. */
struct finding *report_add_copy(struct report *rep, const struct finding *src);
/* The text that f and every other copy of one finding write: made by write(f, &len)
 * (malloc'd, NUL-terminated) for the first copy written, on any thread, and kept for the
 * others. NULL when f is no copy (nor copied), or when write() gave NULL. */
const char *finding_shared_text(const struct finding *f,
    char *(*write)(const struct finding *, size_t *), size_t *len);

/* printf-style setters; each copies. msg and fix replace, evidence and ref append. */
void finding_msg(struct finding *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void finding_fix(struct finding *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void finding_ref(struct finding *f, const char *ref);
void finding_evidence(struct finding *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Evidence from a DNS answer: question, rcode, flags, server, time, answer records. */
void finding_dns(struct finding *f, const struct dns_answer *ans);
/* The same evidence as a JSON object to keep for later (caller owns the reference). */
json_t *dns_answer_evidence(const struct dns_answer *ans);

#define DNS_EVIDENCE_MAX_RECORDS 32	/* records of an answer shown; its text counts all */

/* A DNS answer's evidence as finding_dns() keeps it: made once per answer, shared by the
 * findings that cite it, never changed; its JSON object is dns_answer_evidence()'s. */
struct dns_evidence {
	unsigned refs;			/* report.c's */
	char *data;			/* owned: every text below */
	const char *text, *qname, *qtype, *status;
	const char *server, *error;	/* NULL: no such member */
	int rcode;
	int64_t ms;
	bool is_authenticated, was_truncated;
	const char *answers[DNS_EVIDENCE_MAX_RECORDS];
	size_t nanswers;
};
/* Structured evidence: obj is stolen (the finding owns it); it must hold a "text" string. */
void finding_evidence_json(struct finding *f, json_t *obj);
/* Machine-readable facts (result codes, addresses): value is stolen; key is a literal
 * (ASCII, not checked again). */
void finding_data(struct finding *f, const char *key, json_t *value);
/* A JSON string of s, or NULL (as json_string()) when s is NULL or not UTF-8: the same
 * check as jansson's, without its call per byte. */
json_t *report_json_string(const char *s);
/* Section of a checklist this finding belongs to (preflight), copied. */
void finding_group(struct finding *f, const char *group);

/* Put every finding from index first on into group (a checklist section), copied. */
void report_group_from(struct report *rep, size_t first, const char *group);

/* Accessors for renderers; returned pointers are borrowed. */
const char *report_command(const struct report *rep);
const char *report_target(const struct report *rep);
struct report_stats *report_stats(struct report *rep);
const struct report_stats *report_stats_const(const struct report *rep);
/* Extra top-level JSON members of the command (e.g. an SPF result); value is stolen, key
 * a literal. */
void report_set_extra(struct report *rep, const char *key, json_t *value);
json_t *report_extra(const struct report *rep);	/* borrowed; may be NULL */

/*
 * The answer first: a line a renderer prints before the findings (preflight's verdict
 * on the delivery path), copied and cleaned like every finding text.
 */
void report_answer(struct report *rep, const char *line);
json_t *report_answers(const struct report *rep);	/* borrowed array of strings, or NULL */

/*
 * Finding i judged again once the whole path is known (mail is relayed, so the server's own
 * address is not what receivers see): its status becomes st, why leads its message and is
 * added to its evidence, and data.regraded keeps the status it had. Without keep_fix the
 * fix goes: the new premise has done it (relaying is the fix for a blocked port 25).
 */
void report_regrade(struct report *rep, size_t i, enum status st, const char *why,
    bool keep_fix);

/*
 * Put the findings in a stable order before they are shown, whatever order the network
 * answered in: by section (groups, NULL-terminated, in print order; NULL for none), then
 * the report's target before other subjects, then subject, then the worst status first,
 * then id; the first arrived first among equals. Findings that say the same thing (same id,
 * subject, status and message) become one, with every evidence line kept.
 */
void report_settle(struct report *rep, const char *const *groups);

/* Drop finding i: another finding already says all it says (for example that the domain
 * is an internal name, so advice to publish records under it is wrong). */
void report_remove(struct report *rep, size_t i);

size_t report_count(const struct report *rep);
const struct finding *report_finding(const struct report *rep, size_t i);
/* First finding with this id, or NULL. */
const struct finding *report_find(const struct report *rep, const char *id);

const char *finding_id(const struct finding *f);
enum status finding_status(const struct finding *f);
const char *finding_subject(const struct finding *f);
const char *finding_message(const struct finding *f);	/* may be NULL */
const char *finding_fix_text(const struct finding *f);	/* may be NULL */
const char *finding_group_name(const struct finding *f);	/* may be NULL */
json_t *finding_evidence_list(const struct finding *f);	/* borrowed array of objects */
/* The evidence one by one, for the line writer: piece i (< finding_evidence_count()) is a
 * DNS answer's (*dns set, NULL returned) or a JSON object (*dns NULL). Borrowed. */
size_t finding_evidence_count(const struct finding *f);
const json_t *finding_evidence_at(const struct finding *f, size_t i,
    const struct dns_evidence **dns);
json_t *finding_refs(const struct finding *f);		/* borrowed array of strings */
json_t *finding_data_obj(const struct finding *f);	/* borrowed object */

/* v in decimal, as "%lld" writes it, into buf (REPORT_INT_TEXT_MAX bytes; no NUL): returns
 * the length. The writers' numbers, without printf's work for each. */
#define REPORT_INT_TEXT_MAX 24
size_t report_int_text(long long v, char *buf);

/* Worst status over all findings (UNKNOWN ranks above FAIL only when nothing FAILed). */
enum status report_worst(const struct report *rep);
/* Exit code for a status: 0 OK/INFO, 1 WARN, 2 FAIL, 3 UNKNOWN. */
int status_exit_code(enum status st);
/* The worse of two exit statuses (status_exit_code() values), ranked as report_worst()
 * ranks statuses: FAIL (2) above UNKNOWN (3) above WARN (1) above OK (0); any other value
 * ranks as UNKNOWN. Every run of many reports (check --batch, explain of a mailbox) uses it. */
int status_exit_worse(int a, int b);
/* The status an exit code stands for (the inverse of status_exit_code(); INFO reads as OK,
 * anything past 3 as UNKNOWN). */
enum status status_of_exit(int code);
const char *status_name(enum status st);	/* "OK", "INFO", ... */

#endif
