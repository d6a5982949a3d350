# Internationalised domain names as input: converted to the A-label form for DNS (and
# SMTP), both forms shown; the lab zone xn--wgv71a119e.test is 日本語.test.
IDN_U=日本語.test
IDN_A=xn--wgv71a119e.test
case_json "idn: check $IDN_U" 0 --has mx.present:OK --has spf.present:OK \
	--doc target=$IDN_A --doc idn.0.input=$IDN_U --doc idn.0.ascii=$IDN_A \
	-- check "$IDN_U"
# the A-label typed: the same checks, nothing to convert
case_json "idn: check $IDN_A" 0 --has mx.present:OK --doc target=$IDN_A -- check "$IDN_A"
case_cmd "idn: text shows both forms first" 0 "^$IDN_U is written $IDN_A in DNS" -- \
	sh -c '"$1" --resolver "$2" check "$3" | sed -n 3p' sh "$MXDIAG" "$LAB_RESOLVER" "$IDN_U"
case_cmd "idn: --lang ja" 0 "$IDN_U は DNS では $IDN_A" -- \
	"$MXDIAG" --lang ja --resolver "$LAB_RESOLVER" check "$IDN_U"
# an address's domain and an option's name: spf with a sender at the IDN
case_json "idn: spf --sender at the IDN" 0 --has spf.result-pass:OK --doc spf.domain=$IDN_A \
	--doc idn.0.input=$IDN_U -- spf "$IDN_U" --ip 192.0.2.25 --sender "user@$IDN_U"
case_json "idn: upper case maps to the same name" 0 --has mx.present:OK --doc target=$IDN_A \
	-- check "日本語.TEST"
# a name that is not in DNS: found not to exist under its A-label
case_json "idn: bücher.test does not exist" 2 --has domain.not-found:FAIL \
	--doc target=xn--bcher-kva.test -- check "bücher.test"
