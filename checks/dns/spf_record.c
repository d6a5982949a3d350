/* SPF record analysis (no evaluation): the published record of the domain and everything it
 * includes or redirects to, checked against RFC 7208 syntax and processing limits. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "checks.h"
#include "dns.h"
#include "i18n.h"
#include "report.h"
#include "xmalloc.h"

#define SPF_MAX_RECORD 65535	/* joined TXT: whatever one DNS message can carry */
#define SPF_MAX_TXT 16
#define SPF_MAX_RECORDS 40	/* records fetched through includes: bounds a hostile tree */
#define SPF_MAX_TERMS 128
#define SPF_MAX_DEPTH 12
#define SPF_LOOKUP_LIMIT 10	/* RFC 7208 4.6.4 */
#define SPF_VOID_LIMIT 2	/* RFC 7208 4.6.4 */

struct spf_walk;

/* One record to fetch: the domain and the chain of includes that led to it. */
struct spf_node {
	struct spf_walk *walk;
	char *domain;
	char *via;		/* the term that led here ("include:x"), NULL for the root */
	struct spf_node *parent;
	unsigned depth;
	int refs;		/* the node and its pending void probes */
};

struct spf_walk {
	struct check_ctx *ctx;
	int pending;
	unsigned dns_terms;
	unsigned voids;
	unsigned records;
	char void_terms[512];
	size_t void_len;
	bool is_unknown, has_problem;
	char *root_record;
};

struct void_probe {
	struct spf_node *node;
	char *term;
	int pending;
	bool has_data;
};

static void walk_fetch(struct spf_walk *w, const char *domain, const char *via,
    struct spf_node *parent, unsigned depth);

static void
node_release(struct spf_node *n)
{
	while (n != NULL && --n->refs == 0) {
		struct spf_node *parent = n->parent;

		free(n->domain);
		free(n->via);
		free(n);
		n = parent;
	}
}

static void
walk_finish(struct spf_walk *w)
{
	struct check_ctx *ctx = w->ctx;
	struct finding *f;

	if (w->root_record != NULL && !w->is_unknown) {
		if (w->dns_terms > SPF_LOOKUP_LIMIT) {
			f = check_add(ctx, "spf.lookup-limit", ST_FAIL, ctx->domain);
			finding_msg(f, _("The SPF record of %s needs %u DNS-querying terms counted "
			    "through its includes and redirects; the limit is %d, so receivers "
			    "return permerror and treat the mail as unauthenticated."), ctx->domain,
			    w->dns_terms, SPF_LOOKUP_LIMIT);
			finding_fix(f, _("Replace includes that are no longer used, or list the "
			    "senders' addresses with ip4:/ip6: instead of a, mx and nested includes."));
			finding_ref(f, "RFC 7208 section 4.6.4");
		} else {
			f = check_add(ctx, "spf.lookups", ST_OK, ctx->domain);
			finding_msg(f, _("The SPF record of %s uses %u of the %d DNS-querying terms "
			    "allowed."), ctx->domain, w->dns_terms, SPF_LOOKUP_LIMIT);
			finding_ref(f, "RFC 7208 section 4.6.4");
		}
		finding_data(f, "dns_terms", json_integer(w->dns_terms));
		if (w->voids > SPF_VOID_LIMIT) {
			f = check_add(ctx, "spf.void-limit", ST_FAIL, ctx->domain);
			finding_msg(f, _("The SPF record of %s causes %u void look-ups (names without "
			    "any answer): %s. More than %d make receivers return permerror."),
			    ctx->domain, w->voids, w->void_terms, SPF_VOID_LIMIT);
			finding_fix(f, _("Remove the terms that name hosts or domains without "
			    "records."));
			finding_ref(f, "RFC 7208 section 4.6.4");
			finding_data(f, "void_lookups", json_integer(w->voids));
		}
	}
	free(w->root_record);
	free(w);
}

static void
walk_done_one(struct spf_walk *w)
{
	if (--w->pending == 0)
		walk_finish(w);
}

