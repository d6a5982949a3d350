#!/bin/sh
# Every finding id the code can emit has an entry ("### id") in docs/checks.md, and every
# documented id exists in the code. Ids are string literals passed to report_add/check_add.
set -u
top=${srcdir:-.}
# Ids appear as report_add/check_add arguments or as `id = "x.y"` picked before the call.
code=$(grep -rhoE '((report_add|check_add)\([^"]*|[^a-z_]id = )"[a-z0-9]+\.[a-z0-9-]+"' \
	"$top/src" "$top/checks" | grep -oE '"[a-z0-9]+\.[a-z0-9-]+"' | tr -d '"' | sort -u)
docs=$(sed -n 's/^### \([a-z0-9]*\.[a-z0-9-]*\)$/\1/p' "$top"/docs/checks.md | sort -u)
pass=0 fail=0
for id in $code; do
	if echo "$docs" | grep -qx "$id"; then pass=$((pass + 1)); else
		echo "not documented in docs/checks.md: $id"; fail=$((fail + 1)); fi
done
for id in $docs; do
	echo "$code" | grep -qx "$id" || { echo "documented but never emitted: $id"; fail=$((fail + 1)); }
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
