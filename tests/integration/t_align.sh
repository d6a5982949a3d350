# DMARC identifier alignment and DKIM selector discovery from a message (issue 17): check
# DOMAIN --message FILE, and explain's proof of DMARC bounces (5.7.26, 5.7.515) from the
# returned headers. Zones align.test (relaxed, and strict.align.test with adkim=s aspf=s),
# walk.test (p=reject), dkim.test (the lab's DKIM keys, p=none), nodmarc.test (no policy).

MXD_KB=${MXD_KB:-$here/../../data/kb.json}
export MXD_KB
EX="--ca-file $LAB_CA --timeout 2 explain"

# A message: FROM, RETURN-PATH ("" for none), then DKIM-Signature d=/s= pairs "d/s".
message() {
	local from=$1 rp=$2 sig; shift 2
	[ -n "$rp" ] && printf 'Return-Path: <%s>\n' "$rp"
	for sig in "$@"; do
		# folded over lines, as signers write it (RFC 6376 3.2 FWS)
		printf 'DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\n\td=%s; s=%s;\n\th=from:to:subject; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\n\tb=dGVzdA\n\t ==\n' \
			"${sig%%/*}" "${sig#*/}"
	done
	printf 'From: "Alice" <%s>\nTo: bob@example.net\nSubject: hi\n\nbody\n' "$from"
}

message alice@dkim.test bounce@esp.example.net dkim.test/rsa2048 >"$OUT/al-dkim.eml"
case_json "message: the signature's key is asked (d=, s=), DKIM aligns" 0 \
	--has dkim.key-ok:OK --data dkim.key-ok:selector=rsa2048 \
	--data dkim.key-ok:signature_domain=dkim.test --data dkim.key-ok:from_message=True \
	--not dkim.none-found --has dmarc.aligned:OK --data dmarc.aligned:dkim_aligned=True \
	--has dmarc.spf-unaligned:INFO --data dmarc.spf-unaligned:mfrom_domain=esp.example.net \
	--data dmarc.spf-unaligned:mfrom_source=Return-Path \
	-- check dkim.test --message "$OUT/al-dkim.eml"
message alice@dkim.test bounce@dkim.test dkim.test/rsa512 other.example.net/s1 >"$OUT/al-two.eml"
case_json "message: every signature's key, a weak one FAIL" 2 \
	--has dkim.key-weak:FAIL --has dkim.not-found:FAIL \
	--data dkim.not-found:signature_domain=other.example.net --has dmarc.aligned:OK \
	--not dmarc.spf-unaligned -- check dkim.test --message "$OUT/al-two.eml"
message alice@sub.walk.test bounce@walk.test >"$OUT/al-relaxed.eml"
case_json "relaxed: a MAIL FROM in the organisational domain aligns; unsigned" "*" \
	--has dmarc.aligned:OK --data dmarc.aligned:spf_aligned=True \
	--data dmarc.aligned:from_org_domain=walk.test \
	--has dmarc.dkim-unaligned:INFO --data dmarc.dkim-unaligned:signatures=0 \
	-- check sub.walk.test --message "$OUT/al-relaxed.eml"
message alice@walk.test bounce@esp.example.net esp.example.net/s1 >"$OUT/al-none.eml"
case_json "neither aligns under p=reject: both FAIL" 2 \
	--has dmarc.spf-unaligned:FAIL --has dmarc.dkim-unaligned:FAIL \
	--data dmarc.dkim-unaligned:dkim_domains=esp.example.net --not dmarc.aligned \
	--data dmarc.spf-unaligned:policy=reject -- check walk.test --message "$OUT/al-none.eml"
message alice@strict.align.test bounce@bounce.align.test align.test/s1 >"$OUT/al-strict.eml"
case_json "strict: the same organisation is not enough (adkim=s, aspf=s)" 2 \
	--has dmarc.spf-unaligned:FAIL --data dmarc.spf-unaligned:relaxed_aligned=True \
	--data dmarc.spf-unaligned:aspf=s --has dmarc.dkim-unaligned:FAIL \
	--data dmarc.dkim-unaligned:relaxed_aligned=True --data dmarc.dkim-unaligned:adkim=s \
	-- check strict.align.test --message "$OUT/al-strict.eml"
message alice@align.test bounce@bounce.align.test align.test/s1 >"$OUT/al-relaxed2.eml"
case_json "relaxed: the same pair aligns under align.test's policy" "*" --has dmarc.aligned:OK \
	--data dmarc.aligned:spf_aligned=True --data dmarc.aligned:dkim_aligned=True \
	--not dmarc.spf-unaligned --not dmarc.dkim-unaligned \
	-- check align.test --message "$OUT/al-relaxed2.eml"
message alice@nodmarc.test bounce@esp.example.net >"$OUT/al-nopolicy.eml"
case_json "no DMARC policy: unaligned is a WARN, not a DMARC failure" "*" \
	--has dmarc.spf-unaligned:WARN --has dmarc.dkim-unaligned:WARN \
	-- check nodmarc.test --message "$OUT/al-nopolicy.eml"
message alice@walk.test "" esp.example.net/s1 >"$OUT/al-nomfrom.eml"
case_json "no MAIL FROM known and DKIM unaligned: UNKNOWN for SPF" "*" \
	--has dmarc.alignment-unknown:UNKNOWN --data dmarc.alignment-unknown:identifier=spf \
	--has dmarc.dkim-unaligned:WARN -- check walk.test --message "$OUT/al-nomfrom.eml"
