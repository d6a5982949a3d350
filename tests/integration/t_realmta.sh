# Real mail servers (issue 16): smarthost, inbound, relay and preflight against a real
# Postfix (MX of pfmx.test, submission server smtp.pfsub.test, open relay
# mail.pfopen.test), Exim (eximmx.test) and OpenSMTPD (smtpdmx.test), started by the lab
# (tests/lab/mta.sh; tests/lab/README.md "Real mail servers"). A server that cannot run
# here (no root, not installed) skips its cases with one line; one that failed to start
# fails them. Sourced by run.sh inside the lab.

RM_DIR=$LAB_WORK/mta
RM_SH="--ca-file $LAB_CA --timeout 3 smarthost"

# rm_known NAME EXIT ASSERTS... -- ARGS: a case whose right verdict mxdiag does not give
# yet, for a reason outside this file: a failure is a skip naming the reason ($RM_WHY),
# a pass says so.
rm_known() {
	local name=$1 out
	out=$(case_json "$@") # a subshell: its counters are dropped, counted here
	if [[ $out == "not ok"* ]]; then
		skip "$name" "known: $RM_WHY ($(sed -n 2p <<<"$out" | sed 's/^ *//'))"
	else
		printf '%s\n' "$out"
		[[ $out == ok* ]] && PASS=$((PASS + 1))
	fi
}

# No DATA or BDAT ever: Postfix counts every command of a session in its "disconnect"
# line (data=N); Exim and OpenSMTPD log a refused DATA.
rm_no_data() { # rm_no_data NAME LOGFILE DATA-PATTERN SESSION-PATTERN
	if ! grep -q "$4" "$2" 2>/dev/null; then
		not_ok "real $1: its log proves no DATA" "no session (/$4/) in $2"
	elif grep -qiE "$3" "$2"; then
		not_ok "real $1: its log proves no DATA" "$(grep -iE "$3" "$2" | head -3)"
	else
		ok "real $1: its log proves no DATA"
	fi
}

# The SASL passwords never leave their files: not in any output, JSON or server log, in
# clear or base64 (AUTH PLAIN "\0user\0pass", AUTH LOGIN "pass").
rm_no_password() { # rm_no_password USER PWFILE FILES...
	local user=$1 pw leaks
	pw=$(cat "$2")
	shift 2
	leaks=$(grep -lF -e "$pw" -e "$(printf '\0%s\0%s' "$user" "$pw" | base64 -w0)" \
		-e "$(printf '%s' "$pw" | base64 -w0)" "$@" 2>/dev/null)
	if [ -z "$leaks" ]; then ok "real postfix: the password of $user is in no output or log"
	else not_ok "real postfix: the password of $user is in no output or log" $leaks; fi
}

