#!/bin/sh
# Build the Debian package from a copy of the tree under /tmp (dpkg-buildpackage writes
# ../*.deb, and the source tree stays clean), check it with lintian, install it, run the
# installed binary, and remove it again unless it was installed before.
# Usage: scripts/build-deb.sh [--check]   (--check: also run the package build's tests,
# which are the suite without the lab; CI runs the whole suite beforehand, so not there)
# Leaves the .deb in $MXDIAG_DEB_OUT (default /tmp/mxdiag-deb).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${MXDIAG_DEB_OUT:-/tmp/mxdiag-deb}
opts=nocheck
[ "${1:-}" = --check ] && opts=
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo

"$top/scripts/install-deps.sh" deb
rm -rf "$out"
mkdir -p "$out/src"
# What git tracks (and new files not ignored): no build tree, no generated configure.
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$top" && git ls-files -co --exclude-standard -z | xargs -0 tar -cf -) |
		(cd "$out/src" && tar -xf -)
else
	tar -C "$top" --exclude=./build --exclude=./build-asan --exclude=.git -cf - . |
		(cd "$out/src" && tar -xf -)
fi
start=$(date +%s)
(cd "$out/src" && DEB_BUILD_OPTIONS=$opts dpkg-buildpackage -us -uc -b >"$out/build.log" 2>&1) || {
	tail -n 40 "$out/build.log"
	echo "build-deb: dpkg-buildpackage failed (log: $out/build.log)" >&2
	exit 1
}
echo "build-deb: built in $(($(date +%s) - start)) s: $(cd "$out" && ls ./*.deb | tr '\n' ' ')"
# Every tag shown; errors and warnings fail the build (debian/mxdiag.lintian-overrides
# holds the overridden ones, each with its reason).
lintian --pedantic -I --fail-on error,warning "$out"/mxdiag_*.changes 2>&1 |
	grep -v 'running with root privileges' || true
lintian --fail-on error,warning "$out"/mxdiag_*.changes >/dev/null 2>&1 || {
	echo "build-deb: lintian found errors or warnings" >&2
	exit 1
}

was_installed=no
dpkg-query -W -f='${Status}' mxdiag 2>/dev/null | grep -q "ok installed" && was_installed=yes
$SUDO dpkg -i "$out"/mxdiag_*_*.deb >/dev/null
rc=0
/usr/bin/mxdiag --version || rc=1
# The installed catalogue, knowledge base and completion, as a user gets them.
/usr/bin/mxdiag --lang ja --help | grep '使い方: mxdiag' || rc=1
# explain loads /usr/share/mxdiag/kb.json (exit 64 when it cannot)
bounce=$(ls "$top"/tests/bounces/data/emails/*.eml | head -n 1)
/usr/bin/mxdiag explain --no-dns "$bounce" >/dev/null || [ $? -lt 64 ] || rc=1
comp=/usr/share/bash-completion/completions/mxdiag
res=$(MXDIAG=/usr/bin/mxdiag MXDIAG_COMPLETION=$comp srcdir=$top "$top/tests/completion.sh") ||
	{ echo "$res"; rc=1; }
echo "build-deb: the installed bash completion: $(echo "$res" | tail -n 1)"
for f in /usr/share/mxdiag/kb.json /usr/share/mxdiag/providers.json $comp \
    /usr/share/man/man1/mxdiag.1.gz /usr/share/locale/ja/LC_MESSAGES/mxdiag.mo; do
	[ -s "$f" ] || { echo "build-deb: not installed: $f" >&2; rc=1; }
done
[ "$was_installed" = yes ] || $SUDO dpkg -r mxdiag >/dev/null
[ $rc -eq 0 ] && echo "build-deb: the installed package works"
exit $rc
