#!/bin/sh
# make check: classify the copied dev corpus (tests/bounces/data, no DNS) and hold the
# accuracy to the floor in tests/bounces/floor.
srcdir=${srcdir:-.}
exec ./tests/bounce-corpus --kb "$srcdir/data/kb.json" --floor "$srcdir/tests/bounces/floor" \
    "$srcdir/tests/bounces/data/manifest.json"