if mta_up postfix; then
	PF_LOG=$RM_DIR/postfix.log
	CAROL="--user carol@pfsub.test --password-file $RM_DIR/carol.password"

	# --- the MX of pfmx.test: STARTTLS with a lab-CA certificate, recipient table
	case_json "real postfix MX: inbound OK, STARTTLS verified" 0 \
		--has inbound.accepted:OK --has inbound.mx-accepts:OK --none-worse-than INFO \
		-- --ca-file "$LAB_CA" inbound pfmx.test --from alice@example.test
	case_json "real postfix MX: unknown user is refused (recipient table)" "*" \
		--not inbound.accepted --not inbound.mx-accepts \
		-- --ca-file "$LAB_CA" inbound pfmx.test --from alice@example.test \
		--rcpt nosuch@pfmx.test
	# the default sender is the null reverse-path: no sender-domain check can refuse it
	case_json "real postfix MX: inbound with the default sender is OK" 0 \
		--has inbound.accepted:OK -- --ca-file "$LAB_CA" inbound pfmx.test
	case_json "real postfix MX: not an open relay (reject_unauth_destination)" 0 \
		--has relay.closed:OK --not relay.open --not relay.open-bypass \
		-- relay mx.pfmx.test --from alice@example.test
	# the made-up sender is deferred (450 4.1.8), but the null and local senders got 554
	# Relay access denied: refused for good, so closed
	case_json "real postfix MX: relay with the default sender is closed" 0 \
		--has relay.closed:OK -- relay mx.pfmx.test
	case_json "real postfix MX as smarthost: relay denied (an MX, not a relay)" 2 \
		--has smarthost.relay-denied:FAIL --not smarthost.auth-not-used \
		-- $RM_SH mx.pfmx.test:25 --from alice@example.test --rcpt bob@elsewhere.test

	# --- the MX behind a DNSBL that lists our address (reject_rbl_client rbl.test):
	# Postfix delays the client's refusal to RCPT (smtpd_delay_reject)
	case_json "real postfix DNSBL MX: mail is refused" 2 \
		--has inbound.rejected:FAIL --not inbound.accepted \
		-- inbound pfrbl.test --from alice@example.test
	case_cmd "real postfix DNSBL MX: the refusal names the blocklist" 2 \
		"Client host \[198.51.100.7\] blocked using rbl.test" \
		-- "$MXDIAG" --resolver "$LAB_RESOLVER" inbound pfrbl.test --from alice@example.test
	# the MX that wants a PTR accepts us: 198.51.100.7 has one
	case_json "real postfix PTR-checking MX: our address has a PTR, accepted" 1 \
		--has inbound.accepted:OK --has inbound.starttls-missing:WARN \
		-- inbound pfptr.test --from alice@example.test

	# --- the open relay (mynetworks = 0.0.0.0/0)
	case_json "real postfix open relay: relay.open FAIL" 2 \
		--has relay.open:FAIL --status FAIL -- relay mail.pfopen.test --from alice@example.test
	case_json "real postfix open relay: relay.open with the default sender too" 2 \
		--has relay.open:FAIL -- relay mail.pfopen.test

	# --- the submission server smtp.pfsub.test (587 STARTTLS before AUTH, 465 implicit)
	case_json "real postfix submission 587: STARTTLS, then AUTH, works" 0 \
		--has smarthost.recommended:OK --data smarthost.recommended:port=587 \
		--data smarthost.recommended:tls=starttls --data smarthost.recommended:auth=PLAIN \
		-- $RM_SH smtp.pfsub.test:587 --from carol@pfsub.test $CAROL --rcpt bob@example.test
	grep -q "postfix/submission/smtpd.*disconnect from .* ehlo=2 starttls=1 auth=1 " "$PF_LOG" &&
		ok "real postfix submission 587: AUTH came after STARTTLS (server log)" ||
		not_ok "real postfix submission 587: AUTH came after STARTTLS (server log)"
	case_json "real postfix submission 465: implicit TLS works" 0 \
		--has smarthost.works:OK --data smarthost.recommended:tls=implicit \
		-- $RM_SH smtp.pfsub.test:465 --from carol@pfsub.test $CAROL --rcpt bob@example.test
	case_json "real postfix submission: no port given, 587 preferred" 0 \
		--has smarthost.recommended:OK --data smarthost.recommended:port=587 \
		--count smarthost.works:2 \
		-- $RM_SH smtp.pfsub.test --from carol@pfsub.test $CAROL --rcpt bob@example.test
	# the issue's case: the login works, the sender is another user's, refused at RCPT
	case_json "real postfix submission: sender refused after AUTH is sender-not-permitted" 2 \
		--has smarthost.sender-not-permitted:FAIL --not smarthost.relay-denied \
		--data smarthost.sender-not-permitted:refused_at=RCPT \
		-- $RM_SH smtp.pfsub.test:587 --from boss@pfsub.test $CAROL --rcpt bob@example.test
	grep -q '553 5.7.1 <boss@pfsub.test>: Sender address rejected: not owned by user carol@pfsub.test' \
		"$PF_LOG" && ok "real postfix submission: the refusal was Postfix's login mismatch" ||
		not_ok "real postfix submission: the refusal was Postfix's login mismatch"
	case_cmd "real postfix submission: text says this login may not send as the address" 2 \
		"this login may not send as <boss@pfsub.test>" \
		-- "$MXDIAG" --resolver "$LAB_RESOLVER" $RM_SH smtp.pfsub.test:587 \
		--from boss@pfsub.test $CAROL --rcpt bob@example.test
	case_json "real postfix submission: wrong password is auth-failed" 2 \
		--has smarthost.auth-failed:FAIL \
		-- $RM_SH smtp.pfsub.test:465 --from carol@pfsub.test --user carol@pfsub.test \
		--password-file "$RM_DIR/dave.password" --rcpt bob@example.test
	# no credentials: Postfix offers AUTH and refuses without a 530
	# (587 has Debian's smtpd_client_restrictions = permit_sasl_authenticated, reject; 465
	# has none, so reject_sender_login_mismatch speaks first)
	case_json "real postfix submission 587: no login, Client host rejected: AUTH not used" 2 \
		--has smarthost.auth-not-used:FAIL --not smarthost.relay-denied \
		-- $RM_SH smtp.pfsub.test:587 --from carol@pfsub.test --rcpt bob@example.test
	grep -q 'Client host rejected: Access denied; from=<carol@pfsub.test>' "$PF_LOG" &&
		ok "real postfix submission 587: the refusal was 'Client host rejected: Access denied'" ||
		not_ok "real postfix submission 587: the refusal was 'Client host rejected: Access denied'"
	case_json "real postfix submission 465: no login, sender not logged in: AUTH not used" 2 \
		--has smarthost.auth-not-used:FAIL --not smarthost.relay-denied \
		-- $RM_SH smtp.pfsub.test:465 --from carol@pfsub.test --rcpt bob@example.test
	grep -q 'Sender address rejected: not logged in; from=<carol@pfsub.test>' "$PF_LOG" &&
		ok "real postfix submission 465: the refusal was 'Sender address rejected: not logged in'" ||
		not_ok "real postfix submission 465: the refusal was 'Sender address rejected: not logged in'"
	case_json "real postfix submission 465: no login, other sender: AUTH not used" 2 \
		--has smarthost.auth-not-used:FAIL --not smarthost.relay-denied \
		-- $RM_SH smtp.pfsub.test:465 --from someone@example.test --rcpt bob@elsewhere.test

	# --- preflight of pfsub.test through its own submission server
	case_json "real postfix preflight: smarthost part works" "*" \
		--has smarthost.recommended:OK --data smarthost.recommended:host=smtp.pfsub.test \
		--has mx.present:OK -- --ca-file "$LAB_CA" preflight pfsub.test \
		--smarthost smtp.pfsub.test:587 --from carol@pfsub.test $CAROL --rcpt bob@example.test \
		--no-port25
	case_json "real postfix preflight: login mismatch is sender-not-permitted" "*" \
		--has smarthost.sender-not-permitted:FAIL --not smarthost.relay-denied \
		-- --ca-file "$LAB_CA" preflight pfsub.test --smarthost smtp.pfsub.test:587 \
		--from boss@pfsub.test $CAROL --rcpt bob@example.test --no-port25 --no-inbound \
		--no-relay

	rm_no_data postfix "$PF_LOG" 'disconnect from .* (data|bdat)=' 'disconnect from'
	rm_no_password carol@pfsub.test "$RM_DIR/carol.password" "$OUT"/real* "$PF_LOG"
