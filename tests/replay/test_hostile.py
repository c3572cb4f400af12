#!/usr/bin/python3
"""Replay golden tests on crafted captures (issue 7): what hostile or merely
unlucky traffic on the S1 and apps links must not do to the TOF - hang it,
hijack a UE's edge traffic, starve its agent, poison the apps' MACs - and a
UE's first packet to a service, which must reach the app and never the
core. Also the rules that make it so: address ownership, bearers, the
pinger's SGWs and pacing, ARP/ND on the apps port.

Run through run.sh / test_replay.py (which loads this module), e.g.
    tests/replay/run.sh TestHostile
Inputs are built with gen.py; the expected frames are built here with
scapy, independently of tofd, and compared byte for byte.
"""
import collections
import os
import random
from decimal import Decimal

import gen
from gen import (APP, APP6, APP6_MAC, APP_MAC, APPS_GW, APPS_GW6, APPS_HOST, APPS_HOST6, APPS_MAC,
                 BCAST, DL_TEID, ENB, ENB2, ENB3, ENB6, ENB_MAC, EVIL_MAC, PDN, PDN6, SERVICE,
                 SERVICE6, SGW, SGW6, SGW_MAC, T0, TARGET, UE, UE2, UE3, UE4, UE6,
                 UL_TEID, app_frame, at, downlink, icmp_echo, tcp, udp, uplink)
from scapy.contrib.gtp import GTP_U_Header
from scapy.layers.inet import ICMP, IP
from scapy.layers.inet6 import (ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6NDOptDstLLAddr,
                                ICMPv6NDOptSrcLLAddr, IPv6)
from scapy.layers.l2 import ARP, Ether
from scapy.packet import Padding
from test_replay import (CACHE, CACHE6, PINGER, PINGER_IDENT, SGW3, ReplayCase, answer_probe,
                         config, describe, eth, expect_encap, expect_offload, frames_of, gpdu_inner,
                         learn_both, outer_ip_id, probes_in, ts_ns, tshark)

NS = 10**9


def inner_of(frame):
    """The inner packet of an uplink/downlink G-PDU built by gen (scapy, or
    Raw bytes)."""
    if not frame.haslayer(GTP_U_Header):
        frame = Ether(bytes(frame))
    return frame[GTP_U_Header].payload


def nonzero(d):
    return {k: v for k, v in d.items() if v}


def by_time(pkts):
    return sorted(pkts, key=lambda p: p.time)


def sessions_of(run):
    """The sessions as sorted (ue, ue6, enb, sgw, uplink TEID, [bearer
    TEIDs], downlink TEID) tuples (a missing address or TEID as None)."""
    return sorted(((s["ue"], s["ue6"], s["enb"], s["sgw"], s["uplink_teid"], tuple(s["bearer_teids"]),
                    s["downlink_teid"]) for s in run.sessions), key=repr)


def sess(ue=None, ue6=None, enb=ENB, sgw=SGW, ul=UL_TEID, bearers=(), dl=None):
    """One expected row of sessions_of."""
    return (ue, ue6, enb, sgw, ul, tuple(bearers), dl)


def sessions(*rows):
    return sorted(rows, key=repr)


def tshark_gpdus(path):
    """(outer src, outer dst, TEID, inner src, inner dst) of each G-PDU in a
    capture, as tshark reads them."""
    out = []
    for row in tshark(path, "ip.src", "ip.dst", "gtp.teid", "ipv6.src", "ipv6.dst"):
        if not row[2]:
            continue
        inner_src = row[0][1] if len(row[0]) > 1 else row[3][0]
        inner_dst = row[1][1] if len(row[1]) > 1 else row[4][0]
        out.append((row[0][0], row[1][0], int(row[2][0], 16), inner_src, inner_dst))
    return out


class HostileCase(ReplayCase):
    """Helpers shared by the crafted-capture tests."""

    def assertOffloaded(self, run, pkts, app_ip=APP, app_mac=BCAST, what="apps.pcap"):
        """apps.pcap holds exactly the inner packets of the uplink G-PDUs
        pkts, NATed to app_ip (a dict by service IP for several), at their
        own capture times."""
        expected = []
        for p in by_time(pkts):
            inner = inner_of(p)
            ip = app_ip[inner.dst] if isinstance(app_ip, dict) else app_ip
            mac = app_mac[inner.dst] if isinstance(app_mac, dict) else app_mac
            expected.append((ts_ns(p.time), expect_offload(inner, ip, mac)))
        self.assertFrames(run.frames("apps"), expected, what)

    def assertEncapsulated(self, run, frames, replies, port="enb"):
        """frames (the output's G-PDUs the TOF built) are replies (a list of
        (app frame, reply inner, service IP, downlink TEID, eNB, SGW, l2))
        encapsulated as expected; the outer IPv4 identification is read
        from the output (tofd's choice)."""
        expected = []
        for i, (af, inner, svc, teid, enb, sgw, l2) in enumerate(replies):
            ip_id = outer_ip_id(frames[i].data) if i < len(frames) else 0
            expected.append((ts_ns(af.time), expect_encap(inner, svc, teid, l2, ip_id, enb=enb, sgw=sgw)))
        self.assertFrames(frames, expected, "%s.pcap: encapsulated replies" % port)

    def split_enb(self, run, passed_count):
        """enb.pcap as (frames passed from the SGW side, frames the TOF
        built), knowing the passed ones come first in time."""
        out = run.frames("enb")
        return out[:passed_count], out[passed_count:]


# ============================================================================


