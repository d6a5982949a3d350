#!/bin/sh
# bench/bulk runs (issue 19): on a tiny world (20 domains, one round) it prints its three
# figures, each against its target. A smoke test of the script, never a timing: the
# figures themselves are not judged. make check entry; skip (77) without the lab or
# dnsperf (scripts/install-deps.sh bench).
set -u
top=${srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
MXDIAG=${MXDIAG:-$PWD/mxdiag}
export MXDIAG
command -v dnsperf >/dev/null 2>&1 || { echo "skip - dnsperf is not installed"; exit 77; }
rc=0
out=$("$top/bench/bulk/run.sh" --domains 20 --sample 3 --small 20 --big 40 --rounds 1 2>&1) || rc=$?
[ $rc -eq 77 ] && { echo "skip - $(tail -n 1 <<EOF2
$out
EOF2
)"; exit 77; }
fail=0
for want in "batch vs dnsperf, queries/s: .*%" "batch vs per-domain loop, domains/s: .*x" \
    "peak RSS: 20 domains .* MiB .*, 40 domains .* MiB .*x"; do
	if printf '%s\n' "$out" | grep -Eq -- "$want"; then
		echo "ok - bench/bulk prints /$want/"
	else
		echo "not ok - bench/bulk prints /$want/ (exit $rc)"
		fail=$((fail + 1))
	fi
done
[ $fail -eq 0 ] || printf '%s\n' "$out" | tail -n 20
echo "$((3 - fail)) passed, $fail failed, 0 skipped"
[ $fail -eq 0 ]
