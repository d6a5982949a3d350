/* Naming the cause of each failure in a parsed bounce from the knowledge base. */
#ifndef MXD_NDR_CLASSIFY_H
#define MXD_NDR_CLASSIFY_H

#include <stdbool.h>

struct ndr;
struct ndr_kb;

/*
 * Set cause, rule, reason, status_out and is_permanent of every recipient of n. Order:
 * not-a-bounce reports (ARF, auto-replies, success DSNs); phrases in the recipient's own
 * diagnostic; its status code; phrases in the text about it, then in the whole report;
 * its reply code; the RFC 3463 class of its status; delays; "onhold"/"undefined".
 * Returns 0 (always succeeds).
 */
int ndr_classify(struct ndr *n, const struct ndr_kb *kb);

/*
 * After ndr_classify(): does n look like a bounce at all? False for text without a
 * delivery-status part, a bounce's From or Subject, any SMTP reply or status code, or words
 * the knowledge base knows ("hello world", the original message forwarded by mistake).
 */
bool ndr_looks_like_bounce(const struct ndr *n);

#endif
