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

/* small enough that an engine is a small allocation: a 4 KB one per domain made glibc
 * consolidate its free lists every time (a twentieth of a batch's CPU); chains stay short
 * for the few hundred questions of a run */
#define DNS_CACHE_BUCKETS 64
#define DNS_MAX_ENTRIES 20000		/* questions per run: far above any diagnosis */
#define DNS_EDNS_SIZE 1232		/* DNS flag day 2020 buffer size */

struct dns_waiter {
	dns_cb *cb;
	void *arg;
	unsigned depth;
	struct dns_waiter *next;
	struct dns_entry *entry;	/* a cached answer's, delivered from the loop */
};

/* One question and, once answered, its answer (owned). */
struct dns_entry {
	char *qname;
	uint16_t qtype;
	unsigned flags;		/* DNS_Q_*: part of the question (a CD answer is another) */
	bool is_done;
	struct dns_answer ans;
	struct dns_memo memo;	/* ans.memo */
	ldns_pkt *pkt;
	char *error;
	int64_t sent_ms;
	uint8_t *held_wire;	/* the query waiting at the gate (owned) */
	size_t held_len;
	struct loop_timer *gate_timer;	/* waiting for its slot in time */
	bool is_queued;		/* waiting for room in flight, on the gate's queue */
	bool is_counted;	/* in flight, counted by the gate */
	bool is_in_flight;	/* sent on a shared channel, not answered yet */
	bool is_orphan;		/* its engine is gone; freed when the channel answers */
	struct loop_task *flight;	/* the task it is work of while in flight (shared) */
	struct dns_chan *chan;	/* the channel it went out on (counted in its outstanding) */
	struct dns_gate *gate;	/* for an orphan: the gate that counts it */
	struct loop_task *hold;	/* the task it is work of while queued */
	struct dns_entry *gate_next;
	struct dns_waiter *waiters;
	struct dns *dns;
	struct dns_entry *next;		/* hash chain */
};

/* A c-ares channel on the loop: an engine's own, or one a gate shares among a batch's
 * engines (its sockets and timer then are no task's work: each query in flight holds its
 * asker's task instead). */
struct dns_chan {
	struct loop *loop;
	ares_channel channel;
	struct loop_timer *timer;
	int64_t timer_due;	/* loop_now_ms() when timer fires */
	int64_t try_ms;		/* the first try's timeout: no deadline c-ares sets is sooner */
	unsigned outstanding;	/* queries sent and not called back yet */
	bool is_shared, is_destroying;
};

struct dns {
	struct loop *loop;
	const struct dns_backend *backend;	/* set: no c-ares channel at all */
	struct dns_chan own;
	struct dns_chan *chan;	/* &own, or the gate's shared one */
	ares_channel channel;	/* chan's */
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
	int64_t interval_us;	/* 0: no pacing */
	int64_t next_us;	/* the next free slot */
	unsigned max_inflight, inflight;	/* max 0: no cap */
	struct dns_entry *queue, **queue_tail;	/* waiting for room in flight, oldest first */
	bool is_pumping;
	bool is_sharing;	/* its engines share one channel, made by the first of them */
	bool has_channel;
	struct dns_chan chan;
	char *server_desc;
};

static void schedule_timeout(struct dns_chan *chan);
static int chan_open(struct dns_chan *chan, struct loop *loop, const struct dns_config *cfg,
    int *err, const char **why);
static void gate_forget(struct dns_gate *gate, struct dns *dns);
static void gate_pump(struct dns_gate *gate);

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

struct dns_gate *
dns_gate_new(unsigned rate, unsigned max_inflight)
{
	struct dns_gate *gate = xcalloc(1, sizeof(*gate));

	if (rate > 0) {
		gate->interval_us = 1000000 / rate;
		if (gate->interval_us < 1)
			gate->interval_us = 1;
	}
	gate->max_inflight = max_inflight;
	gate->queue_tail = &gate->queue;
	return gate;
}

void
dns_gate_share_channel(struct dns_gate *gate)
{
	gate->is_sharing = true;
}

