#!/bin/bash
# Self-checks of the lab, run by "lab.sh verify" INSIDE the lab namespace.
# DNS with dig; SMTP personas and OP25B with selftest.py (python smtplib).
# Prints one line per check and "N passed, N failed"; exit 0 if all passed.
set -u
[ -n "${LAB_WORK:-}" ] || { echo "verify.sh: run me through lab.sh verify" >&2; exit 2; }
PY=/usr/bin/python3
A=$LAB_AUTH_NS
R=$LAB_RESOLVER
PASS=0
FAIL=0
T0=${EPOCHREALTIME/./}

check() { # check NAME REGEX CMD... : passes when CMD's stdout+stderr matches REGEX
	local name=$1 re=$2 out
	shift 2
	out=$("$@" 2>&1)
	if grep -Eq -- "$re" <<<"$out"; then
		PASS=$((PASS + 1))
		echo "ok    $name"
	else
		FAIL=$((FAIL + 1))
		echo "FAIL  $name"
		echo "      cmd: $*"
		echo "      want: /$re/"
		sed 's/^/      | /' <<<"$out" | tail -12
	fi
}
check_not() { # check_not NAME REGEX CMD... : passes when the output does NOT match
	local name=$1 re=$2 out
	shift 2
	out=$("$@" 2>&1)
	if ! grep -Eq -- "$re" <<<"$out"; then
		PASS=$((PASS + 1))
		echo "ok    $name"
	else
		FAIL=$((FAIL + 1))
		echo "FAIL  $name"
		echo "      cmd: $*"
		sed 's/^/      | /' <<<"$out" | tail -12
	fi
}
q() { dig +time=2 +tries=1 "$@"; }           # full answer
s() { dig +time=2 +tries=1 +short "$@"; }    # short answer
count() { "$@" | grep -c .; }                # number of answer lines
ptr_fc() { # ptr_fc IP : PTR name(s) and whether each resolves back to IP
	local ip=$1 n t=A
	[[ $ip == *:* ]] && t=AAAA
	for n in $(s @"$R" -x "$ip"); do
		if s @"$R" "$n" $t | grep -qx "$ip"; then echo "$n confirmed"; else echo "$n NOT-confirmed"; fi
	done
}
zones_loaded() { # zones_loaded SERVER FLAGS: every zone file answers SOA
	local f o args=() n=0 srv=$1 flags=$2
	shift 2
	for f in "$LAB_DIR"/zones/*.zone; do
		o=$(basename "$f" .zone)
		[ "$o" = root ] && o=.
		args+=("$o" SOA)
		n=$((n + 1))
	done
	local ok
	ok=$(dig +time=2 +tries=1 +noall +comments "$@" @"$srv" "${args[@]}" | grep -c "flags: $flags.*ANSWER: 1,")
	echo "$ok of $n zones answer SOA from $srv"
	[ "$ok" -eq "$n" ] && echo ALL-ZONES-OK
}
qtime() { # qtime DIG-ARGS... : dig's own query time in ms
	dig +time=2 +tries=1 +noall +stats "$@" | sed -n 's/^;; Query time: \([0-9]*\) msec/\1/p'
}
in_range() { local v; v=$("${@:3}"); [ "$v" -ge "$1" ] && [ "$v" -le "$2" ] && echo "IN_RANGE $v" || echo "OUT_OF_RANGE $v"; }

echo "lab: up in ${LAB_UP_MS:-?} ms; work dir $LAB_WORK"
echo "== namespace"
check "lo carries the lab addresses" "^4$" sh -c "ip -br addr show dev lo | tr ' ' '\n' | grep -cxE '(192.0.2.25|203.0.113.10|198.51.100.7)/32|2001:db8::25/128'"
check "only lo: no way out" "^1$" count ip -o link
check_not "no default route" "default" ip route
check "lab traffic comes from the client address $LAB_CLIENT_IP" "src $LAB_CLIENT_IP" ip route get 192.0.2.25
check "IPv6 lab traffic comes from $LAB_CLIENT_IP6" "src $LAB_CLIENT_IP6" ip -6 route get 2001:db8::25
check "resolv.conf points at the lab resolver" "^nameserver $R$" cat /etc/resolv.conf
check "hostname is client.lab.test" "^client.lab.test$" hostname
check "dead NS is an nft drop in the input hook" "hook input.*daddr $LAB_DEAD_NS drop" sh -c "nft list ruleset | tr -d '\n\t'"

echo "== DNS: NSD ($A) and the fake root"
check "every zone file loaded" "ALL-ZONES-OK" zones_loaded "$A" "qr aa"
check "NSD also on port 5300" "^10 mx1.example.test.$" s @"$A" -p 5300 example.test MX
check "NSD over IPv6" "^2001:db8::25$" s @2001:db8::53 mx1.example.test AAAA
check "fake root: nosuch.invalid NXDOMAIN" "status: NXDOMAIN" q @"$A" nosuch.invalid A

echo "== DNS through the resolver ($R)"
# (+cd: expired.test is SERVFAIL by design)
check "every zone reachable through the fake root" "ALL-ZONES-OK" zones_loaded "$R" "qr rd ra" +cd
check "resolver recurses (ra, no aa)" "flags: qr rd ra;" q @"$R" example.test MX
check "resolver over IPv6" "^10 mx1.example.test.$" s @2001:db8::54 example.test MX
check "libc getaddrinfo uses the lab resolver" "^192.0.2.25 " getent ahostsv4 mx1.example.test
check "example.test MX 10 mx1 and 20 mx2" "^10 mx1.example.test. 20 mx2.example.test.$" sh -c "echo \$(dig +short @$R example.test MX | sort)"
check "example.test A" "^192.0.2.80$" s @"$R" example.test A
check "example.test AAAA" "^2001:db8::80$" s @"$R" example.test AAAA
check "mx1.example.test A" "^192.0.2.25$" s @"$R" mx1.example.test A
check "mx1.example.test AAAA" "^2001:db8::25$" s @"$R" mx1.example.test AAAA
check "mx2.example.test A" "^192.0.2.28$" s @"$R" mx2.example.test A
check "example.test SPF authorises $LAB_CLIENT_IP and the MX" '"v=spf1 ip4:192.0.2.0/24 .*ip4:198.51.100.7 .*-all"' s @"$R" example.test TXT
check "example.test DMARC p=reject with rua" '"v=DMARC1; p=reject; rua=mailto:' s @"$R" _dmarc.example.test TXT
check "long TXT: 2 strings" '^"v=spf1 [^"]*" "ip4:192.0.2.18 [^"]*"$' s @"$R" long.example.test TXT
check "long TXT: over 255 octets in total" "^LONG 362$" sh -c "dig +short @$R long.example.test TXT | sed 's/\" \"//; s/^\"//; s/\"\$//' | awk '{ if (length > 255) print \"LONG\", length }'"
check "HELO name mail.example.test = client address" "^198.51.100.7$" s @"$R" mail.example.test A
check "doesnotexist.test NXDOMAIN" "status: NXDOMAIN" q @"$R" doesnotexist.test A
check "nosuch.invalid NXDOMAIN" "status: NXDOMAIN" q @"$R" nosuch.invalid A
check "corp.local NXDOMAIN (internal domain)" "status: NXDOMAIN" q @"$R" corp.local MX
check "exch.corp.local NXDOMAIN (HELO name)" "status: NXDOMAIN" q @"$R" exch.corp.local A
check "nomx.test: no MX (NOERROR, 0 answers)" "status: NOERROR.*ANSWER: 0," sh -c "dig @$R nomx.test MX | tr -d '\n'"
check "nomx.test: A 192.0.2.80" "^192.0.2.80$" s @"$R" nomx.test A
check "nullmx.test: MX 0 ." "^0 \.$" s @"$R" nullmx.test MX
check "cnamemx.test: MX target is a CNAME" "mail.cnamemx.test.*CNAME.*mx1.example.test" q @"$R" mail.cnamemx.test A +noall +answer
check "twospf.test: two v=spf1 TXT" "^2$" sh -c "dig +short @$R twospf.test TXT | grep -c v=spf1"
check "mxip.test: MX 10 192.0.2.25." "^10 192.0.2.25.$" s @"$R" mxip.test MX
check "mxip.test: target name does not resolve" "status: NXDOMAIN" q @"$R" 192.0.2.25. A
check "mxnoaddr.test: target NODATA" "status: NOERROR.*ANSWER: 0," sh -c "dig @$R mail.mxnoaddr.test A | tr -d '\n'"
check "mxnxtarget.test: target NXDOMAIN" "status: NXDOMAIN" q @"$R" gone.mxnxtarget.test A
check "mxprivate.test: 10.0.0.25" "^10.0.0.25$" s @"$R" internal.mxprivate.test A
check "mxprivate.test: 127.0.0.1" "^127.0.0.1$" s @"$R" loopback.mxprivate.test A
check "eqpref.test: two MX, same preference" "^2$" sh -c "dig +short @$R eqpref.test MX | grep -c '^10 '"
check "eqpref.test: both resolvable" "192.0.2.35 192.0.2.36" sh -c "echo \$(dig +short @$R mx-a.eqpref.test mx-b.eqpref.test)"
check "noaddr.test: MX present" "^10 mx1.example.test.$" s @"$R" noaddr.test MX
check "noaddr.test: no A at apex" "status: NOERROR.*ANSWER: 0," sh -c "dig @$R noaddr.test A | tr -d '\n'"
check "nothing.test: no MX" "status: NOERROR.*ANSWER: 0," sh -c "dig @$R nothing.test MX | tr -d '\n'"
check "nothing.test: no A" "status: NOERROR.*ANSWER: 0," sh -c "dig @$R nothing.test A | tr -d '\n'"
check "nothing.test: no AAAA" "status: NOERROR.*ANSWER: 0," sh -c "dig @$R nothing.test AAAA | tr -d '\n'"
check "aaaaonly.test: AAAA" "^2001:db8::80$" s @"$R" aaaaonly.test AAAA
check "aaaaonly.test: no A" "status: NOERROR.*ANSWER: 0," sh -c "dig @$R aaaaonly.test A | tr -d '\n'"
check "aaaaonly.test: MX target AAAA only" "^2001:db8::35$" s @"$R" mx.aaaaonly.test AAAA
check "isp.test: smtp 203.0.113.10" "^203.0.113.10$" s @"$R" smtp.isp.test A
check "isp.test: mx 203.0.113.25" "^203.0.113.25$" s @"$R" mx.isp.test A
check "isp.test: SPF" '^"v=spf1 ip4:203.0.113.0/24 -all"$' s @"$R" isp.test TXT
check "isp.test: submission SRV" "^0 1 587 smtp.isp.test.$" s @"$R" _submission._tcp.isp.test SRV
check "exch.test MX" "^10 mx.exch.test.$" s @"$R" exch.test MX
check "openrelay.test MX" "^10 mail.openrelay.test.$" s @"$R" openrelay.test MX
check "backup.test MX 10 + 20" "^10 mx1.backup.test. 20 mx2.backup.test.$" sh -c "echo \$(dig +short @$R backup.test MX | sort)"

echo "== PTR / forward-confirmed reverse DNS"
check "client $LAB_CLIENT_IP: dynamic PTR, confirmed" "^198-51-100-7.dyn.isp.test. confirmed$" ptr_fc "$LAB_CLIENT_IP"
check "client $LAB_CLIENT_IP6: PTR confirmed" "^2001-db8--7.dyn.isp.test. confirmed$" ptr_fc "$LAB_CLIENT_IP6"
check "192.0.2.25 -> mx1.example.test, confirmed" "^mx1.example.test. confirmed$" ptr_fc 192.0.2.25
check "2001:db8::25 -> mx1.example.test, confirmed" "^mx1.example.test. confirmed$" ptr_fc 2001:db8::25
check "192.0.2.99 -> ghost.example.test" "^ghost.example.test.$" s @"$R" -x 192.0.2.99
check "ghost.example.test has no address" "status: NXDOMAIN" q @"$R" ghost.example.test A
check "192.0.2.98 -> name that points elsewhere" "^elsewhere.example.test. NOT-confirmed$" ptr_fc 192.0.2.98
check "192.0.2.29: no PTR" "status: NXDOMAIN" q @"$R" -x 192.0.2.29
check "192.0.2.97: two PTRs" "^2$" count s @"$R" -x 192.0.2.97
for ip in 192.0.2.26 192.0.2.27 192.0.2.30 192.0.2.31 192.0.2.32 192.0.2.33 192.0.2.34 \
	192.0.2.35 192.0.2.36 203.0.113.10 203.0.113.25 198.51.100.25 2001:db8::35 2001:db8::100:25; do
	check "persona $ip: PTR forward-confirmed" "^[a-z0-9.-]+ confirmed$" ptr_fc "$ip"
done

echo "== SPF analysis zone (spf.test)"
spf() { s @"$R" "$1.spf.test" TXT | tr -d '"'; }
check "pass" "^v=spf1 ip4:198.51.100.7 -all$" spf pass
check "toomany: 11 lookups through 3 nested includes" "^3 3 3 2$" sh -c "for n in toomany tm1 tm2 tm3; do dig +short @$R \$n.spf.test TXT | tr -d '\"' | tr ' ' '\n' | grep -cE '^(a|mx|include:.*)$'; done | xargs"
check "ten: exactly 10 lookups" "^3 3 3 1$" sh -c "for n in ten ten1 ten2 ten3; do dig +short @$R \$n.spf.test TXT | tr -d '\"' | tr ' ' '\n' | grep -cE '^(a|mx|include:.*)$'; done | xargs"
check "voids: 3 void lookups" "a a:nxvoid1.spf.test exists:nxvoid2.spf.test" spf voids
check "voids: the bare a is NODATA" "status: NOERROR.*ANSWER: 0," sh -c "dig @$R voids.spf.test A | tr -d '\n'"
check "voids: nxvoid1 NXDOMAIN" "status: NXDOMAIN" q @"$R" nxvoid1.spf.test A
check "+all" "^v=spf1 \+all$" spf plusall
check "?all" "\?all$" spf qall
check "no all" "^v=spf1 ip4:192.0.2.25$" spf noall
check "syntax error ip4:999.1.1.1" "ip4:999.1.1.1" spf syntax
check "unknown mechanism ip:" " ip:198.51.100.7 " spf unknownmech
check "include= near miss" "include=_spf.isp.test" spf includeeq
check "ip4: with a host name" "ip4:mail.example.test" spf ip4host
check "ptr mechanism" "^v=spf1 ptr ptr:isp.test -all$" spf ptr
check "include of a nonexistent name" "include:doesnotexist.spf.test" spf nxinclude
check "  ... which is NXDOMAIN" "status: NXDOMAIN" q @"$R" doesnotexist.spf.test TXT
check "include loop a -> b" "include:loop-b.spf.test" spf loop-a
check "include loop b -> a" "include:loop-a.spf.test" spf loop-b
check "same include twice" "include:common.spf.test include:common.spf.test" spf dupinclude
check "redirect chain 1" "redirect=redirect2.spf.test" spf redirect
check "redirect chain 2" "redirect=final.spf.test" spf redirect2
check "split over 3 strings" '^"v=spf1 ip4:192.0.2.25 " "ip4:198.51.100.7 " "-all"$' s @"$R" split.spf.test TXT
check "badly split (no space)" '^"v=spf1 ip4:192.0.2.25" "ip4' s @"$R" badsplit.spf.test TXT
check "SPF RR type 99 present" "^\"v=spf1 ip4:198.51.100.7 -all\"$" s @"$R" spfrr.spf.test SPF
check "SPF RR only: no TXT" "status: NOERROR.*ANSWER: 0," sh -c "dig @$R spfrronly.spf.test TXT | tr -d '\n'"
check_not "none: no v=spf1" "v=spf1" s @"$R" none.spf.test TXT
check "exp= with macro explanation" "exp=why.spf.test" spf exp
check "  ... explanation has macros" "%\{i\} is not one of %\{d\}" spf why

echo "== DMARC"
check "dmarcnone.test p=none with rua" '"v=DMARC1; p=none; rua=mailto:' s @"$R" _dmarc.dmarcnone.test TXT
check "nodmarc.test: no DMARC" "status: NXDOMAIN" q @"$R" _dmarc.nodmarc.test TXT
check "baddmarc.test: p= missing" '^"v=DMARC1; rua=' s @"$R" _dmarc.baddmarc.test TXT
check "twospf.test: p=bogus" "p=bogus" s @"$R" _dmarc.twospf.test TXT

echo "== resolver faults"
check "refused.test REFUSED" "status: REFUSED" q @"$R" refused.test A
check "dnssec.test validates (ad)" "flags: qr rd ra ad;" q @"$R" dnssec.test MX +dnssec
check "expired.test SERVFAIL (signatures expired)" "status: SERVFAIL" q @"$R" expired.test MX
check "expired.test with +cd NOERROR" "status: NOERROR" q @"$R" expired.test MX +cd
check "dead NS $LAB_DEAD_NS times out" "timed out|no servers could be reached" dig +time=1 +tries=1 @"$LAB_DEAD_NS" example.test MX
lo=$((LAB_DELAY_MS * 2 - 2)) hi=$((LAB_DELAY_MS * 2 + 60))
check "slow NS $LAB_SLOW_NS: ~2 x $LAB_DELAY_MS ms (UDP)" "IN_RANGE" in_range $lo $hi qtime @"$LAB_SLOW_NS" example.test MX
check "slow NS over TCP" "^10 mx1.example.test.$" s +tcp @"$LAB_SLOW_NS" example.test MX

echo "== real mail servers (mta.sh)"
for ip in 192.0.2.71 192.0.2.72 192.0.2.73 192.0.2.74 192.0.2.75 192.0.2.76 192.0.2.81 203.0.113.60; do
	check "real MTA $ip: PTR forward-confirmed" "^[a-z0-9.-]+ confirmed$" ptr_fc "$ip"
done
check "rbl.test lists the client" "^127.0.0.2$" s @"$R" 7.100.51.198.rbl.test A
check "pfsub.test: submission SRV on 587" "^0 1 587 smtp.pfsub.test.$" s @"$R" _submission._tcp.pfsub.test SRV
banner() { # banner IP PORT: the first line the server sends
	local fd line
	exec {fd}<>"/dev/tcp/$1/$2" || return 1
	read -r -t 2 -u "$fd" line
	exec {fd}>&-
	echo "$line"
}
for m in postfix:192.0.2.71:"220 mx.pfmx.test ESMTP Postfix" \
	postfix:203.0.113.60:587:"220 smtp.pfsub.test ESMTP Postfix" \
	postfix:192.0.2.72:"220 mail.pfopen.test ESMTP Postfix" \
	exim:192.0.2.73:"220 mx.eximmx.test ESMTP Exim 4" \
	opensmtpd:192.0.2.74:"220 mx.smtpdmx.test ESMTP OpenSMTPD"; do
	name=${m%%:*} rest=${m#*:} want=${m##*:}
	ip=${rest%%:*} port=25
	[[ $rest == *:*:* ]] && { port=${rest#*:}; port=${port%%:*}; }
	st=$(cat "$LAB_WORK/mta/$name.state" 2>/dev/null)
	if [ "$st" = up ]; then
		check "real $name $ip:$port greets" "^$want" banner "$ip" "$port"
	else
		echo "skip  real $name $ip:$port: ${st:-no state}"
	fi
done

echo "== SMTP personas and OP25B (python smtplib)"
out=$("$PY" "$LAB_DIR/selftest.py")
echo "$out"
PASS=$((PASS + $(grep -c '^ok ' <<<"$out")))
FAIL=$((FAIL + $(grep -c '^FAIL ' <<<"$out")))

echo "lab: checks took $(((${EPOCHREALTIME/./} - T0) / 1000)) ms"
echo "$PASS passed, $FAIL failed"
[ $FAIL -eq 0 ]
