/* The size proof of a "message too big" bounce (proof_size.h). The message is still too big
 * when it is larger than the limit the recipient's MX announces now; it fits when it is
 * not, and only then is the cause gone, if the limit is now above the one the bounce named
 * (the same limit and a message within it means the refusal came from elsewhere). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "explain_proof.h"
#include "i18n.h"
#include "ndr_kb.h"
#include "proof_size.h"
#include "proof_verdict.h"
#include "report.h"

/* "15728640 bytes (15.0 MB)" */
static const char *
size_words(unsigned long long n, char *buf, size_t len)
{
	snprintf(buf, len, _("%llu bytes (%.1f MB)"), n, (double)n / (1024.0 * 1024.0));
	return buf;
}

/* The host's name: the finding's subject is "NAME (ADDRESS)". */
static const char *
host_of(const struct finding *f, char *buf, size_t len)
{
	const char *sp;

	snprintf(buf, len, "%s", finding_subject(f));
	sp = strchr(buf, ' ');
	if (sp != NULL)
		buf[sp - buf] = '\0';
	return buf;
}

static void
read_limit(const struct finding *f, unsigned long long limit_now,
    const struct proof_subject *s, struct verdict *v)
{
	char host[256], a[64], b[64], c[64];

	host_of(f, host, sizeof(host));
	v->basis = f;
	if (s->msg_size > limit_now) {
		v->result = PROOF_STILL;
		v->st = ST_FAIL;
		snprintf(v->why, sizeof(v->why), _("the message was %s and %s now announces "
		    "EHLO SIZE %s: the same message is still too big for it."),
		    size_words(s->msg_size, a, sizeof(a)), host,
		    size_words(limit_now, b, sizeof(b)));
		snprintf(v->fix_buf, sizeof(v->fix_buf), _("Make the message smaller than %s: "
		    "send the attachment another way (a file sharing link) or split it; base64 "
		    "makes attachments about a third bigger."), size_words(limit_now, b, sizeof(b)));
		v->fix = v->fix_buf;
		return;
	}
	if (s->size_limit != 0 && limit_now <= s->size_limit) {
		v->result = PROOF_UNKNOWN;
		v->st = ST_UNKNOWN;
		snprintf(v->why, sizeof(v->why), _("%s announces %s now, which the %s message "
		    "fits, but the bounce named a limit of %s that it did not exceed either: the "
		    "refusal came from a limit checked after DATA or from another server on the "
		    "way, which cannot be seen from here."), host,
		    size_words(limit_now, a, sizeof(a)), size_words(s->msg_size, b, sizeof(b)),
		    size_words(s->size_limit, c, sizeof(c)));
		return;
	}
	v->result = PROOF_FIXED;
	v->st = ST_OK;
	if (s->size_limit != 0)
		snprintf(v->why, sizeof(v->why), _("%s now accepts up to %s, more than the %s the "
		    "bounce named, and the message was %s: it fits now."), host,
		    size_words(limit_now, a, sizeof(a)), size_words(s->size_limit, b, sizeof(b)),
		    size_words(s->msg_size, c, sizeof(c)));
	else
		snprintf(v->why, sizeof(v->why), _("%s now accepts up to %s and the message was "
		    "%s: it fits now."), host, size_words(limit_now, a, sizeof(a)),
		    size_words(s->msg_size, b, sizeof(b)));
}

bool
proof_size_read(const struct report *rep, size_t first, const struct ndr_proof *p,
    const struct proof_subject *s, struct verdict *v)
{
	size_t i, n = report_count(rep);
	char host[256], a[64];

	if (strcmp(p->check, "mx-size") != 0 || s->msg_size == 0)
		return false;
	for (i = first; i < n; i++) {
		const struct finding *f = report_finding(rep, i);
		const char *id = finding_id(f);
		json_t *max = json_object_get(finding_data_obj(f), "size_max");

		if (strcmp(id, "inbound.size-limit") == 0 && json_is_integer(max) &&
		    json_integer_value(max) > 0) {
			read_limit(f, (unsigned long long)json_integer_value(max), s, v);
			return true;
		}
		if (strcmp(id, "inbound.size-none") == 0) {
			v->result = PROOF_UNKNOWN;
			v->st = ST_UNKNOWN;
			v->basis = f;
			snprintf(v->why, sizeof(v->why), _("%s announces no size limit now (no SIZE "
			    "in its EHLO answer), so whether it takes the %s message cannot be told "
			    "before DATA."), host_of(f, host, sizeof(host)),
			    size_words(s->msg_size, a, sizeof(a)));
			return true;
		}
	}
	return false;	/* untestable, no MX: read_findings() gives the UNKNOWN */
}
