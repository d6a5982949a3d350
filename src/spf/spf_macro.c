/* SPF macro strings (RFC 7208 7): one tokenizer serves the syntax check, the %{p} probe and
 * the expansion, so the three can never disagree about what a macro is. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "err.h"
#include "i18n.h"
#include "spf_macro.h"
#include "text.h"

/* A value's digit transformer beyond this keeps every part anyway (7.3 asks for >= 128). */
#define MACRO_DIGITS_CAP 100000UL

enum macro_kind {
	TOK_LITERAL,	/* one literal character */
	TOK_PERCENT,	/* %% */
	TOK_SPACE,	/* %_ */
	TOK_URLSPACE,	/* %- */
	TOK_MACRO,	/* %{...} */
};

struct macro_tok {
	enum macro_kind kind;
	size_t len;		/* bytes of the source this token spans */
	char letter;		/* as written: upper case asks for URL escaping */
	unsigned long digits;	/* 0: keep all parts */
	bool is_reversed;
	const char *delims;	/* delimiter characters, NULL: "." */
	size_t delims_len;
};

static int
refuse(char *why, size_t why_len, const char *fmt, int c)
{
	if (why != NULL && why_len > 0)
		snprintf(why, why_len, fmt, c);
	return MXD_EINVAL;
}

static bool
is_delimiter(int c)
{
	/* RFC 7208 7.1: delimiter = "." / "-" / "+" / "," / "/" / "_" / "=" */
	return c != '\0' && strchr(".-+,/_=", c) != NULL;
}

/* Read the token at s[pos] (pos < len). Returns 0 or MXD_EINVAL with why. */
static int
macro_next(const char *s, size_t len, size_t pos, bool is_exp, struct macro_tok *tok, char *why,
    size_t why_len)
{
	unsigned char c = (unsigned char)s[pos];
	size_t i;
	int lc;

	memset(tok, 0, sizeof(*tok));
	if (c != '%') {
		/* macro-literal = %x21-24 / %x26-7E; explain-string adds SP (7.1) */
		if ((c >= 0x21 && c <= 0x7e) || (is_exp && c == ' ')) {
			tok->kind = TOK_LITERAL;
			tok->len = 1;
			return 0;
		}
		return refuse(why, why_len, _("invalid character 0x%02x"), c);
	}
	if (pos + 1 >= len)
		return refuse(why, why_len, _("'%c' at the end of a macro string"), '%');
	switch (s[pos + 1]) {
	case '%':
		tok->kind = TOK_PERCENT;
		tok->len = 2;
		return 0;
	case '_':
		tok->kind = TOK_SPACE;
		tok->len = 2;
		return 0;
	case '-':
		tok->kind = TOK_URLSPACE;
		tok->len = 2;
		return 0;
	case '{':
		break;
	default:
		return refuse(why, why_len, _("invalid macro '%%%c' (RFC 7208 7.1)"),
		    (unsigned char)s[pos + 1]);
	}
	i = pos + 2;
	if (i >= len)
		return refuse(why, why_len, _("unterminated macro%c"), ' ');
	tok->kind = TOK_MACRO;
	tok->letter = s[i];
	lc = text_to_lower((unsigned char)s[i]);
	if (lc == '\0' || strchr("slodiphcrtv", lc) == NULL)
		return refuse(why, why_len, _("unknown macro letter '%c' (RFC 7208 7.2)"),
		    (unsigned char)s[i]);
	/* RFC 7208 7.3: c, r and t are only allowed in exp= text */
	if (!is_exp && strchr("crt", lc) != NULL)
		return refuse(why, why_len, _("macro letter '%c' is allowed in exp text only "
		    "(RFC 7208 7.3)"), (unsigned char)s[i]);
	i++;
	if (i < len && text_is_digit((unsigned char)s[i])) {
		unsigned long v = 0;

		while (i < len && text_is_digit((unsigned char)s[i])) {
			if (v < MACRO_DIGITS_CAP)
				v = v * 10 + (unsigned long)(s[i] - '0');
			i++;
		}
		/* RFC 7208 7.3: if a DIGIT is specified, the value MUST be nonzero */
		if (v == 0)
			return refuse(why, why_len, _("zero digit transformer%c"), ' ');
		tok->digits = v;
	}
	if (i < len && (s[i] == 'r' || s[i] == 'R')) {
		tok->is_reversed = true;
		i++;
	}
	tok->delims = s + i;
	while (i < len && is_delimiter((unsigned char)s[i]))
		i++;
	tok->delims_len = (size_t)(s + i - tok->delims);
	if (tok->delims_len == 0)
		tok->delims = NULL;
	if (i >= len || s[i] != '}')
		return refuse(why, why_len, _("malformed macro near '%c' (RFC 7208 7.1)"),
		    i < len ? (unsigned char)s[i] : '}');
	tok->len = i + 1 - pos;
	return 0;
}

