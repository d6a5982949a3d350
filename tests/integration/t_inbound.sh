# mxdiag inbound: what a remote sender sees when delivering to a domain (issue 6).
# Sourced by run.sh inside the lab.

IB="--ca-file $LAB_CA --timeout 2 inbound"

case_json "inbound healthy domain: primary accepts postmaster" 1 \
	--has inbound.accepted:OK --has inbound.mx-accepts:OK \
	--has inbound.mx-unreachable:WARN --data inbound.accepted:mx=mx1.example.test \
	-- $IB example.test
case_json "inbound Exchange default connector: 530 5.7.1 anonymous refused" 2 \
	--has inbound.rejected:FAIL --has inbound.anonymous-refused:FAIL \
	--has inbound.tls-untrusted:WARN -- $IB exch.test
case_json "inbound primary 421, backup accepts" 1 \
	--has inbound.backup-only:WARN --has inbound.mx-refuses:WARN --has inbound.mx-accepts:OK \
	--data inbound.backup-only:mx=mx2.backup.test -- $IB backup.test
case_json "inbound greylisting 451 4.7.1" 1 \
	--has inbound.deferred:WARN --has inbound.greylisted:WARN -- $IB greylist.test
case_json "inbound certificate for another name" 1 \
	--has inbound.accepted:OK --has inbound.tls-name-mismatch:WARN \
	--not inbound.tls-untrusted -- $IB wrongcert.test
case_json "inbound no STARTTLS" 1 \
	--has inbound.accepted:OK --has inbound.starttls-missing:WARN -- $IB openrelay.test
case_json "inbound unknown recipient 550 5.1.1" 2 \
	--has inbound.rejected:FAIL --has inbound.rcpt-unknown:FAIL \
	-- $IB example.test --rcpt nosuchuser@example.test
case_json "inbound null MX" 2 --has inbound.null-mx:FAIL --not inbound.unreachable \
	-- $IB nullmx.test
case_json "inbound neither MX nor A" 2 --has inbound.no-mail-host:FAIL -- $IB nothing.test
case_json "inbound domain does not exist" 2 --has inbound.domain-not-found:FAIL \
	-- $IB doesnotexist.test
case_json "inbound implicit MX (no MX record)" 2 --has inbound.implicit-mx:WARN \
	--has inbound.unreachable:FAIL -- $IB nomx.test
case_json "inbound MX host without address" 2 --has inbound.mx-no-address:WARN \
	--has inbound.no-mail-host:FAIL -- $IB mxnoaddr.test
case_json "inbound IPv6-only MX" 0 --has inbound.accepted:OK --none-worse-than INFO -- $IB aaaaonly.test
case_json "inbound equal preferences both accept" 0 --count inbound.mx-accepts:2 \
	--none-worse-than INFO -- $IB eqpref.test
case_json "inbound resolver REFUSED is UNKNOWN" 3 --has inbound.dns-failed:UNKNOWN \
	-- $IB refused.test

# inbound alone probes port 25 beside it (the lab's default targets, MXD_PORT25_TARGETS):
# under every lab-op25b mode the MX hosts are never blamed for what this line does.
declare -A IB_HOW=([reject]=port25.blocked-reset [drop]=port25.blocked-drop
	[icmp]=port25.blocked-icmp [intercept]=port25.intercepted)
for mode in reject drop icmp intercept; do
	lab-op25b "$mode"
	case_json "inbound alone, OP25B $mode: untestable, the MX not blamed" 3 \
		--has inbound.untestable:UNKNOWN --data inbound.untestable:vantage \
		--has "${IB_HOW[$mode]}:INFO" --not inbound.unreachable \
		--not inbound.mx-unreachable --not inbound.accepted --not inbound.mx-accepts \
		--none-worse-than INFO -- $IB example.test
	case_json "inbound alone, OP25B $mode: a dead MX is not proven dead either" 3 \
		--has inbound.untestable:UNKNOWN --not inbound.unreachable \
		--none-worse-than WARN -- $IB nomx.test
