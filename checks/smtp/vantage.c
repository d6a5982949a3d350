/* Whether an answer over outbound port 25 from here is the target's (vantage.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "facts.h"
#include "i18n.h"
#include "probe.h"
#include "report.h"
#include "smtp.h"
#include "tls_judge.h"
#include "vantage.h"

/* What a server names itself by: its host name, else the PTR of its address. */
static const char *
name_of(const struct vantage_session *s)
{
	return s->name != NULL ? s->name : s->ptr;
}

/* A greeting that names neither the host dialled nor the PTR of its address. */
static bool
is_stranger(const struct vantage_session *s, const char *banner)
{
	if (banner[0] == '\0' || name_of(s) == NULL)
		return false;
	return !probe_names_related(s->name, banner) && !probe_names_related(s->ptr, banner);
}

/* Whether a name of a (its host name or PTR) and a name of b are in one domain. */
static bool
share_a_name(const struct vantage_session *a, const struct vantage_session *b)
{
	const char *na[2] = { a->name, a->ptr }, *nb[2] = { b->name, b->ptr };
	size_t i, j;

	for (i = 0; i < 2; i++)
		for (j = 0; j < 2; j++)
			if (probe_names_related(na[i], nb[j]))
				return true;
	return false;
}

/* Servers of operators that have nothing to do with each other: two addresses, and no name
 * of one (host name or PTR, either way round) in the domain of a name of the other. */
static bool
are_unrelated(const struct vantage_session *a, const struct vantage_session *b)
{
	if (name_of(a) == NULL || name_of(b) == NULL)
		return false;
	return strcmp(a->res->addr, b->res->addr) != 0 && !share_a_name(a, b);
}

static bool
is_connect_failure(const struct smtp_result *r)
{
	return r->conn == SMTP_CONN_REFUSED || r->conn == SMTP_CONN_TIMEOUT ||
	    r->conn == SMTP_CONN_UNREACH;
}

static void
banner_of(const struct smtp_result *r, char *buf, size_t len)
{
	buf[0] = '\0';
	if (r->conn == SMTP_CONN_OK)
		smtp_result_banner_name(r, buf, len);
}

static enum vantage
verdict(struct vantage_why *why, enum vantage v)
{
	why->v = v;
	return v;
}

enum vantage
vantage_of(const struct check_facts *facts, const struct vantage_session *all, size_t n,
    size_t k, struct vantage_why *why)
{
	const struct vantage_session *s = &all[k];
	const struct smtp_result *r = s->res;
	const struct port25_fact *p = NULL;
	char banner[256], other[256];
	size_t i;

	memset(why, 0, sizeof(*why));
	if (r == NULL)
		return verdict(why, VANTAGE_CLEAR);
	if (facts != NULL)
		p = &facts->port25[strchr(r->addr, ':') != NULL ? 1 : 0];
	banner_of(r, banner, sizeof(banner));
	if (p != NULL && (p->state == PORT25_BLOCKED || p->state == PORT25_INTERCEPTED)) {
		why->is_from_port25 = true;
		why->is_proven = p->is_proven;
		snprintf(why->how, sizeof(why->how), "%s", p->how);
		snprintf(why->banner, sizeof(why->banner), "%s", p->banner);
	}
	/* A server the block exempts (the ISP's own MX) answers with its own name. */
	if (p != NULL && p->state == PORT25_BLOCKED && is_connect_failure(r))
		return verdict(why, VANTAGE_BLOCKED);
	if (p != NULL && p->state == PORT25_INTERCEPTED &&
	    (banner[0] == '\0' || strcasecmp(banner, p->banner) == 0))
		return verdict(why, VANTAGE_INTERCEPTED);
	memset(why, 0, sizeof(*why));
	/* The port25 probe of this run is the authority on the line: where it found port 25
	 * open, receivers answer with their own greeting, and one name from several servers is
	 * a shared platform's (a hosting company greets as itself for every domain it hosts),
	 * not an interceptor's. */
	if (p != NULL && p->state == PORT25_OPEN)
		return verdict(why, VANTAGE_CLEAR);
	if (banner[0] == '\0' || !is_stranger(s, banner))
		return verdict(why, VANTAGE_CLEAR);
	snprintf(why->banner, sizeof(why->banner), "%s", banner);
	/* Proof, when port 25 was not measured or the probe could not tell: one greeting from
	 * servers of unrelated operators, a name that is neither's own (a name one of them goes
	 * by is that server's, and the other may be hosted there). */
	for (i = 0; i < n; i++) {
		if (i == k || all[i].res == NULL)
			continue;
		banner_of(all[i].res, other, sizeof(other));
		if (strcasecmp(other, banner) == 0 && is_stranger(&all[i], other) &&
		    are_unrelated(s, &all[i])) {
			why->is_proven = true;
			snprintf(why->other, sizeof(why->other), "%s", name_of(&all[i]));
			return verdict(why, VANTAGE_INTERCEPTED);
		}
	}
	/* Suspicion: a stranger's name, and TLS that does not vouch for the host dialled. */
	why->tls_problems = tls_judge(r, 0) & (TLS_J_MISSING | TLS_J_FAILED | TLS_J_NAME_MISMATCH);
	if (why->tls_problems != 0)
		return verdict(why, VANTAGE_INTERCEPTED);
	return verdict(why, VANTAGE_CLEAR);
}

