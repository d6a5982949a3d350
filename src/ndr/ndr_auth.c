/* The DMARC identifiers of a message's header block (ndr_auth.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "ndr.h"
#include "ndr_auth.h"
#include "ndr_header.h"
#include "ndr_search.h"
#include "ndr_text.h"
#include "taglist.h"
#include "text.h"
#include "validate.h"
#include "xmalloc.h"

#define SIG_MAX_LEN 8192	/* a DKIM-Signature field; b= of a 4096-bit key is 700 bytes */

/* A domain name as d= or an address's domain gives it: lower case, no trailing dot, valid
 * LDH labels. false when it is none. */
static bool
take_domain(const char *s, size_t len, char *buf, size_t buf_len)
{
	char why[128];
	size_t i;

	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len >= buf_len)
		return false;
	for (i = 0; i < len; i++)
		buf[i] = (char)text_to_lower((unsigned char)s[i]);
	buf[len] = '\0';
	return validate_domain(buf, why, sizeof(why)) == 0;
}

int
ndr_dkim_sig_parse(const char *value, struct ndr_dkim_sig *sig, const char **why)
{
	struct taglist t;
	const char *v, *d, *s, *a;
	char *copy;
	int rc = MXD_EINVAL;

	memset(sig, 0, sizeof(*sig));
	*why = NULL;
	if (strlen(value) > SIG_MAX_LEN) {
		*why = "the field is longer than 8192 bytes";
		return MXD_EINVAL;
	}
	copy = xstrdup(value);
	if (taglist_split(copy, &t) < 0) {
		*why = t.why;
		goto out;
	}
	v = taglist_get(&t, "v");
	d = taglist_get(&t, "d");
	s = taglist_get(&t, "s");
	a = taglist_get(&t, "a");
	/* RFC 6376 3.5: v=1 is required; a verifier ignores other versions. */
	if (v == NULL || strcmp(v, "1") != 0) {
		*why = v == NULL ? "no v= tag" : "v= is not 1";
	} else if (d == NULL || !take_domain(d, strlen(d), sig->domain, sizeof(sig->domain))) {
		*why = d == NULL ? "no d= tag" : "d= is not a domain name";
	} else if (s == NULL || strlen(s) >= sizeof(sig->selector) ||
	    !take_domain(s, strlen(s), sig->selector, sizeof(sig->selector))) {
		/* RFC 6376 3.1: a selector is one or more sub-domain labels */
		*why = s == NULL ? "no s= tag" : "s= is not a selector";
	} else {
		snprintf(sig->algo, sizeof(sig->algo), "%s", a != NULL ? a : "");
		rc = 0;
	}
out:
	free(copy);
	return rc;
}

/* The addr-spec of a mailbox field: inside <...> when there is one, else the first
 * address in it; its domain into buf. */
static bool
addr_domain(const char *v, char *buf, size_t buf_len)
{
	const char *lt = strrchr(v, '<'), *at;
	char addr[320];
	size_t pos = 0;

	if (lt != NULL)
		v = lt;
	if (ndr_text_find_addr(v, strlen(v), &pos, addr, sizeof(addr)) < 0)
		return false;
	at = strrchr(addr, '@');
	return at != NULL && take_domain(at + 1, strlen(at + 1), buf, buf_len);
}

bool
ndr_auth_mfrom(struct ndr_auth *a, const char *addr, const char *source)
{
	if (a->mfrom_source != NULL || addr == NULL)
		return false;
	if (!addr_domain(addr, a->mfrom_domain, sizeof(a->mfrom_domain)))
		return false;
	a->mfrom_source = source;
	return true;
}

static void
add_sig(struct ndr_auth *a, const char *value)
{
	struct ndr_dkim_sig sig;
	const char *why;
	size_t i;

	if (ndr_dkim_sig_parse(value, &sig, &why) < 0) {
		a->n_bad_sigs++;
		return;
	}
	for (i = 0; i < a->n_sigs; i++)
		if (strcmp(a->sigs[i].domain, sig.domain) == 0 &&
		    strcmp(a->sigs[i].selector, sig.selector) == 0)
			return;
	if (a->n_sigs < NDR_AUTH_MAX_SIGS)
		a->sigs[a->n_sigs++] = sig;
}

void
ndr_auth_headers(struct ndr_auth *a, const struct ndr_hdrs *h)
{
	const char *from = ndr_hdrs_get(h, "From");
	size_t i;

	memset(a, 0, sizeof(*a));
	if (h->n == 0)
		return;
	a->has_headers = true;
	if (from != NULL)
		addr_domain(from, a->from_domain, sizeof(a->from_domain));
	/* RFC 5321 4.4: the delivering MTA records MAIL FROM as Return-Path; "<>" is null. */
	ndr_auth_mfrom(a, ndr_hdrs_get(h, "Return-Path"), "Return-Path");
	for (i = 0; i < h->n; i++) {
		const struct ndr_hdr *f = &h->h[i];

		if (f->name_len == 14 && strncasecmp(f->name, "DKIM-Signature", 14) == 0 &&
		    f->value != NULL)
			add_sig(a, f->value);
	}
}

void
ndr_auth_message(const char *buf, size_t len, struct ndr_auth *a)
{
	struct ndr *n = ndr_parse(buf, len);
	struct ndr_hdrs h;

	if (n->has_dsn && n->orig_auth.has_headers) {
		*a = n->orig_auth;
	} else {
		ndr_hdrs_parse(buf, len, &h);
		ndr_auth_headers(a, &h);
		ndr_hdrs_fini(&h);
	}
	ndr_free(n);
}

static unsigned long long
fnv(unsigned long long h, const char *s)
{
	/* the terminating NUL too: "ab" "c" and "a" "bc" differ */
	do {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	} while (*s++ != '\0');
	return h;
}

unsigned long long
ndr_auth_hash(const struct ndr_auth *a)
{
	unsigned long long h = 0xcbf29ce484222325ULL;
	size_t i;

	h = fnv(h, a->from_domain);
	h = fnv(h, a->mfrom_domain);
	h = fnv(h, a->mfrom_source != NULL ? a->mfrom_source : "");
	for (i = 0; i < a->n_sigs; i++) {
		h = fnv(h, a->sigs[i].domain);
		h = fnv(h, a->sigs[i].selector);
	}
	return h;
}
