# mxdiag explain: the live proofs of a cause are registry diagnoses named by kb.json `verify`
# (issues 13 and 15). Sourced by run.sh inside the lab. Each case asserts the proof ran
# (its ndr.verify-* verdict) and what it found: fixed, still true, cannot be checked, unknown.

MXD_KB=${MXD_KB:-$here/../../data/kb.json}
export MXD_KB
EX="--ca-file $LAB_CA --timeout 2 explain"

# A bounce for RCPT from FROM with the server's words DIAG, and the returned message's
# headers (Received from SENDER_IP when given).
bounce() {
	local rcpt=$1 from=$2 diag=$3 ip=${4:-}
	printf 'From: MAILER-DAEMON@mta.example.org\nTo: %s\nSubject: Undelivered Mail\n' "$from"
	printf 'MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary="B"\n\n'
	printf -- '--B\nContent-Type: text/plain\n\nYour message could not be delivered.\n\n'
	printf -- '--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mta.example.org\n\n'
	printf 'Final-Recipient: rfc822; %s\nAction: failed\nStatus: %s\nDiagnostic-Code: smtp; %s\n\n' \
		"$rcpt" "$(printf '%s' "$diag" | grep -oE '[45]\.[0-9]{1,3}\.[0-9]{1,3}' | head -1)" "$diag"
	printf -- '--B\nContent-Type: text/rfc822-headers\n\n'
	[ -n "$ip" ] && printf 'Received: from client.example.org (client.example.org [%s])\n\tby mta.example.org with ESMTP id 1; Mon, 1 Jan 2024 00:00:00 +0000\n' "$ip"
	printf 'Received: from [10.0.0.5] by client.example.org; Mon, 1 Jan 2024 00:00:00 +0000\n'
	printf 'From: %s\nTo: %s\nSubject: test\n\n--B--\n' "$from" "$rcpt"
}

# The Japanese Exchange "no send connector" NDR (shared/seeds): the recipient domain has MX,
# which is not the cause, so never "fixed since".
cat >"$OUT/noconn.txt" <<'MAIL'
From: postmaster@exch.test
To: user@exch.test
Subject: 配信不能: test
Content-Type: text/plain; charset=utf-8

次の受信者またはグループへの配信に失敗しました:

rcpt@example.test

診断情報 (管理者用):

生成サーバー: exch.test

rcpt@example.test
#550 4.4.7 QUEUE.Expired; 外部の受信者にルーティングするための適切なコネクタが見つかりません ##

元のメッセージ ヘッダー:

From: user@exch.test
To: rcpt@example.test
Subject: test
MAIL
case_json "no send connector: recipient MX is not the cause, never fixed" "*" \
	--has ndr.no-send-connector --has ndr.verify-recipient-domain:INFO \
	--data ndr.verify-recipient-domain:result=cannot-check \
	--data ndr.verify-recipient-domain:finding=mx.present -- $EX "$OUT/noconn.txt"
case_cmd "no send connector: the text names the next command, not 'fixed'" 1 \
	"Next, run: Get-SendConnector" \
	-- "$MXDIAG" $EX "$OUT/noconn.txt"
# The recipient domain publishes a null MX: a problem beside the cause, found now, not the
# cause "still true".
sed 's/rcpt@example.test/rcpt@example.net/' "$OUT/noconn.txt" >"$OUT/noconn-nullmx.txt"
case_json "no send connector, recipient null MX: found now, beside the cause" 2 \
	--has ndr.verify-recipient-domain:FAIL --data ndr.verify-recipient-domain:finding=mx.null-mx \
	-- $EX "$OUT/noconn-nullmx.txt"
case_cmd "no send connector, recipient null MX: 'Found now:', not 'Still true:'" 2 \
	"Found now: example.net publishes a null MX" -- "$MXDIAG" $EX "$OUT/noconn-nullmx.txt"

