# mxdiag smarthost: each relay outcome, the ranking, and that the password never leaks
# (issue 5). Sourced by run.sh inside the lab; the lab CA verifies smtp.isp.test.

SH_PW="$OUT/smarthost-password"
SH_SECRET=alice-pass
printf '%s\n' "$SH_SECRET" >"$SH_PW"
SH_BAD="$OUT/smarthost-bad-password"
printf 'wrong-password\n' >"$SH_BAD"
SH_AUTH="--user alice@isp.test --password-file $SH_PW"
SH="--ca-file $LAB_CA --timeout 2 smarthost"

case_json "smarthost 587 STARTTLS+AUTH works and is recommended" 0 \
	--has smarthost.recommended:OK --has smarthost.works:OK --status OK \
	--data smarthost.recommended:port=587 --data smarthost.recommended:tls=starttls \
	--data smarthost.recommended:auth=PLAIN \
	-- $SH smtp.isp.test:587 --from alice@isp.test $SH_AUTH --rcpt bob@example.test
case_json "smarthost without a port tries 587, 465, 25 and prefers 587" 0 \
	--count smarthost.works:3 --data smarthost.recommended:port=587 \
	-- $SH smtp.isp.test --from alice@isp.test $SH_AUTH
case_json "smarthost 465 implicit TLS" 0 \
	--data smarthost.recommended:tls=implicit --data smarthost.recommended:port=465 \
	-- $SH smtp.isp.test:465 --from alice@isp.test $SH_AUTH
SH_PW_ENV=$SH_SECRET case_json "smarthost password from the environment" 0 \
	--has smarthost.recommended:OK \
	-- $SH smtp.isp.test:587 --from alice@isp.test --user alice@isp.test --password-env SH_PW_ENV
case_json "smarthost bad password: 535, auth-failed" 2 \
	--has smarthost.auth-failed:FAIL --has smarthost.none-working:FAIL \
	--not smarthost.recommended \
	-- $SH smtp.isp.test:587 --from alice@isp.test --user alice@isp.test --password-file "$SH_BAD"
case_json "smarthost sender not bound to the login (550 5.7.1)" 2 \
	--has smarthost.sender-not-permitted:FAIL --has smarthost.none-working:FAIL \
	-- $SH smtp.isp.test:587 --from mallory@isp.test $SH_AUTH
case_json "smarthost without credentials: 530 auth required" 2 \
	--has smarthost.auth-required:FAIL -- $SH smtp.isp.test:587 --from alice@isp.test
case_json "smarthost by IP: works, certificate names the host" 1 \
	--has smarthost.works:OK --has smarthost.tls-name-mismatch:WARN \
	--data smarthost.recommended:host=203.0.113.10 \
	-- $SH 203.0.113.10:587 --from alice@isp.test $SH_AUTH
case_json "smarthost Exchange offers only NTLM/GSSAPI, self-signed" 2 \
	--has smarthost.auth-no-mechanism:FAIL --has smarthost.tls-untrusted:WARN \
	-- $SH mx.exch.test:25 --from alice@isp.test $SH_AUTH
case_json "smarthost an MX takes its own domain only: not a relay for you" 2 \
	--has smarthost.not-a-relay:FAIL --not smarthost.recommended --not smarthost.relay-denied \
	-- $SH mx1.example.test:25 --from alice@example.test --rcpt bob@elsewhere.test
case_json "smarthost a server that refuses every recipient: relay-denied" 2 \
	--has smarthost.relay-denied:FAIL --not smarthost.not-a-relay \
	-- $SH mx1.example.test:25 --from alice@isp.test
case_json "smarthost the ISP's relay for its own lines: works unauthenticated, tls-missing" 1 \
	--has smarthost.works:OK --has smarthost.tls-missing:WARN \
	--data smarthost.recommended:auth=none --data smarthost.recommended:host=relay.isp.test \
	-- $SH relay.isp.test:25 --from alice@isp.test
