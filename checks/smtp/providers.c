/* The provider list: loading and validating data/providers.json (and the user's files),
 * and finding the entry for a mail domain or an ISP's name (providers.h). */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "fileio.h"
#include "i18n.h"
#include "providers.h"
#include "validate.h"
#include "xmalloc.h"

#define PROVIDERS_MAX 1024
#define PROVIDER_MAX_NAMES 256
/* Big enough for the shipped list many times over; a larger file is not a provider list. */
#define PROVIDERS_FILE_MAX (4 * 1024 * 1024)

struct providers {
	json_t **docs;		/* the loaded files, owning every string */
	size_t ndocs;
	struct provider *v;
	size_t n;
	char **files;
	size_t nfiles;
};

struct providers *
providers_new(void)
{
	return xcalloc(1, sizeof(struct providers));
}

void
providers_free(struct providers *ps)
{
	size_t i;

	if (ps == NULL)
		return;
	for (i = 0; i < ps->n; i++) {
		free((void *)ps->v[i].domains);
		free((void *)ps->v[i].isp);
	}
	for (i = 0; i < ps->ndocs; i++)
		json_decref(ps->docs[i]);
	for (i = 0; i < ps->nfiles; i++)
		free(ps->files[i]);
	free(ps->docs);
	free(ps->files);
	free(ps->v);
	free(ps);
}

static const char *
opt_string(json_t *e, const char *key)
{
	return json_string_value(json_object_get(e, key));
}

/* A host as listed: a name or address, %EMAILDOMAIN% standing for a domain. */
static bool
is_host(const char *s)
{
	char why[128], *t;
	const char *m = strstr(s, "%EMAILDOMAIN%");
	bool ok;

	if (m == NULL)
		return validate_ip(s, NULL) == 0 || validate_domain(s, why, sizeof(why)) == 0;
	t = xasprintf("%.*sexample.net%s", (int)(m - s), s, m + strlen("%EMAILDOMAIN%"));
	ok = strstr(t, "%EMAILDOMAIN%") == NULL && validate_domain(t, why, sizeof(why)) == 0;
	free(t);
	return ok;
}

static bool
is_domain_pattern(const char *s)
{
	char why[128];

	if (strncmp(s, "*.", 2) == 0)
		s += 2;
	return validate_domain(s, why, sizeof(why)) == 0;
}

/* The strings of the array at key (owned array, borrowed strings); false when they are not
 * strings for which ok holds (no array is fine unless required). */
static bool
take_names(json_t *e, const char *key, bool required, bool (*ok)(const char *),
    const char *const **out, size_t *n)
{
	json_t *a = json_object_get(e, key), *v;
	const char **names;
	size_t i;

	if (a == NULL)
		return !required;
	if (!json_is_array(a) || (required && json_array_size(a) == 0) ||
	    json_array_size(a) > PROVIDER_MAX_NAMES)
		return false;
	names = xcalloc(json_array_size(a) + 1, sizeof(*names));
	*out = names;
	json_array_foreach(a, i, v) {
		const char *s = json_string_value(v);

		if (s == NULL || *s == '\0' || !ok(s))
			return false;
		names[i] = s;
	}
	*n = json_array_size(a);
	return true;
}

static bool
is_any(const char *s)
{
	(void)s;
	return true;
}

/* The first key of o that is not in keys (NULL-terminated), or NULL: a misspelt key
 * would otherwise be ignored in silence. */
static const char *
unknown_key(json_t *o, const char *const *keys)
{
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach(o, key, v) {
		for (i = 0; keys[i] != NULL && strcmp(keys[i], key) != 0; i++)
			;
		if (keys[i] == NULL)
			return key;
	}
	return NULL;
}

/* One server; the reason into why when it is not a valid one. */
static bool
take_server(json_t *s, size_t k, struct provider_server *out, char *why, size_t len)
{
	static const char *const keys[] = { "host", "port", "tls", NULL };
	json_int_t port = json_integer_value(json_object_get(s, "port"));
	const char *host = opt_string(s, "host"), *tls = opt_string(s, "tls");
	const char *bad;

	if (!json_is_object(s)) {
		snprintf(why, len, _("servers[%zu] is not an object"), k);
		return false;
	}
	if ((bad = unknown_key(s, keys)) != NULL) {
		snprintf(why, len, _("servers[%zu]: unknown key \"%s\""), k, bad);
		return false;
	}
	if (host == NULL || !is_host(host)) {
		snprintf(why, len, _("servers[%zu].host is not a host name or address"), k);
		return false;
	}
	if (!json_is_integer(json_object_get(s, "port")) || port < 1 || port > 65535) {
		snprintf(why, len, _("servers[%zu].port must be a number from 1 to 65535"), k);
		return false;
	}
	out->host = host;
	out->port = (unsigned)port;
	if (tls != NULL && strcmp(tls, "starttls") == 0)
		out->tls = PROVIDER_TLS_STARTTLS;
	else if (tls != NULL && strcmp(tls, "implicit") == 0)
		out->tls = PROVIDER_TLS_IMPLICIT;
	else if (tls != NULL && strcmp(tls, "none") == 0)
		out->tls = PROVIDER_TLS_NONE;
	else {
		snprintf(why, len, _("servers[%zu].tls must be starttls, implicit or none"), k);
		return false;
	}
	return true;
}

