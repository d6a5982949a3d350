#!/bin/bash
# Bulk benchmark in the lab: a generated zone of N mail domains (bench/bulk/gen.py) on its own
# NSD behind a warm unbound; dnsperf asks the questions mxdiag asks (the ceiling), mxdiag
# check --batch checks every domain, mxdiag check runs once per domain on a sample (the peer);
# then peak RSS at --small and --big domains. Prints the three ratios against their targets.
#
# Usage: MXDIAG=/path/to/mxdiag bench/bulk/run.sh [--domains N] [--rounds N] [--sample N]
#            [--concurrency N] [--small N] [--big N] [--seed N]
# (MXDIAG defaults to ./mxdiag, the build tree.) Exit 77 when the lab or dnsperf is missing.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
if [ -z "${LAB_WORK:-}" ]; then
	MXDIAG=${MXDIAG:-$PWD/mxdiag}
	[ -x "$MXDIAG" ] || { echo "bench/bulk: set MXDIAG to the mxdiag binary" >&2; exit 64; }
	MXDIAG=$(cd "$(dirname "$MXDIAG")" && pwd)/$(basename "$MXDIAG")
	export MXDIAG
	exec "$top/tests/lab/lab.sh" run "$here/run.sh" "$@"
fi

gen_args=() bench_args=()
while [ $# -gt 0 ]; do
	case $1 in
	--domains | --seed) gen_args+=("$1" "$2"); shift 2 ;;
	--rounds | --sample | --concurrency | --small | --big) bench_args+=("$1" "$2"); shift 2 ;;
	*) echo "bench/bulk: unknown option $1" >&2; exit 64 ;;
	esac
done
for c in dnsperf nsd unbound dig /usr/bin/time; do
	command -v $c >/dev/null || { echo "bench/bulk: $c missing (skip; scripts/install-deps.sh bench)" >&2; exit 77; }
done

W=$LAB_WORK/bulkbench
mkdir -p "$W"
/usr/bin/python3 "$here/gen.py" --out "$W" "${gen_args[@]}" || exit 1
. "$here/../lib/zone-servers.sh"
bench_serve_zone "$W" bulk.test _spf.prov0.bulk.test TXT || exit $?
echo "mxdiag: $("$MXDIAG" --version 2>/dev/null | head -1); $(dnsperf -h 2>&1 | grep -m1 -i version)"
/usr/bin/python3 "$here/bench.py" --mxdiag "$MXDIAG" --resolver 127.0.0.1 \
	--domains "$W/domains.txt" --work "$W" "${bench_args[@]}"