class TestFirstPacket(HostileCase):
    """A UE's first packet to a service (after attach, after the idle purge,
    after a tofd restart) reaches the app, and nothing of it the core."""

    def test_first_packets_offloaded_v4_v6_ipv6_outer_tcp_syn(self):
        """The very first G-PDU of four unknown tunnels, each to a service:
        a TCP SYN (IPv4 in IPv4), UDP IPv6 in IPv4, a TCP SYN IPv4 in IPv6
        outer and ICMPv6 IPv6 in IPv6. Each is handed to the agent, which
        learns the tunnel and offloads that same frame at the same time,
        NATed to the app (checksums good per tshark); sgw.pcap stays
        empty. The next packets (the SYN's ACK, ...) go by the worker."""
        ue6b = "2001:db8:1:4::5"
        syn = at("0", uplink(tcp(UE, SERVICE, flags="S", seq=1000, ack=0, data=b"")))
        v6 = at("0.01", uplink(udp(UE6, SERVICE6, data=b"v6 first"), teid=0x1002))
        syn6 = at("0.02", uplink(tcp(UE3, SERVICE, flags="S", seq=7, ack=0, data=b""), teid=0x1003,
                                 enb=ENB6, sgw=SGW6))
        ping66 = at("0.03", uplink(icmp_echo(ue6b, SERVICE6, data=b"v6 in v6"), teid=0x1004,
                                   enb=ENB6, sgw=SGW6))
        firsts = [syn, v6, syn6, ping66]
        later = [at("0.1", uplink(tcp(UE, SERVICE, flags="A", seq=1001, ack=5001, data=b""))),
                 at("0.11", uplink(udp(UE6, SERVICE6, data=b"v6 second"), teid=0x1002)),
                 at("0.12", uplink(tcp(UE3, SERVICE, flags="A", seq=8, ack=9, data=b""), teid=0x1003,
                                   enb=ENB6, sgw=SGW6))]

        run = self.replay(config(CACHE, CACHE6), enb=firsts + later)

        self.assertOffloaded(run, firsts + later, {SERVICE: APP, SERVICE6: APP6})
        self.assertPassed(run, "sgw", [])
        self.assertChecksumsGood(run.path("apps"))
        self.assertEqual(sessions_of(run), sessions(
            sess(UE), sess(ue6="2001:db8:1::/64", ul=0x1002),
            sess(UE3, enb=ENB6, sgw=SGW6, ul=0x1003), sess(ue6="2001:db8:1:4::/64", enb=ENB6, sgw=SGW6, ul=0x1004)))
        reasons = nonzero(run.stats["reasons"])
        self.assertEqual(reasons, {"uplink_unknown_to_service": 4, "uplink_service": 3})
        self.assertEqual(run.stats["decisions"]["punt"]["packets"], 4)
        self.assertEqual(run.stats["decisions"]["offload"]["packets"], 3)
        self.assertEqual(run.agent("first_packet_offloaded"), 4)
        self.assertEqual(run.agent("first_packet_passed"), 0)
        self.assertEqual(run.agent("uplink_learned"), 4)
        cache, cache6 = run.service("cache"), run.service("cache6")
        self.assertEqual((cache["uplink_packets"], cache6["uplink_packets"]), (4, 3))
        self.assertEqual(cache["uplink_bytes"], sum(len(inner_of(p)) for p in (syn, syn6, later[0], later[2])))
        self.assertEqual(cache6["uplink_bytes"], sum(len(inner_of(p)) for p in (v6, ping66, later[1])))
        self.assertEqual(nonzero(run.stats["punt_refused"]), {})

    def test_first_packet_beyond_the_budget_is_forwarded(self):
        """punt burst 2 at 1/s: of three first packets to the service in
        the same millisecond, two are offloaded by the agent and the third
        is forwarded unchanged (uplink_unknown_to_service_passed,
        punt_refused.first); its tunnel stays unknown, so its next packet
        within the second is forwarded too, and one 2 s later, with the
        budget back, is offloaded as a first packet."""
        a = at("0", uplink(udp(UE, SERVICE, data=b"a"), teid=0x1001))
        b = at("0.0001", uplink(udp(UE2, SERVICE, data=b"b"), teid=0x1002))
        c = at("0.0002", uplink(udp(UE3, SERVICE, data=b"c"), teid=0x1003))
        c2 = at("0.5", uplink(udp(UE3, SERVICE, data=b"c again"), teid=0x1003))
        c3 = at("2.5", uplink(udp(UE3, SERVICE, data=b"c later"), teid=0x1003))

        run = self.replay(config(CACHE, punt={"rate_pps": 1, "burst": 2}), enb=[a, b, c, c2, c3])

        self.assertOffloaded(run, [a, b, c3])
        self.assertPassed(run, "sgw", [c, c2])
        self.assertEqual(run.reason("uplink_unknown_to_service"), 3)
        self.assertEqual(run.reason("uplink_unknown_to_service_passed"), 2)
        self.assertEqual(run.stats["punt_refused"], {"known": 0, "downlink": 0, "new": 0, "first": 2, "apps": 0})
        self.assertEqual(run.agent("first_packet_offloaded"), 3)
        self.assertEqual(run.agent("first_packet_passed"), 0)
        self.assertEqual(run.service("cache")["uplink_packets"], 3)
        self.assertEqual(sorted(run.tunnels()), [(UE, ENB, SGW, 0x1001, None), (UE2, ENB, SGW, 0x1002, None),
                                                 (UE3, ENB, SGW, 0x1003, None)])

    def test_first_packet_forwarded_when_the_table_is_full(self):
        """max_sessions 16: 17 UEs' first packets to the service; the 17th
        finds no room (session_table_full): the agent forwards it to the
        SGW unchanged, at its own time (first_packet_passed); the 16
        others are offloaded."""
        enb = [at(Decimal(i) / 1000, uplink(udp("198.19.2.%d" % (i + 1), SERVICE), teid=0x3000 + i))
               for i in range(17)]

        run = self.replay(config(CACHE, max_sessions=16), enb=enb)

        self.assertOffloaded(run, enb[:16])
        self.assertPassed(run, "sgw", enb[16:])
        self.assertEqual(run.stats["sessions"], 16)
        self.assertEqual(run.agent("session_table_full"), 1)
        self.assertEqual(run.agent("first_packet_offloaded"), 16)
        self.assertEqual(run.agent("first_packet_passed"), 1)
        self.assertEqual(run.reason("uplink_unknown_to_service"), 17)
        self.assertEqual(run.service("cache")["uplink_packets"], 16)
        self.assertEqual(run.stats["ports"]["sgw"]["agent_packets"], 1)

    def test_first_packet_with_a_disputed_source_is_forwarded(self):
        """UE is live at eNB 1 (both directions). An unknown tunnel from
        eNB 2 carries UE's address to the service: the address is another
        live session's, so the claim waits for the core's word and the
        frame is forwarded unchanged (first_packet_passed), never
        offloaded; UE's own session and offload are untouched."""
        ul0, dl0 = learn_both(first_dst=SERVICE)
        claim = at("0.5", uplink(udp(UE, SERVICE, data=b"me too"), teid=0x1009, enb=ENB2))
        again = at("0.6", uplink(udp(UE, SERVICE, data=b"me again"), teid=0x1009, enb=ENB2))
        own = at("0.7", uplink(udp(UE, SERVICE, data=b"the real one")))

        run = self.replay(config(CACHE), enb=[ul0, claim, again, own], sgw=[dl0])

        self.assertOffloaded(run, [ul0, own])
        self.assertPassed(run, "sgw", [claim, again])
        self.assertEqual(run.tunnels(), [(UE, ENB, SGW, UL_TEID, DL_TEID)])
        self.assertEqual(run.reason("uplink_unknown_to_service"), 3)
        self.assertEqual(run.agent("first_packet_offloaded"), 1)
        self.assertEqual(run.agent("first_packet_passed"), 2)
        self.assertEqual(run.agent("uplink_spoofed"), 2)
        self.assertEqual(run.agent("ue_address_moved"), 0)
        self.assertEqual(run.agent("handover"), 0)

    def test_first_packet_from_a_non_ue_source_is_not_taken(self):
        """A first packet to a service whose inner source is no UE's
        (link-local IPv6, IPv4 169.254/16) is not handed over: forwarded
        unchanged as an unknown tunnel, and the agent learns nothing from
        its copy."""
        ll6 = at("0", uplink(udp("fe80::1", SERVICE6), teid=0x1001))
        ll4 = at("0.01", uplink(udp("169.254.1.1", SERVICE), teid=0x1002))

        run = self.replay(config(CACHE, CACHE6), enb=[ll6, ll4])

        self.assertPassed(run, "sgw", [ll6, ll4])
        self.assertEqual(run.frames("apps"), [])
        self.assertEqual(run.sessions, [])
        self.assertEqual(nonzero(run.stats["reasons"]), {"uplink_unknown": 2})
        self.assertEqual(run.agent("punt_ignored"), 2)

    def test_first_packet_of_a_dedicated_bearer(self):
        """A known UE's new TEID (same eNB and SGW: a dedicated bearer) whose
        first packet goes to the service: the bearer joins the session and
        that frame is offloaded."""
        ul0, dl0 = learn_both(first_dst=SERVICE)
        volte = at("0.1", uplink(udp(UE, SERVICE, data=b"bearer 2"), teid=0x1101))

        run = self.replay(config(CACHE), enb=[ul0, volte], sgw=[dl0])

        self.assertOffloaded(run, [ul0, volte])
        self.assertPassed(run, "sgw", [])
        self.assertEqual(run.session(UE)["bearer_teids"], [0x1101])
        self.assertEqual(run.agent("bearer_added"), 1)
        self.assertEqual(run.agent("first_packet_offloaded"), 2)


# ============================================================================


