/* Human-readable bounce text: finds the failed recipients, the server's words about each,
 * the status and reply codes, and where the copy of the original message begins. Covers
 * the text/plain bounces of the common MTAs, pasted NDRs, MTA log lines and bare strings. */
#ifndef MXD_NDR_TEXT_H
#define MXD_NDR_TEXT_H

#include <stddef.h>

struct ndr;

/*
 * Scan n->text: cut it where the original message starts (its headers fill n->orig_*),
 * add recipients found in the text when no DSN named them, and fill each recipient's
 * diagnostic text, codes, command, remote host and evidence lines that are still empty.
 * Without any recipient, adds one unnamed recipient for the whole text.
 */
void ndr_text_scan(struct ndr *n);

#endif
