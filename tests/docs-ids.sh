#!/bin/sh
# Every finding id the code can emit has an entry ("### id") in docs/checks.md or in the
# command pages it links (docs/*.md), and every documented id exists in the code.
set -u
top=${srcdir:-.}
# An id is any string literal "area.what" whose area is one of the finding areas.
areas='dns|domain|mx|ptr|helo|spf|dmarc|port25|smarthost|inbound|relay|ndr|tls|smtp|preflight|report'
# The bounce causes are ids too; they live in the knowledge base (data/kb.json).
code=$( (grep -rhoE "\"($areas)\.[a-z0-9-]+\"" "$top/src" "$top/checks";
	grep -hoE "\"id\": *\"($areas)\.[a-z0-9-]+\"" "$top/data/kb.json" | sed 's/.*: *//') |
	tr -d '"' | grep -vE '\.(c|h)$' | sort -u)
docs=$(sed -n 's/^### \([a-z0-9]*\.[a-z0-9-]*\)$/\1/p' "$top"/docs/*.md | sort -u)
pass=0 fail=0
for id in $code; do
	if ! echo "$docs" | grep -qx "$id"; then
		echo "not documented in docs/*.md: $id"; fail=$((fail + 1))
	elif ! grep -qF "$id" "$top/docs/checks.md"; then
		echo "not named in docs/checks.md (entry or index): $id"; fail=$((fail + 1))
	else
		pass=$((pass + 1))
	fi
done
for id in $docs; do
	echo "$code" | grep -qx "$id" || { echo "documented but never emitted: $id"; fail=$((fail + 1)); }
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