static struct finding *
problem(struct spf_node *n, const char *id, enum status st)
{
	struct finding *f = check_add(n->walk->ctx, id, st, n->domain);

	if (st == ST_FAIL)
		n->walk->has_problem = true;
	if (n->via != NULL)
		finding_evidence(f, "reached through %s", n->via);
	return f;
}

static void
on_void_answer(const struct dns_answer *ans, void *arg)
{
	struct void_probe *vp = arg;
	struct spf_walk *w = vp->node->walk;

	if (check_dns_failed(w->ctx, ans, _("an SPF term's target")))
		w->is_unknown = true;
	if (ans->status == DNS_OK)
		vp->has_data = true;
	if (--vp->pending > 0)
		return;
	/* RFC 7208 4.6.4: a look-up with no answer (NXDOMAIN or no records) is void. */
	if (!vp->has_data && !w->is_unknown) {
		int k;

		w->voids++;
		k = snprintf(w->void_terms + w->void_len, sizeof(w->void_terms) - w->void_len,
		    "%s\"%s\" in %s", w->void_len ? ", " : "", vp->term, vp->node->domain);
		if (k > 0 && (size_t)k < sizeof(w->void_terms) - w->void_len)
			w->void_len += (size_t)k;
	}
	node_release(vp->node);
	free(vp->term);
	free(vp);
	walk_done_one(w);
}

/* What a DNS mechanism asks for its target (RFC 7208 5.3, 5.4, 5.7). */
enum void_kind { VOID_ADDR, VOID_MX, VOID_EXISTS };

/* a, mx and exists look up a name; count it void when nothing comes back. */
static void
probe_void(struct spf_node *n, const char *term, const char *name, enum void_kind kind,
    unsigned depth)
{
	struct void_probe *vp = xcalloc(1, sizeof(*vp));
	struct spf_walk *w = n->walk;

	vp->node = n;
	vp->term = xstrdup(term);
	n->refs++;
	w->pending++;
	vp->pending = kind == VOID_ADDR ? 2 : 1;
	if (kind != VOID_ADDR) {
		/* exists always asks A, whatever the client's address family (RFC 7208 5.7). */
		if (dns_query(w->ctx->dns, name, kind == VOID_MX ? LDNS_RR_TYPE_MX : LDNS_RR_TYPE_A,
		    depth, on_void_answer, vp) < 0)
			vp->pending--;
	} else {
		if (dns_query(w->ctx->dns, name, LDNS_RR_TYPE_A, depth, on_void_answer, vp) < 0)
			vp->pending--;
		if (dns_query(w->ctx->dns, name, LDNS_RR_TYPE_AAAA, depth, on_void_answer, vp) < 0)
			vp->pending--;
	}
	if (vp->pending == 0) {
		node_release(n);
		free(vp->term);
		free(vp);
		walk_done_one(w);
	}
}

static bool
valid_cidr(const char *s, int max)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	/* RFC 7208 5.6: no leading zeros. */
	return errno == 0 && *end == '\0' && v >= 0 && v <= max && !(s[0] == '0' && s[1] != '\0');
}

/* ip4:/ip6: argument: an address with an optional /prefix. Returns false on bad syntax. */
static bool
valid_ip_arg(const char *arg, int family)
{
	char buf[64];
	const char *slash = strchr(arg, '/');
	size_t len = slash != NULL ? (size_t)(slash - arg) : strlen(arg);
	unsigned char a[16];

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, arg, len);
	buf[len] = '\0';
	if (inet_pton(family, buf, a) != 1)
		return false;
	return slash == NULL || valid_cidr(slash + 1, family == AF_INET ? 32 : 128);
}

/* Domain-spec for a/mx/include/exists: without macros it must be a plausible FQDN. */
static bool
has_macro(const char *s)
{
	return strchr(s, '%') != NULL;
}

static const char *const mechanisms[] = {
	"all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists", NULL,
};

