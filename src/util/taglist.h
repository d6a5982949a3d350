/* RFC 6376 3.2 tag-lists ("v=DKIM1; k=rsa; p=..."), as DKIM key records and DKIM-Signature
 * header fields write them: split into tag=value pairs, names checked, values trimmed. */
#ifndef MXD_TAGLIST_H
#define MXD_TAGLIST_H

#include <stddef.h>

#define TAGLIST_MAX 32	/* tags per list; RFC 6376 defines fewer than twenty */

struct taglist {
	struct {
		const char *name, *value;	/* into the string split, NUL-terminated */
	} tag[TAGLIST_MAX];
	size_t n;
	const char *bad;	/* on failure: the tag at fault (into the string, or "") */
	const char *why;	/* on failure: what is wrong, in English (static) */
};

/*
 * Split s (modified in place: NULs replace the ';' and '=') into t. Folding whitespace
 * (CR, LF, SP, HTAB) around names and values is dropped (RFC 6376 3.2 FWS); an empty
 * tag-spec (a trailing ';') is skipped. Returns 0, or MXD_EINVAL with t->bad and t->why
 * set: a tag without '=', a bad tag name, a tag given twice, more than TAGLIST_MAX tags.
 */
int taglist_split(char *s, struct taglist *t);

/* The value of tag name (case-sensitive, as RFC 6376 3.2 says), borrowed; NULL: absent. */
const char *taglist_get(const struct taglist *t, const char *name);

#endif
