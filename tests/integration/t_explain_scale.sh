# mxdiag explain over a mailbox (issue 15, scale): a proof of the same fact runs once per run
# and its verdict serves every bounce that needs it; past the per-bounce cap of distinct
# proofs the output says what did not run. Sourced by run.sh inside the lab.

SC_EX="--ca-file $LAB_CA --timeout 2 explain"

# An mbox of N bounces (distinct Message-IDs) for RCPT with the server's words DIAG.
sc_mbox() {
	local n=$1 rcpt=$2 diag=$3 i
	for i in $(seq 1 "$n"); do
		printf 'From MAILER-DAEMON Mon Jan  1 00:00:00 2024\n'
		printf 'From: MAILER-DAEMON@mta.example.org\nTo: alice@example.test\n'
		printf 'Message-ID: <scale-%s@mta.example.org>\nSubject: Undelivered Mail\n' "$i"
		printf 'MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary="B"\n\n'
		printf -- '--B\nContent-Type: text/plain\n\nYour message could not be delivered.\n\n'
		printf -- '--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mta.example.org\n\n'
		printf 'Final-Recipient: rfc822; %s\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; %s\n\n' \
			"$rcpt" "$diag"
		printf -- '--B\nContent-Type: text/rfc822-headers\n\nFrom: alice@example.test\nTo: %s\nSubject: hi %s\n\n--B--\n\n' \
			"$rcpt" "$i"
	done
}

# mxdiag --json explain MBOX >JSONL in the lab; its exit status is not the point.
sc_explain() {
	"$MXDIAG" --json --resolver "$LAB_RESOLVER" $SC_EX "$1" >"$2" 2>/dev/null || true
}

# JSON Lines FILE: assert with a python expression over docs (the parsed lines), sessions
# (each line's SMTP sessions), queries and hits (each line's DNS queries and cache hits) and
# verdicts (each line's findings with id ID).
sc_assert() {
	local name=$1 file=$2 id=$3 expr=$4 out
	if out=$(/usr/bin/python3 - "$file" "$id" "$expr" <<'PY' 2>&1
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
sessions = [d["stats"]["smtp"]["sessions"] for d in docs]
queries = [d["stats"]["dns"]["queries"] for d in docs]
hits = [d["stats"]["dns"]["cache_hits"] for d in docs]
verdicts = [[f for f in d["findings"] if f["id"] == sys.argv[2]] for d in docs]
if not eval(sys.argv[3]):
    print("false: %s; lines %d, sessions %s, queries %s, first verdicts %s" % (sys.argv[3],
          len(docs), sessions[:5], queries[:5], verdicts[:2]))
    sys.exit(1)
PY
	); then ok "$name"; else not_ok "$name" "$out"; fi
}

sc_mbox 50 nosuchuser@example.test \
	'550 5.1.1 <nosuchuser@example.test>: Recipient address rejected: User unknown' \
	>"$OUT/same50.mbox"
rc=0
"$MXDIAG" --json --resolver "$LAB_RESOLVER" $SC_EX "$OUT/same50.mbox" >"$OUT/same50.jsonl" \
	2>"$OUT/same50.err" || rc=$?
case_cmd "50 identical bounces: exit FAIL (user unknown, still refused)" 0 "^2$" -- echo "$rc"
sc_assert "50 identical bounces: the RCPT proof's sessions happen for the first bounce only" \
	"$OUT/same50.jsonl" ndr.verify-recipient \
	'len(docs) == 50 and sessions[0] >= 1 and sum(sessions[1:]) == 0'
sc_assert "50 identical bounces: no DNS query after the first bounce" \
	"$OUT/same50.jsonl" ndr.verify-recipient 'queries[0] >= 1 and sum(queries[1:]) == 0'
sc_assert "50 identical bounces: every bounce has the verdict, still true" \
	"$OUT/same50.jsonl" ndr.verify-recipient \
	'all(len(v) == 1 and v[0]["data"]["result"] == "still-true" and v[0]["status"] == "FAIL" for v in verdicts)'
sc_assert "50 identical bounces: the reused verdicts name the bounce the proof ran for" \
	"$OUT/same50.jsonl" ndr.verify-recipient \
	'"reused_from" not in verdicts[0][0]["data"] and all(v[0]["data"].get("reused_from") == docs[0]["target"] for v in verdicts[1:])'
sc_assert "50 identical bounces: a reused proof shows the same evidence findings" \
	"$OUT/same50.jsonl" inbound.rcpt-unknown \
	'all(len(v) >= 1 for v in verdicts) and verdicts[1][0]["message"] == verdicts[0][0]["message"]'

# A different failed address is another fact: its proof runs.
sc_mbox 2 alice@example.test '550 5.1.1 <alice@example.test>: User unknown' >"$OUT/other.mbox"
cat "$OUT/same50.mbox" "$OUT/other.mbox" >"$OUT/mixed.mbox"
sc_explain "$OUT/mixed.mbox" "$OUT/mixed.jsonl"
sc_assert "another failed address is another proof: it runs once more, then is reused" \
	"$OUT/mixed.jsonl" ndr.verify-recipient \
	'len(docs) == 52 and sessions[50] >= 1 and sessions[51] == 0 and verdicts[50][0]["data"]["result"] == "fixed"'
sc_assert "two bounces of one window need the same proof: the later reads the earlier's" \
	"$OUT/mixed.jsonl" ndr.verify-recipient \
	'"reused_from" not in verdicts[50][0]["data"] and verdicts[51][0]["data"].get("reused_from") == docs[50]["target"]'