/* The term's name (len characters) is exactly word, case-insensitive. */
static bool
name_is(const char *name, size_t len, const char *word)
{
	return strlen(word) == len && strncasecmp(word, name, len) == 0;
}

static bool
is_mechanism(const char *name, size_t len)
{
	size_t i;

	for (i = 0; mechanisms[i] != NULL; i++)
		if (name_is(name, len, mechanisms[i]))
			return true;
	return false;
}

/* Split "a:host/24//64" style arguments: strip the dual CIDR of a and mx. */
static char *
target_without_cidr(const char *arg)
{
	const char *slash = strchr(arg, '/');

	return slash != NULL ? xstrndup(arg, (size_t)(slash - arg)) : xstrdup(arg);
}

static bool
valid_dual_cidr(const char *arg)
{
	const char *s = strchr(arg, '/');
	const char *s6;

	if (s == NULL)
		return true;
	if (s[1] == '/')
		return valid_cidr(s + 2, 128);
	s6 = strstr(s + 1, "//");
	if (s6 == NULL)
		return valid_cidr(s + 1, 32);
	{
		char buf[8];
		size_t len = (size_t)(s6 - s - 1);

		if (len == 0 || len >= sizeof(buf))
			return false;
		memcpy(buf, s + 1, len);
		buf[len] = '\0';
		return valid_cidr(buf, 32) && valid_cidr(s6 + 2, 128);
	}
}

static void
syntax_error(struct spf_node *n, const char *term, const char *why)
{
	struct finding *f = problem(n, "spf.syntax", ST_FAIL);

	finding_msg(f, _("The SPF record of %s has an invalid term \"%s\": %s. Receivers return "
	    "permerror for the whole record."), n->domain, term, why);
	finding_fix(f, _("Correct or remove \"%s\" (e.g. ip4:192.0.2.1, ip4:192.0.2.0/24, "
	    "a:mail.example.com, include:_spf.example.com)."), term);
	finding_ref(f, "RFC 7208 section 4.6.1");
	finding_data(f, "term", json_string(term));
}

