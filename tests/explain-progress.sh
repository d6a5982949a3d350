#!/bin/sh
# explain's progress line (issue 15, scale): on stderr only when stderr is a terminal (a pty
# here), cleared at the end, never on stdout, nothing of it when stderr is a file; then the
# summary line (issue 19), always.
# make check entry; by hand: srcdir=. MXDIAG=/path/to/mxdiag tests/explain-progress.sh
set -u
top=${srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
MXDIAG=${MXDIAG:-$PWD/mxdiag}
PYTHON=${PYTHON:-python3}
command -v "$PYTHON" >/dev/null 2>&1 || { echo "skip - no python3"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mxdiag-progress.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $1"; shift; for l in "$@"; do echo "    $l"; done; }

# an mbox of 20 bounces
i=0
while [ $i -lt 20 ]; do
	i=$((i + 1))
	printf 'From MAILER-DAEMON Mon Jan  1 00:00:00 2024\nFrom: MAILER-DAEMON@example.org\n'
	printf 'Subject: Undelivered Mail\nMessage-ID: <p%s@example.org>\n\n' $i
	printf '550 5.1.1 <u%s@example.net>: Recipient address rejected: User unknown\n\n' $i
done >"$tmp/box.mbox"

# on_pty STDOUT STDERR CMD...: run CMD with stderr on a pseudo-terminal (kept in STDERR)
# and stdout to the file STDOUT
cat >"$tmp/on_pty.py" <<'PY'
import os, pty, subprocess, sys
out_path, err_path, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
master, slave = pty.openpty()
with open(out_path, "wb") as out:
    p = subprocess.Popen(cmd, stdout=out, stderr=slave)
    os.close(slave)
    got = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        got += chunk
    p.wait()
with open(err_path, "wb") as f:
    f.write(got)
PY
on_pty() { "$PYTHON" "$tmp/on_pty.py" "$@"; }

on_pty "$tmp/stdout.jsonl" "$tmp/stderr.pty" \
	"$MXDIAG" --json explain --no-dns --kb "$top/data/kb.json" "$tmp/box.mbox"
err=$(cat "$tmp/stderr.pty" 2>/dev/null)
case $err in
*"bounces read"*"per second"*box.mbox*) ok "stderr a terminal: the progress line names bounces, rate and file" ;;
*) not_ok "stderr a terminal: the progress line names bounces, rate and file" \
	"stderr: $(printf '%s' "$err" | od -c | head -5)" ;;
esac
# the progress line is cleared at the end (carriage return, erase to end of line), then
# comes the summary line (docs/batch.md), the last thing written (the pty ends it in \r\n)
if "$PYTHON" - "$tmp/stderr.pty" <<'PY'
import re, sys
err = open(sys.argv[1], "rb").read()
sys.exit(0 if re.search(rb"\r\x1b\[Kmxdiag: explain: 20 bounces in [^\r\n]* per second: [^\r\n]*\r?\n$", err) else 1)
PY
then
	ok "stderr a terminal: the line is cleared at the end, then the summary line"
else
	not_ok "stderr a terminal: the line is cleared at the end, then the summary line" \
		"ends with: $(tail -c 120 "$tmp/stderr.pty" | od -c | tail -n 4)"
fi
if [ "$(wc -l <"$tmp/stdout.jsonl")" -eq 20 ] && ! grep -q 'bounces read' "$tmp/stdout.jsonl" &&
    "$PYTHON" -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' \
    "$tmp/stdout.jsonl"; then
	ok "stderr a terminal: stdout holds the 20 JSON lines and nothing of the progress line"
else
	not_ok "stderr a terminal: stdout holds the 20 JSON lines and nothing of the progress line" \
		"$(head -c 300 "$tmp/stdout.jsonl")"
fi

# stderr a file: no progress line at all, the summary line only
"$MXDIAG" --json explain --no-dns --kb "$top/data/kb.json" "$tmp/box.mbox" \
	>"$tmp/out2.jsonl" 2>"$tmp/err2" || true
if [ "$(wc -l <"$tmp/err2")" -eq 1 ] && grep -q '^mxdiag: explain: 20 bounces in ' "$tmp/err2" &&
    ! grep -q "$(printf '\r')" "$tmp/err2" && [ "$(wc -l <"$tmp/out2.jsonl")" -eq 20 ]; then
	ok "stderr not a terminal: no progress line, one summary line"
else
	not_ok "stderr not a terminal: no progress line, one summary line" "$(head -c 300 "$tmp/err2")"
fi

on_pty /dev/null "$tmp/stderr-ja.pty" \
	"$MXDIAG" --lang ja explain --no-dns --kb "$top/data/kb.json" "$tmp/box.mbox"
if grep -q '件' "$tmp/stderr-ja.pty" 2>/dev/null; then
	ok "--lang ja: the progress line is in Japanese"
else
	not_ok "--lang ja: the progress line is in Japanese" "$(head -c 200 "$tmp/stderr-ja.pty" 2>&1)"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