fi

if mta_up exim; then
	EX_LOG=$RM_DIR/exim/log/mainlog
	case_json "real exim MX: inbound OK, STARTTLS verified" 0 \
		--has inbound.accepted:OK --has inbound.mx-accepts:OK --none-worse-than INFO \
		-- --ca-file "$LAB_CA" inbound eximmx.test --from alice@example.test
	case_json "real exim MX: inbound with the default sender OK (no sender check)" 0 \
		--has inbound.accepted:OK -- --ca-file "$LAB_CA" inbound eximmx.test
	# no X.1.1 status: postmaster, asked beside it, is taken, so the mailbox is unknown
	case_json "real exim MX: unknown user (550 Unrouteable address) bounces" 2 \
		--has inbound.rejected:FAIL --has inbound.rcpt-unknown:FAIL \
		--not inbound.rcpt-rejected --not inbound.accepts-any \
		-- --ca-file "$LAB_CA" inbound eximmx.test --rcpt nosuch@eximmx.test
	grep -q 'F=<> rejected RCPT <nosuch@eximmx.test>: Unrouteable address' \
		"$EX_LOG" && ok "real exim MX: Exim logged the refusal" ||
		not_ok "real exim MX: Exim logged the refusal" "$(grep -i rejected "$EX_LOG" | head -2)"
	case_json "real exim MX: not an open relay" 0 \
		--has relay.closed:OK --not relay.open -- relay mx.eximmx.test
	case_json "real exim MX as smarthost: relay denied" 2 \
		--has smarthost.relay-denied:FAIL --not smarthost.auth-not-used \
		-- $RM_SH mx.eximmx.test:25 --from alice@example.test --rcpt bob@elsewhere.test
	rm_no_data exim "$EX_LOG" 'rejected (DATA|BDAT)|<= ' 'SMTP connection from'
fi

if mta_up opensmtpd; then
	OS_LOG=$RM_DIR/opensmtpd.log
	case_json "real opensmtpd MX: inbound accepted, no STARTTLS" 1 \
		--has inbound.accepted:OK --has inbound.mx-accepts:OK \
		--has inbound.starttls-missing:WARN \
		-- --ca-file "$LAB_CA" inbound smtpdmx.test --from alice@example.test
	case_json "real opensmtpd MX: unknown user (550 Invalid recipient) bounces" 2 \
		--has inbound.rejected:FAIL --has inbound.rcpt-unknown:FAIL \
		--not inbound.rcpt-rejected --not inbound.accepts-any \
		-- --ca-file "$LAB_CA" inbound smtpdmx.test --rcpt nosuch@smtpdmx.test
	case_json "real opensmtpd MX: not an open relay" 0 \
		--has relay.closed:OK --not relay.open -- relay mx.smtpdmx.test
	# Debian 12's OpenSMTPD offers STARTTLS and fails every handshake (OpenSSL 3)
	case_json "real opensmtpd with broken STARTTLS: inbound says the TLS handshake fails" "*" \
		--has inbound.tls-failed:WARN --not inbound.accepted \
		-- --ca-file "$LAB_CA" inbound smtpdtls.test --from alice@example.test
	grep -q 'smtp disconnected reason="io-error: .*EVP lib"' "$OS_LOG" &&
		ok "real opensmtpd with broken STARTTLS: the server logged its TLS failure" ||
		not_ok "real opensmtpd with broken STARTTLS: the server logged its TLS failure"
	rm_no_data opensmtpd "$OS_LOG" 'command="(data|bdat)|message accepted' 'smtp connected'
fi