# User unknown: the recipient's MX is asked RCPT for the failed address now.
bounce nosuchuser@example.test alice@example.test \
	'550 5.1.1 <nosuchuser@example.test>: Recipient address rejected: User unknown' \
	>"$OUT/unknown.eml"
case_json "user unknown: the MX still refuses RCPT" 2 \
	--has ndr.user-unknown:FAIL --has ndr.verify-recipient:FAIL \
	--data ndr.verify-recipient:result=still-true \
	--data ndr.verify-recipient:finding=inbound.rcpt-unknown -- $EX "$OUT/unknown.eml"
bounce alice@example.test bob@example.test \
	'550 5.1.1 <alice@example.test>: Recipient address rejected: User unknown' \
	>"$OUT/known.eml"
case_json "user unknown: the MX accepts RCPT now, fixed since" 2 \
	--has ndr.user-unknown:FAIL --has ndr.verify-recipient:OK \
	--data ndr.verify-recipient:result=fixed -- $EX "$OUT/known.eml"
# Mailbox full: RCPT accepted now says nothing about the mailbox's quota (refused after DATA):
# UNKNOWN, saying so (more against the real servers: t_explain_mta.sh).
bounce alice@example.test bob@example.test '552 5.2.2 <alice@example.test>: Mailbox full' \
	>"$OUT/full.eml"
case_json "mailbox full: RCPT accepted now cannot show the quota, UNKNOWN" 2 \
	--has ndr.mailbox-full:FAIL --has ndr.verify-recipient:UNKNOWN \
	--data ndr.verify-recipient:result=unknown -- $EX "$OUT/full.eml"
# An interceptor answers RCPT in the receiver's place: nothing over port 25 is judged.
lab-op25b intercept
case_json "user unknown under an intercepted port 25: UNKNOWN, not fixed" 2 \
	--has ndr.verify-recipient:UNKNOWN --data ndr.verify-recipient:result=unknown \
	--has port25.intercepted -- $EX "$OUT/known.eml"
lab-op25b off

# TLS required: the recipient's MX offers no STARTTLS now (openrelay.test's persona).
bounce rcpt@openrelay.test alice@example.test '530 5.7.10 Must issue a STARTTLS command first' \
	>"$OUT/tls.eml"
case_json "TLS required: the MX still offers no STARTTLS" 2 \
	--has ndr.tls-required:FAIL --has ndr.verify-tls:WARN \
	--data ndr.verify-tls:finding=inbound.starttls-missing -- $EX "$OUT/tls.eml"
# Exchange's default receive connector refuses anonymous senders (530 5.7.1).
bounce rcpt@exch.test alice@example.test '530 5.7.1 Client was not authenticated' \
	>"$OUT/anon.eml"
case_json "client not authenticated: the MX still refuses anonymous mail" 2 \
	--has ndr.client-not-authenticated:FAIL --has ndr.verify-recipient:FAIL \
	--data ndr.verify-recipient:finding=inbound.anonymous-refused -- $EX "$OUT/anon.eml"

# Message too big: the SIZE limit the recipient's MX announces now; not the cause itself
# (the bounce does not say how big the message was), so never "fixed".
bounce alice@example.test bob@example.test \
	'552 5.3.4 Message size exceeds fixed maximum message size' >"$OUT/big.eml"
case_json "message too big: the MX's SIZE limit now, cannot be checked" 2 \
	--has ndr.message-too-big:FAIL --has inbound.size-limit:INFO \
	--has ndr.verify-size:INFO --data ndr.verify-size:result=cannot-check \
	--data ndr.verify-size:finding=inbound.size-limit -- $EX "$OUT/big.eml"
lab-op25b reject
case_json "message too big with port 25 blocked: UNKNOWN" 2 \
	--has ndr.verify-size:UNKNOWN --data ndr.verify-size:result=unknown \
	--has inbound.size-untestable:UNKNOWN -- $EX "$OUT/big.eml"
