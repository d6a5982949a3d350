# MTA-STS and TLS-RPT (issue 18): the _mta-sts record, the policy over HTTPS from the lab's
# policy server (tests/lab/mtasts.py, lab-CA certificates), its mx patterns against the MX.
# Sourced by run.sh.

sts() { case_json "$@"; }
CA=(--ca-file "$LAB_CA")

sts "MTA-STS enforce policy covering the MX (stsgood.test), TLS-RPT present" "*" \
	--has mta-sts.enforce:OK --has tls-rpt.present:OK --not mta-sts.mx-mismatch \
	-- "${CA[@]}" check stsgood.test
sts "MTA-STS enforce policy whose mx patterns miss the MX: FAIL (stsmiss.test)" 2 \
	--has mta-sts.mx-mismatch:FAIL --not mta-sts.enforce -- "${CA[@]}" check stsmiss.test
sts "MTA-STS testing policy with LF line ends, a misspelt key (ststesting.test)" "*" \
	--has mta-sts.testing:INFO --has mta-sts.policy-unknown-key:INFO \
	--has tls-rpt.syntax:WARN -- "${CA[@]}" check ststesting.test
sts "MTA-STS policy in mode none, withdrawn (stsnone.test)" "*" \
	--has mta-sts.mode-none:INFO --not mta-sts.mx-mismatch -- "${CA[@]}" check stsnone.test
sts "MTA-STS policy served as text/html (ststype.test)" "*" \
	--has mta-sts.policy-content-type:WARN --has mta-sts.testing:INFO \
	-- "${CA[@]}" check ststype.test
sts "MTA-STS policy with a bad version (stsbad.test)" 1 \
	--has mta-sts.policy-syntax:WARN --not mta-sts.enforce -- "${CA[@]}" check stsbad.test
sts "MTA-STS policy server redirects: not followed (stsredir.test)" 1 \
	--has mta-sts.policy-redirect:WARN -- "${CA[@]}" check stsredir.test
sts "MTA-STS policy over 64 KiB (stsbig.test)" 1 \
	--has mta-sts.policy-too-large:WARN -- "${CA[@]}" check stsbig.test
sts "MTA-STS policy host without address (stsnohost.test)" 1 \
	--has mta-sts.policy-unreachable:WARN -- "${CA[@]}" check stsnohost.test
sts "MTA-STS policy server's certificate is for another name (stswrongname.test)" 1 \
	--has mta-sts.policy-unreachable:WARN --not mta-sts.enforce \
	-- "${CA[@]}" check stswrongname.test
sts "MTA-STS policy server's CA not trusted without --ca-file" 1 \
	--has mta-sts.policy-unreachable:WARN -- check stsgood.test
sts "no MTA-STS, no TLS-RPT (example.test)" 0 \
	--has mta-sts.none:INFO --has tls-rpt.none:INFO -- check example.test

# inbound and preflight also dial each MX (mx-tls): enforce mode needs certificates valid for
# the MX names.
sts "inbound: enforce policy, the MX certificate verified (stsgood.test)" 0 \
	--has mta-sts.enforce:OK --data mta-sts.enforce:certificates=verified \
	--has inbound.accepted:OK -- "${CA[@]}" inbound stsgood.test
sts "inbound: enforce policy, the MX certificate names another host: FAIL (stscert.test)" 2 \
	--has mta-sts.mx-certificate:FAIL --not mta-sts.enforce -- "${CA[@]}" inbound stscert.test
sts "check does not dial the MX: certificates not checked" "*" \
	--has mta-sts.enforce:OK --not mta-sts.mx-certificate -- "${CA[@]}" check stscert.test
lab-op25b drop
sts "preflight behind a port 25 block: the MX certificate UNKNOWN, not judged" "*" \
	--has mta-sts.mx-unverified:UNKNOWN --not mta-sts.mx-certificate --not mta-sts.enforce \
	-- "${CA[@]}" --timeout 1 preflight stscert.test --no-relay
lab-op25b off

# A server that sends its headers and stalls: a finding within --timeout (a bound, not a
# speed claim).
t0=$(now_ms)
rc=0
"$MXDIAG" --json --resolver "$LAB_RESOLVER" --ca-file "$LAB_CA" --timeout 1 check stsslow.test \
	>"$OUT/stsslow.json" 2>&1 || rc=$?
t1=$(now_ms)
if [ "$rc" = 1 ] && $JCHECK "$OUT/stsslow.json" --has mta-sts.policy-timeout:WARN >/dev/null &&
	[ $((t1 - t0)) -lt 3000 ]; then
	ok "MTA-STS policy server that stalls: policy-timeout within --timeout"
else
	not_ok "MTA-STS policy server that stalls: policy-timeout within --timeout" \
		"exit $rc after $((t1 - t0)) ms"
fi
# The policy server saw one GET of the well-known path per fetch, never a redirect target.
if grep -q '"host": "www.stsredir.test"' "$LAB_SPOOL/mtasts.jsonl" 2>/dev/null; then
	not_ok "the redirect target was never asked"
elif grep -q '"path": "/.well-known/mta-sts.txt", "case": "stsredir.test"' \
	"$LAB_SPOOL/mtasts.jsonl"; then
	ok "the redirect target was never asked"
else
	not_ok "the redirect target was never asked" "no request for stsredir.test logged"
fi
