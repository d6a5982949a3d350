# DNS blocklists (RFC 5782, issue 17): the lab's lists in bl.test (lab.sh points MXD_DNSBL at
# tests/lab/dnsbl.json, so nothing here asks a real list).
case_json "dnsbl: clean address and domain" "*" --has dnsbl.not-listed:OK --not dnsbl.listed \
	--data dnsbl.not-listed:zones=zen.bl.test --data dnsbl.not-listed:zones=dbl.bl.test \
	--data "dnsbl.not-listed:retired_not_queried=['sorbs.bl.test']" \
	-- check example.test --ip 192.0.2.25
case_json "dnsbl: listed address is FAIL with the zone and its codes" 2 \
	--has dnsbl.listed:FAIL --data dnsbl.listed:zone=zen.bl.test \
	--data dnsbl.listed:code=127.0.0.2 --not dnsbl.error-answer \
	--data "dnsbl.listed:reason=Listed in the lab SBL, see https://lab.test/sbl/66" \
	-- check example.test --ip 198.51.100.66
case_json "dnsbl: listed IPv6 address (nibble form)" 2 --has dnsbl.listed:FAIL \
	--data dnsbl.listed:code=127.0.0.4 -- check example.test --ip 2001:db8::66
case_json "dnsbl: PBL listing named" 2 --has dnsbl.listed:FAIL --data dnsbl.listed:code=127.0.0.10 \
	-- check example.test --ip 198.51.100.10
case_json "dnsbl: error answer 127.255.255.254 is UNKNOWN, not listed" "*" \
	--has dnsbl.error-answer:UNKNOWN --not dnsbl.listed --data dnsbl.error-answer:answer=127.255.255.254 \
	--data "dnsbl.error-answer:reason=the query came through a public or open resolver, which Spamhaus refuses" \
	-- check example.test --ip 198.51.100.67
case_json "dnsbl: sender domain on a domain list" 2 --has dnsbl.listed:FAIL \
	--data dnsbl.listed:zone=dbl.bl.test -- check spam.bl.test --ip 192.0.2.25
case_json "dnsbl: HELO name on a domain list" 2 --has dnsbl.listed:FAIL \
	--data dnsbl.listed:zone=dbl.bl.test -- check example.test --ip 192.0.2.25 --helo spam.bl.test
case_json "dnsbl: no address, no blocklist queries" "*" --not dnsbl.not-listed --not dnsbl.listed \
	-- check example.test
# Broken lists beside a working one: each UNKNOWN for itself alone.
case_json "dnsbl: broken zones are UNKNOWN, each for itself" 3 --count dnsbl.zone-broken:2 \
	--has dnsbl.error-answer:UNKNOWN --has dns.timeout:UNKNOWN --has dnsbl.not-listed:OK \
	--data dnsbl.not-listed:zones=zen.bl.test --not dnsbl.listed \
	--data dnsbl.zone-broken:zone=dead.bl.test --data dnsbl.zone-broken:zone=all.bl.test \
	--data dnsbl.error-answer:zone=refuse.bl.test \
	-- --timeout 1 check example.test --ip 192.0.2.25 --dnsbl-zones "$LAB_DIR/dnsbl-broken.json"
case_json "dnsbl: an unreadable zone list is UNKNOWN" 3 --has dnsbl.list-error:UNKNOWN \
	-- check example.test --ip 192.0.2.25 --dnsbl-zones /nonexistent/dnsbl.json
# preflight on a relayed path asks about the relay's outbound address, not --ip.
export MXD_TEST_PW=alice-pass
case_json "dnsbl: preflight asks about the relay's outbound address" "*" \
	--has dnsbl.listed:FAIL --data dnsbl.listed:zone=zen.bl.test \
	-- --timeout 2 --ca-file "$LAB_CA" preflight example.test --ip 192.0.2.25 --no-inbound \
	--no-relay --no-port25 --smarthost smtp.isp.test:587 --from alice@isp.test \
	--user alice@isp.test --password-env MXD_TEST_PW --relay-ip 198.51.100.66
f=$(ls -t "$OUT"/dnsbl__preflight*.json | head -n 1)
/usr/bin/python3 - "$f" <<'PY' && ok "dnsbl: the relay's address is the subject, in the outbound section" ||
import json, sys
d = json.load(open(sys.argv[1]))
l = [f for f in d["findings"] if f["id"] == "dnsbl.listed"]
assert l and l[0]["subject"] == "198.51.100.66" and l[0]["group"] == "outbound", l
assert "smtp.isp.test" in l[0]["message"], l[0]["message"]
assert not any(f["id"].startswith("dnsbl.") and f["subject"] == "192.0.2.25" for f in d["findings"])
PY
	not_ok "dnsbl: the relay's address is the subject, in the outbound section"
# Without --ip only the relay gives a sender address: the names wait for it, then both.
case_json "dnsbl: preflight without --ip asks about the relay and the domain" "*" \
	--has dnsbl.listed:FAIL --data dnsbl.listed:zone=zen.bl.test \
	--has dnsbl.not-listed:OK \
	-- --timeout 2 --ca-file "$LAB_CA" preflight example.test --no-inbound \
	--no-relay --no-port25 --smarthost smtp.isp.test:587 --from alice@isp.test \
	--user alice@isp.test --password-env MXD_TEST_PW --relay-ip 198.51.100.66
case_json "dnsbl: no --ip and no relay: nothing to judge, nothing asked" "*" \
	--not dnsbl.listed --not dnsbl.not-listed --not dnsbl.list-error \
	-- --timeout 2 preflight example.test --no-inbound --no-relay --no-port25 \
	--dnsbl-zones /nonexistent/dnsbl.json
unset MXD_TEST_PW
