# Vantage first (issue 14): answers over outbound port 25 are judged knowing what this
# line does to port 25. Under every lab-op25b mode, no FAIL or OK of the user's own servers
# comes from a blocked or intercepted connection. Sourced by run.sh inside the lab.

VT_COMMON=(--timeout 2 --ca-file "$LAB_CA")
VT_PF=(preflight example.test --ip 192.0.2.25 --helo mx1.example.test
	--port25-target example.test --port25-target isp.test --submission smtp.isp.test
	--smarthost smtp.isp.test:587 --from alice@isp.test --user alice@isp.test
	--password-env MXD_TEST_PW)
export MXD_TEST_PW=alice-pass

for mode in reject drop icmp; do
	lab-op25b "$mode"
	case_json "vantage $mode: preflight does not blame the MX for the block" "*" \
		--has inbound.untestable:UNKNOWN --has relay.untestable:UNKNOWN \
		--has port25.blocked-except-isp --not inbound.unreachable \
		--not inbound.mx-unreachable --not relay.untested --not relay.closed \
		--data port25.blocked-except-isp:exempt=isp.test \
		-- "${VT_COMMON[@]}" "${VT_PF[@]}"
done

lab-op25b intercept
case_json "vantage intercept: preflight judges nothing through the interceptor" "*" \
	--has port25.intercepted --has inbound.untestable:UNKNOWN \
	--has relay.untestable:UNKNOWN --not relay.open --not relay.closed \
	--not inbound.accepted --not inbound.mx-accepts --not inbound.starttls-missing \
	--not inbound.banner-mismatch --not port25.open \
	-- "${VT_COMMON[@]}" "${VT_PF[@]}"
# Without a port 25 target that answers, a probe alone still sees the interceptor.
case_json "vantage intercept: relay alone sees the interceptor by its greeting" 3 \
	--has relay.untestable:UNKNOWN --not relay.open --not relay.closed \
	-- "${VT_COMMON[@]}" relay mx1.example.test --port25-target nothing.test
case_json "vantage intercept: inbound alone sees the interceptor" 3 \
	--has inbound.untestable:UNKNOWN --not inbound.accepted --not inbound.mx-accepts \
	--not inbound.starttls-missing \
	-- "${VT_COMMON[@]}" inbound example.test --port25-target nothing.test
# An address candidate has no name to set against the greeting: its PTR name stands in.
case_json "vantage intercept: smarthost alone sees the interceptor at an address candidate" 3 \
	--has smarthost.intercepted:UNKNOWN \
	--not smarthost.works --not smarthost.recommended \
	-- "${VT_COMMON[@]}" smarthost 192.0.2.25:25 --no-port25 --from alice@isp.test
case_json "vantage intercept: the ISP's own MX is still judged" "*" \
	--has inbound.accepted:OK --not inbound.untestable \
	-- "${VT_COMMON[@]}" inbound isp.test
case_json "vantage intercept: address targets compared with their PTR names" 2 \
	--has port25.intercepted:FAIL --not port25.open \
	--data port25.intercepted:banner_name=intercept.isp.test \
	-- "${VT_COMMON[@]}" port25 192.0.2.25 192.0.2.26 --no-submission
case_json "vantage intercept: the ISP's own MX answering is no proof of an open line" 2 \
	--has port25.intercepted:FAIL --not port25.open \
	-- "${VT_COMMON[@]}" port25 example.test isp.test --submission smtp.isp.test
lab-op25b off

# The same commands on an open line keep judging the servers themselves.
case_json "vantage off: relay judged" 0 --has relay.closed:OK --not relay.untestable \
	-- "${VT_COMMON[@]}" relay mx1.example.test
case_json "vantage off: inbound judged" "*" --has inbound.accepted:OK \
	--not inbound.untestable --not inbound.host-untestable \
	-- "${VT_COMMON[@]}" inbound example.test
case_json "vantage off: address targets with their own names are open" 0 \
	--has port25.open:OK --not port25.intercepted \
	-- "${VT_COMMON[@]}" port25 192.0.2.25 192.0.2.26 --no-submission
case_json "vantage off: ISP's MX and another both answer: open" 0 \
	--has port25.open:OK --not port25.blocked-except-isp \
	-- "${VT_COMMON[@]}" port25 example.test isp.test --submission smtp.isp.test

# inbound and relay run alone, under each of the five lab-op25b modes: port25 runs beside
# them (the lab's default targets), so no finding blames the user's server for the line.
for mode in off reject drop icmp intercept; do
	lab-op25b "$mode"
	if [ "$mode" = off ]; then
		case_json "vantage alone $mode: inbound judged as before" 1 \
			--has inbound.accepted:OK --not inbound.untestable --not port25.open \
			-- "${VT_COMMON[@]}" inbound example.test
		case_json "vantage alone $mode: relay judged as before" 0 \
			--has relay.closed:OK --not relay.untestable --not port25.open \
			-- "${VT_COMMON[@]}" relay mx1.example.test
		continue
	fi
	case_json "vantage alone $mode: inbound UNKNOWN, the MX not blamed" 3 \
		--has inbound.untestable:UNKNOWN --not inbound.unreachable \
		--not inbound.mx-unreachable --none-worse-than INFO \
		-- "${VT_COMMON[@]}" inbound example.test
	case_json "vantage alone $mode: relay UNKNOWN, never open or closed" 3 \
		--has relay.untestable:UNKNOWN --not relay.open --not relay.closed \
		--none-worse-than INFO -- "${VT_COMMON[@]}" relay mx1.example.test
done
lab-op25b off

# One greeting from two hosts of unrelated domains (shopa.test, shopb.test: one hosting
# platform that greets as smtp.hostco.test for both). On a line the port25 probe of the run
# found open, that is a shared platform, not an interceptor: the hosts are judged. Only when
# port 25 was not measured is the shared greeting still read as an interceptor's.
VT_SH=(smarthost mail.shopa.test:25 mail.shopb.test:25 smtp.isp.test:587
	--from alice@isp.test --user alice@isp.test --password-env MXD_TEST_PW)
case_json "vantage off: relays sharing a greeting are judged, not intercepted" 1 \
	--not smarthost.intercepted --count smarthost.auth-not-offered:2 \
	--has smarthost.recommended:OK --not port25.open \
	-- "${VT_COMMON[@]}" "${VT_SH[@]}"
case_json "vantage off: MX hosts sharing a greeting are judged, not intercepted" 1 \
	--not inbound.untestable --not inbound.host-untestable --count inbound.mx-accepts:2 \
	--count inbound.banner-mismatch:2 \
	-- "${VT_COMMON[@]}" inbound shopa.test
case_json "vantage off, port 25 not measured: a shared greeting is still the proof" 0 \
	--count smarthost.intercepted:2 --data smarthost.intercepted:vantage \
	-- "${VT_COMMON[@]}" "${VT_SH[@]}" --no-port25
lab-op25b intercept
case_json "vantage intercept: relays sharing a greeting are still intercepted" 0 \
	--count smarthost.intercepted:2 --not smarthost.auth-not-offered \
	-- "${VT_COMMON[@]}" "${VT_SH[@]}"
case_json "vantage intercept: MX hosts sharing a greeting are still intercepted" 3 \
	--has inbound.untestable:UNKNOWN --not inbound.mx-accepts --not inbound.banner-mismatch \
	-- "${VT_COMMON[@]}" inbound shopa.test
lab-op25b off
