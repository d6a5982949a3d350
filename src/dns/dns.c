/* DNS engine: c-ares sends and retries (TCP on truncation), ldns builds and parses,
 * the shared loop drives the sockets, and a per-run cache asks each question once. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ares.h>

#include "dns.h"
#include "err.h"
#include "log.h"
#include "loop.h"
#include "xmalloc.h"

#define DNS_CACHE_BUCKETS 512
#define DNS_MAX_ENTRIES 20000		/* questions per run: far above any diagnosis */
#define DNS_EDNS_SIZE 1232		/* DNS flag day 2020 buffer size */

struct dns_waiter {
	dns_cb *cb;
	void *arg;
	unsigned depth;
	struct dns_waiter *next;
};

/* One question and, once answered, its answer (owned). */
struct dns_entry {
	char *qname;
	uint16_t qtype;
	unsigned flags;		/* DNS_Q_*: part of the question (a CD answer is another) */
	bool is_done;
	struct dns_answer ans;
	ldns_pkt *pkt;
	char *error;
	int64_t sent_ms;
	uint8_t *held_wire;	/* the query waiting for its slot at the gate (owned) */
	size_t held_len;
	struct loop_timer *gate_timer;
	struct dns_waiter *waiters;
	struct dns *dns;
	struct dns_entry *next;		/* hash chain */
};

/* A delivery of a cached answer, deferred so callbacks never run inside dns_query(). */
struct dns_delivery {
	struct dns_entry *entry;
	struct dns_waiter *waiter;
};

struct dns {
	struct loop *loop;
	const struct dns_backend *backend;	/* set: no c-ares channel at all */
	ares_channel channel;
	struct loop_timer *timer;
	struct dns_stats *stats;
	struct dns_gate *gate;
	char *server_desc;
	struct dns_entry *buckets[DNS_CACHE_BUCKETS];
	size_t nentries;
	unsigned pending_deliveries;
	bool is_destroying;
	bool is_sending;	/* inside ares_send(), which may answer at once on errors */
};

/* Slots are kept in microseconds: at thousands of queries a second, milliseconds are too
 * coarse to space them. */
struct dns_gate {
	int64_t interval_us;
	int64_t next_us;	/* the next free slot */
};

static void schedule_timeout(struct dns *dns);

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

struct dns_gate *
dns_gate_new(unsigned rate)
{
	struct dns_gate *gate = xcalloc(1, sizeof(*gate));

	gate->interval_us = 1000000 / (rate > 0 ? rate : 1);
	if (gate->interval_us < 1)
		gate->interval_us = 1;
	return gate;
}

void
dns_gate_free(struct dns_gate *gate)
{
	free(gate);
}

/* Take the next slot; returns how many milliseconds to wait for it (0: send now). */
static int64_t
gate_reserve(struct dns_gate *gate)
{
	int64_t now = now_us(), slot = gate->next_us > now ? gate->next_us : now;

	gate->next_us = slot + gate->interval_us;
	return (slot - now) / 1000;
}

static void
on_socket(int fd, short revents, void *arg)
{
	struct dns *dns = arg;
	ares_socket_t rfd = ARES_SOCKET_BAD, wfd = ARES_SOCKET_BAD;

	if (revents & (POLLIN | POLLERR | POLLHUP))
		rfd = fd;
	if (revents & POLLOUT)
		wfd = fd;
	ares_process_fd(dns->channel, rfd, wfd);
	schedule_timeout(dns);
}

static void
on_timer(void *arg)
{
	struct dns *dns = arg;

	dns->timer = NULL;
	ares_process_fd(dns->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	schedule_timeout(dns);
}

/* Keep one loop timer at c-ares' next deadline while queries are outstanding. */
static void
schedule_timeout(struct dns *dns)
{
	struct timeval tv, *tvp;

	if (dns->timer != NULL) {
		loop_timer_cancel(dns->loop, dns->timer);
		dns->timer = NULL;
	}
	if (dns->is_destroying || dns->backend != NULL)
		return;
	tvp = ares_timeout(dns->channel, NULL, &tv);
	if (tvp != NULL)
		dns->timer = loop_timer_add(dns->loop,
		    (int64_t)tvp->tv_sec * 1000 + tvp->tv_usec / 1000 + 1, on_timer, dns);
}

static void
on_sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	struct dns *dns = data;
	short events = (readable ? POLLIN : 0) | (writable ? POLLOUT : 0);

	if (events == 0)
		loop_unwatch(dns->loop, fd);
	else if (loop_watch(dns->loop, fd, events, on_socket, dns) < 0)
		log_warn("too many open sockets; DNS socket %d not watched", (int)fd);
}

