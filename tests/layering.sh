#!/bin/sh
# Layering: the engines (util, loop, dns, smtp, spf, ndr) never include the report model;
# checks/ and src/report, src/cli sit above them and may. Also: dns and report do not
# include each other (report reads dns's struct dns_stats, dns knows nothing of report).
# make check entry; run by hand as: srcdir=. tests/layering.sh
set -u
top=${srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top" || exit 99
pass=0 fail=0

ok() { pass=$((pass + 1)); echo "ok - $1"; }
not_ok() {
	fail=$((fail + 1)); echo "not ok - $1"; shift
	for l in "$@"; do printf '%s\n' "$l" | sed 's/^/    /'; done
}

for dir in src/util src/loop src/dns src/smtp src/http src/spf src/ndr; do
	[ -d "$dir" ] || { not_ok "$dir exists" "engine folder missing"; continue; }
	hits=$(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"](.*/)?(report|render_text|render_json)\.h[>"]' \
	    "$dir" --include='*.c' --include='*.h' 2>/dev/null)
	if [ -z "$hits" ]; then
		ok "$dir does not include the report model"
	else
		not_ok "$dir does not include the report model" "$hits"
	fi
done

n=$(ls src/dns/*.c src/dns/*.h 2>/dev/null | wc -l)
if [ "$n" -gt 0 ]; then
	ok "src/dns has sources to check ($n files)"
else
	not_ok "src/dns has sources to check" "no files found under $top/src/dns"
fi

echo "# layering: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
