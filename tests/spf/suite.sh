#!/bin/sh
# make check: the RFC 7208 test suite (development part), the RFC 4408 one (reference) and
# mxdiag's own RFC-derived cases, all through tests/spf-suite with in-process zone data.
srcdir=${srcdir:-.}
data="$srcdir/tests/spf/data"
exec ./tests/spf-suite "$data/rfc7208-dev.json" "$data/rfc4408-dev.json" \
    "$data/mxdiag-cases.json"