/* "ip:port,..." of the servers c-ares read from resolv.conf, for the evidence. */
static char *
describe_servers(ares_channel channel)
{
	struct ares_addr_port_node *list = NULL, *n;
	char desc[256] = "", addr[INET6_ADDRSTRLEN];
	size_t off = 0;

	if (ares_get_servers_ports(channel, &list) != ARES_SUCCESS)
		return xstrdup("system resolver");
	for (n = list; n != NULL; n = n->next) {
		int w;

		if (inet_ntop(n->family, &n->addr, addr, sizeof(addr)) == NULL)
			continue;
		w = snprintf(desc + off, sizeof(desc) - off, n->family == AF_INET6 ?
		    "%s[%s]:%d" : "%s%s:%d", off ? "," : "", addr, n->udp_port ? n->udp_port : 53);
		if (w < 0 || (size_t)w >= sizeof(desc) - off)
			break;
		off += (size_t)w;
	}
	ares_free_data(list);
	return xstrdup(off ? desc : "system resolver");
}

struct dns *
dns_new(struct loop *loop, const struct dns_config *cfg, struct dns_stats *stats, int *err,
    const char **why)
{
	struct dns *dns = xcalloc(1, sizeof(*dns));
	struct ares_options opts;
	int optmask, rc;

	memset(&opts, 0, sizeof(opts));
	/* NOCHECKRESP: without it c-ares hides SERVFAIL/REFUSED behind "could not contact". */
	opts.flags = ARES_FLAG_NOCHECKRESP | ARES_FLAG_EDNS | ARES_FLAG_NOSEARCH;
	opts.timeout = cfg->timeout_ms > 0 ? cfg->timeout_ms : 2000;
	opts.tries = cfg->tries > 0 ? cfg->tries : 2;
	opts.ednspsz = DNS_EDNS_SIZE;
	opts.sock_state_cb = on_sock_state;
	opts.sock_state_cb_data = dns;
	optmask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_EDNSPSZ |
	    ARES_OPT_SOCK_STATE_CB;
	if (cfg->is_rotating)
		optmask |= ARES_OPT_ROTATE;
	dns->loop = loop;
	dns->stats = stats;
	dns->gate = cfg->gate;
	if (cfg->backend != NULL) {
		dns->backend = cfg->backend;
		dns->server_desc = xstrdup(cfg->backend->server != NULL ?
		    cfg->backend->server : "in-process");
		return dns;
	}
	rc = ares_library_init(ARES_LIB_INIT_ALL);
	if (rc == ARES_SUCCESS)
		rc = ares_init_options(&dns->channel, &opts, optmask);
	if (rc != ARES_SUCCESS) {
		*err = MXD_EIO;
		*why = ares_strerror(rc);
		free(dns);
		return NULL;
	}
	if (cfg->servers != NULL) {
		rc = ares_set_servers_ports_csv(dns->channel, cfg->servers);
		if (rc != ARES_SUCCESS) {
			*err = MXD_EINVAL;
			*why = ares_strerror(rc);
			ares_destroy(dns->channel);
			free(dns);
			return NULL;
		}
		dns->server_desc = xstrdup(cfg->servers);
	} else {
		dns->server_desc = describe_servers(dns->channel);
	}
	return dns;
}

static void
entry_free(struct dns_entry *e)
{
	struct dns_waiter *w, *next;

	for (w = e->waiters; w != NULL; w = next) {
		next = w->next;
		free(w);
	}
	ldns_pkt_free(e->pkt);
	free(e->held_wire);
	free(e->error);
	free(e->qname);
	free(e);
}

