#!/bin/bash
# Regenerate docs/examples.md: one worked example of each command, with its real output in
# the lab. Usage: tests/lab/lab.sh run scripts/gen-examples.sh BUILD/mxdiag > docs/examples.md
set -u
M=$1
G=(--resolver "$LAB_RESOLVER" --ca-file "$LAB_CA" --timeout 2 --no-color)
ex() {	# ex "TITLE" ARGS...
	local title=$1; shift
	printf '\n## %s\n\n```\n$ mxdiag %s\n' "$title" "$*"
	"$M" "${G[@]}" "$@" 2>&1 | sed "s|$LAB_CA|LAB_CA|g"
	printf '(exit status %s)\n```\n' "${PIPESTATUS[0]}"
}
cat <<'HEAD'
# Worked examples

Real output of each command in the lab world (`tests/lab/`, see its README for the names and
addresses), made by `scripts/gen-examples.sh`. Every run used the global options
`--resolver 192.0.2.54 --ca-file LAB_CA --timeout 2`; on a real network leave them out.
HEAD
ex "check: a domain without MX" check nomx.test
ex "check: sending address and HELO of an Exchange server on a dynamic line" \
	check example.test --ip 198.51.100.7 --helo exch.corp.local
ex "spf: evaluation with its trace" -v spf example.test --ip 203.0.113.10 --sender alice@example.test --trace
lab-op25b drop >/dev/null
ex "port25: the ISP drops outbound port 25" port25 example.test openrelay.test exch.test --submission smtp.isp.test
lab-op25b off >/dev/null
export EXAMPLE_PASSWORD=alice-pass
ex "smarthost: which relay, port and TLS mode to use" smarthost smtp.isp.test \
	--from alice@isp.test --user alice@isp.test --password-env EXAMPLE_PASSWORD
ex "inbound: Exchange refuses anonymous senders" inbound exch.test
ex "inbound: an MTA-STS policy that leaves out the MX" inbound stsmiss.test
ex "inbound: a TLSA record for a key the MX no longer has" inbound bad.dane.test
ex "relay: an open relay" relay mail.openrelay.test
d=$(mktemp -d)
printf 'Diagnostic-Code: smtp; 550 5.1.1 <nobody@example.test>: Recipient address rejected: User unknown\n' >"$d/bounce.txt"
cd "$d" && ex "explain: a one-line diagnostic" explain bounce.txt
cd / && rm -rf "$d"
ex "preflight: the checklist, problems only" preflight exch.test --problems-only \
	--ip 198.51.100.7 --helo exch.corp.local --port25-target example.test --port25-target isp.test \
	--submission smtp.isp.test
