/* Reading a whole input file (or stdin for "-") with a size ceiling. */
#ifndef MXD_FILEIO_H
#define MXD_FILEIO_H

#include <stdbool.h>
#include <stddef.h>

/* Read all of path ("-" = stdin) into a caller-freed buffer (NUL-terminated, *len bytes
 * before the NUL). NULL when it holds more than max bytes (*too_big set) or on a read
 * error (errno set: a directory or an unreadable device is an error, not empty input). */
char *fileio_read_bounded(const char *path, size_t max, size_t *len, bool *too_big);

/* A data file of the package: $env_var when set, else the installed NAME, else the source
 * tree's (tests run before installation), else data/NAME. Returns env or buf. */
const char *fileio_data_path(const char *env_var, const char *name, char *buf, size_t len);

#endif
