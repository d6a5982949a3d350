#!/bin/sh
# make check entry: the SPF integration cases (tests/integration/spf_lab.sh) in the lab,
# against the freshly built ./mxdiag. Exit 77 (skip) when the lab cannot start here.
MXDIAG=${MXDIAG:-$PWD/mxdiag}
export MXDIAG
top=$(cd "${srcdir:-.}" && pwd)
exec "$top/tests/integration/run.sh" "$top/tests/integration/spf_lab.sh"
