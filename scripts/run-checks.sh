#!/bin/sh
# Run `make check` in the current build directory, show the logs of what failed, and end
# with the totals line "N passed, N failed, N skipped". Exit 0 only when nothing failed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
rc=0
make -s -j"$(nproc)" check >/dev/null 2>&1 || rc=$?
for trs in $(grep -l -E '^:test-result: (FAIL|ERROR)' $(find . -name '*.trs') 2>/dev/null); do
	echo "=== ${trs%.trs}.log"
	grep -vE '^(ok|skip) ' "${trs%.trs}.log" | tail -n 60
done
"$here/test-summary.sh" . || rc=1
exit $rc