lab-op25b off

# HELO rejected: the name the refusal quotes (the AD-joined Exchange of the field notes).
bounce rcpt@openrelay.test alice@exch.test \
	'504 5.5.2 <EXCH01.corp.local>: Helo command rejected: need fully-qualified hostname' \
	>"$OUT/helo.eml"
case_json "HELO rejected: the quoted name is still internal" 2 \
	--has ndr.helo-rejected:FAIL --has ndr.verify-helo \
	--data ndr.verify-helo:result=still-true --data ndr.verify-helo:helo=EXCH01.corp.local \
	-- $EX "$OUT/helo.eml"
case_json "HELO rejected: --helo names the one announced now, fixed since" 2 \
	--has ndr.verify-helo:OK --data ndr.verify-helo:result=fixed --has helo.ok:OK \
	-- $EX --helo mx.exch.test "$OUT/helo.eml"
bounce rcpt@openrelay.test alice@exch.test '550 5.7.1 Invalid HELO name' >"$OUT/helo-bare.eml"
case_json "HELO rejected without the name: cannot be checked, --helo named" 2 \
	--has ndr.verify-helo:INFO --data ndr.verify-helo:result=cannot-check \
	-- $EX "$OUT/helo-bare.eml"

# Null MX: the recipient domain still declares it takes no mail.
bounce user@nullmx.test alice@example.test \
	'556 5.1.10 Recipient address rejected: Domain nullmx.test does not accept mail (nullMX)' \
	>"$OUT/nullmx.eml"
case_json "null MX: still true" 2 --has ndr.null-mx:FAIL --has ndr.verify-recipient-domain:FAIL \
	--data ndr.verify-recipient-domain:result=still-true \
	--data ndr.verify-recipient-domain:finding=mx.null-mx -- $EX "$OUT/nullmx.eml"

# SPF of the sender's domain for the address in the returned message's Received line.
bounce rcpt@openrelay.test alice@spf.test \
	'550 5.7.23 SPF validation failed for spf.test' 198.51.100.7 >"$OUT/spf.eml"
case_json "SPF fail: the Received address is still not allowed" 2 \
	--has ndr.spf-fail:FAIL --has ndr.verify-spf:FAIL --has spf.result-fail:FAIL \
	--data ndr.verify-spf:result=still-true --data ndr.verify-spf:ip=198.51.100.7 \
	--data ndr.verify-spf:ip_source=Received -- $EX "$OUT/spf.eml"
sed 's/alice@spf\.test/alice@pass.spf.test/' "$OUT/spf.eml" >"$OUT/spf-pass.eml"
case_json "SPF fail: the sender's domain allows that address now, fixed since" 2 \
	--has ndr.verify-spf:OK --data ndr.verify-spf:result=fixed \
	--data ndr.verify-spf:domain=pass.spf.test -- $EX "$OUT/spf-pass.eml"
# SPF authorises the MAIL FROM (RFC 7208 2.4), not From:: the returned Return-Path names
# pass.spf.test, whose SPF allows the address, while From: spf.test does not.
sed 's/^Received: from client/Return-Path: <bounces@pass.spf.test>\nReceived: from client/' \
	"$OUT/spf.eml" >"$OUT/spf-mfrom.eml"
case_json "SPF proof: the Return-Path's domain is checked, not From:" 2 \
	--has ndr.verify-spf:OK --data ndr.verify-spf:domain=pass.spf.test \
	--data ndr.verify-spf:spf_identity=mail-from -- $EX "$OUT/spf-mfrom.eml"
case_json "SPF proof: the DSN's envelope (its To:) is the MAIL FROM without a Return-Path" 2 \
	--has ndr.verify-spf:FAIL --data ndr.verify-spf:domain=spf.test \
	--data ndr.verify-spf:spf_identity=mail-from -- $EX "$OUT/spf.eml"
