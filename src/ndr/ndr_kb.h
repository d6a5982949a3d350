/* Knowledge base of bounce causes (data/kb.json): loading, and matching its phrases. */
#ifndef MXD_NDR_KB_H
#define MXD_NDR_KB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ndr_kb;

enum ndr_lang { NDR_LANG_EN, NDR_LANG_JA };

/*
 * A live proof of a cause: a diagnosis of the registry (checks/registry.c) run on the facts
 * of the bounce, and how its findings read as a verdict on the cause. kb.json writes one
 * either as the diagnosis's name or as an object with the fields below.
 */
struct ndr_proof {
	const char *check;	/* registry name: "mx", "inbound" */
	const char *as;		/* verdict id suffix: "sender-domain" gives ndr.verify-sender-domain */
	bool is_sender_side;	/* "on": "sender": its domain is the sender's, not the recipient's */
	bool is_cause;		/* the fact it checks IS the cause: "fixed since" when it is gone */
	bool needs_ip;		/* about the sending address: cannot be checked without one */
	const char **still;	/* finding ids that say the fact holds now; NULL: any FAIL/WARN */
	size_t n_still;
	const char **clear;	/* finding ids that say it no longer holds; NULL: any OK */
	size_t n_clear;
	const char *next;	/* the command to run when this cannot tell, or NULL */
	bool is_next_on_sender;	/* "next_on": "sending-server": next measures the sender's
				 * own network (port 25), not something seen from anywhere */
};

/* Whether name is known (a diagnosis, a finding id), for checking a knowledge base. */
typedef bool ndr_kb_known_fn(const char *name);

/* One cause. Strings are borrowed from the knowledge base (valid until ndr_kb_free). */
struct ndr_cause {
	const char *id;		/* "ndr.sender-domain-not-found" */
	const char *reason;	/* Sisimai vocabulary: "rejected" */
	const char *side;	/* "sender", "recipient", "relay", "network", "none" */
	/* Who must act: "sender", "sender-admin", "recipient", "recipient-admin", "retry"
	 * (nobody: the server retries), "none" (not a failure), "unknown". */
	const char *act;
	const char *next;	/* the next command to run, with placeholders, or NULL */
	const char *title[2];	/* short name, per enum ndr_lang */
	const char *explanation[2];
	const char *fix[2];
	const char **verify;	/* the diagnoses of its live proofs, by registry name ("mx") */
	size_t n_verify;
	struct ndr_proof *proofs;	/* n_verify of them, verify[i] == proofs[i].check */
	const char **refs;	/* "RFC 3463 3.2" */
	size_t n_refs;
	const char **status;	/* status codes that alone select it ("5.1.8") */
	size_t n_status;
	const char **reply;	/* reply codes that alone select it ("530") */
	size_t n_reply;
	/* Structure that names the cause before any phrase is read: the SMTP command that
	 * was refused ("AUTH"), a reply or status code that has one meaning ("535"). */
	const char **command;
	size_t n_command;
	const char **first_reply;
	size_t n_first_reply;
	const char **first_status;
	size_t n_first_status;
	/* Refines a failure classified as one of `refines` when the recipient's domain is one
	 * of rcpt_domains (or a subdomain) and its status is not an X.1.x address status. */
	const char **rcpt_domains;
	size_t n_rcpt_domains;
	const char **refines;
	size_t n_refines;
	const char **when_status; /* phrases count only with a status of this prefix */
	size_t n_when_status;
	const char **unless_status; /* phrases do not count with a status of this prefix */
	size_t n_unless_status;
	/* A phrase match stands only when the failure answered one of these SMTP commands
	 * or its status is one of `status`; otherwise the cause `otherwise` is taken. */
	const char **confirm_command;
	size_t n_confirm_command;
	const char *otherwise;
	/* Phrases that stand on their own: without that confirmation (a directory's own
	 * answer, "the recipient name is not recognized"), and without the status that
	 * when_status asks for (Postfix's "Host not found, try again" is temporary). */
	const char **confirmed;
	size_t n_confirmed;
	/* The cause to take when the report is final (Action: failed) with a temporary
	 * status: a condition that retrying clears by design (greylisting) means the queue
	 * gave up, which is another cause ("ndr.expired"). */
	const char *if_final;
	const char **phrases;	/* lower case; '*' matches up to 80 bytes */
	size_t n_phrases;
	size_t first_phrase;	/* index into the kb's phrase table */
};

