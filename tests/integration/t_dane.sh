# DANE (RFC 7672) and the domain's DNSSEC (issue 18): TLSA records in the signed zone
# dane.test against the persona 'dane' (a fixed key, tests/lab/dane.key), an unsigned zone
# with TLSA, and the bogus zone expired.test. Sourced by run.sh.

CA=(--ca-file "$LAB_CA")

case_json "DANE: the MX certificate matches its validated TLSA record (good.dane.test)" 0 \
	--has dane.match:OK --has dnssec.signed:OK --data dane.match:validated_by \
	-- "${CA[@]}" inbound good.dane.test
case_json "DANE: the current and the next key published, no rollover advice needed" "*" \
	--has dane.match:OK -- "${CA[@]}" inbound roll.dane.test
case_json "DANE: TLSA mismatch on a signed zone is FAIL (bad.dane.test)" 2 \
	--has dane.mismatch:FAIL --not dane.match -- "${CA[@]}" inbound bad.dane.test
case_json "DANE: records no SMTP sender can use (unusable.dane.test)" 1 \
	--has dane.unusable:WARN --not dane.match --not dane.mismatch \
	-- "${CA[@]}" inbound unusable.dane.test
case_json "DANE: TLSA on an unsigned zone is WARN, senders ignore it (daneunsigned.test)" 1 \
	--has dane.unsigned:WARN --has dnssec.insecure:INFO --not dane.match \
	-- "${CA[@]}" inbound daneunsigned.test
case_json "DANE: check reads the records without dialling the MX (good.dane.test)" "*" \
	--has dane.present:OK --not dane.match -- check good.dane.test
case_json "DANE: a signed MX zone without TLSA (notlsa.dane.test)" "*" --has dane.none:INFO \
	-- check notlsa.dane.test
case_json "DANE: unsigned MX zones without TLSA (example.test)" "*" \
	--has dane.none:INFO --has dnssec.insecure:INFO -- check example.test
lab-op25b drop
case_json "DANE: preflight behind a port 25 block is UNKNOWN, not a mismatch" "*" \
	--has dane.unverified:UNKNOWN --not dane.mismatch --not dane.match \
	-- "${CA[@]}" --timeout 1 preflight bad.dane.test --no-relay
lab-op25b off

case_json "DNSSEC: signed and valid (dnssec.test)" "*" --has dnssec.signed:OK \
	--data dnssec.signed:validated_by -- check dnssec.test
case_json "DNSSEC: bogus zone is FAIL with the reason (expired.test)" 2 \
	--has dnssec.bogus:FAIL --has dns.servfail:UNKNOWN --status FAIL \
	-- check expired.test
if $JCHECK "$OUT/DNSSEC__bogus_zone_is_FAIL_with_the_reason__expired.test_.json" \
	--data "dnssec.bogus:reason=the signatures expired on 2020-01-01 00:00 UTC (re-sign the zone)" \
	>/dev/null 2>&1; then
	ok "DNSSEC: the bogus zone's reason names the expired signatures"
else
	not_ok "DNSSEC: the bogus zone's reason names the expired signatures"
fi
