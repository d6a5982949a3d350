#!/bin/sh
# docs/mxdiag.schema.json without the lab: real output of explain --no-dns (one document,
# and JSON Lines of several) is valid, a new member is allowed, and documents broken in
# the ways the schema promises to catch are not. The lab suite validates every output of
# its cases (tests/integration/lib.sh, check_schema).
set -u
M=${MXDIAG:-./mxdiag}
top=${srcdir:-.}
schema=$top/docs/mxdiag.schema.json
js="/usr/bin/python3 $top/tests/integration/jschema.py $schema"
/usr/bin/python3 -c 'import jsonschema' 2>/dev/null ||
	{ echo "skip: python3-jsonschema is not installed"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
pass=0 fail=0
valid() {	# valid WHAT FILE
	if out=$($js "$2" 2>&1); then pass=$((pass + 1)); else
		echo "FAIL $1: $out"; fail=$((fail + 1)); fi
}
invalid() {	# invalid WHAT FILE
	if out=$($js "$2" 2>&1); then echo "FAIL $1 passed the schema"; fail=$((fail + 1))
	else pass=$((pass + 1)); fi
}
emails=$top/tests/bounces/data/emails
set -- $(ls "$emails"/*.eml | head -n 3)
"$M" --json explain --no-dns "$1" >"$dir/one.json"
valid "explain document" "$dir/one.json"
"$M" --json explain --no-dns "$@" >"$dir/lines.json"
[ "$(wc -l <"$dir/lines.json")" -eq 3 ] || { echo "FAIL: not 3 JSON Lines"; fail=$((fail + 1)); }
valid "explain JSON Lines" "$dir/lines.json"
# mutate NAME PYTHON: one.json changed by a Python statement on d
mutate() {
	/usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); $2; json.dump(d, open(sys.argv[2], 'w'))" \
	    "$dir/one.json" "$dir/$1.json"
}
mutate added 'd["future_member"] = {"x": 1}; d["findings"][0]["data"]["new"] = [1]'
valid "a new member" "$dir/added.json"
mutate status 'd["status"] = "BAD"'
invalid "status BAD" "$dir/status.json"
mutate exit 'd["exit_code"] = (d["exit_code"] + 1) % 4'
invalid "exit_code not the status's" "$dir/exit.json"
mutate nofindings 'del d["findings"]'
invalid "no findings member" "$dir/nofindings.json"
mutate empty 'd["findings"] = []; d["status"] = "OK"; d["exit_code"] = 0'
invalid "no findings yet OK" "$dir/empty.json"
mutate fstatus 'd["findings"][0]["status"] = "ok"'
invalid "finding status in lower case" "$dir/fstatus.json"
mutate fix 'd["findings"][0]["fix"] = 3'
invalid "fix a number" "$dir/fix.json"
mutate stats 'd["stats"]["dns"]["queries"] = "7"'
invalid "stats.dns.queries a string" "$dir/stats.json"
mutate dns 'd["findings"][0]["evidence"] = [{"kind": "dns", "text": "x", "qname": "a.test", "qtype": "MX", "rcode": 0, "status": "WEIRD", "ms": 1, "ad": False, "tc": False, "answers": []}]'
invalid "DNS evidence status WEIRD" "$dir/dns.json"
mutate regraded 'd["findings"][0]["data"]["regraded"] = {"from": "BAD", "why": "x"}'
invalid "regraded from BAD" "$dir/regraded.json"
mutate verdict 'd["verdict"] = {"outbound": {"path": 3, "text": "x"}}'
invalid "verdict path a number" "$dir/verdict.json"
mutate idn 'd["idn"] = [{"input": "\u65e5\u672c\u8a9e.jp"}]'
invalid "idn without its ascii form" "$dir/idn.json"
mutate idn2 'd["idn"] = [{"input": "\u65e5\u672c\u8a9e.jp", "ascii": "xn--wgv71a119e.jp"}]'
valid "idn with both forms" "$dir/idn2.json"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
