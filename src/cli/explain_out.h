/* explain's words for a helpdesk: one recipient's finding with the server's own words, the
 * codes, the remote host, who must act, the fix and the next command to run. */
#ifndef MXD_EXPLAIN_OUT_H
#define MXD_EXPLAIN_OUT_H

#include "ndr.h"
#include "ndr_kb.h"

struct finding;

/* Each token of tmpl found in keys ({token, value} pairs) replaced by its value, into out;
 * a token without a value becomes a word to type in: {sender_domain} -> SENDER_DOMAIN. */
void explain_fill_tokens(const char *tmpl, const char *const keys[][2], size_t n_keys,
    char *out, size_t out_len);

/* Who must act ("sender-admin"), in words of the current language. */
const char *explain_act_text(const char *act);

/*
 * Message, fix, references and the helpdesk data (act, next_command) of the finding for
 * recipient r of bounce n; sender and ip are --sender and --ip, or NULL. Text without -v
 * shows them all.
 */
void explain_rcpt_text(struct finding *f, const struct ndr *n, const struct ndr_rcpt *r,
    enum ndr_lang lang, const char *sender, const char *ip);

#endif