void
dns_free(struct dns *dns)
{
	size_t i;

	if (dns == NULL)
		return;
	dns->is_destroying = true;
	/* Outstanding queries end with ARES_EDESTRUCTION; their waiters are not called. */
	if (dns->backend == NULL)
		ares_destroy(dns->channel);
	if (dns->timer != NULL)
		loop_timer_cancel(dns->loop, dns->timer);
	for (i = 0; i < DNS_CACHE_BUCKETS; i++) {
		struct dns_entry *e, *next;

		for (e = dns->buckets[i]; e != NULL; e = next) {
			next = e->next;
			if (e->gate_timer != NULL)
				loop_timer_cancel(dns->loop, e->gate_timer);
			entry_free(e);
		}
	}
	free(dns->server_desc);
	free(dns);
}

size_t
dns_cache_count(const struct dns *dns)
{
	return dns->nentries;
}

static unsigned
hash_question(const char *name, uint16_t type)
{
	unsigned h = 2166136261u ^ type;

	for (; *name != '\0'; name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	return h % DNS_CACHE_BUCKETS;
}

/* Lower case, without the trailing dot: the cache key and the evidence form. */
static char *
normalise_name(const char *name)
{
	size_t len = strlen(name), i;
	char *s;

	if (len > 1 && name[len - 1] == '.')
		len--;
	s = xstrndup(name, len);
	for (i = 0; i < len; i++)
		s[i] = (char)tolower((unsigned char)s[i]);
	return s;
}

static void
deliver(struct dns_entry *e, struct dns_waiter *w)
{
	struct dns_answer ans = e->ans;

	/* Depth counts round trips on the critical path: a shared answer costs the asker no
	 * new round trip, so it arrives at the later of its own depth and the asker's. */
	if (w->depth > ans.depth)
		ans.depth = w->depth;
	if (e->dns->stats != NULL && ans.depth > e->dns->stats->depth)
		e->dns->stats->depth = ans.depth;
	w->cb(&ans, w->arg);
}

bool
dns_status_is_failure(enum dns_status st)
{
	return st == DNS_SERVFAIL || st == DNS_REFUSED || st == DNS_TIMEOUT || st == DNS_ERROR;
}

enum dns_status
dns_status_merge(enum dns_status a, enum dns_status b)
{
	if (a == DNS_OK || b == DNS_OK)
		return DNS_OK;
	if (dns_status_is_failure(a))
		return a;
	if (dns_status_is_failure(b))
		return b;
	if (a == DNS_NXDOMAIN && b == DNS_NXDOMAIN)
		return DNS_NXDOMAIN;
	return DNS_NODATA;
}

enum dns_status
dns_status_from_pkt(const ldns_pkt *pkt, uint16_t qtype)
{
	switch (ldns_pkt_get_rcode(pkt)) {
	case LDNS_RCODE_NOERROR: {
		ldns_rr_list *rrs = ldns_pkt_rr_list_by_type(pkt, qtype, LDNS_SECTION_ANSWER);
		enum dns_status st = rrs != NULL && ldns_rr_list_rr_count(rrs) > 0 ?
		    DNS_OK : DNS_NODATA;

		ldns_rr_list_deep_free(rrs);
		return st;
	}
	case LDNS_RCODE_NXDOMAIN: return DNS_NXDOMAIN;
	case LDNS_RCODE_SERVFAIL: return DNS_SERVFAIL;
	case LDNS_RCODE_REFUSED: return DNS_REFUSED;
	default: return DNS_ERROR;
	}
}

static void
flush_waiters(void *arg)
{
	struct dns_entry *e = arg;
	struct dns_waiter *w = e->waiters, *next;

	e->waiters = NULL;
	for (; w != NULL; w = next) {
		next = w->next;
		deliver(e, w);
		free(w);
	}
}

static void
on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct dns_entry *e = arg;
	struct dns *dns = e->dns;

	(void)timeouts;
	if (status == ARES_EDESTRUCTION || dns->is_destroying)
		return;
	e->ans.ms = loop_now_ms() - e->sent_ms;
	if (status == ARES_SUCCESS && abuf != NULL && alen > 0) {
		ldns_pkt *pkt = NULL;

		if (ldns_wire2pkt(&pkt, abuf, (size_t)alen) == LDNS_STATUS_OK) {
			e->pkt = pkt;
			e->ans.pkt = pkt;
			e->ans.rcode = ldns_pkt_get_rcode(pkt);
			e->ans.status = dns_status_from_pkt(pkt, e->qtype);
			e->ans.is_authenticated = ldns_pkt_ad(pkt);
			if (ldns_pkt_tc(pkt)) {
				/* c-ares retries a truncated UDP reply over TCP; TC still set
				 * means the answer is incomplete: its records prove nothing
				 * (RFC 2181 9), least of all that there are none. */
				e->ans.status = DNS_ERROR;
				e->error = xstrdup("truncated reply (TC set even over TCP)");
			} else if (e->ans.status == DNS_ERROR) {
				e->error = xasprintf("unexpected rcode %d", e->ans.rcode);
			}
		} else {
			e->ans.status = DNS_ERROR;
			e->error = xstrdup("malformed reply");
		}
	} else {
		e->ans.status = status == ARES_ETIMEOUT ? DNS_TIMEOUT : DNS_ERROR;
		e->error = xstrdup(ares_strerror(status));
	}
	e->ans.error = e->error;
	e->is_done = true;
	log_debug("dns: %s %s -> %s in %lld ms", e->qname, dns_type_name(e->qtype),
	    dns_status_name(e->ans.status), (long long)e->ans.ms);
	if (dns->is_sending) {
		loop_timer_add(dns->loop, 0, flush_waiters, e);
		return;
	}
	flush_waiters(e);
}

