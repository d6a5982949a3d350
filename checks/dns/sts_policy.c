/* Transport security's grammars (sts_policy.h): RFC 8461's record and policy, RFC 8460's
 * record. Plain parsing; no DNS, no HTTPS, no findings. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "i18n.h"
#include "sts_policy.h"
#include "xmalloc.h"

const char *
sts_mode_name(enum sts_mode m)
{
	switch (m) {
	case STS_MODE_ENFORCE: return "enforce";
	case STS_MODE_TESTING: return "testing";
	case STS_MODE_NONE: return "none";
	case STS_MODE_UNSET: break;
	}
	return "";
}

void
sts_policy_fini(struct sts_policy *p)
{
	size_t i;

	for (i = 0; i < p->nmx; i++)
		free(p->mx[i]);
	for (i = 0; i < p->nunknown; i++)
		free(p->unknown[i]);
	p->nmx = p->nunknown = 0;
}

static bool
fail(struct sts_policy *p, int line, const char *fmt, const char *arg)
{
	if (arg == NULL)
		snprintf(p->error, sizeof(p->error), "%s", _(fmt));
	else
		snprintf(p->error, sizeof(p->error), _(fmt), arg);
	p->error_line = line;
	return false;
}

/* RFC 8461 3.2: sts-policy-field-name = ALPHA *31(ALPHA / DIGIT / "_" / "-" / "."). */
static bool
is_field_name(const char *k, size_t len)
{
	size_t i;

	if (len == 0 || len > 32 || !isalpha((unsigned char)k[0]))
		return false;
	for (i = 1; i < len; i++)
		if (!isalnum((unsigned char)k[i]) && k[i] != '_' && k[i] != '-' && k[i] != '.')
			return false;
	return true;
}

/* An mx pattern: a host name, optionally "*." and a host name. */
static bool
is_mx_pattern(const char *v)
{
	const char *s = strncmp(v, "*.", 2) == 0 ? v + 2 : v;
	size_t label = 0;

	if (*s == '\0' || *s == '.')
		return false;
	for (; *s != '\0'; s++) {
		if (*s == '.') {
			if (label == 0)
				return false;
			label = 0;
		} else if (isalnum((unsigned char)*s) || *s == '-' || *s == '_') {
			label++;
		} else {
			return false;
		}
	}
	return label > 0 || s[-1] == '.';
}

static bool
one_field(struct sts_policy *p, int line, const char *key, const char *val)
{
	char *end;

	if (strcmp(key, "version") == 0) {
		if (p->has_version)
			return fail(p, line, N_("version is given twice"), NULL);
		if (strcmp(val, "STSv1") != 0)
			return fail(p, line, N_("version must be STSv1, not \"%s\""), val);
		p->has_version = true;
	} else if (strcmp(key, "mode") == 0) {
		if (p->mode != STS_MODE_UNSET)
			return fail(p, line, N_("mode is given twice"), NULL);
		if (strcmp(val, "enforce") == 0)
			p->mode = STS_MODE_ENFORCE;
		else if (strcmp(val, "testing") == 0)
			p->mode = STS_MODE_TESTING;
		else if (strcmp(val, "none") == 0)
			p->mode = STS_MODE_NONE;
		else
			return fail(p, line,
			    "mode must be enforce, testing or none, not \"%s\"", val);
	} else if (strcmp(key, "max_age") == 0) {
		if (p->max_age >= 0)
			return fail(p, line, N_("max_age is given twice"), NULL);
		if (!isdigit((unsigned char)val[0]) || strlen(val) > 10)
			return fail(p, line, N_("max_age must be a number of seconds, not \"%s\""), val);
		p->max_age = strtol(val, &end, 10);
		if (*end != '\0')
			return fail(p, line, N_("max_age must be a number of seconds, not \"%s\""), val);
		if (p->max_age > STS_MAX_AGE_LIMIT)
			return fail(p, line, N_("max_age %s is above the limit of 31557600 seconds"),
			    val);
	} else if (strcmp(key, "mx") == 0) {
		if (!is_mx_pattern(val))
			return fail(p, line, N_("\"%s\" is not a host name or *.name pattern"), val);
		if (p->nmx < STS_MAX_MX) {
			char *m = xstrdup(val);
			size_t i, n = strlen(m);

			for (i = 0; i < n; i++)
				m[i] = (char)tolower((unsigned char)m[i]);
			if (n > 0 && m[n - 1] == '.')
				m[n - 1] = '\0';
			p->mx[p->nmx++] = m;
		}
	} else if (p->nunknown < STS_MAX_UNKNOWN) {
		p->unknown[p->nunknown++] = xstrdup(key);
	}
	return true;
}

