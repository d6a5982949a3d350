/* Private to src/spf: the evaluation state shared by spf.c, spf_eval.c and spf_trace.c. */
#ifndef MXD_SPF_INT_H
#define MXD_SPF_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spf.h"
#include "spf_limits.h"
#include "spf_macro.h"
#include "spf_parse.h"

#define SPF_MAX_STEPS 100000	/* guard against a broken state machine; never reached */
#define SPF_TRACE_MAX 512	/* trace steps kept; more sets is_trace_truncated */
#define SPF_SUMMARY_MAX 320	/* characters of one answer summary in the trace */
#define SPF_EXP_MAX 1024	/* characters of an expanded explanation */
#define SPF_EXP_TXT_MAX 2048	/* characters of an exp= TXT record (RFC 7208 6.2) */
#define SPF_INPUT_MAX 1024	/* sender, HELO, domain, receiver and default explanation */
#define SPF_WHY_MAX 120		/* characters of a resolver's error text kept */

#define SPF_DEFAULT_EXP "%{c} is not authorised by the SPF record of %{d} to send mail " \
	"as %{s}"

/* What a look-up is for; decides how its answer is digested. */
enum spf_lk {
	LK_RECORD,	/* TXT at a <domain>: the v=spf1 records (RFC 7208 4.4, 4.5) */
	LK_ADDR,	/* A/AAAA of a or of an MX name: is <ip> inside the CIDR? (5.3, 5.4) */
	LK_EXISTS,	/* A of exists: is there any? (5.7) */
	LK_MX,		/* MX names (5.4) */
	LK_PTR,		/* PTR names of <ip> (5.5, 7.3 %{p}) */
	LK_VALIDATE,	/* A/AAAA of a PTR name: is <ip> among them? (5.5) */
	LK_EXP,		/* TXT of exp=: exactly one record (6.2) */
};

/* One look-up in flight or answered. The answer is digested on arrival (it is borrowed),
 * keeping only what the step needs. */
struct spf_slot {
	struct spf_eval *ev;
	enum spf_lk kind;
	uint16_t type;
	char qname[256];	/* asked names are checked names: at most 253 characters */
	enum spf_dns_status status;
	char *why;		/* owned: the resolver's error text, or NULL */
	bool is_matched;	/* LK_ADDR, LK_EXISTS, LK_VALIDATE */
	size_t count;		/* records of the asked type */
	size_t n_spf;		/* LK_RECORD: records that open with v=spf1 */
	char *text;		/* owned: LK_RECORD's v=spf1 record, LK_EXP's only record */
	size_t text_len;
	bool is_too_long;
	char *names[SPF_NAMES_LIMIT];	/* owned: LK_MX and LK_PTR, the first ten */
	uint16_t prefs[SPF_NAMES_LIMIT];
	size_t n_names;
	char *summary;		/* owned: the answer for the trace, or NULL */
};

/* One check_host() invocation: the checked domain, or an include's target. */
struct spf_frame {
	char *domain;		/* owned: this check_host()'s <domain> */
	struct spf_record *rec;	/* owned; NULL until fetched */
	size_t next;		/* index of the term under evaluation */
	bool is_redirect;	/* reached through redirect=: "none" becomes permerror (6.1) */
};

enum spf_state {
	S_FRAME_START,	/* check the frame's domain, ask its TXT records */
	S_RECORD,	/* select and parse the record */
	S_TERM,		/* evaluate the frame's next term */
	S_TERM_ANSWER,	/* the one look-up of a, exists, mx or ptr is in slot 0 */
	S_MX_ADDRS,	/* address look-ups of the MX names are in slots 0..batch_n-1 */
	S_PTR_ADDRS,	/* validation look-ups of the PTR names */
	S_P_NAMES,	/* %{p}: PTR names in slot 0 */
	S_P_ADDRS,	/* %{p}: validation look-ups */
	S_EXP,		/* the result is fail: fetch the explanation */
	S_EXP_ANSWER,
	S_EXP_EXPAND,
	S_FINISH,
	S_DONE,
};

struct spf_eval {
	struct spf_resolver r;
	spf_eval_done *cb;
	void *cb_arg;
	bool want_trace;
	struct spf_record_cache *record_cache;	/* borrowed, may be NULL */

	/* check_host() arguments (RFC 7208 4.1) and the macro values that derive from them */
	int family;			/* 4 or 6 */
	unsigned char ip[16];		/* IPv4 in the first 4 bytes */
	char ip_c[INET6_ADDRSTRLEN];	/* %{c} */
	char ip_i[72];			/* %{i}: dotted quad or 32 dotted nibbles */
	char rev_name[80];		/* the PTR query name */
	char t_buf[24];			/* %{t} */
	char *sender, *local, *sender_domain, *helo, *domain, *receiver, *default_exp;

	struct spf_frame frames[SPF_DEPTH_MAX];
	size_t depth;
	enum spf_state state;
	struct spf_slot slots[SPF_NAMES_LIMIT];
	size_t batch_n;			/* slots used by the current batch */
	unsigned pending;		/* look-ups asked and not yet answered */
	bool is_running;		/* inside spf_run(): answers only get recorded */
	unsigned steps;

	unsigned cur_cidr;		/* prefix length for LK_ADDR */
	char *target;			/* owned: target-name of the ptr term in progress */

	/* %{p} (RFC 7208 7.3): the validated names, looked up at most once */
	bool is_p_known;
	bool is_p_counted;		/* the look-ups count as void look-ups (4.6.4) */
	enum spf_state p_resume;
	char *p_names[SPF_NAMES_LIMIT];
	size_t p_n;

	/* the explanation being expanded (RFC 7208 6.2) */
	char *exp_text;
	size_t exp_len;
	bool is_exp_default;

	enum spf_result result;
	char *mechanism, *mech_domain, *explanation, *problem;
	enum spf_problem problem_kind;
	unsigned dns_mechs, void_lookups, queries;
	struct spf_trace_step *trace;
	size_t trace_len, trace_cap;
	bool is_trace_truncated;
};

/* A bounded text builder for trace summaries: past the ceiling it ends in "...". */
struct sbuf {
	char buf[SPF_SUMMARY_MAX];
	size_t len;
	bool is_full;
};

/* Shared between spf.c, spf_eval.c and spf_trace.c; see each definition. */
const char *spf_type_name(uint16_t type);
struct spf_frame *spf_top_frame(struct spf_eval *ev);
void spf_trace_add(struct spf_eval *ev, const char *term, const struct spf_slot *slot,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
size_t spf_addr_len(uint16_t type);
void spf_slot_summarise(struct spf_slot *slot, const struct spf_answer *ans);
void spf_vars_fill(const struct spf_eval *ev, const char *d, struct spf_macro_vars *v);
int spf_target_expand(struct spf_eval *ev, const char *spec, size_t spec_len, char **out);
void spf_frame_push(struct spf_eval *ev, char *domain);
void spf_frame_pop(struct spf_eval *ev);
void spf_p_start(struct spf_eval *ev, enum spf_state resume);
void spf_step(struct spf_eval *ev);
void spf_abort(struct spf_eval *ev, enum spf_result res, enum spf_problem prob,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void spf_ask(struct spf_eval *ev, size_t k, enum spf_lk kind, const char *qname, uint16_t type);
void spf_step_exp(struct spf_eval *ev);
void spf_step_exp_answer(struct spf_eval *ev);
void spf_step_exp_expand(struct spf_eval *ev);

#endif
