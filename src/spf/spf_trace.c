/* The SPF evaluation trace: result and problem names, answer summaries and the bounded
 * step log that "mxdiag spf" shows. */

#include "config.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "err.h"
#include "spf.h"
#include "spf_macro.h"
#include "spf_parse.h"
#include "xmalloc.h"
#include "spf_int.h"

static const char *status_name(enum spf_dns_status st);
static void sb_printf(struct sbuf *sb, const char *fmt, ...);
static void sb_quote(struct sbuf *sb, const char *s, size_t len);

const char *
spf_result_name(enum spf_result res)
{
	switch (res) {
	case SPF_NONE: return "none";
	case SPF_NEUTRAL: return "neutral";
	case SPF_PASS: return "pass";
	case SPF_FAIL: return "fail";
	case SPF_SOFTFAIL: return "softfail";
	case SPF_TEMPERROR: return "temperror";
	case SPF_PERMERROR: return "permerror";
	}
	return "?";
}

const char *
spf_problem_name(enum spf_problem prob)
{
	switch (prob) {
	case SPF_PROB_NONE: return "";
	case SPF_PROB_BAD_DOMAIN: return "bad-domain";
	case SPF_PROB_NXDOMAIN: return "nxdomain";
	case SPF_PROB_NO_RECORD: return "no-record";
	case SPF_PROB_MULTIPLE: return "multiple-records";
	case SPF_PROB_SYNTAX: return "syntax";
	case SPF_PROB_TOO_LONG: return "too-long";
	case SPF_PROB_DNS_LIMIT: return "lookup-limit";
	case SPF_PROB_VOID_LIMIT: return "void-limit";
	case SPF_PROB_MX_LIMIT: return "mx-limit";
	case SPF_PROB_INCLUDE_NONE: return "include-no-record";
	case SPF_PROB_REDIRECT_NONE: return "redirect-no-record";
	case SPF_PROB_BAD_TARGET: return "bad-target";
	case SPF_PROB_DNS_ERROR: return "dns-error";
	}
	return "?";
}

int
spf_result_parse(const char *s, enum spf_result *res)
{
	static const enum spf_result all[] = { SPF_NONE, SPF_NEUTRAL, SPF_PASS, SPF_FAIL,
	    SPF_SOFTFAIL, SPF_TEMPERROR, SPF_PERMERROR };
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (strcasecmp(s, spf_result_name(all[i])) == 0) {
			*res = all[i];
			return 0;
		}
	}
	return MXD_EINVAL;
}

const char *
spf_type_name(uint16_t type)
{
	switch (type) {
	case SPF_T_A: return "A";
	case SPF_T_AAAA: return "AAAA";
	case SPF_T_MX: return "MX";
	case SPF_T_PTR: return "PTR";
	case SPF_T_TXT: return "TXT";
	default: return "?";
	}
}

static const char *
status_name(enum spf_dns_status st)
{
	switch (st) {
	case SPF_DNS_OK: return "NOERROR";
	case SPF_DNS_NODATA: return "NODATA";
	case SPF_DNS_NXDOMAIN: return "NXDOMAIN";
	case SPF_DNS_TEMPERROR: return "TEMPERROR";
	case SPF_DNS_BADNAME: return "BADNAME";
	}
	return "?";
}



static void
sb_printf(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (sb->is_full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(sb->buf + sb->len, sizeof(sb->buf) - sb->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(sb->buf) - sb->len) {
		sb->is_full = true;
		sb->len = sizeof(sb->buf) - 1;
		memcpy(sb->buf + sb->len - 3, "...", 3);
		return;
	}
	sb->len += (size_t)n;
}

/* Quote record data, escaping what a terminal should not see. */
static void
sb_quote(struct sbuf *sb, const char *s, size_t len)
{
	size_t i;

	sb_printf(sb, "\"");
	for (i = 0; i < len && !sb->is_full; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c > 0x7e || c == '"' || c == '\\')
			sb_printf(sb, "\\x%02x", c);
		else
			sb_printf(sb, "%c", c);
	}
	sb_printf(sb, "\"");
}

struct spf_frame *
spf_top_frame(struct spf_eval *ev)
{
	return &ev->frames[ev->depth - 1];
}


/* Record one step; slot (may be NULL) gives the query and its answer. */
void
spf_trace_add(struct spf_eval *ev, const char *term, const struct spf_slot *slot, const char *fmt,
    ...)
{
	struct spf_trace_step *st;
	va_list ap;

	if (!ev->want_trace)
		return;
	if (ev->trace_len >= SPF_TRACE_MAX) {
		ev->is_trace_truncated = true;
		return;
	}
	if (ev->trace_len == ev->trace_cap) {
		ev->trace_cap = ev->trace_cap == 0 ? 16 : ev->trace_cap * 2;
		ev->trace = xrealloc(ev->trace, ev->trace_cap * sizeof(*ev->trace));
	}
	st = &ev->trace[ev->trace_len++];
	memset(st, 0, sizeof(*st));
	st->depth = ev->depth > 0 ? (unsigned)ev->depth - 1 : 0;
	st->domain = xstrdup(ev->depth > 0 ? spf_top_frame(ev)->domain : ev->domain);
	st->term = xstrdup(term);
	if (slot != NULL) {
		st->query = xasprintf("%s %s", slot->qname, spf_type_name(slot->type));
		st->answer = xstrdup(slot->summary);
	}
	if (fmt != NULL) {
		va_start(ap, fmt);
		st->note = xvasprintf(fmt, ap);
		va_end(ap);
	}
	st->dns_mechs = ev->dns_mechs;
	st->void_lookups = ev->void_lookups;
}

size_t
spf_addr_len(uint16_t type)
{
	return type == SPF_T_AAAA ? 16 : 4;
}

void
spf_slot_summarise(struct spf_slot *slot, const struct spf_answer *ans)
{
	struct sbuf sb = { .len = 0 };
	char abuf[INET6_ADDRSTRLEN];
	size_t i;

	sb.buf[0] = '\0';
	if (slot->status != SPF_DNS_OK) {
		sb_printf(&sb, "%s", status_name(slot->status));
		if (slot->why != NULL)
			sb_printf(&sb, " (%s)", slot->why);
		slot->summary = xstrdup(sb.buf);
		return;
	}
	for (i = 0; i < ans->rr_count && !sb.is_full; i++) {
		const struct spf_rr *rr = &ans->rrs[i];

		if (i > 0)
			sb_printf(&sb, ", ");
		switch (slot->type) {
		case SPF_T_A:
		case SPF_T_AAAA:
			if (inet_ntop(slot->type == SPF_T_A ? AF_INET : AF_INET6, rr->addr, abuf,
			    sizeof(abuf)) != NULL)
				sb_printf(&sb, "%s", abuf);
			break;
		case SPF_T_MX:
			sb_printf(&sb, "%u ", rr->pref);
			sb_quote(&sb, rr->data, rr->data_len);
			break;
		default:
			sb_quote(&sb, rr->data, rr->data_len);
			break;
		}
	}
	slot->summary = xstrdup(sb.buf);
}
