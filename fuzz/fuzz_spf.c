/* Fuzz target: an SPF record as a domain's owner (or an attacker) publishes it. The bytes are
 * parsed as a record (src/spf_parse.c); every domain-spec is expanded and made a target
 * name as check_host() does (src/spf_macro.c); the whole input is also tried as a macro
 * string and an explanation string. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fuzz.h"
#include "spf_macro.h"
#include "spf_parse.h"

static const struct spf_macro_vars vars4 = {
	.s = "strong-bad@email.example.com", .l = "strong-bad", .o = "email.example.com",
	.d = "email.example.com", .i = "192.0.2.3", .p = "mx.example.org", .v = "in-addr",
	.h = "mx.example.org", .c = "192.0.2.3", .r = "mx.receiver.test", .t = "1700000000",
};
static const struct spf_macro_vars vars6 = {
	.s = "postmaster@a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.example",
	.l = "postmaster", .o = "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.example",
	.d = "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.example",
	.i = "2.0.0.1.0.d.b.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.7", .p = NULL,
	.v = "ip6", .h = "", .c = "2001:db8::7", .r = "unknown", .t = "0",
};

/* Expand s as check_host() would and make a target name of it. */
static void
expand(const char *s, size_t len, const struct spf_macro_vars *v, bool is_exp)
{
	char out[SPF_MACRO_OUT_MAX], small[16];
	size_t used = 0;
	int rc;

	if (spf_macro_check(s, len, is_exp, NULL, 0) != 0)
		return;
	FUZZ_ASSERT(spf_macro_literal_tail(s, len) <= len);
	spf_macro_uses_p(s, len);
	rc = spf_macro_expand(s, len, v, is_exp, out, sizeof(out), &used);
	if (rc == 0) {
		FUZZ_ASSERT(used < sizeof(out) && strlen(out) <= used);
		if (!is_exp && spf_target_name(out) == 0)
			FUZZ_ASSERT(spf_name_is_valid(out, strlen(out)));
	} else {
		FUZZ_ASSERT(rc == MXD_ELIMIT || rc == MXD_ESTATE || rc == MXD_EINVAL);
	}
	rc = spf_macro_expand(s, len, v, is_exp, small, sizeof(small), NULL);
	if (rc == 0)
		FUZZ_ASSERT(strlen(small) < sizeof(small));
}

FUZZ_TARGET(spf)
{
	const struct spf_macro_vars *v = &vars4;
	const char *text = (const char *)data;
	struct spf_record *rec = NULL, *scanned = NULL;
	unsigned char ip4[4];
	char why[128];
	size_t i;
	int rc;

	if (size > 0 && data[0] == '6') {	/* '6' first: the IPv6 client, no %{p} yet */
		v = &vars6;
		text++;
		size--;
	}
	spf_is_spf1(text, size);
	spf_parse_ip4(text, size, ip4);
	spf_toplabel_is_valid(text, size);
	spf_name_is_valid(text, size);
	spf_domain_spec_check(text, size, why, sizeof(why));
	why[0] = '\0';
	rc = spf_record_parse(text, size, &rec, why, sizeof(why));
	/* the analysis's scan and the evaluator's parse are one grammar: same verdict */
	FUZZ_ASSERT(spf_record_scan(text, size, &scanned, NULL, NULL) == rc);
	spf_record_free(scanned);
	if (rc == 0) {
		FUZZ_ASSERT(rec != NULL && rec->n_terms <= SPF_RECORD_MAX / 2);
		for (i = 0; i < rec->n_terms; i++) {
			const struct spf_term *t = &rec->terms[i];

			FUZZ_ASSERT(t->cidr4 <= 32 && t->cidr6 <= 128);
			if (t->spec != NULL)
				expand(t->spec, t->spec_len, v, false);
		}
		if (rec->redirect != NULL)
			expand(rec->redirect, rec->redirect_len, v, false);
		if (rec->exp != NULL)
			expand(rec->exp, rec->exp_len, v, false);
		spf_record_free(rec);
	} else {
		FUZZ_ASSERT(rc == MXD_EINVAL || rc == MXD_ELIMIT);
		FUZZ_ASSERT(why[0] != '\0' && memchr(why, '\0', sizeof(why)) != NULL);
	}
	/* The whole input as a macro string and as an explanation (an exp= TXT record). */
	expand(text, size, v, false);
	expand(text, size, v, true);
	return 0;
}
