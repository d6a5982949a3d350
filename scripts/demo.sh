#!/bin/bash
# The demo: the field-notes story in the lab world (run inside the lab by
# ./quickstart.sh demo). A new Exchange server goes on an ISP line: its mail bounces with
# 5.1.8, port 25 is blocked, a smarthost is chosen, inbound mail is refused with 530 5.7.1,
# an open relay is avoided, and a clean preflight closes the story.
# Usage: tests/lab/lab.sh run scripts/demo.sh ./mxdiag
set -u
M=${1:-mxdiag}
G=(--resolver "${LAB_RESOLVER:-192.0.2.54}" --ca-file "${LAB_CA:-/dev/null}" --timeout 2)
say() { printf '\n\033[1;34m### %s\033[0m\n' "$*"; }
run() {
	printf '\n\033[1m$ mxdiag %s\033[0m\n' "$*"
	"$M" "${G[@]}" "$@"
	echo "(exit status $?)"
}
echo "mxdiag demo: a private lab world with its own DNS root, resolver and mail servers."
echo "Nothing here touches the Internet. Options used throughout: ${G[*]}"

say "1. Users of the new Exchange server get this bounce (pasted from Outlook):"
ndr=$(mktemp)
cat >"$ndr" <<'NDR'
次の受信者または配布リストへの配信に失敗しました。: rcpt@example.test メッセージは次の組織に拒否されました。mx1.example.test。 _____ Microsoft Exchange Server 2007 により送信されました 管理者向けの診断情報: 生成サーバー: EXCH01.corp.local rcpt@example.test mx1.example.test #554 5.1.8 <user@corp.local>: Sender address rejected: Domain not found ## 元のメッセージ ヘッダー: From: user@corp.local
NDR
cat "$ndr"
run explain "$ndr" --sender user@corp.local
rm -f "$ndr"
say "   The sender domain is the Active Directory name: no receiver can resolve it."
run check corp.local

say "2. Is outbound port 25 open on this line? (the lab's ISP blocks it: OP25B)"
lab-op25b reject >/dev/null
run port25 example.test openrelay.test exch.test --submission smtp.isp.test

say "3. Then relay through the ISP: which of its hosts and ports works? (its port 25 is
   behind the same block: measured beside it, and not held against the relay)"
export DEMO_PASSWORD=alice-pass	# in real use: --password-file, never on the command line
run smarthost smtp.isp.test 203.0.113.10:25 --from alice@isp.test --user alice@isp.test \
	--password-env DEMO_PASSWORD
lab-op25b off >/dev/null

say "4. Can the Internet deliver to the new server? (Exchange's default receive connector)"
run inbound exch.test

say "5. Someone ticks 'Externally secured' to fix that: now it is an open relay."
run relay mail.openrelay.test
run relay mx1.example.test

say "6. After the fixes, tested from outside the ISP's block: the checklist for a well-
   configured domain relaying through the ISP (its backup MX mx2.example.test is deliberately
   down in the lab: the one WARN that remains)."
PF=(preflight example.test --ip 192.0.2.25 --helo mx1.example.test
	--port25-target example.test --port25-target isp.test --submission smtp.isp.test
	--smarthost smtp.isp.test:587 --from alice@isp.test --user alice@isp.test
	--password-env DEMO_PASSWORD)
run "${PF[@]}"

say "7. The same checklist from the OP25B line itself: the block is expected (INFO), mail
   leaves through the relay, and what only an outside sender can see is UNKNOWN, not FAIL."
lab-op25b reject >/dev/null
run "${PF[@]}" --problems-only
lab-op25b off >/dev/null
exit 0