/*
 * Load the knowledge base from path. NULL on failure with a one-line reason in err
 * (file, line, what). Caller frees with ndr_kb_free().
 */
struct ndr_kb *ndr_kb_load(const char *path, char *err, size_t err_len);
/* The same, and every proof must name a diagnosis is_check knows and finding ids is_finding
 * knows: an unknown one is a load error naming the cause and the name. */
struct ndr_kb *ndr_kb_load_checked(const char *path, ndr_kb_known_fn *is_check,
    ndr_kb_known_fn *is_finding, char *err, size_t err_len);
void ndr_kb_free(struct ndr_kb *kb);

/* Default knowledge base path: $MXD_KB, the installed data dir, or the source tree's. */
const char *ndr_kb_default_path(void);

size_t ndr_kb_count(const struct ndr_kb *kb);
const struct ndr_cause *ndr_kb_cause(const struct ndr_kb *kb, size_t i);
/* All the causes, in file order: *n of them (for loops over every cause). */
const struct ndr_cause *ndr_kb_causes(const struct ndr_kb *kb, size_t *n);
/* Cause by id, or NULL. */
const struct ndr_cause *ndr_kb_find(const struct ndr_kb *kb, const char *id);
/* The parsed knowledge base document (borrowed), for tables such as "reasons". */
struct json_t;
struct json_t *ndr_kb_root(const struct ndr_kb *kb);
/* The cause used when only the reason is known (status class, fallbacks), or NULL. */
const struct ndr_cause *ndr_kb_for_reason(const struct ndr_kb *kb, const char *reason);
/* Cause for a status code by RFC 3463 class ("5.7" of "5.7.99"), or NULL. */
const struct ndr_cause *ndr_kb_for_status_class(const struct ndr_kb *kb, const char *status);

/*
 * Phrase matching. ndr_kb_scan() normalises text (ASCII lower case, blanks collapsed,
 * typographic apostrophes) and marks which phrases occur; ndr_kb_first() then gives the
 * first cause, in file order, with a phrase that occurs (and whose when_status fits
 * status), and that phrase in *phrase. A match is owned by the caller: zero it, scan into
 * it (again and again: each scan reuses its buffers), then ndr_kb_match_fini().
 */
struct ndr_kb_match {
	uint64_t *hits;		/* bitset over the kb's phrases */
	size_t n_hits;		/* words of hits */
	char *norm;		/* normalised text */
	size_t norm_len, norm_cap;
	bool has_code_prefix;	/* a provider code's prefix occurs */
};
void ndr_kb_scan(const struct ndr_kb *kb, const char *text, size_t len, struct ndr_kb_match *m);
/* After a scan: false when ndr_kb_provider_code() on the same text finds nothing for sure. */
bool ndr_kb_may_have_code(const struct ndr_kb *kb, const struct ndr_kb_match *m);
/* The same for text not scanned: does any provider code prefix occur in it? */
bool ndr_kb_may_have_code_in(const struct ndr_kb *kb, const char *text, size_t len);
const struct ndr_cause *ndr_kb_first(const struct ndr_kb *kb, const struct ndr_kb_match *m,
    const char *status, const char **phrase);
/* The same, passing over causes of reason skip ("expired": the queue gave up, why?). */
const struct ndr_cause *ndr_kb_first_except(const struct ndr_kb *kb,
    const struct ndr_kb_match *m, const char *status, const char *skip, const char **phrase);
void ndr_kb_match_fini(struct ndr_kb_match *m);

#endif