case_json "smarthost open relay (relays for a stranger without AUTH): FAIL, not recommended" 2 \
	--has smarthost.open-relay:FAIL --has smarthost.none-working:FAIL \
	--not smarthost.recommended --not smarthost.works \
	-- $SH 192.0.2.27:25 --from alice@isp.test $SH_AUTH

# Relay proof (issue 14): the default recipient is outside (postmaster@example.net, RFC 2606),
# so the ISP's plain MX, which takes its own domain's mail, is never recommended.
case_json "smarthost the ISP's MX with the default recipient: an MX, not a relay" 2 \
	--has smarthost.not-a-relay:FAIL --not smarthost.recommended --not smarthost.works \
	-- $SH mx.isp.test:25 --from alice@isp.test
if grep -q '"addr": "postmaster@example.net"' "$LAB_SPOOL/ispmx.jsonl" 2>/dev/null &&
   grep -q '"addr": "postmaster@isp.test"' "$LAB_SPOOL/ispmx.jsonl"; then
	ok "smarthost: the default RCPT is the outside postmaster@example.net, then the local one"
else not_ok "smarthost: the default RCPT is the outside postmaster@example.net, then the local one"; fi
case_json "smarthost port 25 of the smarthost without AUTH: not a relay; with AUTH it works" 0 \
	--has smarthost.works:OK --data smarthost.recommended:port=25 \
	-- $SH smtp.isp.test:25 --from alice@isp.test $SH_AUTH
case_json "smarthost port 25 of the smarthost without a login: not a relay" 2 \
	--has smarthost.not-a-relay:FAIL -- $SH smtp.isp.test:25 --from alice@isp.test
case_json "smarthost --rcpt overrides the outside recipient" 0 \
	--has smarthost.recommended:OK \
	-- $SH smtp.isp.test:587 --from alice@isp.test $SH_AUTH --rcpt someone@nothing.test
grep -q '"addr": "someone@nothing.test"' "$LAB_SPOOL/smarthost.jsonl" 2>/dev/null &&
	ok "smarthost: --rcpt reached the relay" || not_ok "smarthost: --rcpt reached the relay"
case_json "smarthost FQDN that does not resolve" 2 \
	--has smarthost.name-not-found:FAIL --has smarthost.none-working:FAIL \
	-- $SH nosuch.isp.test:587 --from alice@isp.test $SH_AUTH
case_json "smarthost nothing listens on the port" 2 \
	--has smarthost.unreachable:FAIL -- $SH smtp.isp.test:2525 --from alice@isp.test $SH_AUTH
case_json "smarthost without the lab CA: untrusted, password withheld" 2 \
	--has smarthost.auth-skipped:FAIL --has smarthost.tls-untrusted:WARN \
	-- --timeout 2 smarthost smtp.isp.test:587 --from alice@isp.test $SH_AUTH

# Ranking: broken candidates and OP25B on port 25; the 587 STARTTLS+AUTH one wins.
lab-op25b drop
case_json "smarthost ranking picks the working 587 STARTTLS+AUTH candidate" 1 \
	--has smarthost.recommended:OK --data smarthost.recommended:host=smtp.isp.test \
	--data smarthost.recommended:port=587 --has smarthost.name-not-found:WARN \
	--has smarthost.unreachable:INFO \
	-- $SH nosuch.isp.test mx.exch.test 203.0.113.10 smtp.isp.test --from alice@isp.test \
	$SH_AUTH --rcpt bob@example.test
/usr/bin/python3 - "$OUT/smarthost_ranking_picks_the_working_587_STARTTLS_AUTH_candidate.json" <<'PY' \
	&& ok "smarthost ranking order in JSON" || not_ok "smarthost ranking order in JSON"
