"""Packet captures on the live lab's links for tests/live (tcpdump writes,
a small parser reads): G-PDUs with their outer and inner headers, and the
capture points at the far ends of the TOF's links."""
import os
import select
import signal
import struct
import subprocess
import tempfile
import time
from collections import namedtuple
from pathlib import Path

NS_ENB, NS_SGW, NS_PDN, NS_TOF, NS_APP = "tof-enb", "tof-sgw", "tof-pdn", "tof-tof", "tof-app"
PING_PATTERN = "746f662d6c6162"  # "tof-lab": marks the pings a test sends


Pkt = namedtuple("Pkt", "ts raw eth_src eth_dst src dst proto sport dport gtp_type teid inner")
Inner = namedtuple("Inner", "src dst proto icmp_type icmp_id sport dport payload")


def _ip4(b):
    return "%d.%d.%d.%d" % tuple(b)


def _parse_ip(b):
    """IPv4 header -> (src, dst, proto, l4 bytes, first fragment?) or None."""
    if len(b) < 20 or b[0] >> 4 != 4:
        return None
    ihl = (b[0] & 15) * 4
    tot = struct.unpack("!H", b[2:4])[0]
    frag = struct.unpack("!H", b[6:8])[0] & 0x1FFF
    return _ip4(b[12:16]), _ip4(b[16:20]), b[9], b[ihl:tot], frag == 0


def _parse_inner(b):
    ip = _parse_ip(b)
    if not ip:
        return None
    src, dst, proto, l4, first = ip
    icmp_type = icmp_id = sport = dport = None
    payload = b""
    if first and proto == 1 and len(l4) >= 8:
        icmp_type, icmp_id = l4[0], struct.unpack("!H", l4[4:6])[0]
        payload = l4[8:]
    elif first and proto in (6, 17) and len(l4) >= 4:
        sport, dport = struct.unpack("!HH", l4[:4])
        off = ((l4[12] >> 4) * 4) if proto == 6 and len(l4) >= 13 else 8
        payload = l4[off:]
    return Inner(src, dst, proto, icmp_type, icmp_id, sport, dport, payload)


def parse_frame(ts, raw):
    if len(raw) < 14:
        return None
    eth_dst, eth_src = raw[0:6].hex(":"), raw[6:12].hex(":")
    et, off = struct.unpack("!H", raw[12:14])[0], 14
    while et in (0x8100, 0x88A8) and len(raw) >= off + 4:
        et, off = struct.unpack("!H", raw[off + 2:off + 4])[0], off + 4
    if et != 0x0800:
        return None
    ip = _parse_ip(raw[off:])
    if not ip:
        return None
    src, dst, proto, l4, first = ip
    sport = dport = gtp_type = teid = inner = None
    if proto in (6, 17) and first and len(l4) >= 4:
        sport, dport = struct.unpack("!HH", l4[:4])
    if proto == 17 and first and len(l4) >= 8:
        udp = l4[8:]
        if 2152 in (sport, dport) and len(udp) >= 8 and udp[0] >> 5 == 1 and udp[0] & 0x10:
            flags, gtp_type, glen, teid = struct.unpack("!BBHI", udp[:8])
            hl = 8
            if flags & 0x07:
                hl = 12
                nxt = udp[11] if len(udp) >= 12 else 0
                while flags & 0x04 and nxt and len(udp) > hl:
                    elen = udp[hl] * 4
                    if elen == 0 or len(udp) < hl + elen:
                        break
                    nxt = udp[hl + elen - 1]
                    hl += elen
            if gtp_type == 0xFF:
                inner = _parse_inner(udp[hl:8 + glen])
    return Pkt(ts, raw, eth_src, eth_dst, src, dst, proto, sport, dport, gtp_type, teid, inner)


def read_pcap(path):
    data = Path(path).read_bytes()
    if len(data) < 24:
        return []
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        raise AssertionError("%s: not a pcap file" % path)
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    off, out = 24, []
    while off + 16 <= len(data):
        sec, frac, incl, _orig = struct.unpack(e + "IIII", data[off:off + 16])
        off += 16
        out.append((sec + frac / (1e9 if nano else 1e6), data[off:off + incl]))
        off += incl
    return out


_caps = {"dir": None}


def _capdir():
    """One temp dir for the run's captures, removed at the end."""
    if _caps["dir"] is None:
        _caps["dir"] = tempfile.mkdtemp(prefix="tof-live-")
    return _caps["dir"]


