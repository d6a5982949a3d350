#!/bin/sh
# make check: classify the copied dev corpus (tests/bounces/data, no DNS) and the real
# bounces written in the lab (tests/bounces/lab, tests/bounces/realmta), and hold each to its floor. The runner's
# own "N passed, N failed" counts emails classified right and wrong (accuracy); what
# passes or fails here is the floors, so the closing line counts that one test.
srcdir=${srcdir:-.}
./tests/bounce-corpus --kb "$srcdir/data/kb.json" --floor "$srcdir/tests/bounces/floor" \
    --overrides "$srcdir/tests/bounces/overrides" \
    "$srcdir/tests/bounces/data/manifest.json"
rc=$?
# and the real bounces written in the lab (tests/bounces/lab/make.sh), labelled by construction
echo "# tests/bounces/lab: bounces written by real servers in the lab"
./tests/bounce-corpus --kb "$srcdir/data/kb.json" --floor "$srcdir/tests/bounces/lab/floor" \
    "$srcdir/tests/bounces/lab/manifest.json" || rc=$?
# and the DSNs Postfix, Exim and OpenSMTPD wrote themselves (tests/integration/t_realndr.sh)
echo "# tests/bounces/realmta: DSNs written by real Postfix, Exim and OpenSMTPD in the lab"
./tests/bounce-corpus --kb "$srcdir/data/kb.json" --floor "$srcdir/tests/bounces/realmta/floor" \
    "$srcdir/tests/bounces/realmta/manifest.json" || rc=$?
if [ $rc -eq 0 ]; then
	echo "accuracy floors held"
	echo "1 passed, 0 failed"
else
	echo "accuracy below the floor (or the runner failed, exit $rc)"
	echo "0 passed, 1 failed"
fi
exit $rc