import json, sys
d = json.load(open(sys.argv[1]))
r = d["ranking"]
assert r[0]["host"] == "smtp.isp.test" and r[0]["port"] == 587, r[0]
assert r[0]["works"] and r[0]["tls"]["chain_verified"] and r[0]["auth"] == "ok", r[0]
works = [x["works"] for x in r]
assert works == sorted(works, reverse=True), works   # every working one before the rest
PY

# OP25B on the relay's own port 25 (the story's step 3): port25 runs beside every candidate
# on port 25, and what the line does to it is not held against the relay; nothing is judged
# through an interceptor. The FQDN and the address of one relay read alike.
SH_STORY="smtp.isp.test 203.0.113.10:25 --from alice@isp.test $SH_AUTH"
case_json "smarthost under a silent drop: port 25 not usable from this line, INFO" 0 \
	--count smarthost.port25-blocked:2 --has smarthost.port25-blocked:INFO \
	--not smarthost.unreachable --has port25.blocked-drop:INFO --status INFO \
	--data smarthost.recommended:port=587 -- $SH $SH_STORY
lab-op25b reject
case_json "smarthost under a reset: port 25 not usable from this line, INFO" 0 \
	--count smarthost.port25-blocked:2 --has smarthost.port25-blocked:INFO \
	--not smarthost.unreachable --has port25.blocked-reset:INFO --status INFO \
	--data smarthost.recommended:port=587 -- $SH $SH_STORY
case_json "smarthost port 25 only, blocked: WARN on it, none works (FAIL)" 2 \
	--has smarthost.port25-blocked:WARN --has smarthost.none-working:FAIL \
	-- $SH smtp.isp.test:25 --from alice@isp.test $SH_AUTH
case_json "smarthost --no-port25: not measured, the old guess, no port25 findings" 1 \
	--has smarthost.unreachable:WARN --not smarthost.port25-blocked --not port25.blocked-reset \
	-- $SH $SH_STORY --no-port25
grep -q "not known (this run did not probe it)" \
	"$OUT/smarthost_--no-port25__not_measured__the_old_guess__no_port25_findings.json" &&
	ok "smarthost --no-port25: says the line was not measured" ||
	not_ok "smarthost --no-port25: says the line was not measured"
case_cmd "smarthost: --no-port25 with --port25-target" 64 "give one or the other" \
	-- "$MXDIAG" smarthost smtp.isp.test --from a@isp.test --no-port25 --port25-target x.test
lab-op25b intercept
case_json "smarthost through an interceptor: port 25 not judged, never works" 0 \
	--count smarthost.intercepted:2 --has smarthost.intercepted:INFO --count smarthost.works:2 \
	--not smarthost.tls-missing --not smarthost.open-relay --has port25.intercepted:INFO \
	--data smarthost.recommended:port=587 --data smarthost.intercepted:port=25 \
	-- $SH $SH_STORY
/usr/bin/python3 - "$OUT/smarthost_through_an_interceptor__port_25_not_judged__never_works.json" <<'PY' \
	&& ok "smarthost through an interceptor: named, and no relay on port 25 works" \
	|| not_ok "smarthost through an interceptor: named, and no relay on port 25 works"
import json, sys
d = json.load(open(sys.argv[1]))
for f in d["findings"]:
    if f["id"] == "smarthost.intercepted":
        v = f["data"]["vantage"]
        assert v["state"] == "intercepted" and v["banner_name"] == "intercept.isp.test", v
        assert "intercept.isp.test" in f["message"], f["message"]
assert not any(x["works"] for x in d["relays"] if x["port"] == 25), d["relays"]
assert not any(x["works"] for x in d["ranking"] if x["port"] == 25), d["ranking"]
PY
case_json "smarthost port 25 only, intercepted: UNKNOWN, not a verdict on the relay" 3 \
	--has smarthost.intercepted:UNKNOWN --has smarthost.none-working:UNKNOWN \
	--not smarthost.works -- $SH smtp.isp.test:25 --from alice@isp.test $SH_AUTH
