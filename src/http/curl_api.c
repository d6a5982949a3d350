/* libcurl, opened the first time an HTTPS request is made. Linked at start-up, it brought
 * two dozen libraries of its own (LDAP, Kerberos, SSH, RTMP, GnuTLS ...) that every run
 * mapped and initialised, some 3 ms of each command's 8, while only MTA-STS uses HTTPS. */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>

#include "curl_api.h"

/* The soname of libcurl's ABI 4 (Debian: libcurl4, libcurl3-gnutls ships another). */
#define CURL_SONAME "libcurl.so.4"

static struct curl_api api;
static bool is_tried;
static char load_error[256];

/* Each symbol of api, or false with load_error set. */
static bool
find_all(void *lib)
{
	static const struct {
		const char *name;
		size_t offset;
	} syms[] = {
#define SYM(field, name) { name, offsetof(struct curl_api, field) }
		SYM(global_init, "curl_global_init"),
		SYM(easy_init, "curl_easy_init"),
		SYM(easy_setopt, "curl_easy_setopt"),
		SYM(easy_getinfo, "curl_easy_getinfo"),
		SYM(easy_cleanup, "curl_easy_cleanup"),
		SYM(easy_strerror, "curl_easy_strerror"),
		SYM(multi_init, "curl_multi_init"),
		SYM(multi_setopt, "curl_multi_setopt"),
		SYM(multi_add_handle, "curl_multi_add_handle"),
		SYM(multi_remove_handle, "curl_multi_remove_handle"),
		SYM(multi_socket_action, "curl_multi_socket_action"),
		SYM(multi_info_read, "curl_multi_info_read"),
		SYM(multi_cleanup, "curl_multi_cleanup"),
		SYM(slist_append, "curl_slist_append"),
		SYM(slist_free_all, "curl_slist_free_all"),
#undef SYM
	};
	size_t i;

	for (i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		void *fn = dlsym(lib, syms[i].name);

		if (fn == NULL) {
			snprintf(load_error, sizeof(load_error), "%s has no %s", CURL_SONAME,
			    syms[i].name);
			return false;
		}
		/* POSIX: a function's address may be read through a void * (dlsym) */
		*(void **)((char *)&api + syms[i].offset) = fn;
	}
	return true;
}

const struct curl_api *
curl_api(const char **why)
{
	void *lib;

	if (!is_tried) {
		is_tried = true;
		lib = dlopen(CURL_SONAME, RTLD_NOW | RTLD_LOCAL);
		if (lib == NULL)
			snprintf(load_error, sizeof(load_error), "cannot load %s (%s): install "
			    "libcurl4 for HTTPS", CURL_SONAME, dlerror());
		else if (find_all(lib) && api.global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK)
			api.is_ready = true;
		else if (load_error[0] == '\0')
			snprintf(load_error, sizeof(load_error), "curl_global_init failed");
	}
	if (!api.is_ready) {
		*why = load_error;
		return NULL;
	}
	return &api;
}