static enum port25_state
line_state(const struct check_facts *facts, const char *addr)
{
	if (facts == NULL || (facts->published & CHECK_FACT_PORT25) == 0)
		return PORT25_UNMEASURED;
	return facts->port25[strchr(addr, ':') != NULL ? 1 : 0].state;
}

bool
vantage_is_line_open(const struct check_facts *facts, const char *addr)
{
	return line_state(facts, addr) == PORT25_OPEN;
}

const char *
vantage_unproven_words(const struct check_facts *facts, const char *addr)
{
	if (facts == NULL || (facts->published & CHECK_FACT_PORT25) == 0)
		return _("this run did not probe it");
	switch (line_state(facts, addr)) {
	case PORT25_UNDECIDED:
		return _("the port 25 probe could not tell");
	case PORT25_UNMEASURED:
		return _("no port 25 target could be probed on this address family");
	default:
		return _("the port 25 probe found it blocked or intercepted");
	}
}

static const char *
tls_words(unsigned problems)
{
	if (problems & TLS_J_MISSING)
		return _("STARTTLS is not offered");
	if (problems & TLS_J_FAILED)
		return _("the TLS handshake failed");
	return _("its certificate does not name the host dialled");
}

void
vantage_explain(struct finding *f, const struct vantage_why *why, const char *target)
{
	if (why->v == VANTAGE_BLOCKED) {
		finding_msg(f, _("Outbound port 25 from this network is blocked (%s): that %s "
		    "could not be reached from here says nothing about %s itself."), why->how,
		    target, target);
	} else if (why->is_from_port25) {
		finding_msg(f, _("Outbound port 25 from this network is intercepted (%s): these "
		    "answers came from the interceptor (\"%s\"), not from %s."), why->how,
		    why->banner, target);
	} else if (why->is_proven) {
		finding_msg(f, _("%s and %s, servers of unrelated operators, both greeted as "
		    "\"%s\": a device on this network's path (an ISP's transparent SMTP proxy) "
		    "answers port 25 in their place, so these answers are not %s's."), target,
		    why->other, why->banner, target);
	} else {
		finding_msg(f, _("%s greeted as \"%s\", a name that is neither its own nor its "
		    "PTR, and %s, as when an ISP's transparent SMTP proxy answers port 25: "
		    "these answers may not be %s's."), target, why->banner,
		    tls_words(why->tls_problems), target);
	}
	finding_fix(f, _("Test from a network without outbound port 25 blocking (a server in "
	    "a data centre, for instance); `mxdiag port25` shows what this line does to "
	    "port 25."));
	finding_ref(f, "M3AAWG Managing Port 25 for Residential or Dynamic IP Space");
	vantage_data(f, why);
}

void
vantage_data(struct finding *f, const struct vantage_why *why)
{
	json_t *o = json_object();

	json_object_set_new(o, "state", json_string(why->v == VANTAGE_BLOCKED ? "blocked" :
	    "intercepted"));
	json_object_set_new(o, "proven", json_boolean(why->is_proven));
	json_object_set_new(o, "source", json_string(why->is_from_port25 ? "port25" : "greeting"));
	if (why->how[0] != '\0')
		json_object_set_new(o, "how", json_string(why->how));
	if (why->banner[0] != '\0')
		json_object_set_new(o, "banner_name", json_stringn_nocheck(why->banner,
		    strlen(why->banner)));
	finding_data(f, "vantage", o);
}
