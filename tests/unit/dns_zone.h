/*
 * Unit tests of the DNS checks without the lab: a tiny zone written in the test, served
 * in-process through the DNS engine's backend hook (dns.h, struct dns_backend), and a run
 * of diagnoses from the registry against it.
 *
 * Zone text: one record per line in presentation format with absolute names
 * ("mx.t.test. 300 IN A 192.0.2.25"; TTL and class may be left out), blank lines and
 * lines starting with ';' ignored, and failure lines making one question fail:
 *   SERVFAIL name TYPE     REFUSED name TYPE     TIMEOUT name TYPE
 * (TYPE "ANY" for every type of the name), and signed subtrees as a validating resolver
 * sees them: SECURE name (answers at and below name carry the AD bit), BOGUS name (SERVFAIL,
 * unless the question sets CD). The server answers like a recursive resolver:
 * CNAME chains followed, NODATA for a name that exists (or has names below it), NXDOMAIN
 * otherwise.
 */
#ifndef MXD_TEST_DNS_ZONE_H
#define MXD_TEST_DNS_ZONE_H

#include <stdbool.h>
#include <stddef.h>

#include "checks.h"
#include "command.h"
#include "dns.h"

struct zone;

/* Parse text; a line that does not parse fails the test (cmocka). Caller frees. */
struct zone *zone_new(const char *text);
void zone_free(struct zone *z);
/* How many questions reached the zone (after the engine's cache). */
unsigned zone_queries(const struct zone *z);

/* One run of diagnoses against a zone: loop, engine, report and the registry run. */
struct zone_run {
	struct zone *zone;
	struct dns_backend backend;
	struct global_opts g;
	struct run_ctx ctx;	/* loop, dns, rep; report_stats(rep)->dns counts */
};

/* Loop, engine on the zone and report, nothing run yet (to drive dns_* directly). */
void zone_run_open(struct zone_run *r, const char *zone_text, const char *target);
/* Run the diagnoses called names (n of them) on in against zone text, to the end. */
void zone_run(struct zone_run *r, const char *zone_text, const struct check_inputs *in,
    const char *const *names, size_t n);
void zone_run_free(struct zone_run *r);

/* The status (enum status) of the first finding id about subject (NULL: any subject),
 * or -1 when there is none. */
int zone_status(const struct zone_run *r, const char *id, const char *subject);
/* How many findings have id. */
size_t zone_count(const struct zone_run *r, const char *id);

/* cmocka assertions with the report's ids in the message when they fail. */
void zone_assert(const struct zone_run *r, const char *id, const char *subject, int status);
void zone_assert_none(const struct zone_run *r, const char *id);

#endif
