/* RFC 6376 3.2 tag-lists (taglist.h). */
#include "config.h"

#include <string.h>

#include "err.h"
#include "taglist.h"
#include "text.h"

static int
is_fws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static char *
trim(char *s)
{
	size_t n;

	while (is_fws(*s))
		s++;
	n = strlen(s);
	while (n > 0 && is_fws(s[n - 1]))
		s[--n] = '\0';
	return s;
}

static int
bad(struct taglist *t, const char *tag, const char *why)
{
	t->bad = tag;
	t->why = why;
	return MXD_EINVAL;
}

int
taglist_split(char *s, struct taglist *t)
{
	char *p = s;
	size_t i;

	t->n = 0;
	t->bad = t->why = NULL;
	while (p != NULL) {
		char *semi = strchr(p, ';'), *eq, *name, *c;

		if (semi != NULL)
			*semi = '\0';
		if (*trim(p) == '\0') {
			/* RFC 6376 3.2 allows a trailing ';'; an empty spec elsewhere is lax, and
			 * verifiers take it. */
			p = semi != NULL ? semi + 1 : NULL;
			continue;
		}
		eq = strchr(p, '=');
		if (eq == NULL)
			return bad(t, trim(p), "a tag without '='");
		*eq = '\0';
		name = trim(p);
		/* tag-name = ALPHA *ALNUMPUNC, ALNUMPUNC = ALPHA / DIGIT / "_" */
		if (!text_is_alpha((unsigned char)name[0]))
			return bad(t, name, "a tag name must start with a letter");
		for (c = name; *c != '\0'; c++)
			if (!text_is_alnum((unsigned char)*c) && *c != '_')
				return bad(t, name, "invalid character in a tag name");
		for (i = 0; i < t->n; i++)
			if (strcmp(t->tag[i].name, name) == 0)
				return bad(t, name, "a tag given twice invalidates the record");
		if (t->n == TAGLIST_MAX)
			return bad(t, name, "too many tags");
		t->tag[t->n].name = name;
		t->tag[t->n].value = trim(eq + 1);
		t->n++;
		p = semi != NULL ? semi + 1 : NULL;
	}
	return 0;
}

const char *
taglist_get(const struct taglist *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->tag[i].name, name) == 0)
			return t->tag[i].value;
	return NULL;
}
