/* One HTTPS GET driven by the shared loop through libcurl's multi socket API: libcurl says
 * which descriptors and which timeout it wants, the loop tells it what happened. libcurl
 * is opened at the first request (curl_api.c). */
#include "config.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "curl_api.h"
#include "err.h"
#include "https.h"
#include "loop.h"
#include "xmalloc.h"

struct https {
	const struct curl_api *api;
	struct loop *loop;
	CURLM *multi;
	CURL *easy;
	struct curl_slist *resolve;
	struct loop_timer *timer;
	https_cb *cb;
	void *arg;
	struct https_result *res;
	size_t max_body, cap;
	bool is_too_large;
	int64_t t0;
	char errbuf[CURL_ERROR_SIZE];
};

const char *
https_outcome_name(enum https_outcome o)
{
	switch (o) {
	case HTTPS_OK: return "ok";
	case HTTPS_TIMEOUT: return "timeout";
	case HTTPS_CONNECT: return "connect";
	case HTTPS_TLS: return "tls";
	case HTTPS_TOO_LARGE: return "too-large";
	case HTTPS_LOCAL: return "local";
	case HTTPS_ERROR: break;
	}
	return "error";
}

void
https_result_free(struct https_result *res)
{
	if (res == NULL)
		return;
	free(res->body);
	free(res->location);
	free(res->content_type);
	free(res);
}

static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
	struct https *h = arg;
	struct https_result *res = h->res;
	size_t len = size * n;

	if (res->body_len + len > h->max_body) {
		h->is_too_large = true;
		return 0;	/* stops the transfer: CURLE_WRITE_ERROR */
	}
	if (res->body_len + len + 1 > h->cap) {
		h->cap = res->body_len + len + 1 > 2 * h->cap ? res->body_len + len + 1 :
		    2 * h->cap;
		res->body = xrealloc(res->body, h->cap);
	}
	memcpy(res->body + res->body_len, data, len);
	res->body_len += len;
	res->body[res->body_len] = '\0';
	return len;
}

static enum https_outcome
outcome_of(const struct https *h, CURLcode rc)
{
	if (h->is_too_large)
		return HTTPS_TOO_LARGE;
	switch (rc) {
	case CURLE_OK:
		return HTTPS_OK;
	case CURLE_OPERATION_TIMEDOUT:
		return HTTPS_TIMEOUT;
	case CURLE_FILESIZE_EXCEEDED:
		return HTTPS_TOO_LARGE;
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
		return HTTPS_CONNECT;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_INVALIDCERTSTATUS:
		return HTTPS_TLS;
	default:
		return HTTPS_ERROR;
	}
}

static void
https_free(struct https *h)
{
	if (h->timer != NULL)
		loop_timer_cancel(h->loop, h->timer);
	h->timer = NULL;
	h->api->multi_remove_handle(h->multi, h->easy);	/* unwatches its sockets */
	h->api->easy_cleanup(h->easy);
	h->api->multi_cleanup(h->multi);
	h->api->slist_free_all(h->resolve);
	free(h);
}

