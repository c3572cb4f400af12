"""Capture generators for the replay golden tests of tofd.

Everything the tests feed to `tofd replay` is built here with scapy, at
test time (no capture is committed). Addresses are those of the test
network in DESIGN.md. The builders return scapy packets; `stamp` gives them
capture times and `write_pcap` writes a list of them to a file.

This module only builds *inputs*. What tofd should make of them (the
expected offloaded or encapsulated frames) is built separately, in
test_replay.py, so the oracle does not share code with the generator.
"""
import socket
import struct
from decimal import Decimal

from scapy.config import conf
from scapy.contrib.gtp import GTP_U_Header, GTPPDUSessionContainer
from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.inet6 import ICMPv6EchoReply, ICMPv6EchoRequest, IPv6
from scapy.layers.l2 import ARP, CookedLinux, Dot1Q, Ether
from scapy.packet import Raw

conf.verb = 0

# --- the test network (DESIGN.md) ---
ENB, SGW = "198.18.0.1", "198.18.0.2"
ENB2 = "198.18.0.11"                      # a second eNodeB
ENB6, SGW6 = "2001:db8:ffff::1", "2001:db8:ffff::2"
UE, UE2, UE3, UE4 = "198.19.0.5", "198.19.0.6", "198.19.0.7", "198.19.0.8"
UE6 = "2001:db8:1::5"
PDN = "203.0.113.7"                       # an internet server
TARGET = "203.0.113.1"                    # the pinger's target
SERVICE, APP = "203.0.113.100", "198.51.100.10"
SERVICE_B, APP_B = "203.0.113.101", "198.51.100.11"
SERVICE6, APP6 = "2001:db8:5::100", "2001:db8:6::10"

ENB_MAC, SGW_MAC = "02:00:00:00:0e:01", "02:00:00:00:0e:02"
APP_MAC, APP_B_MAC = "02:00:00:00:0a:01", "02:00:00:00:0a:02"
APPS_MAC = "02:00:00:74:6f:66"            # tofd's default apps_mac
BCAST = "ff:ff:ff:ff:ff:ff"

UL_TEID, DL_TEID = 0x00001001, 0x00002001
GTPU_PORT, GTPC_PORT = 2152, 2123

T0 = Decimal(1700000000)                  # capture time of the first frame

# --- link types ---
ETH, SLL = "eth", "sll"
SLL_HOST, SLL_OUTGOING = 0, 4             # Linux cooked packet types


def _mac_bytes(mac):
    return bytes(int(x, 16) for x in mac.split(":"))


def link(src_mac, dst_mac, kind=ETH):
    """A link header from src_mac to dst_mac: Ethernet, or Linux cooked
    (SLL) as captured on the receiving host."""
    if kind == SLL:
        return CookedLinux(pkttype=SLL_HOST, lladdrtype=1, lladdrlen=6,
                           src=_mac_bytes(src_mac) + b"\0\0")
    return Ether(src=src_mac, dst=dst_mac)


def ip_of(src, dst, **kw):
    """IPv4 or IPv6 header by the address family."""
    return IPv6(src=src, dst=dst, **kw) if ":" in src else IP(src=src, dst=dst, **kw)


# --- inner (user) packets ---

def payload(tag, n=24):
    """Recognisable payload bytes of length n."""
    b = (tag.encode() + b"-") * (n // (len(tag) + 1) + 1)
    return b[:n]


def udp(src, dst, sport=40000, dport=5000, data=b"udp-data", **ipkw):
    return ip_of(src, dst, **ipkw) / UDP(sport=sport, dport=dport) / Raw(data)


def tcp(src, dst, sport=40001, dport=80, flags="PA", seq=1000, ack=2000, data=b"GET / HTTP/1.1\r\n\r\n"):
    return ip_of(src, dst) / TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack) / Raw(data)


def icmp_echo(src, dst, ident=0x1234, seq=1, data=b"ping-data", reply=False):
    if ":" in src:
        icmp = (ICMPv6EchoReply if reply else ICMPv6EchoRequest)(id=ident, seq=seq, data=data)
        return IPv6(src=src, dst=dst) / icmp
    return IP(src=src, dst=dst) / ICMP(type=0 if reply else 8, id=ident, seq=seq) / Raw(data)


