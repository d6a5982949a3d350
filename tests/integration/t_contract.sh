# The output contract (issue 20): a resolver failure is never a FAIL; the same fact has the
# same status whichever address family showed it; findings come out in the same order on
# every run. Sourced by run.sh inside the lab.

CT=(--timeout 1 --ca-file "$LAB_CA")
DEAD=192.0.2.59	# deadns.lab.test: nothing answers there

ct_dead() {	# ct_dead NAME ARGS...: exit 3, nothing worse than UNKNOWN
	local name=$1 f rc=0; shift
	f="$OUT/contract_$(printf '%s' "$name" | tr -c 'A-Za-z0-9' _).json"
	"$MXDIAG" --json --resolver "$DEAD" "${CT[@]}" "$@" >"$f" 2>/dev/null || rc=$?
	if [ "$rc" = 3 ] && $JCHECK "$f" --none-worse-than WARN >/dev/null; then ok "$name"
	else not_ok "$name" "exit $rc" "$($JCHECK "$f" --none-worse-than WARN)"; fi
}
ct_dead "contract: check with a dead resolver is UNKNOWN" check example.test --ip 192.0.2.25
ct_dead "contract: smarthost with a dead resolver is UNKNOWN" \
	smarthost smtp.isp.test --from alice@isp.test
ct_dead "contract: inbound with a dead resolver is UNKNOWN" inbound example.test

case_json "contract: an unknown user is FAIL over IPv4 and IPv6 alike" 2 \
	--all inbound.rcpt-unknown:FAIL --count inbound.rcpt-unknown:2 \
	-- "${CT[@]}" inbound example.test --rcpt nosuchuser@example.test

# The same run twice: the same findings in the same order.
order() {
	"$MXDIAG" --json --resolver "$LAB_RESOLVER" "${CT[@]}" preflight example.test \
		--ip 192.0.2.25 --helo mx1.example.test --port25-target example.test \
		--port25-target isp.test 2>/dev/null |
		/usr/bin/python3 -c 'import json,sys; [print(f["id"], f["subject"]) for f in json.load(sys.stdin)["findings"]]'
}
a=$(order) b=$(order) c=$(order)
if [ -n "$a" ] && [ "$a" = "$b" ] && [ "$b" = "$c" ]; then
	ok "contract: preflight's findings in the same order on every run"
else
	not_ok "contract: preflight's findings in the same order on every run" \
		"$(diff <(echo "$a") <(echo "$b") | head -n 10)"
fi

# --problems-only for every command, honoured by --json: no OK or INFO finding, and the
# status and exit code of the whole run.
case_json "contract: --problems-only with --json keeps only the problems" 1 \
	--none-worse-than FAIL --not mx.present --not spf.present --has inbound.mx-unreachable:WARN \
	--status WARN -- --problems-only "${CT[@]}" inbound example.test
f="$OUT/contract__--problems-only_with_--json_keeps_only_the_problems.json"
if /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(any(f["status"] in ("OK","INFO") for f in d["findings"]))' "$f"; then
	ok "contract: --problems-only drops every OK and INFO line"
else not_ok "contract: --problems-only drops every OK and INFO line"; fi
