# mxdiag spf: RFC 7208 check_host() against the lab's real DNS (issue 4), one case per
# finding id and per spf.test zone case. Sourced by run.sh inside the lab.
C=198.51.100.7	# the lab client (LAB_CLIENT_IP)

case_json "authorised address: pass (spf.test pass)" 0 \
	--has spf.result-pass:OK --data spf.result-pass:mechanism=ip4:$C \
	-- spf pass.spf.test --ip $C
case_json "ISP relay authorised through include (example.test)" 0 \
	--has spf.result-pass:OK --data "spf.result-pass:mechanism=include:_spf.isp.test" \
	-- spf example.test --ip 203.0.113.10
case_json "IPv6 sender within ip6:2001:db8::/32 (example.test)" 0 \
	--has spf.result-pass:OK --data "spf.result-pass:mechanism=ip6:2001:db8::/32" \
	-- spf example.test --ip 2001:db8::7
case_json "IPv4-mapped IPv6 is IPv4 (RFC 7208 5)" 0 \
	--has spf.result-pass:OK -- spf pass.spf.test --ip ::ffff:$C
case_json "address not listed, -all: fail" 2 \
	--has spf.result-fail:FAIL --data spf.result-fail:mechanism=-all \
	-- spf example.test --ip 198.51.100.200 --sender user@example.test
case_cmd "fail carries the domain's exp= text, macros expanded" 2 \
	"\"explanation\": ?\"$C is not one of exp.spf.test's designated mail servers.\"" \
	-- "$MXDIAG" --json --resolver "$LAB_RESOLVER" spf exp.spf.test --ip $C
case_json "~all: softfail" 1 --has spf.result-softfail:WARN -- spf softall.spf.test --ip $C
case_json "?all: neutral" 1 --has spf.result-neutral:WARN \
	--data spf.result-neutral:mechanism=?all -- spf qall.spf.test --ip $C
case_json "no all, nothing matches: neutral by default (4.7)" 1 \
	--has spf.result-neutral:WARN -- spf noall.spf.test --ip $C
case_json "+all: pass" 0 --has spf.result-pass:OK -- spf plusall.spf.test --ip $C
case_json "no v=spf1 record: none" 1 --has spf.result-none:WARN \
	--data spf.result-none:problem=no-record -- spf none.spf.test --ip $C
case_json "SPF RR type 99 only: none (RFC 7208 3.1)" 1 \
	--has spf.result-none:WARN -- spf spfrronly.spf.test --ip $C
case_json "SPF RR type 99 next to TXT: TXT decides" 0 \
	--has spf.result-pass:OK -- spf spfrr.spf.test --ip $C
case_json "domain does not exist: none" 1 --has spf.result-none:WARN \
	--data spf.result-none:problem=nxdomain -- spf doesnotexist.spf.test --ip $C
case_json "11 DNS-querying terms through includes: permerror" 2 \
	--has spf.result-permerror:FAIL --data spf.result-permerror:problem=lookup-limit \
	-- spf toomany.spf.test --ip $C
case_json "exactly 10 DNS-querying terms: allowed (fail)" 2 \
	--has spf.result-fail:FAIL -- spf ten.spf.test --ip $C
case_json "3 void look-ups: permerror" 2 \
	--has spf.result-permerror:FAIL --data spf.result-permerror:problem=void-limit \
	-- spf voids.spf.test --ip $C
case_json "2 void look-ups: allowed (pass)" 0 \
	--has spf.result-pass:OK -- spf twovoids.spf.test --ip $C
case_json "bad ip4 network: permerror" 2 \
	--has spf.result-permerror:FAIL --data spf.result-permerror:problem=syntax \
	-- spf syntax.spf.test --ip $C
case_json "unknown mechanism ip:: permerror" 2 \
	--data spf.result-permerror:problem=syntax -- spf unknownmech.spf.test --ip $C
case_json "two v=spf1 records (twospf.test): permerror" 2 \
	--data spf.result-permerror:problem=multiple-records -- spf twospf.test --ip $C
case_json "include of a nonexistent domain: permerror" 2 \
	--data spf.result-permerror:problem=include-no-record -- spf nxinclude.spf.test --ip $C
