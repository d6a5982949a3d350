# The delivery path judged as a whole (issue 14): preflight says first which way mail
# leaves and comes in, and judges what receivers see for that path. Under every lab-op25b
# mode the healthy domain relaying through the ISP's smarthost, which its SPF authorises,
# ends without WARN or FAIL from the outbound part. Sourced by run.sh inside the lab.

PT_COMMON=(--timeout 2 --ca-file "$LAB_CA")
PT_RELAY=(--port25-target example.test --port25-target isp.test --submission smtp.isp.test
	--smarthost smtp.isp.test:587 --from alice@isp.test --user alice@isp.test
	--password-env MXD_TEST_PW)
export MXD_TEST_PW=alice-pass

for mode in off reject drop icmp intercept; do
	lab-op25b "$mode"
	case_json "path $mode: healthy domain relayed through the ISP, no FAIL" "*" \
		--doc verdict.outbound.path=relay --doc verdict.outbound.relay=smtp.isp.test:587 \
		--doc verdict.outbound.spf=pass --has smarthost.works:OK \
		--none-worse-than WARN --not port25.blocked-reset:FAIL \
		--not port25.blocked-except-isp:FAIL --not port25.intercepted:FAIL \
		-- "${PT_COMMON[@]}" preflight example.test --ip 192.0.2.25 --helo mx1.example.test \
		"${PT_RELAY[@]}"
done
lab-op25b reject
# The field notes' server: dynamic address, AD HELO name, relayed through the ISP. What
# receivers judge is the relay's address; the server's own PTR, SPF and HELO are INFO.
case_json "path reject: Exchange behind OP25B relays: own PTR and HELO are INFO" "*" \
	--doc verdict.outbound.path=relay --has ptr.generic:INFO --has helo.internal-name:INFO \
	--has port25.blocked-except-isp:INFO --data ptr.generic:regraded \
	--data ptr.confirmed:ptr=smtp.isp.test \
	-- "${PT_COMMON[@]}" preflight example.test --ip 198.51.100.7 --helo exch.corp.local \
	"${PT_RELAY[@]}"
f="$OUT/path_reject__Exchange_behind_OP25B_relays__own_PTR_and_HELO_are_INFO.json"
if /usr/bin/python3 - "$f" <<'PY'
import json, sys
d = {f["id"]: f for f in json.load(open(sys.argv[1]))["findings"]}
assert d["port25.blocked-except-isp"].get("fix") is None, "the port 25 fix is what relaying did"
assert d["ptr.generic"].get("fix") is None, "a fixed address is moot when relayed"
assert d["helo.internal-name"].get("fix"), "the HELO fix stays good practice"
PY
then ok "path reject: relaying drops the fixes it already is, keeps the HELO fix"
else not_ok "path reject: relaying drops the fixes it already is, keeps the HELO fix"; fi
case_json "path reject: no smarthost: mail cannot get out" 2 \
	--doc verdict.outbound.path=none --doc verdict.outbound.port25=blocked \
	--has port25.blocked-except-isp:FAIL \
	-- "${PT_COMMON[@]}" preflight example.test --ip 192.0.2.25 --no-inbound --no-relay \
	--port25-target example.test --port25-target exch.test --port25-target isp.test \
	--submission smtp.isp.test
