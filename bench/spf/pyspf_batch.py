#!/usr/bin/python3
"""pyspf (Debian python3-spf) over a pairs file: one result per input line."""
import sys

import spf

out = []
with open(sys.argv[1]) as f:
    for line in f:
        ip, sender, helo = line.split()
        out.append(spf.check2(i=ip, s=sender, h=helo)[0])
sys.stdout.write("\n".join(out) + "\n")
