/* The RCPT proofs of a recipient cause (proof_rcpt.h). RCPT tells whether the deciding MX
 * host takes the address now; it says that the address exists only when a made-up one is
 * refused (inbound.accepts-any), and nothing about a quota, which most servers check at
 * DATA or on delivery (RFC 3463 3.3: X.2.2). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "i18n.h"
#include "ndr_kb.h"
#include "proof_rcpt.h"
#include "proof_verdict.h"
#include "report.h"

enum rcpt_fact { RCPT_ADDRESS, RCPT_QUOTA };

/* The run's findings that matter here: what a sender meets (path), the deciding host's own
 * answer (host), a yes to any address (any), or why no host answered (none). */
struct rcpt_run {
	const struct finding *path, *host, *any, *none;
};

static bool
is_one_of(const char *id, const char *const *ids)
{
	for (; *ids != NULL; ids++)
		if (strcmp(id, *ids) == 0)
			return true;
	return false;
}

static const char *
data_str(const struct finding *f, const char *key)
{
	json_t *v = json_object_get(finding_data_obj(f), key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static void
find_run(const struct report *rep, size_t first, struct rcpt_run *r)
{
	static const char *const paths[] = { "inbound.accepted", "inbound.backup-only",
	    "inbound.rejected", "inbound.deferred", NULL };
	static const char *const hosts[] = { "inbound.mx-accepts", "inbound.rcpt-unknown",
	    "inbound.rcpt-rejected", "inbound.greylisted", "inbound.rcpt-deferred",
	    "inbound.sender-rejected", "inbound.anonymous-refused", NULL };
	static const char *const nones[] = { "inbound.unreachable", "inbound.untestable",
	    "inbound.dns-failed", "inbound.domain-not-found", "inbound.null-mx",
	    "inbound.no-mail-host", NULL };
	size_t i, n = report_count(rep);
	const char *addr;

	memset(r, 0, sizeof(*r));
	for (i = first; i < n; i++) {
		const struct finding *f = report_finding(rep, i);

		if (r->path == NULL && is_one_of(finding_id(f), paths))
			r->path = f;
		else if (r->none == NULL && is_one_of(finding_id(f), nones))
			r->none = f;
		else if (r->any == NULL && strcmp(finding_id(f), "inbound.accepts-any") == 0)
			r->any = f;
	}
	addr = r->path != NULL ? data_str(r->path, "address") : NULL;
	for (i = first; addr != NULL && i < n; i++) {
		const struct finding *f = report_finding(rep, i);
		const char *a = data_str(f, "address");

		if (is_one_of(finding_id(f), hosts) && a != NULL && strcmp(a, addr) == 0) {
			r->host = f;
			break;
		}
	}
}

/* X.2.2: mailbox full (RFC 3463 3.3), in the host's RCPT answer. */
static bool
says_full(const struct finding *host)
{
	const char *st = host != NULL ? data_str(host, "rcpt_status") : NULL;

	return st != NULL && strlen(st) == 5 && strcmp(st + 1, ".2.2") == 0;
}

static void
set(struct verdict *v, enum proof_result res, const struct finding *basis)
{
	v->result = res;
	v->basis = basis;
	switch (res) {
	case PROOF_FIXED:
		v->st = ST_OK;
		break;
	case PROOF_STILL:
		v->st = basis != NULL && finding_status(basis) == ST_FAIL ? ST_FAIL : ST_WARN;
		break;
	case PROOF_NOT_HERE:
		v->st = ST_INFO;
		break;
	case PROOF_UNKNOWN:
		v->st = ST_UNKNOWN;
		break;
	}
}

static const char *
reply_of(const struct finding *host)
{
	const char *rt = host != NULL ? data_str(host, "rcpt_reply") : NULL;

	return rt != NULL ? rt : _("(no reply)");
}

static const char *
mx_of(const struct rcpt_run *r)
{
	const char *mx = data_str(r->path, "mx");

	return mx != NULL ? mx : _("the recipient's server");
}

/* Is the address still refused? */
static void
read_address(const struct rcpt_run *r, struct verdict *v)
{
	const char *id = r->host != NULL ? finding_id(r->host) : "";

	if (strcmp(finding_id(r->path), "inbound.accepted") == 0 ||
	    strcmp(finding_id(r->path), "inbound.backup-only") == 0) {
		if (r->any != NULL)
			set(v, PROOF_UNKNOWN, r->any);	/* its message says why, its fix what next */
		else
			set(v, PROOF_FIXED, r->path);
		return;
	}
	if (strcmp(finding_id(r->path), "inbound.deferred") == 0) {
		set(v, PROOF_UNKNOWN, r->host != NULL ? r->host : r->path);
		snprintf(v->why, sizeof(v->why), _("%s answered RCPT with a temporary refusal "
		    "(%s): greylisting or a passing failure, so whether the address is refused "
		    "cannot be told now."), mx_of(r), reply_of(r->host));
		v->fix = _("Run the same explain again in a few minutes: a greylisting server "
		    "takes the retry, and its answer is then about the address.");
		return;
	}
	/* inbound.rejected: a 5xx to RCPT refuses the address, in the server's own words
	 * (Exim's "550 Unrouteable address" and OpenSMTPD's "550 Invalid recipient" carry no
	 * X.1.1 status) */
	if (strcmp(id, "inbound.rcpt-unknown") == 0) {
		set(v, PROOF_STILL, r->host);
		return;
	}
	if (strcmp(id, "inbound.rcpt-rejected") == 0) {
		set(v, PROOF_STILL, r->host);
		v->fix = _("The server still refuses the address at RCPT, in its own words above: "
		    "check the address with the recipient by another channel.");
		return;
	}
	/* refused before the address was asked (MAIL FROM, anonymous senders) */
	set(v, PROOF_UNKNOWN, r->host != NULL ? r->host : r->path);
	if (r->host != NULL)
		snprintf(v->why, sizeof(v->why), _("%s refused the probe before its answer could "
		    "be about the address: %s"), mx_of(r), finding_message(r->host));
}

/* Is the mailbox still full? Only an X.2.2 answer to RCPT says so. */
static void
read_quota(const struct rcpt_run *r, struct verdict *v)
{
	const char *id = finding_id(r->path);

	if ((strcmp(id, "inbound.rejected") == 0 || strcmp(id, "inbound.deferred") == 0) &&
	    says_full(r->host)) {
		set(v, PROOF_STILL, r->host);
		v->fix = _("The server still refuses the address as over quota: tell the "
		    "recipient by another channel, and send again once they have made room.");
		return;
	}
	set(v, PROOF_UNKNOWN, r->host != NULL ? r->host : r->path);
	v->fix = _("Ask the recipient by another channel whether they have made room, then "
	    "send again; a new bounce with status 5.2.2 or 4.2.2 means the mailbox is still "
	    "full.");
	if (strcmp(id, "inbound.accepted") == 0 || strcmp(id, "inbound.backup-only") == 0)
		snprintf(v->why, sizeof(v->why), _("%s accepts RCPT for the address now (%s), but "
		    "most servers accept at RCPT and check the quota only after DATA or on "
		    "delivery, so RCPT cannot show whether the mailbox has room."), mx_of(r),
		    reply_of(r->host));
	else if (strcmp(id, "inbound.deferred") == 0)
		snprintf(v->why, sizeof(v->why), _("%s answered RCPT with a temporary refusal "
		    "(%s) that does not name a full mailbox, so whether it has room cannot be "
		    "told now."), mx_of(r), reply_of(r->host));
	else
		snprintf(v->why, sizeof(v->why), _("%s now refuses the address for another "
		    "reason than a full mailbox (%s), so its quota cannot be seen from here."),
		    mx_of(r), r->host != NULL ? reply_of(r->host) : finding_message(r->path));
}

bool
proof_rcpt_read(const struct report *rep, size_t first, const struct ndr_cause *k,
    const struct ndr_proof *p, struct verdict *v)
{
	enum rcpt_fact fact;
	struct rcpt_run r;

	if (strcmp(p->check, "inbound") != 0 || k->reason == NULL)
		return false;
	if (strcmp(k->reason, "userunknown") == 0)
		fact = RCPT_ADDRESS;
	else if (strcmp(k->reason, "mailboxfull") == 0)
		fact = RCPT_QUOTA;
	else
		return false;
	find_run(rep, first, &r);
	if (r.path == NULL) {
		if (r.none == NULL)
			return false;	/* read_findings() says it gave no answer */
		set(v, PROOF_UNKNOWN, r.none);	/* no host answered: its message says why */
		if (fact == RCPT_QUOTA)
			v->fix = _("Ask the recipient by another channel whether they have made "
			    "room, then send again.");
		return true;
	}
	if (fact == RCPT_ADDRESS)
		read_address(&r, v);
	else
		read_quota(&r, v);
	return true;
}
