# --format nagios: the monitoring-plugin status line (state word, counts, perfdata), the
# long output of problems, exit 0-3 as the Monitoring Plugins guidelines map them; every
# figure is checked against --json of the same command, never hard-coded.
NG_DIR="$OUT"
NG_PERF='\| ok=[0-9]+ info=[0-9]+ warn=[0-9]+ fail=[0-9]+ unknown=[0-9]+ time=[0-9]+ms dns_queries=[0-9]+ smtp_sessions=[0-9]+$'

# nagios_case NAME STATE EXIT RESOLVER ARGS...: run ARGS with --json and with
# --format nagios; the state word and exit status are the ones given, and the counts and
# problem lines are those of the JSON document.
nagios_case() {
	local name=$1 state=$2 want=$3 resolver=$4; shift 4
	local f="$NG_DIR/nagios_$(printf '%s' "$name" | tr -c 'A-Za-z0-9' _)"
	local rc=0 jrc=0 msgs=()
	"$MXDIAG" --json --resolver "$resolver" "$@" >"$f.json" 2>/dev/null || jrc=$?
	"$MXDIAG" --format nagios --resolver "$resolver" "$@" >"$f.out" 2>"$f.err" || rc=$?
	[ "$rc" = "$want" ] || msgs+=("exit $rc, want $want")
	[ "$rc" = "$jrc" ] || msgs+=("exit $rc, but --json exits $jrc")
	local first
	first=$(head -n 1 "$f.out")
	grep -Eq "^MXDIAG $state - " <<<"$first" || msgs+=("not MXDIAG $state: $first")
	grep -Eq -- "$NG_PERF" <<<"$first" || msgs+=("perfdata: $first")
	# one '|' on the first line, none in the long output
	[ "$(tr -cd '|' <"$f.out" | wc -c)" = 1 ] || msgs+=("'|' other than the perfdata's")
	local jc
	jc=$(/usr/bin/python3 - "$f.json" "$f.out" <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
lines = open(sys.argv[2], encoding="utf-8").read().splitlines()
bad = []
n = {s: sum(1 for f in d["findings"] if f["status"] == s)
     for s in ("OK", "INFO", "WARN", "FAIL", "UNKNOWN")}
perf = dict(kv.split("=") for kv in lines[0].split(" | ")[1].split())
for s, label in (("OK", "ok"), ("INFO", "info"), ("WARN", "warn"), ("FAIL", "fail"),
                 ("UNKNOWN", "unknown")):
    if int(perf[label]) != n[s]:
        bad.append(f"perfdata {label}={perf[label]}, the JSON has {n[s]}")
if int(perf["dns_queries"]) != d["stats"]["dns"]["queries"]:
    bad.append(f"dns_queries={perf['dns_queries']}, the JSON has {d['stats']['dns']['queries']}")
want = f": {n['FAIL']} fail, {n['WARN']} warn, {n['UNKNOWN']} unknown |"
if want not in lines[0]:
    bad.append(f"counts: want '{want}' in {lines[0]}")
# the long output: each problem once, worst first (FAIL, UNKNOWN, WARN)
rank = {"FAIL": 0, "UNKNOWN": 1, "WARN": 2}
probs = sorted(((rank[f["status"]], f["status"], f["id"]) for f in d["findings"]
                if f["status"] in rank), key=lambda p: p[0])
got = [tuple(l.split(" ")[:2]) for l in lines[1:]]
if got != [(s, i) for _, s, i in probs]:
    bad.append(f"problem lines {got}, want {[(s, i) for _, s, i in probs]}")
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
) || while IFS= read -r l; do msgs+=("$l"); done <<<"$jc"
	if [ ${#msgs[@]} -eq 0 ]; then ok "nagios: $name"; else not_ok "nagios: $name" "${msgs[@]}"; fi
}

nagios_case "healthy domain is OK" OK 0 "$LAB_RESOLVER" check example.test
nagios_case "generic PTR is WARNING" WARNING 1 "$LAB_RESOLVER" check example.test --ip 198.51.100.7
nagios_case "missing PTR is CRITICAL" CRITICAL 2 "$LAB_RESOLVER" check example.test --ip 192.0.2.29
nagios_case "dead resolver is UNKNOWN" UNKNOWN 3 "$LAB_DEAD_NS" --timeout 1 check example.test
case_cmd "nagios: --format=nagios after the command" 1 "^MXDIAG WARNING - check example.test: " -- \
	"$MXDIAG" --resolver "$LAB_RESOLVER" check example.test --ip 198.51.100.7 --format=nagios
case_cmd "nagios: --json after --format nagios wins" 1 '^\{' -- \
	"$MXDIAG" --format nagios --json --resolver "$LAB_RESOLVER" check example.test --ip 198.51.100.7
# Usage errors are UNKNOWN for a plugin (not 64), with a status line on stdout.
case_cmd "nagios: usage error is UNKNOWN" 3 "^MXDIAG UNKNOWN - " -- \
	"$MXDIAG" --format nagios check 'a..b'
case_cmd "nagios: unknown option before --format is UNKNOWN" 3 "^MXDIAG UNKNOWN - " -- \
	"$MXDIAG" --bogus --format nagios check example.test
case_cmd "--format xml is a usage error" 64 "--format must be" -- \
	"$MXDIAG" --format xml check example.test
# --lang ja: the counts in Japanese, the state word and perfdata labels as plugins need them
case_cmd "nagios --lang ja" 1 "^MXDIAG WARNING - check example.test: 失敗 0、警告 [0-9]+、不明 0 \| ok=" -- \
	"$MXDIAG" --lang ja --format nagios --resolver "$LAB_RESOLVER" check example.test --ip 198.51.100.7

# explain of several bounces: one status line for all, its state the exit status's.
ng_emails=$(ls "$(dirname "${BASH_SOURCE[0]}")"/../bounces/data/emails/*.eml | head -n 40)
rc=0
"$MXDIAG" --format nagios explain --no-dns $ng_emails >"$NG_DIR/nagios-many.out" 2>/dev/null || rc=$?
jrc=0
"$MXDIAG" --json explain --no-dns $ng_emails >"$NG_DIR/nagios-many.json" 2>/dev/null || jrc=$?
n_status=$(grep -c '^MXDIAG ' "$NG_DIR/nagios-many.out")
n_fail=$(/usr/bin/python3 -c 'import json,sys; print(sum(1 for l in open(sys.argv[1]) for f in json.loads(l)["findings"] if f["status"] == "FAIL"))' "$NG_DIR/nagios-many.json")
states=(OK WARNING CRITICAL UNKNOWN)
if [ "$n_status" = 1 ] && [ "$rc" = "$jrc" ] &&
    head -n 1 "$NG_DIR/nagios-many.out" | grep -Eq "^MXDIAG ${states[$rc]} - explain .* \(40 bounces\): $n_fail fail"; then
	ok "nagios: explain of 40 bounces is one status line"
else
	not_ok "nagios: explain of 40 bounces is one status line" "exit $rc (json $jrc), $n_status status lines, $n_fail FAIL" "$(head -n 2 "$NG_DIR/nagios-many.out")"
fi