static bool
take_entry(json_t *e, struct provider *p, char *why, size_t len)
{
	static const char *const keys[] = { "name", "isp", "domains", "servers", "auth", "login",
		"notes", "source", "source_kind", NULL };
	json_t *servers = json_object_get(e, "servers"), *v;
	const char *bad = unknown_key(e, keys);
	size_t i;

	if (bad != NULL) {
		snprintf(why, len, _("unknown key \"%s\""), bad);
		return false;
	}
	p->name = opt_string(e, "name");
	if (p->name == NULL || *p->name == '\0') {
		snprintf(why, len, "%s", _("\"name\" must be a non-empty string"));
		return false;
	}
	if (!take_names(e, "domains", true, is_domain_pattern, &p->domains,
	    &p->ndomains)) {
		snprintf(why, len, "%s", _("\"domains\" must be a non-empty array of mail "
		    "domains (\"*.\" before one for its subdomains)"));
		return false;
	}
	if (!take_names(e, "isp", false, is_any, &p->isp, &p->nisp)) {
		snprintf(why, len, "%s", _("\"isp\" must be an array of names"));
		return false;
	}
	if (!json_is_array(servers) || json_array_size(servers) == 0 ||
	    json_array_size(servers) > PROVIDER_MAX_SERVERS) {
		snprintf(why, len, _("\"servers\" must be an array of 1 to %d servers"),
		    PROVIDER_MAX_SERVERS);
		return false;
	}
	json_array_foreach(servers, i, v) {
		if (!take_server(v, i, &p->servers[i], why, len))
			return false;
	}
	p->nservers = json_array_size(servers);
	p->auth = opt_string(e, "auth");
	if (p->auth == NULL || (strcmp(p->auth, "password") != 0 &&
	    strcmp(p->auth, "oauth2") != 0 && strcmp(p->auth, "none") != 0)) {
		snprintf(why, len, "%s", _("\"auth\" must be password, oauth2 or none"));
		return false;
	}
	p->source = opt_string(e, "source");
	if (p->source == NULL || *p->source == '\0') {
		snprintf(why, len, "%s", _("\"source\" must say where the facts come from (the "
		    "provider's settings page, or the ISPDB file)"));
		return false;
	}
	p->login = opt_string(e, "login");
	p->notes = opt_string(e, "notes");
	return true;
}

int
providers_load(struct providers *ps, const char *path, char *err, size_t err_len)
{
	json_error_t jerr;
	json_t *root, *list, *e;
	json_int_t format;
	size_t i, first = ps->n, len;
	char why[256], *text;
	bool too_big = false;

	text = fileio_read_bounded(path, PROVIDERS_FILE_MAX, &len, &too_big);
	if (text == NULL) {
		if (too_big)
			snprintf(err, err_len, _("%s: larger than %d bytes"), path,
			    PROVIDERS_FILE_MAX);
		else
			snprintf(err, err_len, _("%s: cannot read it: %s"), path, strerror(errno));
		return -1;
	}
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	free(text);
	if (root == NULL) {
		snprintf(err, err_len, "%s:%d: %s", path, jerr.line, jerr.text);
		return -1;
	}
	list = json_object_get(root, "providers");
	format = json_integer_value(json_object_get(root, "format"));
	if (!json_is_object(root) || !json_is_array(list) ||
	    json_array_size(list) > PROVIDERS_MAX || (json_object_get(root, "format") != NULL &&
	    format != 1)) {
		snprintf(err, err_len, _("%s: not a provider list (an object with \"format\": 1 "
		    "and a \"providers\" array of at most %d entries)"), path, PROVIDERS_MAX);
		json_decref(root);
		return -1;
	}
	ps->v = realloc(ps->v, (ps->n + json_array_size(list)) * sizeof(*ps->v));
	if (ps->v == NULL && json_array_size(list) > 0)
		abort();
	json_array_foreach(list, i, e) {
		struct provider *p = &ps->v[ps->n];

		memset(p, 0, sizeof(*p));
		if (!json_is_object(e) || !take_entry(e, p, why, sizeof(why))) {
			if (!json_is_object(e))
				snprintf(why, sizeof(why), "%s", _("not an object"));
			snprintf(err, err_len, "%s: providers[%zu]%s%s%s: %s", path, i,
			    p->name != NULL ? " (" : "", p->name != NULL ? p->name : "",
			    p->name != NULL ? ")" : "", why);
			free((void *)p->domains);
			free((void *)p->isp);
			while (ps->n > first) {
				ps->n--;
				free((void *)ps->v[ps->n].domains);
				free((void *)ps->v[ps->n].isp);
			}
			json_decref(root);
			return -1;
		}
		ps->n++;
	}
	ps->docs = realloc(ps->docs, (ps->ndocs + 1) * sizeof(*ps->docs));
	ps->files = realloc(ps->files, (ps->nfiles + 1) * sizeof(*ps->files));
	if (ps->docs == NULL || ps->files == NULL)
		abort();
	ps->docs[ps->ndocs++] = root;
	ps->files[ps->nfiles] = xstrdup(path);
	for (i = first; i < ps->n; i++)
		ps->v[i].file = ps->files[ps->nfiles];
	ps->nfiles++;
	return 0;
}

