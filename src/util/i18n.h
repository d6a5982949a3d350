/* Message translation: English at the call site inside _(), catalogues in po/. */
#ifndef MXD_I18N_H
#define MXD_I18N_H

#include <libintl.h>
#include <stdbool.h>

/* gettext() through a cache: a batch looks the same messages up for every domain, and a
 * glibc lookup costs some thousand instructions each time. */
#define _(s) i18n_gettext(s)
#define N_(s) (s)

/* Select the message language: "en", "ja", or NULL for the locale's. */
void i18n_init(const char *lang);
/* gettext(msgid), remembered by the msgid's address (checked against a copy of its text, so
 * a reused buffer is looked up again). */
char *i18n_gettext(const char *msgid) __attribute__((format_arg(1)));
/* Free this thread's remembered msgids (a thread that used _() calls it before it ends). */
void i18n_thread_end(void);
/* The language messages are shown in: "ja" or "en". */
const char *i18n_lang(void);

#endif
