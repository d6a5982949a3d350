/* The tags of a DMARC record (RFC 9989 4.7), and the domains its report URIs name. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dmarc_record.h"

static bool
is_ws(char c)
{
	return c == ' ' || c == '\t';
}

bool
dmarc_is_record(const char *txt)
{
	while (is_ws(*txt))
		txt++;
	if (strncmp(txt, "v", 1) != 0)
		return false;
	txt++;
	while (is_ws(*txt))
		txt++;
	if (*txt != '=')
		return false;
	txt++;
	while (is_ws(*txt))
		txt++;
	return strncmp(txt, "DMARC1", 6) == 0 && (txt[6] == ';' || is_ws(txt[6]) ||
	    txt[6] == '\0');
}

/* Append ", a" (or "a=b" when b is given) to the list in buf, cut at len. */
static void
append(char *buf, size_t len, const char *a, const char *b)
{
	char item[160];
	size_t off = strlen(buf), n;

	n = (size_t)snprintf(item, sizeof(item), "%s%.64s%s%.64s", off > 0 ? ", " : "", a,
	    b != NULL ? "=" : "", b != NULL ? b : "");
	if (n >= sizeof(item))
		n = sizeof(item) - 1;
	if (off + n < len) {
		memcpy(buf + off, item, n);
		buf[off + n] = '\0';
	}
}

static bool
is_policy(const char *v)
{
	return strcmp(v, "none") == 0 || strcmp(v, "quarantine") == 0 ||
	    strcmp(v, "reject") == 0;
}

static bool
is_one_of(const char *v, const char *a, const char *b)
{
	return strcmp(v, a) == 0 || strcmp(v, b) == 0;
}

/* fo=: a colon list of 0, 1, d, s. */
static bool
is_fo(const char *v)
{
	const char *p;

	for (p = v; *p != '\0'; p++)
		if (strchr("01ds: \t", *p) == NULL)
			return false;
	return *v != '\0';
}

static void
take(struct dmarc_rec *r, const char *name, const char *v)
{
	static const char *const removed[] = { "pct", "rf", "ri" };
	bool ok = true;
	size_t i;

	if (strcmp(name, "v") == 0)
		return;
	if (strcmp(name, "p") == 0 || strcmp(name, "sp") == 0 || strcmp(name, "np") == 0) {
		char *dst = name[0] == 'p' ? r->p : name[0] == 's' ? r->sp : r->np;

		snprintf(dst, sizeof(r->p), "%s", v);
		ok = is_policy(v);
		if (name[0] == 'p')
			r->is_p_valid = ok;
		if (name[0] == 'p')
			return;	/* the caller's syntax finding names a bad p= */
	} else if (strcmp(name, "psd") == 0) {
		ok = strlen(v) == 1 && strchr("ynu", v[0]) != NULL;
		r->psd = ok ? v[0] : 'u';
	} else if (strcmp(name, "adkim") == 0 || strcmp(name, "aspf") == 0) {
		ok = is_one_of(v, "r", "s");
		if (ok)
			*(name[1] == 'd' ? &r->adkim : &r->aspf) = v[0];
	} else if (strcmp(name, "t") == 0) {
		ok = is_one_of(v, "y", "n");
	} else if (strcmp(name, "fo") == 0) {
		ok = is_fo(v);
	} else if (strcmp(name, "rua") == 0) {
		snprintf(r->rua, sizeof(r->rua), "%s", v);
	} else if (strcmp(name, "ruf") == 0) {
		snprintf(r->ruf, sizeof(r->ruf), "%s", v);
	} else {
		for (i = 0; i < sizeof(removed) / sizeof(removed[0]); i++)
			if (strcmp(name, removed[i]) == 0) {
				append(r->removed, sizeof(r->removed), name, NULL);
				return;
			}
		append(r->unknown, sizeof(r->unknown), name, NULL);
		return;
	}
	if (!ok)
		append(r->bad, sizeof(r->bad), name, v);
}

void
dmarc_rec_parse(const char *txt, struct dmarc_rec *r)
{
	char buf[2048], *p, *semi;

	memset(r, 0, sizeof(*r));
	r->psd = 'u';
	r->adkim = r->aspf = 'r';	/* RFC 9989 4.7: relaxed unless s is given */
	snprintf(buf, sizeof(buf), "%s", txt);
	for (p = buf; p != NULL; p = semi != NULL ? semi + 1 : NULL) {
		char *eq, *name, *v, *end;

		semi = strchr(p, ';');
		if (semi != NULL)
			*semi = '\0';
		eq = strchr(p, '=');
		if (eq == NULL)
			continue;
		*eq = '\0';
		for (name = p; is_ws(*name); name++)
			;
		for (end = eq; end > name && is_ws(end[-1]); end--)
			;
		*end = '\0';
		for (v = eq + 1; is_ws(*v); v++)
			;
		for (end = v + strlen(v); end > v && is_ws(end[-1]); end--)
			;
		*end = '\0';
		/* Tag names and policy values are case-insensitive in practice (RFC 9989 4.7). */
		for (end = name; *end != '\0'; end++)
			*end = (char)tolower((unsigned char)*end);
		if (strcmp(name, "rua") != 0 && strcmp(name, "ruf") != 0)
			for (end = v; *end != '\0'; end++)
				*end = (char)tolower((unsigned char)*end);
		if (*name != '\0')
			take(r, name, v);
	}
}

size_t
dmarc_uri_domains(const char *list, char doms[][256], size_t max)
{
	const char *p = list;
	size_t n = 0;

	while (*p != '\0' && n < max) {
		const char *end = strchr(p, ','), *at, *stop;
		size_t len, i;

		if (end == NULL)
			end = p + strlen(p);
		while (p < end && is_ws(*p))
			p++;
		if ((size_t)(end - p) > 7 && strncasecmp(p, "mailto:", 7) == 0) {
			at = memchr(p, '@', (size_t)(end - p));
			if (at != NULL) {
				/* The address ends at the size suffix ("!10m") or the list's comma. */
				for (stop = at + 1; stop < end && *stop != '!' && !is_ws(*stop); stop++)
					;
				len = (size_t)(stop - at - 1);
				if (len > 0 && len < 256) {
					for (i = 0; i < len; i++)
						doms[n][i] = (char)tolower((unsigned char)at[1 + i]);
					doms[n][len] = '\0';
					n++;
				}
			}
		}
		p = *end == ',' ? end + 1 : end;
	}
	return n;
}