done
lab-op25b off
case_json "inbound alone, OP25B none: judged as before, port25 not shown" 1 \
	--has inbound.accepted:OK --has inbound.mx-unreachable:WARN --not inbound.untestable \
	--not port25.open -- $IB example.test
case_json "inbound alone, OP25B none: the dead MX's FAIL stands (the line is open)" 2 \
	--has inbound.unreachable:FAIL --has inbound.mx-unreachable:FAIL --not port25.open \
	-- $IB nomx.test
# No port 25 target answers: the line is not shown to be open, so a block is not ruled
# out and nothing is blamed on the server.
lab-op25b reject
case_json "inbound, no port 25 target and every MX unreachable: UNKNOWN, not FAIL" 3 \
	--has inbound.unreachable:UNKNOWN --data inbound.unreachable:port25=unproven \
	--all inbound.mx-unreachable:WARN --has port25.no-targets:INFO --none-worse-than WARN \
	-- $IB example.test --port25-target nothing.test
case_json "inbound --port25-target: the targets named are the ones probed" 3 \
	--has inbound.untestable:UNKNOWN --has port25.blocked-reset:INFO \
	--data port25.blocked-reset:probed=2 --none-worse-than WARN \
	-- $IB example.test --port25-target 192.0.2.25 --port25-target 192.0.2.26
# --no-port25: nothing but the MX hosts is dialled; the line is then not measured, and the
# verdict says so instead of blaming the server.
case_json "inbound --no-port25: no port25 probe, the line not measured, UNKNOWN" 3 \
	--has inbound.unreachable:UNKNOWN --data inbound.unreachable:port25=unproven \
	--not port25.blocked-reset --not port25.blocked-except-isp --none-worse-than WARN \
	-- $IB example.test --no-port25
grep -q "this run did not probe it" \
	"$OUT/inbound_--no-port25__no_port25_probe__the_line_not_measured__UNKNOWN.json" &&
	ok "inbound --no-port25: says the line was not measured" ||
	not_ok "inbound --no-port25: says the line was not measured"
# Port 25 shown open over IPv4 only (the ISP's MX is spared by the block): an IPv6 address
# of the MX is not proven down, only the IPv4 ones are.
case_json "inbound, line open over IPv4 only: the IPv6 address is not proven down" 2 \
	--has inbound.unreachable:FAIL -- $IB example.test --port25-target 203.0.113.25
/usr/bin/python3 - "$OUT/inbound__line_open_over_IPv4_only__the_IPv6_address_is_not_proven_down.json" <<'PY' \
	&& ok "inbound, IPv4-only measurement: IPv6 address WARN, IPv4 FAIL" \
	|| not_ok "inbound, IPv4-only measurement: IPv6 address WARN, IPv4 FAIL"
import json, sys
d = json.load(open(sys.argv[1]))
st = {f["subject"]: f["status"] for f in d["findings"] if f["id"] == "inbound.mx-unreachable"}
assert st["mx1.example.test [2001:db8::25]"] == "WARN", st
assert st["mx1.example.test (192.0.2.25)"] == "FAIL", st
v6 = [f for f in d["findings"] if f["subject"] == "mx1.example.test [2001:db8::25]"][0]
assert "not known to be open" in v6["message"], v6["message"]
PY
case_cmd "inbound: --no-port25 with --port25-target" 64 "give one or the other" \
	-- "$MXDIAG" inbound example.test --no-port25 --port25-target x.test
lab-op25b off

case_cmd "inbound: bad domain is a usage error" 64 "not a valid domain" \
	-- "$MXDIAG" inbound "exa mple.test"
case_cmd "inbound: bad --rcpt" 64 "not a mail address" \
	-- "$MXDIAG" inbound example.test --rcpt "no at sign"

if [ ! -e "$LAB_SPOOL/alerts.jsonl" ] && ! grep -qE '"verb": "(DATA|BDAT)"' "$LAB_SPOOL"/*.jsonl; then
	ok "inbound: no DATA reached any persona"
else not_ok "inbound: no DATA reached any persona"; fi
