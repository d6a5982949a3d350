# mxdiag smarthost without a named relay: candidates from the provider list (issue 14,
# bullet 6). The lab's own list is tests/lab/providers.json (never shipped); every
# candidate is tested live, and entries the test contradicts are flagged stale.

PV_LAB="$LAB_DIR/providers.json"
PV_PW="$OUT/providers-password"
printf 'alice-pass\n' >"$PV_PW"
PV_AUTH="--user alice@isp.test --password-file $PV_PW"
PV="--ca-file $LAB_CA --timeout 2 smarthost"

case_json "providers: --from's domain picks the lab ISP's entry; 587 recommended" 0 \
	--has smarthost.provider-candidates:INFO --data smarthost.provider-candidates:provider="Lab ISP" \
	--count smarthost.works:3 --data smarthost.recommended:port=587 \
	-- $PV --from alice@isp.test --providers "$PV_LAB" $PV_AUTH
case_json "providers: --isp by name" 0 \
	--data smarthost.provider-candidates:provider="Lab ISP" --has smarthost.recommended:OK \
	-- $PV --isp "lab isp" --from alice@isp.test --providers "$PV_LAB" $PV_AUTH
mkdir -p "$OUT/xdg/mxdiag" && cp "$PV_LAB" "$OUT/xdg/mxdiag/providers.json"
XDG_CONFIG_HOME="$OUT/xdg" case_json "providers: the user's list in \$XDG_CONFIG_HOME/mxdiag" 0 \
	--data smarthost.provider-candidates:file="$OUT/xdg/mxdiag/providers.json" \
	--has smarthost.recommended:OK -- $PV --from alice@isp.test $PV_AUTH
HOME="$OUT/nohome" XDG_CONFIG_HOME= case_cmd "providers: no entry for the sender's domain" 64 \
	"no entry for the domain of a@nowhere.test" -- "$MXDIAG" $PV --from a@nowhere.test
case_cmd "providers: --isp with a named relay is a usage error" 64 "when no HOST is given" \
	-- "$MXDIAG" $PV smtp.isp.test --isp "Lab ISP" --from alice@isp.test

# Stale entries: a port 25 relay that does not answer where port 25 gets out, a name gone
# from DNS. Where this line blocks port 25, the failure says nothing of the entry: the
# endpoint is smarthost.port25-blocked (INFO, 587 works), and the entry is not called stale.
case_json "providers: a retired port 25 relay on an open line is stale" 1 \
	--has smarthost.provider-stale:WARN --data smarthost.provider-stale:host=oldrelay.isp.test \
	--has smarthost.unreachable --has smarthost.recommended:OK \
	-- $PV --isp retiredisp --from alice@isp.test --providers "$PV_LAB" $PV_AUTH
case_json "providers: port 25 not measured: the entry may be stale (INFO)" 1 \
	--all smarthost.provider-stale:INFO --has smarthost.recommended:OK \
	-- $PV --isp retiredisp --from alice@isp.test --providers "$PV_LAB" $PV_AUTH --no-port25
lab-op25b reject
case_json "providers: the entry's port 25 under OP25B is not stale; 587 still recommended" 0 \
	--not smarthost.provider-stale --has smarthost.port25-blocked:INFO \
	--has smarthost.recommended:OK --data smarthost.recommended:port=587 \
	-- $PV --from alice@isp.test --providers "$PV_LAB" $PV_AUTH
case_json "providers: %EMAILDOMAIN% host gone from DNS is stale; blocked port 25 is not" 2 \
	--count smarthost.provider-stale:1 --data smarthost.provider-stale:host=smtp.b.old.isp.test \
	--has smarthost.port25-blocked --has smarthost.none-working:FAIL \
	-- $PV --isp oldisp --from a@b.old.isp.test --providers "$PV_LAB"
lab-op25b off

# The shipped list loads, proposes its facts with their source, and holds no lab entry.
# (In the lab no real name resolves: nothing leaves the box.)
case_json "providers: the shipped list's OCN entry (ISPDB source)" 2 \
	--data smarthost.provider-candidates:provider=OCN \
	--data smarthost.provider-candidates:source=https://github.com/thunderbird/autoconfig/blob/master/ispdb/ocn.ne.jp.xml \
	-- $PV --from a@ocn.ne.jp
case_json "providers: au one net's host is msa. + the address's own domain" 2 \
	--data smarthost.provider-candidates:provider="au one net" \
	--data smarthost.provider-stale:host=msa.ab.auone-net.jp \
	-- $PV --from kddi1@ab.auone-net.jp
/usr/bin/python3 - "$LAB_DIR/../../data/providers.json" <<'PY' \
	&& ok "providers: shipped entries have sources and no lab domains" \
	|| not_ok "providers: shipped entries have sources and no lab domains"
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
assert len(d["providers"]) >= 20, len(d["providers"])
for e in d["providers"]:
    assert e["source"].startswith("https://"), e["name"]
    assert e["source_kind"] in ("ispdb", "provider"), e["name"]
    for dom in e["domains"]:
        assert not dom.endswith((".test", ".example", ".invalid", ".localhost")), dom
PY

# A broken list is refused at load with where and why (exit 64).
pv_bad() {	# pv_bad NAME REGEX JSON
	printf '%s\n' "$3" >"$OUT/pv-bad.json"
	case_cmd "providers: broken list: $1" 64 "$2" \
		-- "$MXDIAG" $PV --from alice@isp.test --providers "$OUT/pv-bad.json"
}
pv_ok='"domains": ["isp.test"], "auth": "password", "source": "here"'
pv_bad "not JSON" "pv-bad.json:[0-9]+:" '{"providers": ['
pv_bad "not a list" "not a provider list" '{"format": 2, "providers": []}'
pv_bad "no source" 'providers\[0\] \(X\): "source" must' \
	'{"providers": [{"name": "X", "domains": ["isp.test"], "auth": "none", "servers": [{"host": "a.isp.test", "port": 587, "tls": "starttls"}]}]}'
pv_bad "port out of range" 'servers\[0\].port must be' \
	"{\"providers\": [{\"name\": \"X\", $pv_ok, \"servers\": [{\"host\": \"a.isp.test\", \"port\": 0, \"tls\": \"none\"}]}]}"
pv_bad "bad TLS mode" 'servers\[0\].tls must be' \
	"{\"providers\": [{\"name\": \"X\", $pv_ok, \"servers\": [{\"host\": \"a.isp.test\", \"port\": 587, \"tls\": \"ssl\"}]}]}"
pv_bad "bad host" 'servers\[0\].host is not' \
	"{\"providers\": [{\"name\": \"X\", $pv_ok, \"servers\": [{\"host\": \"a b\", \"port\": 587, \"tls\": \"none\"}]}]}"
pv_bad "unknown key" 'unknown key "srever"' \
	"{\"providers\": [{\"name\": \"X\", $pv_ok, \"srever\": 1, \"servers\": []}]}"
pv_bad "no domains" '"domains" must be' \
	'{"providers": [{"name": "X", "domains": [], "auth": "none", "source": "s", "servers": [{"host": "a.isp.test", "port": 25, "tls": "none"}]}]}'
pv_bad "duplicate key" "pv-bad.json:[0-9]+: duplicate" '{"providers": [], "providers": []}'
case_cmd "providers: --providers file missing" 64 "cannot read it" \
	-- "$MXDIAG" $PV --from alice@isp.test --providers "$OUT/no-such-providers.json"
