/* EHLO capability parsing. Pure code: keywords are case-insensitive (RFC 5321 2.4). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "smtp_caps.h"
#include "smtp_reply.h"

static const struct {
	const char *name;
	unsigned bit;
} auth_mechs[] = {
	{ "PLAIN", SMTP_AUTH_PLAIN },
	{ "LOGIN", SMTP_AUTH_LOGIN },
	{ "CRAM-MD5", SMTP_AUTH_CRAM_MD5 },
	{ "XOAUTH2", SMTP_AUTH_XOAUTH2 },
	{ "NTLM", SMTP_AUTH_NTLM },
	{ "GSSAPI", SMTP_AUTH_GSSAPI },
};

unsigned
smtp_auth_mech_from_name(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(auth_mechs) / sizeof(auth_mechs[0]); i++)
		if (strlen(auth_mechs[i].name) == len && strncasecmp(name, auth_mechs[i].name,
		    len) == 0)
			return auth_mechs[i].bit;
	return SMTP_AUTH_OTHER;
}

const char *
smtp_auth_mech_name(unsigned mech)
{
	size_t i;

	for (i = 0; i < sizeof(auth_mechs) / sizeof(auth_mechs[0]); i++)
		if (auth_mechs[i].bit == mech)
			return auth_mechs[i].name;
	return "OTHER";
}

/* Keyword of an extension line: up to the first space or '='. */
static size_t
keyword_len(const char *s)
{
	return strcspn(s, " =");
}

static int
keyword_is(const char *s, size_t len, const char *kw)
{
	return strlen(kw) == len && strncasecmp(s, kw, len) == 0;
}

static void
parse_auth(struct smtp_caps *caps, const char *params)
{
	const char *p = params;
	size_t used = strlen(caps->auth_text);

	caps->has_auth = true;
	while (*p != '\0') {
		unsigned bit;
		size_t n;

		p += strspn(p, " ");
		n = strcspn(p, " ");
		if (n == 0)
			break;
		bit = smtp_auth_mech_from_name(p, n);
		/* Evidence text, bounded; a name that does not fit is left out whole, and a
		 * name listed again on an "AUTH=" line is not repeated. */
		if (((caps->auth_mechs & bit) == 0 || bit == SMTP_AUTH_OTHER) &&
		    used + n + 2 < sizeof(caps->auth_text)) {
			if (used > 0)
				caps->auth_text[used++] = ' ';
			memcpy(caps->auth_text + used, p, n);
			used += n;
			caps->auth_text[used] = '\0';
		}
		caps->auth_mechs |= bit;
		p += n;
	}
}

void
smtp_caps_parse(struct smtp_caps *caps, const struct smtp_reply *r)
{
	size_t i;

	memset(caps, 0, sizeof(*caps));
	if (r->code != 250)
		return;
	caps->is_esmtp = true;
	/* RFC 5321 4.1.1.1: line 1 is "domain [greeting]"; extensions follow, one per line. */
	for (i = 1; i < r->nlines; i++) {
		const char *l = r->lines[i];
		size_t kl = keyword_len(l);
		const char *params = l + kl;

		params += strspn(params, " =");
		if (keyword_is(l, kl, "SIZE")) {
			char *end;
			unsigned long long v;

			caps->has_size = true;
			errno = 0;
			v = strtoull(params, &end, 10);
			if (end != params && errno == 0)
				caps->size_max = v;
		} else if (keyword_is(l, kl, "STARTTLS")) {
			caps->has_starttls = true;
		} else if (keyword_is(l, kl, "AUTH")) {
			/* "AUTH=LOGIN PLAIN" is the pre-RFC 4954 form old Outlook needed; same list. */
			parse_auth(caps, params);
		} else if (keyword_is(l, kl, "PIPELINING")) {
			caps->has_pipelining = true;
		} else if (keyword_is(l, kl, "8BITMIME")) {
			caps->has_8bitmime = true;
		} else if (keyword_is(l, kl, "SMTPUTF8")) {
			caps->has_smtputf8 = true;
		} else if (keyword_is(l, kl, "ENHANCEDSTATUSCODES")) {
			caps->has_enhancedstatuscodes = true;
		} else if (keyword_is(l, kl, "DSN")) {
			caps->has_dsn = true;
		} else if (keyword_is(l, kl, "CHUNKING")) {
			caps->has_chunking = true;
		} else if (keyword_is(l, kl, "REQUIRETLS")) {
			caps->has_requiretls = true;
		}
	}
}
