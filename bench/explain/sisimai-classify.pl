#!/usr/bin/perl
# Classify each email of a bounce-corpus manifest with Sisimai (Debian libsisimai-perl) and
# print "file<TAB>reason<TAB>status" per recipient, then the elapsed time on stderr.
use strict;
use warnings;
use JSON::PP;
use File::Basename qw(dirname);
use Time::HiRes qw(time);
use Sisimai;

my $manifest = shift or die "usage: $0 MANIFEST\n";
open(my $fh, '<', $manifest) or die "$manifest: $!\n";
my $m = decode_json(do { local $/; <$fh> });
close $fh;
my $dir = dirname($manifest);

my $t0 = time;
my @out;
for my $e (@$m) {
	my $path = "$dir/$e->{file}";
	my $v = Sisimai->make($path, delivered => 1, vacation => 1) // [];
	if (!@$v) {
		push @out, "$e->{file}\t\t";
		next;
	}
	push @out, join("\t", $e->{file}, $_->reason // '', $_->deliverystatus // '') for @$v;
}
my $dt = time - $t0;
print "$_\n" for @out;
printf STDERR "sisimai: %d emails in %.3f s\n", scalar(@$m), $dt;
