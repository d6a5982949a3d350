/* Message translation: English at the call site inside _(), catalogues in po/. */
#ifndef MXD_I18N_H
#define MXD_I18N_H

#include <libintl.h>
#include <stdbool.h>

#define _(s) gettext(s)
#define N_(s) (s)

/* Select the message language: "en", "ja", or NULL for the locale's. */
void i18n_init(const char *lang);
/* The language messages are shown in: "ja" or "en". */
const char *i18n_lang(void);

#endif
