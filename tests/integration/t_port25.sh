# mxdiag port25: outbound port 25 classification under each OP25B variant (issue 5).
# Sourced by run.sh inside the lab. lab-op25b changes the lab's firewall: every case below
# restores "off" so that later test files see an open path.

P25_TARGETS="example.test exch.test openrelay.test"
P25_ARGS="--ca-file $LAB_CA --timeout 2 port25 $P25_TARGETS --submission smtp.isp.test"

# run_timed NAME EXIT MAX_MS [jcheck assertions...]: case_json plus a bound on the wall time
# (a bound from the issue's "done when", never a speed claim).
p25_timed() {
	local name=$1 want=$2 max=$3; shift 3
	local t0 t1
	t0=$(now_ms)
	case_json "$name" "$want" "$@" -- $P25_ARGS
	t1=$(now_ms)
	if [ $((t1 - t0)) -le "$max" ]; then ok "$name: within $max ms"
	else not_ok "$name: within $max ms" "took $((t1 - t0)) ms"; fi
}

lab-op25b off
p25_timed "port25 open: own greetings, STARTTLS present" 0 3000 \
	--has port25.open:OK --not port25.intercepted --has port25.submission-open:OK \
	--data port25.open:open=3 --status OK

lab-op25b reject
p25_timed "port25 OP25B reset: refused at once" 2 1000 \
	--has port25.blocked-reset:FAIL --not port25.open --has port25.submission-open:OK \
	--data port25.blocked-reset:blocked=3

lab-op25b drop
p25_timed "port25 OP25B drop: timeout, within --timeout 2" 2 3500 \
	--has port25.blocked-drop:FAIL --not port25.open --has port25.submission-open:OK

lab-op25b icmp
p25_timed "port25 OP25B ICMP admin-prohibited" 2 3000 \
	--has port25.blocked-icmp:FAIL --not port25.open --has port25.submission-open:OK

lab-op25b intercept
p25_timed "port25 transparent interception: one banner for all" 2 3000 \
	--has port25.intercepted:FAIL --not port25.open \
	--data port25.intercepted:banner_name=intercept.isp.test
case_json "port25 interception seen with one address target and one domain" 2 \
	--has port25.intercepted:FAIL -- --timeout 2 port25 192.0.2.27 example.test --no-submission
lab-op25b off
case_json "port25 an address target is not judged by its greeting name" 0 \
	--has port25.open:OK --not port25.intercepted --not port25.banner-mismatch \
	-- --timeout 2 port25 192.0.2.27 --no-submission

# The ISP's own MX stays reachable under OP25B: one target, no proof of a block either way.
lab-op25b reject
case_json "port25 single refused target is only a WARN" 1 \
	--has port25.blocked-reset:WARN --not port25.blocked-reset:FAIL \
	-- --timeout 2 port25 192.0.2.28 --no-submission
grep -q "Only one server was probed on this address family, so the block is not proven" \
	"$OUT/port25_single_refused_target_is_only_a_WARN.json" &&
	ok "port25 single target: the message says why it is only a WARN" ||
	not_ok "port25 single target: the message says why it is only a WARN"
# Only the ISP's own MX probed (OP25B spares it): its answer does not show the line open.
case_json "port25 only the ISP's own servers answered: not shown open" 3 \
	--has port25.isp-only:UNKNOWN --not port25.open --not port25.blocked-except-isp \
	-- --timeout 2 port25 isp.test --submission smtp.isp.test
case_json "port25 the ISP's MX among other operators': blocked except the ISP" 2 \
	--has port25.blocked-except-isp:FAIL --not port25.isp-only \
	-- --timeout 2 port25 isp.test example.test exch.test --submission smtp.isp.test
lab-op25b off
case_json "port25 the ISP's MX alone on an open line: still not shown open" 3 \
	--has port25.isp-only:UNKNOWN --not port25.open \
	-- --timeout 2 port25 isp.test --submission smtp.isp.test --no-submission

# A target whose MX host refuses while others answer: the path is open.
case_json "port25 one target down, others open" 0 \
	--has port25.open:OK --has port25.target-unreachable:INFO \
	-- --timeout 2 port25 192.0.2.28 example.test exch.test --no-submission
case_json "port25 greeting 421 from a target: open path, target refuses" 1 \
	--has port25.open:OK --has port25.target-refuses:WARN \
	-- --timeout 2 port25 backup.test example.test --no-submission
case_json "port25 target without any address" 3 --has port25.no-targets:UNKNOWN \
	-- --timeout 2 port25 nothing.test --no-submission

case_cmd "port25: bad target is a usage error" 64 "not a domain or IP" \
	-- "$MXDIAG" port25 "exa mple.test"
case_cmd "port25 --help" 0 "--submission" -- "$MXDIAG" port25 --help

# Never DATA: the personas refuse it and record any attempt in alerts.jsonl.
if [ ! -e "$LAB_SPOOL/alerts.jsonl" ]; then ok "port25: no DATA reached any persona"
else not_ok "port25: no DATA reached any persona" "$(head -c 300 "$LAB_SPOOL/alerts.jsonl")"; fi
