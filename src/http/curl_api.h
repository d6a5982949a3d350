/* The libcurl functions https.c calls, found in libcurl when first needed (curl_api.c).
 * One thread: the loop's. */
#ifndef MXD_CURL_API_H
#define MXD_CURL_API_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

struct curl_api {
	bool is_ready;
	CURLcode (*global_init)(long flags);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *easy, CURLoption option, ...);
	CURLcode (*easy_getinfo)(CURL *easy, CURLINFO info, ...);
	void (*easy_cleanup)(CURL *easy);
	const char *(*easy_strerror)(CURLcode rc);
	CURLM *(*multi_init)(void);
	CURLMcode (*multi_setopt)(CURLM *multi, CURLMoption option, ...);
	CURLMcode (*multi_add_handle)(CURLM *multi, CURL *easy);
	CURLMcode (*multi_remove_handle)(CURLM *multi, CURL *easy);
	CURLMcode (*multi_socket_action)(CURLM *multi, curl_socket_t s, int ev_bitmask,
	    int *running);
	CURLMsg *(*multi_info_read)(CURLM *multi, int *msgs_in_queue);
	void (*multi_cleanup)(CURLM *multi);
	struct curl_slist *(*slist_append)(struct curl_slist *list, const char *s);
	void (*slist_free_all)(struct curl_slist *list);
};

/* The functions, libcurl opened and initialised on the first call; NULL with *why (a
 * sentence for the user) when it cannot be, then and on every later call. */
const struct curl_api *curl_api(const char **why);

#endif
