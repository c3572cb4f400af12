"""The data-plane effect of POST, PUT and DELETE, checked with traffic.

Until live tests drive tofd run's data plane (tests/live), the traffic
runs through `tofd replay`, the same pipeline and agent, configured with the
services the live API holds after each change: a UE's uplink frames to the
service IP leave by the apps port addressed to the application IP after a
POST, to the new one after a PUT, and pass through unchanged after a
DELETE. (tests/unit/test_ctl.c checks the same in-process, on the tables
the ctl writes.)"""
import json
import os
import struct
import subprocess
import unittest

from tofapi import TOFD, Server, base_config, svc

ENB, SGW, UE = "198.18.0.1", "198.18.0.2", "198.19.0.5"


def ip4(a):
    return bytes(int(x) for x in a.split("."))


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(src, dst, proto, payload):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, 64, proto, 0,
                      ip4(src), ip4(dst))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def uplink_frame(dst, teid=0x100):
    inner = ipv4(UE, dst, 17, udp(1000, 2000, b"x" * 32))
    gtp = struct.pack("!BBHI", 0x30, 0xFF, len(inner), teid) + inner
    eth = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
    return eth + ipv4(ENB, SGW, 17, udp(2152, 2152, gtp))


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", 1700000000 + i, 0, len(fr), len(fr)))
            f.write(fr)


def read_pcap(path):
    frames = []
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    pos = 24
    end = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    while pos < len(data):
        _, _, caplen, _ = struct.unpack(end + "IIII", data[pos:pos + 16])
        frames.append(data[pos + 16:pos + 16 + caplen])
        pos += 16 + caplen
    return frames


class TestEffectThroughReplay(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = Server(base_config()).start()
        cls.c = cls.srv.client()
        cls.pcap = os.path.join(cls.srv.dir, "ul.pcap")
        # the first frame is handed to the agent, which learns the tunnel
        # and offloads it; the second one is handled as a known UE's
        write_pcap(cls.pcap, [uplink_frame("203.0.113.100"), uplink_frame("203.0.113.100")])

    @classmethod
    def tearDownClass(cls):
        try:
            cls.srv.stop()
        finally:
            cls.srv.cleanup()

    def replay(self, tag):
        """tofd replay with the services the live API holds now."""
        cfg = {"mode": "dual", "enb": [ENB], "sgw": [SGW], "max_sessions": 1024,
               "services": self.c.services()}
        out = os.path.join(self.srv.dir, "out-" + tag)
        cfg_path = os.path.join(self.srv.dir, "replay-%s.json" % tag)
        with open(cfg_path, "w") as f:
            json.dump(cfg, f)
        p = subprocess.run([TOFD, "replay", "--config", cfg_path, "--in-enb", self.pcap,
                            "--out", out], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(os.path.join(out, "stats.json")) as f:
            stats = json.load(f)
        # Without the TOF's own ARP probes for the app's MAC.
        apps = [f for f in read_pcap(os.path.join(out, "apps.pcap")) if f[12:14] != b"\x08\x06"]
        return apps, \
            read_pcap(os.path.join(out, "sgw.pcap")), stats

    def test_post_put_delete(self):
        r = self.c.post("/service", svc("cache", "203.0.113.100", "198.51.100.10"))
        self.assertEqual(r.status, 200)
        apps, sgw, stats = self.replay("post")
        self.assertEqual(len(apps), 2)              # the first one too: it never leaks
        self.assertEqual(sgw, [])
        for a in apps:
            self.assertEqual(a[14 + 16:14 + 20], ip4("198.51.100.10"))  # DNAT
            self.assertEqual(a[14 + 12:14 + 16], ip4(UE))
        self.assertEqual(stats["services"][0]["uplink_packets"], 2)

        r = self.c.put("/service/cache", {"serviceIP": "203.0.113.100",
                                          "applicationIP": "198.51.100.20"})
        self.assertEqual(r.status, 200)
        apps, _, _ = self.replay("put")
        self.assertEqual(len(apps), 2)
        for a in apps:
            self.assertEqual(a[14 + 16:14 + 20], ip4("198.51.100.20"))

        self.assertEqual(self.c.delete("/service/203.0.113.100").status, 200)
        apps, sgw, stats = self.replay("delete")
        self.assertEqual(apps, [])
        self.assertEqual(len(sgw), 2)                # both forwarded unchanged
        self.assertEqual(sgw[1], uplink_frame("203.0.113.100"))
        self.assertEqual(stats["services"], [])