class TestHostile(HostileCase):
    """Crafted captures of hostile traffic: the appliance finishes, known UEs
    keep their offload, every other frame passes byte for byte."""

    KNOWN = [(UE, 0x1001, 0x2001), (UE2, 0x1002, 0x2002), (UE3, 0x1003, 0x2003), (UE4, 0x1004, 0x2004)]

    def known_ues(self):
        """Four UEs learned both ways before a flood (first packets to the
        service, offloaded): (uplinks, downlinks)."""
        ul, dl = [], []
        for i, (ue, u, d) in enumerate(self.KNOWN):
            a, b = learn_both(ue, u, d, t=Decimal(i) / 100, first_dst=SERVICE)
            ul.append(a)
            dl.append(b)
        return ul, dl

    def known_traffic(self, start, step, n):
        """n uplinks of the known UEs to the service, and n app replies to
        them, from start every step seconds (replies half a step later)."""
        ups, replies = [], []
        for i in range(n):
            ue, u, d = self.KNOWN[i % len(self.KNOWN)]
            t = Decimal(start) + i * Decimal(step)
            ups.append(at(t, uplink(udp(ue, SERVICE, sport=41000 + i, data=b"known %d" % i), teid=u)))
            reply = udp(APP, ue, sport=5000, dport=41000 + i, data=b"reply %d" % i)
            af = at(t + Decimal(step) / 2, app_frame(reply))
            replies.append((af, reply, SERVICE, d, ENB, SGW, eth(SGW_MAC, ENB_MAC)))
        return ups, replies

    def timed_replay(self, *args, limit=30, **kw):
        """replay, failing if tofd runs longer than limit seconds (it takes
        well under one; a hang is what this catches)."""
        return self.replay(*args, timeout=limit, **kw)

    def test_bearer_flood_past_the_table_size(self):
        """max_sessions 128 (uplink index sized for 4 bearers each): after
        four known UEs, 200 UE addresses send from 4 TEIDs each (same eNB
        and SGW: dedicated bearers), to the internet, while the known UEs
        keep talking to the service and the app answers them. tofd
        finishes (the old index filled up and looped forever); 124 flood
        UEs get sessions of 4 bearers, the other 76 x 4 tunnels are
        refused and counted (session_table_full); every flood frame passes
        byte for byte; the known UEs' packets are all offloaded and the
        app's replies go down their tunnels."""
        ul0, dl0 = self.known_ues()
        flood = []
        for i in range(200):
            for k in range(4):
                flood.append(gen.fast_uplink(gen.flood_ue(i), PDN, 0x10000000 + 4 * i + k, sport=50000 + k,
                                             data=b"bearer %d" % k))
        gen.frames_at(flood, "1", "0.001")
        self.assertEqual(bytes(flood[-1]), bytes(uplink(udp(gen.flood_ue(199), PDN, sport=50003, data=b"bearer 3"),
                                                        teid=0x10000000 + 799)), "gen.fast_uplink")
        ups, replies = self.known_traffic("1.0005", "0.02", 50)
        tail, tail_replies = self.known_traffic("2", "0.01", 8)
        apps = [r[0] for r in replies + tail_replies]

        run = self.timed_replay(config(CACHE, max_sessions=128), enb=ul0 + flood + ups + tail, sgw=dl0,
                                apps=apps)

        self.assertPassed(run, "sgw", flood)
        self.assertOffloaded(run, ul0 + ups + tail)
        passed, built = self.split_enb(run, len(dl0))
        self.assertFrames(passed, frames_of(dl0), "enb.pcap: downlinks")
        self.assertEncapsulated(run, built, replies + tail_replies)
        self.assertEqual(run.stats["sessions"], 128)
        self.assertEqual(len(run.sessions), 128)
        want = [sess(ue, ul=u, dl=d) for ue, u, d in self.KNOWN] + \
            [sess(gen.flood_ue(i), ul=0x10000000 + 4 * i, bearers=[0x10000000 + 4 * i + k for k in (1, 2, 3)])
             for i in range(124)]
        self.assertEqual(sessions_of(run), sessions(*want))
        self.assertEqual(run.agent("uplink_learned"), 128)
        self.assertEqual(run.agent("bearer_added"), 124 * 3)
        self.assertEqual(run.agent("session_table_full"), 76 * 4)
        self.assertEqual(run.reason("uplink_unknown"), 800)
        self.assertEqual(run.reason("uplink_service"), len(ups) + len(tail))
        self.assertEqual(run.reason("apps_reply"), len(apps))
        self.assertEqual(nonzero(run.stats["punt_refused"]), {})

    def flood_expectation(self, flood, burst, room):
        """What becomes of each unknown-tunnel frame of a flood inside one
        second at punt rate 1/s, burst `burst` per class, with room for
        `room` more sessions: (offloaded, passed, counters) - the first
        `burst` of each class are punted (first packets to the service
        handed over), the rest refused; each punted one learns a session
        while there is room."""
        tokens = {"new": burst, "first": burst}
        offloaded, passed = [], []
        c = collections.Counter()
        for f, to_service in flood:
            cls = "first" if to_service else "new"
            if tokens[cls] == 0:
                c["refused_" + cls] += 1
                passed.append(f)
                continue
            tokens[cls] -= 1
            c["punted_" + cls] += 1
            learned = room > 0
            room -= learned
            c["learned"] += learned
            c["full"] += not learned
            if to_service and learned:
                offloaded.append(f)
            else:
                passed.append(f)
                c["first_passed"] += to_service
        return offloaded, passed, c

    def test_unknown_teid_flood(self):
        """20 x max_sessions (2560) frames of unknown tunnels in 26 ms - random
        TEIDs and UE addresses, from three eNBs, half of them to the
        service - with punt budget 200 per class at 1/s, while four known
        UEs keep talking to the service. tofd finishes; the known UEs'
        packets are all offloaded and the app's replies go down their
        tunnels; every flood frame passes byte for byte, except the first
        packets to the service the budget let through and the table had
        room for, which are offloaded; the sessions stop at max_sessions
        and the rest is counted as session_table_full; reasons and
        punt_refused are exact."""
        rng = random.Random(7)
        ul0, dl0 = self.known_ues()
        exclude = [t for _, t, _ in self.KNOWN] + [ue for ue, _, _ in self.KNOWN]
        enbs = [ENB, ENB2, ENB3]
        flood = []
        for teid, ue in gen.random_tunnels(rng, 2560, exclude):
            to_service = rng.random() < 0.5
            flood.append((gen.fast_uplink(ue, SERVICE if to_service else PDN, teid, enb=rng.choice(enbs),
                                          data=b"flood"), to_service))
        gen.frames_at([f for f, _ in flood], "2", "0.00001")
        f0 = Ether(bytes(flood[0][0]))
        self.assertEqual(bytes(flood[0][0]), bytes(uplink(udp(f0[GTP_U_Header][IP].src, f0[GTP_U_Header][IP].dst,
                                                              data=b"flood"), teid=f0[GTP_U_Header].teid,
                                                          enb=f0[IP].src)), "gen.fast_uplink")
        ups, replies = self.known_traffic("2.000005", "0.0005", 50)
        apps = [r[0] for r in replies]
        burst = 200

        run = self.timed_replay(config(CACHE, max_sessions=128, punt={"rate_pps": 1, "burst": burst}),
                                enb=ul0 + [f for f, _ in flood] + ups, sgw=dl0, apps=apps)

        offloaded, passed, c = self.flood_expectation(flood, burst, 128 - len(self.KNOWN))
        n_first = sum(s for _, s in flood)
        self.assertEqual((c["punted_first"], c["punted_new"]), (burst, burst))
        self.assertGreater(c["full"], 0)
        self.assertPassed(run, "sgw", passed)
        self.assertOffloaded(run, ul0 + ups + offloaded)
        down, built = self.split_enb(run, len(dl0))
        self.assertFrames(down, frames_of(dl0), "enb.pcap: downlinks")
        self.assertEncapsulated(run, built, replies)
        self.assertEqual(run.stats["sessions"], 128)
        self.assertEqual(len(run.sessions), 128)
        self.assertEqual(run.agent("session_table_full"), c["full"])
        self.assertEqual(run.agent("uplink_learned"), 128)
        self.assertEqual(run.agent("first_packet_offloaded"), len(self.KNOWN) + len(offloaded))
        self.assertEqual(run.agent("first_packet_passed"), c["first_passed"])
        reasons = nonzero(run.stats["reasons"])
        self.assertEqual(reasons, nonzero({
            "uplink_unknown_to_service": len(self.KNOWN) + burst,
            "uplink_unknown_to_service_passed": n_first - burst,
            "uplink_unknown": burst,
            "punt_rate_limited": len(flood) - n_first - burst,
            "uplink_service": len(ups),
            "downlink_unknown": len(dl0),
            "apps_reply": len(apps)}))
        self.assertEqual(run.stats["punt_refused"], {"known": 0, "downlink": 0, "new": len(flood) - n_first - burst,
                                                     "first": n_first - burst, "apps": 0})
        self.assertEqual(run.service("cache")["uplink_packets"], len(self.KNOWN) + len(ups) + len(offloaded))

    def test_spoofed_inner_sources_both_families(self):
        """The victim (UE, dual stack UE6, eNB 1) is known both ways and keeps
        talking. Two attackers with IPv4-only tunnels of their own - UE2 at
        the victim's eNB, UE3 at eNB 2 - send, three times over, IPv6 from
        the victim's /64 and IPv4 from the victim's address, to the
        services and to the internet (a TCP SYN among them); a third,
        unknown tunnel at eNB 3 starts with the victim's address. Every
        spoofed frame is passed to the SGW byte for byte (those to a
        service after the agent has weighed the claim), never offloaded,
        counted as uplink_spoofed; the victim keeps its session, its
        packets are all offloaded, and the app's replies to both its
        addresses go down the victim's own tunnel (TEID 0x2001 to eNB 1,
        checked byte for byte and with tshark)."""
        victim6 = "2001:db8:1::99"                # another address of the victim's /64
        v_ul, v_dl = learn_both(UE, 0x1001, 0x2001, first_dst=SERVICE)
        v6 = at("0.01", uplink(udp(UE6, SERVICE6, data=b"dual stack"), teid=0x1001))
        attackers = [(UE2, 0x1002, 0x2002, ENB), (UE3, 0x1003, 0x2003, ENB2)]
        own, own_dl = [], []
        for i, (ue, u, d, e) in enumerate(attackers):
            a, b = learn_both(ue, u, d, enb=e, t=Decimal("0.1") + Decimal(i) / 100)
            own.append(a)
            own_dl.append(b)
        victim, victim_dl, spoofed, spoofed_svc = [v_ul, v6], [v_dl], [], []
        for r in range(3):
            t = Decimal(1 + r)
            for k, (ue, u, d, e) in enumerate(attackers):
                tk = t + Decimal(k) / 10
                svc = [uplink(udp(victim6, SERVICE6, data=b"v6 spoof %d" % r), teid=u, enb=e),
                       uplink(udp(UE, SERVICE, data=b"v4 spoof %d" % r), teid=u, enb=e),
                       uplink(tcp(UE, SERVICE, flags="S", seq=r, ack=0, data=b""), teid=u, enb=e)]
                net = [uplink(udp(victim6, PDN6, data=b"v6 spoof %d" % r), teid=u, enb=e),
                       uplink(udp(UE, PDN, data=b"v4 spoof %d" % r), teid=u, enb=e)]
                for j, f in enumerate(svc + net):
                    at(tk + Decimal(j) / 100, f)
                spoofed += svc + net
                spoofed_svc += svc
            victim += [at(t + Decimal("0.05"), uplink(udp(UE, SERVICE, data=b"victim %d" % r), teid=0x1001)),
                       at(t + Decimal("0.06"), uplink(udp(UE6, SERVICE6, data=b"victim6 %d" % r), teid=0x1001))]
            victim_dl.append(at(t + Decimal("0.07"), downlink(udp(PDN, UE, data=b"news %d" % r), teid=0x2001)))
        stranger = at("1.5", uplink(udp(UE, SERVICE, data=b"new tunnel"), teid=0x1009, enb=ENB3))
        replies = []
        for i, (dst, src, svc) in enumerate([(UE, APP, SERVICE), (UE6, APP6, SERVICE6), (victim6, APP6, SERVICE6)]):
            r = udp(src, dst, sport=5000, dport=40000, data=b"to the victim %d" % i)
            af = app_frame(r, app_mac=APP_MAC if src == APP else APP6_MAC)
            replies.append((at(Decimal("4") + Decimal(i) / 10, af), r, svc, 0x2001, ENB, SGW, eth(SGW_MAC, ENB_MAC)))

        run = self.replay(config(CACHE, CACHE6), enb=victim + own + spoofed + [stranger],
                          sgw=victim_dl + own_dl, apps=[r[0] for r in replies])

        self.assertOffloaded(run, victim, {SERVICE: APP, SERVICE6: APP6})
        self.assertPassed(run, "sgw", own + spoofed + [stranger])
        down, built = self.split_enb(run, len(victim_dl) + len(own_dl))
        self.assertFrames(down, frames_of(by_time(victim_dl + own_dl)), "enb.pcap: downlinks")
        self.assertEncapsulated(run, built, replies)
        for f in built:
            g = gpdu_inner(f.data, 1)
            self.assertEqual((g.dst, g.teid), (ENB, 0x2001), "a reply to the victim left its tunnel")
        self.assertEqual(sessions_of(run), sessions(
            sess(UE, "2001:db8:1::/64", ul=0x1001, dl=0x2001),
            sess(UE2, ul=0x1002, dl=0x2002), sess(UE3, enb=ENB2, ul=0x1003, dl=0x2003)))
        # the victim's own IPv6 on its tunnel: an address of a family the
        # session had none of, owned by nobody, taken at once (and counted
        # by the worker as not yet the session's)
        self.assertEqual(run.agent("ue_address_added"), 1)
        self.assertEqual(run.reason("uplink_spoofed"), len(spoofed) + 1)
        self.assertEqual(run.agent("uplink_spoofed"), len(spoofed) + 1)   # and the stranger's claim
        self.assertEqual(run.agent("first_packet_offloaded"), 2)          # the victim's first v4, its first v6
        self.assertEqual(run.agent("first_packet_passed"), len(spoofed_svc) + 1)
        for ev in ("ue_address_moved", "claim_confirmed", "handover", "teid_reused"):
            self.assertEqual(run.agent(ev), 0, ev)
        self.assertEqual(run.service("cache")["uplink_packets"], 4)
        self.assertEqual(run.service("cache6")["uplink_packets"], 4)
        rows = tshark_gpdus(run.path("enb"))
        self.assertEqual(rows[-3:], [(SGW, ENB, 0x2001, SERVICE, UE), (SGW, ENB, 0x2001, SERVICE6, UE6),
                                     (SGW, ENB, 0x2001, SERVICE6, victim6)])


    def test_pinger_reply_inside_a_flood(self):
        """Punt budget 5 per class at 1/s. A UE that only talks to the
        service is probed; the SGW's answer arrives amid 300 unknown uplink
        tunnels (towards an SGW nobody confirmed, so their own probes are
        held) and 300 unknown downlink tunnels, all within 30 ms. The
        floods exhaust their classes' budgets (punt_rate_limited), but the
        reply has its own: it is consumed, teaches the downlink TEID
        (downlink_learned_by_pinger), and an app reply then goes into that
        TEID. Every flood frame passes byte for byte."""
        rogue_sgw = "198.18.0.4"
        enb = [at(Decimal(i) / 10, uplink(udp(UE, SERVICE, data=b"req %d" % i))) for i in range(6)]
        cfg = config(CACHE, pinger=PINGER, punt={"rate_pps": 1, "burst": 5})
        run1 = self.replay(cfg, enb=enb)
        probes = probes_in(run1.frames("sgw"))
        self.assertEqual(len(probes), 1)
        self.assertEqual(probes[0][0].ts, ts_ns(enb[0].time))

        rng = random.Random(11)
        tunnels = gen.random_tunnels(rng, 600)
        ul_flood = gen.frames_at([gen.fast_uplink(ue, PDN, teid, sgw=rogue_sgw, data=b"ul flood")
                                  for teid, ue in tunnels[:300]], "0.02", "0.0001")
        dl_flood = gen.frames_at([downlink(udp(PDN, ue, data=b"dl flood"), teid=teid) for teid, ue in tunnels[300:]],
                                 "0.02005", "0.0001")
        hidden = 0x2ABC
        reply = answer_probe(probes[0], hidden, delay="0.035")
        app_reply = udp(APP, UE, sport=5000, dport=40000, data=b"found you")
        apps = [at("0.55", app_frame(app_reply))]

        run = self.replay(cfg, enb=enb + ul_flood, sgw=dl_flood + [reply], apps=apps)

        self.assertOffloaded(run, enb)
        out_sgw = run.frames("sgw")
        self.assertEqual([f for f in out_sgw if probes_in([f])], [probes[0][0]], "the UE's probe, as before")
        self.assertFrames([f for f in out_sgw if not probes_in([f])], frames_of(ul_flood), "sgw.pcap: the flood")
        down, built = self.split_enb(run, len(dl_flood))
        self.assertFrames(down, frames_of(dl_flood), "enb.pcap: the flood (the reply consumed)")
        self.assertEncapsulated(run, built, [(apps[0], app_reply, SERVICE, hidden, ENB, SGW, eth(SGW_MAC, ENB_MAC))])
        s = run.session(UE)
        self.assertEqual((s["downlink_teid"], s["pinger"]), (hidden, "done"))
        self.assertEqual(run.agent("downlink_learned_by_pinger"), 1)
        self.assertEqual(run.reason("downlink_pinger_reply"), 1)
        self.assertEqual(run.reason("downlink_pinger_reply_passed"), 0)
        self.assertEqual(run.stats["decisions"]["consume"]["packets"], 1)
        self.assertEqual(run.stats["punt_refused"], {"known": 0, "downlink": 295, "new": 295, "first": 0, "apps": 0})
        self.assertEqual(run.reason("punt_rate_limited"), 590)
        self.assertEqual(run.reason("uplink_unknown"), 5)
        self.assertEqual(run.reason("downlink_unknown"), 5)
        self.assertEqual(run.agent("uplink_learned"), 1 + 5)
        self.assertEqual(run.agent("downlink_without_session"), 5)
        self.assertEqual(run.agent("probe_held_sgw_unconfirmed"), 5)   # one per learned flood UE

    def test_uplink_flood_does_not_starve_downlinks_or_handovers(self):
        """Punt budget 5 per class at 1/s. Amid 300 unknown uplink tunnels
        from a rogue eNB (all within 30 ms, the new class's budget spent
        at once): a UE waiting for its downlink gets it (the downlink
        class has its own budget), another known UE is handed over to eNB
        2 (the known class), and a first packet to the service is
        offloaded (the first class). The app's replies then reach both
        UEs in their tunnels; every flood frame passes byte for byte."""
        cfg = config(CACHE, punt={"rate_pps": 1, "burst": 5}, pinger={"target": TARGET, "policy": "off"})
        waiting = at("0", uplink(udp(UE, SERVICE, data=b"waiting")))               # no downlink yet
        b_ul, b_dl = learn_both(UE2, 0x1002, 0x2002, t="0.01", first_dst=SERVICE)
        tunnels = gen.random_tunnels(random.Random(5), 300, [UE, UE2, UE3])
        flood = gen.frames_at([gen.fast_uplink(ue, PDN, teid, enb=ENB3, data=b"rogue") for teid, ue in tunnels],
                              "1", "0.0001")
        dl = at("1.01", downlink(udp(PDN, UE, data=b"at last"), teid=DL_TEID))
        handover = at("1.015", uplink(udp(UE2, SERVICE, data=b"moved"), teid=0x1002, enb=ENB2))
        b_dl2 = at("1.016", downlink(udp(PDN, UE2), teid=0x2222, enb=ENB2))
        first = at("1.02", uplink(udp(UE3, SERVICE, data=b"first"), teid=0x1003))
        replies = []
        for i, (ue, teid, enb) in enumerate([(UE, DL_TEID, ENB), (UE2, 0x2222, ENB2)]):
            r = udp(APP, ue, sport=5000, dport=40000, data=b"reply %d" % i)
            replies.append((at(Decimal("1.1") + Decimal(i) / 100, app_frame(r)), r, SERVICE, teid, enb, SGW,
                            eth(SGW_MAC, ENB_MAC)))

        run = self.replay(cfg, enb=[waiting, b_ul, handover, first] + flood, sgw=[b_dl, dl, b_dl2],
                          apps=[r[0] for r in replies])

        self.assertPassed(run, "sgw", flood)
        self.assertOffloaded(run, [waiting, b_ul, handover, first])
        down, built = self.split_enb(run, 3)
        self.assertFrames(down, frames_of([b_dl, dl, b_dl2]), "enb.pcap: downlinks")
        self.assertEncapsulated(run, built, replies)
        self.assertEqual(run.stats["punt_refused"], {"known": 0, "downlink": 0, "new": 295, "first": 0, "apps": 0})
        self.assertEqual(run.agent("handover"), 1)
        self.assertEqual(run.agent("downlink_learned"), 3)
        self.assertEqual(run.agent("first_packet_offloaded"), 3)


    SEEDS = [0, 1, gen.OLD_HASH_SEED, 2**63 - 1]

    def test_colliding_keys_with_pinned_seeds(self):
        """512 UEs whose keys collided under the tables' old fixed hash:
        uplink TEIDs (with the SGW) and downlink TEIDs (with the eNB) agree
        in the low 13 bits of their old hash (one home slot in old indexes
        of up to 8192 slots, those of max_sessions 1024 included), UE
        addresses in the low 7 (as many as the /16 pool offers). They are
        learned (first packets offloaded), get their downlinks, are
        offloaded again and answered by the app. With hash_seed pinned to
        four values (the old constant among them) every run is quick,
        correct (checked byte for byte against the oracle) and produces
        the very same captures, tunnels.json and stats.json."""
        import numpy as np
        n = 512
        ues = gen.colliding_ues(n, 7)
        ul_teids = gen.colliding_teids(SGW, n, 13)
        dl_teids = gen.colliding_teids(ENB, n, 13)
        # the generator's claim, checked: one home slot each under the old hash
        sig = gen.old_tunnel_sig(SGW, np.array(ul_teids, dtype=np.uint64)) & np.uint64(0x1FFF)
        self.assertEqual(len(set(sig.tolist())), 1)
        sig = gen.old_tunnel_sig(ENB, np.array(dl_teids, dtype=np.uint64)) & np.uint64(0x1FFF)
        self.assertEqual(len(set(sig.tolist())), 1)
        le = np.array([int.from_bytes(bytes(int(x) for x in u.split(".")), "little") for u in ues], dtype=np.uint64)
        self.assertEqual(len(set((gen.old_ue_sig(le) & np.uint64(0x7F)).tolist())), 1)

        first = gen.frames_at([gen.fast_uplink(ue, SERVICE, t, data=b"first") for ue, t in zip(ues, ul_teids)],
                              "0", "0.0005")
        down = gen.frames_at([gen.fast_downlink(PDN, ue, t, data=b"welcome") for ue, t in zip(ues, dl_teids)],
                             "0.3", "0.0005")
        again = gen.frames_at([gen.fast_uplink(ue, SERVICE, t, data=b"again") for ue, t in zip(ues, ul_teids)],
                              "0.6", "0.0005")
        replies = []
        for i in range(0, n, 8):
            r = udp(APP, ues[i], sport=5000, dport=40000, data=b"reply %d" % i)
            replies.append((at(Decimal("0.9") + Decimal(i) / 10000, app_frame(r)), r, SERVICE, dl_teids[i],
                            ENB, SGW, eth(SGW_MAC, ENB_MAC)))
        enb_in = self.write("enb-collide.pcap", first + again)
        sgw_in = self.write("sgw-collide.pcap", down)
        apps_in = self.write("apps-collide.pcap", [r[0] for r in replies])

        outputs = []
        for seed in self.SEEDS:
            with self.subTest(hash_seed=seed):
                run = self.timed_replay(config(CACHE, max_sessions=1024, hash_seed=seed), enb=enb_in,
                                        sgw=sgw_in, apps=apps_in, limit=20)
                if not outputs:
                    self.assertOffloaded(run, first + again)
                    self.assertPassed(run, "sgw", [])
                    passed, built = self.split_enb(run, n)
                    self.assertFrames(passed, frames_of(down), "enb.pcap: downlinks")
                    self.assertEncapsulated(run, built, replies)
                    self.assertEqual(sessions_of(run), sessions(
                        *[sess(ue, ul=u, dl=d) for ue, u, d in zip(ues, ul_teids, dl_teids)]))
                    self.assertEqual(run.agent("first_packet_offloaded"), n)
                    self.assertEqual(run.agent("downlink_learned"), n)
                    self.assertEqual(run.reason("uplink_service"), n)
                    self.assertEqual(run.reason("apps_reply"), len(replies))
                files = {}
                for name in ("enb.pcap", "sgw.pcap", "apps.pcap", "tunnels.json", "stats.json"):
                    with open(os.path.join(run.out, name), "rb") as f:
                        files[name] = f.read()
                outputs.append(files)
        for seed, files in zip(self.SEEDS[1:], outputs[1:]):
            for name in files:
                self.assertTrue(files[name] == outputs[0][name],
                                "%s differs between hash_seed %d and %d" % (name, self.SEEDS[0], seed))

    def test_arp_nd_poisoning_on_the_apps_port(self):
        """apps_gateway 198.51.100.1 and 2001:db8:6::1. The TOF asks for
        the apps' MACs from those addresses (ARP request, NS with its
        link-layer address) and learns them from the answers. Then a host
        on the apps subnet tries to re-point the apps: gratuitous ARP
        (request and reply) claiming the app's IP, an ARP reply to the TOF
        nobody asked for, unsolicited NAs with the override flag (to all
        nodes, and to the TOF with the solicited flag), IP frames from the
        app's IP with its own MAC. Offloaded frames keep going to the real
        MACs; the IP frames only make the TOF ask the app again (at most
        once a second). The TOF answers ARP / NS for its gateway addresses
        only (a DAD probe for one gets an NA to all nodes) and never for
        another host's, an app's, or a gratuitous request. Every frame the
        TOF sends on the apps port is checked byte for byte."""
        cfg = config(CACHE, CACHE6, apps_gateway=[APPS_GW, APPS_GW6], pinger={"target": TARGET, "policy": "off"})
        z = "00:00:00:00:00:00"
        ul = lambda t, n: at(t, uplink(udp(UE, SERVICE, sport=42000 + n, data=b"v4 %d" % n), teid=0x1001))
        ul6 = lambda t, n: at(t, uplink(udp(UE6, SERVICE6, sport=42000 + n, data=b"v6 %d" % n), teid=0x1002))
        before = [ul("0", 0), ul6("0.01", 0)]
        after = [ul("0.2", 1), ul6("0.21", 1), ul("0.4", 2), ul6("0.41", 2), ul("0.61", 3), ul("0.8", 4),
                 ul6("0.81", 4), ul("2", 5), ul6("2.01", 5)]
        dl = at("0.001", downlink(udp(PDN, UE), teid=0x2001))
        evil_reply = lambda t, n: at(t, app_frame(udp(APP, UE, sport=5000, dport=42000 + n, data=b"evil %d" % n),
                                                  app_mac=EVIL_MAC))
        apps_in = [
            # the apps answer the TOF's questions
            at("0.1", gen.arp(2, APP_MAC, APP_MAC, APP, APPS_MAC, APPS_GW, dst_mac=APPS_MAC)),
            at("0.11", gen.neighbour_advert(APP6_MAC, APP6, APPS_GW6, APP6, APP6_MAC)),
            # poisoning
            at("0.30", gen.arp(1, EVIL_MAC, EVIL_MAC, APP, z, APP)),                    # gratuitous request
            at("0.31", gen.arp(2, EVIL_MAC, EVIL_MAC, APP, BCAST, APP)),                # gratuitous reply
            at("0.32", gen.arp(2, EVIL_MAC, EVIL_MAC, APP, APPS_MAC, APPS_GW, dst_mac=APPS_MAC)),  # unasked
            at("0.33", gen.neighbour_advert(EVIL_MAC, APP6, "ff02::1", APP6, EVIL_MAC, solicited=False,
                                                 dst_mac="33:33:00:00:00:01")),         # override, to all
            at("0.34", gen.neighbour_advert(EVIL_MAC, APP6, APPS_GW6, APP6, EVIL_MAC)),
            # questions: for other hosts, for an app, gratuitous, for the gateway
            at("0.50", gen.arp(1, APP_MAC, APP_MAC, APP, z, APPS_HOST)),
            at("0.51", gen.arp(1, EVIL_MAC, EVIL_MAC, APPS_HOST, z, APP)),
            at("0.52", gen.arp(1, APP_MAC, APP_MAC, APP, z, APPS_GW)),                  # answered
            at("0.53", gen.arp(1, EVIL_MAC, EVIL_MAC, APPS_GW, z, APPS_GW)),            # gratuitous
            at("0.54", gen.neighbour_solicitation(APP6_MAC, APP6, APPS_HOST6)),
            at("0.55", gen.neighbour_solicitation(EVIL_MAC, APPS_HOST6, APP6)),
            at("0.56", gen.neighbour_solicitation(APP6_MAC, APP6, APPS_GW6)),           # answered
            at("0.57", gen.neighbour_solicitation(EVIL_MAC, "::", APPS_GW6)),           # DAD: answered
            at("0.58", gen.neighbour_solicitation(EVIL_MAC, "::", APP6)),
            # IP frames from the app's address with another MAC
            evil_reply("0.6", 0),
            at("0.65", gen.arp(2, APP_MAC, APP_MAC, APP, APPS_MAC, APPS_GW, dst_mac=APPS_MAC)),  # not asked yet
            evil_reply("0.7", 1),
        ]

        run = self.replay(cfg, enb=before + after, sgw=[dl], apps=apps_in)

        arp_q = bytes(Ether(dst=BCAST, src=APPS_MAC) / ARP(op=1, hwsrc=APPS_MAC, psrc=APPS_GW, hwdst=z, pdst=APP) /
                      Padding(b"\0" * 18))
        mc, mc_mac = gen.solicited_node(APP6)
        ns_q = bytes(Ether(dst=mc_mac, src=APPS_MAC) / IPv6(src=APPS_GW6, dst=mc, hlim=255) /
                     ICMPv6ND_NS(tgt=APP6) / ICMPv6NDOptSrcLLAddr(lladdr=APPS_MAC))
        t = lambda s: ts_ns(T0 + Decimal(s))
        arp_a = bytes(Ether(dst=APP_MAC, src=APPS_MAC) / ARP(op=2, hwsrc=APPS_MAC, psrc=APPS_GW, hwdst=APP_MAC,
                                                             pdst=APP) / Padding(b"\0" * 18))
        na_a = bytes(Ether(dst=APP6_MAC, src=APPS_MAC) / IPv6(src=APPS_GW6, dst=APP6, hlim=255) /
                     ICMPv6ND_NA(R=1, S=1, O=1, tgt=APPS_GW6) / ICMPv6NDOptDstLLAddr(lladdr=APPS_MAC))
        na_dad = bytes(Ether(dst="33:33:00:00:00:01", src=APPS_MAC) / IPv6(src=APPS_GW6, dst="ff02::1", hlim=255) /
                       ICMPv6ND_NA(R=1, S=0, O=1, tgt=APPS_GW6) / ICMPv6NDOptDstLLAddr(lladdr=APPS_MAC))
        macs = {SERVICE: APP_MAC, SERVICE6: APP6_MAC}
        expected = [(ts_ns(p.time), expect_offload(inner_of(p), APP, BCAST)) for p in before[:1]] + \
            [(ts_ns(before[1].time), expect_offload(inner_of(before[1]), APP6, BCAST))] + \
            [(ts_ns(p.time), expect_offload(inner_of(p), APP if inner_of(p).dst == SERVICE else APP6,
                                            macs[inner_of(p).dst])) for p in after] + \
            [(t("0.52"), arp_a), (t("0.56"), na_a), (t("0.57"), na_dad)]
        self.assertFrames(run.frames("apps"), sorted(expected, key=lambda e: e[0]), "apps.pcap")
        self.assertChecksumsGood(run.path("apps"))
        # the IP frames from the app's address are replies all the same
        passed, built = self.split_enb(run, 1)
        self.assertEncapsulated(run, built, [
            (f, IP(bytes(f)[14:]), SERVICE, 0x2001, ENB, SGW, eth(SGW_MAC, ENB_MAC)) for f in apps_in[-3::2]])
        self.assertEqual(run.agent("app_mac_learned"), 2)
        self.assertEqual(run.agent("app_mac_unsolicited"), 4)
        self.assertEqual(run.agent("apps_arp_replied"), 1)
        self.assertEqual(run.agent("apps_nd_replied"), 2)
        self.assertEqual(run.agent("apps_neighbour_ignored"), 8)
        self.assertEqual(run.reason("apps_arp"), 9)
        self.assertEqual(run.reason("apps_neighbour_discovery"), 8)
        self.assertEqual(run.reason("apps_reply"), 2)
        # asked at the first tick; the frames from another MAC (0.6, 0.7)
        # make it ask again, but not before a second after the last
        # question (so the app's answer at 0.65 was not asked for)
        self.assertFrames(run.resolution_frames(),
                          [(t("0"), arp_q), (t("0"), ns_q), (t("1"), arp_q)],
                          "apps.pcap: the TOF's questions")
        self.assertEqual(run.agent("app_resolve_sent"), 3)


    def test_ipv6_app_resolved_from_the_unspecified_address(self):
        """No apps_gateway: the TOF asks for an IPv6 app's MAC with a
        Neighbour Solicitation from :: (no source link-layer option) to the
        app's solicited-node group, at the first tick and again after 1 s
        and 2 s; the app's answer (to all nodes, as for duplicate address
        detection) teaches the MAC while the question is out; offloads go
        to it from then on."""
        ul = [at(t, uplink(udp(UE6, SERVICE6, sport=43000 + i, data=b"v6 %d" % i), teid=0x1002))
              for i, t in enumerate(("0", "0.5", "4", "5"))]
        answer = at("3.5", gen.neighbour_advert(APP6_MAC, APP6, "ff02::1", APP6, APP6_MAC, solicited=False,
                                                dst_mac="33:33:00:00:00:01"))

        run = self.replay(config(CACHE6, pinger={"target": TARGET, "policy": "off"}), enb=ul, apps=[answer])

        mc, mc_mac = gen.solicited_node(APP6)
        ns_q = bytes(Ether(dst=mc_mac, src=APPS_MAC) / IPv6(src="::", dst=mc, hlim=255) / ICMPv6ND_NS(tgt=APP6))
        self.assertFrames(run.resolution_frames(), [(ts_ns(T0) + d * NS, ns_q) for d in (0, 1, 3)],
                          "apps.pcap: the TOF's questions")
        self.assertFrames(run.frames("apps"), [(ts_ns(p.time), expect_offload(inner_of(p), APP6, mac))
                                               for p, mac in zip(ul, (BCAST, BCAST, APP6_MAC, APP6_MAC))],
                          "apps.pcap")
        self.assertEqual(run.agent("app_mac_learned"), 1)
        self.assertEqual(run.reason("apps_neighbour_discovery"), 1)


