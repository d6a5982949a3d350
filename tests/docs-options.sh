#!/bin/sh
# Every option that `mxdiag --help` and `mxdiag COMMAND --help` print is in the man page,
# and every command is: the documentation describes exactly what the code offers.
set -u
M=${MXDIAG:-./mxdiag}
man=${srcdir:-.}/docs/mxdiag.1
pass=0 fail=0
check() {	# check WHAT PATTERN
	if grep -qF -- "$2" "$man"; then pass=$((pass + 1)); else
		echo "not in docs/mxdiag.1: $1"; fail=$((fail + 1)); fi
}
cmds=$("$M" --help | sed -n 's/^  \([a-z0-9]*\)  .*/\1/p')
for c in $cmds; do
	check "command $c" "\\fB$c\\fR"
	for o in $("$M" "$c" --help | grep -oE -- '--[a-z0-9-]+' | sort -u); do
		check "$c $o" "$(echo "$o" | sed 's/-/\\-/g')"
	done
done
for o in $("$M" --help | grep -oE -- '--[a-z0-9-]+' | sort -u); do
	check "global $o" "$(echo "$o" | sed 's/-/\\-/g')"
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
