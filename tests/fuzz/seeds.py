#!/usr/bin/python3
"""Seed corpus for the stateful pipeline fuzzer (see fuzz_pipeline.c for the
input format: a set-up byte, then records [ctl][len:2][frame]): every frame
of the shared captures on its own (set-up byte 8|3 selects Linux cooked for
the open5gs captures), the captures' first frames as one sequence, and
sequences built with scapy that walk the main paths: learning, offload, an
app's reply, the pinger's round trip, a claim, a flood past the table."""
import hashlib
import logging
import os
import struct
import sys

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)

from scapy.all import ARP, ICMP, IP, UDP, Ether, IPv6, Raw, rdpcap
from scapy.contrib.gtp import GTP_U_Header, GTPPDUSessionContainer
from scapy.layers.l2 import CookedLinux

ENB_PORT, SGW_PORT, APPS_PORT, ANSWER = 0, 1, 2, 3
TICK = 0x40


def rec(port, frame, adv=4, ctl=0):
    data = bytes(frame)
    return bytes([port | (adv << 2) | ctl]) + struct.pack(">H", len(data)) + data


def put(outdir, data):
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(outdir, name), "wb") as f:
        f.write(data)


def gpdu(osrc, odst, teid, inner):
    return Ether() / IP(src=osrc, dst=odst) / UDP(sport=2152, dport=2152) / \
        GTP_U_Header(teid=teid, gtp_type=255) / inner


def main(outdir, pcapdir):
    for fn in sorted(os.listdir(pcapdir)):
        if not (fn.endswith(".pcap") or fn.endswith(".pcapng")):
            continue
        pkts = rdpcap(os.path.join(pcapdir, fn))[:200]
        setup = 8 | 2 if pkts and isinstance(pkts[0], CookedLinux) else 0
        for p in pkts:
            put(outdir, bytes([setup]) + rec(ENB_PORT, p))
        put(outdir, bytes([setup]) + b"".join(rec(i % 2, p) for i, p in enumerate(pkts[:24])))
    enb, sgw, ue, ue2 = "198.18.0.1", "198.18.0.2", "198.19.0.5", "198.19.0.6"
    svc, app, pdn = "203.0.113.100", "198.51.100.10", "203.0.113.7"
    ul = lambda teid, src, dst, e=enb: gpdu(e, sgw, teid, IP(src=src, dst=dst) / UDP(dport=80) / Raw(b"x" * 20))
    dl = lambda teid, dst: gpdu(sgw, enb, teid, IP(src=pdn, dst=dst) / UDP(sport=80) / Raw(b"y" * 20))
    reply = Ether() / IP(src=app, dst=ue) / UDP(sport=80) / Raw(b"z" * 30)
    arp_ans = Ether(dst="02:00:00:74:6f:66") / ARP(op=2, psrc=app, hwdst="02:00:00:74:6f:66", pdst="198.51.100.1")
    seqs = [
        # first packet to a service, the app's answer, the pinger's round trip
        [rec(ENB_PORT, ul(0x100, ue, svc)), rec(APPS_PORT, reply, ctl=TICK),
         rec(ANSWER, struct.pack(">I", 0x200), ctl=TICK), rec(APPS_PORT, reply),
         rec(APPS_PORT, arp_ans, ctl=TICK), rec(ENB_PORT, ul(0x100, ue, svc))],
        # learning both ways, a spoof from another tunnel, a handover, a claim answered
        [rec(ENB_PORT, ul(0x100, ue, pdn)), rec(SGW_PORT, dl(0x200, ue)),
         rec(ENB_PORT, ul(0x101, ue2, pdn)), rec(ENB_PORT, ul(0x101, ue, svc)),
         rec(ANSWER, struct.pack(">I", 0x201), ctl=TICK), rec(ENB_PORT, ul(0x100, ue, svc, "198.18.0.11")),
         rec(ENB_PORT, ul(0x100, ue, pdn), adv=15, ctl=TICK)],
        # a flood of bearers and tunnels past a 16-session table
        [rec(ENB_PORT, ul(0x1000 + i, "198.19.1.%d" % (i // 4), pdn), adv=1) for i in range(80)],
        # IPv6 inside a 5G container, and the ND of an IPv6 app
        [rec(ENB_PORT, Ether() / IPv6(src="2001:db8:ffff::1", dst="2001:db8:fffe::1") /
             UDP(sport=2152, dport=2152) / GTP_U_Header(teid=7, gtp_type=255, E=1, next_ex=0x85) /
             GTPPDUSessionContainer(type=1, QFI=5) / IPv6(src="2001:db8:1::5", dst="2001:db8:5::100") / UDP()),
         rec(APPS_PORT, Ether() / IPv6(src="2001:db8:6::10", dst="2001:db8:1::5") / UDP() / Raw(b"z"))],
    ]
    for s in seqs:
        put(outdir, b"\0" + b"".join(s))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
