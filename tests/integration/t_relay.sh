# mxdiag relay: the open-relay test and its bypass variants (issue 6). Sourced by run.sh.

RL="--ca-file $LAB_CA --timeout 2 relay"

case_json "relay open relay accepts an outside recipient" 2 \
	--has relay.open:FAIL --data relay.open:domain=openrelay.test -- $RL mail.openrelay.test
case_json "relay by address: domain from the PTR name" 2 \
	--has relay.open:FAIL --data relay.open:domain=openrelay.test -- $RL 192.0.2.27
case_json "relay closed to plain relaying, open to percent/bang/quoted" 2 \
	--has relay.open-bypass:FAIL --not relay.open -- $RL mx.bypass.test
case_json "relay good MX refuses every variant" 0 \
	--has relay.closed:OK --status OK -- $RL mx1.example.test
case_json "relay Exchange 530 to every RCPT: closed" 0 \
	--has relay.closed:OK -- $RL mx.exch.test
case_json "relay backup MX accepting any local part: inconclusive" 1 \
	--has relay.inconclusive:WARN -- $RL mx2.backup.test
case_json "relay greylisting: deferred, undecided" 3 \
	--has relay.deferred:UNKNOWN -- $RL mx.greylist.test
case_json "relay nothing listening" 3 --has relay.untested:UNKNOWN -- $RL 192.0.2.28

# relay alone probes port 25 beside it (the lab's default targets): under every lab-op25b
# mode the server is never judged (open or closed) through a block or an interceptor.
declare -A RL_HOW=([reject]=port25.blocked-reset [drop]=port25.blocked-drop
	[icmp]=port25.blocked-icmp [intercept]=port25.intercepted)
for mode in reject drop icmp intercept; do
	lab-op25b "$mode"
	case_json "relay alone, OP25B $mode: untestable, never open or closed" 3 \
		--has relay.untestable:UNKNOWN --has "${RL_HOW[$mode]}:INFO" \
		--not relay.open --not relay.closed --not relay.untested --none-worse-than INFO \
		-- $RL mx1.example.test
	case_json "relay alone, OP25B $mode: an open relay is not judged through it" 3 \
		--has relay.untestable:UNKNOWN --not relay.open --none-worse-than INFO \
		-- $RL mail.openrelay.test
done
lab-op25b reject
case_json "relay, no port 25 target: untested, the server not blamed" 3 \
	--has relay.untested:UNKNOWN --has port25.no-targets:INFO --none-worse-than INFO \
	-- $RL mx1.example.test --port25-target nothing.test
case_json "relay --no-port25: no port25 probe, untested, the line not measured" 3 \
	--has relay.untested:UNKNOWN --not port25.blocked-reset --none-worse-than INFO \
	-- $RL mx1.example.test --no-port25
grep -q "this run did not probe it" \
	"$OUT/relay_--no-port25__no_port25_probe__untested__the_line_not_measured.json" &&
	ok "relay --no-port25: says the line was not measured" ||
	not_ok "relay --no-port25: says the line was not measured"
case_cmd "relay: --no-port25 with --port25-target" 64 "give one or the other" \
	-- "$MXDIAG" relay mx1.example.test --no-port25 --port25-target x.test
lab-op25b off
case_json "relay alone, OP25B none: judged as before, port25 not shown" 0 \
	--has relay.closed:OK --not relay.untestable --not port25.open -- $RL mx1.example.test
case_json "relay on 587: no port 25 probe beside it" "*" --not port25.open \
	--not port25.no-targets -- $RL smtp.isp.test:587
case_json "relay host without address" 3 --has relay.untested:UNKNOWN -- $RL nosuch.example.test
case_json "relay explicit --domain and port" 2 \
	--has relay.open-bypass:FAIL --data relay.open-bypass:domain=bypass.test \
	-- $RL 192.0.2.30:25 --domain bypass.test

/usr/bin/python3 - "$OUT/relay_closed_to_plain_relaying__open_to_percent_bang_quoted.json" <<'PY' \
	&& ok "relay JSON lists each variant's verdict" || not_ok "relay JSON lists each variant's verdict"
import json, sys
d = json.load(open(sys.argv[1]))
f = [x for x in d["findings"] if x["id"] == "relay.open-bypass"][0]
v = {x["variant"]: x for x in f["data"]["variants"]}
assert v["plain"]["tested"] and not v["plain"]["accepted"], v["plain"]
for k in ("percent-hack", "bang-path", "quoted-local"):
    assert v[k]["accepted"], v[k]
assert not v["control"]["accepted"] and not v["source-route"]["accepted"]
PY

case_cmd "relay: bad host is a usage error" 64 "not HOST" -- "$MXDIAG" relay "bad host"
case_cmd "relay: bad --to" 64 "mail addresses" -- "$MXDIAG" relay mx1.example.test --to nobody

# The whole point: no relay test ever hands a message over.
if [ ! -e "$LAB_SPOOL/alerts.jsonl" ] && ! grep -qE '"verb": "(DATA|BDAT)"' "$LAB_SPOOL"/*.jsonl; then
	ok "relay: no DATA reached any persona"
else not_ok "relay: no DATA reached any persona"; fi
# Every transaction the relay test opened at the bypass persona ended in RSET.
/usr/bin/python3 - "$LAB_SPOOL/bypass.jsonl" <<'PY' && ok "relay: every transaction ended with RSET" \
	|| not_ok "relay: every transaction ended with RSET"
import json, sys
ends = [json.loads(l).get("end") for l in open(sys.argv[1]) if '"txn"' in l]
assert ends and all(e == "RSET" for e in ends), ends
PY