# Mixed: IPv4 port 25 blocked, IPv6 port 25 intercepted. Each endpoint is named for what
# happened to it, in English and Japanese, and none-working blames no relay.
lab-op25b mixed
SH_MIX="smtp.isp.test:25 203.0.113.10:25 smtp.isp.test:587 203.0.113.10:465 mx1.example.test:25
	[2001:db8::25]:25 --from alice@isp.test $SH_AUTH"
case_json "smarthost mixed: blocked and intercepted endpoints apart" 0 \
	--count smarthost.port25-blocked:3 --count smarthost.intercepted:1 \
	--has port25.blocked-reset:INFO --has port25.intercepted:INFO \
	--data smarthost.recommended:port=587 -- $SH $SH_MIX
case_cmd "smarthost mixed: the recommendation counts blocked and intercepted apart" 0 \
	"4 endpoints on port 25 were not judged: this line blocks outbound port 25 to 3 of them.*at 1 an interceptor" \
	-- "$MXDIAG" --resolver "$LAB_RESOLVER" $SH $SH_MIX
case_cmd "smarthost mixed (ja): the recommendation counts blocked and intercepted apart" 0 \
	"ポート 25 の接続先 4 件は判定していません: うち 3 件は.*1 件はこの回線の横取り" \
	-- "$MXDIAG" --lang ja --resolver "$LAB_RESOLVER" $SH $SH_MIX
case_cmd "smarthost mixed, port 25 only: none-working blames no relay" 3 \
	"Every endpoint tried \(2\) is on port 25, which this line does not let reach the relays" \
	-- "$MXDIAG" --resolver "$LAB_RESOLVER" $SH smtp.isp.test:25 "[2001:db8::25]:25" \
	--from alice@isp.test
lab-op25b reject
case_cmd "smarthost blocked, port 25 only: FAIL, the fix is the submission port" 2 \
	"Fix: Test the provider's submission port instead" \
	-- "$MXDIAG" --resolver "$LAB_RESOLVER" $SH smtp.isp.test:25 --from alice@isp.test
lab-op25b off
case_json "smarthost on an open line: port 25 judged as before, port25 silent" 0 \
	--count smarthost.works:4 --not smarthost.intercepted --not smarthost.port25-blocked \
	--not port25.open -- $SH $SH_STORY
lab-op25b drop

# The password is never in argv or the environment of the process, even while it runs.
# Started with an environment of its own: other test files export the same password.
( env -i PATH="$PATH" "$MXDIAG" --timeout 2 --ca-file "$LAB_CA" smarthost smtp.isp.test:25 --from alice@isp.test \
	$SH_AUTH >/dev/null 2>&1 & pid=$!; sleep 0.3
  if tr '\0' '\n' </proc/$pid/cmdline | grep -qF "$SH_SECRET" ||
     tr '\0' '\n' </proc/$pid/environ | grep -qF "$SH_SECRET"; then echo leak; fi
  wait $pid ) >"$OUT/sh-proc" 2>&1
if [ -s "$OUT/sh-proc" ]; then not_ok "smarthost: password not in argv/environ" "$(cat "$OUT/sh-proc")"
else ok "smarthost: password not in argv/environ"; fi
lab-op25b off

# Nor in any output: stdout, stderr, JSON (all cases above), text with -vv, persona logs.
"$MXDIAG" -vv --resolver "$LAB_RESOLVER" $SH smtp.isp.test --from alice@isp.test $SH_AUTH \
	>"$OUT/sh-text.out" 2>"$OUT/sh-text.err" || true
grep -q "AUTH PLAIN <redacted>" "$OUT/sh-text.out" && ok "smarthost: -v transcript shows AUTH redacted" ||
	not_ok "smarthost: -v transcript shows AUTH redacted"
