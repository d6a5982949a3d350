/* gettext set-up; glibc provides gettext, the catalogue is installed under LOCALEDIR. */
#include "config.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"

static bool
is_c_locale(const char *name)
{
	return name == NULL || strcmp(name, "C") == 0 || strcmp(name, "POSIX") == 0;
}

void
i18n_init(const char *lang)
{
	const char *env_lang = getenv("LANG");

	if (setlocale(LC_ALL, "") == NULL) {
		/* LANG=ja_JP.UTF-8 without that locale installed: still honour its language. */
		setlocale(LC_ALL, "C.UTF-8");
		if (lang == NULL && env_lang != NULL && strncmp(env_lang, "ja", 2) == 0)
			lang = "ja";
	}
	if (lang != NULL) {
		setenv("LANGUAGE", lang, 1);
		/* glibc ignores LANGUAGE under the C locale; C.UTF-8 is always present. */
		if (is_c_locale(setlocale(LC_MESSAGES, NULL)))
			setlocale(LC_MESSAGES, "C.UTF-8");
	}
	/* MXD_LOCALEDIR lets tests use catalogues built in the tree, before `make install`. */
	bindtextdomain("mxdiag", getenv("MXD_LOCALEDIR") != NULL ? getenv("MXD_LOCALEDIR") :
	    LOCALEDIR);
	bind_textdomain_codeset("mxdiag", "UTF-8");
	textdomain("mxdiag");
}

const char *
i18n_lang(void)
{
	const char *l = getenv("LANGUAGE"), *m = setlocale(LC_MESSAGES, NULL);

	if (l != NULL && strncmp(l, "ja", 2) == 0)
		return "ja";
	if (l == NULL && m != NULL && strncmp(m, "ja", 2) == 0)
		return "ja";
	return "en";
}
