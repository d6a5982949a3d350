# Japanese that reads as Japanese (issue 20, item 2): every command in the lab with
# --lang ja, text (with -v where the trace is the point) and JSON, scanned for English words
# outside names, codes, commands and quoted server text (tests/integration/jascan.py says
# what passes, with its short allow-list). Sourced by run.sh:
#   tests/integration/run.sh tests/integration/t_ja_scan.sh

jas_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
jas_loc=$OUT/jascan-locale
jas_n=0

# jas_case NAME [--dead] ARGS...: mxdiag --lang ja ARGS as text and as JSON; both scanned.
# --dead: through the resolver black hole instead of the lab's resolver.
jas_case() {
	local name=$1 res=$LAB_RESOLVER; shift
	local f r msgs=()
	if [ "$1" = --dead ]; then res=$LAB_DEAD_NS; shift; fi
	jas_n=$((jas_n + 1))
	f="$OUT/jascan-$jas_n"
	MXD_LOCALEDIR=$jas_loc "$MXDIAG" --lang ja --no-color --resolver "$res" \
	    --ca-file "$LAB_CA" --timeout 2 "$@" >"$f.txt" 2>"$f.err"
	MXD_LOCALEDIR=$jas_loc "$MXDIAG" --lang ja --json --resolver "$res" \
	    --ca-file "$LAB_CA" --timeout 2 "$@" >"$f.json" 2>>"$f.err"
	[ -s "$f.txt" ] || msgs+=("no text output ($(head -c 200 "$f.err"))")
	[ -s "$f.json" ] || msgs+=("no JSON output ($(head -c 200 "$f.err"))")
	if ! r=$(/usr/bin/python3 "$jas_top/tests/integration/jascan.py" "$f.txt" "$f.json" \
	    "$f.err" 2>&1); then
		while IFS= read -r l; do msgs+=("$l"); done <<<"$r"
	fi
	if [ ${#msgs[@]} -eq 0 ]; then ok "$name"; else not_ok "$name" "${msgs[@]}"; fi
}

# jas_help CMD: 'mxdiag --lang ja CMD --help' scanned.
jas_help() {
	local f="$OUT/jascan-help-${1:-top}" r
	MXD_LOCALEDIR=$jas_loc "$MXDIAG" --lang ja "$@" --help >"$f.txt" 2>&1
	if r=$(/usr/bin/python3 "$jas_top/tests/integration/jascan.py" "$f.txt" 2>&1); then
		ok "ja scan: mxdiag $* --help"
	else
		not_ok "ja scan: mxdiag $* --help" "$r"
	fi
}

# The scanner itself must catch what it is for (a test that cannot fail is no test).
jas_self() {
	local f="$OUT/jascan-self.txt" r
	printf '%s\n' '失敗     mx.example.test  [ptr.generic]' \
	    '         汎用的な名前に見えます (it contains the address 198.51.100.7)' \
	    '結果: FAIL    (正常 0、情報 0、警告 0、失敗 1、不明 0)' >"$f"
	if r=$(/usr/bin/python3 "$jas_top/tests/integration/jascan.py" "$f" 2>&1) ||
	    ! grep -q 'it contains the address' <<<"$r" || ! grep -q 'FAIL' <<<"$r"; then
		not_ok "ja scan: the scanner finds English inside Japanese" "$r"
	else
		ok "ja scan: the scanner finds English inside Japanese"
	fi
	printf '%s\n' '         対処: Set-SendConnector "Internet" -Fqdn mail.exch.test を実行し、' \
	    '         main.cf に smtp_helo_name = mail.example.test と書き、"550 5.7.1 Relaying denied" を確認' \
	    >"$f"
	if r=$(/usr/bin/python3 "$jas_top/tests/integration/jascan.py" "$f" 2>&1); then
		ok "ja scan: commands, config lines and quoted server text pass"
	else
		not_ok "ja scan: commands, config lines and quoted server text pass" "$r"
	fi
}

mkdir -p "$jas_loc/ja/LC_MESSAGES"
if ! command -v msgfmt >/dev/null 2>&1; then
	skip "ja scan" "msgfmt (gettext) not installed"
elif ! jas_err=$(msgfmt --check -o "$jas_loc/ja/LC_MESSAGES/mxdiag.mo" \
    "$jas_top/po/ja.po" 2>&1); then
	not_ok "ja scan: po/ja.po compiles" "$jas_err"
else
	jas_self
	for d in nomx.test nullmx.test corp.local doesnotexist.test nothing.test refused.test \
	    twospf.test mxip.test mxnxtarget.test mxprivate.test cnamemx.test baddmarc.test \
	    expired.test stsbad.test bad.dane.test tags.walk.test; do
		jas_case "ja scan: check $d" check "$d"
	done
	jas_case "ja scan: check with a dynamic PTR and an AD HELO" check example.test \
	    --ip "$LAB_CLIENT_IP" --helo exch.corp.local
	jas_case "ja scan: check with a listed address and a bare HELO" check example.test \
	    --ip 198.51.100.66 --helo mx1
	jas_case "ja scan: check through a dead resolver" --dead \
	    check example.test
	for d in toomany voids exp syntax nxinclude; do
		jas_case "ja scan: spf --trace ($d.spf.test)" -v spf "$d.spf.test" \
		    --ip "$LAB_CLIENT_IP" --trace
	done
	for m in off reject drop icmp intercept; do
		lab-op25b "$m"
		jas_case "ja scan: port25 (OP25B $m)" port25 example.test exch.test \
		    --submission smtp.isp.test
	done
	lab-op25b off
	printf 'alice-pass\n' >"$OUT/jascan-pw"
	printf 'wrong\n' >"$OUT/jascan-pwbad"
	jas_case "ja scan: smarthost 587 with AUTH" smarthost smtp.isp.test:587 \
	    --from alice@isp.test --user alice@isp.test --password-file "$OUT/jascan-pw"
	jas_case "ja scan: smarthost, wrong password, three ports" smarthost smtp.isp.test:587 \
	    smtp.isp.test:465 203.0.113.10:25 --from alice@isp.test --user alice@isp.test \
	    --password-file "$OUT/jascan-pwbad"
	jas_case "ja scan: smarthost without AUTH" smarthost smtp.isp.test:587 \
	    --from alice@isp.test
	jas_case "ja scan: smarthost through a dead resolver" --dead \
	    smarthost smtp.isp.test:587 --from alice@isp.test
	for d in exch.test example.test wrongcert.test greylist.test backup.test nomx.test; do
		jas_case "ja scan: inbound $d" inbound "$d"
	done
	jas_case "ja scan: inbound, unknown recipient" inbound example.test \
	    --rcpt nobody@example.test
	for h in mail.openrelay.test mx.bypass.test mx1.example.test; do
		jas_case "ja scan: relay $h" relay "$h"
	done
	for e in postfix-ja-refused postfix-ja-userunknown postfix-sendernotfound \
	    postfix-noptr postfix-tlsrequired postfix-mesgtoobig postfix-mailboxfull \
	    postfix-refused postfix-dnsbl; do
		jas_case "ja scan: explain $e" explain "$jas_top/tests/bounces/lab/emails/$e.eml"
	done
	jas_case "ja scan: preflight, the Exchange story" preflight exch.test \
	    --ip "$LAB_CLIENT_IP" --helo exch.corp.local --port25-target example.test \
	    --submission smtp.isp.test
	lab-op25b reject
	jas_case "ja scan: preflight behind OP25B with a smarthost" preflight example.test \
	    --ip "$LAB_CLIENT_IP" --helo mail.example.test --port25-target example.test \
	    --submission smtp.isp.test --smarthost smtp.isp.test:587 --from alice@isp.test \
	    --user alice@isp.test --password-file "$OUT/jascan-pw"
	lab-op25b off
	jas_help
	for c in check spf port25 smarthost inbound relay explain preflight; do
		jas_help "$c"
	done
fi