# The password, and its base64 in AUTH PLAIN and AUTH LOGIN form.
leaks=$(grep -rlF -e "$SH_SECRET" -e "AGFsaWNlQGlzcC50ZXN0AGFsaWNlLXBhc3M" -e "YWxpY2UtcGFzcw" \
	"$OUT"/smarthost* "$OUT"/sh-text.* "$LAB_SPOOL" 2>/dev/null | grep -v "$SH_PW\$")
if [ -z "$leaks" ]; then ok "smarthost: password in no output, JSON or persona log"
else not_ok "smarthost: password in no output, JSON or persona log" $leaks; fi

case_cmd "smarthost: no password option on the command line" 64 "never taken on the command line" \
	-- "$MXDIAG" smarthost smtp.isp.test --from alice@isp.test --user alice@isp.test --password x
case_cmd "smarthost: --user without a password source" 64 "password-file" \
	-- "$MXDIAG" smarthost smtp.isp.test --from alice@isp.test --user alice@isp.test
case_cmd "smarthost: --from is required" 64 "missing --from" -- "$MXDIAG" smarthost smtp.isp.test
case_cmd "smarthost: unreadable password file" 64 "cannot read a password" \
	-- "$MXDIAG" smarthost smtp.isp.test --from a@isp.test --user a --password-file /nonexistent