printf '550 5.7.23 SPF validation failed for spf.test\n' >"$OUT/spf-bare.txt"
case_json "SPF proof: no MAIL FROM shown, the sender's domain instead, said so" 2 \
	--has ndr.verify-spf:FAIL --data ndr.verify-spf:domain=spf.test \
	--data ndr.verify-spf:spf_identity=from \
	-- $EX --sender alice@spf.test --ip 198.51.100.7 "$OUT/spf-bare.txt"
case_cmd "SPF proof: the evidence names the identity checked" 2 \
	"SPF was checked for the MAIL FROM domain pass.spf.test" \
	-- "$MXDIAG" -v $EX "$OUT/spf-mfrom.eml"
case_json "SPF fail: --ip overrides the Received address" 2 \
	--has ndr.verify-spf:FAIL --data ndr.verify-spf:ip=192.0.2.29 \
	--data ndr.verify-spf:ip_source=--ip -- $EX --ip 192.0.2.29 "$OUT/spf-pass.eml"
bounce rcpt@openrelay.test alice@example.test '550 5.7.23 SPF validation failed' \
	>"$OUT/spf-noip.eml"
case_json "SPF fail without a sending address: cannot be checked, --ip named" 2 \
	--has ndr.verify-spf:INFO --data ndr.verify-spf:result=cannot-check \
	-- $EX "$OUT/spf-noip.eml"

# Reverse DNS of the sending address (forward-confirmed, generic: 198-51-100-7.dyn.isp.test).
bounce rcpt@openrelay.test alice@example.test \
	'550 5.7.25 The IP address sending this message does not have a PTR record' \
	198.51.100.7 >"$OUT/ptr.eml"
case_json "PTR missing: the address has a PTR now, fixed since" 2 \
	--has ndr.rdns-missing:FAIL --has ndr.verify-ptr:OK --data ndr.verify-ptr:result=fixed \
	-- $EX "$OUT/ptr.eml"
case_json "PTR missing: 192.0.2.29 still has none" 2 \
	--has ndr.verify-ptr:FAIL --data ndr.verify-ptr:finding=ptr.missing \
	-- $EX --ip 192.0.2.29 "$OUT/ptr.eml"
bounce rcpt@openrelay.test alice@example.test \
	'554 5.7.1 Client host rejected: dynamic ip, please use the smtp server of your isp' \
	198.51.100.7 >"$OUT/generic.eml"
case_json "generic PTR: still generic" 2 --has ndr.rdns-generic:FAIL --has ndr.verify-ptr:WARN \
	--data ndr.verify-ptr:finding=ptr.generic -- $EX "$OUT/generic.eml"

# A connection timeout: outbound port 25 from here.
bounce rcpt@example.test alice@example.test \
	'4.4.1 connect to mx1.example.test[192.0.2.25]:25: Connection timed out' >"$OUT/timeout.txt"
# The proof dials the recipient's MX and port25's own targets (MXD_PORT25_TARGETS): a
# block is concluded only when the independent ones fail too.
lab-op25b drop
case_json "timed out under OP25B: every target fails, port 25 still blocked from here" 2 \
	--has ndr.verify-port25:FAIL --data ndr.verify-port25:result=still-true \
	--data ndr.verify-port25:finding=port25.blocked-drop \
	--data port25.blocked-drop:probed=3 -- $EX "$OUT/timeout.txt"
lab-op25b off
# The same bounce on an open line: port 25 from here proves nothing about the sender's line,
# so the next step is port25 on the sending server, not here again.
case_cmd "timed out, this line open: run port25 on the sending server" 1 \
	"Next, run on the sending server .*: mxdiag port25 example.test" \
	-- "$MXDIAG" --json $EX "$OUT/timeout.txt"
# Only the recipient's MX is dead (nomx.test: implicit MX 192.0.2.80, nothing listens):
# the others answer, so the cause is the recipient's server, not the line.
bounce rcpt@nomx.test alice@example.test \
	'4.4.1 connect to nomx.test[192.0.2.80]:25: Connection refused' >"$OUT/deadmx.txt"
