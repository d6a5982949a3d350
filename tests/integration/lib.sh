# Helpers for integration tests; sourced by run.sh inside the lab.
# A case runs mxdiag --json against the lab and asserts finding ids, statuses, exit code.

# Messages in English unless a case asks for --lang: some cases match on wording.
export LANG=C.UTF-8
unset LANGUAGE LC_ALL LC_MESSAGES

PASS=0
FAIL=0
SKIP=0
JCHECK="/usr/bin/python3 $(dirname "${BASH_SOURCE[0]}")/jcheck.py"
# mktemp, not $$: inside the lab's PID namespace $$ is the same small number in every lab.
OUT=$(mktemp -d "${TMPDIR:-/tmp}/mxdiag-it.XXXXXX")

ok() { PASS=$((PASS + 1)); echo "ok - $1"; }
not_ok() { FAIL=$((FAIL + 1)); echo "not ok - $1"; shift; for l in "$@"; do echo "    $l"; done; }
skip() { SKIP=$((SKIP + 1)); echo "skip - $1: $2"; }

# case_json NAME EXIT [jcheck assertions...] -- MXDIAG ARGS...
# Runs "mxdiag --json --resolver $LAB_RESOLVER ARGS", then checks the exit code and JSON.
# EXIT "*" skips the exit-code check, for cases whose other findings are not the point.
case_json() {
	local name=$1 want_exit=$2; shift 2
	local asserts=()
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do asserts+=("$1"); shift; done
	shift
	local f="$OUT/$(printf "%s" "$name" | tr -c 'A-Za-z0-9._-' _).json"
	local rc=0
	"$MXDIAG" --json --resolver "$LAB_RESOLVER" "$@" >"$f" 2>"$f.err" || rc=$?
	local msgs=()
	[ "$want_exit" = "*" ] || [ "$rc" = "$want_exit" ] ||
		msgs+=("exit $rc, want $want_exit ($(head -c 300 "$f.err"))")
	local jc
	if ! jc=$($JCHECK "$f" "${asserts[@]}" 2>&1); then
		while IFS= read -r l; do msgs+=("$l"); done <<<"$jc"
	fi
	if [ ${#msgs[@]} -eq 0 ]; then ok "$name"; else not_ok "$name" "${msgs[@]}"; fi
}

# case_cmd NAME EXIT REGEX -- CMD...: exit code and a regex over stdout+stderr.
case_cmd() {
	local name=$1 want_exit=$2 regex=$3; shift 4
	local out rc=0
	out=$("$@" 2>&1) || rc=$?
	local msgs=()
	[ "$rc" = "$want_exit" ] || msgs+=("exit $rc, want $want_exit")
	grep -Eq -- "$regex" <<<"$out" || msgs+=("output does not match /$regex/: $(head -c 400 <<<"$out")")
	if [ ${#msgs[@]} -eq 0 ]; then ok "$name"; else not_ok "$name" "${msgs[@]}"; fi
}

# elapsed_ms CMD...: run and print wall milliseconds (for bounds, never for speed claims).
# mta_up NAME [LABEL]: is the lab's real mail server NAME up (tests/lab/mta.sh writes
# $LAB_WORK/mta/NAME.state)? Otherwise one skip line, or a failure with its log's tail,
# for the cases it would have run.
mta_up() {
	local st label=${2:-real $1}
	st=$(cat "$LAB_WORK/mta/$1.state" 2>/dev/null) || st="FAILED: the lab wrote no state for $1"
	case $st in
	up) return 0 ;;
	SKIP:*) skip "$label" "${st#SKIP: }" ;;
	*) not_ok "real $1 is up" "$st" "$(tail -n 5 "$LAB_WORK/log/$1.out" 2>/dev/null)" ;;
	esac
	return 1
}

now_ms() { date +%s%3N; }

# Every JSON output of the run against docs/mxdiag.schema.json, as one case.
check_schema() {
	local schema="$(dirname "${BASH_SOURCE[0]}")/../../docs/mxdiag.schema.json" res
	if ! /usr/bin/python3 -c 'import jsonschema' 2>/dev/null; then
		skip "JSON Schema" "python3-jsonschema is not installed"
		return
	fi
	local files=()
	mapfile -t files < <(find "$OUT" -name '*.json' -type f | sort)
	if res=$(/usr/bin/python3 "$(dirname "${BASH_SOURCE[0]}")/jschema.py" "$schema" \
	    "${files[@]}" 2>&1); then
		case $res in
		"0 outputs"*) skip "JSON Schema" "no JSON output in this run" ;;
		*) ok "JSON Schema: $(tail -n 1 <<<"$res")" ;;
		esac
	else
		mapfile -t lines < <(head -n 40 <<<"$res")
		not_ok "JSON Schema: every output valid" "${lines[@]}"
	fi
}

summary() {
	check_schema
	rm -rf "$OUT"
	echo "$PASS passed, $FAIL failed, $SKIP skipped"
	[ "$FAIL" -eq 0 ]
}
