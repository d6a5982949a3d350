#!/bin/sh
# Every id of the findings table is produced by at least one test: its string appears in a
# test under tests/ (integration cases assert "id:STATUS"), or it is on the commented
# allow-list tests/findings-untested.txt, which must hold only ids no test produces.
set -u
M=${MXDIAG:-./mxdiag}
top=${srcdir:-.}
allow="$top/tests/findings-untested.txt"
pass=0 fail=0 gap=0
listed=$(grep -v '^#' "$allow" | grep -v '^$')
for id in $("$M" --list-findings | cut -f1); do
	re="(^|[^a-z0-9.-])$(echo "$id" | sed 's/\./\\./g')([^a-z0-9-]|\$)"
	# "--not ID" asserts an absence: it is no proof that a test produces ID.
	if grep -rhoE --exclude=findings-untested.txt --exclude=findings-tested.sh \
	    --exclude=docs-ids.sh -- "(--not)?$re" "$top/tests" | grep -qv -- '^--not'; then
		if echo "$listed" | grep -qx "$id"; then
			echo "tested, so remove it from tests/findings-untested.txt: $id"
			fail=$((fail + 1))
		else
			pass=$((pass + 1))
		fi
	elif echo "$listed" | grep -qx "$id"; then
		gap=$((gap + 1))
	else
		echo "no test produces $id (add a case, or list it in tests/findings-untested.txt)"
		fail=$((fail + 1))
	fi
done
for id in $listed; do
	"$M" --list-findings | cut -f1 | grep -qx "$id" ||
		{ echo "not in the findings table: $id (tests/findings-untested.txt)"; fail=$((fail + 1)); }
done
echo "# $gap ids no test produces yet (tests/findings-untested.txt)"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
