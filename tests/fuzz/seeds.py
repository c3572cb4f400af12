#!/usr/bin/python3
"""Seed corpus for the pipeline fuzzer: every frame of the shared captures
(first byte 0: S1 port, Ethernet; 4: Linux cooked) and a few frames of each
path built with scapy."""
import hashlib
import logging
import os
import sys

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)

from scapy.all import ARP, ICMP, IP, UDP, Ether, IPv6, Raw, rdpcap
from scapy.contrib.gtp import GTP_U_Header, GTPPDUSessionContainer
from scapy.layers.l2 import CookedLinux


def put(outdir, data):
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(outdir, name), "wb") as f:
        f.write(data)


def main(outdir, pcapdir):
    for fn in sorted(os.listdir(pcapdir)):
        if not (fn.endswith(".pcap") or fn.endswith(".pcapng")):
            continue
        for p in rdpcap(os.path.join(pcapdir, fn))[:200]:
            sel = 4 if isinstance(p, CookedLinux) else 0
            put(outdir, bytes([sel]) + bytes(p))
    gtp = UDP(sport=2152, dport=2152) / GTP_U_Header(teid=0x100, gtp_type=255)
    ul = Ether() / IP(src="198.18.0.1", dst="198.18.0.200") / gtp
    frames = [
        ul / IP(src="198.19.0.5", dst="203.0.113.100") / UDP(dport=80) / Raw(b"x" * 20),
        ul / IP(src="198.19.0.5", dst="203.0.113.7") / ICMP() / Raw(b"x" * 20),
        Ether() / IP(src="198.18.0.200", dst="198.18.0.1") / gtp /
        IP(src="203.0.113.1", dst="198.19.0.5") / ICMP(type=0, id=0x544f) / Raw(b"TOFPROBE" + b"\0" * 8),
        Ether() / IPv6(src="2001:db8:ffff::1", dst="2001:db8:fffe::1") /
        UDP(sport=2152, dport=2152) / GTP_U_Header(teid=7, gtp_type=255, E=1, next_ex=0x85) /
        GTPPDUSessionContainer(type=1, QFI=5) / IPv6(src="2001:db8:1::5", dst="2001:db8:5::100") / UDP(),
    ]
    for f in frames:
        put(outdir, b"\0" + bytes(f))
    apps = [Ether() / IP(src="198.51.100.10", dst="198.19.0.5") / UDP(sport=80) / Raw(b"y" * 30),
            Ether() / ARP(psrc="198.51.100.10", pdst="198.51.100.1"),
            Ether() / IPv6(src="2001:db8:6::10", dst="2001:db8:1::5") / UDP() / Raw(b"z")]
    for f in apps:
        put(outdir, b"\1" + bytes(f))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
