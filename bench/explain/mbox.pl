#!/usr/bin/perl
# bench/explain: mxdiag explain and Sisimai over the same mbox, side by side in one run:
# whole processes (start-up included), alternating, best of N rounds, each timed and its
# peak RSS taken by /usr/bin/time. With --live, mxdiag runs its live proofs (give the
# resolver and the rest after --, e.g. inside the lab: -- --resolver $LAB_RESOLVER);
# otherwise --no-dns.
# usage: bench/explain/mbox.pl [--rounds N] [--live] [--no-sisimai] MXDIAG MBOX [KB]
#                              [-- MXDIAG-GLOBAL-OPTION...]
use strict;
use warnings;
use File::Basename qw(dirname);
use File::Temp qw(tempdir);
use Time::HiRes qw(time);

my ($rounds, $live, $sisimai) = (3, 0, 1);
while (@ARGV && $ARGV[0] =~ /^--/) {
	my $o = shift;
	if ($o eq '--rounds') { $rounds = shift; }
	elsif ($o eq '--live') { $live = 1; }
	elsif ($o eq '--no-sisimai') { $sisimai = 0; }
	else { die "unknown option $o\n"; }
}
my @global;
if (my ($i) = grep { $ARGV[$_] eq '--' } 0 .. $#ARGV) {
	@global = @ARGV[$i + 1 .. $#ARGV];
	splice(@ARGV, $i);
}
my ($mxdiag, $mbox, $kb) = @ARGV;
die "usage: $0 [--rounds N] [--live] [--no-sisimai] MXDIAG MBOX [KB] [-- OPTION...]\n"
    unless $mxdiag && $mbox;
$kb //= dirname($0) . '/../../data/kb.json';
-x '/usr/bin/time' or die "needs /usr/bin/time (Debian package time)\n";
my $tmp = tempdir('mxdiag-bench.XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $n = 0;
open(my $fh, '<', $mbox) or die "$mbox: $!\n";
while (<$fh>) { $n++ if /^From /; }
close $fh;

# Run cmd with stdout to the file out; (seconds, peak RSS in KB). The time is the wall
# clock around the whole run (Time::HiRes: /usr/bin/time's %e has 10 ms steps, a tenth of
# a mailbox's run now); /usr/bin/time gives the peak RSS. Stdout is opened here, in the
# child, so that no shell starts beside the command.
sub timed {
	my ($tag, $out, @cmd) = @_;
	my $t = "$tmp/$tag.time";
	my $t0 = time();
	my $pid = fork() // die "fork: $!\n";
	if ($pid == 0) {
		open(STDOUT, '>', $out) or die "$out: $!\n";
		exec('/usr/bin/time', '-f', '%e %M', '-o', $t, '--', @cmd) or die "exec: $!\n";
	}
	waitpid($pid, 0);
	$? == 0 || $? >> 8 <= 3 or die "$cmd[0]: exit " . ($? >> 8) . "\n";
	my $secs = time() - $t0;
	open(my $th, '<', $t) or die "$t: $!\n";
	my (undef, $kb) = (split ' ', (grep { /^\d/ } <$th>)[-1]);
	close $th;
	return ($secs, $kb);
}

my @mx = ($mxdiag, @global, '--json', 'explain', '--kb', $kb, ($live ? () : '--no-dns'), $mbox);
# The floors, timed the same way: reading the mailbox and writing it out again (cat), and
# mxdiag's own start-up (its libraries, the knowledge base) over the mailbox's first bounce.
my $one = "$tmp/one.mbox";
{
	open(my $in, '<', $mbox) or die "$mbox: $!\n";
	open(my $o, '>', $one) or die "$one: $!\n";
	my $seen = 0;
	while (my $l = <$in>) {
		last if $l =~ /^From / && $seen++;
		print $o $l;
	}
	close $o;
	close $in;
}
my @one = ($mxdiag, @global, '--json', 'explain', '--kb', $kb, ($live ? () : '--no-dns'), $one);
my (%best, %rss, $lines, $sis_results, %dedup);
for my $r (1 .. $rounds) {
	for my $floor (['cat', 'cat', $mbox], ['start', @one]) {
		my ($tag, @cmd) = @$floor;
		my ($fs) = timed($tag, "$tmp/$tag.out", @cmd);
		$best{$tag} = $fs if !defined $best{$tag} || $fs < $best{$tag};
	}
	my ($s, $k) = timed('mxdiag', "$tmp/mx.jsonl", @mx);
	($best{mx}, $rss{mx}) = ($s, $k) if !defined $best{mx} || $s < $best{mx};
	if ($r == 1) {
		# one JSON line per bounce, and what the live proofs cost
		open(my $jh, '<', "$tmp/mx.jsonl") or die;
		while (my $l = <$jh>) {
			$lines++;
			$dedup{sessions} += $1 if $l =~ /"smtp":\{"sessions":(\d+)/;
			$dedup{queries} += $1 if $l =~ /"dns":\{"queries":(\d+)/;
			$dedup{reused}++ while $l =~ /"reused_from":/g;
			$dedup{verdicts}++ while $l =~ /"id":"ndr\.verify-/g;
		}
		close $jh;
	}
	next unless $sisimai;
	($s, $k) = timed('sisimai', "$tmp/si.out", 'perl',
	    dirname($0) . '/sisimai-mbox.pl', $mbox);
	($best{si}, $rss{si}) = ($s, $k) if !defined $best{si} || $s < $best{si};
	open(my $sh, '<', "$tmp/si.out") or die;
	($sis_results) = (<$sh> // '') =~ /(\d+)/;
	close $sh;
}

sub rate { my $s = shift; return $s > 0 ? $n / $s : 0 }
printf "mbox: %s, %d bounces; best of %d rounds, whole processes; %s\n", $mbox, $n, $rounds,
    $live ? 'mxdiag with live proofs (' . join(' ', @global) . ')' : 'mxdiag --no-dns';
printf "mxdiag:  %9.1f emails/s (%7.3f s)  peak RSS %7.1f MB  %d JSON lines\n",
    rate($best{mx}), $best{mx}, $rss{mx} / 1024, $lines // 0;
printf "floors:   reading and writing the mailbox (cat) %.3f s; mxdiag on its first bounce "
    . "alone (start-up, knowledge base) %.3f s: mxdiag takes %.1fx their sum\n", $best{cat},
    $best{start}, $best{mx} / (($best{cat} + $best{start}) || 0.001);
printf "  live proofs: %d verdicts, %d reused from an earlier bounce; %d DNS queries, "
    . "%d SMTP sessions in all\n", $dedup{verdicts} // 0, $dedup{reused} // 0,
    $dedup{queries} // 0, $dedup{sessions} // 0 if $live;
if ($sisimai) {
	printf "sisimai: %9.1f emails/s (%7.3f s)  peak RSS %7.1f MB  %d results\n",
	    rate($best{si}), $best{si}, $rss{si} / 1024, $sis_results // 0;
	printf "ratio: mxdiag is %.1fx Sisimai's speed (target %dx), %.1fx less memory\n",
	    $best{si} / ($best{mx} || 0.001), $live ? 20 : 50, $rss{si} / ($rss{mx} || 1);
}