bool
sts_policy_parse(const char *body, size_t len, struct sts_policy *p)
{
	const char *s = body, *end = body + len;
	int line = 0;

	memset(p, 0, sizeof(*p));
	p->max_age = -1;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *le = nl != NULL ? nl : end, *colon, *v;
		char key[33], val[256];
		size_t klen, vlen;

		line++;
		if (nl != NULL && le > s && le[-1] == '\r') {
			le--;
			p->has_crlf = true;
		} else if (nl != NULL) {
			p->has_lf = true;
		}
		if (memchr(s, '\0', (size_t)(le - s)) != NULL || memchr(s, '\r', (size_t)(le - s)))
			return fail(p, line, N_("the line holds a stray control character"), NULL);
		if (le == s) {
			/* an empty line: only at the very end (a trailing line end) */
			s = nl != NULL ? nl + 1 : end;
			continue;
		}
		colon = memchr(s, ':', (size_t)(le - s));
		if (colon == NULL)
			return fail(p, line, N_("the line is not \"key: value\""), NULL);
		klen = (size_t)(colon - s);
		if (!is_field_name(s, klen))
			return fail(p, line, N_("the key before the colon is not a field name"), NULL);
		memcpy(key, s, klen);
		key[klen] = '\0';
		for (v = colon + 1; v < le && (*v == ' ' || *v == '\t'); v++)
			;
		vlen = (size_t)(le - v);
		while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
			vlen--;
		if (vlen == 0)
			return fail(p, line, N_("%s has no value"), key);
		if (vlen >= sizeof(val))
			return fail(p, line, N_("the value of %s is too long"), key);
		memcpy(val, v, vlen);
		val[vlen] = '\0';
		if (!one_field(p, line, key, val))
			return false;
		s = nl != NULL ? nl + 1 : end;
	}
	if (!p->has_version)
		return fail(p, 0, N_("version: STSv1 is missing"), NULL);
	if (p->mode == STS_MODE_UNSET)
		return fail(p, 0, N_("mode is missing"), NULL);
	if (p->max_age < 0)
		return fail(p, 0, N_("max_age is missing"), NULL);
	if (p->nmx == 0 && p->mode != STS_MODE_NONE)
		return fail(p, 0, N_("no mx pattern: in %s mode every MX would be refused"),
		    sts_mode_name(p->mode));
	return true;
}

bool
sts_mx_match(const char *pattern, const char *host)
{
	const char *dot;

	if (strncmp(pattern, "*.", 2) != 0)
		return strcasecmp(pattern, host) == 0;
	/* the star stands for exactly one label: "*.example.com" matches
	 * "mx.example.com", neither "example.com" nor "a.b.example.com" */
	dot = strchr(host, '.');
	return dot != NULL && dot > host && strcasecmp(dot + 1, pattern + 2) == 0;
}

/* The next "k=v" field of a ';'-separated record: key and value trimmed into k and v.
 * Returns the position after it, or NULL at the end. */
