#!/bin/sh
# explain --jobs (issue 15, scale): with --no-dns the bounces of a mailbox are parsed and
# written on several threads, a window at a time; what is printed must not depend on how
# many: the same JSON Lines (apart from each report's elapsed_ms), the same text in English
# and Japanese, the same nagios line, the same summary and exit status, in input order.
# make check entry; run by hand as: srcdir=. MXDIAG=/path/to/mxdiag tests/explain-jobs.sh
set -u
top=${srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
MXDIAG=${MXDIAG:-$PWD/mxdiag}
command -v perl >/dev/null 2>&1 || { echo "skip - no perl"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mxdiag-jobs.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $1"; shift; for l in "$@"; do echo "    $l"; done; }
kb="$top/data/kb.json"

# 700 bounces: the corpus's emails in turn (more than two windows of 256), and a message
# that is no bounce in the middle.
perl "$top/bench/explain/gen-mbox.pl" 350 "$tmp/a.mbox" "$top/tests/bounces/data" \
    >/dev/null || exit 99
perl "$top/bench/explain/gen-mbox.pl" 350 "$tmp/b.mbox" "$top/tests/bounces/data" \
    >/dev/null || exit 99
{ cat "$tmp/a.mbox"; printf 'From someone Mon Jan  1 00:00:00 2024\nSubject: hello\n\nhello world\n\n'
  cat "$tmp/b.mbox"; } >"$tmp/box.mbox"

# A report's time (elapsed_ms, "in N ms", nagios time=) and the summary's rate are the only
# things that may differ from run to run.
run() {	# run NAME JOBS ARGS...: stdout and the summary line (times blanked), exit status
	name=$1 jobs=$2
	shift 2
	"$MXDIAG" "$@" --jobs "$jobs" "$tmp/box.mbox" 2>"$tmp/$name.err" | sed -E \
	    -e 's/"elapsed_ms":[0-9]+/"elapsed_ms":0/g' -e 's/ [0-9]+ ms([,、])/ T ms\1/' \
	    -e 's/time=[0-9]+ms/time=Tms/' >"$tmp/$name.out"
	rc=$("$MXDIAG" "$@" --jobs "$jobs" "$tmp/box.mbox" >/dev/null 2>&1; echo $?)
	echo "$rc" >"$tmp/$name.rc"
	sed -E -e 's/ in [0-9.]+ s, [0-9]+ per second//' \
	    -e 's/を [0-9.]+ 秒で処理、毎秒 [0-9]+ 件//' "$tmp/$name.err" >"$tmp/$name.sum"
}

for mode in json text-en text-ja nagios; do
	case $mode in
	json) set -- --json explain --no-dns --kb "$kb" ;;
	text-en) set -- --lang en explain --no-dns --kb "$kb" ;;
	text-ja) set -- --lang ja explain --no-dns --kb "$kb" ;;
	nagios) set -- --format nagios explain --no-dns --kb "$kb" ;;
	esac
	run "$mode-1" 1 "$@"
	run "$mode-4" 4 "$@"
	if cmp -s "$tmp/$mode-1.out" "$tmp/$mode-4.out" &&
	    cmp -s "$tmp/$mode-1.rc" "$tmp/$mode-4.rc" &&
	    cmp -s "$tmp/$mode-1.sum" "$tmp/$mode-4.sum"; then
		ok "$mode: --jobs 4 prints what --jobs 1 prints, with the same summary and exit status"
	else
		not_ok "$mode: --jobs 4 prints what --jobs 1 prints, with the same summary and exit status" \
		    "$(diff "$tmp/$mode-1.out" "$tmp/$mode-4.out" | head -5)" \
		    "exit $(cat "$tmp/$mode-1.rc") vs $(cat "$tmp/$mode-4.rc")" \
		    "$(cat "$tmp/$mode-1.sum" "$tmp/$mode-4.sum")"
	fi
done

# in input order: the index of every JSON line counts up from 1, and the no-bounce is #351
if [ "$(wc -l <"$tmp/json-4.out")" -eq 701 ] &&
    perl -ne '/"index":(\d+)/ or exit 1; exit 1 if $1 != $.; END { exit 0 }' \
    "$tmp/json-4.out" &&
    sed -n 351p "$tmp/json-4.out" | grep -q '"ndr.not-a-bounce"'; then
	ok "--jobs 4: 701 JSON lines in input order, the message that is no bounce at #351"
else
	not_ok "--jobs 4: 701 JSON lines in input order, the message that is no bounce at #351" \
	    "$(wc -l <"$tmp/json-4.out") lines" "$(sed -n 351p "$tmp/json-4.out" | head -c 200)"
fi

if grep -q '^mxdiag: explain: 701 bounces' "$tmp/json-4.err" &&
    [ "$(cat "$tmp/json-4.rc")" -eq 2 ]; then
	ok "--jobs 4: one summary line for 701 bounces, exit 2 (the worst: FAIL)"
else
	not_ok "--jobs 4: one summary line for 701 bounces, exit 2 (the worst: FAIL)" \
	    "$(cat "$tmp/json-4.err")" "exit $(cat "$tmp/json-4.rc")"
fi

# A reader that goes away (| head) ends the run, as in the batch modes: nothing more is
# read, one line says why, exit 3.
{ "$MXDIAG" --json explain --no-dns --kb "$kb" --jobs 2 "$tmp/box.mbox" 2>"$tmp/head.err"
  echo $? >"$tmp/head.rc"; } | head -n 1 >/dev/null
n=$(sed -n 's/^mxdiag: explain: \([0-9]*\) bounces .*/\1/p' "$tmp/head.err")
if [ "$(cat "$tmp/head.rc")" = 3 ] && [ -n "$n" ] && [ "$n" -lt 701 ] &&
    grep -q '^mxdiag: explain: writing the output: ' "$tmp/head.err"; then
	ok "output closed (| head): the run stops early ($n of 701 bounces), says why, exit 3"
else
	not_ok "output closed (| head): the run stops early, says why, exit 3" \
	    "exit $(cat "$tmp/head.rc")" "$(cat "$tmp/head.err")"
fi

for bad in 0 17 two -1; do
	"$MXDIAG" explain --no-dns --kb "$kb" --jobs "$bad" "$tmp/box.mbox" >"$tmp/bad.out" \
	    2>"$tmp/bad.err"
	rc=$?
	if [ $rc -eq 64 ] && grep -q -- '--jobs' "$tmp/bad.err" && [ ! -s "$tmp/bad.out" ]; then
		ok "--jobs $bad: usage error (exit 64) naming --jobs, nothing on stdout"
	else
		not_ok "--jobs $bad: usage error (exit 64) naming --jobs, nothing on stdout" \
		    "exit $rc" "$(head -c 200 "$tmp/bad.err")"
	fi
done

echo "# explain-jobs: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
