/* The one set of SPF limits: the evaluator (`spf`) and the record analysis (`check`)
 * enforce the same numbers, each from RFC 7208 (the section is beside it) but the last. */
#ifndef MXD_SPF_LIMITS_H
#define MXD_SPF_LIMITS_H

/*
 * Length of a record (its TXT strings joined). RFC 7208 3.4 sets no syntax limit: a record
 * SHOULD fit a 512-octet UDP answer, and larger ones come over TCP. What bounds it is DNS:
 * one message carries at most 65535 octets (RFC 1035 4.2.2), so no record is longer. A
 * longer text (only from a caller, never from DNS) is a permerror. Terms need no limit of
 * their own: a record this long has at most 32764.
 */
#define SPF_RECORD_MAX 65535

/* RFC 7208 4.6.4: include, a, mx, ptr, exists and redirect count toward ten per check. */
#define SPF_LOOKUP_LIMIT 10
/* RFC 7208 4.6.4: more than two void look-ups (the RECOMMENDED default) is a permerror. */
#define SPF_VOID_LIMIT 2
/* RFC 7208 4.6.4: address look-ups under one mx, ptr or %{p}. */
#define SPF_NAMES_LIMIT 10

/*
 * Records in one chain of include (and, for the analysis, redirect). Each of them counts
 * toward SPF_LOOKUP_LIMIT (4.6.4), so the root and ten more is the deepest chain that is
 * not already a permerror; deeper is never fetched.
 */
#define SPF_DEPTH_MAX (SPF_LOOKUP_LIMIT + 1)

/*
 * Records of one answer that are read (TXT records at a name, addresses, MX and PTR names).
 * Not an RFC 7208 limit: a bound against hostile zones, the same for the evaluator
 * (spf_dns.c) and the analysis (spf_record.c) so that both find the same v=spf1 record.
 */
#define SPF_RRS_MAX 256

#endif
