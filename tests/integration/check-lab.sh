#!/bin/sh
# make check entry: the lab integration suite against the freshly built ./mxdiag.
# Exit 77 (skip) comes from lab.sh when a lab package or user namespaces are missing.
MXDIAG=${MXDIAG:-$PWD/mxdiag}
export MXDIAG
exec "${srcdir:-.}/tests/integration/run.sh" "$@"
