#!/bin/sh
# Sum the results of `make check` over every test log: each program's own
# "N passed, N failed[, N skipped]" line, cmocka's PASSED/FAILED counts, else the
# program's automake result as one. Prints the plain totals line last.
# Usage: scripts/test-summary.sh BUILD_DIR
set -u
dir=${1:-.}
pass=0 fail=0 skip=0
for trs in $(find "$dir" -name '*.trs' -not -path '*/_build/*' | sort); do
	log=${trs%.trs}.log
	res=$(sed -n 's/^:test-result: //p' "$trs" | head -n 1)
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" 2>/dev/null | tail -n 1)
	cm_pass=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" 2>/dev/null | tail -n 1)
	cm_fail=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" 2>/dev/null | tail -n 1)
	if [ -n "$line" ]; then
		p=$(echo "$line" | sed 's/^\([0-9]*\) passed.*/\1/')
		f=$(echo "$line" | sed 's/^[0-9]* passed, \([0-9]*\) failed.*/\1/')
		s=$(echo "$line" | sed -n 's/.*, \([0-9]*\) skipped.*/\1/p')
		pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + ${s:-0}))
		# A program that crashed after its summary line still counts as a failure.
		case "$res" in FAIL|ERROR|XPASS) [ "$f" -eq 0 ] && fail=$((fail + 1)) ;; esac
	elif [ -n "$cm_pass$cm_fail" ]; then
		pass=$((pass + ${cm_pass:-0})); fail=$((fail + ${cm_fail:-0}))
	else
		case "$res" in
		PASS|XFAIL) pass=$((pass + 1)) ;;
		SKIP) skip=$((skip + 1)); echo "skipped: ${trs%.trs}: $(tail -n 1 "$log")" ;;
		*) fail=$((fail + 1)) ;;
		esac
	fi
done
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