int
spf_macro_check(const char *s, size_t len, bool is_exp, char *why, size_t why_len)
{
	struct macro_tok tok;
	size_t pos = 0;
	int rc;

	while (pos < len) {
		rc = macro_next(s, len, pos, is_exp, &tok, why, why_len);
		if (rc < 0)
			return rc;
		pos += tok.len;
	}
	return 0;
}

size_t
spf_macro_literal_tail(const char *s, size_t len)
{
	struct macro_tok tok;
	size_t pos = 0, tail = 0;

	while (pos < len) {
		if (macro_next(s, len, pos, true, &tok, NULL, 0) < 0)
			return len;
		if (tok.kind != TOK_LITERAL)
			tail = pos + tok.len;
		pos += tok.len;
	}
	return tail;
}

bool
spf_macro_uses_p(const char *s, size_t len)
{
	struct macro_tok tok;
	size_t pos = 0;

	while (pos < len) {
		/* is_exp: accept every letter here; the caller has checked s already */
		if (macro_next(s, len, pos, true, &tok, NULL, 0) < 0)
			return false;
		if (tok.kind == TOK_MACRO && text_to_lower((unsigned char)tok.letter) == 'p')
			return true;
		pos += tok.len;
	}
	return false;
}

struct outbuf {
	char *p;
	size_t len, cap;	/* cap includes room for the NUL */
	bool is_over;
};

static void
ob_putc(struct outbuf *ob, char c)
{
	if (ob->len + 1 >= ob->cap) {
		ob->is_over = true;
		return;
	}
	ob->p[ob->len++] = c;
}

static void
ob_puts(struct outbuf *ob, const char *s)
{
	while (*s != '\0')
		ob_putc(ob, *s++);
}

/* RFC 7208 7.3: upper-case macros are URL-escaped; unreserved characters (RFC 3986 2.3)
 * stay as they are. */
static void
ob_put_value(struct outbuf *ob, const char *s, size_t len, bool is_escaped)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!is_escaped || text_is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
			ob_putc(ob, (char)c);
			continue;
		}
		ob_putc(ob, '%');
		ob_putc(ob, hex[c >> 4]);
		ob_putc(ob, hex[c & 0x0f]);
	}
}

static const char *
macro_value(const struct spf_macro_vars *vars, int letter)
{
	switch (letter) {
	case 's': return vars->s;
	case 'l': return vars->l;
	case 'o': return vars->o;
	case 'd': return vars->d;
	case 'i': return vars->i;
	case 'p': return vars->p;
	case 'v': return vars->v;
	case 'h': return vars->h;
	case 'c': return vars->c;
	case 'r': return vars->r;
	case 't': return vars->t;
	default: return NULL;
	}
}

/* RFC 7208 7.3: split the value on the delimiters, optionally reverse, keep the rightmost
 * `digits` parts, join with "." */
