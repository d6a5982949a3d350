/* DNS engine: c-ares moves the packets on the shared loop, ldns builds and parses them.
 * Every question is asked once per run (cache); answers are kept as evidence. */
#ifndef MXD_DNS_H
#define MXD_DNS_H

#include <stdbool.h>
#include <stdint.h>

#include <ldns/ldns.h>

struct loop;

/* Counters the engine keeps for one run; the report reads them as `stats.dns`. */
struct dns_stats {
	unsigned queries;	/* queries sent on the wire */
	unsigned cache_hits;	/* questions answered from the per-run cache */
	unsigned depth;		/* longest chain of dependent lookups */
};

enum dns_status {
	DNS_OK,		/* NOERROR with at least one record of the asked type */
	DNS_NODATA,	/* NOERROR, name exists, no record of that type */
	DNS_NXDOMAIN,	/* name does not exist */
	DNS_SERVFAIL,	/* resolver could not answer (includes DNSSEC bogus) */
	DNS_REFUSED,	/* resolver refused */
	DNS_TIMEOUT,	/* no answer within the timeout from any server */
	DNS_ERROR,	/* anything else: FORMERR, malformed reply, connection refused */
};

/* What a consumer made of an answer once, kept with the answer and released with it by the
 * cache: report.c's evidence object, built once however many findings cite the answer. */
struct dns_memo {
	void *obj;			/* owned; NULL until made */
	void (*release)(void *obj);	/* frees obj */
};

/* One answered question. Passed to callbacks as borrowed. Its pointers (qname, pkt,
 * server, error) belong to the per-run cache, which keeps every answer until dns_free():
 * a copy of the struct may be kept for the run (dns_target.h does). */
struct dns_answer {
	const char *qname;	/* as asked, lower case, no trailing dot */
	uint16_t qtype;		/* LDNS_RR_TYPE_* */
	enum dns_status status;
	int rcode;		/* LDNS_RCODE_*, or -1 without a reply */
	const ldns_pkt *pkt;	/* the parsed reply, NULL without one */
	const char *server;	/* "ip:port" that answered, or the configured list */
	int64_t ms;		/* time from sending to answer */
	unsigned depth;		/* round trips on the critical path to this answer: 1 + the
				 * asker's depth for a new question; for one already asked
				 * (cache), the later of its depth and the asker's */
	bool is_authenticated;	/* AD flag */
	bool was_truncated;	/* the UDP reply had TC and c-ares retried over TCP */
	const char *error;	/* c-ares text for DNS_ERROR/DNS_TIMEOUT, else NULL */
	struct dns_memo *memo;	/* the cache's, as the pointers above; NULL in an answer
				 * made by hand (it has no memo) */
};

typedef void dns_cb(const struct dns_answer *ans, void *arg);

/*
 * An in-process stand-in for the network, the way Unbound's testbound replaces its
 * network layer: tests serve zone data without a lab (tests/unit/dns_zone.c). answer()
 * gets each question as it would go on the wire and returns the reply's wire bytes
 * (malloc'd; the engine frees them) with *len set, or NULL for no reply: *timed_out set
 * says timeout, else an error. Everything above c-ares is the same code as for real
 * answers: the cache, depth, parsing, statuses, delivery from the loop.
 */
struct dns_backend {
	uint8_t *(*answer)(void *arg, const uint8_t *query, size_t query_len, size_t *len,
	    bool *timed_out);
	void *arg;
	const char *server;	/* the "server" in evidence: "zone" */
};

/*
 * A gate shared by the engines of a batch: at most max_inflight of their queries in flight
 * at once (the others queue, oldest first), and with a rate (`--qps`) every query takes the
 * next free slot, slots 1/rate s apart, and waits on the loop until its slot has come
 * (c-ares has no rate limit of its own). A queued query counts as work of the loop task that
 * asked it (loop_task_hold), and goes out as that task's work.
 */
struct dns_gate;

/* A gate of rate queries a second (0: no pacing) and max_inflight (0: no cap). Caller
 * frees, after its engines. */
struct dns_gate *dns_gate_new(unsigned rate, unsigned max_inflight);
void dns_gate_free(struct dns_gate *gate);
/* The gate's engines (c-ares ones) share one channel, made by the first with that engine's
 * config (servers, timeout, tries, rotation: a batch's engines all have the same): each
 * keeps its own cache and stats. Its queries in flight count as their askers' work. */
void dns_gate_share_channel(struct dns_gate *gate);

struct dns_config {
	const char *servers;	/* c-ares CSV "ip:port,[v6]:port"; NULL = system resolv.conf */
	int timeout_ms;		/* per-try timeout */
	int tries;		/* attempts per server */
	const struct dns_backend *backend;	/* borrowed; NULL (the default): c-ares */
	struct dns_gate *gate;	/* borrowed; NULL: queries go at once */
	/* Each question starts at the next server in turn (ARES_OPT_ROTATE), spreading a
	 * batch's load; without it every question asks the first server first. A timeout
	 * moves the question to the next server either way. */
	bool is_rotating;
};

struct dns;

