#!/usr/bin/perl
# sisimai.pl - the reference for tests/bench/run: classify each FILE with
# Sisimai (Debian libsisimai-perl; Sisimai->rise in 5.x, Sisimai->make in
# 4.x) in one process and print one line per recipient, as bounce-classify
# --json prints one line per message.
use strict;
use warnings;
use Sisimai;

my $parse = Sisimai->can('rise') ? 'rise' : 'make';
my $n     = 0;
for my $file (@ARGV) {
    my $list = Sisimai->$parse($file, 'delivered' => 1, 'vacation' => 1) || [];
    for my $d (@$list) {
        printf "%s\t%s\t%s\t%s\n", $file, $d->recipient->address, $d->reason,
            $d->deliverystatus;
        $n++;
    }
}
printf STDERR "sisimai: %d recipients from %d files\n", $n, scalar @ARGV;