static void
on_delivery(void *arg)
{
	struct dns_delivery *d = arg;

	d->entry->dns->pending_deliveries--;
	deliver(d->entry, d->waiter);
	free(d->waiter);
	free(d);
}

/* A backend's reply, delivered from the loop as c-ares would deliver one. */
struct dns_backend_reply {
	struct dns_entry *entry;
	uint8_t *wire;
	size_t len;
	bool timed_out;
};

static void
on_backend_reply(void *arg)
{
	struct dns_backend_reply *r = arg;
	int status = r->wire != NULL ? ARES_SUCCESS :
	    r->timed_out ? ARES_ETIMEOUT : ARES_ECONNREFUSED;

	on_answer(r->entry, status, 0, r->wire, (int)r->len);
	free(r->wire);
	free(r);
}

static void
send_to_backend(struct dns *dns, struct dns_entry *e, const uint8_t *wire, size_t len)
{
	struct dns_backend_reply *r = xcalloc(1, sizeof(*r));

	r->entry = e;
	r->wire = dns->backend->answer(dns->backend->arg, wire, len, &r->len, &r->timed_out);
	loop_timer_add(dns->loop, 0, on_backend_reply, r);
}

/* The query on the wire through c-ares (which may answer at once on errors). */
static void
transmit(struct dns *dns, struct dns_entry *e, const uint8_t *wire, size_t wire_len)
{
	e->sent_ms = loop_now_ms();
	dns->is_sending = true;
	ares_send(dns->channel, wire, (int)wire_len, on_answer, e);
	dns->is_sending = false;
	schedule_timeout(dns);
}

static void
on_gate_slot(void *arg)
{
	struct dns_entry *e = arg;
	uint8_t *wire = e->held_wire;

	e->gate_timer = NULL;
	e->held_wire = NULL;
	transmit(e->dns, e, wire, e->held_len);
	free(wire);
}

static int
send_question(struct dns *dns, struct dns_entry *e)
{
	ldns_rdf *dname = NULL;
	ldns_pkt *q = NULL;
	uint8_t *wire = NULL;
	size_t wire_len = 0;
	int64_t delay;
	int rc = MXD_EINVAL;

	if (ldns_str2rdf_dname(&dname, e->qname[0] != '\0' ? e->qname : ".") != LDNS_STATUS_OK)
		goto out;
	q = ldns_pkt_query_new(dname, e->qtype, LDNS_RR_CLASS_IN,
	    LDNS_RD | ((e->flags & DNS_Q_CD) ? LDNS_CD : 0));
	dname = NULL;	/* owned by q now */
	if (q == NULL)
		goto out;
	/* DO: the signatures too (RFC 3225), to say why a zone does not validate. */
	if (e->flags & DNS_Q_DO)
		ldns_pkt_set_edns_do(q, true);
	/* AD asks a validating resolver to say whether it validated (RFC 6840 5.7). */
	ldns_pkt_set_ad(q, true);
	ldns_pkt_set_edns_udp_size(q, DNS_EDNS_SIZE);
	/* A random ID against off-path spoofing (RFC 5452 4.3); glibc's arc4random is far
	 * cheaper than ldns' OpenSSL-backed generator, which batch SPF runs felt. */
	ldns_pkt_set_id(q, (uint16_t)arc4random_uniform(65536));
	if (ldns_pkt2wire(&wire, q, &wire_len) != LDNS_STATUS_OK)
		goto out;
	e->sent_ms = loop_now_ms();
	if (dns->stats != NULL)
		dns->stats->queries++;
	if (dns->backend != NULL) {
		send_to_backend(dns, e, wire, wire_len);
		rc = 0;
		goto out;
	}
	delay = dns->gate != NULL ? gate_reserve(dns->gate) : 0;
	if (delay > 0) {
		e->held_wire = wire;
		e->held_len = wire_len;
		wire = NULL;
		e->gate_timer = loop_timer_add(dns->loop, delay, on_gate_slot, e);
	} else {
		transmit(dns, e, wire, wire_len);
	}
	rc = 0;
out:
	ldns_rdf_deep_free(dname);
	ldns_pkt_free(q);
	free(wire);
	return rc;
}

