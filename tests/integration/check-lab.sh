#!/bin/sh
# make check entry: the lab integration suite against the freshly built ./mxdiag.
# Exit 77 (skip) comes from lab.sh when a lab package or user namespaces are missing.
# MXDIAG_SKIP_LAB=1 skips it too: the Debian package build, where the suite already ran.
[ -z "${MXDIAG_SKIP_LAB:-}" ] || { echo "lab skipped (MXDIAG_SKIP_LAB)"; exit 77; }
MXDIAG=${MXDIAG:-$PWD/mxdiag}
export MXDIAG
exec "${srcdir:-.}/tests/integration/run.sh" "$@"
