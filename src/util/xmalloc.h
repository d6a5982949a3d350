/* Allocation that cannot fail: on exhaustion print one line and exit 3 (UNKNOWN). */
#ifndef MXD_XMALLOC_H
#define MXD_XMALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t len);			/* caller frees */
void *xcalloc(size_t n, size_t len);		/* caller frees */
void *xrealloc(void *p, size_t len);		/* caller frees */
char *xstrdup(const char *s);			/* caller frees; NULL in gives NULL */
char *xstrndup(const char *s, size_t len);	/* caller frees */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));	/* caller frees */
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
/* len zeroed bytes of their own mapping, in 2 MB pages where the kernel gives them (a
 * large table written once and read at random); *mapped is what xunmap() takes. */
void *xmap_zeroed(size_t len, size_t *mapped);
void xunmap(void *p, size_t mapped);

#endif
