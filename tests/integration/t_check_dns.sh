# mxdiag check: PTR/FCrDNS, HELO, internal domains, SPF record analysis, DMARC (issue 9).

# Reverse DNS of the sending address (--ip).
case_json "PTR forward-confirmed (192.0.2.25)" 0 \
	--has ptr.confirmed:OK -- check example.test --ip 192.0.2.25
case_json "PTR generic dynamic-looking name (198.51.100.7)" 1 \
	--has ptr.generic:WARN --data ptr.generic:ptr=198-51-100-7.dyn.isp.test \
	-- check example.test --ip 198.51.100.7
case_json "PTR missing (192.0.2.29)" 2 --has ptr.missing:FAIL -- check example.test --ip 192.0.2.29
case_json "PTR name without address (192.0.2.99 -> ghost)" 2 \
	--has ptr.no-forward:FAIL -- check example.test --ip 192.0.2.99
case_json "PTR not forward-confirmed (192.0.2.98)" 2 \
	--has ptr.not-confirmed:FAIL -- check example.test --ip 192.0.2.98
case_json "two PTR records (192.0.2.97)" 1 --has ptr.multiple:WARN -- check example.test --ip 192.0.2.97
case_json "IPv6 PTR forward-confirmed (2001:db8::25)" 0 \
	--has ptr.confirmed:OK -- check example.test --ip 2001:db8::25

# HELO name.
case_json "HELO resolves to --ip" 1 --has helo.ok:OK \
	-- check example.test --ip 198.51.100.7 --helo mail.example.test
case_json "HELO under .local (Exchange default)" 2 --has helo.internal-name:FAIL \
	-- check example.test --helo exch.corp.local
case_json "HELO bare host name" 2 --has helo.not-fqdn:FAIL -- check example.test --helo EXCH01
case_json "HELO bare IP" 2 --has helo.bare-ip:FAIL -- check example.test --helo 198.51.100.7
case_json "HELO without address" 1 --has helo.no-address:WARN \
	-- check example.test --helo nohost.example.test
case_json "HELO resolves elsewhere" 1 --has helo.ip-mismatch:WARN \
	-- check example.test --ip 198.51.100.7 --helo mx1.example.test

# Internal (AD) domain as mail domain.
case_json "internal domain corp.local" 2 --has domain.internal:FAIL -- check corp.local

# SPF record analysis.
case_json "SPF present, within limits" 0 --has spf.present:OK --has spf.lookups:OK -- check example.test
case_json "SPF more than 10 DNS terms" "*" --has spf.lookup-limit:FAIL --data spf.lookup-limit:dns_terms=11 \
	-- check toomany.spf.test
case_json "SPF exactly 10 DNS terms" "*" --has spf.lookups:OK --data spf.lookups:dns_terms=10 \
	-- check ten.spf.test
case_json "SPF 3 void lookups" "*" --has spf.void-limit:FAIL -- check voids.spf.test
case_json "SPF 2 void lookups is allowed" "*" --not spf.void-limit -- check twovoids.spf.test
case_json "SPF +all" "*" --has spf.plus-all:FAIL -- check plusall.spf.test
case_json "SPF ?all" "*" --has spf.neutral-all:WARN -- check qall.spf.test
case_json "SPF without all" "*" --has spf.no-all:WARN -- check noall.spf.test
case_json "SPF syntax error ip4:999.1.1.1" "*" --has spf.syntax:FAIL \
	--data spf.syntax:term=ip4:999.1.1.1 -- check syntax.spf.test
case_json "SPF unknown mechanism" "*" --has spf.unknown-mechanism:FAIL -- check unknownmech.spf.test
case_json "SPF include= near miss" "*" --has spf.syntax:FAIL \
	--data spf.syntax:term=include=_spf.isp.test -- check includeeq.spf.test
case_json "SPF ip4: with a host name" "*" --has spf.syntax:FAIL -- check ip4host.spf.test
case_json "SPF ptr mechanism" "*" --has spf.ptr-used:WARN -- check ptr.spf.test
case_json "SPF include of NXDOMAIN" "*" --has spf.include-not-found:FAIL -- check nxinclude.spf.test
case_json "SPF include without record" "*" --has spf.include-not-found:FAIL -- check emptyinclude.spf.test
case_json "SPF include loop" "*" --has spf.include-loop:FAIL -- check loop-a.spf.test
case_json "SPF same include twice is not a loop" "*" --not spf.include-loop --has spf.lookups:OK \
	-- check dupinclude.spf.test
case_json "SPF diamond includes are not a loop" "*" --not spf.include-loop -- check diamond.spf.test
case_json "SPF redirect chain followed" "*" --has spf.lookups:OK --data spf.lookups:dns_terms=2 \
	-- check redirect.spf.test
case_json "SPF two records" "*" --has spf.multiple:FAIL -- check twospf.test
case_json "SPF split over strings" "*" --has spf.split-record:INFO -- check split.spf.test
case_json "SPF type 99 present" "*" --has spf.rr-type-99:INFO -- check spfrr.spf.test
case_json "SPF missing" "*" --has spf.missing:WARN -- check none.spf.test

# DMARC.
case_json "DMARC p=reject" 0 --has dmarc.present:OK --data dmarc.present:policy=reject -- check example.test
case_json "DMARC p=none" 0 --has dmarc.present:INFO -- check dmarcnone.test
case_json "DMARC missing" 1 --has dmarc.missing:WARN -- check nodmarc.test
case_json "DMARC without p=" 1 --has dmarc.syntax:WARN -- check baddmarc.test

# SPF verdict for --ip (the evaluator on live DNS, beside the record analysis). The
# address has a generic dynamic PTR, hence WARN overall.
case_json "check --ip: SPF pass for an authorised address" 1 \
	--has spf.result-pass:OK --data spf.result-pass:mechanism=ip4:198.51.100.7 \
	-- check example.test --ip 198.51.100.7 --helo mail.example.test
case_json "check --ip: SPF fail for another address" 2 \
	--has spf.result-fail:FAIL -- check isp.test --ip 192.0.2.25
