# DMARC as RFC 9989 has it (issue 17): the DNS tree walk, psd=, tags, report destinations;
# and RFC 7489's public suffix list with --dmarc-psl. Zones walk.test, psd.test,
# dmarcdest.test.
case_json "dmarc: subdomain takes its organisational domain's sp=" "*" \
	--has dmarc.inherited:OK --data dmarc.inherited:policy=quarantine \
	--data dmarc.inherited:policy_domain=walk.test --data dmarc.inherited:org_domain=walk.test \
	--not dmarc.missing -- check sub.walk.test
case_json "dmarc: a subdomain that exists takes sp=, not np=" "*" \
	--data dmarc.inherited:policy_tag=sp --data dmarc.inherited:domain_exists=True \
	-- check sub.walk.test
case_json "dmarc: a non-existent subdomain takes np= (RFC 9989)" "*" --has dmarc.inherited:OK \
	--data dmarc.inherited:policy=reject --data dmarc.inherited:policy_tag=np \
	--data dmarc.inherited:domain_exists=False -- check gone.walk.test
case_json "dmarc: without np=, a non-existent subdomain falls back to p=" "*" \
	--has dmarc.inherited:INFO --data dmarc.inherited:policy_tag=p \
	--data dmarc.inherited:domain_exists=False -- check gone.org.walk.test
case_json "dmarc: two levels down, the same record" "*" --has dmarc.inherited:OK \
	--data dmarc.inherited:policy_domain=walk.test -- check deep.sub.walk.test
case_json "dmarc: psd=n makes its own organisational domain" "*" --has dmarc.inherited:INFO \
	--data dmarc.inherited:org_domain=org.walk.test --data dmarc.inherited:policy=none \
	-- check x.org.walk.test
case_json "dmarc: a public suffix's record (psd=y)" "*" --has dmarc.inherited:OK \
	--data dmarc.inherited:policy_domain=psd.test --data dmarc.inherited:org_domain=shop.psd.test \
	-- check mail.shop.psd.test
case_json "dmarc: removed and unknown tags, invalid value" "*" --has dmarc.present:OK \
	--has dmarc.removed-tag:WARN --data "dmarc.removed-tag:tags=pct, ri" \
	--has dmarc.unknown-tag:WARN --data dmarc.unknown-tag:tags=reprot \
	--has dmarc.bad-value:WARN --data dmarc.bad-value:values=adkim=x -- check tags.walk.test
case_json "dmarc: several records discarded, the parent's applies" "*" \
	--has dmarc.multiple:WARN --has dmarc.inherited:OK -- check two.walk.test
case_json "dmarc: external report destinations" "*" \
	--has dmarc.report-authorised:OK --has dmarc.report-unauthorised:WARN \
	--data dmarc.report-unauthorised:authorisation=ext.walk.test._report._dmarc.noauth.dmarcdest.test \
	-- check ext.walk.test
case_json "dmarc: reports inside the organisation need no authorisation" "*" \
	--not dmarc.report-authorised --not dmarc.report-unauthorised -- check walk.test
case_json "dmarc: RFC 7489 mode (public suffix list)" "*" --has dmarc.inherited:OK \
	--data dmarc.inherited:mode=rfc7489 --data dmarc.inherited:policy_domain=walk.test \
	-- check deep.sub.walk.test --dmarc-psl
# The public suffix list knows nothing of psd.test (its default rule makes it an
# organisation): RFC 7489 calls the PSD the organisational domain, RFC 9989 shop.psd.test.
case_json "dmarc: RFC 7489 mode takes a PSD for the organisation" "*" --has dmarc.inherited:OK \
	--data dmarc.inherited:org_domain=psd.test -- check mail.shop.psd.test --dmarc-psl