static void
analyse_term(struct spf_node *n, const char *term, bool *has_all, const char **redirect)
{
	struct spf_walk *w = n->walk;
	struct finding *f;
	const char *p = term, *name, *arg = NULL;
	char qual = '+';
	size_t name_len;

	if (*p == '+' || *p == '-' || *p == '~' || *p == '?')
		qual = *p++;
	name = p;
	name_len = strcspn(p, ":/=");
	/* Modifier: name "=" macro-string (RFC 7208 4.6.1). */
	if (p[name_len] == '=' && qual == '+' && name == term) {
		if (is_mechanism(name, name_len)) {
			syntax_error(n, term, _("mechanisms take ':' (include:domain), not '='"));
			return;
		}
		if (name_is(name, name_len, "redirect")) {
			w->dns_terms++;
			*redirect = p + 9;
		}
		return;	/* exp= and unknown modifiers do not count (RFC 7208 6) */
	}
	if (!is_mechanism(name, name_len)) {
		f = problem(n, "spf.unknown-mechanism", ST_FAIL);
		finding_msg(f, _("The SPF record of %s contains \"%s\", which is not an SPF "
		    "mechanism; receivers return permerror."), n->domain, term);
		finding_fix(f, _("Use only all, include, a, mx, ptr, ip4, ip6, exists (and the "
		    "modifiers redirect= and exp=)."));
		finding_ref(f, "RFC 7208 section 5");
		finding_data(f, "term", json_string(term));
		return;
	}
	if (p[name_len] == ':')
		arg = p + name_len + 1;
	else if (p[name_len] == '/')
		arg = p + name_len;	/* a/24, mx//64 */
	else if (p[name_len] != '\0') {
		syntax_error(n, term, _("unexpected character after the mechanism name"));
		return;
	}
	if (name_is(name, name_len, "all")) {
		*has_all = true;
		if (arg != NULL) {
			syntax_error(n, term, _("all takes no argument"));
		} else if (n->parent == NULL && qual == '+') {
			f = problem(n, "spf.plus-all", ST_FAIL);
			finding_msg(f, _("The SPF record of %s ends in \"+all\": every host on the "
			    "Internet is authorised to send as %s."), n->domain, n->domain);
			finding_fix(f, _("End the record with \"-all\" (or \"~all\" while testing) "
			    "after listing the real senders."));
			finding_ref(f, "RFC 7208 section 5.1");
		} else if (n->parent == NULL && qual == '?') {
			f = problem(n, "spf.neutral-all", ST_WARN);
			finding_msg(f, _("The SPF record of %s ends in \"?all\" (neutral): it "
			    "authorises its senders but says nothing about others, which protects "
			    "little."), n->domain);
			finding_fix(f, _("End the record with \"~all\" or \"-all\"."));
			finding_ref(f, "RFC 7208 section 8.2");
		}
		return;
	}
	if (name_is(name, name_len, "ip4") || name_is(name, name_len, "ip6")) {
		int fam = name[2] == '4' ? AF_INET : AF_INET6;

		if (arg == NULL || *arg == '/' || !valid_ip_arg(arg, fam))
			syntax_error(n, term, fam == AF_INET ?
			    _("ip4: needs an IPv4 address or network (for a host name use a:NAME)") :
			    _("ip6: needs an IPv6 address or network (for a host name use a:NAME)"));
		return;
	}
	/* Everything else queries DNS (RFC 7208 4.6.4). */
	w->dns_terms++;
	if (name_is(name, name_len, "ptr")) {
		f = problem(n, "spf.ptr-used", ST_WARN);
		finding_msg(f, _("The SPF record of %s uses the \"ptr\" mechanism, which RFC 7208 "
		    "deprecates: it is slow and many receivers skip it."), n->domain);
		finding_fix(f, _("Replace \"%s\" with ip4:/ip6: or a: terms for the sending hosts."),
		    term);
		finding_ref(f, "RFC 7208 section 5.5");
		return;
	}
	if (name_is(name, name_len, "include") || name_is(name, name_len, "exists")) {
		if (arg == NULL || *arg == '\0' || *arg == '/') {
			syntax_error(n, term, _("this mechanism needs a domain (include:domain)"));
			return;
		}
		if (has_macro(arg))
			return;	/* depends on the sender: only evaluation can follow it */
		if (name_is(name, name_len, "include"))
			walk_fetch(w, arg, term, n, n->depth + 1);
		else
			probe_void(n, term, arg, VOID_EXISTS, n->depth + 1);
		return;
	}
	/* a and mx: optional domain, dual CIDR. */
	if (arg != NULL && !valid_dual_cidr(arg)) {
		syntax_error(n, term, _("bad CIDR length (a/24, a//64, mx:host/24//64)"));
		return;
	}
	{
		char *target = arg != NULL && *arg != '/' ? target_without_cidr(arg) :
		    xstrdup(n->domain);

		if (!has_macro(target))
			probe_void(n, term, target, name_is(name, name_len, "mx") ? VOID_MX :
			    VOID_ADDR, n->depth + 1);
		free(target);
	}
}

static bool
is_ancestor(const struct spf_node *n, const char *domain)
{
	for (; n != NULL; n = n->parent)
		if (strcasecmp(n->domain, domain) == 0)
			return true;
	return false;
}

