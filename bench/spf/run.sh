#!/bin/bash
# SPF benchmark in the lab: a generated world of sending domains (bench/spf/gen.py) on its own
# NSD behind a warm unbound, evaluated by mxdiag's batch mode, pyspf, libspf2's spfquery and
# Mail::SPF; prints agreement, evaluations per second and mxdiag's ratio to each.
#
# Usage: MXDIAG=/path/to/mxdiag bench/spf/run.sh [--rounds N] [--show N] [--domains N]
#            [--pairs-per-domain N] [--seed N]
# (--show: disagreements printed one by one; all are counted by pattern)
# (MXDIAG defaults to ./mxdiag, the build tree.) Exit 77 when the lab cannot start here.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
if [ -z "${LAB_WORK:-}" ]; then
	MXDIAG=${MXDIAG:-$PWD/mxdiag}
	[ -x "$MXDIAG" ] || { echo "bench/spf: set MXDIAG to the mxdiag binary" >&2; exit 64; }
	MXDIAG=$(cd "$(dirname "$MXDIAG")" && pwd)/$(basename "$MXDIAG")
	export MXDIAG
	exec "$top/tests/lab/lab.sh" run "$here/run.sh" "$@"
fi

rounds=3 show=40 gen_args=()
while [ $# -gt 0 ]; do
	case $1 in
	--rounds) rounds=$2; shift 2 ;;
	--show) show=$2; shift 2 ;;
	--domains | --pairs-per-domain | --seed) gen_args+=("$1" "$2"); shift 2 ;;
	*) echo "bench/spf: unknown option $1" >&2; exit 64 ;;
	esac
done
for c in spfquery.libspf2 perl nsd unbound dig; do
	command -v $c >/dev/null || { echo "bench/spf: $c missing (skip)" >&2; exit 77; }
done
/usr/bin/python3 -c 'import spf' 2>/dev/null || { echo "bench/spf: python3-spf missing (skip)" >&2; exit 77; }
perl -MMail::SPF -e 1 2>/dev/null || { echo "bench/spf: libmail-spf-perl missing (skip)" >&2; exit 77; }

W=$LAB_WORK/spfbench
mkdir -p "$W"
/usr/bin/python3 "$here/gen.py" --out "$W" "${gen_args[@]}" || exit 1

# The bench zone on its own NSD behind an unbound on 127.0.0.1:53 (bench/lib/zone-servers.sh)
. "$here/../lib/zone-servers.sh"
bench_serve_zone "$W" spfbench.test _spf.gm.spfbench.test TXT || exit $?

echo "mxdiag: $("$MXDIAG" --version 2>/dev/null | head -1); pyspf $(/usr/bin/python3 -c \
'import spf; print(spf.__version__)'); $(spfquery.libspf2 -version 2>&1 | head -1); Mail::SPF \
$(perl -MMail::SPF -e 'print $Mail::SPF::VERSION'); $(nproc) CPUs"
/usr/bin/python3 "$here/bench.py" --mxdiag "$MXDIAG" --resolver 127.0.0.1 \
	--pairs "$W/pairs.txt" --rounds "$rounds" --show "$show"
