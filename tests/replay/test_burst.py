"""The burst pipeline (what the DPDK workers run) against frame-by-frame,
through `tofd replay --burst N` (up to N frames of one port that came
within a millisecond run together): every shared capture, and a whole mixed
scenario (first packets handed over, known tunnels offloaded, downlinks,
app replies encapsulated, pass-through), give the same frames on every
port. Within one burst the agent hears of the frames only afterwards, as in
the data plane, so frames the agent sends out (a first packet it offloads)
may come after the worker's own in a port's capture: the comparison is of
each port's frames as a multiset, and of the counters that do not depend
on that order."""
import collections
import glob
import os
from decimal import Decimal

import gen
from gen import APP, ENB, ENB2, PDN, SERVICE, SGW, UE, UE2, UE3, app_frame, at, downlink, tcp, udp, uplink
from test_replay import CACHE, PCAP_DIR, ReplayCase, config, read_capture


def frames(run, port):
    return collections.Counter(f.data for f in run.frames(port))


class TestBurstMatchesFrameByFrame(ReplayCase):

    def compare(self, cfg, exact=False, **inputs):
        one = self.replay(cfg, **inputs)
        for n in (4, 32, 64):
            with self.subTest(burst=n):
                many = self.replay(cfg, burst=n, **inputs)
                for port in one.caps:
                    if exact:
                        self.assertEqual(many.frames(port), one.frames(port), "%s.pcap" % port)
                    else:
                        self.assertEqual(frames(many, port), frames(one, port), "%s.pcap" % port)
                self.assertEqual(many.tunnels(), one.tunnels())
                for svc in one.stats["services"]:
                    self.assertEqual(many.service(svc["name"]), svc)
        return one

    def test_shared_captures_byte_for_byte(self):
        """Pass-through of every shared capture from either side: the same
        frames, in the same order, at the same times."""
        caps = sorted(glob.glob(os.path.join(PCAP_DIR, "*.pcap*")))
        self.assertTrue(caps, "no captures in %s" % PCAP_DIR)
        for path in caps:
            for side in ("enb", "sgw"):
                with self.subTest(capture=os.path.basename(path), side=side):
                    self.compare({"mode": "dual"}, exact=True, **{side: path})

    def test_mixed_traffic(self):
        """Three UEs (two eNBs): first packets to the service from unknown
        tunnels (handed over and offloaded by the agent), then known
        traffic offloaded by the workers, internet traffic passed, the
        downlinks learned and passed, the app's replies encapsulated."""
        ues = [(UE, ENB, 0x1001, 0x2001), (UE2, ENB, 0x1002, 0x2002), (UE3, ENB2, 0x1003, 0x2003)]
        enb, sgw, apps = [], [], []
        t = Decimal(0)
        for rnd in range(6):
            for i, (ue, e, ul, dl) in enumerate(ues):
                t += Decimal("0.001")
                enb.append(at(t, uplink(udp(ue, SERVICE, sport=40000 + rnd, data=b"svc %d" % rnd),
                                        teid=ul, enb=e)))
                enb.append(at(t + Decimal("0.0001"), uplink(tcp(ue, PDN), teid=ul, enb=e)))
                sgw.append(at(t + Decimal("0.0002"), downlink(udp(PDN, ue), teid=dl, enb=e)))
                if rnd > 0:
                    apps.append(at(t + Decimal("0.0003"),
                                   app_frame(udp(APP, ue, sport=5000, dport=40000 + rnd,
                                                 data=b"reply %d" % rnd))))
        cfg = config(CACHE, punt={"rate_pps": 0}, pinger={"policy": "off"})
        run = self.compare(cfg, enb=enb, sgw=sgw, apps=apps)
        self.assertEqual(len(run.frames("apps")), 18 + 0)
        self.assertGreater(len(run.frames("enb")), len(sgw))
