# mxdiag preflight: the checklist on a healthy and on a broken lab setup (issue 7).

PF_COMMON=(--timeout 3 --ca-file "$LAB_CA")

# Healthy: example.test sending from its MX address, relaying through the ISP on 587.
export MXD_TEST_PW=alice-pass
case_json "preflight healthy: every section present, no FAIL" "*" \
	--has mx.present:OK --has ptr.confirmed:OK --has helo.ok:OK --has port25.open:OK \
	--has smarthost.recommended:OK --has inbound.accepted:OK --has relay.closed:OK \
	--not helo.internal-name --not inbound.anonymous-refused --not relay.open \
	-- "${PF_COMMON[@]}" preflight example.test --ip 192.0.2.25 --helo mx1.example.test \
	--port25-target example.test --port25-target isp.test --submission smtp.isp.test \
	--smarthost smtp.isp.test:587 --from alice@isp.test --user alice@isp.test \
	--password-env MXD_TEST_PW
f=$(ls -t "$OUT"/preflight_healthy*.json | head -n 1)
/usr/bin/python3 - "$f" <<'PY' && ok "preflight healthy: findings carry their checklist group" || not_ok "preflight healthy: findings carry their checklist group"
import json, sys
d = json.load(open(sys.argv[1]))
groups = {f["id"]: f.get("group") for f in d["findings"]}
want = {"mx.present": "dns", "port25.open": "outbound", "smarthost.recommended": "relay-choice",
        "inbound.accepted": "inbound", "relay.closed": "safety"}
bad = {k: groups.get(k) for k, v in want.items() if groups.get(k) != v}
assert not bad, bad
assert not [f for f in d["findings"] if f["status"] == "FAIL"], "a FAIL in the healthy setup"
PY

# Broken: the field-notes story: Exchange with an AD HELO name, a dynamic address, port 25
# blocked by the ISP, inbound refusing anonymous senders.
case_json "preflight broken: Exchange story" 2 \
	--has helo.internal-name:FAIL --has ptr.generic:WARN --has inbound.anonymous-refused:FAIL \
	--status FAIL \
	-- "${PF_COMMON[@]}" preflight exch.test --ip 198.51.100.7 --helo exch.corp.local \
	--port25-target example.test --port25-target openrelay.test --submission smtp.isp.test
# The same line behind the ISP's port 25 block (the lab is one host, so inbound probes are
# blocked too: only the outbound verdict is asserted).
lab-op25b reject
case_json "preflight broken: OP25B on the line" 2 \
	--has port25.blocked-reset:FAIL --has port25.submission-open:OK \
	-- "${PF_COMMON[@]}" preflight exch.test --no-inbound --no-relay \
	--port25-target example.test --port25-target openrelay.test --port25-target exch.test \
	--submission smtp.isp.test
lab-op25b off

case_json "preflight: domain without mail host skips the relay test" 2 \
	--has domain.not-found:FAIL --has preflight.relay-skipped:INFO \
	-- "${PF_COMMON[@]}" preflight corp.local --no-port25

case_json "preflight: open relay named in Safety" 2 --has relay.open:FAIL \
	-- "${PF_COMMON[@]}" preflight openrelay.test --no-port25 --no-inbound

# Text: sections in runbook order; --problems-only hides OK lines.
out=$("$MXDIAG" --resolver "$LAB_RESOLVER" "${PF_COMMON[@]}" preflight exch.test \
	--problems-only --no-port25 2>&1)
if grep -q "== DNS published ==" <<<"$out" && grep -q "== Inbound path ==" <<<"$out" &&
   ! grep -qE "^OK " <<<"$out" && grep -q "inbound.anonymous-refused" <<<"$out"; then
	ok "preflight text: sections, problems only"
else
	not_ok "preflight text: sections, problems only" "$(head -c 600 <<<"$out")"
fi
case_cmd "preflight: password on the command line is refused" 64 "never taken on the command line" \
	-- "$MXDIAG" preflight example.test --password hunter2
unset MXD_TEST_PW
