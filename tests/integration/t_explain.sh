# mxdiag explain: live verification of the seed NDRs in the lab (issue 10). Sourced by
# run.sh:  tests/integration/run.sh tests/integration/t_explain.sh

MXD_KB=${MXD_KB:-$here/../../data/kb.json}
export MXD_KB

# Seed 1 (shared/seeds): Exchange 2007 NDR, sender in an internal AD domain without MX/A.
cat >"$OUT/seed-sender.eml" <<'MAIL'
From: postmaster@exch.test
To: user@corp.local
Subject: Undeliverable: test
Content-Type: text/plain; charset=utf-8

Delivery has failed to these recipients or distribution lists:

rcpt@example.test
The recipient's e-mail system rejected the message.

Diagnostic information for administrators:

Generating server: exch.test

rcpt@example.test
mx1.example.test #554 5.1.8 <user@corp.local>: Sender address rejected: Domain not found ##

Original message headers:

From: user@corp.local
To: rcpt@example.test
Subject: test
MAIL
case_json "seed 1: sender domain not found, still broken (corp.local)" 2 \
	--has ndr.sender-domain-not-found:FAIL --has ndr.verify-sender-domain:FAIL \
	-- explain "$OUT/seed-sender.eml"
sed 's/corp\.local/example.test/g' "$OUT/seed-sender.eml" >"$OUT/seed-sender-fixed.eml"
case_json "seed 1: sender domain fixed since (example.test has MX)" 2 \
	--has ndr.sender-domain-not-found:FAIL --has ndr.verify-sender-domain:OK \
	-- explain "$OUT/seed-sender-fixed.eml"
printf '%s\n' '#554 5.1.8 <x>: Sender address rejected: Domain not found ##' >"$OUT/seed-bare.txt"
case_json "pasted NDR without sender: --sender names the domain" 2 \
	--has ndr.verify-sender-domain:FAIL -- explain --sender user@corp.local "$OUT/seed-bare.txt"

# Seed 2: "Host or domain name not found" for a recipient domain without MX or A.
printf '%s\n' '<user@nothing.test>: Host or domain name not found. Name service error for' \
	'    name=nothing.test type=A: Host found but no data record of requested type' \
	>"$OUT/seed-rcpt.txt"
case_json "seed 2: recipient domain without MX/A, still broken (nothing.test)" 2 \
	--has ndr.recipient-domain-not-found:FAIL --has ndr.verify-recipient-domain:FAIL \
	-- explain "$OUT/seed-rcpt.txt"
sed 's/nothing\.test/nomx.test/g' "$OUT/seed-rcpt.txt" >"$OUT/seed-rcpt-fixed.txt"
case_json "seed 2: recipient domain fixed since (nomx.test has A: implicit MX)" 2 \
	--has ndr.verify-recipient-domain:OK -- explain "$OUT/seed-rcpt-fixed.txt"
case_json "--no-dns: no live verification" 2 \
	--has ndr.recipient-domain-not-found:FAIL --not ndr.verify-recipient-domain \
	-- explain --no-dns "$OUT/seed-rcpt.txt"
case_json "Japanese: --lang ja, same ids" 2 \
	--has ndr.sender-domain-not-found:FAIL -- --lang ja explain "$OUT/seed-sender.eml"

