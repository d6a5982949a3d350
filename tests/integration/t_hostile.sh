# Hostile servers (issue 8): mxdiag against the lab's hostile DNS (hostile_dns.py) and SMTP
# (hostile_smtp.py) servers. For each: it ends within its --timeout (a generous bound),
# reports UNKNOWN or the right finding, writes valid UTF-8 JSON of bounded size, and its peak
# RSS stays within a margin of a plain run's. Sourced by run.sh inside the lab.
#   tests/integration/run.sh tests/integration/t_hostile.sh

HOSTILE_NS=192.0.2.40	# hostile_dns.py, also usable as a (very bad) resolver
HZ=dns.hostile.test	# the zone it serves; the first label picks the case
HT=1			# --timeout of every case, seconds
HOSTILE_JSON_MAX=262144	# bytes: the report of a hostile run stays small

# Measure one run: exit code, wall milliseconds, peak RSS and whether it had to be killed.
# Peak RSS is getrusage() of the waited child (no dependency on /usr/bin/time); it starts
# from the forking python's RSS (about 10 MB), so it is compared with a baseline measured
# the same way: a bound on it is a bound on mxdiag's own peak.
HMEASURE="$OUT/hostile-measure.py"
cat >"$HMEASURE" <<'PY'
import resource, subprocess, sys, time
limit, out, err, cmd = float(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
t0 = time.monotonic()
with open(out, "wb") as o, open(err, "wb") as e:
    p = subprocess.Popen(cmd, stdout=o, stderr=e)
    try:
        rc, killed = p.wait(timeout=limit), 0
    except subprocess.TimeoutExpired:
        p.kill()
        rc, killed = p.wait(), 1
ms = int((time.monotonic() - t0) * 1000)
rc = 128 - rc if rc < 0 else rc  # killed by signal N: 128+N, as the shell says
print(rc, ms, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, killed)
PY

# Peak RSS of a plain run is the baseline; a sanitizer build needs a wider margin (shadow
# memory, quarantine). Unbounded growth (an endless reply kept whole) blows either margin.
read -r _ _ H_RSS0 _ < <(/usr/bin/python3 "$HMEASURE" 30 /dev/null /dev/null \
	"$MXDIAG" --json --resolver "$LAB_RESOLVER" --timeout 2 check example.test)
if ldd "$MXDIAG" 2>/dev/null | grep -q 'libasan'; then H_RSS_MARGIN=131072
else H_RSS_MARGIN=16384; fi
H_RSS_MAX=$((H_RSS0 + H_RSS_MARGIN))
echo "# hostile: baseline peak RSS ${H_RSS0} KB, bound ${H_RSS_MAX} KB"

# hcase NAME EXITS [jcheck assertions...] -- MXDIAG ARGS...
# Runs "mxdiag --json --timeout $HT ARGS". EXITS lists the acceptable exit codes. Bounds:
# killed after 10*HT+10 s; must end within 5*HT+3 s; peak RSS; JSON size.
# H_KNOWN="file function: what" before the call marks a known bug in code this suite does
# not own: a failure is then reported as a skip naming it (and a pass as fixed).
hcase() {
	local name=$1 exits=$2; shift 2
	local asserts=()
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do asserts+=("$1"); shift; done
	shift
	local f limit=$((10 * HT + 10)) bound_ms=$(((5 * HT + 3) * 1000))
	local rc ms rss killed size msgs=() jc
	f="$OUT/hostile-$(printf "%s" "$name" | tr -c 'A-Za-z0-9._-' _)"
	read -r rc ms rss killed < <(/usr/bin/python3 "$HMEASURE" "$limit" "$f.json" "$f.err" \
		"$MXDIAG" --json --timeout "$HT" "$@")
	[ "$killed" = 1 ] && msgs+=("still running after $limit s: killed")
	[ "$rc" -lt 128 ] || msgs+=("crashed (exit $rc): $(head -c 300 "$f.err")")
	[[ " $exits " == *" $rc "* ]] || msgs+=("exit $rc, want one of: $exits ($(head -c 200 "$f.err"))")
	grep -qE 'Sanitizer|runtime error:' "$f.err" &&
		msgs+=("sanitizer report: $(grep -m1 -E 'Sanitizer|runtime error:' "$f.err")")
	[ "$ms" -le "$bound_ms" ] || msgs+=("took $ms ms; bound $bound_ms ms with --timeout $HT")
	[ "$rss" -le "$H_RSS_MAX" ] || msgs+=("peak RSS $rss KB; bound $H_RSS_MAX KB")
	size=$(wc -c <"$f.json")
	[ "$size" -le "$HOSTILE_JSON_MAX" ] || msgs+=("JSON of $size bytes; bound $HOSTILE_JSON_MAX")
	if [ "$rc" -lt 128 ] && ! jc=$($JCHECK "$f.json" "${asserts[@]}" 2>&1); then
		while IFS= read -r l; do msgs+=("$l"); done <<<"$jc"
	fi
	if [ ${#msgs[@]} -eq 0 ]; then
		ok "$name ($ms ms, $rss KB)${H_KNOWN:+ [known bug fixed: remove H_KNOWN]}"
	elif [ -n "${H_KNOWN:-}" ]; then
		skip "$name" "known bug in $H_KNOWN (${msgs[0]})"
	else
		not_ok "$name" "${msgs[@]}"
	fi
}

# --- DNS answers that are broken on the wire: mxdiag asks the hostile server directly.
# Whatever arrives, a lookup that gives no trustworthy answer is UNKNOWN, never a FAIL
# about the domain (mx.absent would blame the domain for our resolver's garbage).
HD="--resolver $HOSTILE_NS"
hcase "dns: TC set even over TCP: dns.error, not mx.absent" "3" \
	--has dns.error:UNKNOWN --not mx.absent --not domain.no-address -- $HD check tc.$HZ
hcase "dns: TCP connection closed unanswered" "3" \
	--has dns.error:UNKNOWN --not mx.absent -- $HD check tcpdrop.$HZ
hcase "dns: TCP reply trickles one byte per second" "3" \
	--has dns.timeout:UNKNOWN --not mx.absent -- $HD check tcpslow.$HZ
hcase "dns: compression-pointer loop" "3" \
	--has dns.error:UNKNOWN --not mx.absent -- $HD check ptrloop.$HZ
hcase "dns: compression pointer past the end" "3" \
	--has dns.error:UNKNOWN --not mx.absent -- $HD check ptrfwd.$HZ
hcase "dns: reply with another message ID (ignored: timeout)" "3" \
	--has dns.timeout:UNKNOWN --not mx.absent -- $HD check badid.$HZ
hcase "dns: reply to another question (ignored: timeout)" "3" \
	--has dns.timeout:UNKNOWN --not mx.absent -- $HD check wrongq.$HZ
hcase "dns: random bytes after the ID" "3" \
	--not mx.absent -- $HD check garbage.$HZ
hcase "dns: records with empty RDATA (RDLENGTH 0): no crash" "1 2 3" \
	-- $HD check emptyrr.$HZ
hcase "dns: records with short RDATA (A of 3 octets, MX without target)" "1 2 3" \
	-- $HD check shortrr.$HZ
hcase "dns: spf over empty RDATA" "1 2 3" -- $HD spf emptyrr.$HZ --ip "$LAB_CLIENT_IP"
hcase "dns: spf over short RDATA" "2 3" -- $HD spf shortrr.$HZ --ip "$LAB_CLIENT_IP"
printf '%s\n' "<user@ptrloop.$HZ>: Host or domain name not found. Name service error for" \
	"    name=ptrloop.$HZ type=A: Host not found" >"$OUT/hostile-bounce.txt"
hcase "dns: explain's live re-check through a resolver sending pointer loops" "2 3" \
	--has ndr.verify-recipient-domain:UNKNOWN -- $HD explain "$OUT/hostile-bounce.txt"

# --- Well-formed but malicious zones, through the lab's resolver (unbound).
HR="--resolver $LAB_RESOLVER"
hcase "dns: CNAME loop: SERVFAIL is UNKNOWN" "3" \
	--has dns.servfail:UNKNOWN --not mx.absent -- $HR check cnameloop.$HZ
hcase "dns: CNAME chain that never ends" "3" \
	--not mx.absent -- $HR check chain0.$HZ
hcase "dns: NS delegation loop" "3" \
	--has dns.servfail:UNKNOWN --not mx.absent -- $HR check nsloop.$HZ
hcase "dns: 61 KB TXT record (SPF): present, not called missing" "2" \
	--has spf.present --not spf.missing -- $HR check hugetxt.$HZ --ip "$LAB_CLIENT_IP"
# RFC 7208 3.4 bounds a record only by what DNS carries: spf evaluates it as check reads
# it (one parser, one limit: src/spf/spf_limits.h). No term lists the client and there is
# no "all": neutral.
hcase "dns: 61 KB SPF record: spf evaluates it, as check does" "1" \
	--has spf.result-neutral:WARN --not spf.result-permerror \
	-- $HR spf hugetxt.$HZ --ip "$LAB_CLIENT_IP"
hcase "dns: 300 TXT records, each SPF: spf.multiple" "2" \
	--has spf.multiple:FAIL -- $HR check manytxt.$HZ --ip "$LAB_CLIENT_IP"
hcase "dns: 300 SPF records: spf permerror" "2" \
	--has spf.result-permerror:FAIL -- $HR spf manytxt.$HZ --ip "$LAB_CLIENT_IP"
hcase "dns: 1000 MX records: bounded" "0 1 2 3" \
	--has mx.present:OK -- $HR check manymx.$HZ
if h_q=$(/usr/bin/python3 - "$OUT/hostile-dns__1000_MX_records__bounded.json" 2>&1 <<'PY'
import json, sys
q = json.load(open(sys.argv[1]))["stats"]["dns"]["queries"]
assert q <= 200, "1000 MX records made %d DNS queries" % q
PY
); then ok "dns: 1000 MX records: at most 200 queries"
else not_ok "dns: 1000 MX records: at most 200 queries" "$(tail -n 1 <<<"$h_q")"; fi
hcase "dns: SPF include cycle a->b->c->a (check)" "2" \
	--has spf.include-loop:FAIL -- $HR check spfa.$HZ --ip "$LAB_CLIENT_IP"
hcase "dns: SPF include cycle a->b->c->a (spf): permerror" "2" \
	--has spf.result-permerror:FAIL -- $HR spf spfa.$HZ --ip "$LAB_CLIENT_IP"
hcase "dns: SPF include:%{d} includes itself: permerror" "2" \
	--has spf.result-permerror:FAIL -- $HR spf spfself.$HZ --ip "$LAB_CLIENT_IP"
hcase "dns: SPF including itself 9 times: lookup limit (check)" "2" \
	--has spf.lookup-limit:FAIL -- $HR check spffan.$HZ --ip "$LAB_CLIENT_IP"
hcase "dns: SPF including itself 9 times (spf): permerror" "2" \
	--has spf.result-permerror:FAIL -- $HR spf spffan.$HZ --ip "$LAB_CLIENT_IP"

# --- Hostile SMTP servers (hostile_smtp.py), with every command that dials one.
SHS="--resolver $LAB_RESOLVER --ca-file $LAB_CA smarthost"
SHA="--from alice@isp.test --user alice@isp.test --password-env H_PW"
export H_PW=alice-pass
hcase "smtp: slowbanner.hostile.test: banner one byte per second (smarthost)" "2 3" \
	--not smarthost.works -- $SHS slowbanner.hostile.test:587 $SHA
hcase "smtp: endless.hostile.test: endless 250- continuation lines (smarthost)" "2 3" \
	--not smarthost.works -- $SHS endless.hostile.test:587 $SHA
hcase "smtp: hugeline.hostile.test: 1 MB reply line (smarthost)" "2 3" \
	--not smarthost.works -- $SHS hugeline.hostile.test:587 $SHA
hcase "smtp: badutf8.hostile.test: invalid UTF-8 and escapes in every reply (smarthost)" "1 2" \
	--has smarthost.tls-missing:WARN -- $SHS badutf8.hostile.test:587 $SHA
hcase "smtp: tlsdrop.hostile.test: connection dropped mid-STARTTLS (smarthost)" "2" \
	--has smarthost.tls-failed:FAIL --not smarthost.works -- $SHS tlsdrop.hostile.test:587 $SHA
hcase "smtp: tlsdrop.hostile.test: connection dropped mid-handshake on 465" "2" \
	--has smarthost.tls-failed:FAIL -- $SHS tlsdrop.hostile.test:465 $SHA
# The persona signs its 600 certificates on first use; on a loaded machine that outlasts
# the timeout under test. One untimed handshake first, so the cases measure mxdiag.
timeout 120 openssl s_client -starttls smtp -connect 192.0.2.46:587 </dev/null >/dev/null 2>&1
hcase "smtp: endlesschain.hostile.test: 600-certificate chain on STARTTLS" "2" \
	--has smarthost.tls-failed:FAIL --not smarthost.works -- $SHS endlesschain.hostile.test:587 $SHA
hcase "smtp: endlesschain.hostile.test: 600-certificate chain on 465" "2" \
	--has smarthost.tls-failed:FAIL -- $SHS endlesschain.hostile.test:465 $SHA
# the same servers as MX hosts (inbound), relays under test (relay), port-25 targets
for p in slowbanner:41 endless:42 hugeline:43 badutf8:44 tlsdrop:45 endlesschain:46; do
	h=${p%%:*}.hostile.test
	hcase "smtp: $h as the MX (inbound)" "1 2 3" -- $HR inbound "$h"
	hcase "smtp: $h as the relay under test (relay)" "2 3" -- $HR relay "$h"
	hcase "smtp: 192.0.2.${p##*:} as a port-25 target (port25)" "0 1 2 3" \
		-- $HR port25 "192.0.2.${p##*:}" --no-submission
done
# The broken servers are never called working, never recommended, never an open relay
# (badutf8 does work: it only sends ugly text).
h_bad=()
for f in "$OUT"/hostile-smtp__*.hostile.test*.json; do
	case $f in *badutf8*) continue ;; esac
	grep -qE '"id": *"(smarthost\.recommended|smarthost\.works|relay\.open|inbound\.accepted)"' \
		"$f" && h_bad+=("${f##*/}")
done
if [ ${#h_bad[@]} -eq 0 ]; then ok "smtp: no broken server called working, recommended or open"
else not_ok "smtp: no broken server called working, recommended or open" "${h_bad[@]}"; fi
# Nothing reached DATA, and the password was never sent without verified TLS.
if [ -e "$LAB_SPOOL/alerts.jsonl" ]; then not_ok "smtp: no DATA to any hostile server"
else ok "smtp: no DATA to any hostile server"; fi
if grep -q '"verb": "AUTH"' "$LAB_SPOOL/hostile-smtp.jsonl" 2>/dev/null; then
	not_ok "smtp: no AUTH to a server without verified TLS" \
		"$(grep -m2 '"verb": "AUTH"' "$LAB_SPOOL/hostile-smtp.jsonl")"
else ok "smtp: no AUTH to a server without verified TLS"; fi
unset H_PW
