/* Providers' own documented error codes (kb.json provider_codes): Orange / La Poste's
 * "OFR005_505", Spectrum's "AUP#In-1310". A code names the cause its provider's public
 * table gives, before any phrase is read. */
#include "config.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ndr.h"
#include "ndr_kb.h"
#include "ndr_provider.h"
#include "ndr_search.h"

/* The code in the token after a provider's prefix: its last `digits` digits. */
static bool
provider_number(const char *tok, size_t tl, int digits, long *num)
{
	size_t i;

	if (tl < (size_t)digits || (tl > (size_t)digits && isdigit((unsigned char)tok[tl -
	    (size_t)digits - 1])))
		return false;
	for (i = tl - (size_t)digits; i < tl; i++)
		if (!isdigit((unsigned char)tok[i]))
			return false;
	*num = strtol(tok + tl - (size_t)digits, NULL, 10);
	return true;
}

/* The cause a provider's table names for num: "505" or a range "1300-1340". */
static const struct ndr_cause *
provider_lookup(const struct ndr_kb *kb, json_t *codes, long num)
{
	const char *key;
	json_t *v;

	json_object_foreach(codes, key, v) {
		char *end;
		long lo = strtol(key, &end, 10), hi = lo;

		if (*end == '-')
			hi = strtol(end + 1, NULL, 10);
		if (num >= lo && num <= hi)
			return ndr_kb_find(kb, json_string_value(v));
	}
	return NULL;
}

const struct ndr_cause *
ndr_kb_provider_code(const struct ndr_kb *kb, const char *text, size_t len, char *code,
    size_t code_len)
{
	json_t *tables = json_object_get(ndr_kb_root(kb), "provider_codes"), *t;
	size_t ti;

	if (text == NULL || len == 0)
		return NULL;
	json_array_foreach(tables, ti, t) {
		json_t *prefixes = json_object_get(t, "prefixes"), *p;
		int digits = (int)json_integer_value(json_object_get(t, "digits"));
		size_t pi;

		json_array_foreach(prefixes, pi, p) {
			const char *pre = json_string_value(p), *h = text;
			size_t pl = pre != NULL ? strlen(pre) : 0;

			while (pl > 0 && (h = ndr_ci_find(h, len - (size_t)(h - text), pre)) != NULL) {
				const char *tok = h + pl;
				size_t tl = 0;
				long num;

				/* a prefix starts a word: "OFR" in "MFR" or "xOFR" is not Orange's */
				if (h > text && isalnum((unsigned char)h[-1])) {
					h += pl;
					continue;
				}
				while (tok + tl < text + len && (isalnum((unsigned char)tok[tl]) ||
				    tok[tl] == '_' || tok[tl] == '-') && tl < 16)
					tl++;
				if (digits > 0 && provider_number(tok, tl, digits, &num)) {
					const struct ndr_cause *k = provider_lookup(kb,
					    json_object_get(t, "codes"), num);

					if (k != NULL) {
						snprintf(code, code_len, "%.*s", (int)(pl + tl), h);
						return k;
					}
				}
				h += pl;
			}
		}
	}
	return NULL;
}