# mixed: IPv4 port 25 reset, IPv6 port 25 intercepted: the verdict is the sending
# address's family's
lab-op25b mixed
for pt_ip in 198.51.100.7:blocked 2001:db8::7:intercepted; do
	case_json "path mixed: --ip ${pt_ip%:*} judged by its family's port 25" "*" \
		--doc verdict.outbound.path=none --doc verdict.outbound.port25=${pt_ip##*:} \
		-- "${PT_COMMON[@]}" preflight example.test --ip "${pt_ip%:*}" --no-inbound \
		--no-relay --port25-target example.test
done
lab-op25b off
case_json "path off: no smarthost, port 25 open: direct from --ip" "*" \
	--doc verdict.outbound.path=direct --doc verdict.outbound.spf=pass \
	--doc verdict.inbound.state=accepted --doc verdict.inbound.mx=mx1.example.test \
	--doc verdict.inbound.preference=10 \
	-- "${PT_COMMON[@]}" preflight example.test --ip 192.0.2.25 --helo mx1.example.test \
	--port25-target example.test --port25-target isp.test --submission smtp.isp.test
case_json "path off: direct, the address not in SPF is still a FAIL" 2 \
	--doc verdict.outbound.path=direct --has spf.result-fail:FAIL --not ptr.generic:INFO \
	-- "${PT_COMMON[@]}" preflight exch.test --ip 198.51.100.7 --no-inbound --no-relay \
	--port25-target example.test --port25-target isp.test --submission smtp.isp.test

# Text: the answer comes first, in both languages.
out=$("$MXDIAG" --resolver "$LAB_RESOLVER" "${PT_COMMON[@]}" preflight example.test \
	--ip 192.0.2.25 --no-relay --port25-target example.test --port25-target isp.test 2>&1)
if [ "$(sed -n 3p <<<"$out" | cut -c1-9)" = "Outbound:" ] &&
   [ "$(sed -n 4p <<<"$out" | cut -c1-8)" = "Inbound:" ]; then
	ok "path text: the answer in the first two lines"
else
	not_ok "path text: the answer in the first two lines" "$(head -n 6 <<<"$out")"
fi

# check: the same two lines from DNS alone.
case_json "path check: receivers' view of --ip and where DNS sends mail" 0 \
	--doc verdict.outbound.spf=pass --doc verdict.inbound.state=dns \
	--doc 'verdict.inbound.hosts=[{"name": "mx1.example.test", "preference": 10}, {"name": "mx2.example.test", "preference": 20}]' \
	-- check example.test --ip 192.0.2.25 --helo mx1.example.test
case_json "path check: an AD domain cannot send" 2 --doc verdict.outbound.path=refused \
	-- check corp.local --ip 198.51.100.7
case_json "path check: null MX takes no mail" "*" --doc verdict.inbound.state=dns \
	--has mx.null-mx -- check nullmx.test

# No --smarthost: the provider list's relays for the --from domain are tested live, and the
# one that works carries the path; the stale port 25 entry does not spoil the answer.
lab-op25b reject
case_json "path reject: candidates from the provider list carry the path" "*" \
	--doc verdict.outbound.path=relay --doc verdict.outbound.relay=smtp.isp.test:587 \
	--has smarthost.provider-candidates --all smarthost.port25-blocked:INFO --not smarthost.unreachable \
	--none-worse-than INFO --not port25.blocked-except-isp:WARN \
	-- "${PT_COMMON[@]}" preflight example.test --ip 192.0.2.25 --helo mx1.example.test \
	--from alice@isp.test --user alice@isp.test --password-env MXD_TEST_PW \
	--providers "$here/../lab/providers.json" --port25-target example.test \
	--port25-target isp.test --no-inbound --no-relay
lab-op25b off
case_cmd "path: --isp without --from is a usage error" 64 "needs --from" \
	-- "$MXDIAG" preflight example.test --isp isp

# The inbound answer weighs DANE and MTA-STS: a host that plain senders reach is refused by
# senders that enforce them.
for d in stsmiss.test:mta-sts.mx-mismatch bad.dane.test:dane.mismatch; do
	out=$("$MXDIAG" --resolver "$LAB_RESOLVER" "${PT_COMMON[@]}" preflight "${d%%:*}" \
		--no-port25 --no-relay 2>&1 | grep '^Inbound:')
	if grep -q "enforce DANE or MTA-STS will not deliver there (${d#*:})" <<<"$out"; then
		ok "path: the inbound answer names ${d#*:} for ${d%%:*}"
	else
		not_ok "path: the inbound answer names ${d#*:} for ${d%%:*}" "$out"
	fi
done
