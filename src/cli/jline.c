/* JSON objects as text, member by member (jline.h). Strings are escaped per RFC 8259 7;
 * bytes that are not UTF-8 become '?' (as spf_fields.c's JSON writer does for the report). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "jline.h"
#include "text.h"
#include "xmalloc.h"

void
jl_raw(struct jline *j, const char *s, size_t n)
{
	if (j->len + n + 2 > j->cap) {
		while (j->len + n + 2 > j->cap)
			j->cap = j->cap == 0 ? 512 : j->cap * 2;
		j->p = xrealloc(j->p, j->cap);
	}
	memcpy(j->p + j->len, s, n);
	j->len += n;
	j->p[j->len] = '\0';
}

void
jl_quoted(struct jline *j, const char *v)
{
	static const char hex[] = "0123456789abcdef";
	bool keep_high = text_is_utf8(v, strlen(v));
	const unsigned char *c;

	jl_raw(j, "\"", 1);
	for (c = (const unsigned char *)v; *c != '\0'; c++) {
		char esc[6] = { '\\', 'u', '0', '0', hex[*c >> 4], hex[*c & 0x0f] };
		size_t run = 0;

		/* copy plain text in runs */
		while (c[run] >= 0x20 && c[run] != '"' && c[run] != '\\' && c[run] < 0x7f)
			run++;
		if (run > 0) {
			jl_raw(j, (const char *)c, run);
			c += run - 1;
			continue;
		}
		if (*c == '"' || *c == '\\') {
			esc[1] = (char)*c;
			jl_raw(j, esc, 2);
		} else if (*c < 0x20 || *c == 0x7f) {
			jl_raw(j, esc, 6);
		} else if (*c >= 0x80 && !keep_high) {
			jl_raw(j, "?", 1);
		} else {
			jl_raw(j, (const char *)c, 1);
		}
	}
	jl_raw(j, "\"", 1);
}

void
jl_key(struct jline *j, const char *key)
{
	jl_raw(j, j->has_member ? "," : "{", 1);
	j->has_member = true;
	jl_quoted(j, key);
	jl_raw(j, ":", 1);
}

void
jl_str(struct jline *j, const char *key, const char *v)
{
	jl_key(j, key);
	if (v == NULL)
		jl_raw(j, "null", 4);
	else
		jl_quoted(j, v);
}

void
jl_int(struct jline *j, const char *key, long long v)
{
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "%lld", v);

	jl_key(j, key);
	jl_raw(j, buf, (size_t)n);
}

char *
jl_end(struct jline *j)
{
	if (!j->has_member)
		jl_raw(j, "{", 1);
	jl_raw(j, "}", 1);
	return j->p;
}
