#!/bin/sh
# One command from a fresh Debian 12 checkout to a running demo or a full test run.
#   ./quickstart.sh demo   install what is missing, build, run the demo in the lab
#   ./quickstart.sh test   install what is missing, build, run every test
# Uses sudo for apt-get when not root. Builds in ./build (out of tree).
set -eu
cd "$(dirname "$0")"
mode=${1:-demo}
case "$mode" in
demo|test) ;;
*) echo "usage: $0 demo|test" >&2; exit 64 ;;
esac
scripts/install-deps.sh
[ -x configure ] || autoreconf -fi
mkdir -p build
cd build
[ -f Makefile ] || ../configure -q ${MXDIAG_CONFIGURE_FLAGS:-}
make -s -j"$(nproc)"
if [ "$mode" = demo ]; then
	exec ../tests/lab/lab.sh run ../scripts/demo.sh ./mxdiag
fi
exec ../scripts/run-checks.sh