case_json "include without SPF record: permerror" 2 \
	--data spf.result-permerror:problem=include-no-record \
	-- spf emptyinclude.spf.test --ip $C
case_json "include loop: permerror at the 11th term" 2 \
	--data spf.result-permerror:problem=lookup-limit -- spf loop-a.spf.test --ip $C
case_json "redirect= chain: pass in the final record" 0 \
	--has spf.result-pass:OK -- spf redirect.spf.test --ip $C
case_json "record split over strings, joined (3.3)" 0 \
	--has spf.result-pass:OK -- spf split.spf.test --ip $C
case_json "badly split record: permerror" 2 \
	--data spf.result-permerror:problem=syntax -- spf badsplit.spf.test --ip $C
case_json "ptr:isp.test matches the forward-confirmed PTR" 0 \
	--data spf.result-pass:mechanism=ptr:isp.test -- spf ptr.spf.test --ip $C
case_json "HELO identity (null sender)" 0 \
	--has spf.result-pass:OK -- spf isp.test --ip 203.0.113.10 --sender ""
case_json "DNSSEC bogus zone: SERVFAIL is temperror (UNKNOWN)" 3 \
	--has spf.result-temperror:UNKNOWN -- spf expired.test --ip $C
case_cmd "--trace records terms, look-ups and answers as evidence" 0 \
	'"query": ?"_spf.isp.test TXT"' \
	-- "$MXDIAG" --json --resolver "$LAB_RESOLVER" spf example.test --ip 203.0.113.10 --trace
case_cmd "--trace shows in the text output with -v" 0 'include:_spf.isp.test .*match' \
	-- "$MXDIAG" -v --resolver "$LAB_RESOLVER" spf example.test --ip 203.0.113.10 --trace
case_cmd "missing --ip is a usage error" 64 "ip" -- "$MXDIAG" spf example.test

rc=0
"$MXDIAG" --resolver "$LAB_DEAD_NS" --timeout 2 --json spf example.test --ip $C \
	>"$OUT/spf-bh.json" 2>&1 || rc=$?
if [ "$rc" = 3 ] && grep -q '"spf.result-temperror"' "$OUT/spf-bh.json"; then
	ok "resolver black hole: temperror, exit 3"
else
	not_ok "resolver black hole: temperror, exit 3" "exit $rc: $(head -c 300 "$OUT/spf-bh.json")"
fi

# Batch mode: JSON Lines in input order, malformed lines reported, the run goes on.
cat >"$OUT/spf-batch.txt" <<EOB
# comment, then a blank line

$C user@pass.spf.test
203.0.113.10 someone@example.test mail.isp.test
not-an-ip user@example.test
$C user@toomany.spf.test
2001:db8::7 user@example.test
203.0.113.10 <> isp.test
$C
192.0.2.200 user@exp.spf.test
EOB
rc=0
"$MXDIAG" --resolver "$LAB_RESOLVER" spf --batch "$OUT/spf-batch.txt" >"$OUT/spf-batch.out" \
	2>"$OUT/spf-batch.err" || rc=$?
got=$(/usr/bin/python3 - "$OUT/spf-batch.out" <<'EOP'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print(" ".join("%d:%s" % (r["line"], r.get("result", "error" if "error" in r else "?"))
    for r in rows))
EOP
)
want="3:pass 4:pass 5:error 6:permerror 7:pass 8:pass 9:error 10:fail"
if [ "$rc" = 1 ] && [ "$got" = "$want" ]; then
	ok "batch: results in input order, malformed lines as error objects, exit 1"
else
	not_ok "batch: results in input order, malformed lines as error objects, exit 1" \
		"exit $rc, got '$got'" "want '$want'" "$(head -c 300 "$OUT/spf-batch.err")"
fi
rc=0
printf '%s user@pass.spf.test\n' $C | "$MXDIAG" --resolver "$LAB_RESOLVER" spf --batch - \
	>"$OUT/spf-stdin.out" 2>&1 || rc=$?
if [ "$rc" = 0 ] && grep -q '"result":"pass"' "$OUT/spf-stdin.out"; then
	ok "batch from standard input"
else
	not_ok "batch from standard input" "exit $rc: $(head -c 300 "$OUT/spf-stdin.out")"
fi
