#!/usr/bin/python3
"""Write the captures of the replay demo: one UE behind eNB 198.18.0.1 talks
to a PDN server through SGW 198.18.0.2 and to the edge service
203.0.113.100, whose app 198.51.100.10 answers from the apps side.

usage: demo_capture.py OUTDIR   (writes enb.pcap, sgw.pcap, apps.pcap)
"""
import sys

from scapy.all import ICMP, IP, UDP, Ether, Raw, wrpcap
from scapy.contrib.gtp import GTP_U_Header

ENB, SGW, UE = "198.18.0.1", "198.18.0.2", "198.19.0.5"
PDN, SVC, APP = "203.0.113.7", "203.0.113.100", "198.51.100.10"
ENB_MAC, SGW_MAC, APP_MAC = "02:00:00:00:0e:01", "02:00:00:00:05:02", "02:00:00:00:a0:10"
UL_TEID, DL_TEID = 0x1001, 0x2002


def gpdu(src, dst, teid, inner, up):
    macs = (SGW_MAC, ENB_MAC) if up else (ENB_MAC, SGW_MAC)
    return (Ether(dst=macs[0], src=macs[1]) / IP(src=src, dst=dst) /
            UDP(sport=2152, dport=2152) / GTP_U_Header(teid=teid, gtp_type=255) / inner)


def main(out):
    enb, sgw, apps = [], [], []
    t = 1700000000.0
    for seq in range(1, 4):
        # A ping to the internet, answered through the SGW.
        p = gpdu(ENB, SGW, UL_TEID, IP(src=UE, dst=PDN) / ICMP(id=7, seq=seq) / Raw(b"x" * 32), True)
        p.time = t + seq
        enb.append(p)
        r = gpdu(SGW, ENB, DL_TEID, IP(src=PDN, dst=UE) / ICMP(type=0, id=7, seq=seq) / Raw(b"x" * 32), False)
        r.time = t + seq + 0.01
        sgw.append(r)
        # A request to the edge service, answered by the app.
        q = gpdu(ENB, SGW, UL_TEID, IP(src=UE, dst=SVC) / UDP(sport=40000, dport=8080) /
                 Raw(b"GET /video/%d" % seq), True)
        q.time = t + seq + 0.1
        enb.append(q)
        a = (Ether(dst="02:00:00:74:6f:66", src=APP_MAC) / IP(src=APP, dst=UE) /
             UDP(sport=8080, dport=40000) / Raw(b"chunk %d from the edge" % seq))
        a.time = t + seq + 0.12
        apps.append(a)
    wrpcap(out + "/enb.pcap", enb)
    wrpcap(out + "/sgw.pcap", sgw)
    wrpcap(out + "/apps.pcap", apps)


if __name__ == "__main__":
    main(sys.argv[1])
