#!/bin/sh
# bench/explain/run.sh: mxdiag explain against Sisimai over one generated mbox, side by
# side, without DNS and then with live proofs inside the lab; then mxdiag's peak RSS at
# 1,000 and 100,000 bounces. Installs what it needs itself (Debian: libsisimai-perl,
# libjson-pp-perl, time); CI does not run it.
# usage: bench/explain/run.sh BUILD/mxdiag [N]   (N bounces side by side, default 10000)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] || { echo "usage: $0 BUILD/mxdiag [N]" >&2; exit 64; }
mxdiag=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
n=${2:-10000}
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
if ! perl -MSisimai -MJSON::PP -e1 2>/dev/null || [ ! -x /usr/bin/time ]; then
	$sudo apt-get install -y libsisimai-perl libjson-pp-perl time
fi
tmp=${TMPDIR:-/tmp}
box=$tmp/mxdiag-bench-$n.mbox
perl "$here/gen-mbox.pl" "$n" "$box"
echo "== without DNS (mxdiag --no-dns)"
perl "$here/mbox.pl" --rounds 3 "$mxdiag" "$box"
echo "== live proofs inside the lab (tests/lab/lab.sh: lab addresses only)"
"$here/../../tests/lab/lab.sh" run sh -c 'perl "$0" --rounds 3 --live "$1" "$2" -- \
	--resolver "$LAB_RESOLVER" --ca-file "$LAB_CA" --timeout 2' "$here/mbox.pl" "$mxdiag" "$box"
echo "== scale: peak RSS at 1,000 and 100,000 bounces (mxdiag alone, one pass each)"
for k in 1000 100000; do
	perl "$here/gen-mbox.pl" "$k" "$tmp/mxdiag-bench-$k.mbox"
	perl "$here/mbox.pl" --rounds 1 --no-sisimai "$mxdiag" "$tmp/mxdiag-bench-$k.mbox"
	"$here/../../tests/lab/lab.sh" run sh -c 'perl "$0" --rounds 1 --live --no-sisimai "$1" \
		"$2" -- --resolver "$LAB_RESOLVER" --ca-file "$LAB_CA" --timeout 2' "$here/mbox.pl" \
		"$mxdiag" "$tmp/mxdiag-bench-$k.mbox"
done
rm -f "$box" "$tmp/mxdiag-bench-1000.mbox" "$tmp/mxdiag-bench-100000.mbox"
