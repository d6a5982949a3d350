/* gettext set-up; glibc provides gettext, the catalogue is installed under LOCALEDIR. */
#include "config.h"

#include <locale.h>
#include <stdlib.h>

#include "i18n.h"

void
i18n_init(const char *lang)
{
	setlocale(LC_ALL, "");
	if (lang != NULL)
		setenv("LANGUAGE", lang, 1);
	bindtextdomain("mxdiag", LOCALEDIR);
	bind_textdomain_codeset("mxdiag", "UTF-8");
	textdomain("mxdiag");
}