/* RFC 1035 2.3.4: 255 octets on the wire, so at most 253 characters of text. */
static bool
is_sendable_name(const char *name)
{
	size_t len = strlen(name), label = 0, i;

	if (len == 0 || len > 254)
		return false;
	for (i = 0; i < len; i++) {
		if (name[i] == '.') {
			if (label == 0 && !(i == 0 && len == 1))
				return false;
			label = 0;
		} else if (++label > 63) {
			return false;
		}
	}
	return true;
}

int
dns_query(struct dns *dns, const char *name, uint16_t type, unsigned parent_depth, dns_cb *cb,
    void *arg)
{
	return dns_query_flags(dns, name, type, 0, parent_depth, cb, arg);
}

int
dns_query_flags(struct dns *dns, const char *name, uint16_t type, unsigned flags,
    unsigned parent_depth, dns_cb *cb, void *arg)
{
	char *qname;
	unsigned h;
	struct dns_entry *e;
	struct dns_waiter *w;

	if (name == NULL || !is_sendable_name(name))
		return MXD_EINVAL;
	qname = normalise_name(name);
	h = hash_question(qname, type);
	for (e = dns->buckets[h]; e != NULL; e = e->next)
		if (e->qtype == type && e->flags == flags && strcmp(e->qname, qname) == 0)
			break;
	w = xcalloc(1, sizeof(*w));
	w->cb = cb;
	w->arg = arg;
	w->depth = e != NULL ? parent_depth : parent_depth + 1;
	if (e != NULL) {
		free(qname);
		if (dns->stats != NULL)
			dns->stats->cache_hits++;
		if (e->is_done) {
			struct dns_delivery *d = xcalloc(1, sizeof(*d));

			d->entry = e;
			d->waiter = w;
			dns->pending_deliveries++;
			loop_timer_add(dns->loop, 0, on_delivery, d);
		} else {
			w->next = e->waiters;
			e->waiters = w;
		}
		return 0;
	}
	if (dns->nentries >= DNS_MAX_ENTRIES) {
		free(qname);
		free(w);
		return MXD_ELIMIT;
	}
	e = xcalloc(1, sizeof(*e));
	e->qname = qname;
	e->qtype = type;
	e->flags = flags;
	e->dns = dns;
	e->ans.qname = e->qname;
	e->ans.qtype = type;
	e->ans.rcode = -1;
	e->ans.server = dns->server_desc;
	e->ans.depth = parent_depth + 1;
	e->waiters = w;
	if (send_question(dns, e) < 0) {
		entry_free(e);
		return MXD_EINVAL;
	}
	/* Inserted after a successful send: a failed send leaves no stale entry behind. */
	e->next = dns->buckets[h];
	dns->buckets[h] = e;
	dns->nentries++;
	return 0;
}

const char *
dns_status_name(enum dns_status st)
{
	switch (st) {
	case DNS_OK: return "NOERROR";
	case DNS_NODATA: return "NODATA";
	case DNS_NXDOMAIN: return "NXDOMAIN";
	case DNS_SERVFAIL: return "SERVFAIL";
	case DNS_REFUSED: return "REFUSED";
	case DNS_TIMEOUT: return "TIMEOUT";
	case DNS_ERROR: return "ERROR";
	}
	return "ERROR";
}
