# mxdiag check --dkim-selector: the DKIM keys of dkim.test, made fresh by the lab at every
# start (tests/lab/zones/dkim.test.zone, lab.sh setup_dkim), issue 17.
D=dkim.test
dk() { # dk NAME EXIT SELECTOR ASSERTS...
	local name=$1 want=$2 sel=$3
	shift 3
	case_json "dkim: $name" "$want" "$@" -- check $D --dkim-selector "$sel"
}
# dkim.test's other findings are OK or INFO (DMARC p=none), so the exit code is the key's.
dk "2048-bit RSA key, split over strings" 0 rsa2048 --has dkim.key-ok:OK \
	--data dkim.key-ok:bits=2048 --data dkim.key-ok:key_type=rsa
dk "1024-bit RSA key" 1 rsa1024 --has dkim.key-short:WARN --data dkim.key-short:bits=1024
dk "512-bit RSA key" 2 rsa512 --has dkim.key-weak:FAIL --data dkim.key-weak:bits=512
dk "Ed25519 key (RFC 8463)" 0 ed25519 --has dkim.key-ok:OK --data dkim.key-ok:key_type=ed25519
dk "Ed25519 key wrapped as SPKI" 2 edspki --has dkim.bad-key:FAIL
dk "revoked key (empty p=)" 2 revoked --has dkim.revoked:FAIL
dk "testing mode t=y" 1 testing --has dkim.testing:WARN --has dkim.key-ok:OK
dk "t=s" 0 strict --has dkim.strict-identity:INFO
dk "h=sha1 only" 2 sha1 --has dkim.sha1-only:FAIL
dk "p= not base64" 2 syntax --has dkim.syntax:FAIL --data dkim.syntax:tag=p
dk "a tag twice" 2 twotags --has dkim.syntax:FAIL --data dkim.syntax:tag=k
dk "p= not a key" 2 garbage --has dkim.bad-key:FAIL
dk "two records at one selector" 1 twice --has dkim.multiple:WARN
dk "CNAME chain to the key" 0 chain --has dkim.cname:INFO --has dkim.key-ok:OK \
	--data "dkim.cname:cname_chain=chain._domainkey.dkim.test -> alias._domainkey.dkim.test -> rsa2048._domainkey.dkim.test"
dk "CNAME to nothing" 2 dangling --has dkim.cname-dangling:FAIL --not dkim.not-found
dk "selector that does not exist (NXDOMAIN)" 2 nosuch --has dkim.not-found:FAIL \
	--data dkim.not-found:rcode=NXDOMAIN
dk "selector name without TXT (NODATA)" 2 nodata --has dkim.no-key:FAIL \
	--data dkim.no-key:rcode=NODATA --not dkim.not-found
case_json "dkim: two selectors, each judged" 2 --has dkim.key-ok:OK --has dkim.key-weak:FAIL \
	-- check $D --dkim-selector rsa2048 --dkim-selector rsa512
# Without --dkim-selector: the common selectors, Microsoft 365's among them.
case_json "dkim: guessed Microsoft 365 selectors" 1 --has dkim.key-ok:OK --has dkim.cname:INFO \
	--has dkim.cname-dangling:WARN --data dkim.key-ok:guessed=True --not dkim.none-found \
	-- check $D
case_json "dkim: nothing at the guessed selectors" 1 --has dkim.none-found:INFO \
	--not dkim.not-found -- check nodmarc.test
case_json "dkim: a key at a common selector" 0 --has dkim.key-ok:OK --data dkim.key-ok:selector=s1 \
	--not dkim.none-found -- check example.test
# A resolver that never answers: UNKNOWN, never "no key".
rc=0
"$MXDIAG" --json --resolver "$LAB_DEAD_NS" --timeout 1 check $D --dkim-selector rsa2048 \
	>"$OUT/dkim-timeout.json" 2>&1 || rc=$?
if [ "$rc" = 3 ] && $JCHECK "$OUT/dkim-timeout.json" --has dns.timeout:UNKNOWN \
	--not dkim.not-found --not dkim.no-key >/dev/null; then
	ok "dkim: timeout is UNKNOWN"
else
	not_ok "dkim: timeout is UNKNOWN" "exit $rc" "$($JCHECK "$OUT/dkim-timeout.json" --has dns.timeout:UNKNOWN --not dkim.not-found 2>&1)"
fi