case_cmd "--message that cannot be read is a usage error" 64 "cannot read --message" \
	-- "$MXDIAG" --resolver "$LAB_RESOLVER" check walk.test --message "$OUT/no-such-file"
case_json "without --message, no alignment is judged" "*" --not dmarc.aligned \
	--not dmarc.spf-unaligned --has dmarc.present -- check walk.test

# explain: the returned headers are the proof. A DSN from Gmail's words, with the original's
# headers as text/rfc822-headers (TYPE) and Postfix's X-Postfix-Sender (the MAIL FROM).
dsn() {
	local rcpt=$1 diag=$2 env=$3 type=$4; shift 4
	printf 'From: MAILER-DAEMON@mta.example.org\nTo: %s\nSubject: Undelivered Mail Returned to Sender\n' "$env"
	printf 'MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary="B"\n\n'
	printf -- '--B\nContent-Type: text/plain\n\nYour message could not be delivered.\n\n'
	printf -- '--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mta.example.org\nX-Postfix-Sender: rfc822; %s\n\n' "$env"
	printf 'Final-Recipient: rfc822; %s\nAction: failed\nStatus: %s\nDiagnostic-Code: smtp; %s\n\n' \
		"$rcpt" "$(printf '%s' "$diag" | grep -oE '[45]\.[0-9]{1,3}\.[0-9]{1,3}' | head -1)" "$diag"
	printf -- '--B\nContent-Type: %s\n\n' "$type"
	printf 'Received: from client.example.org (client.example.org [198.51.100.7])\n\tby mta.example.org with ESMTP id 1; Mon, 1 Jan 2024 00:00:00 +0000\n'
	message "$@"
	printf -- '--B--\n'
}
GMAIL='550 5.7.26 Unauthenticated email from walk.test is not accepted due to domain'"'"'s DMARC policy. Please contact the administrator of walk.test domain.'
dsn rcpt@example.net "$GMAIL" alice@esp.example.net text/rfc822-headers \
	alice@walk.test "" dkim.test/rsa512 >"$OUT/al-gmail.eml"
case_json "Gmail 5.7.26: neither identifier aligns, still true" 2 \
	--has ndr.dmarc-reject --has ndr.verify-alignment:FAIL \
	--data ndr.verify-alignment:result=still-true \
	--data ndr.verify-alignment:finding=dmarc.spf-unaligned \
	--data dmarc.spf-unaligned:mfrom_source=X-Postfix-Sender \
	--data dmarc.spf-unaligned:mfrom_domain=esp.example.net \
	--has dmarc.dkim-unaligned:FAIL --data dmarc.dkim-unaligned:dkim_domains=dkim.test \
	--has ndr.verify-dkim:FAIL --data ndr.verify-dkim:finding=dkim.key-weak \
	--data dkim.key-weak:signature_domain=dkim.test -- $EX "$OUT/al-gmail.eml"
OUTLOOK='550 5.7.515 Access denied, sending domain dkim.test does not meet the required authentication level.'
dsn rcpt@example.net "$OUTLOOK" alice@dkim.test message/rfc822 \
	alice@dkim.test bounce@dkim.test dkim.test/rsa2048 >"$OUT/al-outlook.eml"
case_json "Outlook 5.7.515: aligned and the key is good, so not the cause" "*" \
	--has ndr.sender-unauthenticated --has ndr.verify-alignment:INFO \
	--data ndr.verify-alignment:result=cannot-check \
	--data ndr.verify-alignment:finding=dmarc.aligned \
	--has ndr.verify-dkim:INFO --data dkim.key-ok:selector=rsa2048 -- $EX "$OUT/al-outlook.eml"
case_cmd "Outlook 5.7.515: the next command names the signature's selector, not SELECTOR" 2 \
	'mxdiag check dkim.test --dkim-selector rsa2048' -- "$MXDIAG" --json $EX "$OUT/al-outlook.eml"
# The bounce's own To: is the MAIL FROM when nothing else says it (RFC 5321 6.1).
sed '/^X-Postfix-Sender/d' "$OUT/al-gmail.eml" >"$OUT/al-gmail-to.eml"
case_json "the bounce's To: as the MAIL FROM" 2 --has dmarc.spf-unaligned:FAIL \
	--data "dmarc.spf-unaligned:mfrom_source=bounce To:" -- $EX "$OUT/al-gmail-to.eml"
# Headers quoted inline in a pasted text bounce, the signature folded.
{
	printf 'Delivery has failed to these recipients or groups:\n\nrcpt@example.net\n'
	printf '%s\n\nOriginal message headers:\n\n' "$OUTLOOK"
	message alice@dkim.test "" dkim.test/rsa1024
} >"$OUT/al-inline.txt"
case_json "inline original headers: the selector is found" "*" \
	--has ndr.verify-dkim:INFO --data ndr.verify-dkim:finding=dkim.key-short \
	--data dkim.key-short:selector=rsa1024 \
	--has ndr.verify-alignment -- $EX "$OUT/al-inline.txt"
printf '%s\n' "$GMAIL" >"$OUT/al-bare.txt"
case_json "a bounce without the original headers: alignment cannot be checked" "*" \
	--has ndr.verify-alignment:INFO --data ndr.verify-alignment:result=cannot-check \
	-- $EX --sender alice@walk.test "$OUT/al-bare.txt"
