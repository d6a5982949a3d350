/* The RCPT proofs of a recipient cause (an address unknown, a mailbox full): the answer of
 * the MX host that decides delivery, read as a verdict on that cause. */
#ifndef MXD_PROOF_RCPT_H
#define MXD_PROOF_RCPT_H

#include <stdbool.h>
#include <stddef.h>

struct ndr_cause;
struct ndr_proof;
struct report;
struct verdict;

/*
 * If p is an inbound proof of cause k about the address (k's reason userunknown) or its
 * mailbox (mailboxfull), read the findings rep[first..] of its run into v and return true;
 * otherwise return false and leave v alone. v's strings are static or translated; its basis
 * is borrowed from rep.
 */
bool proof_rcpt_read(const struct report *rep, size_t first, const struct ndr_cause *k,
    const struct ndr_proof *p, struct verdict *v);

#endif
