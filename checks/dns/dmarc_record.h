/*
 * One DMARC record's tags (RFC 9989 4.7), read for judging: the policies, psd=, the
 * report URIs, and what a receiver ignores: tags RFC 9989 removed (pct, rf, ri), tags it
 * does not know, values out of range. Pure: no DNS, no findings.
 */
#ifndef MXD_DMARC_RECORD_H
#define MXD_DMARC_RECORD_H

#include <stdbool.h>
#include <stddef.h>

struct dmarc_rec {
	char p[16], sp[16], np[16];	/* "" when absent */
	char psd;			/* 'y', 'n', 'u' (absent or u) */
	char adkim, aspf;		/* 'r' (relaxed, the default) or 's' (strict) */
	char rua[512], ruf[512];	/* as written */
	char removed[64];		/* "pct, ri": tags RFC 9989 removed */
	char unknown[128];		/* tags no DMARC version defines */
	char bad[160];			/* "sp=block, adkim=x": invalid values */
	bool is_p_valid;		/* p= present and none/quarantine/reject */
};

/* Whether txt is a DMARC record: v=DMARC1 first (RFC 9989 4.7). */
bool dmarc_is_record(const char *txt);

/* Read txt (a DMARC record) into *r. */
void dmarc_rec_parse(const char *txt, struct dmarc_rec *r);

/* The domain of each mailto: URI of list (rua= or ruf=), lower case, into doms (at most
 * max, each 256 bytes). Returns how many. */
size_t dmarc_uri_domains(const char *list, char doms[][256], size_t max);

#endif
