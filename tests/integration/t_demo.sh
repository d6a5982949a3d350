# The demo tells the product's story (scripts/demo.sh): broken -> each fix -> a checklist
# that ends without FAIL, from outside the ISP's block and from the OP25B line itself
# (issue 14). This keeps the story true: each step's exit status and the answer lines.

demo_out=$(bash "$here/../../scripts/demo.sh" "$MXDIAG" 2>&1 | sed 's/\x1b\[[0-9;]*m//g')
got=$(grep -oE '^\(exit status [0-9]+\)' <<<"$demo_out" | grep -oE '[0-9]+' | tr '\n' ' ')
# explain (bounce: FAIL), check corp.local (FAIL), port25 under OP25B (FAIL), smarthost
# (OK with INFO: 587 works; the relay's port 25 is not judged, the line blocks it, which the
# port25 probe beside it measured), inbound exch.test (FAIL: anonymous refused), relay
# openrelay (FAIL), relay mx1 (OK), preflight from outside (WARN: mx2 is down), preflight on
# the OP25B line (UNKNOWN: inbound and relay cannot be seen from here).
want="2 2 2 0 2 2 0 1 3 "
if [ "$got" = "$want" ]; then ok "demo: every step ends as the story says"
else not_ok "demo: every step ends as the story says" "exit statuses: $got" "want: $want"; fi
n=$(grep -c '^Outbound: mail from example.test will get out through smtp.isp.test:587' <<<"$demo_out")
if [ "$n" = 2 ]; then ok "demo: both checklists answer that mail leaves through the relay"
else not_ok "demo: both checklists answer that mail leaves through the relay" "$n times"; fi
last=$(sed -n '/^### 7\./,$p' <<<"$demo_out")
if ! grep -qE '^FAIL ' <<<"$last" && ! grep -qE '^WARN ' <<<"$last"; then
	ok "demo: the checklist on the OP25B line has no WARN or FAIL"
else
	not_ok "demo: the checklist on the OP25B line has no WARN or FAIL" "$(grep -E '^(FAIL|WARN) ' <<<"$last")"
fi