static void
analyse_record(struct spf_node *n, const char *rec, const struct dns_answer *ans)
{
	char *copy = xstrdup(rec + 6), *p = copy;
	const char *redirect = NULL;
	bool has_all = false;
	unsigned nterms = 0;
	struct finding *f;

	(void)ans;
	/* RFC 7208 4.6.1: terms are separated by one or more spaces. */
	while (*(p += strspn(p, " ")) != '\0' && nterms++ < SPF_MAX_TERMS) {
		size_t len = strcspn(p, " ");
		bool is_last = p[len] == '\0';

		p[len] = '\0';
		analyse_term(n, p, &has_all, &redirect);
		p += len + !is_last;
	}
	/* RFC 7208 6.1: redirect is ignored when the record has "all". */
	if (redirect != NULL && !has_all) {
		if (!has_macro(redirect))
			walk_fetch(n->walk, redirect, "redirect=", n, n->depth + 1);
	} else if (!has_all && n->parent == NULL) {
		f = problem(n, "spf.no-all", ST_WARN);
		finding_msg(f, _("The SPF record of %s has no \"all\" term (and no redirect=): mail "
		    "from hosts it does not list gets \"neutral\", which protects little."),
		    n->domain);
		finding_fix(f, _("End the record with \"-all\" (or \"~all\")."));
		finding_ref(f, "RFC 7208 section 4.7");
	}
	free(copy);
}

static bool
is_spf_record(const char *txt)
{
	/* RFC 7208 4.5: "v=spf1" followed by a space or the end, case-insensitive. */
	return strncasecmp(txt, "v=spf1", 6) == 0 && (txt[6] == ' ' || txt[6] == '\0');
}

static void
on_txt(const struct dns_answer *ans, void *arg)
{
	struct spf_node *n = arg;
	struct spf_walk *w = n->walk;
	const ldns_rr *rrs[SPF_MAX_TXT];
	size_t count, i, nspf = 0, strings = 0;
	char *rec = NULL;
	struct finding *f;
	bool is_root = n->parent == NULL;

	if (check_dns_failed(w->ctx, ans, _("the SPF record"))) {
		w->is_unknown = true;
		goto out;
	}
	count = dns_answer_rrs(ans, LDNS_RR_TYPE_TXT, rrs, SPF_MAX_TXT);
	for (i = 0; i < count; i++) {
		char *txt = dns_rr_txt_joined(rrs[i], SPF_MAX_RECORD);

		if (txt != NULL && is_spf_record(txt)) {
			nspf++;
			if (rec == NULL) {
				rec = txt;
				strings = ldns_rr_rd_count(rrs[i]);
				continue;
			}
		}
		free(txt);
	}
	if (is_root && ans->status == DNS_NXDOMAIN)
		goto out;	/* domain.not-found says it */
	if (nspf == 0) {
		if (is_root) {
			f = problem(n, "spf.missing", ST_WARN);
			finding_msg(f, _("%s publishes no SPF record. Receivers cannot tell its "
			    "servers from forgers; Gmail and others junk or reject such mail."),
			    n->domain);
			finding_fix(f, _("Publish a TXT record at %s listing the sending servers, "
			    "e.g. \"v=spf1 mx ip4:SENDING-IP -all\" (add include: for a provider "
			    "that sends for you)."), n->domain);
			finding_ref(f, "RFC 7208 section 4.5");
		} else {
			/* RFC 7208 5.2: include of a domain with no record is permerror. */
			w->voids += ans->status == DNS_NXDOMAIN || ans->status == DNS_NODATA;
			f = problem(n, "spf.include-not-found", ST_FAIL);
			finding_msg(f, ans->status == DNS_NXDOMAIN ?
			    _("%s includes %s, which does not exist; receivers return permerror.") :
			    _("%s includes %s, which publishes no SPF record; receivers return "
			    "permerror."), n->parent->domain, n->domain);
			finding_fix(f, _("Remove \"%s\" or correct the domain name."), n->via);
			finding_ref(f, "RFC 7208 section 5.2");
		}
		finding_dns(f, ans);
		goto out;
	}
	if (nspf > 1) {
		f = problem(n, "spf.multiple", ST_FAIL);
		finding_msg(f, _("%s publishes %zu SPF records; RFC 7208 makes that a permerror, "
		    "so receivers treat its mail as unauthenticated."), n->domain, nspf);
		finding_fix(f, _("Merge them into one TXT record starting with v=spf1."));
		finding_ref(f, "RFC 7208 section 4.5");
		finding_dns(f, ans);
		goto out;
	}
	if (is_root) {
		f = check_add(w->ctx, "spf.present", ST_OK, n->domain);
		finding_msg(f, _("%s publishes the SPF record \"%s\"."), n->domain, rec);
		finding_dns(f, ans);
		finding_data(f, "record", json_string(rec));
		if (strings > 1) {
			f = check_add(w->ctx, "spf.split-record", ST_INFO, n->domain);
			finding_msg(f, _("The SPF record of %s is split over %zu strings of one TXT "
			    "record; receivers join them without spaces (RFC 7208 3.3), so each "
			    "break must fall where no space is needed or include one."), n->domain,
			    strings);
			finding_ref(f, "RFC 7208 section 3.3");
		}
		w->root_record = xstrdup(rec);
	}
	analyse_record(n, rec, ans);
out:
	free(rec);
	node_release(n);
	walk_done_one(w);
}