static const char *
next_field(const char *s, char *k, size_t klen, char *v, size_t vlen, bool *ok)
{
	const char *end, *eq;
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0')
		return NULL;
	end = strchr(s, ';');
	if (end == NULL)
		end = s + strlen(s);
	eq = memchr(s, '=', (size_t)(end - s));
	*ok = eq != NULL;
	k[0] = v[0] = '\0';
	if (eq != NULL) {
		n = (size_t)(eq - s);
		while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		if (n >= klen)
			n = klen - 1;
		memcpy(k, s, n);
		k[n] = '\0';
		for (eq++; *eq == ' ' || *eq == '\t'; eq++)
			;
		n = (size_t)(end - eq);
		while (n > 0 && (eq[n - 1] == ' ' || eq[n - 1] == '\t'))
			n--;
		if (n >= vlen)
			n = vlen - 1;
		memcpy(v, eq, n);
		v[n] = '\0';
	}
	return *end == ';' ? end + 1 : end;
}

bool
sts_record_parse(const char *txt, char *id, size_t id_len, char *why, size_t why_len)
{
	char k[32], v[256];
	const char *s = txt;
	bool ok, first = true, has_id = false;
	size_t i;

	id[0] = why[0] = '\0';
	while ((s = next_field(s, k, sizeof(k), v, sizeof(v), &ok)) != NULL) {
		if (!ok) {
			snprintf(why, why_len, _("a field is not key=value"));
			return false;
		}
		if (first && strcmp(k, "v") != 0) {
			snprintf(why, why_len, _("v=STSv1 must come first"));
			return false;
		}
		if (first && strcmp(v, "STSv1") != 0) {
			snprintf(why, why_len, _("v must be STSv1, not \"%s\""), v);
			return false;
		}
		if (!first && strcmp(k, "id") == 0) {
			for (i = 0; v[i] != '\0' && isalnum((unsigned char)v[i]); i++)
				;
			if (i == 0 || v[i] != '\0' || i > 32) {
				snprintf(why, why_len,
				    "id=%s is not 1 to 32 letters and digits", v);
				return false;
			}
			snprintf(id, id_len, "%s", v);
			has_id = true;
		}
		first = false;
	}
	if (!has_id) {
		snprintf(why, why_len, _("id= is missing"));
		return false;
	}
	return true;
}

bool
tlsrpt_record_parse(const char *txt, char *rua, size_t rua_len, char *why, size_t why_len)
{
	char k[32], v[1024];
	const char *s = txt;
	bool ok, first = true;

	rua[0] = why[0] = '\0';
	while ((s = next_field(s, k, sizeof(k), v, sizeof(v), &ok)) != NULL) {
		if (!ok) {
			snprintf(why, why_len, _("a field is not key=value"));
			return false;
		}
		if (first && (strcmp(k, "v") != 0 || strcmp(v, "TLSRPTv1") != 0)) {
			snprintf(why, why_len, _("v=TLSRPTv1 must come first"));
			return false;
		}
		if (!first && strcmp(k, "rua") == 0) {
			char *copy = xstrdup(v), *tok, *save = NULL;

			for (tok = strtok_r(copy, ",", &save); tok != NULL;
			    tok = strtok_r(NULL, ",", &save)) {
				while (*tok == ' ' || *tok == '\t')
					tok++;
				if (strncasecmp(tok, "mailto:", 7) != 0 &&
				    strncasecmp(tok, "https://", 8) != 0) {
					snprintf(why, why_len, _("rua destination \"%s\" is neither "
					    "mailto: nor https:"), tok);
					free(copy);
					return false;
				}
				if (strncasecmp(tok, "mailto:", 7) == 0 &&
				    strchr(tok + 7, '@') == NULL) {
					snprintf(why, why_len, _("rua destination \"%s\" is not an "
					    "address"), tok);
					free(copy);
					return false;
				}
			}
			free(copy);
			snprintf(rua, rua_len, "%s", v);
		}
		first = false;
	}
	if (first) {
		snprintf(why, why_len, _("the record is empty"));
		return false;
	}
	if (rua[0] == '\0') {
		snprintf(why, why_len, _("rua= is missing: reports have nowhere to go"));
		return false;
	}
	return true;
}
