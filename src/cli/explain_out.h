/* explain's words for a helpdesk: one recipient's finding with the server's own words, the
 * codes, the remote host, who must act, the fix and the next command to run. */
#ifndef MXD_EXPLAIN_OUT_H
#define MXD_EXPLAIN_OUT_H

#include "ndr.h"
#include "ndr_kb.h"

struct finding;

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