static void entry_free(struct dns_entry *e);

void
dns_gate_free(struct dns_gate *gate)
{
	if (gate == NULL)
		return;
	if (gate->has_channel) {
		/* orphans still in flight end here, with ARES_EDESTRUCTION */
		gate->chan.is_destroying = true;
		ares_destroy(gate->chan.channel);
		if (gate->chan.timer != NULL)
			loop_timer_cancel(gate->chan.loop, gate->chan.timer);
	}
	free(gate->server_desc);
	free(gate);
}

/* Take the next slot; returns how many milliseconds to wait for it (0: send now). */
static int64_t
gate_reserve(struct dns_gate *gate)
{
	int64_t now, slot;

	if (gate->interval_us == 0)
		return 0;
	now = now_us();
	slot = gate->next_us > now ? gate->next_us : now;
	gate->next_us = slot + gate->interval_us;
	return (slot - now) / 1000;
}

static void
on_socket(int fd, short revents, void *arg)
{
	struct dns_chan *chan = arg;
	ares_socket_t rfd = ARES_SOCKET_BAD, wfd = ARES_SOCKET_BAD;

	if (revents & (POLLIN | POLLERR | POLLHUP))
		rfd = fd;
	if (revents & POLLOUT)
		wfd = fd;
	ares_process_fd(chan->channel, rfd, wfd);
	schedule_timeout(chan);
}