def udp_sum_zero(src, dst, data, csum_dst=None, sport=40300, dport=5000):
    """A UDP packet src -> dst whose checksum, computed as if addressed to
    csum_dst (default dst), comes out as zero - sent as 0xffff (RFC 768).
    The last two octets of the payload are chosen to make it so. With
    csum_dst the NAT target, the checksum hits that corner after the NAT;
    without, the packet carries 0xffff as it arrives."""
    probe = IP(src=src, dst=csum_dst or dst) / UDP(sport=sport, dport=dport) / Raw(data + b"\0\0")
    c = IP(bytes(probe))[UDP].chksum       # ones' complement of the sum without the word
    return IP(src=src, dst=dst) / UDP(sport=sport, dport=dport) / Raw(data + c.to_bytes(2, "big"))


# --- GTP-U ---

def pdu_session(qfi, uplink=True):
    """A PDU Session Container extension header (TS 38.415)."""
    return GTPPDUSessionContainer(type=1 if uplink else 0, QFI=qfi, NextExtHdr=0)


def gtpu(teid, inner, ext=None):
    """A G-PDU: GTP-U header (with the extension header ext if given)
    carrying inner."""
    if ext is None:
        return GTP_U_Header(teid=teid, gtp_type=255) / inner
    return GTP_U_Header(teid=teid, gtp_type=255, E=1, next_ex=0x85) / ext / inner


def s1(src, dst, src_mac, dst_mac, udp_payload, kind=ETH, sport=GTPU_PORT, dport=GTPU_PORT):
    """An S1-U frame: link / outer IP / UDP / udp_payload (a packet or bytes)."""
    if isinstance(udp_payload, bytes):
        udp_payload = Raw(udp_payload)
    return link(src_mac, dst_mac, kind) / ip_of(src, dst) / UDP(sport=sport, dport=dport) / udp_payload


def vlan_tagged(frame, vid=42):
    """frame (Ethernet) with an 802.1Q tag inserted after the MACs."""
    b = bytes(frame)
    tagged = Raw(b[:12] + b"\x81\x00" + vid.to_bytes(2, "big") + b[12:])
    tagged.time = frame.time
    return tagged


def uplink(inner, teid=UL_TEID, enb=ENB, sgw=SGW, ext=None, kind=ETH):
    """A G-PDU from the eNB to the SGW."""
    return s1(enb, sgw, ENB_MAC, SGW_MAC, gtpu(teid, inner, ext), kind)


def downlink(inner, teid=DL_TEID, enb=ENB, sgw=SGW, ext=None, kind=ETH):
    """A G-PDU from the SGW to the eNB."""
    return s1(sgw, enb, SGW_MAC, ENB_MAC, gtpu(teid, inner, ext), kind)


def error_indication(teid_data, gsn, src, dst, src_mac, dst_mac, kind=ETH):
    """A GTP-U Error Indication (type 26, TS 29.281 7.3.1) built by hand:
    S flag, TEID 0, IEs TEID Data I (16) and GSN Address (133)."""
    addr = socket.inet_pton(socket.AF_INET6 if ":" in gsn else socket.AF_INET, gsn)
    ies = struct.pack("!BI", 16, teid_data) + struct.pack("!BH", 133, len(addr)) + addr
    hdr = struct.pack("!BBHIHBB", 0x32, 26, 4 + len(ies), 0, 7, 0, 0)
    return s1(src, dst, src_mac, dst_mac, hdr + ies, kind)


def error_ind_from_enb(teid_data, gsn=ENB):
    return error_indication(teid_data, gsn, ENB, SGW, ENB_MAC, SGW_MAC)


def error_ind_from_sgw(teid_data, gsn=SGW):
    return error_indication(teid_data, gsn, SGW, ENB, SGW_MAC, ENB_MAC)


def gtp_raw(flags, msg_type, teid, body, length=None, opt=None):
    """A GTP-U message from raw parts; length defaults to the true one."""
    rest = (opt or b"") + body
    if length is None:
        length = len(rest)
    return struct.pack("!BBHI", flags, msg_type, length, teid) + rest


