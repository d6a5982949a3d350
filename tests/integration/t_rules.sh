# The big receivers' sender rules (--receivers, issue 17): each line met, unmet or
# undecided from what the run found, citing Gmail's, Yahoo's and Outlook.com's requirements.
case_json "rules: healthy domain from its authorised address" "*" \
	--has rules.spf-or-dkim:OK --has rules.spf-and-dkim:OK --has rules.dmarc:OK \
	--has rules.alignment:OK --has rules.ptr:OK --has rules.tls:INFO \
	--data rules.spf-and-dkim:bulk_only=True \
	-- check example.test --ip 192.0.2.25 --receivers
case_json "rules: no DMARC, no DKIM, SPF fails: every-sender rule FAIL, bulk WARN" 2 \
	--has rules.spf-or-dkim:FAIL --has rules.dmarc:WARN --has rules.alignment:WARN \
	--has rules.ptr:OK --data rules.spf-or-dkim:result=unmet \
	-- check nodmarc.test --ip 198.51.100.7 --dkim-selector s1 --receivers
case_json "rules: without --ip SPF and PTR are undecided, not failed" "*" \
	--has rules.ptr:INFO --data rules.ptr:result=undecided --has rules.spf-or-dkim:OK \
	-- check example.test --receivers
case_json "rules: address without PTR" 2 --has rules.ptr:FAIL \
	-- check example.test --ip 192.0.2.29 --receivers
case_json "rules: only with --receivers" "*" --not rules.spf-or-dkim -- check example.test
export MXD_TEST_PW=alice-pass
case_json "rules: preflight through the ISP's relay over TLS" "*" \
	--has rules.tls:OK --has rules.spf-or-dkim:OK --has rules.spf-and-dkim:OK \
	--has dkim.key-ok:OK --data dkim.key-ok:selector=s1 \
	-- --timeout 2 --ca-file "$LAB_CA" preflight example.test --ip 198.51.100.7 --no-inbound \
	--no-relay --no-port25 --smarthost smtp.isp.test:587 --from alice@isp.test \
	--user alice@isp.test --password-env MXD_TEST_PW --receivers --dkim-selector s1
# Keep the password out of the environment of the suites that follow (t_secrets).
unset MXD_TEST_PW
