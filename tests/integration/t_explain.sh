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