case_json "refused by a dead recipient MX: the line is open, the recipient's server is the cause" 1 \
	--has ndr.port25-unreachable:WARN --has ndr.verify-port25:INFO \
	--data ndr.verify-port25:result=cannot-check --data ndr.verify-port25:finding=port25.open \
	--data ndr.verify-port25:recipient_server=unreachable \
	--data port25.target-unreachable:target=nomx.test --not port25.blocked-reset \
	-- $EX "$OUT/deadmx.txt"
case_cmd "dead recipient MX: the text names the recipient's server, not a block" 1 \
	"so the cause is the recipient's server" -- "$MXDIAG" $EX "$OUT/deadmx.txt"

# kb.json's verify names are registry names, checked when the knowledge base loads.
sed 's/"check": "ptr"/"check": "sender-ip-ptr"/' "$MXD_KB" >"$OUT/badkb.json"
case_cmd "kb: an unknown verify name is a load error naming cause and name" 64 \
	'cause ndr.rdns-missing: verify: unknown diagnosis "sender-ip-ptr"' \
	-- "$MXDIAG" explain --kb "$OUT/badkb.json" "$OUT/ptr.eml"
sed 's/"still": \["ptr.missing"/"still": ["ptr.missign"/' "$MXD_KB" >"$OUT/badkb2.json"
case_cmd "kb: an unknown finding id in a proof is a load error" 64 \
	'unknown finding id "ptr.missign"' -- "$MXDIAG" explain --kb "$OUT/badkb2.json" "$OUT/ptr.eml"
sed 's/"next_on": "sending-server"/"next_on": "sender"/' "$MXD_KB" >"$OUT/badkb3.json"
case_cmd "kb: next_on other than sending-server is a load error" 64 \
	'verify: "next_on" must be "sending-server"' \
	-- "$MXDIAG" explain --kb "$OUT/badkb3.json" "$OUT/ptr.eml"

# Sender authentication and reputation (issue 17): the blocklists, DKIM and DMARC of the
# sender as live proofs.
bounce rcpt@example.net alice@example.test \
	'554 5.7.1 Service unavailable; Client host [198.51.100.66] blocked using zen.bl.test' \
	198.51.100.66 >"$OUT/blocked.eml"
case_json "blocked using a zone: the sending address is still listed" 2 \
	--has ndr.blocklisted --has ndr.verify-dnsbl:FAIL --data ndr.verify-dnsbl:result=still-true \
	--data ndr.verify-dnsbl:finding=dnsbl.listed --data ndr.verify-dnsbl:ip=198.51.100.66 \
	-- $EX "$OUT/blocked.eml"
bounce rcpt@example.net alice@example.test \
	'554 5.7.1 Service unavailable; Client host [192.0.2.25] blocked using zen.bl.test' \
	192.0.2.25 >"$OUT/unblocked.eml"
case_json "blocked using a zone: not listed now is no proof, cannot be checked" "*" \
	--has ndr.verify-dnsbl:INFO --data ndr.verify-dnsbl:result=cannot-check \
	--data ndr.verify-dnsbl:finding=dnsbl.not-listed -- $EX "$OUT/unblocked.eml"
bounce rcpt@example.net alice@nodmarc.test \
	'550 5.7.26 Unauthenticated email from nodmarc.test is not accepted due to domain'"'"'s DMARC policy' \
	198.51.100.7 >"$OUT/dmarc.eml"
case_json "DMARC reject: the DKIM and DMARC proofs run on the sender domain" "*" \
	--has ndr.dmarc-reject --has ndr.verify-dkim --has ndr.verify-dmarc \
	--data ndr.verify-dkim:domain=nodmarc.test --data ndr.verify-dmarc:finding=dmarc.missing \
	-- $EX "$OUT/dmarc.eml"
