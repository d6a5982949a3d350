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

# The bench zone on its own NSD (127.0.0.1:5399), and an unbound on 127.0.0.1:53 that asks it
# for spfbench.test and the lab's resolver for anything else.
cat >"$W/nsd.conf" <<EOC
server:
    ip-address: 127.0.0.1@5399
    server-count: 1
    username: ""
    chroot: ""
    zonesdir: "$W"
    database: ""
    zonelistfile: "$W/nsd.zonelist"
    xfrdfile: "$W/nsd.xfrdstate"
    xfrdir: "$W"
    pidfile: "$W/nsd.pid"
    logfile: "$W/nsd.log"
    verbosity: 1
remote-control:
    control-enable: no
zone:
    name: "spfbench.test"
    zonefile: "$W/spfbench.test.zone"
EOC
cat >"$W/unbound.conf" <<EOC
server:
    interface: 127.0.0.1
    port: 53
    username: ""
    chroot: ""
    directory: "$W"
    pidfile: "$W/unbound.pid"
    use-syslog: no
    logfile: "$W/unbound.log"
    verbosity: 0
    num-threads: 1
    do-daemonize: no
    do-not-query-localhost: no
    module-config: "iterator"
    local-zone: "test." nodefault
    msg-cache-size: 64m
    rrset-cache-size: 128m
    cache-min-ttl: 3600
    access-control: 127.0.0.0/8 allow
stub-zone:
    name: "spfbench.test"
    stub-addr: 127.0.0.1@5399
forward-zone:
    name: "."
    forward-addr: $LAB_RESOLVER
remote-control:
    control-enable: no
EOC
nsd -d -c "$W/nsd.conf" >"$W/nsd.out" 2>&1 &
unbound -d -c "$W/unbound.conf" >"$W/unbound.out" 2>&1 &
ready=0
for _ in $(seq 1 100); do
	if dig +short +time=1 +tries=1 @127.0.0.1 _spf.gm.spfbench.test TXT 2>/dev/null | grep -q spf1
	then
		ready=1
		break
	fi
	sleep 0.05
done
if [ $ready = 0 ]; then
	echo "bench/spf: NSD/unbound for the bench zone did not come up" >&2
	tail -5 "$W"/nsd.log "$W"/nsd.out "$W"/unbound.log "$W"/unbound.out >&2
	exit 125
fi
# every tool reads /etc/resolv.conf (the lab's private copy): point it at the bench unbound
printf 'nameserver 127.0.0.1\noptions timeout:2 attempts:1\n' >/etc/resolv.conf

echo "mxdiag: $("$MXDIAG" --version 2>/dev/null | head -1); pyspf $(/usr/bin/python3 -c \
'import spf; print(spf.__version__)'); $(spfquery.libspf2 -version 2>&1 | head -1); Mail::SPF \
$(perl -MMail::SPF -e 'print $Mail::SPF::VERSION'); $(nproc) CPUs"
/usr/bin/python3 "$here/bench.py" --mxdiag "$MXDIAG" --resolver 127.0.0.1 \
	--pairs "$W/pairs.txt" --rounds "$rounds" --show "$show"