def gtp_ext_chain(teid, inner, exts):
    """A G-PDU whose extension headers are exts, built by hand: a list of
    (type, content) with content the octets between an extension's length
    octet and its next-type octet (len(content) + 2 a multiple of 4)."""
    chain = b""
    for i, (_, content) in enumerate(exts):
        assert (len(content) + 2) % 4 == 0, "extension header not a multiple of 4 octets"
        nxt = exts[i + 1][0] if i + 1 < len(exts) else 0
        chain += bytes([(len(content) + 2) // 4]) + content + bytes([nxt])
    return gtp_raw(0x34, 0xff, teid, chain + bytes(inner), opt=struct.pack("!HBB", 0, 0, exts[0][0]))


def malformed_gtp(teid, inner):
    """(name, GTP-U bytes, gtp_errors key) of broken G-PDUs for a tunnel:
    each must pass unchanged and be counted under that key."""
    ib = bytes(inner)
    ext_hdr = lambda next_ext: struct.pack("!HBB", 0, 0, next_ext)   # seq, N-PDU, next
    return [
        ("truncated header", gtp_raw(0x30, 0xff, teid, b"")[:5], "short"),
        # S flag set, length 2: consistent with the UDP payload, but the
        # 4 octets of optional fields are not all there
        ("optional fields cut", gtp_raw(0x32, 0xff, teid, b"\x00\x01"), "short"),
        ("length too long", gtp_raw(0x30, 0xff, teid, ib, length=len(ib) + 10), "length"),
        ("length too short", gtp_raw(0x30, 0xff, teid, ib, length=len(ib) - 4), "length"),
        ("version 2", gtp_raw(0x50, 0xff, teid, ib), "version"),
        ("version 0", gtp_raw(0x10, 0xff, teid, ib), "version"),
        ("GTP' (PT=0)", gtp_raw(0x20, 0xff, teid, ib), "gtp_prime"),
        # PDU Session Container claims 12 octets, 4 are there
        ("ext chain off the end", gtp_raw(0x34, 0xff, teid, b"\x03\x10\x09\x00",
                                          opt=ext_hdr(0x85)), "ext_truncated"),
        # a next-type announcing an extension, then nothing
        ("ext announced, none there", gtp_raw(0x34, 0xff, teid, b"", opt=ext_hdr(0x85)),
         "ext_truncated"),
        ("zero-length ext header", gtp_raw(0x34, 0xff, teid, b"\x00\x10\x09\x00" + ib,
                                           opt=ext_hdr(0x85)), "ext_zero_length"),
        # PDCP PDU Number must be exactly 4 octets
        ("ext of the wrong size", gtp_raw(0x34, 0xff, teid, b"\x02\x00\x01\x00\x00\x00\x00\x00" + ib,
                                          opt=ext_hdr(0xc0)), "ext_bad"),
        ("G-PDU without T-PDU", gtp_raw(0x30, 0xff, teid, b""), "no_payload"),
    ]


def uplink_shapes(inners, teid=UL_TEID):
    """(name, frame bytes) of valid uplink G-PDUs of unusual shapes, one per
    inner packet (7 needed): each must be decapsulated to exactly its inner
    packet."""
    e = Ether(src=ENB_MAC, dst=SGW_MAC)
    g = lambda flags, inner, opt=None, extra=b"": gtp_raw(flags, 0xff, teid, bytes(inner) + extra, opt=opt)
    udp_hdr = lambda n: UDP(sport=GTPU_PORT, dport=GTPU_PORT, len=8 + n)
    gpdu = g(0x30, inners[1])
    return [
        ("trailer after the IP packet (FCS)", bytes(uplink(inners[0], teid=teid)) + b"\xde\xad\xbe\xef"),
        ("UDP shorter than the IP payload", bytes(e / IP(src=ENB, dst=SGW) / udp_hdr(len(gpdu)) / Raw(gpdu + b"TRAILER!"))),
        ("S flag, sequence number", bytes(s1(ENB, SGW, ENB_MAC, SGW_MAC, g(0x32, inners[2], struct.pack("!HBB", 77, 0, 0))))),
        ("PN flag, N-PDU number", bytes(s1(ENB, SGW, ENB_MAC, SGW_MAC, g(0x31, inners[3], struct.pack("!HBB", 0, 5, 0))))),
        ("T-PDU longer than its IP packet", bytes(s1(ENB, SGW, ENB_MAC, SGW_MAC, g(0x30, inners[4], extra=b"PAD!")))),
        ("outer DF, TTL 1", bytes(e / IP(src=ENB, dst=SGW, flags="DF", ttl=1) / UDP(sport=GTPU_PORT, dport=GTPU_PORT) /
                                  Raw(g(0x30, inners[5])))),
        ("outer IPv4 options", bytes(e / IP(src=ENB, dst=SGW, options=[b"\x94\x04\x00\x00"]) /
                                     UDP(sport=GTPU_PORT, dport=GTPU_PORT) / Raw(g(0x30, inners[6])))),
    ]


# --- the apps side ---

def app_frame(inner, app_mac=APP_MAC, dst_mac=APPS_MAC):
    """A frame an edge app sends towards tofd's apps port."""
    return Ether(src=app_mac, dst=dst_mac) / inner


# --- other things on the S1 link ---

def passthrough_frames(enb=ENB, sgw=SGW, src_mac=ENB_MAC, dst_mac=SGW_MAC, teid=UL_TEID):
    """(name, frame, reason) of S1 traffic that is not a G-PDU tofd may act
    on: all must pass byte for byte, each counted under its reason."""
    e = lambda: Ether(src=src_mac, dst=dst_mac)
    big = udp(UE, SERVICE, data=payload("frag", 1200))
    gpdu_ip = IP(src=enb, dst=sgw, id=77) / UDP(sport=GTPU_PORT, dport=GTPU_PORT) / gtpu(teid, big)
    frags = [e() / f for f in _fragment(gpdu_ip, 600)]
    echo_req = gtp_raw(0x32, 1, 0, b"", opt=struct.pack("!HBB", 9, 0, 0))
    echo_rsp = gtp_raw(0x32, 2, 0, b"\x0e\x05", opt=struct.pack("!HBB", 9, 0, 0))
    end_marker = gtp_raw(0x30, 254, teid, b"")
    return [
        ("arp request", e() / ARP(psrc=enb, pdst=sgw, hwsrc=src_mac), "not_ip"),
        ("arp broadcast", Ether(src=src_mac, dst=BCAST) / ARP(psrc=enb, pdst=sgw, hwsrc=src_mac), "not_ip"),
        ("lldp", Ether(src=src_mac, dst="01:80:c2:00:00:0e", type=0x88cc) / Raw(b"\x02\x07\x04" + b"\0" * 20), "not_ip"),
        ("local experimental ethertype", Ether(src=src_mac, dst=dst_mac, type=0x88b5) / Raw(b"experimental"), "not_ip"),
        ("ipv4 with options", e() / IP(src=enb, dst=sgw, options=[b"\x94\x04\x00\x00"]) / ICMP() / Raw(b"opt"), "not_gtpu"),
        ("ipv4 with options, udp", e() / IP(src=enb, dst=sgw, options=[b"\x94\x04\x00\x00"]) / UDP(sport=999, dport=53) / Raw(b"q"), "not_gtpu"),
        ("outer fragment 1 (of a G-PDU)", frags[0], "outer_fragment"),
        ("outer fragment 2 (of a G-PDU)", frags[1], "outer_fragment"),
        ("gtp-c to 2123", s1(enb, sgw, src_mac, dst_mac, b"\x48\x20\x00\x08\x00\x00\x00\x00\x00\x00\x01\x00", sport=GTPC_PORT, dport=GTPC_PORT), "gtpc"),
        ("gtp-c reply from 2123", s1(enb, sgw, src_mac, dst_mac, b"\x48\x21\x00\x08\x00\x00\x00\x00\x00\x00\x01\x00", sport=GTPC_PORT, dport=33333), "gtpc"),
        ("plain udp", e() / udp(enb, sgw, sport=5353, dport=5353, data=b"mdns"), "not_gtpu"),
        ("udp from 2152 to elsewhere", e() / udp(enb, sgw, sport=GTPU_PORT, dport=9999, data=b"x" * 16), "not_gtpu"),
        ("plain tcp", e() / tcp(enb, sgw, dport=22, flags="S", data=b""), "not_gtpu"),
        ("sctp (s1ap)", e() / IP(src=enb, dst=sgw, proto=132) / Raw(b"\x8e\xf2\x8e\xf2" + b"\0" * 28), "not_gtpu"),
        ("ipv6 icmpv6", e() / IPv6(src=ENB6, dst=SGW6) / ICMPv6EchoRequest(), "not_gtpu"),
        ("gtp echo request", s1(enb, sgw, src_mac, dst_mac, echo_req), "gtp_echo"),
        ("gtp echo response", s1(enb, sgw, src_mac, dst_mac, echo_rsp), "gtp_echo"),
        ("gtp end marker", s1(enb, sgw, src_mac, dst_mac, end_marker), "gtp_end_marker"),
        ("vlan-tagged arp", e() / Dot1Q(vlan=100) / ARP(psrc=enb, pdst=sgw), "not_ip"),
        ("vlan-tagged udp", e() / Dot1Q(vlan=100) / udp(enb, sgw, sport=7, dport=7), "not_gtpu"),
        ("q-in-q tagged udp", Ether(src=src_mac, dst=dst_mac, type=0x88a8) / Dot1Q(vlan=10) / Dot1Q(vlan=20) / udp(enb, sgw, sport=7, dport=7), "not_gtpu"),
        ("tiny: 1 octet", Raw(b"\x02"), "l2_truncated"),
        ("tiny: 13 octets", Raw(bytes(e())[:13]), "l2_truncated"),
        ("ethernet header only", Raw(bytes(e() / IP())[:14]), "ip_malformed"),
        ("ipv4 header cut", Raw(bytes(e() / IP(src=enb, dst=sgw) / UDP())[:14 + 12]), "ip_malformed"),
        ("ipv4 total length lies", Raw(bytes(e() / IP(src=enb, dst=sgw, len=400) / UDP(sport=GTPU_PORT, dport=GTPU_PORT) / gtpu(teid, udp(UE, SERVICE)))), "ip_malformed"),
        ("ipv4 ihl < 5", _patch(e() / IP(src=enb, dst=sgw) / UDP(), 14, b"\x43"), "ip_malformed"),
        ("udp length lies", e() / IP(src=enb, dst=sgw) / UDP(sport=GTPU_PORT, dport=GTPU_PORT, len=300) / gtpu(teid, udp(UE, SERVICE)), "ip_malformed"),
        ("ip version 5", _patch(e() / IP(src=enb, dst=sgw) / UDP(), 14, b"\x55"), "ip_malformed"),
        ("g-pdu with garbage inside", s1(enb, sgw, src_mac, dst_mac, gtp_raw(0x30, 0xff, teid, b"\x99not an ip packet")), "inner_malformed"),
    ]


def _patch(pkt, off, new):
    """pkt's bytes with new written at off (to break a header)."""
    b = bytes(pkt)
    return Raw(b[:off] + new + b[off + len(new):])


def _fragment(pkt, size):
    from scapy.layers.inet import fragment
    return fragment(pkt, fragsize=size)


# --- time and files ---

def stamp(pkts, start=T0, step=Decimal("0.01")):
    """Give pkts capture times start, start + step, ... (in order)."""
    for i, p in enumerate(pkts):
        p.time = start + i * step
    return pkts


def at(t, pkt):
    """pkt at capture time T0 + t seconds (t a str, int or Decimal)."""
    pkt.time = T0 + Decimal(t)
    return pkt


def write_pcap(path, pkts, linktype=None, nano=False):
    """Write pkts (in the order given) as a classic pcap, microsecond or
    nanosecond. The link type is Ethernet unless given (or the first frame
    is Linux cooked)."""
    if linktype is None:
        linktype = 113 if pkts and isinstance(pkts[0], CookedLinux) else 1
    unit = 10**9 if nano else 10**6
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B23C4D if nano else 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype))
        for p in pkts:
            data = bytes(p)
            t = int(Decimal(p.time) * unit)
            f.write(struct.pack("<IIII", t // unit, t % unit, len(data), len(data)) + data)
    return path


# --- hostile traffic (issue 7) ---
#
# Crafted captures of what a rogue eNB, small cell or rooted handset may
# send: floods of unknown tunnels, more bearers than a session holds, inner
# sources that are another UE's, keys that collided under the tables' old
# fixed hash, and ARP/ND meant to poison the apps port.

from scapy.layers.inet6 import (ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6NDOptDstLLAddr,  # noqa: E402
                                ICMPv6NDOptSrcLLAddr)

ENB3 = "198.18.0.12"                      # a third eNodeB
PDN6 = "2001:db8:7::7"                    # an IPv6 internet server
APP6_MAC = "02:00:00:00:0a:06"
EVIL_MAC = "02:00:00:00:66:66"            # a host on the apps subnet that lies
APPS_GW, APPS_GW6 = "198.51.100.1", "2001:db8:6::1"   # the TOF's apps_gateway
APPS_HOST, APPS_HOST6 = "198.51.100.20", "2001:db8:6::20"  # another host there


def flood_ue(i):
    """The i-th (< 32768) UE address of a flood, in 198.19.128.0/17 (well
    away from the test's own UEs)."""
    return "198.19.%d.%d" % (128 + i // 256, i % 256)


def random_tunnels(rng, n, exclude=()):
    """n distinct (TEID, UE address) pairs drawn with rng (a random.Random):
    TEIDs non-zero 32-bit, UE addresses from flood_ue, none in exclude."""
    teids, ues, out = set(exclude), set(exclude), []
    while len(out) < n:
        teid, ue = rng.getrandbits(32), flood_ue(rng.randrange(32768))
        if teid == 0 or teid in teids or ue in ues:
            continue
        teids.add(teid)
        ues.add(ue)
        out.append((teid, ue))
    return out


def frames_at(frames, start, step):
    """Stamp frames start, start + step, ... seconds after T0 (Decimals or
    strings); returns them."""
    start, step = Decimal(start), Decimal(step)
    for i, f in enumerate(frames):
        f.time = T0 + start + i * step
    return frames


def _fmix64(h, np):
    m = np.uint64(0xFFFFFFFFFFFFFFFF)
    h = h ^ (h >> np.uint64(33))
    h = (h * np.uint64(0xff51afd7ed558ccd)) & m
    h = h ^ (h >> np.uint64(33))
    h = (h * np.uint64(0xc4ceb9fe1a85ec53)) & m
    return h ^ (h >> np.uint64(33))


OLD_HASH_SEED = 0x746f6621                # the tables' fixed seed before issue 7


def old_tunnel_sig(addr4, teids):
    """The tunnel index's hash of (IPv4 address, TEID) for each TEID (a
    numpy array) as tofd computed it before issue 7: the murmur3 finaliser
    of (TEID << 32 | address) ^ a constant seed - computable offline."""
    import numpy as np
    v4 = int.from_bytes(socket.inet_aton(addr4), "little")
    with np.errstate(over="ignore"):
        h = (teids.astype(np.uint64) << np.uint64(32)) | np.uint64(v4)
        return _fmix64(h ^ np.uint64(OLD_HASH_SEED), np) & np.uint64(0xFFFFFFFF)


def old_ue_sig(addrs4):
    """The UE index's hash of IPv4 addresses (a numpy array of their
    little-endian 32-bit values) before issue 7."""
    import numpy as np
    with np.errstate(over="ignore"):
        return _fmix64(addrs4.astype(np.uint64) ^ np.uint64(OLD_HASH_SEED ^ 0x0e0e), np) & np.uint64(0xFFFFFFFF)


def colliding_teids(addr4, n, bits, search=1 << 23):
    """n TEIDs whose old tunnel hash with addr4 agrees in its low `bits`
    bits (one home slot in any old index of up to 2^bits entries): the
    most crowded bucket among TEIDs 1..search."""
    import numpy as np
    teids = np.arange(1, search + 1, dtype=np.uint64)
    low = old_tunnel_sig(addr4, teids) & np.uint64((1 << bits) - 1)
    bucket = np.bincount(low.astype(np.int64)).argmax()
    hits = teids[low == np.uint64(bucket)][:n]
    if len(hits) < n:
        raise ValueError("only %d TEIDs collide in %d bits" % (len(hits), bits))
    return [int(t) for t in hits]


def colliding_ues(n, bits):
    """n UE addresses in 198.19.0.0/16 whose old UE-index hash agrees in its
    low `bits` bits."""
    import numpy as np
    hosts = np.arange(1, 65535, dtype=np.uint64)
    base = int.from_bytes(socket.inet_aton("198.19.0.0"), "big")
    addrs = [socket.inet_ntoa((base + int(h)).to_bytes(4, "big")) for h in hosts]
    le = np.array([int.from_bytes(socket.inet_aton(a), "little") for a in addrs], dtype=np.uint64)
    low = old_ue_sig(le) & np.uint64((1 << bits) - 1)
    bucket = np.bincount(low.astype(np.int64)).argmax()
    hits = [a for a, lo in zip(addrs, low) if lo == bucket][:n]
    if len(hits) < n:
        raise ValueError("only %d UE addresses collide in %d bits" % (len(hits), bits))
    return hits


# --- ARP and Neighbour Discovery on the apps port ---

def arp(op, src_mac, sha, spa, tha, tpa, dst_mac=BCAST):
    """An ARP frame (op 1 request, 2 reply) on the apps port."""
    return Ether(src=src_mac, dst=dst_mac) / ARP(op=op, hwsrc=sha, psrc=spa, hwdst=tha, pdst=tpa)


def solicited_node(addr6):
    """(solicited-node multicast address, its MAC) of an IPv6 address."""
    b = socket.inet_pton(socket.AF_INET6, addr6)
    mc = socket.inet_ntop(socket.AF_INET6, bytes.fromhex("ff02" + "00" * 9 + "01ff") + b[13:])
    return mc, "33:33:ff:%02x:%02x:%02x" % tuple(b[13:])


def neighbour_solicitation(src_mac, src, target, slla=True):
    """A Neighbour Solicitation for target from src (:: for duplicate
    address detection, without a source link-layer option)."""
    mc, mc_mac = solicited_node(target)
    p = Ether(src=src_mac, dst=mc_mac) / IPv6(src=src, dst=mc, hlim=255) / ICMPv6ND_NS(tgt=target)
    if slla and src != "::":
        p = p / ICMPv6NDOptSrcLLAddr(lladdr=src_mac)
    return p


def neighbour_advert(src_mac, src, dst, target, lladdr, solicited=True, override=True,
                     dst_mac=None):
    """A Neighbour Advertisement for target with a target link-layer
    address option lladdr."""
    return Ether(src=src_mac, dst=dst_mac or APPS_MAC) / IPv6(src=src, dst=dst, hlim=255) / \
        ICMPv6ND_NA(R=0, S=int(solicited), O=int(override), tgt=target) / ICMPv6NDOptDstLLAddr(lladdr=lladdr)


def _csum(data):
    """The Internet checksum of data."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def _ipv4_udp(src, dst, sport, dport, body, ident=1):
    """IPv4 + UDP + body as scapy builds IP(src, dst)/UDP(sport, dport)/body."""
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    ulen = 8 + len(body)
    c = _csum(s + d + struct.pack("!BBH", 0, 17, ulen) + struct.pack("!HHHH", sport, dport, ulen, 0) + body)
    u = struct.pack("!HHHH", sport, dport, ulen, c or 0xFFFF) + body
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(u), ident, 0, 64, 17, 0, s, d)
    return h[:10] + struct.pack("!H", _csum(h)) + h[12:] + u


def _fast_gpdu(src, dst, src_mac, dst_mac, teid, inner):
    g = struct.pack("!BBHI", 0x30, 0xFF, len(inner), teid) + inner
    return Raw(_mac_bytes(dst_mac) + _mac_bytes(src_mac) + b"\x08\x00" +
               _ipv4_udp(src, dst, GTPU_PORT, GTPU_PORT, g))


def fast_uplink(ue, dst, teid, enb=ENB, sgw=SGW, sport=40000, dport=5000, data=b"udp-data"):
    """The frame uplink(udp(ue, dst, sport, dport, data), teid, enb, sgw)
    builds (IPv4 everywhere), as a Raw packet, built by hand: thousands of
    them in a fraction of a second. test_hostile checks it against scapy."""
    return _fast_gpdu(enb, sgw, ENB_MAC, SGW_MAC, teid, _ipv4_udp(ue, dst, sport, dport, data))


def fast_downlink(src, ue, teid, enb=ENB, sgw=SGW, sport=5000, dport=40000, data=b"udp-data"):
    """The frame downlink(udp(src, ue, sport, dport, data), teid, enb, sgw)
    builds, by hand (see fast_uplink)."""
    return _fast_gpdu(sgw, enb, SGW_MAC, ENB_MAC, teid, _ipv4_udp(src, ue, sport, dport, data))
