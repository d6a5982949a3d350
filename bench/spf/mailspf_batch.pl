#!/usr/bin/perl
# Mail::SPF (Debian libmail-spf-perl) over a pairs file: one result per input line.
use strict;
use warnings;
use Mail::SPF;

my $server = Mail::SPF::Server->new();
open(my $in, '<', $ARGV[0]) or die "$ARGV[0]: $!\n";
my @out;
while (my $line = <$in>) {
	my ($ip, $sender, $helo) = split(' ', $line);
	my $req = Mail::SPF::Request->new(scope => 'mfrom', identity => $sender,
	    ip_address => $ip, helo_identity => $helo);
	push(@out, $server->process($req)->code);
}
print join("\n", @out), "\n";
