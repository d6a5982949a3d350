/*
 * One HTTPS GET on the shared loop (libcurl's multi socket API): certificate and host-name
 * verification against --ca-file or the system store, no redirect followed, the body
 * bounded in size and the whole exchange in time. The address is given by the caller (our
 * own DNS engine resolved it), so libcurl never resolves a name itself. Knows nothing of
 * findings.
 */
#ifndef MXD_HTTPS_H
#define MXD_HTTPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;

enum https_outcome {
	HTTPS_OK,		/* a response: see status, body */
	HTTPS_TIMEOUT,		/* no complete response within timeout_ms */
	HTTPS_CONNECT,		/* refused, unreachable */
	HTTPS_TLS,		/* handshake or certificate verification failed */
	HTTPS_TOO_LARGE,	/* the body went past max_body */
	HTTPS_ERROR,		/* anything else (error holds libcurl's text) */
	HTTPS_LOCAL,		/* this machine cannot make the request (no libcurl) */
};

struct https_req {
	const char *host;	/* the name in the URL, SNI and the certificate check */
	const char *addr;	/* where to connect: an IPv4 or IPv6 address */
	unsigned port;		/* 443 */
	const char *path;	/* "/.well-known/mta-sts.txt" */
	const char *ca_file;	/* NULL: the system store */
	int timeout_ms;		/* the whole exchange */
	size_t max_body;	/* bytes kept; one more and the transfer stops (HTTPS_TOO_LARGE) */
};

struct https_result {
	enum https_outcome outcome;
	long status;		/* HTTP status, 0 without a response */
	char *body;		/* NUL-terminated, body_len bytes (a NUL inside is kept) */
	size_t body_len;
	char *location;		/* a 3xx's Location, or NULL */
	char *content_type;	/* or NULL */
	char error[256];	/* libcurl's words for a failure, "" on HTTPS_OK */
	int64_t ms;		/* from start to the end */
};

/* Receivers own the result and free it with https_result_free(). */
typedef void https_cb(struct https_result *res, void *arg);

/* Start the GET; cb runs once, later from the loop. Returns 0, or MXD_EINVAL/MXD_ENOMEM
 * when it cannot start (cb then not called). */
int https_get(struct loop *loop, const struct https_req *req, https_cb *cb, void *arg);
void https_result_free(struct https_result *res);

/* A name for an outcome, for JSON and logs: "timeout", "tls", ... */
const char *https_outcome_name(enum https_outcome o);

#endif
