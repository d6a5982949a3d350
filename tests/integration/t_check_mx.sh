# mxdiag check: domain existence, addresses and MX (issue 3). Sourced by run.sh.

case_json "healthy domain: MX present, hosts resolve" 0 \
	--has mx.present:OK --has mx.host-ok:OK --has domain.address:OK --none-worse-than INFO \
	-- check example.test
case_json "no MX, implicit A fallback (nomx.test)" 1 \
	--has mx.implicit-a:WARN --not mx.absent -- check nomx.test
case_json "null MX (nullmx.test)" 2 --has mx.null-mx:FAIL -- check nullmx.test
case_json "MX target is a CNAME (cnamemx.test)" 1 \
	--has mx.target-is-cname:WARN -- check cnamemx.test
case_json "nonexistent domain: NXDOMAIN" 2 \
	--has domain.not-found:FAIL --not mx.absent -- check doesnotexist.test
# Issue 20: one verdict for a name that is not there, not a pile of "missing" records.
case_json "nonexistent domain: no DMARC/DKIM/DNSSEC findings beside NXDOMAIN" 2 \
	--has domain.not-found:FAIL --not dmarc.missing --not dkim.none-found \
	--not dnssec.insecure --not mta-sts.none --data domain.not-found:not_judged -- check doesnotexist.test
# what was dropped, in the table's fixed order (not the order the answers came in), once each
case_json "nonexistent domain: not_judged in a fixed order" 2 \
	--data "domain.not-found:not_judged=['dmarc.missing', 'dkim.none-found', 'dnssec.insecure']" \
	-- check doesnotexist.test
case_json "trailing dot and upper case are the same domain" 2 \
	--has domain.not-found:FAIL -- check DoesNotExist.TEST.
case_json "internal AD domain does not resolve (corp.local)" 2 \
	--has domain.not-found:FAIL -- check corp.local
case_json "MX target is an IP literal (mxip.test)" 2 \
	--has mx.target-is-ip:FAIL -- check mxip.test
case_json "MX target without address (mxnoaddr.test)" 2 \
	--has mx.target-no-address:FAIL -- check mxnoaddr.test
case_json "domain with MX but no address of its own (noaddr.test)" "*" \
	--has domain.no-address -- check noaddr.test
case_json "MX target NXDOMAIN (mxnxtarget.test)" 2 \
	--has mx.target-no-address:FAIL -- check mxnxtarget.test
case_json "MX target in private space (mxprivate.test)" 2 \
	--has mx.target-private:FAIL -- check mxprivate.test
case_json "equal MX preferences (eqpref.test)" "*" \
	--has mx.equal-preference:INFO --has mx.host-ok:OK -- check eqpref.test
case_json "neither MX nor address (nothing.test)" 2 \
	--has mx.absent:FAIL -- check nothing.test
case_json "AAAA only domain (aaaaonly.test)" "*" \
	--has domain.address:OK --has mx.present:OK -- check aaaaonly.test
case_json "resolver REFUSED: UNKNOWN, not FAIL" 3 \
	--has dns.refused:UNKNOWN --not domain.not-found --status UNKNOWN -- check refused.test
# The resolver's SERVFAIL stays UNKNOWN for each lookup; the dnssec diagnosis proves why
# (with CD the records are there, their signatures expired) and says FAIL once.
case_json "DNSSEC bogus zone: SERVFAIL is UNKNOWN, the bogus zone one FAIL" 2 \
	--has dns.servfail:UNKNOWN --has dnssec.bogus:FAIL --not domain.not-found \
	-- check expired.test
# Its SERVFAIL answers arrive in the network's order; the report must not follow it: ten
# runs, one list of findings in one order (id, subject, message), dkim's the first selector's.
ex_same=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	"$MXDIAG" --json --resolver "$LAB_RESOLVER" --timeout 2 check expired.test 2>/dev/null |
		/usr/bin/python3 -c 'import json, sys
for f in json.load(sys.stdin)["findings"]:
    print(f["id"], f["subject"], f.get("message"))' >"$OUT/expired-run$i.txt"
	cmp -s "$OUT/expired-run1.txt" "$OUT/expired-run$i.txt" && ex_same=$((ex_same + 1))
done
if [ "$ex_same" = 10 ] && grep -q "^dns.servfail selector1._domainkey.expired.test " \
	"$OUT/expired-run1.txt"; then ok "check expired.test: the same findings in ten runs"
else not_ok "check expired.test: the same findings in ten runs" "$ex_same of 10 alike"; fi

# Resolver black hole: UNKNOWN (exit 3), and within the timeout (bound, not a speed claim).
t0=$(now_ms)
rc=0
"$MXDIAG" --json --resolver "$LAB_DEAD_NS" --timeout 2 check example.test >"$OUT/bh.json" 2>&1 || rc=$?
t1=$(now_ms)
# One cause, one finding (issue 20): every query that timed out is in the one dns.timeout.
if [ "$rc" = 3 ] && $JCHECK "$OUT/bh.json" --has dns.timeout:UNKNOWN --status UNKNOWN \
    --count dns.timeout:1 >/dev/null &&
   [ $((t1 - t0)) -lt 4000 ]; then
	ok "resolver black hole: UNKNOWN within the timeout"
else
	not_ok "resolver black hole: UNKNOWN within the timeout" "exit $rc after $((t1 - t0)) ms"
fi

case_json "JSON carries stats (queries, depth)" 0 --none-worse-than INFO -- check example.test
/usr/bin/python3 - "$OUT/healthy_domain__MX_present__hosts_resolve.json" <<'PY' && ok "stats.dns.queries and depth are set" || not_ok "stats.dns.queries and depth are set"
import json, sys
d = json.load(open(sys.argv[1]))
s = d["stats"]
assert d["schema"] == 1 and d["command"] == "check" and d["target"] == "example.test"
assert s["dns"]["queries"] >= 5 and s["dns"]["depth"] == 3 and s["elapsed_ms"] >= 0, s
PY

# Usage errors: one line, a hint, exit 64; never a crash.
case_cmd "usage: bad domain is exit 64" 64 "not a valid domain name" -- "$MXDIAG" check "exa mple.test"
case_cmd "usage: overlong label" 64 "63" -- "$MXDIAG" check "$(printf 'a%.0s' {1..64}).test"
case_cmd "usage: bad --ip" 64 "not an IPv4 or IPv6" -- "$MXDIAG" check example.test --ip 1.2.3.999
case_cmd "usage: bad resolver" 64 "resolver" -- "$MXDIAG" --resolver nothing check example.test
case_cmd "usage: unknown command" 64 "unknown command" -- "$MXDIAG" frobnicate
case_cmd "usage: missing domain" 64 "missing DOMAIN" -- "$MXDIAG" check
case_cmd "usage: a bad IDN is exit 64" 64 "not a valid internationalised domain name" -- \
	"$MXDIAG" check $'\xff.test'
case_cmd "--help lists commands" 0 "check" -- "$MXDIAG" --help
case_cmd "check --help" 0 "--helo" -- "$MXDIAG" check --help
case_cmd "resolver over IPv6 transport" 0 "mx.present" -- "$MXDIAG" --json --resolver "[2001:db8::54]:53" check example.test
