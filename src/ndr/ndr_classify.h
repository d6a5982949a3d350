/* Naming the cause of each failure in a parsed bounce from the knowledge base. */
#ifndef MXD_NDR_CLASSIFY_H
#define MXD_NDR_CLASSIFY_H

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

#endif