# --- Issue 15: input (mailboxes, encodings), text for a helpdesk, causes that were missing.
# JSON Lines: one document per bounce; prints "INDEX ndr-ids FILE STATUS" per line (the
# proofs' own diagnosis findings left out: t_explain_proof.sh is about them).
jl_summary() {
	/usr/bin/python3 -c '
import json, sys
for line in sys.stdin:
    d = json.loads(line)
    ids = [f["id"] for f in d["findings"] if f["id"].startswith("ndr.")]
    print(d["index"], ",".join(ids), d["file"], d["status"])'
}
# case_jl NAME EXIT WANT -- ARGS: JSON Lines summary (above) must equal WANT.
case_jl() {
	local name=$1 want_exit=$2 want=$3; shift 4
	local out rc=0 got
	out=$("$MXDIAG" --json --resolver "$LAB_RESOLVER" "$@" 2>"$OUT/jl.err") || rc=$?
	got=$(printf '%s\n' "$out" | jl_summary 2>&1 | sed "s|$OUT/||g")
	local msgs=()
	[ "$rc" = "$want_exit" ] || msgs+=("exit $rc, want $want_exit ($(head -c 300 "$OUT/jl.err"))")
	[ "$got" = "$want" ] || msgs+=("got:" "$got" "want:" "$want")
	if [ ${#msgs[@]} -eq 0 ]; then ok "$name"; else not_ok "$name" "${msgs[@]}"; fi
}

{
	echo "From MAILER-DAEMON Thu Jan  1 00:00:00 2026"
	cat "$OUT/seed-sender.eml"
	echo
	echo "From MAILER-DAEMON Thu Jan  1 00:00:01 2026"
	printf '%s\n' 'From: MAILER-DAEMON@mx.test' 'To: a@example.test' 'Subject: Undelivered Mail' \
		'' '<user@nothing.test>: Host or domain name not found. Name service error for' \
		'    name=nothing.test type=A: Host found but no data record of requested type' \
		'>From the original: this line was escaped by the mbox writer'
	echo
	echo "From someone Thu Jan  1 00:00:02 2026"
	printf '%s\n' 'From: a@example.test' 'To: b@example.test' 'Subject: lunch' '' 'hello world'
} >"$OUT/three.mbox"
# FAIL is proven and outranks UNKNOWN (not a bounce), as in check --batch and one report.
case_jl "mbox: every message, JSON Lines with file and index, FAIL outranks UNKNOWN" 2 \
"1 ndr.sender-domain-not-found three.mbox FAIL
2 ndr.recipient-domain-not-found three.mbox FAIL
3 ndr.not-a-bounce three.mbox UNKNOWN" -- explain --no-dns "$OUT/three.mbox"
case_jl "mbox with live checks: each bounce its own proof" 2 \
"1 ndr.sender-domain-not-found,ndr.verify-sender-domain three.mbox FAIL
2 ndr.recipient-domain-not-found,ndr.verify-recipient-domain three.mbox FAIL
3 ndr.not-a-bounce three.mbox UNKNOWN" -- explain "$OUT/three.mbox"
case_jl "mbox on standard input" 2 \
"1 ndr.sender-domain-not-found - FAIL
2 ndr.recipient-domain-not-found - FAIL
3 ndr.not-a-bounce - UNKNOWN" -- explain --no-dns - <"$OUT/three.mbox"
mkdir -p "$OUT/md/cur" "$OUT/md/new" "$OUT/md/tmp"
cp "$OUT/seed-sender.eml" "$OUT/md/cur/1.eml"
cp "$OUT/seed-rcpt.txt" "$OUT/md/new/2.eml"
case_jl "Maildir: cur/ and new/, one document each" 2 \
"1 ndr.sender-domain-not-found md/cur/1.eml FAIL
2 ndr.recipient-domain-not-found md/new/2.eml FAIL" -- explain --no-dns "$OUT/md"
case_jl "several files: one document each, the worst exit" 2 \
"1 ndr.recipient-domain-not-found seed-rcpt.txt FAIL
1 ndr.sender-domain-not-found seed-sender.eml FAIL" -- explain --no-dns "$OUT/seed-rcpt.txt" \
	"$OUT/seed-sender.eml"
# case_lines NAME EXIT REGEX COUNT -- CMD...: COUNT lines of the output match REGEX.
case_lines() {
	local name=$1 want_exit=$2 regex=$3 want=$4; shift 5
	local out rc=0 n
	out=$("$@" 2>&1) || rc=$?
	n=$(grep -Ec -- "$regex" <<<"$out")
	local msgs=()
	[ "$rc" = "$want_exit" ] || msgs+=("exit $rc, want $want_exit")
	[ "$n" = "$want" ] || msgs+=("$n lines match /$regex/, want $want: $(head -c 300 <<<"$out")")
	if [ ${#msgs[@]} -eq 0 ]; then ok "$name"; else not_ok "$name" "${msgs[@]}"; fi
}
case_lines "several files, text: one block per bounce" 2 '^mxdiag explain .*seed-(rcpt|sender)' 2 \
	-- "$MXDIAG" explain --no-dns "$OUT/seed-rcpt.txt" "$OUT/seed-sender.eml"
case_lines "mbox, text: one block per message" 2 '^mxdiag explain .*three.mbox #[123]$' 3 \
	-- "$MXDIAG" explain --no-dns "$OUT/three.mbox"
# the catalogue built from the tree, as tests/i18n.sh does
if mkdir -p "$OUT/locale/ja/LC_MESSAGES" && command -v msgfmt >/dev/null 2>&1 &&
    msgfmt -o "$OUT/locale/ja/LC_MESSAGES/mxdiag.mo" "$here/../../po/ja.po" 2>/dev/null; then
	case_lines "mbox, --lang ja: who must act, in Japanese, in every bounce" 2 '^ +対応する人:' 2 \
		-- env MXD_LOCALEDIR="$OUT/locale" "$MXDIAG" --lang ja explain --no-dns "$OUT/three.mbox"
	case_lines "mbox, --lang ja: not a bounce, in Japanese" 2 'バウンスではないようです' 1 \
		-- env MXD_LOCALEDIR="$OUT/locale" "$MXDIAG" --lang ja explain --no-dns "$OUT/three.mbox"
else
	skip "mbox, --lang ja" "msgfmt not available"
fi
mkdir -p "$OUT/plain-dir"
case_cmd "a directory that is not a Maildir is refused" 64 'not a Maildir' -- \
	"$MXDIAG" explain --no-dns "$OUT/plain-dir"
printf 'hello world\n' >"$OUT/hello.txt"
case_json "text that is not a bounce: UNKNOWN, not FAIL" 3 \
	--has ndr.not-a-bounce:UNKNOWN --count ndr.not-a-bounce:1 -- explain --no-dns "$OUT/hello.txt"
printf '\320\317\021\340\241\261\032\341rest-of-an-outlook-msg' >"$OUT/bounce.msg"
case_cmd "an Outlook .msg: how to save it as .eml" 64 'Outlook \.msg.*\.eml' -- \
	"$MXDIAG" explain --no-dns "$OUT/bounce.msg"
/usr/bin/python3 -c '
import sys
t = open(sys.argv[1], encoding="utf-8").read().replace("\n", "\r\n")
open(sys.argv[2], "wb").write(b"\xff\xfe" + t.encode("utf-16-le"))
open(sys.argv[3], "wb").write(t.encode("cp932"))
open(sys.argv[4], "wb").write(t.encode("iso-2022-jp"))' "$OUT/seed-sender.eml" \
	"$OUT/utf16.eml" "$OUT/sjis.eml" "$OUT/jis.eml"
for enc in utf16 sjis jis; do
	case_json "encoding $enc with CRLF: the same cause" 2 \
		--has ndr.sender-domain-not-found:FAIL -- explain --no-dns "$OUT/$enc.eml"
done
printf '%s\n' '外部の受信者にルーティングするための適切なコネクタが見つかりません。' \
	'#550 4.4.7 QUEUE.Expired; message expired ##' >"$OUT/ja-connector.txt"
/usr/bin/python3 -c '
import sys
t = open(sys.argv[1], encoding="utf-8").read()
open(sys.argv[2], "wb").write(b"\xff\xfe" + t.encode("utf-16-le"))' "$OUT/ja-connector.txt" \
	"$OUT/ja-connector-utf16.txt"
case_json "Japanese no-connector NDR in UTF-16 (PowerShell 5.1): not \"expired\"" 1 \
	--has ndr.no-send-connector:WARN -- explain --no-dns "$OUT/ja-connector-utf16.txt"

# Text for a helpdesk, without -v: words, codes, remote host, who acts, fix, next command.
printf '%s\n' 'Dec  2 10:00:00 gw postfix/smtp[7]: 1A: to=<bob@example.test>, relay=smtp.isp.test[192.0.2.9]:587, dsn=5.7.8, status=bounced (SASL authentication failed; server smtp.isp.test[192.0.2.9] said: 535 5.7.8 Error: authentication failed: authentication failure)' >"$OUT/sasl.log"
case_cmd "helpdesk text: the server's words" 2 'The server said: SASL authentication failed' -- \
	"$MXDIAG" explain --no-dns "$OUT/sasl.log"
case_cmd "helpdesk text: status, reply and remote host" 2 \
	'Status 5\.7\.8, reply 535, remote host smtp\.isp\.test' -- "$MXDIAG" explain --no-dns "$OUT/sasl.log"
case_cmd "helpdesk text: who must act" 2 "Who must act: the sender's mail administrator" -- \
	"$MXDIAG" explain --no-dns "$OUT/sasl.log"
case_cmd "helpdesk text: the next command, filled in" 2 'Next: mxdiag smarthost smtp\.isp\.test' -- \
	"$MXDIAG" explain --no-dns "$OUT/sasl.log"
case_json "SASL failure at the smarthost is not DMARC" 2 \
	--has ndr.smarthost-auth-failed:FAIL --not ndr.dmarc-reject \
	--data ndr.smarthost-auth-failed:act=sender-admin -- explain --no-dns "$OUT/sasl.log"
i=0
while IFS='|' read -r cause st line; do
	i=$((i + 1))
	printf '%s\n' "$line" >"$OUT/issue15-$i.txt"
	case_json "issue 15 case $i: $cause" "*" --has "$cause:$st" -- explain --no-dns \
		"$OUT/issue15-$i.txt"
done <<'CASES'
ndr.helo-rejected|FAIL|504 5.5.2 <EXCH01.corp.local>: Helo command rejected: need fully-qualified hostname
ndr.port25-unreachable|WARN|Dec  2 10:00:00 gw postfix/smtp[7]: 1B: to=<bob@example.test>, relay=none, delay=30, dsn=4.4.1, status=deferred (connect to mx.example.test[192.0.2.25]:25: Connection timed out)
ndr.port25-unreachable|WARN|Dec  2 10:00:00 gw postfix/smtp[7]: 1C: to=<bob@example.test>, relay=none, delay=1, dsn=4.4.1, status=deferred (connect to mx.example.test[192.0.2.25]:25: Connection refused)
ndr.connection-dropped|WARN|421 4.4.2 mx.example.test Error: Connection reset by peer
ndr.connection-dropped|WARN|421 mx.example.test Service not available, closing transmission channel
ndr.sender-unauthenticated|FAIL|550-5.7.26 This mail has been blocked because the sender is unauthenticated. Gmail requires all senders to authenticate with either SPF or DKIM.
ndr.sender-unauthenticated|FAIL|550 5.7.515 Access denied, sending domain example.test does not meet the required authentication level.
ndr.mta-sts-dane|WARN|451 4.4.8 MTA-STS policy validation failed for example.test
ndr.relay-denied|FAIL|550 5.4.1 Relay Access Denied
ndr.sender-unauthenticated|FAIL|<bob@yahoo.com>: host mta7.am0.yahoodns.net[98.136.96.75] said: 550 5.7.9 This mail has been blocked because the sender is unauthenticated. Yahoo requires all senders to authenticate with either SPF or DKIM. (in reply to end of DATA command)
ndr.sender-unauthenticated|FAIL|<bob@yahoo.com>: host mta7.am0.yahoodns.net[98.136.96.75] said: 550 5.7.9 Message not accepted. Authentication results: DKIM = FAILURE - SPF example.test with ip 192.0.2.1 = FAILURE (in reply to end of DATA command)
ndr.sender-unauthenticated|FAIL|<bob@yahoo.com>: host mta7.am0.yahoodns.net[98.136.96.75] said: 554 5.7.9 Message not accepted for policy reasons. See https://senders.yahooinc.com/smtp-error-codes/#authentication-failures (in reply to end of DATA command)
ndr.policy-violation|FAIL|<bob@yahoo.com>: host mta7.am0.yahoodns.net[98.136.96.75] said: 554 5.7.9 Message not accepted for policy reasons. See https://senders.yahooinc.com/error-codes (in reply to end of DATA command)
ndr.carrier-domain-filter|FAIL|<someone@docomo.ne.jp>: host mfsmax.docomo.ne.jp[203.138.181.112] said: 550 Unknown user someone@docomo.ne.jp (in reply to end of DATA command)
CASES
