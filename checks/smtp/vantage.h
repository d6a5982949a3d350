/*
 * Vantage: whether an answer received over outbound port 25 from this network can be read
 * as the target's own. With OP25B the line blocks port 25 or hands it to an interceptor;
 * what a probe then sees says nothing of the server it dialled. The port25 fact of the run
 * says so when port25 was probed, and a line it found open is open: every answer is then
 * the server's own, whatever name it greets with. Without that fact (not measured, or the
 * probe could not tell), a probe still sees an interceptor by its greeting: one name, neither
 * server's own, from servers of unrelated operators, or a stranger's name that TLS does not
 * vouch for.
 */
#ifndef MXD_VANTAGE_H
#define MXD_VANTAGE_H

#include <stdbool.h>
#include <stddef.h>

struct check_facts;
struct finding;
struct smtp_result;

/* One session over port 25, as a probe saw it. */
struct vantage_session {
	const char *name;	/* the host name dialled, or NULL for an address target */
	const char *ptr;	/* the PTR name of the address dialled, or NULL */
	const struct smtp_result *res;
};

enum vantage {
	VANTAGE_CLEAR,		/* the answer is the target's: judge it */
	VANTAGE_BLOCKED,	/* the line blocks port 25: a failure says nothing */
	VANTAGE_INTERCEPTED,	/* something else answered in the target's place */
};

struct vantage_why {
	enum vantage v;
	bool is_proven;		/* several servers, or the port25 probe's proof */
	bool is_from_port25;	/* the run's port25 fact says so (else this probe alone) */
	char how[48];		/* the port25 finding id, when from the fact */
	char banner[256];	/* the interceptor's greeting name */
	char other[256];	/* alone: an unrelated server that greeted the same */
	unsigned tls_problems;	/* alone: TLS_J_* that kept TLS from vouching */
};

/* How to read session k of the n sessions one probe made (facts may be NULL). */
enum vantage vantage_of(const struct check_facts *facts, const struct vantage_session *all,
    size_t n, size_t k, struct vantage_why *why);

/* Whether the run's port25 probe found outbound port 25 open on addr's family (facts may
 * be NULL): only then does a connection that failed speak of the server dialled. */
bool vantage_is_line_open(const struct check_facts *facts, const char *addr);

/* Why the line is not known to be open on addr's family, as words for a message. */
const char *vantage_unproven_words(const struct check_facts *facts, const char *addr);

/* The message of a probe's UNKNOWN finding for target, and its data ("vantage"). */
void vantage_explain(struct finding *f, const struct vantage_why *why, const char *target);

/* Only the data ("vantage": state, proven, source, how, banner_name), for a probe that words
 * its own message. */
void vantage_data(struct finding *f, const struct vantage_why *why);

#endif
