/* Providers' own documented error codes (kb.json provider_codes). */
#ifndef MXD_NDR_PROVIDER_H
#define MXD_NDR_PROVIDER_H

#include <stddef.h>

struct ndr_cause;
struct ndr_kb;

/*
 * A provider's own documented error code in text/len (kb.json provider_codes: Orange's
 * "OFR005_505", Spectrum's "AUP#In-1310"): the cause its table names, or NULL; the code
 * as written is copied into code (code_len bytes).
 */
const struct ndr_cause *ndr_kb_provider_code(const struct ndr_kb *kb, const char *text,
    size_t len, char *code, size_t code_len);

#endif