def _remove_captures():
    import shutil
    if _caps["dir"]:
        shutil.rmtree(_caps["dir"], ignore_errors=True)
        _caps["dir"] = None


class Capture:
    """tcpdump on IFACE in NS for the duration of a `with` block."""

    def __init__(self, iface, ns=NS_TOF, bpf=None):
        self.iface, self.ns, self.bpf = iface, ns, bpf
        fd, self.path = tempfile.mkstemp(prefix="%s-%s-" % (ns, iface), suffix=".pcap", dir=_capdir())
        os.close(fd)
        self.proc = None

    def __enter__(self):
        # -Z root: Debian's tcpdump drops to user tcpdump, who cannot write
        # the file; --immediate-mode: without it frames still in the kernel's
        # ring when tcpdump is stopped are lost.
        args = ["ip", "netns", "exec", self.ns, "tcpdump", "-Z", "root", "--immediate-mode",
                "-i", self.iface, "-n", "-U", "-s", "0", "-w", self.path]
        if self.bpf:
            args.append(self.bpf)
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     start_new_session=True)
        end = time.monotonic() + 5
        buf = b""
        while b"listening on" not in buf:
            left = end - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                self.stop()
                raise AssertionError("tcpdump on %s/%s did not start: %s" % (self.ns, self.iface, buf))
            r, _, _ = select.select([self.proc.stderr], [], [], left)
            if r:
                d = os.read(self.proc.stderr.fileno(), 4096)
                if not d:
                    continue
                buf += d
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            time.sleep(0.2)  # let the last frames reach the file
            os.kill(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        if self.proc and self.proc.stderr:
            self.proc.stderr.close()

    def __exit__(self, *exc):
        self.stop()
        return False

    def packets(self):
        return [p for p in (parse_frame(ts, raw) for ts, raw in read_pcap(self.path)) if p]

    def tshark(self, display_filter, *fields):
        p = subprocess.run(["tshark", "-r", self.path, "-Y", display_filter, "-T", "fields",
                            "-E", "occurrence=a", "-E", "aggregator=,"]
                           + [a for f in fields for a in ("-e", f)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
        if p.returncode != 0:
            raise AssertionError("tshark: exit %d\n%s" % (p.returncode, p.stderr[-2000:]))
        return [line.split("\t") for line in p.stdout.splitlines() if line.strip()]

    def cleanup(self):
        try:
            os.unlink(self.path)
        except OSError:
            pass


# Capture points: the far ends of the TOF's links. The wire is the same as
# on s1-enb/s1-sgw/apps0, but there a capture misses what tofd sends (DPDK's
# af_packet PMD transmits with PACKET_QDISC_BYPASS, which skips the taps).
LINKS = {"enb": (NS_ENB, "enb0"),   # what the eNBs send and receive
         "sgw": (NS_SGW, "sgw0"),   # what the SGW sends and receives
         "app": (NS_APP, "app0")}   # what the edge app sends and receives


class captures:
    """Several captures at once: `with captures("enb", "sgw") as c: c["enb"]`."""

    def __init__(self, *links, bpf=None):
        self.caps = {l: Capture(LINKS[l][1], ns=LINKS[l][0], bpf=bpf) for l in links}

    def __enter__(self):
        started = []
        try:
            for c in self.caps.values():
                c.__enter__()
                started.append(c)
        except BaseException:
            for c in started:
                c.stop()
            raise
        return self.caps

    def __exit__(self, *exc):
        for c in self.caps.values():
            c.stop()
        return False


def gpdus(pkts, **match):
    """G-PDUs whose outer/inner fields match, e.g. src=..., inner_dst=..."""
    out = []
    for p in pkts:
        if p.gtp_type != 0xFF or p.inner is None:
            continue
        ok = True
        for k, v in match.items():
            if k.startswith("inner_"):
                ok = getattr(p.inner, k[6:]) == v
            else:
                ok = getattr(p, k) == v
            if not ok:
                break
        if ok:
            out.append(p)
    return out


def tagged(pkts):
    """G-PDUs that carry a ping this suite sent (payload pattern)."""
    pat = bytes.fromhex(PING_PATTERN)
    return [p for p in pkts if p.gtp_type == 0xFF and p.inner and p.inner.proto == 1
            and pat in p.inner.payload]
