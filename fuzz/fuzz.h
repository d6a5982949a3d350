/* One fuzz target per parser that reads what strangers send. Built two ways: as a libFuzzer
 * binary (make fuzz, clang) and, with FUZZ_REPLAY, into fuzz/replay, which replays the seed
 * corpora and fuzz/regressions/ under the normal compiler in make check. */
#ifndef MXD_FUZZ_H
#define MXD_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#ifdef FUZZ_REPLAY
#define FUZZ_TARGET(name) int fuzz_##name(const uint8_t *data, size_t size)
#else
#define FUZZ_TARGET(name) \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size); \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
#endif

/* The targets, for fuzz/replay.c; each returns 0 (libFuzzer's convention). */
int fuzz_dns(const uint8_t *data, size_t size);
int fuzz_kb(const uint8_t *data, size_t size);
int fuzz_ndr(const uint8_t *data, size_t size);
int fuzz_smtp_reply(const uint8_t *data, size_t size);
int fuzz_spf(const uint8_t *data, size_t size);
int fuzz_validate(const uint8_t *data, size_t size);

/* A broken promise of the code under test (a crash for the fuzzer and for replay). */
#define FUZZ_ASSERT(cond) do { if (!(cond)) fuzz_fail(#cond, __FILE__, __LINE__); } while (0)
void fuzz_fail(const char *what, const char *file, int line) __attribute__((noreturn));
/* data/size as a NUL-terminated string (NULs inside stay); caller frees. */
char *fuzz_str(const uint8_t *data, size_t size);
/* Whether s[0..len) is well-formed UTF-8 (what JSON output needs). */
int fuzz_is_utf8(const char *s, size_t len);

#endif