/* name is domain, or under it when the pattern starts with "*.". */
static bool
domain_matches(const char *pattern, const char *domain)
{
	size_t lp, ld = strlen(domain);

	if (strncmp(pattern, "*.", 2) != 0)
		return strcasecmp(pattern, domain) == 0;
	pattern += 1;	/* ".isp.test" */
	lp = strlen(pattern);
	return ld > lp && strcasecmp(domain + ld - lp, pattern) == 0;
}

const struct provider *
providers_by_domain(const struct providers *ps, const char *domain)
{
	size_t i, k;

	for (i = 0; i < ps->n; i++)
		for (k = 0; k < ps->v[i].ndomains; k++)
			if (domain_matches(ps->v[i].domains[k], domain))
				return &ps->v[i];
	return NULL;
}

const struct provider *
providers_by_name(const struct providers *ps, const char *key)
{
	size_t i, k;

	for (i = 0; i < ps->n; i++) {
		const struct provider *p = &ps->v[i];

		if (strcasecmp(p->name, key) == 0)
			return p;
		for (k = 0; k < p->nisp; k++)
			if (strcasecmp(p->isp[k], key) == 0)
				return p;
	}
	return providers_by_domain(ps, key);
}

const char *
providers_default_path(void)
{
	static char buf[4096];

	return fileio_data_path("MXD_PROVIDERS", "providers.json", buf, sizeof(buf));
}

char *
providers_user_path(void)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	char *p;

	/* XDG Base Directory: a relative $XDG_CONFIG_HOME is to be ignored. */
	if (xdg != NULL && xdg[0] == '/')
		p = xasprintf("%s/mxdiag/providers.json", xdg);
	else if (home != NULL && home[0] == '/')
		p = xasprintf("%s/.config/mxdiag/providers.json", home);
	else
		return NULL;
	if (access(p, F_OK) == 0)
		return p;
	free(p);
	return NULL;
}

char *
provider_candidate(const struct provider *p, size_t i, const char *domain)
{
	const struct provider_server *s = &p->servers[i];
	const char *m = strstr(s->host, "%EMAILDOMAIN%");

	if (m == NULL)
		return xasprintf(strchr(s->host, ':') != NULL ? "[%s]:%u" : "%s:%u", s->host,
		    s->port);
	return xasprintf("%.*s%s%s:%u", (int)(m - s->host), s->host, domain,
	    m + strlen("%EMAILDOMAIN%"), s->port);
}

const char *
provider_tls_name(enum provider_tls tls)
{
	switch (tls) {
	case PROVIDER_TLS_STARTTLS: return "starttls";
	case PROVIDER_TLS_IMPLICIT: return "implicit";
	default: return "none";
	}
}

int
providers_candidates(const char *user_file, const char *isp, const char *domain,
    struct providers **psp, const struct provider **pp, char **cands, size_t max, size_t *n,
    char *err, size_t err_len)
{
	struct providers *ps = providers_new();
	char *user = providers_user_path();
	const struct provider *p;
	int rc = 0;
	size_t i;

	*n = 0;
	*pp = NULL;
	*psp = ps;
	/* The user's own entries first: they win over the shipped ones. */
	if ((user_file != NULL && providers_load(ps, user_file, err, err_len) != 0) ||
	    (user != NULL && providers_load(ps, user, err, err_len) != 0) ||
	    providers_load(ps, providers_default_path(), err, err_len) != 0)
		rc = -1;
	free(user);
	if (rc != 0)
		return rc;
	p = isp != NULL ? providers_by_name(ps, isp) : providers_by_domain(ps, domain);
	if (p == NULL)
		return 1;
	for (i = 0; i < p->nservers && i < max; i++)
		cands[(*n)++] = provider_candidate(p, i, domain);
	*pp = p;
	return 0;
}
