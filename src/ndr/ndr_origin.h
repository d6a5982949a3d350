/* Where the bounced message was sent from: the sending address found in the headers of the
 * returned original message, for the live proofs of SPF and reverse DNS. */
#ifndef MXD_NDR_ORIGIN_H
#define MXD_NDR_ORIGIN_H

#include <stdbool.h>
#include <stddef.h>

struct ndr;
struct ndr_hdrs;

/*
 * From the original message's header block h, set n->sending_ip and n->sending_ip_source
 * unless already set: the first (topmost, so latest) Received field whose "from" part names
 * a globally routable address literal ("[192.0.2.1]"), else X-Originating-IP. Private,
 * loopback and other special addresses are hops inside the sender's network, never the
 * address receivers judged.
 */
void ndr_origin_headers(struct ndr *n, const struct ndr_hdrs *h);

/*
 * The HELO/EHLO name a refusal quotes ("504 5.5.2 <EXCH01.corp.local>: Helo command
 * rejected", Postfix's form) from the server's words diag, into buf. false when diag names
 * none.
 */
bool ndr_origin_helo(const char *diag, char *buf, size_t buf_len);

#endif
