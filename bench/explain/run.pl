#!/usr/bin/perl
# bench/explain: mxdiag explain against Sisimai (Debian libsisimai-perl) on the same bounce
# corpus, side by side in one run. Prints emails per second for each (whole processes, best
# of N alternating rounds), the ratio, each one's agreement with the expected reasons, and
# the emails where the two disagree on the reason.
# usage: bench/explain/run.pl [--rounds N] MXDIAG MANIFEST [KB]
use strict;
use warnings;
use JSON::PP;
use File::Basename qw(dirname);
use Time::HiRes qw(time);

my $rounds = 5;
if (@ARGV && $ARGV[0] eq '--rounds') { shift; $rounds = shift; }
my ($mxdiag, $manifest, $kb) = @ARGV;
die "usage: $0 [--rounds N] MXDIAG MANIFEST [KB]\n" unless $mxdiag && $manifest;
$kb //= dirname($0) . '/../../data/kb.json';
my $dir = dirname($manifest);
my $sisimai = dirname($0) . '/sisimai-classify.pl';

open(my $fh, '<', $manifest) or die "$manifest: $!\n";
my $m = decode_json(do { local $/; <$fh> });
close $fh;
my @files = map { "$dir/$_->{file}" } @$m;

sub run_capture {
	my @cmd = @_;
	my $t0 = time;
	open(my $p, '-|', @cmd) or die "$cmd[0]: $!\n";
	my @out = <$p>;
	close $p;
	return (time - $t0, \@out);
}

my ($best_m, $best_s, $out_m, $out_s) = (1e9, 1e9);
for my $r (1 .. $rounds) {
	my ($tm, $om) = run_capture($mxdiag, '--json', 'explain', '--no-dns', '--kb', $kb,
	    @files);
	my ($ts, $os) = run_capture('perl', $sisimai, $manifest);
	($best_m, $out_m) = ($tm, $om) if $tm < $best_m;
	($best_s, $out_s) = ($ts, $os) if $ts < $best_s;
}

# first recipient's reason per email: one JSON line per bounce
my (%mx, %si);
for (@$out_m) {
	my $doc = decode_json($_);
	my ($first) = grep { defined $_->{data}{reason} } @{ $doc->{findings} };
	(my $rel = $doc->{file}) =~ s{^\Q$dir\E/}{};
	$mx{$rel} //= $first ? $first->{data}{reason} : '';
}
for (@$out_s) {
	chomp;
	my ($f, $reason) = split /\t/;
	$si{$f} //= $reason // '';
}
my ($agree_m, $agree_s, @diff) = (0, 0);
for my $e (@$m) {
	my %ok = ($e->{reason} => 1);
	$ok{ $e->{alt_expected}{expected}[0]{reason} } = 1 if $e->{alt_expected};
	my $a = $mx{ $e->{file} } // '';
	my $b = $si{ $e->{file} } // '';
	$agree_m++ if $ok{$a};
	$agree_s++ if $ok{$b};
	push @diff, sprintf("  %-40s mxdiag %-15s sisimai %-15s expected %s", $e->{file}, $a,
	    $b || '-', $e->{reason}) if $a ne $b;
}
my $n = scalar @$m;
printf "emails: %d, best of %d rounds, whole processes\n", $n, $rounds;
printf "mxdiag:  %8.1f emails/s (%.3f s)  agreement with expected reason %d/%d (%.1f%%)\n",
    $n / $best_m, $best_m, $agree_m, $n, 100 * $agree_m / $n;
printf "sisimai: %8.1f emails/s (%.3f s)  agreement with expected reason %d/%d (%.1f%%)\n",
    $n / $best_s, $best_s, $agree_s, $n, 100 * $agree_s / $n;
printf "ratio: mxdiag is %.1fx Sisimai's speed (target 20x)\n", $best_s / $best_m;
printf "disagreements on reason: %d\n", scalar @diff;
print "$_\n" for @diff;
