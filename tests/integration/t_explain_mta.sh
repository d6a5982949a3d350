# explain's live proofs against the lab's real mail servers: the RCPT proofs (user unknown,
# mailbox full; src/cli/proof_rcpt.c) against Postfix (pfmx.test), Exim (eximmx.test) and
# OpenSMTPD (smtpdmx.test), and the personas that greylist (greylist.test) or take any
# address (backup.test); the size proof (message too big; src/cli/proof_size.c) against
# their EHLO SIZE. Sourced by run.sh inside the lab. A real server that cannot run here
# skips its cases with one line.

MXD_KB=${MXD_KB:-$here/../../data/kb.json}
export MXD_KB
RX="--ca-file $LAB_CA --timeout 3 explain"

# rx_bounce RCPT DIAG: a DSN for RCPT with the server's words DIAG, to $OUT/rx-RCPT.eml.
rx_bounce() {
	local f=$OUT/rx-$1.eml
	{
		printf 'From: MAILER-DAEMON@mta.example.org\nTo: bob@example.test\n'
		printf 'Subject: Undelivered Mail\nMIME-Version: 1.0\n'
		printf 'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\n\n'
		printf -- '--B\nContent-Type: text/plain\n\nYour message could not be delivered.\n\n'
		printf -- '--B\nContent-Type: message/delivery-status\n\n'
		printf 'Reporting-MTA: dns; mta.example.org\n\nFinal-Recipient: rfc822; %s\n' "$1"
		printf 'Action: failed\nStatus: %s\nDiagnostic-Code: smtp; %s\n\n' \
			"$(grep -oE '[45]\.[0-9]{1,3}\.[0-9]{1,3}' <<<"$2" | head -1)" "$2"
		printf -- '--B--\n'
	} >"$f"
	RXF=$f
}

# The three real servers: an unknown address is still refused (Exim and OpenSMTPD without an
# X.1.1 status: they take postmaster beside it, so the refusal is the mailbox's), a known
# one is fixed since, a full mailbox cannot be shown by RCPT.
for rx in postfix:pfmx.test:inbound.rcpt-unknown exim:eximmx.test:inbound.rcpt-unknown \
	opensmtpd:smtpdmx.test:inbound.rcpt-unknown; do
	IFS=: read -r rxm rxd rxid <<<"$rx"
	mta_up "$rxm" "explain against real $rxm" || continue
	rx_bounce "nosuch@$rxd" "550 5.1.1 <nosuch@$rxd>: Recipient address rejected: User unknown"
	case_json "real $rxm: user unknown, the address is still refused at RCPT" 2 \
		--has ndr.user-unknown:FAIL --has ndr.verify-recipient:FAIL \
		--data ndr.verify-recipient:result=still-true --data ndr.verify-recipient:finding=$rxid \
		--data $rxid:rcpt_code=550 --not inbound.accepts-any -- $RX "$RXF"
	rx_bounce "alice@$rxd" "550 5.1.1 <alice@$rxd>: Recipient address rejected: User unknown"
	case_json "real $rxm: user unknown, the address is accepted now and a made-up one is not" 2 \
		--has ndr.verify-recipient:OK --data ndr.verify-recipient:result=fixed \
		--data inbound.mx-accepts:any_rcpt_code=550 --not inbound.accepts-any \
		-- $RX "$RXF"
	rx_bounce "bob@$rxd" "552 5.2.2 <bob@$rxd>: Mailbox full"
	case_json "real $rxm: mailbox full, RCPT accepted cannot show the quota: UNKNOWN" 2 \
		--has ndr.mailbox-full:FAIL --has ndr.verify-recipient:UNKNOWN \
		--data ndr.verify-recipient:result=unknown \
		--data ndr.verify-recipient:finding=inbound.mx-accepts -- $RX "$RXF"
done
if mta_up exim "explain against real exim"; then
	case_cmd "real exim: the still-true verdict quotes the server's own reply" 2 \
		"Still true: mx.eximmx.test does not know the recipient <nosuch@eximmx.test>: 550 Unrouteable address" \
		-- "$MXDIAG" $RX "$OUT/rx-nosuch@eximmx.test.eml"
	case_cmd "real exim: mailbox full names why RCPT cannot tell, and the next step" 2 \
		"check the quota only after DATA" -- "$MXDIAG" $RX "$OUT/rx-bob@eximmx.test.eml"
	# full@eximmx.test: the lab's Exim refuses it at RCPT with 552 5.2.2 (mta.sh)
	rx_bounce "full@eximmx.test" "552 5.2.2 <full@eximmx.test>: Mailbox full"
	case_json "real exim: mailbox refused at RCPT with 5.2.2, still full" 2 \
		--has ndr.verify-recipient:FAIL --data ndr.verify-recipient:result=still-true \
		--data inbound.rcpt-rejected:rcpt_status=5.2.2 -- $RX "$RXF"
fi

# Personas: a host that takes any address says nothing; a greylisting one cannot tell now.
rx_bounce "nosuch@backup.test" "550 5.1.1 <nosuch@backup.test>: User unknown"
case_json "catch-all MX: the made-up address is accepted too, UNKNOWN (not fixed)" 2 \
	--has inbound.accepts-any:INFO --has ndr.verify-recipient:UNKNOWN \
	--data ndr.verify-recipient:result=unknown \
	--data ndr.verify-recipient:finding=inbound.accepts-any -- $RX "$RXF"
