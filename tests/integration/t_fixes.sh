# Fixes that paste as they are (issue 20): no "..." inside a parameter, the connector to
# create when there is none, the sasl_passwd line and postmap, -RequireTLS only with TLS,
# and nothing advised at an Active Directory name. Sourced by run.sh inside the lab.

FX=(--timeout 2 --ca-file "$LAB_CA")
export MXD_TEST_PW=alice-pass

# fix_has NAME JSONFILE ID PYTHON-EXPR: EXPR over the finding's fix text `fix` is true.
fix_has() {
	local name=$1 file=$2 id=$3 expr=$4 out
	if out=$(/usr/bin/python3 - "$file" "$id" "$expr" <<'PY' 2>&1
import json, sys
d = json.load(open(sys.argv[1]))
fixes = [f.get("fix") or "" for f in d["findings"] if f["id"] == sys.argv[2]]
assert fixes, "no finding " + sys.argv[2]
fix = fixes[0]
assert eval(sys.argv[3]), fix
PY
	); then ok "$name"; else not_ok "$name" "$out"; fi
}

case_json "fixes: smarthost recommended" 0 --has smarthost.recommended:OK \
	-- "${FX[@]}" smarthost smtp.isp.test:587 --from alice@isp.test --user alice@isp.test \
	--password-env MXD_TEST_PW
f="$OUT/fixes__smarthost_recommended.json"
fix_has "fixes: Exchange gets a send connector to create, and to change" "$f" \
	smarthost.recommended '"New-SendConnector -Name" in fix and "-Usage Internet -AddressSpaces *" in fix and "Set-SendConnector \"NAME\"" in fix'
fix_has "fixes: Postfix gets the sasl_passwd line and postmap, never the password" "$f" \
	smarthost.recommended '"[smtp.isp.test]:587 alice@isp.test:YOUR-PASSWORD" in fix and "postmap /etc/postfix/sasl_passwd" in fix and "alice-pass" not in fix'
# The Postfix command is run as printed, against a scratch configuration directory instead
# of /etc/postfix (the only edit), by Postfix's own postconf and postmap.
fx_postfix() {	# fx_postfix NAME JSONFILE: run the fix's Postfix command, check main.cf
	local name=$1 file=$2 dir="$OUT/fx-postfix-$RANDOM" cmd out
	command -v postconf >/dev/null || { skip "$name" "Postfix is not installed"; return; }
	mkdir -p "$dir" && : >"$dir/main.cf" && : >"$dir/master.cf"
	cmd=$(/usr/bin/python3 -c 'import json, re, sys
d = json.load(open(sys.argv[1]))
fix = [f["fix"] for f in d["findings"] if f["id"] == "smarthost.recommended"][0]
m = re.search(r"Postfix: (postconf -e .*? && postfix reload)", fix)
print(m.group(1).replace(" && postfix reload", "") if m else "")' "$file")
	[ -n "$cmd" ] || { not_ok "$name" "no Postfix command in the fix"; return; }
	cmd=${cmd//\/etc\/postfix/$dir}
	cmd=${cmd//postconf -e/postconf -c $dir -e}
	cmd=${cmd//postmap /postmap -c $dir }
	if ! out=$(sh -c "$cmd" 2>&1); then not_ok "$name" "$cmd: $out"; return; fi
	out=$(postconf -c "$dir" -h relayhost smtp_tls_security_level smtp_sasl_auth_enable \
		smtp_sasl_password_maps 2>&1 | tr '\n' ' ')
	if [ "$out" = "[smtp.isp.test]:587 encrypt yes hash:$dir/sasl_passwd " ] &&
	   [ -s "$dir/sasl_passwd.db" ] && grep -qx '\[smtp.isp.test\]:587 alice@isp.test:YOUR-PASSWORD' \
		"$dir/sasl_passwd"; then ok "$name"
	else not_ok "$name" "main.cf: $out; $(ls "$dir")"; fi
}
fx_postfix "fixes: the Postfix command pastes and runs (postconf, postmap)" "$f"
fix_has "fixes: STARTTLS was used, so -RequireTLS" "$f" smarthost.recommended \
	'"-RequireTLS $true" in fix and "BasicAuthRequireTLS" in fix and "..." not in fix'

case_json "fixes: inbound anonymous refused" 2 --has inbound.anonymous-refused \
	-- "${FX[@]}" inbound exch.test
fix_has "fixes: receive connector groups are kept, no literal ..." \
	"$OUT/fixes__inbound_anonymous_refused.json" inbound.anonymous-refused \
	'"$c.PermissionGroups" in fix and "AnonymousUsers,..." not in fix'

case_json "fixes: an AD domain" 2 --has domain.internal:FAIL --has helo.internal-name:FAIL \
	--not dmarc.missing --not dkim.none-found --not spf.result-none --has domain.not-found \
	-- check corp.local --ip 198.51.100.7 --helo exch.corp.local
if /usr/bin/python3 - "$OUT/fixes__an_AD_domain.json" <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
bad = [f["id"] for f in d["findings"]
       if re.search(r"(mail|_dmarc|_domainkey)\.corp\.local|[Rr]egister corp\.local", f.get("fix") or "")]
sys.exit(1 if bad else 0)
PY
then ok "fixes: nothing is advised at the .local name"
else not_ok "fixes: nothing is advised at the .local name"; fi
