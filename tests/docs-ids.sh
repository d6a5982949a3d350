#!/bin/sh
# The findings table (checks/findings.c, printed by the hidden `mxdiag --list-findings`) is
# the list of ids: each has its entry ("### id") on the page its row names and is named in
# docs/checks.md, and its section is a preflight section. Every id literal in the sources
# is in the table (so an emitted id without an entry still fails), and every documented id
# is in the table or is a bounce cause of the knowledge base (data/kb.json: data, checked
# through the kb rather than the table).
set -u
M=${MXDIAG:-./mxdiag}
top=${srcdir:-.}
areas='dns|dnssec|dane|domain|mx|mta-sts|tls-rpt|ptr|helo|spf|dmarc|dkim|dnsbl|port25|smarthost|inbound|relay|ndr|tls|smtp|preflight|report'
pass=0 fail=0
bad() { echo "$1"; fail=$((fail + 1)); }
table=$("$M" --list-findings) || { echo "mxdiag --list-findings failed"; exit 1; }
ids=$(echo "$table" | cut -f1)
[ "$(echo "$ids" | LC_ALL=C sort -u)" = "$ids" ] || bad "the findings table is not sorted and unique"
kb=$(grep -hoE "\"id\": *\"($areas)\.[a-z0-9-]+\"" "$top/data/kb.json" | sed 's/.*: *//' |
	tr -d '"' | sort -u)
docs=$(sed -n 's/^### \([a-z0-9]*\.[a-z0-9-]*\)$/\1/p' "$top"/docs/*.md | sort -u)
echo "$table" | while IFS='	' read -r id section doc; do
	page=${doc%%#*} anchor=${doc#*#}
	want=$(echo "$id" | tr -d '.')
	case $section in dns|outbound|relay-choice|inbound|safety|receivers|none) ;;
	*) echo "FAIL $id: section '$section' is not a preflight section" ;; esac
	[ "$anchor" = "$want" ] || echo "FAIL $id: anchor #$anchor, want #$want"
	if ! grep -qx "### $id" "$top/$page" 2>/dev/null; then echo "FAIL not documented in $page: $id"
	elif ! grep -qF "$id" "$top/docs/checks.md"; then echo "FAIL not named in docs/checks.md: $id"
	else echo "ok"; fi
done >"${TMPDIR:-/tmp}/docs-ids.$$"
pass=$((pass + $(grep -c '^ok$' "${TMPDIR:-/tmp}/docs-ids.$$")))
while read -r line; do [ -z "$line" ] || bad "${line#FAIL }"; done <<E
$(grep '^FAIL' "${TMPDIR:-/tmp}/docs-ids.$$")
E
rm -f "${TMPDIR:-/tmp}/docs-ids.$$"
# Id literals in the sources (not the table itself, nor file names: "dnsbl.json") must be
# table rows; a literal ending in "-" is a prefix that names a family of ids
# ("spf.result-"), not an id.
code=$(grep -rhoE "\"($areas)\.[a-z0-9-]+\"" "$top/src" "$top/checks" --include='*.c' |
	grep -v '^$' | tr -d '"' | grep -vE '\.(c|h|json)$|-$' | sort -u)
for id in $code; do
	echo "$ids" | grep -qx "$id" && continue
	echo "$kb" | grep -qx "$id" && continue
	bad "emitted but not in checks/findings.c: $id"
done
for id in $kb; do
	if ! echo "$docs" | grep -qx "$id"; then bad "kb cause not documented in docs/*.md: $id"
	elif ! grep -qF "$id" "$top/docs/checks.md"; then bad "kb cause not named in docs/checks.md: $id"
	else pass=$((pass + 1)); fi
done
for id in $docs; do
	echo "$ids" | grep -qx "$id" || echo "$kb" | grep -qx "$id" ||
		bad "documented but in neither the findings table nor the kb: $id"
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