bounce rcpt@example.net alice@dkim.test \
	'550 5.7.515 Access denied, sending domain dkim.test does not meet the required authentication level' \
	198.51.100.7 >"$OUT/auth.eml"
case_json "5.7.515: the sender's DKIM keys are judged live" "*" \
	--has ndr.sender-unauthenticated --has ndr.verify-dkim:WARN \
	--data ndr.verify-dkim:result=still-true --data ndr.verify-dkim:finding=dkim.cname-dangling \
	--has ndr.verify-dmarc:INFO -- $EX "$OUT/auth.eml"

# MTA-STS and DANE bounces (Exchange Online 5.4.8, 5.7.5): the policy's mx patterns still miss
# the MX; the TLSA record still does not match the MX's key. Never "fixed": the bounce does
# not say which of the two refused.
bounce rcpt@stsmiss.test alice@example.test \
	'550 5.4.8 MTA-STS policy for stsmiss.test does not include mx1.example.test' >"$OUT/sts.eml"
case_json "MTA-STS bounce: the policy still misses the MX" 2 \
	--has ndr.mta-sts-dane:FAIL --has ndr.verify-mta-sts:FAIL \
	--data ndr.verify-mta-sts:finding=mta-sts.mx-mismatch --has ndr.verify-dane:INFO \
	-- $EX "$OUT/sts.eml"
bounce rcpt@bad.dane.test alice@example.test \
	'550 5.7.5 TLSA record for mx.bad.dane.test does not match the certificate' >"$OUT/dane.eml"
case_json "DANE bounce: the TLSA record still does not match the MX" 2 \
	--has ndr.mta-sts-dane:FAIL --has ndr.verify-dane:FAIL \
	--data ndr.verify-dane:finding=dane.mismatch --data ndr.verify-mta-sts:result=cannot-check \
	-- $EX "$OUT/dane.eml"
bounce rcpt@good.dane.test alice@example.test \
	'450 4.7.5 TLSA validation failed for mx.good.dane.test' >"$OUT/danegood.eml"
case_json "DANE bounce whose TLSA matches now: cannot be checked, not fixed" "*" \
	--has ndr.verify-dane:INFO --data ndr.verify-dane:result=cannot-check \
	--data ndr.verify-dane:finding=dane.match -- $EX "$OUT/danegood.eml"

# No placeholder is left for the user to puzzle over: a value the bounce does not give
# becomes a word to type in (--ip IP), in every explain document of this file; the
# 5.7.26 bounce without a Received line of the sender gives no address.
bounce rcpt@example.net alice@example.test \
	'550 5.7.26 This mail has been blocked because the sender is unauthenticated.' >"$OUT/noip.eml"
case_json "5.7.26 without the sending address: the next command asks for it" "*" \
	--has ndr.verify-dmarc -- $EX "$OUT/noip.eml"
if out=$(/usr/bin/python3 - "$OUT" <<'PY' 2>&1
import glob, json, re, sys
bad = []
for path in glob.glob(sys.argv[1] + "/*.json"):
    try:
        d = json.load(open(path))
    except ValueError:
        continue
    if d.get("command") != "explain":
        continue
    for f in d["findings"]:
        for k in ("message", "fix"):
            if re.search(r"\{[a-z_]+\}", f.get(k) or ""):
                bad.append("%s %s %s: %s" % (path.rsplit("/", 1)[-1], f["id"], k, f[k]))
assert not bad, "\n".join(bad[:5])
noip = json.load(open(sys.argv[1] + "/5.7.26_without_the_sending_address__the_next_command_asks_for_it.json"))
fixes = [f.get("fix") or "" for f in noip["findings"] if f["id"] == "ndr.verify-dmarc"]
assert fixes and "--ip IP" in fixes[0], fixes
PY
); then ok "explain proofs: no {token} left in a message or fix"
else not_ok "explain proofs: no {token} left in a message or fix" "$out"; fi
