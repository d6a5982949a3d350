#!/bin/sh
# The demo: mxdiag against the lab world (run inside the lab by ./quickstart.sh demo).
# Usage: tests/lab/lab.sh run scripts/demo.sh ./mxdiag
set -u
M=${1:-mxdiag}
R="--resolver ${LAB_RESOLVER:-192.0.2.54}"
step() {
	printf '\n\033[1m$ mxdiag %s\033[0m\n' "$*"
	# shellcheck disable=SC2086
	$M $R "$@"
	echo "(exit status $?)"
}
echo "mxdiag demo: a private lab world with its own DNS root, resolver and mail servers."
echo "Nothing here touches the Internet."
step check example.test
step check nomx.test
step check nullmx.test
step check corp.local
step check cnamemx.test
step check mxprivate.test
step -v check refused.test
exit 0
