# mxdiag check --batch (issue 19, bulk): one `--json check` document per domain, in input
# order, many domains at once, bad lines reported with their number, --shard covering the
# input once, resolver failover. Sourced by run.sh inside the lab.

BT_G="--resolver $LAB_RESOLVER --ca-file $LAB_CA --timeout 3"
BT_NORM="/usr/bin/python3 $(dirname "${BASH_SOURCE[0]}")/batchnorm.py"
BT=$OUT/batch
mkdir -p "$BT"

# bt_same NAME FILE_A FILE_B: the same documents (batchnorm.py: timings and stats out)
bt_same() {
	local name=$1 a=$2 b=$3 d
	if d=$(diff <($BT_NORM "$a") <($BT_NORM "$b") 2>&1) && [ -s "$a" ]; then
		ok "$name"
	else
		not_ok "$name" "$(head -c 600 <<<"$d")"
	fi
}

# bt_py NAME PYTHON-EXPR FILE: assert over docs (the JSON Lines of FILE, parsed)
bt_py() {
	local name=$1 expr=$2 file=$3 out
	if out=$(/usr/bin/python3 - "$file" "$expr" <<'PY' 2>&1
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
targets = [d.get("target") for d in docs]
if not eval(sys.argv[2]):
    print("false: %s; %d lines: %s" % (sys.argv[2], len(docs), [d.get("target", d) for d in docs][:12]))
    sys.exit(1)
PY
	); then ok "$name"; else not_ok "$name" "$out"; fi
}

# The sample: healthy, broken, unresolvable, an MTA-STS policy over HTTPS, an IDN, with and
# without --ip/--helo columns, a DNSSEC-bogus zone (expired.test: SERVFAIL for every name,
# reported the same whatever order the answers arrive in); comments and blank lines in between.
cat >"$BT/sample.txt" <<'EOS'
# domains to check
example.test
nomx.test

nullmx.test 198.51.100.7
cnamemx.test
	twospf.test
  # an indented comment
dnssec.test
expired.test
refused.test
dkim.test
stsgood.test
mxnoaddr.test
日本語.test
example.test 198.51.100.7 mail.example.test
example.test,198.51.100.7,exch.corp.local
EOS
grep -v '^[[:space:]]*#' "$BT/sample.txt" | grep -v '^[[:space:]]*$' >"$BT/sample.lines"

rc=0
"$MXDIAG" --json $BT_G check --batch "$BT/sample.txt" >"$BT/sample.json" \
	2>"$BT/sample.err" || rc=$?