# Never DATA, and the personas saw the whole dialogue end in RSET/QUIT.
if [ ! -e "$LAB_SPOOL/alerts.jsonl" ] && ! grep -qE '"verb": "(DATA|BDAT)"' "$LAB_SPOOL"/*.jsonl; then
	ok "smarthost: no DATA reached any persona"
else not_ok "smarthost: no DATA reached any persona"; fi

# SPF of the sender's domain for the relay's address (RFC 7208 check_host()).
case_json "smarthost SPF authorises the relay (isp.test ip4:203.0.113.0/24)" 0 \
	--has smarthost.spf-pass:OK --data smarthost.spf-pass:relay_ip=203.0.113.10 \
	-- $SH smtp.isp.test:587 --from alice@isp.test $SH_AUTH
case_json "smarthost SPF --relay-ip outside the record: fail" 2 \
	--has smarthost.recommended:OK --has smarthost.spf-not-authorised:FAIL \
	--has smarthost.spf-pass:OK --data smarthost.spf-not-authorised:relay_ip=192.0.2.99 \
	-- $SH smtp.isp.test:587 --from alice@isp.test $SH_AUTH --relay-ip 192.0.2.99 \
	--relay-ip 203.0.113.11
case_json "smarthost SPF of the submission address only: a WARN" 1 \
	--has smarthost.spf-not-authorised:WARN \
	-- $SH relay.isp.test:25 --from x@nothing.test --rcpt y@elsewhere.test
case_json "smarthost sender domain with two SPF records: permerror" 1 \
	--has smarthost.spf-error:WARN -- $SH relay.isp.test:25 --from x@twospf.test --rcpt y@elsewhere.test
case_cmd "smarthost: bad --relay-ip" 64 "not an IP" \
	-- "$MXDIAG" smarthost smtp.isp.test --from a@isp.test --relay-ip 1.2.3

# The relays fact (issue 14): every endpoint tested, best first, with the addresses
# receivers will see: --relay-ip, else the relay domain's own SPF hosts, else the address
# dialled (both approximations). The same list is in the JSON as "relays".
case_json "smarthost relays fact: every endpoint tested, best first" 2 \
	--has smarthost.recommended:OK \
	-- $SH smtp.isp.test:587 smtp.relayout.test:587 mx.isp.test:25 192.0.2.27:25 \
	--from alice@isp.test $SH_AUTH
/usr/bin/python3 - "$OUT/smarthost_relays_fact__every_endpoint_tested__best_first.json" <<'PY' \
	&& ok "smarthost relays fact: order, works, TLS, AUTH, approximated addresses" \
	|| not_ok "smarthost relays fact: order, works, TLS, AUTH, approximated addresses"
import json, sys
d = json.load(open(sys.argv[1]))
r = {x["host"]: x for x in d["relays"]}
assert len(d["relays"]) == 4, d["relays"]
assert d["relays"][0]["host"] == "smtp.isp.test" and d["relays"][0]["port"] == 587, d["relays"]
best = d["relays"][0]
assert best["works"] and best["tls"] and best["auth"], best
# isp.test's SPF lists only a network: the address dialled stands in
assert best["addresses"] == ["203.0.113.10"] and best["addresses_approx"], best
# relayout.test's SPF lists hosts (pass qualifier, full prefix only)
ro = r["smtp.relayout.test"]
assert ro["addresses"] == ["203.0.113.41", "2001:db8::41"] and ro["addresses_approx"], ro
assert not ro["works"] and not ro["auth"], ro            # certificate names smtp.isp.test
assert not r["mx.isp.test"]["works"] and not r["192.0.2.27"]["works"], r
assert [x["works"] for x in d["relays"]] == [True, False, False, False], d["relays"]
PY
case_json "smarthost relays fact with --relay-ip: the given addresses, not approximated" 0 \
	--has smarthost.recommended:OK \
	-- $SH smtp.isp.test:587 --from alice@isp.test $SH_AUTH --relay-ip 203.0.113.11
/usr/bin/python3 - "$OUT/smarthost_relays_fact_with_--relay-ip__the_given_addresses__not_approximated.json" <<'PY' \
	&& ok "smarthost relays fact: --relay-ip given" || not_ok "smarthost relays fact: --relay-ip given"
import json, sys
d = json.load(open(sys.argv[1]))
x = d["relays"][0]
assert x["addresses"] == ["203.0.113.11"] and not x["addresses_approx"], x
PY

# preflight judges the relay against the SPF of the domain under test, not --from's:
# nodmarc.test ("mx -all") does not authorise the ISP's relay although isp.test would.
PF="--ca-file $LAB_CA --timeout 2 preflight"
case_json "preflight: the relay's SPF is the domain under test's" "*" \
	--has smarthost.recommended:OK --has smarthost.spf-not-authorised \
	--data smarthost.spf-not-authorised:domain=nodmarc.test --not smarthost.spf-pass \
	-- $PF nodmarc.test --no-port25 --no-inbound --no-relay --smarthost smtp.isp.test:587 \
	--from alice@isp.test $SH_AUTH
case_json "preflight: the relay's SPF passes for a domain that includes the ISP" "*" \
	--has smarthost.spf-pass:OK --data smarthost.spf-pass:domain=example.test \
	-- $PF example.test --no-port25 --no-inbound --no-relay --smarthost smtp.isp.test:587 \
	--from alice@isp.test $SH_AUTH
# preflight --ip: the address mail leaves from decides whether a relay without AUTH knows
# us; 192.0.2.200 has no PTR name, so relaying there cannot be told from an open relay.
case_json "preflight --ip without a PTR name: a relay without AUTH is a WARN open-relay" "*" \
	--has smarthost.open-relay:WARN --not smarthost.recommended \
	-- $PF example.test --ip 192.0.2.200 --no-port25 --no-inbound --no-relay \
	--smarthost relay.isp.test:25 --from alice@example.test
case_cmd "smarthost: --rcpt in the sender's own domain proves nothing" 64 "outside the sender" \
	-- "$MXDIAG" smarthost smtp.isp.test --from alice@isp.test --rcpt bob@ISP.test

# The report is about every candidate given, and its header says so.
case_cmd "smarthost: the header names every candidate, not only the first" 2 \
	"^mxdiag smarthost 203\.0\.113\.10:25 smtp\.isp\.test:587$" \
	-- "$MXDIAG" $SH 203.0.113.10:25 smtp.isp.test:587 --from alice@isp.test
