/* The provider list (data/providers.json, and the user's own): mail providers' and ISPs'
 * submission settings, as facts with their sources, from which smarthost proposes
 * candidates when the user names none. Every candidate is tested live; nothing is trusted. */
#ifndef MXD_PROVIDERS_H
#define MXD_PROVIDERS_H

#include <stdbool.h>
#include <stddef.h>

#define PROVIDER_MAX_SERVERS 8

enum provider_tls {
	PROVIDER_TLS_STARTTLS,
	PROVIDER_TLS_IMPLICIT,
	PROVIDER_TLS_NONE,
};

struct provider_server {
	const char *host;	/* may hold %EMAILDOMAIN% */
	unsigned port;
	enum provider_tls tls;
};

/* Strings are borrowed from the loaded document (valid until providers_free). */
struct provider {
	const char *name;
	const char *const *domains;	/* "isp.test", or "*.isp.test" for its subdomains */
	size_t ndomains;
	const char *const *isp;		/* other names it goes by */
	size_t nisp;
	struct provider_server servers[PROVIDER_MAX_SERVERS];
	size_t nservers;
	const char *auth;		/* "password", "oauth2" or "none" */
	const char *login;		/* "address", "localpart", a template, or NULL */
	const char *notes;		/* or NULL */
	const char *source;		/* where the facts come from (a URL) */
	const char *file;		/* the file it was loaded from */
};

struct providers;

/* An empty list. */
struct providers *providers_new(void);
/*
 * Add the entries of the JSON file path (earlier files win a lookup). Returns 0, or -1
 * with the reason in err ("FILE: providers[3] (OCN): servers[0].port: ...").
 */
int providers_load(struct providers *ps, const char *path, char *err, size_t err_len);
void providers_free(struct providers *ps);

/* The entry for a mail domain (exact, or under a "*." domain), or NULL. */
const struct provider *providers_by_domain(const struct providers *ps, const char *domain);
/* The entry whose name, other name or domain is key (case-insensitive), or NULL. */
const struct provider *providers_by_name(const struct providers *ps, const char *key);

/* The shipped list: $MXD_PROVIDERS, the installed data/providers.json, or the source
 * tree's. Static or environment storage. */
const char *providers_default_path(void);
/* The user's list, $XDG_CONFIG_HOME/mxdiag/providers.json (or ~/.config/...), when that
 * file exists; else NULL. Caller frees. */
char *providers_user_path(void);

/* Server i of p as "HOST:PORT" with %EMAILDOMAIN% replaced by domain. Caller frees. */
char *provider_candidate(const struct provider *p, size_t i, const char *domain);

const char *provider_tls_name(enum provider_tls tls);

/*
 * Candidates for a run that names no relay: the servers of the entry for isp (a name, when
 * given) or else for the sender's domain, looked up in user_file (may be NULL), the user's
 * list and the shipped one, in that order. *psp is always set (free it with
 * providers_free); on 0, *pp is the entry and cands[0..*n) its "HOST:PORT" strings (caller
 * frees each). Returns 0, 1 when no entry matches, -1 with err set when a list is broken.
 */
int providers_candidates(const char *user_file, const char *isp, const char *domain,
    struct providers **psp, const struct provider **pp, char **cands, size_t max, size_t *n,
    char *err, size_t err_len);

#endif
