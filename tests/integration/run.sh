#!/bin/bash
# Integration suite: runs every tests/integration/t_*.sh inside one lab, or the ones named.
# Usage (from make check): tests/integration/run.sh  (needs MXDIAG=/path/to/mxdiag)
# It starts the lab itself; inside the lab it is re-entered with LAB_WORK set.
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${MXDIAG:?set MXDIAG to the mxdiag binary}"
MXDIAG=$(cd "$(dirname "$MXDIAG")" && pwd)/$(basename "$MXDIAG")
export MXDIAG
if [ -z "${LAB_WORK:-}" ]; then
	exec "$here/../lab/lab.sh" run "$here/run.sh" "$@"
fi
. "$here/lib.sh"
files=("$@")
[ ${#files[@]} -gt 0 ] || files=("$here"/t_*.sh)
for t in "${files[@]}"; do
	echo "# $(basename "$t")"
	. "$t"
done
summary
