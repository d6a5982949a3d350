/*
 * The big receivers' sender rules (Gmail, Yahoo, Outlook.com), judged once a run's
 * diagnoses have ended from what they found: SPF or DKIM, both for bulk senders, DMARC
 * published, alignment with the From domain, PTR with forward confirmation, TLS on the
 * path. Each line names the receivers whose published requirement it is (docs/checks.md,
 * "rules"). check and preflight run it with --receivers.
 */
#ifndef MXD_SENDER_RULES_H
#define MXD_SENDER_RULES_H

struct check_facts;
struct check_inputs;
struct report;

/* Add one rules.* finding per rule, in the "receivers" section. facts may be NULL
 * (check: no relay, no TLS seen). */
void sender_rules_judge(struct report *rep, const struct check_facts *facts,
    const struct check_inputs *in);

#endif
