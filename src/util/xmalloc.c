/* Allocation wrappers: memory exhaustion is the one place outside main.c that exits. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "xmalloc.h"

static void
die_nomem(void)
{
	fputs("mxdiag: out of memory\n", stderr);
	exit(3);
}

void *
xmalloc(size_t len)
{
	void *p = malloc(len ? len : 1);

	if (p == NULL)
		die_nomem();
	return p;
}

void *
xcalloc(size_t n, size_t len)
{
	void *p = calloc(n ? n : 1, len ? len : 1);

	if (p == NULL)
		die_nomem();
	return p;
}

void *
xrealloc(void *p, size_t len)
{
	void *q = realloc(p, len ? len : 1);

	if (q == NULL)
		die_nomem();
	return q;
}

char *
xstrdup(const char *s)
{
	return s == NULL ? NULL : xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t len)
{
	char *p = xmalloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

#define XVASPRINTF_JOIN_MAX 16

/* How many "%s" fmt holds when they are its only conversions (no "%%", flags, widths or
 * precisions), else -1. */
static int
only_strings(const char *fmt)
{
	int n = 0;

	for (; (fmt = strchr(fmt, '%')) != NULL; fmt += 2) {
		if (fmt[1] != 's' || n == XVASPRINTF_JOIN_MAX)
			return -1;
		n++;
	}
	return n;
}

/* fmt's literal text and its strings joined: what vsnprintf() writes for such a format,
 * without its machinery (a finding's message is such a join of a few translated texts). */
static char *
join_strings(const char *fmt, int n, va_list ap)
{
	const char *arg[XVASPRINTF_JOIN_MAX];
	size_t len[XVASPRINTF_JOIN_MAX], total = strlen(fmt) - 2 * (size_t)n, i;
	char *p, *o;
	const char *pc;

	for (i = 0; i < (size_t)n; i++) {
		arg[i] = va_arg(ap, const char *);
		if (arg[i] == NULL)
			arg[i] = "(null)";	/* what glibc prints */
		len[i] = strlen(arg[i]);
		total += len[i];
	}
	o = p = xmalloc(total + 1);
	for (i = 0; (pc = strchr(fmt, '%')) != NULL; i++, fmt = pc + 2) {
		memcpy(o, fmt, (size_t)(pc - fmt));
		o += pc - fmt;
		memcpy(o, arg[i], len[i]);
		o += len[i];
	}
	strcpy(o, fmt);
	return p;
}

char *
xvasprintf(const char *fmt, va_list ap)
{
	char buf[1024];
	va_list ap2;
	int n;
	char *p;

	/* one formatting pass for the common cases (a bounce's texts are built from a few
	 * hundred of these a message); a second only when the text is long */
	if ((n = only_strings(fmt)) >= 0)
		return join_strings(fmt, n, ap);
	va_copy(ap2, ap);
	n = vsnprintf(buf, sizeof(buf), fmt, ap2);
	va_end(ap2);
	if (n < 0)
		die_nomem();
	p = xmalloc((size_t)n + 1);
	if ((size_t)n < sizeof(buf))
		memcpy(p, buf, (size_t)n + 1);
	else
		vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

#define HUGE_PAGE ((size_t)2 << 20)

void *
xmap_zeroed(size_t len, size_t *mapped)
{
	size_t size = (len + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1), lead;
	char *p;

	if (size == 0)
		size = HUGE_PAGE;
	p = mmap(NULL, size + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0);
	if (p == MAP_FAILED)
		die_nomem();
	/* aligned to a huge page: the slack before and after goes back */
	lead = (HUGE_PAGE - ((uintptr_t)p & (HUGE_PAGE - 1))) & (HUGE_PAGE - 1);
	if (lead > 0)
		munmap(p, lead);
	munmap(p + lead + size, HUGE_PAGE - lead);
#ifdef MADV_HUGEPAGE
	madvise(p + lead, size, MADV_HUGEPAGE);	/* a hint: 4 KB pages work too */
#endif
	*mapped = size;
	return p + lead;
}

void
xunmap(void *p, size_t mapped)
{
	if (p != NULL)
		munmap(p, mapped);
}
