#!/usr/bin/perl
# Write an mbox (mboxrd) of N bounces to OUT by repeating the corpus emails in turn, each
# copy with its own Message-ID, so that a mailbox of any size can be measured without
# committing one. The emails of every DIR/manifest.json given (default: the shared corpus
# and tests/bounces), byte-identical files once.
# usage: bench/explain/gen-mbox.pl N OUT [CORPUS_DIR]...
use strict;
use warnings;
use JSON::PP;
use File::Basename qw(dirname);
use Digest::MD5 qw(md5_hex);

my ($n, $out, @dirs) = @ARGV;
die "usage: $0 N OUT [CORPUS_DIR]...\n" unless defined $out && $n =~ /^\d+$/;
my $top = dirname($0) . '/../..';
@dirs = ('/work/shared/corpus/bounces', "$top/tests/bounces/data") unless @dirs;

my (@emails, %seen);
for my $dir (@dirs) {
	open(my $fh, '<', "$dir/manifest.json") or next;
	my $m = decode_json(do { local $/; <$fh> });
	close $fh;
	for my $e (@$m) {
		open(my $ef, '<:raw', "$dir/$e->{file}") or die "$dir/$e->{file}: $!\n";
		my $body = do { local $/; <$ef> };
		close $ef;
		next if $seen{ md5_hex($body) }++;
		push @emails, $body;
	}
}
die "no emails found in @dirs\n" unless @emails;

# One copy: the email's own "From " line dropped, its first Message-ID replaced (or one
# added), body lines that look like separators quoted as mboxrd does.
sub one {
	my ($body, $i) = @_;
	my $eol = $body =~ /\r\n/ ? "\r\n" : "\n";
	$body =~ s/\AFrom [^\n]*\n//;
	my ($head, $rest) = split /\r?\n\r?\n/, $body, 2;
	$rest //= '';
	my $id = "<bench-$i\@explain.bench.invalid>";
	$head = "Message-ID: $id" . $eol . $head
	    unless $head =~ s/^Message-Id:[ \t]*[^\r\n]*(\r?\n[ \t][^\r\n]*)*/Message-ID: $id/mi;
	my $msg = $head . $eol . $eol . $rest;
	$msg =~ s/^(>*From )/>$1/mg;
	$msg .= "\n" unless $msg =~ /\n\z/;
	return "From MAILER-DAEMON Thu Jan  1 00:00:00 2026\n" . $msg . "\n";
}

open(my $o, '>:raw', $out) or die "$out: $!\n";
print $o one($emails[$_ % @emails], $_ + 1) for 0 .. $n - 1;
close $o or die "$out: $!\n";
printf STDERR "%s: %d bounces (%d distinct emails repeated)\n", $out, $n, scalar @emails;
