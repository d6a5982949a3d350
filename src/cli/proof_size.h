/* The size proof of a "message too big" bounce: the size the bounce states against the
 * SIZE limit the recipient's MX announces now (RFC 1870). */
#ifndef MXD_PROOF_SIZE_H
#define MXD_PROOF_SIZE_H

#include <stdbool.h>
#include <stddef.h>

struct ndr_proof;
struct proof_subject;
struct report;
struct verdict;

/*
 * If p is an mx-size proof and s states the message's size, read the findings rep[first..]
 * of its run into v and return true; otherwise return false and leave v alone (the proof
 * then reads as "not the cause itself"). v's basis is borrowed from rep.
 */
bool proof_size_read(const struct report *rep, size_t first, const struct ndr_proof *p,
    const struct proof_subject *s, struct verdict *v);

#endif
