/* One JSON object written as text, member by member: batch output lines, where a jansson
 * tree per line would cost more than the work behind the line. */
#ifndef MXD_JLINE_H
#define MXD_JLINE_H

#include <stdbool.h>
#include <stddef.h>

struct jline {
	char *p;		/* owned until jl_end() hands it over */
	size_t len, cap;
	bool has_member;
};

/* Append n bytes of ready JSON text. */
void jl_raw(struct jline *j, const char *s, size_t n);
/* v as a JSON string (RFC 8259 7); bytes that are not UTF-8 become '?'. */
void jl_quoted(struct jline *j, const char *v);
/* The next member's key (the object opens with the first one). */
void jl_key(struct jline *j, const char *key);
/* Members: a string (NULL: null), an integer. */
void jl_str(struct jline *j, const char *key, const char *v);
void jl_int(struct jline *j, const char *key, long long v);
/* Close the object; returns its text, caller frees. */
char *jl_end(struct jline *j);

#endif