static void
on_timer(void *arg)
{
	struct dns_chan *chan = arg;

	chan->timer = NULL;
	ares_process_fd(chan->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	schedule_timeout(chan);
}

/* Keep one loop timer at or before c-ares' next deadline while queries are outstanding.
 * ares_timeout() walks every query in flight, and asking it after each packet was a
 * twentieth of a batch's CPU: a timer due within one try's timeout stays, as every deadline
 * c-ares sets (now + the try's timeout, doubled on later rounds) is later than that; firing
 * early only asks c-ares again. */
static void
schedule_timeout(struct dns_chan *chan)
{
	struct timeval tv, *tvp;
	struct loop_task *prev;
	int64_t ms;

	if (chan->timer != NULL && !chan->is_destroying && chan->outstanding > 0 &&
	    chan->timer_due <= loop_now_ms() + chan->try_ms)
		return;
	if (chan->timer != NULL) {
		loop_timer_cancel(chan->loop, chan->timer);
		chan->timer = NULL;
	}
	if (chan->is_destroying || chan->outstanding == 0)
		return;
	tvp = ares_timeout(chan->channel, NULL, &tv);
	if (tvp == NULL)
		return;
	ms = (int64_t)tvp->tv_sec * 1000 + tvp->tv_usec / 1000 + 1;
	prev = chan->is_shared ? loop_task_enter(chan->loop, NULL) : NULL;
	chan->timer = loop_timer_add(chan->loop, ms, on_timer, chan);
	chan->timer_due = loop_now_ms() + ms;
	if (chan->is_shared)
		loop_task_leave(chan->loop, prev);
}

static void
on_sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	struct dns_chan *chan = data;
	short events = (readable ? POLLIN : 0) | (writable ? POLLOUT : 0);
	struct loop_task *prev = chan->is_shared ? loop_task_enter(chan->loop, NULL) : NULL;

	if (events == 0)
		loop_unwatch(chan->loop, fd);
	else if (loop_watch(chan->loop, fd, events, on_socket, chan) < 0)
		log_warn("too many open sockets; DNS socket %d not watched", (int)fd);
	if (chan->is_shared)
		loop_task_leave(chan->loop, prev);
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

/* A c-ares channel for cfg on loop; 0 or an MXD_E* code with *why. */
static int
chan_open(struct dns_chan *chan, struct loop *loop, const struct dns_config *cfg, int *err,
    const char **why)
{
	struct ares_options opts;
	int optmask, rc;

	memset(&opts, 0, sizeof(opts));
	/* NOCHECKRESP: without it c-ares hides SERVFAIL/REFUSED behind "could not contact". */
	opts.flags = ARES_FLAG_NOCHECKRESP | ARES_FLAG_EDNS | ARES_FLAG_NOSEARCH;
	opts.timeout = cfg->timeout_ms > 0 ? cfg->timeout_ms : 2000;
	opts.tries = cfg->tries > 0 ? cfg->tries : 2;
	chan->try_ms = opts.timeout;
	opts.ednspsz = DNS_EDNS_SIZE;
	opts.sock_state_cb = on_sock_state;
	opts.sock_state_cb_data = chan;
	optmask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_EDNSPSZ |
	    ARES_OPT_SOCK_STATE_CB;
	if (cfg->is_rotating)
		optmask |= ARES_OPT_ROTATE;
	chan->loop = loop;
	rc = ares_library_init(ARES_LIB_INIT_ALL);
	if (rc == ARES_SUCCESS)
		rc = ares_init_options(&chan->channel, &opts, optmask);
	if (rc != ARES_SUCCESS) {
		*err = MXD_EIO;
		*why = ares_strerror(rc);
		return *err;
	}
	if (cfg->servers != NULL) {
		rc = ares_set_servers_ports_csv(chan->channel, cfg->servers);
		if (rc != ARES_SUCCESS) {
			*err = MXD_EINVAL;
			*why = ares_strerror(rc);
			ares_destroy(chan->channel);
			return *err;
		}
	}
	return 0;
}

struct dns *
dns_new(struct loop *loop, const struct dns_config *cfg, struct dns_stats *stats, int *err,
    const char **why)
{
	struct dns *dns = xcalloc(1, sizeof(*dns));
	struct dns_gate *gate = cfg->gate;

	dns->loop = loop;
	dns->stats = stats;
	dns->gate = gate;
	if (cfg->backend != NULL) {
		dns->backend = cfg->backend;
		dns->server_desc = xstrdup(cfg->backend->server != NULL ?
		    cfg->backend->server : "in-process");
		return dns;
	}
	if (gate != NULL && gate->is_sharing) {
		/* a batch: one channel for all (a channel per domain, made and destroyed,
		 * was a tenth of its CPU, with a socket each) */
		if (!gate->has_channel) {
			gate->chan.is_shared = true;
			if (chan_open(&gate->chan, loop, cfg, err, why) != 0) {
				free(dns);
				return NULL;
			}
			gate->has_channel = true;
			gate->server_desc = cfg->servers != NULL ? xstrdup(cfg->servers) :
			    describe_servers(gate->chan.channel);
		}
		dns->chan = &gate->chan;
		dns->channel = gate->chan.channel;
		dns->server_desc = xstrdup(gate->server_desc);
		return dns;
	}
	if (chan_open(&dns->own, loop, cfg, err, why) != 0) {
		free(dns);
		return NULL;
	}
	dns->chan = &dns->own;
	dns->channel = dns->own.channel;
	dns->server_desc = cfg->servers != NULL ? xstrdup(cfg->servers) :
	    describe_servers(dns->channel);
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
	if (e->memo.obj != NULL)
		e->memo.release(e->memo.obj);
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
	if (dns->gate != NULL)
		gate_forget(dns->gate, dns);
	/* Outstanding queries end with ARES_EDESTRUCTION; their waiters are not called. */
	if (dns->chan == &dns->own) {
		dns->own.is_destroying = true;
		ares_destroy(dns->channel);
		if (dns->own.timer != NULL)
			loop_timer_cancel(dns->loop, dns->own.timer);
	}
	for (i = 0; i < DNS_CACHE_BUCKETS; i++) {
		struct dns_entry *e, *next;

		for (e = dns->buckets[i]; e != NULL; e = next) {
			next = e->next;
			if (e->gate_timer != NULL)
				loop_timer_cancel(dns->loop, e->gate_timer);
			if (e->is_in_flight) {
				/* on the shared channel, which will still answer it: kept until
				 * then, asked by no one */
				struct dns_waiter *w, *wn;

				for (w = e->waiters; w != NULL; w = wn) {
					wn = w->next;
					free(w);
				}
				e->waiters = NULL;
				e->is_orphan = true;
				e->gate = dns->gate;
				e->dns = NULL;
				loop_task_release(e->flight);
				e->flight = NULL;
				continue;
			}
			entry_free(e);
		}
	}
	/* its queries in flight are no longer: room for the others' */
	if (dns->gate != NULL)
		gate_pump(dns->gate);
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

/* Lower case, without the trailing dot, into buf (at least 256 bytes: is_sendable_name()
 * allows 254): the cache key and the evidence form. Asked on the stack, as most questions
 * are the cache's already. */
static void
normalise_name(const char *name, char *buf)
{
	size_t len = strlen(name), i;

	if (len > 1 && name[len - 1] == '.')
		len--;
	for (i = 0; i < len; i++)
		buf[i] = (char)tolower((unsigned char)name[i]);
	buf[len] = '\0';
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
		/* ldns_pkt_rr_list_by_type() would copy the records only to count them */
		const ldns_rr_list *an = ldns_pkt_answer(pkt);
		size_t i, n = an != NULL ? ldns_rr_list_rr_count(an) : 0;

		for (i = 0; i < n; i++)
			if (ldns_rr_get_type(ldns_rr_list_rr(an, i)) == qtype)
				return DNS_OK;
		return DNS_NODATA;
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

static void answer(struct dns_entry *e, int status, unsigned char *abuf, int alen);

static void
on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct dns_entry *e = arg;
	struct loop_task *flight, *prev;
	struct loop *loop;

	(void)timeouts;
	if (e->chan != NULL)
		e->chan->outstanding--;
	if (e->is_orphan) {
		if (e->is_counted) {
			e->gate->inflight--;
			if (!e->gate->chan.is_destroying)
				gate_pump(e->gate);
		}
		entry_free(e);
		return;
	}
	if (!e->is_in_flight) {
		answer(e, status, abuf, alen);
		return;
	}
	/* From the shared channel's socket, which is no task's: the answer and what its
	 * callbacks start are the asker's work, which it held while in flight. */
	e->is_in_flight = false;
	flight = e->flight;
	e->flight = NULL;
	loop = e->dns->loop;
	prev = loop_task_enter(loop, flight);
	answer(e, status, abuf, alen);
	loop_task_leave(loop, prev);
	loop_task_release(flight);
}

/* A name on the wire at *pos skipped (a compression pointer ends it); false when it runs
 * past len or uses a label type other than RFC 1035 4.1.4's. */
static bool
wire_skip_name(const uint8_t *w, size_t len, size_t *pos)
{
	size_t p = *pos, labels;

	for (labels = 0; labels < 128 && p < len; labels++) {
		uint8_t c = w[p];

		if (c == 0) {
			*pos = p + 1;
			return true;
		}
		if ((c & 0xc0) == 0xc0) {
			*pos = p + 2;
			return p + 2 <= len;
		}
		if ((c & 0xc0) != 0)
			return false;
		p += 1 + (size_t)c;
	}
	return false;
}

/*
 * Where the answer section of a reply ends, when every section of it is well formed as far as
 * names and lengths go (RFC 1035 4.1); 0 otherwise. Only the header, the question and the
 * answers are read by anyone (rcode and flags from the header, records and evidence from the
 * answers) but for DNSSEC's questions, whose signatures of a negative answer are in the
 * authority section: parsing the SOA of every negative answer and the OPT of every reply was
 * half of ldns' work, a tenth of a batch. A reply cut short or with a bad name or length in
 * any section is still left whole to ldns, which calls it malformed; a record of a section
 * not read is not checked further (a resolver re-encodes what it forwards).
 */
static size_t
wire_answer_end(const uint8_t *w, size_t len)
{
	size_t pos = 12, end = 0, i, count[4];
	int s;

	if (len < 12)
		return 0;
	for (s = 0; s < 4; s++)
		count[s] = (size_t)w[4 + 2 * s] << 8 | w[5 + 2 * s];
	for (s = 0; s < 4; s++) {
		for (i = 0; i < count[s]; i++) {
			if (!wire_skip_name(w, len, &pos))
				return 0;
			if (s == 0) {		/* a question: type and class */
				pos += 4;
			} else {		/* type, class, TTL, RDLENGTH, RDATA */
				if (pos + 10 > len)
					return 0;
				pos += 10 + ((size_t)w[pos + 8] << 8 | w[pos + 9]);
			}
			if (pos > len)
				return 0;
		}
		if (s == 1)
			end = pos;
	}
	return end;
}

/* The reply parsed, without its authority and additional sections where no one reads them
 * (wire_answer_end()); NULL when ldns cannot parse it. */
static ldns_pkt *
parse_reply(const struct dns_entry *e, const uint8_t *wire, size_t len)
{
	uint8_t head[4096];
	size_t end = e->flags == 0 ? wire_answer_end(wire, len) : 0;
	ldns_pkt *pkt = NULL;

	if (end > 0 && end <= sizeof(head)) {
		memcpy(head, wire, end);
		memset(head + 8, 0, 4);		/* NSCOUNT, ARCOUNT */
		wire = head;
		len = end;
	}
	if (ldns_wire2pkt(&pkt, wire, len) != LDNS_STATUS_OK)
		return NULL;
	return pkt;
}

static void
answer(struct dns_entry *e, int status, unsigned char *abuf, int alen)
{
	struct dns *dns = e->dns;

	if (e->is_counted) {
		e->is_counted = false;
		dns->gate->inflight--;
		if (!dns->is_destroying)
			gate_pump(dns->gate);
	}
	if (status == ARES_EDESTRUCTION || dns->is_destroying)
		return;
	e->ans.ms = loop_now_ms() - e->sent_ms;
	if (status == ARES_SUCCESS && abuf != NULL && alen > 0) {
		ldns_pkt *pkt = parse_reply(e, abuf, (size_t)alen);

		if (pkt != NULL) {
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

/* A cached answer, deferred so callbacks never run inside dns_query(). */
static void
on_delivery(void *arg)
{
	struct dns_waiter *w = arg;

	w->entry->dns->pending_deliveries--;
	deliver(w->entry, w);
	free(w);
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
	if (dns->gate != NULL) {
		dns->gate->inflight++;
		e->is_counted = true;
	}
	if (dns->chan->is_shared) {
		e->is_in_flight = true;
		e->flight = loop_task_hold(dns->loop);
	}
	e->chan = dns->chan;
	dns->chan->outstanding++;
	dns->is_sending = true;
	ares_send(dns->channel, wire, (int)wire_len, on_answer, e);
	dns->is_sending = false;
	schedule_timeout(dns->chan);
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

/* The query (wire owned) now, or at its slot in time. */
static void
pace(struct dns *dns, struct dns_entry *e, uint8_t *wire, size_t wire_len)
{
	int64_t delay = dns->gate != NULL ? gate_reserve(dns->gate) : 0;

	if (delay > 0) {
		e->held_wire = wire;
		e->held_len = wire_len;
		e->gate_timer = loop_timer_add(dns->loop, delay, on_gate_slot, e);
		return;
	}
	transmit(dns, e, wire, wire_len);
	free(wire);
}

/* The query (wire owned) through the gate: queued while the gate's queries in flight are
 * at its cap (a burst of thousands would overflow a resolver's socket buffer, and every
 * lost query costs a timeout), then paced. */
static void
dispatch(struct dns *dns, struct dns_entry *e, uint8_t *wire, size_t wire_len)
{
	struct dns_gate *gate = dns->gate;

	if (gate != NULL && gate->max_inflight > 0 &&
	    (gate->inflight >= gate->max_inflight || gate->queue != NULL)) {
		e->held_wire = wire;
		e->held_len = wire_len;
		e->is_queued = true;
		e->hold = loop_task_hold(dns->loop);
		e->gate_next = NULL;
		*gate->queue_tail = e;
		gate->queue_tail = &e->gate_next;
		return;
	}
	pace(dns, e, wire, wire_len);
}

/* Send what waits at the gate while there is room in flight; each query goes as work of its
 * own task (the sockets and timers it makes are its domain's). */
static void
gate_pump(struct dns_gate *gate)
{
	if (gate->is_pumping)
		return;
	gate->is_pumping = true;
	while (gate->queue != NULL && gate->inflight < gate->max_inflight) {
		struct dns_entry *e = gate->queue;
		struct loop_task *hold = e->hold, *prev;
		uint8_t *wire = e->held_wire;

		gate->queue = e->gate_next;
		if (gate->queue == NULL)
			gate->queue_tail = &gate->queue;
		e->is_queued = false;
		e->hold = NULL;
		e->held_wire = NULL;
		prev = loop_task_enter(e->dns->loop, hold);
		pace(e->dns, e, wire, e->held_len);
		loop_task_leave(e->dns->loop, prev);
		loop_task_release(hold);
	}
	gate->is_pumping = false;
}

/* An engine going away: its queries leave the gate's queue. */
static void
gate_forget(struct dns_gate *gate, struct dns *dns)
{
	struct dns_entry **pp = &gate->queue;

	while (*pp != NULL) {
		struct dns_entry *e = *pp;

		if (e->dns != dns) {
			pp = &e->gate_next;
			continue;
		}
		*pp = e->gate_next;
		e->is_queued = false;
		loop_task_release(e->hold);
		e->hold = NULL;
	}
	gate->queue_tail = pp;
}

size_t
dns_query_wire(const char *name, uint16_t type, unsigned flags, uint16_t id, uint8_t *buf,
    size_t len)
{
	size_t n = 12, label;
	const char *p = name;

	/* RFC 1035 4.1.1: the header; RD, and AD (RFC 6840 5.7), CD on request; one question,
	 * one additional record (the OPT) */
	if (len < DNS_QUERY_WIRE_MAX || strchr(name, '\\') != NULL)
		return 0;
	memset(buf, 0, 12);
	buf[0] = (uint8_t)(id >> 8);
	buf[1] = (uint8_t)id;
	buf[2] = 0x01;
	buf[3] = (uint8_t)(0x20 | ((flags & DNS_Q_CD) ? 0x10 : 0));
	buf[5] = 1;
	buf[11] = 1;
	/* RFC 1035 4.1.2: the name as labels, without compression (one name: nothing to
	 * compress); "" and "." are the root */
	if (strcmp(p, ".") == 0)
		p++;
	while (*p != '\0') {
		label = strcspn(p, ".");
		if (label == 0 || label > 63 || n + 1 + label > 12 + 254)
			return 0;
		buf[n++] = (uint8_t)label;
		memcpy(buf + n, p, label);
		n += label;
		p += label;
		if (*p == '.')
			p++;
	}
	buf[n++] = 0;
	buf[n++] = (uint8_t)(type >> 8);
	buf[n++] = (uint8_t)type;
	buf[n++] = 0;
	buf[n++] = LDNS_RR_CLASS_IN;
	/* RFC 6891 6.1.2: OPT, root owner, class = UDP payload size, TTL = extended rcode,
	 * version, flags (DO, RFC 3225 3), no options */
	buf[n++] = 0;
	buf[n++] = 0;
	buf[n++] = LDNS_RR_TYPE_OPT;
	buf[n++] = (uint8_t)(DNS_EDNS_SIZE >> 8);
	buf[n++] = (uint8_t)(DNS_EDNS_SIZE & 0xff);
	buf[n++] = 0;
	buf[n++] = 0;
	buf[n++] = (flags & DNS_Q_DO) ? 0x80 : 0;
	buf[n++] = 0;
	buf[n++] = 0;
	buf[n++] = 0;
	return n;
}

/* The query through ldns, for names the direct writer leaves (escaped characters). Returns
 * the wire (malloc'd) or NULL. */
static uint8_t *
wire_by_ldns(const struct dns_entry *e, uint16_t id, size_t *wire_len)
{
	ldns_rdf *dname = NULL;
	ldns_pkt *q = NULL;
	uint8_t *wire = NULL;

	if (ldns_str2rdf_dname(&dname, e->qname[0] != '\0' ? e->qname : ".") != LDNS_STATUS_OK)
		return NULL;
	q = ldns_pkt_query_new(dname, e->qtype, LDNS_RR_CLASS_IN,
	    LDNS_RD | ((e->flags & DNS_Q_CD) ? LDNS_CD : 0));
	if (q == NULL)
		return NULL;
	if (e->flags & DNS_Q_DO)
		ldns_pkt_set_edns_do(q, true);
	ldns_pkt_set_ad(q, true);
	ldns_pkt_set_edns_udp_size(q, DNS_EDNS_SIZE);
	ldns_pkt_set_id(q, id);
	if (ldns_pkt2wire(&wire, q, wire_len) != LDNS_STATUS_OK)
		wire = NULL;
	ldns_pkt_free(q);
	return wire;
}

static int
send_question(struct dns *dns, struct dns_entry *e)
{
	uint8_t *wire;
	size_t wire_len;
	/* A random ID against off-path spoofing (RFC 5452 4.3); glibc's arc4random is far
	 * cheaper than ldns' OpenSSL-backed generator, which batch SPF runs felt. */
	uint16_t id = (uint16_t)arc4random_uniform(65536);

	/* Written directly: ldns_pkt2wire's compression tree was a quarter of a batch's CPU */
	wire = xmalloc(DNS_QUERY_WIRE_MAX);
	wire_len = dns_query_wire(e->qname, e->qtype, e->flags, id, wire, DNS_QUERY_WIRE_MAX);
	if (wire_len == 0) {
		free(wire);
		wire = wire_by_ldns(e, id, &wire_len);
		if (wire == NULL)
			return MXD_EINVAL;
	}
	e->sent_ms = loop_now_ms();
	if (dns->stats != NULL)
		dns->stats->queries++;
	if (dns->backend != NULL) {
		send_to_backend(dns, e, wire, wire_len);
		free(wire);
		return 0;
	}
	dispatch(dns, e, wire, wire_len);
	return 0;
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
dns_query_ptr(struct dns *dns, const char *addr, unsigned parent_depth, dns_cb *cb, void *arg)
{
	char *rev = dns_reverse_name(addr);
	int rc;

	if (rev == NULL)
		return MXD_EINVAL;
	rc = dns_query(dns, rev, LDNS_RR_TYPE_PTR, parent_depth, cb, arg);
	free(rev);
	return rc;
}

int
dns_query_flags(struct dns *dns, const char *name, uint16_t type, unsigned flags,
    unsigned parent_depth, dns_cb *cb, void *arg)
{
	char qname[256];
	unsigned h;
	struct dns_entry *e;
	struct dns_waiter *w;

	if (name == NULL || !is_sendable_name(name))
		return MXD_EINVAL;
	normalise_name(name, qname);
	h = hash_question(qname, type);
	for (e = dns->buckets[h]; e != NULL; e = e->next)
		if (e->qtype == type && e->flags == flags && strcmp(e->qname, qname) == 0)
			break;
	w = xcalloc(1, sizeof(*w));
	w->cb = cb;
	w->arg = arg;
	w->depth = e != NULL ? parent_depth : parent_depth + 1;
	if (e != NULL) {
		if (dns->stats != NULL)
			dns->stats->cache_hits++;
		if (e->is_done) {
			w->entry = e;
			dns->pending_deliveries++;
			loop_timer_add(dns->loop, 0, on_delivery, w);
		} else {
			w->next = e->waiters;
			e->waiters = w;
		}
		return 0;
	}
	if (dns->nentries >= DNS_MAX_ENTRIES) {
		free(w);
		return MXD_ELIMIT;
	}
	e = xcalloc(1, sizeof(*e));
	e->qname = xstrdup(qname);
	e->qtype = type;
	e->flags = flags;
	e->dns = dns;
	e->ans.qname = e->qname;
	e->ans.qtype = type;
	e->ans.rcode = -1;
	e->ans.server = dns->server_desc;
	e->ans.depth = parent_depth + 1;
	e->ans.memo = &e->memo;
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