# Bounces are proved a window at a time (64, explain_mailbox.c) and written out in input order;
# a proof planned in one window is reused by the next. A bounce's DNS stats count the
# lookups since the bounce before it was written out, so the window's land on its first.
cat "$OUT/same50.mbox" "$OUT/other.mbox" "$OUT/same50.mbox" >"$OUT/long.mbox"
sc_explain "$OUT/long.mbox" "$OUT/long.jsonl"
sc_assert "102 bounces, two windows: one line each, in input order" \
	"$OUT/long.jsonl" ndr.verify-recipient \
	'[d["index"] for d in docs] == list(range(1, 103)) and [d["target"] for d in docs] == [d["file"] + " #%d" % d["index"] for d in docs]'
sc_assert "102 bounces, two windows: two proofs run, every other verdict reused" \
	"$OUT/long.jsonl" ndr.verify-recipient \
	'sum(1 for v in verdicts if "reused_from" not in v[0]["data"]) == 2 and all(v[0]["data"].get("reused_from") == docs[0]["target"] for v in verdicts[52:])'
sc_assert "102 bounces, two windows: the SMTP sessions are the two proofs', the lookups the first window's" \
	"$OUT/long.jsonl" ndr.verify-recipient \
	'sessions[0] >= 1 and sessions[50] >= 1 and sum(sessions) == sessions[0] + sessions[50] and queries[0] >= 1 and sum(queries[1:]) == 0'

# 40 bounces for 40 addresses: 40 proofs to start, more than a window keeps in flight (32):
# the window ends early, after bounce 32, and every bounce still has its own verdict, in
# input order. The second window's lookups (all from the cache) land on its first bounce.
for i in $(seq 1 40); do
	sc_mbox 1 "u$i@example.test" "550 5.1.1 <u$i@example.test>: User unknown" |
		sed "s/scale-1@/many-$i@/"
done >"$OUT/many.mbox"
sc_explain "$OUT/many.mbox" "$OUT/many.jsonl"
sc_assert "40 distinct proofs, two windows: each runs for its own bounce, in input order" \
	"$OUT/many.jsonl" ndr.verify-recipient \
	'[d["index"] for d in docs] == list(range(1, 41)) and all(s >= 1 for s in sessions) and all(len(v) == 1 and "reused_from" not in v[0]["data"] and v[0]["data"]["result"] == "still-true" for v in verdicts)'
sc_assert "40 distinct proofs: the window ends after 32 started, the next one's lookups on bounce 33" \
	"$OUT/many.jsonl" ndr.verify-recipient \
	'hits[32] >= 1 and sum(hits[1:32]) + sum(queries[1:32]) == 0 and sum(hits[33:]) + sum(queries[32:]) == 0'

# Connection timeouts to five recipient domains that do not exist: five port25 proofs, each
# dialling port25's default targets beside the recipient's MX (MXD_PORT25_TARGETS: three lab
# servers). Those are dialled once per run; every proof judges them alike. Then a dead MX
# (nomx.test: one address, nothing listening).
: >"$OUT/p25.mbox"
for d in d1 d2 d3 d4 d5 nomx; do
	case $d in nomx) rd=nomx.test ;; *) rd=$d.nowhere.test ;; esac
	sc_mbox 1 "rcpt@$rd" "4.4.1 connect to mx.$rd[192.0.2.80]:25: Connection timed out" |
		sed "s/scale-1@/p25-$d@/" >>"$OUT/p25.mbox"
done
sc_explain "$OUT/p25.mbox" "$OUT/p25.jsonl"
sc_assert "port25 proofs of five domains: the default targets are dialled for the first only" \
	"$OUT/p25.jsonl" ndr.verify-port25 \
	'len(docs) == 6 and sessions[0] >= 3 and sum(sessions[1:5]) == 0'
sc_assert "port25 proofs of five domains: the same verdict and evidence for each" \
	"$OUT/p25.jsonl" port25.open \
	'all(len(v) >= 1 and v[0]["data"]["probed"] == verdicts[0][0]["data"]["probed"] and len(v[0]["evidence"]) == len(verdicts[0][0]["evidence"]) for v in verdicts[:5])'
sc_assert "port25 beside a dead recipient MX: only that MX is dialled, and it is named as the cause" \
	"$OUT/p25.jsonl" ndr.verify-port25 \
	'sessions[5] == 1 and all(v[0]["data"]["result"] == "cannot-check" for v in verdicts) and verdicts[5][0]["data"].get("recipient_server") == "unreachable" and all("recipient_server" not in v[0]["data"] for v in verdicts[:5])'

# One bounce with more distinct proofs than the per-bounce cap (32): 40 recipients in 40
# domains that do not exist; 8 proofs do not run, and the output says so.
{
	printf 'From: MAILER-DAEMON@mta.example.org\nTo: alice@example.test\nSubject: Undelivered Mail\n'
	printf 'MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary="B"\n\n'
	printf -- '--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mta.example.org\n\n'
	for i in $(seq 1 40); do
		printf 'Final-Recipient: rfc822; u@d%s.nowhere.test\nAction: failed\nStatus: 5.1.2\n' "$i"
		printf 'Diagnostic-Code: smtp; 550 5.1.2 Host unknown: Domain d%s.nowhere.test not found\n\n' "$i"
	done
	printf -- '--B--\n'
} >"$OUT/forty.eml"
case_json "more distinct proofs than the cap: ndr.verify-truncated says how many did not run" \
	"*" --has ndr.verify-truncated:INFO --data ndr.verify-truncated:not_run=8 \
	--data ndr.verify-truncated:max=32 --count ndr.verify-recipient-domain:32 \
	-- $SC_EX "$OUT/forty.eml"
