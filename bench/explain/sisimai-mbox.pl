#!/usr/bin/perl
# Sisimai (Debian libsisimai-perl) over one mbox, the way its documentation shows:
# Sisimai->make on the path, every message parsed. Prints how many results it gave (one per
# recipient of each message it recognised as a bounce).
use strict;
use warnings;
use Sisimai;

my $mbox = shift or die "usage: $0 MBOX\n";
my $v = Sisimai->make($mbox, delivered => 1, vacation => 1) // [];
printf "%d results\n", scalar @$v;