/* After libcurl has acted: when the transfer is over, hand the result on. */
static void
check_finished(struct https *h)
{
	struct https_result *res = h->res;
	CURLMsg *msg;
	int left;
	char *s = NULL;

	while ((msg = h->api->multi_info_read(h->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		res->outcome = outcome_of(h, msg->data.result);
		h->api->easy_getinfo(h->easy, CURLINFO_RESPONSE_CODE, &res->status);
		if (h->api->easy_getinfo(h->easy, CURLINFO_REDIRECT_URL, &s) == CURLE_OK && s != NULL)
			res->location = xstrdup(s);
		s = NULL;
		if (h->api->easy_getinfo(h->easy, CURLINFO_CONTENT_TYPE, &s) == CURLE_OK && s != NULL)
			res->content_type = xstrdup(s);
		if (res->outcome != HTTPS_OK)
			snprintf(res->error, sizeof(res->error), "%s",
			    h->errbuf[0] != '\0' ? h->errbuf : h->api->easy_strerror(msg->data.result));
		if (res->body == NULL)
			res->body = xcalloc(1, 1);
		res->ms = loop_now_ms() - h->t0;
		h->res = NULL;
		h->cb(res, h->arg);
		https_free(h);
		return;
	}
}

static void
on_fd(int fd, short revents, void *arg)
{
	struct https *h = arg;
	int ev = 0, running;

	if (revents & POLLIN)
		ev |= CURL_CSELECT_IN;
	if (revents & POLLOUT)
		ev |= CURL_CSELECT_OUT;
	if (revents & (POLLERR | POLLHUP))
		ev |= CURL_CSELECT_ERR;
	h->api->multi_socket_action(h->multi, fd, ev, &running);
	check_finished(h);
}

static void
on_timer(void *arg)
{
	struct https *h = arg;
	int running;

	h->timer = NULL;
	h->api->multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_finished(h);
}

/* libcurl: watch s for what (CURLMOPT_SOCKETFUNCTION). */
static int
want_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct https *h = userp;
	short ev = 0;

	(void)easy;
	(void)socketp;
	if (what == CURL_POLL_REMOVE) {
		loop_unwatch(h->loop, s);
		return 0;
	}
	if (what & CURL_POLL_IN)
		ev |= POLLIN;
	if (what & CURL_POLL_OUT)
		ev |= POLLOUT;
	return loop_watch(h->loop, s, ev, on_fd, h) == 0 ? 0 : -1;
}

/* libcurl: call back after ms (-1: no timer) (CURLMOPT_TIMERFUNCTION). */
static int
want_timer(CURLM *multi, long ms, void *userp)
{
	struct https *h = userp;

	(void)multi;
	if (h->timer != NULL)
		loop_timer_cancel(h->loop, h->timer);
	h->timer = NULL;
	if (ms >= 0)
		h->timer = loop_timer_add(h->loop, ms, on_timer, h);
	return 0;
}

/* libcurl could not be opened: the request ends with why, from the loop as any other. */
static void
on_no_curl(void *arg)
{
	struct https *h = arg;

	h->res->body = xcalloc(1, 1);
	h->cb(h->res, h->arg);
	free(h);
}

int
https_get(struct loop *loop, const struct https_req *req, https_cb *cb, void *arg)
{
	struct https *h;
	char *url, *pin;
	const char *why;
	bool is_v6;

	if (req->host == NULL || req->addr == NULL || req->path == NULL || req->path[0] != '/' ||
	    strpbrk(req->host, "/:@?#[] ") != NULL)
		return MXD_EINVAL;
	h = xcalloc(1, sizeof(*h));
	h->loop = loop;
	h->cb = cb;
	h->arg = arg;
	h->max_body = req->max_body;
	h->res = xcalloc(1, sizeof(*h->res));
	h->t0 = loop_now_ms();
	if ((h->api = curl_api(&why)) == NULL) {
		h->res->outcome = HTTPS_LOCAL;
		snprintf(h->res->error, sizeof(h->res->error), "%s", why);
		h->timer = loop_timer_add(loop, 0, on_no_curl, h);
		return 0;
	}
	h->multi = h->api->multi_init();
	h->easy = h->api->easy_init();
	if (h->multi == NULL || h->easy == NULL) {
		if (h->easy != NULL)
			h->api->easy_cleanup(h->easy);
		if (h->multi != NULL)
			h->api->multi_cleanup(h->multi);
		free(h->res);
		free(h);
		return MXD_ENOMEM;
	}
	/* The address our resolver found, so libcurl asks no resolver of its own. */
	is_v6 = strchr(req->addr, ':') != NULL;
	pin = xasprintf("%s:%u:%s%s%s", req->host, req->port, is_v6 ? "[" : "", req->addr,
	    is_v6 ? "]" : "");
	h->resolve = h->api->slist_append(NULL, pin);
	free(pin);
	url = xasprintf("https://%s:%u%s", req->host, req->port, req->path);
	h->api->easy_setopt(h->easy, CURLOPT_URL, url);
	free(url);
	h->api->easy_setopt(h->easy, CURLOPT_RESOLVE, h->resolve);
	h->api->easy_setopt(h->easy, CURLOPT_PROTOCOLS_STR, "https");
	h->api->easy_setopt(h->easy, CURLOPT_FOLLOWLOCATION, 0L);
	h->api->easy_setopt(h->easy, CURLOPT_SSL_VERIFYPEER, 1L);
	h->api->easy_setopt(h->easy, CURLOPT_SSL_VERIFYHOST, 2L);
	if (req->ca_file != NULL)
		h->api->easy_setopt(h->easy, CURLOPT_CAINFO, req->ca_file);
	h->api->easy_setopt(h->easy, CURLOPT_PROXY, "");	/* never through a proxy */
	h->api->easy_setopt(h->easy, CURLOPT_NOSIGNAL, 1L);
	h->api->easy_setopt(h->easy, CURLOPT_TIMEOUT_MS, (long)req->timeout_ms);
	h->api->easy_setopt(h->easy, CURLOPT_CONNECTTIMEOUT_MS, (long)req->timeout_ms);
	h->api->easy_setopt(h->easy, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)req->max_body);
	h->api->easy_setopt(h->easy, CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
	h->api->easy_setopt(h->easy, CURLOPT_WRITEFUNCTION, on_body);
	h->api->easy_setopt(h->easy, CURLOPT_WRITEDATA, h);
	h->api->easy_setopt(h->easy, CURLOPT_ERRORBUFFER, h->errbuf);
	h->api->multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, want_socket);
	h->api->multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	h->api->multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, want_timer);
	h->api->multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	/* Adding the handle asks for a timer of 0: the transfer starts from the loop. */
	h->api->multi_add_handle(h->multi, h->easy);
	return 0;
}