static int
expand_one(struct outbuf *ob, const struct macro_tok *tok, const char *value)
{
	const char *part[SPF_MACRO_PARTS_MAX];
	size_t part_len[SPF_MACRO_PARTS_MAX];
	size_t n = 0, keep, k, first;
	const char *start = value, *q;
	bool is_escaped = tok->letter >= 'A' && tok->letter <= 'Z';

	for (q = value;; q++) {
		bool is_end = *q == '\0';
		bool is_delim = !is_end && (tok->delims != NULL ?
		    memchr(tok->delims, *q, tok->delims_len) != NULL : *q == '.');

		if (!is_end && !is_delim)
			continue;
		if (n >= SPF_MACRO_PARTS_MAX)
			return MXD_ELIMIT;
		part[n] = start;
		part_len[n] = (size_t)(q - start);
		n++;
		if (is_end)
			break;
		start = q + 1;
	}
	keep = tok->digits != 0 && tok->digits < n ? (size_t)tok->digits : n;
	/* Reversed, the rightmost `keep` parts are the original first `keep`, last first. */
	first = tok->is_reversed ? 0 : n - keep;
	for (k = 0; k < keep; k++) {
		size_t idx = tok->is_reversed ? keep - 1 - k : first + k;

		if (k > 0)
			ob_putc(ob, '.');
		ob_put_value(ob, part[idx], part_len[idx], is_escaped);
	}
	return 0;
}

int
spf_macro_expand(const char *s, size_t len, const struct spf_macro_vars *vars, bool is_exp,
    char *out, size_t out_len, size_t *out_used)
{
	struct outbuf ob = { out, 0, out_len, false };
	struct macro_tok tok;
	size_t pos = 0;
	int rc;

	if (out_len == 0)
		return MXD_ELIMIT;
	while (pos < len) {
		rc = macro_next(s, len, pos, is_exp, &tok, NULL, 0);
		if (rc < 0)
			return rc;
		switch (tok.kind) {
		case TOK_LITERAL:
			ob_putc(&ob, s[pos]);
			break;
		case TOK_PERCENT:
			ob_putc(&ob, '%');
			break;
		case TOK_SPACE:
			ob_putc(&ob, ' ');
			break;
		case TOK_URLSPACE:
			ob_puts(&ob, "%20");
			break;
		case TOK_MACRO: {
			const char *value = macro_value(vars,
			    text_to_lower((unsigned char)tok.letter));

			if (value == NULL)
				return text_to_lower((unsigned char)tok.letter) == 'p' ? MXD_ESTATE :
				    MXD_EINVAL;
			rc = expand_one(&ob, &tok, value);
			if (rc < 0)
				return rc;
			break;
		}
		}
		if (ob.is_over)
			return MXD_ELIMIT;
		pos += tok.len;
	}
	out[ob.len] = '\0';
	if (out_used != NULL)
		*out_used = ob.len;
	return 0;
}

bool
spf_name_is_valid(const char *name, size_t len)
{
	size_t i, label = 0;

	/* RFC 1035 2.3.4: 255 octets on the wire, 253 characters written without the root */
	if (len == 0 || len > 253)
		return false;
	for (i = 0; i < len; i++) {
		if (name[i] == '\0')
			return false;
		if (name[i] != '.') {
			if (++label > 63)
				return false;
			continue;
		}
		if (label == 0)
			return false;
		label = 0;
	}
	return label > 0;
}

int
spf_target_name(char *name)
{
	size_t len = strlen(name);

	if (len > 0 && name[len - 1] == '.')
		name[--len] = '\0';
	/* RFC 7208 7.3: remove labels from the left until 253 characters are left */
	while (len > 253) {
		const char *dot = memchr(name, '.', len);
		size_t cut;

		if (dot == NULL)
			return MXD_EINVAL;
		cut = (size_t)(dot - name) + 1;
		memmove(name, name + cut, len - cut + 1);
		len -= cut;
	}
	return spf_name_is_valid(name, len) ? 0 : MXD_EINVAL;
}

bool
spf_toplabel_is_valid(const char *s, size_t len)
{
	bool has_alpha = false, has_hyphen = false;
	size_t i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (text_is_alpha(c))
			has_alpha = true;
		else if (c == '-')
			has_hyphen = true;
		else if (!text_is_digit(c))
			return false;
	}
	/* toplabel = ( *alphanum ALPHA *alphanum ) /
	 *            ( 1*alphanum "-" *( alphanum / "-" ) alphanum ) */
	if (!has_hyphen)
		return has_alpha;
	return text_is_alnum((unsigned char)s[0]) && text_is_alnum((unsigned char)s[len - 1]);
}