/* New engine on loop, counting into stats (borrowed, may be NULL). NULL on failure with
 * *err set to an MXD_E* code and *why (static text) to the reason. Caller frees. */
struct dns *dns_new(struct loop *loop, const struct dns_config *cfg, struct dns_stats *stats,
    int *err, const char **why);
void dns_free(struct dns *dns);

/* How many questions the cache holds (answered or in flight). */
size_t dns_cache_count(const struct dns *dns);

/*
 * Ask name/type. parent_depth is the depth of the answer that caused this question (0 for
 * a first question). cb is always called exactly once, later from the loop, never from
 * inside dns_query(). Returns 0, or MXD_EINVAL for a name that cannot be put on the wire
 * (cb is then not called).
 */
int dns_query(struct dns *dns, const char *name, uint16_t type, unsigned parent_depth,
    dns_cb *cb, void *arg);

/* The PTR question of the address addr (its in-addr.arpa or ip6.arpa name), as
 * dns_query(); MXD_EINVAL also when addr is no address. */
int dns_query_ptr(struct dns *dns, const char *addr, unsigned parent_depth, dns_cb *cb,
    void *arg);

/* Question flags for dns_query_flags(); each combination is its own question (cache). */
enum {
	DNS_Q_CD = 1 << 0,	/* checking disabled: the answer even when DNSSEC fails */
	DNS_Q_DO = 1 << 1,	/* DNSSEC OK: with the RRSIG records */
};

/* The query as it goes on the wire: header (RD, AD; CD with DNS_Q_CD), the question name/
 * type IN, an OPT record (1232 octets; DO with DNS_Q_DO). Writes at most len bytes (at
 * least DNS_QUERY_WIRE_MAX) to buf; returns the length, or 0 for a name it does not write
 * (escaped characters, a label or name too long), which ldns then writes. */
#define DNS_QUERY_WIRE_MAX 300
size_t dns_query_wire(const char *name, uint16_t type, unsigned flags, uint16_t id,
    uint8_t *buf, size_t len);

/* dns_query() with DNS_Q_* flags (DNSSEC's evidence: dnssec.c). */
int dns_query_flags(struct dns *dns, const char *name, uint16_t type, unsigned flags,
    unsigned parent_depth, dns_cb *cb, void *arg);

/* Status of a reply to a QTYPE question: NOERROR with a QTYPE answer is DNS_OK, without
 * one DNS_NODATA; NXDOMAIN, SERVFAIL, REFUSED map to theirs, any other rcode DNS_ERROR. */
/* True when the resolver could not answer (SERVFAIL, REFUSED, timeout, other error): the
 * answer says nothing about the name. */
bool dns_status_is_failure(enum dns_status st);
/* One host's status from its A and AAAA answers, Postfix's rule (dns.h): found when either
 * query found addresses; not-found only when every query says not-found (NXDOMAIN when
 * both do, else NODATA); any failure otherwise makes the host a failure. */
enum dns_status dns_status_merge(enum dns_status a, enum dns_status b);
enum dns_status dns_status_from_pkt(const ldns_pkt *pkt, uint16_t qtype);
const char *dns_status_name(enum dns_status st);	/* "NOERROR", "NODATA", "NXDOMAIN", ... */
const char *dns_type_name(uint16_t type);		/* "MX"; static or internal buffer */

/* Records of `type` in the answer section. Returns the count; rrs[i] are borrowed from the
 * answer. At most max are stored. */
size_t dns_answer_rrs(const struct dns_answer *ans, uint16_t type, const ldns_rr **rrs,
    size_t max);

/* rr as ldns_rr2str() writes it, without its newline, for the records answers mostly hold
 * (A, AAAA, MX, CNAME, NS, PTR, TXT of plain letters, digits, '-' and '_' names, printable
 * TXT): ldns' text buffer and printf were a sixth of a batch's CPU. Writes at most len
 * bytes (NUL included) to buf; returns the length, or 0 for a record it leaves to ldns. */
size_t dns_rr_text(const ldns_rr *rr, char *buf, size_t len);

/* A domain-name rdf as text, lower case, without the trailing dot ("" for the root).
 * Caller frees. */
char *dns_rdf_name(const ldns_rdf *rdf);
/* An A/AAAA rdf as an address string. Caller frees. */
char *dns_rdf_addr(const ldns_rdf *rdf);
/* TXT rdata strings joined without separators (RFC 7208 3.3), at most max_len bytes.
 * Returns NULL when longer (caller frees otherwise). */
char *dns_rr_txt_joined(const ldns_rr *rr, size_t max_len);
/* The same, keeping every byte (a NUL in a record is a syntax error a parser must see):
 * *len_out gets the length. The one TXT joiner; dns_rr_txt_joined() is this one. */
char *dns_rr_txt_join(const ldns_rr *rr, size_t max_len, size_t *len_out);
/* Reverse lookup name for an IPv4 or IPv6 address ("7.100.51.198.in-addr.arpa").
 * NULL when ip is not an address. Caller frees. */
char *dns_reverse_name(const char *ip);

#endif
