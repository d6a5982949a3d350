/* The message's size and the size limit a "message too big" bounce states in its words
 * ("message size 15728640 exceeds size limit 10240000", "The limit is 10 MB. This message
 * is 15 MB.", "サイズ 15 MB が上限 10 MB を超えています"), read from the numbers next to
 * size and limit words. */
#ifndef MXD_NDR_SIZE_H
#define MXD_NDR_SIZE_H

#include <stdbool.h>
#include <stddef.h>

#define NDR_SIZE_SCAN_MAX (64u * 1024)	/* bytes of one text read for sizes */

/*
 * Read the first message size and the first limit stated in text (len bytes, UTF-8, not
 * NUL-terminated), in bytes (K, M, G units as powers of 1024). A number is a size when a
 * size word ("size", "message", "read=", サイズ, メッセージ) precedes it in its clause, a
 * limit when a limit word does ("limit", "max", "maximum", 上限, 制限, 最大) or follows it
 * ("10 MB limit"); status codes, addresses and numbers with no such word are skipped.
 * *size and *limit are left alone when none is found. Returns whether either was found.
 */
bool ndr_size_read(const char *text, size_t len, unsigned long long *size,
    unsigned long long *limit);

#endif
