/* gettext set-up; glibc provides gettext, the catalogue is installed under LOCALEDIR. */
#include "config.h"

#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "i18n.h"

static bool
is_c_locale(const char *name)
{
	return name == NULL || strcmp(name, "C") == 0 || strcmp(name, "POSIX") == 0;
}

#define MXD_CATALOGUE "/ja/LC_MESSAGES/mxdiag.mo"

/* Where the catalogue is: MXD_LOCALEDIR (tests), the installed one, else the build tree's
 * (so a freshly built mxdiag speaks Japanese before `make install`). NULL: none found. */
static const char *
catalogue_dir(void)
{
	const char *env = getenv("MXD_LOCALEDIR");

	if (env != NULL)
		return env;
	if (access(LOCALEDIR MXD_CATALOGUE, R_OK) == 0)
		return LOCALEDIR;
#ifdef MXD_BUILDDIR
	if (access(MXD_BUILDDIR "/locale" MXD_CATALOGUE, R_OK) == 0)
		return MXD_BUILDDIR "/locale";
#endif
	return NULL;
}

void
i18n_init(const char *lang)
{
	const char *env_lang = getenv("LANG"), *dir;

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
	dir = catalogue_dir();
	if (dir == NULL && i18n_lang()[0] == 'j')
		fprintf(stderr, "mxdiag: the Japanese message catalogue was not found (looked in "
		    "%s and the build tree): messages stay in English\n", LOCALEDIR);
	bindtextdomain("mxdiag", dir != NULL ? dir : LOCALEDIR);
	bind_textdomain_codeset("mxdiag", "UTF-8");
	textdomain("mxdiag");
}

#define I18N_CACHE_SLOTS 2048	/* a few hundred messages in all; a full table just asks glibc */

struct i18n_slot {
	const char *key;	/* the msgid's address */
	char *text;		/* a copy of the msgid (owned, freed by i18n_thread_end) */
	char *translation;	/* gettext's, static in its catalogue */
};

/* per thread: explain writes on several (workers.h keeps its threads for the run) */
static _Thread_local struct i18n_slot slots[I18N_CACHE_SLOTS];

void
i18n_thread_end(void)
{
	size_t i;

	for (i = 0; i < I18N_CACHE_SLOTS; i++) {
		free(slots[i].text);
		slots[i].text = NULL;
		slots[i].key = NULL;
	}
}

char *
i18n_gettext(const char *msgid)
{
	size_t h = (size_t)(((uint64_t)(uintptr_t)msgid * 0x9E3779B97F4A7C15ull) >> 40);
	size_t probe;

	if (msgid == NULL || msgid[0] == '\0')
		return gettext(msgid);	/* "" is the catalogue header, asked for nowhere */
	for (probe = 0; probe < 8; probe++) {
		struct i18n_slot *s = &slots[(h + probe) % I18N_CACHE_SLOTS];

		if (s->key == msgid && strcmp(s->text, msgid) == 0)
			return s->translation;
		if (s->key == NULL || s->key == msgid) {
			free(s->text);
			s->key = msgid;
			s->text = strdup(msgid);
			s->translation = gettext(msgid);
			if (s->text == NULL)
				s->key = NULL;
			return s->translation;
		}
	}
	return gettext(msgid);
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