# inbound --rcpt itself asks the made-up address too: a yes to any address is no proof
case_json "inbound --rcpt at a catch-all MX: accepts any address, said so" "*" \
	--has inbound.accepts-any:INFO --data inbound.accepts-any:any_rcpt_code=250 \
	-- --ca-file "$LAB_CA" --timeout 3 inbound backup.test --rcpt nosuch@backup.test
rx_bounce "alice@greylist.test" "550 5.1.1 <alice@greylist.test>: User unknown"
case_json "greylisting MX: RCPT deferred, UNKNOWN with the reply" 2 \
	--has ndr.verify-recipient:UNKNOWN --data ndr.verify-recipient:result=unknown \
	--data ndr.verify-recipient:finding=inbound.greylisted -- $RX "$RXF"
case_cmd "greylisting MX: the verdict says why and what next" 2 \
	"temporary refusal .451 4.7.1 Greylisted, try again later." -- "$MXDIAG" $RX "$RXF"

# Message too big: the size the bounce states against the EHLO SIZE the MX announces now
# (Postfix: message_size_limit = 10240000, Exim: its default 50 MB).
if mta_up postfix "explain against real postfix"; then
	rx_bounce "alice@pfmx.test" "552 5.3.4 message size 15728640 exceeds size limit 10240000 of server mx.pfmx.test[192.0.2.71]"
	case_json "real postfix: a 15 MB message against SIZE 10240000 is still too big" 2 \
		--has ndr.message-too-big:FAIL --has ndr.verify-size:FAIL \
		--data ndr.verify-size:result=still-true --data ndr.verify-size:message_size=15728640 \
		--data ndr.verify-size:bounce_size_limit=10240000 \
		--data inbound.size-limit:size_max=10240000 -- $RX "$RXF"
	rx_bounce "bob@pfmx.test" "552 5.3.4 message size 5242880 exceeds size limit 4194304 of server mx.pfmx.test[192.0.2.71]"
	case_json "real postfix: the limit grew past the bounced 5 MB message, fixed since" 2 \
		--has ndr.verify-size:OK --data ndr.verify-size:result=fixed \
		--data ndr.verify-size:message_size=5242880 -- $RX "$RXF"
	rx_bounce "postmaster@pfmx.test" "552 5.3.4 message size 9000000 exceeds size limit 10240000 of server mx.pfmx.test[192.0.2.71]"
	case_json "real postfix: a message within the same limit it names, UNKNOWN (refused elsewhere)" 2 \
		--has ndr.verify-size:UNKNOWN --data ndr.verify-size:result=unknown -- $RX "$RXF"
	# Exchange's text NDR: the sizes are in its words for people, not in the server's reply
	cat >"$OUT/rx-exch-size.txt" <<'MAIL'
From: postmaster@exch.test
To: bob@exch.test
Subject: Undeliverable: test
Content-Type: text/plain; charset=utf-8

Delivery has failed to these recipients or groups:

alice@pfmx.test
The message is too large. The size limit for messages is 10 MB and this message is 15 MB.

Diagnostic information for administrators:

Generating server: exch.test

alice@pfmx.test
Remote Server returned '552 5.3.4 Message size exceeds fixed maximum message size'
MAIL
	case_json "real postfix, Exchange NDR: 15 MB against SIZE 10240000, still too big" 2 \
		--has ndr.verify-size:FAIL --data ndr.verify-size:message_size=15728640 \
		--data ndr.verify-size:bounce_size_limit=10485760 -- $RX "$OUT/rx-exch-size.txt"
	cat >"$OUT/rx-ja-size.txt" <<'MAIL'
From: postmaster@exch.test
To: bob@exch.test
Subject: 配信不能: test
Content-Type: text/plain; charset=utf-8

次の受信者への配信に失敗しました:

alice@pfmx.test
メッセージのサイズ (8 MB) が上限 (5 MB) を超えているため、配信できませんでした。

診断情報 (管理者用):

alice@pfmx.test
#552 5.3.4 メッセージサイズが大きすぎます ##
MAIL
	case_json "real postfix, Japanese NDR: 8 MB now fits SIZE 10240000 above the 5 MB named" 2 \
		--has ndr.verify-size:OK --data ndr.verify-size:result=fixed \
		--data ndr.verify-size:message_size=8388608 \
		--data ndr.verify-size:bounce_size_limit=5242880 -- $RX "$OUT/rx-ja-size.txt"
	# Gmail names no size: compared with nothing, not the cause itself
	rx_bounce "alice@pfmx.test" "552-5.2.3 Your message exceeded Google's message size limits. Please visit https://support.google.com/mail/?answer=8770 to review our size guidelines."
	case_json "real postfix, Gmail 5.2.3 without a size: the limit now, cannot be checked" 2 \
		--has ndr.exceed-limit:FAIL --has ndr.verify-size:INFO \
		--data ndr.verify-size:result=cannot-check -- $RX "$RXF"
fi
if mta_up exim "explain against real exim"; then
	rx_bounce "alice@eximmx.test" "552 Message size exceeds maximum permitted: message too big: read=60000000 max=52428800"
	case_json "real exim: read=60000000 against SIZE 52428800, still too big" 2 \
		--has ndr.verify-size:FAIL --data ndr.verify-size:result=still-true \
		--data inbound.size-limit:size_max=52428800 -- $RX "$RXF"
fi