# ============================================================================


class TestPingerLimits(HostileCase):
    """The pinger probes only SGWs that are configured or have shown
    themselves, paced per SGW, and never restarts a flood."""

    def talk(self, ue=UE, teid=UL_TEID, enb=ENB, sgw=SGW, until="3.5", step="0.5", start="0"):
        n = int((Decimal(until) - Decimal(start)) / Decimal(step)) + 1
        return [at(Decimal(start) + Decimal(step) * i,
                   uplink(udp(ue, SERVICE, data=b"req %d" % i), teid=teid, enb=enb, sgw=sgw)) for i in range(n)]

    def test_probe_held_until_the_sgw_shows_itself(self):
        """No "sgw" list: the UE's SGW is nobody the TOF knows, so its probe
        is held (at 0, 1 and 2 s: probe_held_sgw_unconfirmed) without
        spending a try; a GTP-U Echo Request from that SGW at 2.5 s
        confirms it (sgw_confirmed), and the held probe goes at 3 s with
        sequence 1. A look-alike Echo Request from the eNB side confirms
        nothing."""
        enb = self.talk()
        fake = at("0.7", gen.s1(SGW, ENB, SGW_MAC, ENB_MAC, gen.gtp_raw(0x32, 1, 0, b"", opt=bytes(4))))
        echo = at("2.5", gen.s1(SGW, ENB, SGW_MAC, ENB_MAC, gen.gtp_raw(0x32, 1, 0, b"", opt=bytes(4))))

        run = self.replay(config(CACHE, pinger=PINGER, sgw=[]), enb=enb + [fake], sgw=[echo])

        probes = probes_in(run.frames("sgw"))
        self.assertEqual([f.ts for f, _, _ in probes], [ts_ns(T0 + 3)])
        self.assertEqual(probes[0][2][ICMP].seq, 1)
        self.assertEqual([f for f in run.frames("sgw") if not probes_in([f])], [r for r in run.frames("sgw")
                                                                               if r.data == bytes(fake)])
        self.assertPassed(run, "enb", [echo])
        self.assertEqual(run.agent("probe_held_sgw_unconfirmed"), 3)
        self.assertEqual(run.agent("sgw_confirmed"), 1)
        self.assertEqual(run.stats["pinger"]["probes_sent"], 1)
        self.assertEqual(run.reason("gtp_echo"), 2)

    def test_downlink_confirms_the_sgw(self):
        """Any downlink G-PDU from the SGW side (here an unknown tunnel's,
        for another UE) confirms that SGW: the probe held at 0 goes at its
        next look (1 s) with sequence 1, the next a second later."""
        enb = self.talk(until="2")
        other = at("0.3", downlink(udp(PDN, UE4), teid=0x2999))

        run = self.replay(config(CACHE, pinger=PINGER, sgw=[]), enb=enb, sgw=[other])

        probes = probes_in(run.frames("sgw"))
        self.assertEqual([(f.ts, inner[ICMP].seq) for f, _, inner in probes], [(ts_ns(T0 + 1), 1), (ts_ns(T0 + 2), 2)])
        self.assertEqual(run.agent("probe_held_sgw_unconfirmed"), 1)
        self.assertEqual(run.agent("sgw_confirmed"), 1)

    def test_single_mode_forged_downlink_confirms_nothing(self):
        """Single mode (one S1 port: direction from the enb/sgw lists). A
        host on the S1 link sends a G-PDU to a listed eNB with a forged
        source 198.18.0.77, which is no listed SGW: it is classified as
        downlink, but it proves nothing about 198.18.0.77 - anyone on the
        link can send it. Uplink tunnels towards 198.18.0.77 from the
        listed eNB then must not make the pinger probe that address (else
        any host on the link can aim the pinger at any address): their
        probes are held."""
        x = "198.18.0.77"
        forged = at("0", gen.s1(x, ENB, ENB_MAC, SGW_MAC, gen.gtpu(0x9999, udp(PDN, "198.19.9.9"))))
        ups = [at(Decimal("0.01") + Decimal(i) / 1000,
                  gen.s1(ENB, x, ENB_MAC, SGW_MAC, gen.gtpu(0x5000 + i, udp("198.19.9.%d" % (i + 10), PDN))))
               for i in range(10)]
        tail = [at(Decimal("0.5") + Decimal(i) / 10,
                   gen.s1(ENB, x, ENB_MAC, SGW_MAC, gen.gtpu(0x5000, udp("198.19.9.10", PDN)))) for i in range(20)]
        cfg = {"mode": "single", "enb": [ENB], "sgw": [SGW], "pinger": dict(PINGER)}

        run = self.replay(cfg, s1=[forged] + ups + tail)

        probes = probes_in(run.frames("s1"))
        self.assertEqual(len(probes), 0, "probes sent to %s" % sorted({p[IP].dst for _, p, _ in probes}))
        self.assertPassed(run, "s1", [forged] + ups + tail)
        self.assertEqual(run.agent("uplink_learned"), 10)
        self.assertEqual(run.agent("sgw_confirmed"), 0)
        self.assertGreater(run.agent("probe_held_sgw_unconfirmed"), 0)


    def test_probes_paced_per_sgw(self):
        """pinger.rate_pps 2: six UEs of one SGW learned within a
        millisecond get their first probes two at once, then no more than
        a token bucket of 2 at 2/s allows (probe_paced_per_sgw; no try
        spent: each probe of a UE has the next sequence number); a UE of
        another SGW is not held back by them."""
        enb = []
        for i in range(6):
            enb += self.talk(ue="198.19.3.%d" % (i + 1), teid=0x4000 + i, until="6.2", start=Decimal(i) / 10000)
        enb += self.talk(ue="198.19.3.100", teid=0x4100, sgw=SGW3, until="6.2", start="0.001")

        run = self.replay(config(CACHE, pinger=dict(PINGER, rate_pps=2)), enb=enb)

        probes = probes_in(run.frames("sgw"))
        to_sgw = [(f.ts - ts_ns(T0), inner.src, inner[ICMP].seq) for f, p, inner in probes if p[IP].dst == SGW]
        to_sgw3 = [(f.ts - ts_ns(T0), inner.src, inner[ICMP].seq) for f, p, inner in probes if p[IP].dst == SGW3]
        self.assertEqual(to_sgw3[0], (10**6, "198.19.3.100", 1), "the other SGW's UE probed at once")
        times = [t for t, _, _ in to_sgw]
        self.assertEqual(times[:2], [0, 100000], "the first two at once")
        self.assertGreaterEqual(times[2], NS // 2 - 100000, times)
        for i in range(len(times)):
            for j in range(i + 1, len(times)):
                # j - i + 1 probes within times[j] - times[i]: at most the
                # bucket (2) and what 2/s earns (rounded up a nanosecond)
                self.assertLessEqual(j - i + 1, 2 + 2 * (times[j] - times[i] + 10) // NS,
                                     "more probes to one SGW than 2/s allows: %s" % times)
        for ue in ("198.19.3.%d" % (i + 1) for i in range(6)):
            seqs = [s for _, u, s in to_sgw if u == ue]
            self.assertTrue(seqs, "%s never probed: %s" % (ue, to_sgw))
            self.assertEqual(seqs, list(range(1, len(seqs) + 1)), "no try lost while paced")
        self.assertGreater(run.agent("probe_paced_per_sgw"), 0)
        self.assertEqual(run.agent("probe_held_sgw_unconfirmed"), 0)

    def test_handover_does_not_restart_a_pinger_that_gave_up(self):
        """tries 2, interval 1 s, max 3 s: probes at 0 and 1 s, no answer,
        the pinger gives up (at 3 s). A handover at 3.5 s (the same SGW
        TEID from eNB 2) does not start it again: no probe before the
        hold-off ends, none after it either unless something asks."""
        enb = self.talk(until="3", step="0.25") + \
            self.talk(enb=ENB2, start="3.5", until="8", step="0.25")

        run = self.replay(config(CACHE, pinger=dict(PINGER, tries=2)), enb=enb)

        probes = probes_in(run.frames("sgw"))
        self.assertEqual([(f.ts - ts_ns(T0), p[IP].src) for f, p, _ in probes], [(0, ENB), (NS, ENB)])
        s = run.session(UE)
        self.assertEqual((s["enb"], s["handovers"], s["pinger"]), (ENB2, 1, "gave_up"))
        self.assertEqual(run.agent("handover"), 1)
        self.assertEqual(run.stats["pinger"]["gave_up"], 1)
        self.assertEqual(run.stats["pinger"]["probes_sent"], 2)

    def test_reply_passed_when_the_agent_cannot_take_it(self):
        """Punt burst 1 at 1/s: the answer to the probe is consumed (the
        known class's one token); the same answer again 1 ms later finds no
        token: it is not consumed but passed on unchanged
        (downlink_pinger_reply_passed, punt_refused.known), since the agent
        could not learn from it."""
        enb = self.talk(until="0.5", step="0.1")
        cfg = config(CACHE, pinger=PINGER, punt={"rate_pps": 1, "burst": 1})
        probes = probes_in(self.replay(cfg, enb=enb).frames("sgw"))
        self.assertEqual(len(probes), 1)
        reply = answer_probe(probes[0], 0x2ABC, delay="0.05")
        dup = answer_probe(probes[0], 0x2ABC, delay="0.051")

        run = self.replay(cfg, enb=enb, sgw=[reply, dup])

        self.assertPassed(run, "enb", [dup])
        self.assertEqual(run.reason("downlink_pinger_reply"), 1)
        self.assertEqual(run.reason("downlink_pinger_reply_passed"), 1)
        self.assertEqual(run.stats["punt_refused"]["known"], 1)
        self.assertEqual(run.session(UE)["downlink_teid"], 0x2ABC)
        self.assertEqual(run.agent("downlink_learned_by_pinger"), 1)


# ============================================================================


class TestOwnership(HostileCase):
    """A UE address moves to another tunnel only on the evidence: the old
    tunnel's silence, or the core network's word (downlink traffic)."""

    def test_claim_confirmed_by_downlink(self):
        """UE is live at eNB 1. A new tunnel from eNB 2 carries UE's address
        (to the internet, then to the service): a claim, the frames are
        passed (the one to the service after the agent weighed it). Then
        the SGW sends UE's traffic down a tunnel to eNB 2: the core's word.
        The address moves (claim_confirmed, one ue_address_moved), the old
        session, left without an address, ends; UE's next packets on the
        new tunnel are offloaded and the app's reply goes to eNB 2."""
        ul0, dl0 = learn_both(first_dst=SERVICE)
        moved = [at("1", uplink(udp(UE, PDN, data=b"over here"), teid=0x1005, enb=ENB2)),
                 at("1.1", uplink(udp(UE, SERVICE, data=b"to the app"), teid=0x1005, enb=ENB2))]
        word = at("1.5", downlink(udp(PDN, UE, data=b"for you at enb 2"), teid=0x2005, enb=ENB2))
        after = [at("2", uplink(udp(UE, SERVICE, data=b"now offloaded"), teid=0x1005, enb=ENB2))]
        reply = udp(APP, UE, sport=5000, dport=40000, data=b"at enb 2")
        apps = [at("2.5", app_frame(reply))]

        run = self.replay(config(CACHE), enb=[ul0] + moved + after, sgw=[dl0, word], apps=apps)

        self.assertOffloaded(run, [ul0] + after)
        self.assertPassed(run, "sgw", moved)
        down, built = self.split_enb(run, 2)
        self.assertFrames(down, frames_of([dl0, word]), "enb.pcap: downlinks")
        self.assertEncapsulated(run, built, [(apps[0], reply, SERVICE, 0x2005, ENB2, SGW, eth(SGW_MAC, ENB_MAC))])
        self.assertEqual(sessions_of(run), sessions(sess(UE, enb=ENB2, ul=0x1005, dl=0x2005)))
        self.assertEqual(run.agent("claim_confirmed"), 1)
        self.assertEqual(run.agent("ue_address_moved"), 1)
        self.assertEqual(run.agent("uplink_spoofed"), 2)
        self.assertEqual(run.agent("first_packet_passed"), 1)

    def test_silent_owner_gives_way(self):
        """ue_move_silence_s 2: UE's old session (eNB 1) has been silent
        for 3 s when a new tunnel from eNB 2 carries UE's address to the
        service: the address follows at once (ue_address_moved) and that
        first packet is offloaded. With ue_move_silence_s 0 (never by
        silence) the same frame is passed, the claim waiting."""
        ul0, dl0 = learn_both(first_dst=SERVICE)
        new = at("3", uplink(udp(UE, SERVICE, data=b"back"), teid=0x1005, enb=ENB2))

        run = self.replay(config(CACHE, ue_move_silence_s=2), enb=[ul0, new], sgw=[dl0])

        self.assertOffloaded(run, [ul0, new])
        self.assertPassed(run, "sgw", [])
        self.assertEqual(sessions_of(run), sessions(sess(UE, enb=ENB2, ul=0x1005)))
        self.assertEqual(run.agent("ue_address_moved"), 1)
        self.assertEqual(run.agent("first_packet_offloaded"), 2)

        run = self.replay(config(CACHE, ue_move_silence_s=0), enb=[ul0, new], sgw=[dl0])

        self.assertOffloaded(run, [ul0])
        self.assertPassed(run, "sgw", [new])
        self.assertEqual(sessions_of(run), sessions(sess(UE, dl=DL_TEID)))
        self.assertEqual(run.agent("ue_address_moved"), 0)
        self.assertEqual(run.agent("uplink_spoofed"), 1)
        self.assertEqual(run.agent("first_packet_passed"), 1)

    def test_live_owner_keeps_its_address(self):
        """ue_move_silence_s 2, but the old session keeps talking (uplink
        every second): the new tunnel's claim waits however long it
        sends."""
        ul0, dl0 = learn_both(first_dst=SERVICE)
        own = [at(i, uplink(udp(UE, SERVICE, data=b"still here %d" % i))) for i in range(1, 6)]
        claim = [at(Decimal(i) + Decimal("0.5"), uplink(udp(UE, SERVICE, data=b"mine %d" % i), teid=0x1005, enb=ENB2))
                 for i in range(1, 6)]

        run = self.replay(config(CACHE, ue_move_silence_s=2), enb=[ul0] + own + claim, sgw=[dl0])

        self.assertOffloaded(run, [ul0] + own)
        self.assertPassed(run, "sgw", claim)
        self.assertEqual(sessions_of(run), sessions(sess(UE, dl=DL_TEID)))
        self.assertEqual(run.agent("ue_address_moved"), 0)

    def test_downlink_moves_an_address_to_the_tunnel_it_arrives_in(self):
        """Session A (UE, IPv4, eNB 1) and session B (IPv6 only, eNB 2).
        The SGW sends UE6 down A's known downlink tunnel: the core says the
        address is A's (downlink_new_ue_address). It moves (one
        ue_address_moved), B ends with no address left, and the app's
        replies to UE6 go down A's tunnel."""
        a_ul, a_dl = learn_both(first_dst=SERVICE)
        b_ul = at("0.01", uplink(udp(UE6, SERVICE6, data=b"b"), teid=0x1002, enb=ENB2))
        b_dl = at("0.011", downlink(udp(PDN6, UE6), teid=0x2002, enb=ENB2))
        word = at("1", downlink(udp(PDN6, UE6, data=b"dual stack now"), teid=DL_TEID))
        reply = udp(APP6, UE6, sport=5000, dport=40000, data=b"to A")
        apps = [at("1.5", app_frame(reply, app_mac=APP6_MAC))]

        run = self.replay(config(CACHE, CACHE6), enb=[a_ul, b_ul], sgw=[a_dl, b_dl, word], apps=apps)

        self.assertOffloaded(run, [a_ul, b_ul], {SERVICE: APP, SERVICE6: APP6})
        down, built = self.split_enb(run, 3)
        self.assertFrames(down, frames_of([a_dl, b_dl, word]), "enb.pcap: downlinks")
        self.assertEncapsulated(run, built, [(apps[0], reply, SERVICE6, DL_TEID, ENB, SGW, eth(SGW_MAC, ENB_MAC))])
        self.assertEqual(sessions_of(run), sessions(sess(UE, "2001:db8:1::/64", dl=DL_TEID)))
        self.assertEqual(run.reason("downlink_new_ue_address"), 1)
        self.assertEqual(run.agent("ue_address_moved"), 1)

    def test_claim_probe_refuted_and_confirmed(self):
        """The pinger settles claims. An attacker's tunnel (UE2, eNB 2)
        claims UE's address: a probe goes up the attacker's tunnel AS UE
        (sequence with the 0x8000 bit). The core answers UE down UE's own
        tunnel (eNB 1): refuted (claim_refuted), nothing moves, the answer
        is consumed. In a second run the answer arrives at eNB 2 in a new
        downlink TEID: confirmed, the address moves there (and UE's old
        tunnel, still sending, is now the claimant)."""
        ul0, dl0 = learn_both(first_dst=SERVICE)
        a_ul, a_dl = learn_both(UE2, 0x1002, 0x2002, enb=ENB2, t="0.1")
        claim = at("0.5", uplink(udp(UE, PDN, data=b"i am UE"), teid=0x1002, enb=ENB2))
        later = at("0.6", uplink(udp(UE, SERVICE, data=b"the real UE")))
        cfg = config(CACHE, pinger=PINGER)
        run1 = self.replay(cfg, enb=[ul0, a_ul, claim, later], sgw=[dl0, a_dl])
        # (the sessions' own probes, at 0 and 0.1 s, before their downlinks
        # were seen, have sequence 1)
        probes = [p for p in probes_in(run1.frames("sgw")) if p[2][ICMP].seq & 0x8000]
        self.assertEqual(len(probes), 1, [describe(f.data) for f in run1.frames("sgw")])
        f, p, inner = probes[0]
        self.assertEqual(f.ts, ts_ns(claim.time))
        self.assertEqual((p[IP].src, p[IP].dst, p[GTP_U_Header].teid), (ENB2, SGW, 0x1002))
        self.assertEqual((inner.src, inner.dst, inner[ICMP].id), (UE, TARGET, PINGER_IDENT))
        self.assertEqual(inner[ICMP].seq, 0x8001)
        self.assertEqual(run1.agent("uplink_spoofed"), 1)

        home = answer_probe(probes[0], DL_TEID)                       # to eNB 1, UE's tunnel
        run = self.replay(cfg, enb=[ul0, a_ul, claim, later], sgw=[dl0, a_dl, home])
        self.assertPassed(run, "enb", [dl0, a_dl])
        self.assertOffloaded(run, [ul0, later])
        self.assertFrames([f for f in run.frames("sgw") if not probes_in([f])], frames_of([a_ul, claim]),
                          "sgw.pcap (but the probes)")
        self.assertEqual(run.agent("claim_refuted"), 1)
        self.assertEqual(run.agent("claim_confirmed"), 0)
        self.assertEqual(run.reason("downlink_pinger_reply"), 1)
        self.assertEqual(sessions_of(run), sessions(sess(UE, dl=DL_TEID), sess(UE2, enb=ENB2, ul=0x1002, dl=0x2002)))

        there = answer_probe(probes[0], 0x2009)
        there = downlink(there[GTP_U_Header].payload, teid=0x2009, enb=ENB2)
        there.time = home.time
        run = self.replay(cfg, enb=[ul0, a_ul, claim, later], sgw=[dl0, a_dl, there])
        self.assertPassed(run, "enb", [dl0, a_dl])
        # UE's old tunnel is no longer its own: a claim in turn, passed
        self.assertOffloaded(run, [ul0])
        self.assertFrames([f for f in run.frames("sgw") if not probes_in([f])], frames_of([a_ul, claim, later]),
                          "sgw.pcap (but the probes)")
        self.assertEqual(run.agent("claim_confirmed"), 1)
        self.assertEqual(run.agent("claim_refuted"), 0)
        self.assertEqual(run.agent("ue_address_moved"), 1)
        self.assertEqual(run.session(UE)["enb"], ENB2)
        self.assertEqual(run.session(UE)["downlink_teid"], 0x2009)

    def test_reused_teid_is_learned_afresh(self):
        """ue_move_silence_s 2: a dedicated bearer of UE (TEID 0x1101) falls
        silent; 3 s later the SGW has given that TEID to UE2, whose frames
        now come up it. The TEID leaves UE's session (teid_reused) and
        becomes UE2's session; UE keeps its default bearer."""
        ul0, dl0 = learn_both(first_dst=SERVICE)
        bearer = at("0.1", uplink(udp(UE, PDN, data=b"volte"), teid=0x1101))
        own = [at(i, uplink(udp(UE, SERVICE, data=b"default %d" % i))) for i in range(1, 5)]
        reused = at("3.5", uplink(udp(UE2, SERVICE, data=b"new owner"), teid=0x1101))

        run = self.replay(config(CACHE, ue_move_silence_s=2), enb=[ul0, bearer, reused] + own, sgw=[dl0])

        self.assertOffloaded(run, [ul0, reused] + own)
        self.assertPassed(run, "sgw", [bearer])
        self.assertEqual(sessions_of(run), sessions(sess(UE, dl=DL_TEID), sess(UE2, ul=0x1101)))
        self.assertEqual(run.agent("teid_reused"), 1)


    def test_handover_keeps_working(self):
        """A known tunnel (the same SGW TEID) from another eNB is a handover
        at once: UE's packets to the service stay offloaded, the old
        downlink TEID (the old eNB's) is forgotten - an app reply meanwhile
        is dropped (apps_no_downlink) - and the new eNB's downlink TEID,
        once seen, carries the replies to eNB 2."""
        ul0, dl0 = learn_both(first_dst=SERVICE)
        moved = [at("1", uplink(udp(UE, SERVICE, data=b"from enb 2"), enb=ENB2)),
                 at("1.2", uplink(udp(UE, SERVICE, data=b"still enb 2"), enb=ENB2))]
        dl2 = at("1.1", downlink(udp(PDN, UE), teid=0x2222, enb=ENB2))
        r1 = udp(APP, UE, sport=5000, dport=40000, data=b"too early")
        r2 = udp(APP, UE, sport=5000, dport=40000, data=b"to enb 2")
        apps = [at("1.05", app_frame(r1)), at("1.5", app_frame(r2))]

        run = self.replay(config(CACHE, pinger={"target": TARGET, "policy": "off"}), enb=[ul0] + moved,
                          sgw=[dl0, dl2], apps=apps)

        self.assertOffloaded(run, [ul0] + moved)
        self.assertPassed(run, "sgw", [])
        down, built = self.split_enb(run, 2)
        self.assertFrames(down, frames_of([dl0, dl2]), "enb.pcap: downlinks")
        self.assertEncapsulated(run, built, [(apps[1], r2, SERVICE, 0x2222, ENB2, SGW, eth(SGW_MAC, ENB_MAC))])
        self.assertEqual(sessions_of(run), sessions(sess(UE, enb=ENB2, dl=0x2222)))
        self.assertEqual(run.session(UE)["handovers"], 1)
        self.assertEqual(run.agent("handover"), 1)
        self.assertEqual(run.reason("apps_no_downlink"), 1)
        self.assertEqual(run.reason("uplink_handover"), 1)

    def test_reattach_with_the_same_address(self):
        """UE re-attaches at the same eNB and SGW with the same address: a
        new default bearer TEID (a bearer of the live session at once, its
        first packet offloaded) and a new downlink TEID (learned as a
        change); the old TEID falls silent and the idle purge ages it out
        (bearer_aged_out) while the session lives on."""
        ul0, dl0 = learn_both(first_dst=SERVICE)
        new_ul = [at(Decimal("0.5") + Decimal(i) / 2, uplink(udp(UE, SERVICE, data=b"new %d" % i), teid=0x1201))
                  for i in range(10)]
        new_dl = at("0.6", downlink(udp(PDN, UE), teid=0x2201))
        reply = udp(APP, UE, sport=5000, dport=40000, data=b"after re-attach")
        apps = [at("5.2", app_frame(reply))]

        run = self.replay(config(CACHE, idle_timeout_s=2, purge_interval_ms=500), enb=[ul0] + new_ul,
                          sgw=[dl0, new_dl], apps=apps)

        self.assertOffloaded(run, [ul0] + new_ul)
        self.assertPassed(run, "sgw", [])
        down, built = self.split_enb(run, 2)
        self.assertFrames(down, frames_of([dl0, new_dl]), "enb.pcap: downlinks")
        self.assertEncapsulated(run, built, [(apps[0], reply, SERVICE, 0x2201, ENB, SGW, eth(SGW_MAC, ENB_MAC))])
        self.assertEqual(sessions_of(run), sessions(sess(UE, ul=0x1201, dl=0x2201)))
        self.assertEqual(run.agent("bearer_added"), 1)
        self.assertEqual(run.agent("downlink_changed"), 1)
        self.assertEqual(run.agent("bearer_aged_out"), 1)
        self.assertEqual(run.agent("purged_idle"), 0)


class TestBearers(HostileCase):
    """Up to 4 uplink TEIDs per session; the silent longest gives way; idle
    ones age out."""

    def test_fifth_bearer_replaces_the_one_silent_longest(self):
        """UE's default bearer and three dedicated ones; all but 0x1101 stay
        busy. A fifth TEID replaces 0x1101 (the one silent longest); when
        0x1101 speaks again it is a bearer again, replacing the now
        silent-longest. Every frame (to the service) is offloaded, the new
        TEIDs' first ones by the agent."""
        ul0, dl0 = learn_both(first_dst=SERVICE)
        f = lambda t, teid: at(t, uplink(udp(UE, SERVICE, data=b"%x" % teid), teid=teid))
        enb = [ul0, f("0.1", 0x1101), f("0.2", 0x1102), f("0.3", 0x1103),
               f("0.4", UL_TEID), f("0.41", 0x1102), f("0.42", 0x1103),
               f("0.5", 0x1104),                                  # replaces 0x1101
               f("0.6", UL_TEID), f("0.61", 0x1103), f("0.62", 0x1104),
               f("0.7", 0x1101)]                                  # replaces 0x1102

        run = self.replay(config(CACHE), enb=enb, sgw=[dl0])

        self.assertOffloaded(run, enb)
        self.assertEqual(sessions_of(run), sessions(sess(UE, bearers=[0x1103, 0x1104, 0x1101], dl=DL_TEID)))
        self.assertEqual(run.agent("bearer_added"), 5)
        self.assertEqual(run.agent("first_packet_offloaded"), 6)

    def test_ties_keep_the_default_then_the_oldest_extra_goes(self):
        """Four bearers and a fifth within one coarse tick (about a
        millisecond): nobody is silent longer, so the default bearer stays
        and the oldest dedicated one gives way."""
        tick = 2**20
        t0 = ts_ns(T0)
        start = Decimal((t0 // tick + 1) * tick - t0 + 1000) / NS    # just inside a tick
        f = lambda k, teid: at(start + Decimal(k) / 10**5, uplink(udp(UE, SERVICE, data=b"%x" % teid), teid=teid))
        enb = [f(0, UL_TEID), f(1, 0x1101), f(2, 0x1102), f(3, 0x1103), f(4, 0x1104)]

        run = self.replay(config(CACHE), enb=enb)

        self.assertOffloaded(run, enb)
        self.assertEqual(sessions_of(run), sessions(sess(UE, bearers=[0x1102, 0x1103, 0x1104])))

    def test_idle_bearer_aged_out(self):
        """idle_timeout_s 2: a dedicated bearer silent since 0.1 s is removed
        by the idle purge (bearer_aged_out) while its UE stays; when that
        TEID speaks again it is added again."""
        ul0, dl0 = learn_both(first_dst=SERVICE)
        bearer = at("0.1", uplink(udp(UE, SERVICE, data=b"voice"), teid=0x1101))
        own = [at(Decimal(i) / 2, uplink(udp(UE, SERVICE, data=b"data %d" % i))) for i in range(1, 10)]
        back = at("4.8", uplink(udp(UE, SERVICE, data=b"voice again"), teid=0x1101))

        run1 = self.replay(config(CACHE, idle_timeout_s=2, purge_interval_ms=500), enb=[ul0, bearer] + own,
                           sgw=[dl0])
        self.assertEqual(run1.agent("bearer_aged_out"), 1)
        self.assertEqual(sessions_of(run1), sessions(sess(UE, dl=DL_TEID)))

        run = self.replay(config(CACHE, idle_timeout_s=2, purge_interval_ms=500), enb=[ul0, bearer, back] + own,
                          sgw=[dl0])
        self.assertOffloaded(run, [ul0, bearer, back] + own)
        self.assertEqual(run.agent("bearer_aged_out"), 1)
        self.assertEqual(run.agent("bearer_added"), 2)
        self.assertEqual(run.agent("purged_idle"), 0)
        self.assertEqual(sessions_of(run), sessions(sess(UE, bearers=[0x1101], dl=DL_TEID)))


if __name__ == "__main__":
    import sys

    import test_replay
    sys.exit(test_replay.main())