# one single run per line, the same arguments
: >"$BT/single.json"
while IFS= read -r l; do
	read -r -a f <<<"$(tr ',' ' ' <<<"$l")"
	args=(check "${f[0]}")
	[ ${#f[@]} -ge 2 ] && args+=(--ip "${f[1]}")
	[ ${#f[@]} -ge 3 ] && args+=(--helo "${f[2]}")
	"$MXDIAG" --json $BT_G "${args[@]}" | /usr/bin/python3 -c \
		'import json,sys; print(json.dumps(json.load(sys.stdin), ensure_ascii=False))' \
		>>"$BT/single.json" 2>/dev/null
done <"$BT/sample.lines"
bt_same "batch: each document equals the single run's (timings and stats aside)" \
	"$BT/sample.json" "$BT/single.json"
bt_py "batch: one document per domain, in input order, comments and blank lines skipped" \
	'targets == ["example.test", "nomx.test", "nullmx.test", "cnamemx.test", "twospf.test", "dnssec.test", "expired.test", "refused.test", "dkim.test", "stsgood.test", "mxnoaddr.test", "xn--wgv71a119e.test", "example.test", "example.test"]' \
	"$BT/sample.json"
bt_py "batch: each document has its own stats (its queries, its time)" \
	'all(d["stats"]["dns"]["queries"] > 0 and "elapsed_ms" in d["stats"] for d in docs)' \
	"$BT/sample.json"
bt_py "batch: the IDN line is shown in both forms, as a single run shows it" \
	'[d["idn"] for d in docs if "idn" in d] == [[{"input": "日本語.test", "ascii": "xn--wgv71a119e.test"}]]' \
	"$BT/sample.json"
case_cmd "batch: exit status is the worst (FAIL above UNKNOWN)" 0 "^2$" -- echo "$rc"
case_cmd "batch: a summary line on stderr (domains, per status, per second)" 0 \
	'^mxdiag: check: 14 domains in [0-9.]+ s, [0-9]+ per second: .*FAIL.*UNKNOWN|^mxdiag: check: 14 domains in [0-9.]+ s, [0-9]+ per second: .*UNKNOWN.*FAIL' \
	-- cat "$BT/sample.err"

# --concurrency 1 (one domain at a time) gives the same documents
"$MXDIAG" --json $BT_G check --batch "$BT/sample.txt" --concurrency 1 >"$BT/c1.json" \
	2>/dev/null
bt_same "batch: --concurrency 1 gives the same output as the default" "$BT/sample.json" \
	"$BT/c1.json"
"$MXDIAG" --json $BT_G check --batch "$BT/sample.txt" --unordered >"$BT/unord.json" \
	2>/dev/null
bt_same "batch: --unordered gives the same documents (in the order they finish)" \
	"$BT/sample.json" "$BT/unord.json"

# standard input; bad lines reported with their number, the run goes on
printf 'example.test\n\n# c\nbad..name\nexample.test 1.2.3\nexample.test 198.51.100.7 bad_helo!\nexample.test a b c\nnomx.test\n' |
	"$MXDIAG" --json $BT_G check --batch - >"$BT/bad.json" 2>"$BT/bad.err"
rc=$?
bt_py "batch from stdin: bad lines reported with their line numbers, the run goes on" \
	'[d.get("line") for d in docs] == [None, 4, 5, 6, 7, None] and targets[0] == "example.test" and targets[-1] == "nomx.test" and all("error" in d and "input" in d for d in docs[1:5])' \
	"$BT/bad.json"
bt_py "batch: a bad line names what is wrong" \
	'"domain" in docs[1]["error"] and "address" in docs[2]["error"] and docs[2]["input"] == "example.test 1.2.3"' \
	"$BT/bad.json"
case_cmd "batch: bad lines make the exit at least WARN (nomx.test is WARN)" 0 "^1$" -- echo "$rc"
case_cmd "batch: the summary counts the malformed lines" 0 "2 domains .*, 4 malformed lines$" \
	-- cat "$BT/bad.err"
printf 'example.test\n' | "$MXDIAG" --json $BT_G check --batch - >/dev/null 2>&1
case_cmd "batch: exit 0 when every domain is OK or INFO" 0 "^0$" -- echo "$?"

# text output: one line per domain
case_cmd "batch without --json: one line per domain, status and problem ids" 2 \
	'^FAIL +nullmx\.test: .*mx\.null-mx' -- "$MXDIAG" $BT_G check --batch "$BT/sample.txt"

# --shard I/N: three processes cover the input exactly once
for i in 0 1 2; do
	"$MXDIAG" --json $BT_G check --batch "$BT/sample.txt" --shard "$i/3" \
		>"$BT/shard$i.json" 2>/dev/null
done
cat "$BT/shard0.json" "$BT/shard1.json" "$BT/shard2.json" >"$BT/shards.json"
bt_same "shards 0/3 1/3 2/3 together equal the unsharded run" "$BT/sample.json" \
	"$BT/shards.json"
if n=$(for i in 0 1 2; do $BT_NORM "$BT/shard$i.json" | sort -u; done | sort | uniq -d | wc -l) &&
    [ "$n" = 0 ] && [ -s "$BT/shard0.json" ] && [ -s "$BT/shard1.json" ] && [ -s "$BT/shard2.json" ]; then
	ok "shards: no domain in two shards, every shard has some"
else
	not_ok "shards: no domain in two shards, every shard has some" "$n duplicates"
fi
if command -v parallel >/dev/null 2>&1; then
	parallel -j3 "$MXDIAG" --json $BT_G check --batch "$BT/sample.txt" --shard {}/3 \
		::: 0 1 2 >"$BT/parallel.json" 2>/dev/null
	bt_same "GNU parallel, 3 local jobs of --shard {}/3: the concatenation is the whole run" \
		"$BT/sample.json" "$BT/parallel.json"
else
	skip "GNU parallel" "parallel is not installed"
fi
# spf --batch shards too (by the sender's domain)
printf '192.0.2.1 a@example.test\n192.0.2.1 b@nomx.test\n192.0.2.1 c@twospf.test\n198.51.100.7 d@spf.test\n' \
	>"$BT/spf.txt"
"$MXDIAG" $BT_G spf --batch "$BT/spf.txt" 2>/dev/null | sort >"$BT/spf-all.out"
for i in 0 1; do "$MXDIAG" $BT_G spf --batch "$BT/spf.txt" --shard $i/2 2>/dev/null; done |
	sort >"$BT/spf-shards.out"
if [ -s "$BT/spf-all.out" ] && [ "$(wc -l <"$BT/spf-all.out")" = 4 ] &&
    diff <(sed 's/"ms":[0-9]*//' "$BT/spf-all.out") <(sed 's/"ms":[0-9]*//' "$BT/spf-shards.out") >/dev/null; then
	ok "spf --batch --shard: two shards cover the lines once"
else
	not_ok "spf --batch --shard: two shards cover the lines once" "$(head -c 300 "$BT/spf-shards.out")"
fi

# A timeout moves the query to the next resolver: a black hole first, then the good one.
printf 'example.test\nnomx.test\nnullmx.test 198.51.100.7\n' >"$BT/three.txt"
"$MXDIAG" --json $BT_G check --batch "$BT/three.txt" >"$BT/three.json" 2>/dev/null
"$MXDIAG" --json --resolver "$LAB_DEAD_NS" --resolver "$LAB_RESOLVER" --ca-file "$LAB_CA" \
	--timeout 3 check --batch "$BT/three.txt" >"$BT/failover.json" 2>/dev/null
bt_py "failover: a dead first resolver costs time, never an answer (batch)" \
	'len(docs) == 3 and not any(f["id"].startswith("dns.") for d in docs for f in d["findings"])' \
	"$BT/failover.json"
"$MXDIAG" --json --resolver "$LAB_DEAD_NS" --resolver "$LAB_RESOLVER" --ca-file "$LAB_CA" \
	--timeout 3 check nomx.test 2>/dev/null | /usr/bin/python3 -c \
	'import json,sys; print(json.dumps(json.load(sys.stdin)))' >"$BT/failover-one.json"
bt_py "failover: a single run, which always asks the dead resolver first, gets every answer" \
	'not any(f["id"].startswith("dns.") for d in docs for f in d["findings"]) and docs[0]["target"] == "nomx.test"' \
	"$BT/failover-one.json"
"$MXDIAG" --json --resolver "$LAB_DEAD_NS" --timeout 1 check --batch "$BT/three.txt" \
	>"$BT/dead.json" 2>/dev/null
bt_py "failover: the dead resolver alone does time out (the case above can fail)" \
	'all(any(f["id"] == "dns.timeout" for f in d["findings"]) for d in docs)' "$BT/dead.json"

# --qps paces the queries: N queries at Q a second take at least (N-1)/Q seconds
t0=$(now_ms)
"$MXDIAG" --json $BT_G check --batch "$BT/three.txt" --qps 40 >"$BT/qps.json" 2>/dev/null
t1=$(now_ms)
bt_py "--qps 40: the queries took at least (queries - 1) / 40 s ($((t1 - t0)) ms)" \
	"sum(d['stats']['dns']['queries'] for d in docs) >= 40 and $((t1 - t0)) >= 1000 * (sum(d['stats']['dns']['queries'] for d in docs) - 1) / 40 - 20" \
	"$BT/qps.json"
bt_same "--qps: the same documents as without it" "$BT/three.json" "$BT/qps.json"

# usage errors
case_cmd "batch: DOMAIN and --batch together is a usage error" 64 "give no DOMAIN" -- \
	"$MXDIAG" check example.test --batch "$BT/three.txt"
case_cmd "batch: --shard 3/3 is a usage error" 64 "--shard '3/3' is not I/N" -- \
	"$MXDIAG" check --batch "$BT/three.txt" --shard 3/3
case_cmd "batch: --concurrency 0 is a usage error" 64 "--concurrency '0' is not a number" -- \
	"$MXDIAG" check --batch "$BT/three.txt" --concurrency 0
case_cmd "batch: --shard without --batch is a usage error" 64 "go with --batch" -- \
	"$MXDIAG" check example.test --shard 0/2
case_cmd "batch: a missing file is exit 64, as every unreadable file named on the command line" 64 "cannot open" -- \
	"$MXDIAG" check --batch "$BT/nonexistent"

# The progress line: on stderr when it is a terminal (a pty here), never on stdout, cleared
# before the summary line; nothing of it when stderr is a file (the runs above).
if out=$(/usr/bin/python3 - "$MXDIAG" "$BT/sample.txt" "$BT/pty.json" $BT_G <<'PY' 2>&1
import os, pty, re, subprocess, sys
mx, inp, outp, g = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
master, slave = pty.openpty()
with open(outp, "wb") as out:
    p = subprocess.Popen([mx, "--json"] + g + ["check", "--batch", inp], stdout=out, stderr=slave)
    os.close(slave)
    err = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        err += chunk
    p.wait()
lines = open(outp, "rb").read().splitlines()
ok = (b"domains checked" in err and re.search(rb"\r\x1b\[Kmxdiag: check: 14 domains in ", err)
      and len(lines) == 14 and not any(b"domains checked" in l for l in lines))
if not ok:
    print(repr(err[-300:]), len(lines))
    sys.exit(1)
PY
); then
	ok "progress on a terminal: on stderr only, cleared before the summary line"
else
	not_ok "progress on a terminal: on stderr only, cleared before the summary line" "$out"
fi
if [ "$(grep -c . "$BT/sample.err")" = 1 ] && ! grep -q 'domains checked' "$BT/sample.err"; then
	ok "progress: nothing of it when stderr is a file, the summary line only"
else
	not_ok "progress: nothing of it when stderr is a file" "$(head -c 300 "$BT/sample.err")"
fi

# A reader that goes away (| head) ends the run: no more lines read, exit 3.
for i in $(seq 1 400); do echo example.test; done >"$BT/many.txt"
"$MXDIAG" --json $BT_G check --batch "$BT/many.txt" --concurrency 2 2>"$BT/head.err" |
	head -n 1 >/dev/null
rc=${PIPESTATUS[0]}
n=$(sed -n 's/^mxdiag: check: \([0-9]*\) domains .*/\1/p' "$BT/head.err")
if [ "$rc" = 3 ] && [ -n "$n" ] && [ "$n" -lt 400 ]; then
	ok "output closed (| head): the run stops early ($n of 400 domains), exit 3"
else
	not_ok "output closed (| head): the run stops early, exit 3" "exit $rc, $(head -c 300 "$BT/head.err")"
fi