static void
walk_fetch(struct spf_walk *w, const char *domain, const char *via, struct spf_node *parent,
    unsigned depth)
{
	struct spf_node *n;
	struct finding *f;

	if (parent != NULL && is_ancestor(parent, domain)) {
		f = check_add(w->ctx, "spf.include-loop", ST_FAIL, domain);
		finding_msg(f, _("The SPF includes loop: %s is reached again through \"%s\" in %s. "
		    "Receivers stop at the lookup limit and return permerror."), domain, via,
		    parent->domain);
		finding_fix(f, _("Remove \"%s\" from the record of %s."), via, parent->domain);
		finding_ref(f, "RFC 7208 section 4.6.4");
		/* A loop would count without end; the limit is certainly exceeded. */
		w->dns_terms = SPF_LOOKUP_LIMIT + 1 > w->dns_terms ? SPF_LOOKUP_LIMIT + 1 : w->dns_terms;
		return;
	}
	if (depth > SPF_MAX_DEPTH || ++w->records > SPF_MAX_RECORDS)
		return;	/* the term count is already past the limit long before this */
	n = xcalloc(1, sizeof(*n));
	n->walk = w;
	n->domain = xstrdup(domain);
	n->via = xstrdup(via);
	n->parent = parent;
	n->depth = depth;
	n->refs = 1;
	if (parent != NULL)
		parent->refs++;
	w->pending++;
	if (dns_query(w->ctx->dns, domain, LDNS_RR_TYPE_TXT, depth, on_txt, n) < 0) {
		struct finding *bad = check_add(w->ctx, "spf.syntax", ST_FAIL, domain);

		finding_msg(bad, _("\"%s\" names an invalid domain \"%s\"."), via, domain);
		finding_ref(bad, "RFC 7208 section 4.3");
		node_release(n);
		walk_done_one(w);
	}
}

static void
on_spf_rr(const struct dns_answer *ans, void *arg)
{
	struct check_ctx *ctx = arg;
	struct finding *f;

	/* RFC 7208 3.1: type 99 is obsolete; a failure to answer it says nothing. */
	if (ans->status != DNS_OK)
		return;
	f = check_add(ctx, "spf.rr-type-99", ST_INFO, ctx->domain);
	finding_msg(f, _("%s also publishes the obsolete SPF RR type (99). Receivers use only "
	    "the TXT record; keep both identical or remove type 99."), ctx->domain);
	finding_ref(f, "RFC 7208 section 3.1");
	finding_dns(f, ans);
}

static void
spf_record_start(struct check_ctx *ctx)
{
	struct spf_walk *w = xcalloc(1, sizeof(*w));

	w->ctx = ctx;
	w->pending = 1;
	walk_fetch(w, ctx->domain, NULL, NULL, 0);
	walk_done_one(w);
	dns_query(ctx->dns, ctx->domain, LDNS_RR_TYPE_SPF, 0, on_spf_rr, ctx);
}

const struct check check_spf_record = {
	.name = "spf-record",
	.section = "dns",
	.needs = CHECK_IN_DOMAIN,
	.start = spf_record_start,
};
