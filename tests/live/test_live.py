#!/usr/bin/python3
"""Live tests: a real S1-U link in network namespaces (deploy/lab/lab.sh).

sgsnemu is the eNB and its UEs, osmo-ggsn the SGW/PDN gateway; between them
sits the middle box under test, chosen by TOF_LIVE_MIDDLE:

  bridge  (default) a Linux bridge in tof-tof: the no-TOF baseline. The
          bump-in-the-wire tests must pass; the offload tests are skipped.
  tofd    tofd on s1-enb / s1-sgw / apps0 (net_af_packet ports).

Ground truth for every tunnel (UE address, eNB, uplink and downlink TEID)
comes from the GGSN's control plane (its VTY, via lab.sh), which the TOF never
sees; captures at both ends of the S1 link are checked against it.

Run with tests/live/run.sh (root). Environment:
  TOF_LIVE_MIDDLE      bridge | tofd
  TOFD                 the tofd binary (default build/tofd; make test also runs
                       the suite once with build-asan/tofd: any sanitizer report
                       in its log, or an unclean exit, fails the run)
  TOF_LIVE_TOFD_CMD    override the whole tofd command line (runs in tof-tof;
                       {config} is replaced by the generated config's path)
  TOF_LIVE_TOFD_IN_NS  0: run that command in the host's namespace (it joins
                       tof-tof itself, e.g. podman run --network ns:...)
  TOF_LIVE_IDLE_S      tofd idle_timeout_s for the lab (default 3)
  TOF_LIVE_APP_MAC     1: the service in tofd's config names the app's MAC
                       (default: tofd must find it itself)
  TOF_LAB_RUN          the lab's run dir (default /run/tof-lab)
"""
import hashlib
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from collections import namedtuple
from pathlib import Path

from livecap import (NS_APP, NS_ENB, NS_PDN, NS_SGW, NS_TOF, PING_PATTERN, _remove_captures,
                     captures, gpdus, tagged)

ROOT = Path(__file__).resolve().parents[2]
LAB = str(ROOT / "deploy/lab/lab.sh")
LABTOOL = str(ROOT / "deploy/lab/labtool.py")
PY = "/usr/bin/python3"
RUN = Path(os.environ.get("TOF_LAB_RUN", "/run/tof-lab"))
MIDDLE = os.environ.get("TOF_LIVE_MIDDLE", "bridge")
TOFD = os.environ.get("TOFD", str(ROOT / "build/tofd"))
IDLE_S = int(os.environ.get("TOF_LIVE_IDLE_S", "3"))
APP_MAC_IN_CONFIG = os.environ.get("TOF_LIVE_APP_MAC", "0") == "1"
TOFD_API = "http://127.0.0.1:8080"  # tofd's API default, inside tof-tof

SGW_IP = "198.18.0.2"
ENB_IPS = ("198.18.0.1", "198.18.0.11")
PDN_IP = "203.0.113.7"
PINGER_TARGET = "203.0.113.1"
SERVICE_IP = "203.0.113.100"
SERVICE_IP2 = "203.0.113.101"   # where test_26 moves the service by a reload
APP_IP = "198.51.100.10"
APP_GW = "198.51.100.1"
TOF_APPS_MAC = os.environ.get("TOF_APPS_MAC", "02:00:00:74:6f:66")
PDN_PAGE = "tof-lab pdn %s\n" % PDN_IP
APP_PAGE = "tof-lab app %s\n" % APP_IP
NUM_UES, NUM_UES2 = 4, 1         # lab.sh up --ues / --ues2
# UEs kept silent until their test: the pinger case needs a UE that has
# never sent anything, the purge case one whose tunnel only it uses.
PINGER_UE, PURGE_UE = 3, 4

UE = namedtuple("UE", "n enb ip tun sgw ul dl")


def log(msg):
    print("live: " + msg, file=sys.stderr, flush=True)


def run(args, timeout=30, check=False, ns=None, input=None):
    """Run a command (in a namespace); CompletedProcess with text output."""
    if ns:
        args = ["ip", "netns", "exec", ns] + list(args)
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=timeout, input=input)
    if check and p.returncode != 0:
        raise AssertionError("%s: exit %d\n%s%s" % (" ".join(map(str, args)), p.returncode,
                                                     p.stdout[-2000:], p.stderr[-2000:]))
    return p


def lab(*args, timeout=60, check=True):
    return run([LAB] + list(args), timeout=timeout, check=check)


def wait_until(pred, timeout, what, interval=0.1):
    end = time.monotonic() + timeout
    while True:
        if pred():
            return
        if time.monotonic() > end:
            raise AssertionError("%s: not within %.1fs" % (what, timeout))
        time.sleep(interval)


def ues():
    """The lab's UE table (ground truth from the GGSN)."""
    res = []
    for line in (RUN / "ues").read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        n, enb, ip, tun, sgw, ul, dl = line.split()
        res.append(UE(int(n), enb, ip, tun, sgw, int(ul, 16), int(dl, 16)))
    return res


def ue(n):
    for u in ues():
        if u.n == n:
            return u
    raise AssertionError("no UE %d in the lab" % n)


def general_ues():
    """UEs any test may use. With the bridge the reserved ones are unused
    otherwise, so they join in."""
    if MIDDLE == "bridge":
        return ues()
    return [u for u in ues() if u.n not in (PINGER_UE, PURGE_UE)]


def ue_run(n, args, timeout=30):
    return lab("exec-ue", str(n), *args, timeout=timeout, check=False)


def ue_ping(n, dst, count=5, interval=0.2, size=None, wait=2, extra=()):
    args = ["ping", "-n", "-q", "-c", str(count), "-i", str(interval), "-W", str(wait), "-p", PING_PATTERN]
    if size is not None:
        args += ["-s", str(size)]
    args += list(extra) + [dst]
    p = ue_run(n, args, timeout=count * interval + wait + 10)
    m = re.search(r"(\d+) packets transmitted, (\d+) received", p.stdout)
    sent, got = (int(m.group(1)), int(m.group(2))) if m else (count, 0)
    return sent, got, p


def ue_curl(n, url, timeout=10, out=None):
    args = ["curl", "-sS", "--max-time", str(timeout)]
    if out:
        args += ["-o", out]
    return ue_run(n, args + [url], timeout=timeout + 10)


def sha256_file(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def gtpu_echo(ns, src, dst, timeout=1.0, tries=2):
    p = run([PY, LABTOOL, "gtpu-echo", src, dst, "--timeout", str(timeout), "--tries", str(tries)],
            ns=ns, timeout=timeout * tries + 10)
    return p.returncode == 0


# ---------------------------------------------------------------------------
# The middle box. start_middle()/stop_middle() are the only places that know
# what sits between s1-enb and s1-sgw.

_tofd = {"proc": None, "log": None}


def _tofd_config_path():
    return RUN / "tofd.json"


def _tofd_launch():
    """Start tofd in tof-tof and wait until GTP-U crosses it."""
    cmd = os.environ.get("TOF_LIVE_TOFD_CMD")
    if cmd:
        argv = shlex.split(cmd.replace("{config}", str(_tofd_config_path())))
    else:
        # EAL arguments and ports live in the config (lab.sh tofd-config).
        argv = [TOFD, "run", "--config", str(_tofd_config_path())]
    logpath = RUN / "tofd.log"
    start_at = logpath.stat().st_size if logpath.exists() else 0
    logf = open(logpath, "ab")
    # a command that joins tof-tof itself (podman run --network ns:...) is
    # started from the host's namespace
    in_ns = ["ip", "netns", "exec", NS_TOF] if os.environ.get("TOF_LIVE_TOFD_IN_NS", "1") != "0" else []
    proc = subprocess.Popen(in_ns + argv, stdout=logf, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    (RUN / "tofd.pid").write_text("%d\n" % proc.pid)  # lab.sh down ends it too
    _tofd.update(proc=proc, log=logf)
    # Ready when a GTP-U echo from the eNB to the SGW is answered: without a
    # bridge only a forwarding tofd can carry it (tofd also logs
    # "tofd run: ready", reported below when start-up fails).
    end = time.monotonic() + 20
    while True:
        if proc.poll() is not None:
            raise AssertionError("tofd exited with %s at start-up:\n%s" % (proc.returncode, tofd_log_tail()))
        if gtpu_echo(NS_ENB, ENB_IPS[0], SGW_IP, timeout=0.3, tries=1):
            return
        if time.monotonic() > end:
            with open(logpath, "rb") as f:
                f.seek(start_at)
                said = b"tofd run: ready" in f.read()
            raise AssertionError("tofd: no GTP-U echo across it within 20s (it %s it was ready):\n%s"
                                 % ("said" if said else "never said", tofd_log_tail()))


def _tofd_stop(timeout=10):
    """SIGTERM tofd; its exit status (None if it had to be killed)."""
    proc = _tofd["proc"]
    if proc is None:
        return 0
    rc = proc.poll()
    if rc is None:
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
            rc = None
    _tofd.update(proc=None)
    if _tofd["log"]:
        _tofd["log"].close()
        _tofd["log"] = None
    try:
        (RUN / "tofd.pid").unlink()
    except OSError:
        pass
    return rc


def tofd_log_tail(n=40):
    try:
        return "\n".join((RUN / "tofd.log").read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return "(no tofd.log)"


def start_middle():
    """Bring the lab up with the middle box in place and the UEs attached."""
    if MIDDLE == "bridge":
        lab("up", "--bridge", "--ues", str(NUM_UES), "--ues2", str(NUM_UES2))
    elif MIDDLE == "tofd":
        lab("up", "--ues", str(NUM_UES), "--ues2", str(NUM_UES2))
        opts = ["--idle", str(IDLE_S)] + (["--app-mac"] if APP_MAC_IN_CONFIG else [])
        conf = lab("tofd-config", *opts).stdout
        _tofd_config_path().write_text(conf)
        _tofd_launch()
        lab("enb-up", timeout=90)
    else:
        raise SystemExit("TOF_LIVE_MIDDLE must be bridge or tofd, not %r" % MIDDLE)


def stop_middle():
    """Stop the middle box and tear the whole lab down. Returns tofd's exit status."""
    rc = None
    if MIDDLE == "tofd":
        rc = _tofd_stop()
    lab("down", check=False)
    return rc


def restart_middle():
    """Stop and start the middle box under live traffic; the lab stays up.
    Returns the stopped tofd's exit status."""
    if MIDDLE != "tofd":
        raise unittest.SkipTest("restart needs tofd")
    rc = _tofd_stop()
    _tofd_launch()
    return rc


def reload_middle():
    """SIGHUP to the middle tofd (through podman when it runs in a container:
    podman passes signals on)."""
    if MIDDLE != "tofd" or _tofd["proc"] is None:
        raise unittest.SkipTest("reload needs tofd")
    _tofd["proc"].send_signal(signal.SIGHUP)


def tofd_api(path, timeout=5):
    """GET from tofd's REST API (inside tof-tof); parsed JSON or None."""
    if MIDDLE != "tofd":
        return None
    p = run(["curl", "-sf", "--max-time", str(timeout), TOFD_API + path], ns=NS_TOF, timeout=timeout + 5)
    if p.returncode != 0:
        return None
    try:
        return json.loads(p.stdout)
    except ValueError:
        return None


def tofd_sessions():
    """The sessions tofd has learned (GET /tunnels, all pages), as dicts:
    {"ue", "enb", "sgw", "uplink_teid", "downlink_teid", "pinger", ...};
    None when there is no way to read them (no API)."""
    out, cursor = [], None
    while True:
        page = tofd_api("/tunnels?limit=10000" + ("&cursor=%s" % cursor if cursor else ""))
        if page is None:
            return None
        out += page.get("sessions", [])
        cursor = page.get("next")
        if not cursor:
            return out


_state = {"failed": False}


def setUpModule():
    t0 = time.monotonic()
    try:
        start_middle()
    except BaseException:
        _state["failed"] = True
        log("lab start failed; logs:")
        print(lab("logs", check=False).stdout, file=sys.stderr)
        stop_middle()
        _remove_captures()
        raise
    log("lab up with middle=%s in %.1fs: %d UEs" % (MIDDLE, time.monotonic() - t0, len(ues())))


def tofd_exit_problem(rc):
    """Why tofd's run was not clean: its last exit status (SIGTERM must
    give 0), or a sanitizer report in its log (the ASan/UBSan build)."""
    text = tofd_log_tail(n=100000)
    for mark in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
        if mark in text:
            at = text.index(mark)
            return "tofd: sanitizer report in its log:\n" + text[max(0, at - 200):at + 3000]
    if rc != 0:
        return "tofd exited with %s on SIGTERM at the end:\n%s" % (rc, tofd_log_tail())
    return None


def tearDownModule():
    problem = tofd_exit_problem(_tofd_stop()) if MIDDLE == "tofd" else None
    if _state["failed"] or problem:
        log("failures: lab logs follow")
        print(lab("logs", check=False).stdout, file=sys.stderr)  # tofd.log too
    stop_middle()
    _remove_captures()
    if problem:
        raise AssertionError(problem)


# ---------------------------------------------------------------------------
# Bump in the wire: must hold for any middle box.

class S1Link(unittest.TestCase):
    """The S1-U link works through the middle box, which stays invisible."""

    def test_01_ue_pings_pdn(self):
        u = general_ues()[0]
        for dst in (PDN_IP, PINGER_TARGET):
            sent, got, p = ue_ping(u.n, dst, count=5)
            self.assertEqual((sent, got), (5, 5), "UE %d -> %s: %s%s" % (u.n, dst, p.stdout, p.stderr))

    def test_02_ue_curls_pdn(self):
        u = general_ues()[0]
        p = ue_curl(u.n, "http://%s/" % PDN_IP)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, PDN_PAGE)

    def test_03_bulk_download_intact(self):
        """1 MiB from the PDN, byte for byte (full-size packets, TCP through GTP)."""
        u = general_ues()[0]
        with tempfile.NamedTemporaryFile(prefix="tof-live-") as f:
            p = ue_curl(u.n, "http://%s/big.bin" % PDN_IP, timeout=30, out=f.name)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(sha256_file(f.name), sha256_file(RUN / "www-pdn/big.bin"))

    def test_04_several_ues_reach_pdn(self):
        """Every UE, on both eNBs, at the same time: ping and curl."""
        todo = general_ues()
        self.assertGreaterEqual(len({u.enb for u in todo}), 2, "UEs on two eNBs")
        self.assertGreaterEqual(len(todo), 3)
        errs = []

        def one(u):
            sent, got, p = ue_ping(u.n, PDN_IP, count=3)
            if got != sent:
                errs.append("UE %d ping: %d/%d" % (u.n, got, sent))
            c = ue_curl(u.n, "http://%s/" % PDN_IP)
            if c.returncode != 0 or c.stdout != PDN_PAGE:
                errs.append("UE %d curl: rc %d %r %s" % (u.n, c.returncode, c.stdout, c.stderr))

        threads = [threading.Thread(target=one, args=(u,)) for u in todo]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(errs, [])

    def test_05_gpdus_carry_the_real_teids(self):
        """G-PDUs at both ends of the S1 link, both directions, with the TEIDs the GGSN
        allocated (uplink) and the eNB allocated (downlink), per UE."""
        todo = general_ues()
        with captures("enb", "sgw", bpf="udp port 2152") as caps:
            for u in todo:
                sent, got, _ = ue_ping(u.n, PDN_IP, count=2, interval=0.2)
                self.assertEqual(got, sent, "UE %d" % u.n)
        try:
            for name, cap in caps.items():
                pk = tagged(cap.packets())
                for u in todo:
                    up = gpdus(pk, src=u.enb, dst=u.sgw, inner_src=u.ip, inner_dst=PDN_IP)
                    down = gpdus(pk, src=u.sgw, dst=u.enb, inner_src=PDN_IP, inner_dst=u.ip)
                    self.assertEqual(len(up), 2, "%s: uplink G-PDUs of UE %d" % (name, u.n))
                    self.assertEqual(len(down), 2, "%s: downlink G-PDUs of UE %d" % (name, u.n))
                    self.assertEqual({p.teid for p in up}, {u.ul}, "%s: uplink TEID of UE %d" % (name, u.n))
                    self.assertEqual({p.teid for p in down}, {u.dl}, "%s: downlink TEID of UE %d" % (name, u.n))
                    self.assertTrue(all(p.inner.icmp_type == 8 for p in up))
                    self.assertTrue(all(p.inner.icmp_type == 0 for p in down))
                # tshark's GTP dissector agrees on the TEIDs
                rows = cap.tshark("gtp.message == 0xff && icmp", "ip.src", "ip.dst", "gtp.teid")
                seen = set()
                for src, dst, teid in rows:
                    seen.add((src.split(",")[0], dst.split(",")[0], int(teid, 0)))
                for u in todo:
                    self.assertIn((u.enb, u.sgw, u.ul), seen, "%s: tshark uplink UE %d" % (name, u.n))
                    self.assertIn((u.sgw, u.enb, u.dl), seen, "%s: tshark downlink UE %d" % (name, u.n))
            # the lab gives uplink and downlink different TEIDs (eNB1 vs eNB2
            # numbering), so a TOF that mixes them up cannot pass by luck
            self.assertTrue(any(u.ul != u.dl for u in todo))
        finally:
            for c in caps.values():
                c.cleanup()

    def test_06_forwarded_frames_unchanged(self):
        """Every G-PDU the eNB sent reaches the SGW side byte for byte (MACs
        included), and every one the eNB received left the SGW byte for byte."""
        todo = general_ues()
        with captures("enb", "sgw", bpf="udp port 2152") as caps:
            time.sleep(0.1)
            for u in todo:
                ue_ping(u.n, PDN_IP, count=2, interval=0.1)
            c = ue_curl(todo[0].n, "http://%s/" % PDN_IP)
            self.assertEqual(c.returncode, 0, c.stderr)
            time.sleep(0.3)
        try:
            enb = caps["enb"].packets()
            sgw = caps["sgw"].packets()
            ue_ips = {u.ip for u in todo}
            # the UEs' own traffic (pinger probes/replies a TOF adds are not theirs)
            def mine(pk, up):
                return [p.raw for p in pk if p.gtp_type == 0xFF and p.inner
                        and (p.inner.src if up else p.inner.dst) in ue_ips
                        and (p.dst == SGW_IP) == up
                        and not (p.inner.proto == 1 and PINGER_TARGET in (p.inner.src, p.inner.dst)
                                 and bytes.fromhex(PING_PATTERN) not in p.inner.payload)]
            up_enb, up_sgw = mine(enb, True), mine(sgw, True)
            dn_enb, dn_sgw = mine(enb, False), mine(sgw, False)
            self.assertGreater(len(up_enb), 2 * len(todo))
            self.assertGreater(len(dn_enb), 2 * len(todo))
            self.assertEqual(sorted(up_enb), sorted(up_sgw), "uplink frames differ between eNB and SGW side")
            self.assertEqual(sorted(dn_enb), sorted(dn_sgw), "downlink frames differ between SGW and eNB side")
        finally:
            for c in caps.values():
                c.cleanup()

    def test_07_gtpu_echo_passes(self):
        """GTP-U Echo Request/Response across the middle, both ways. Neither
        osmo-ggsn nor sgsnemu sends GTP-U echo by itself (only GTP-C echo),
        but both answer it, so the test asks from the peer's own address."""
        with captures("enb", "sgw", bpf="udp port 2152") as caps:
            self.assertTrue(gtpu_echo(NS_ENB, ENB_IPS[0], SGW_IP), "eNB -> SGW echo unanswered")
            self.assertTrue(gtpu_echo(NS_SGW, SGW_IP, ENB_IPS[0]), "SGW -> eNB echo unanswered")
            self.assertTrue(gtpu_echo(NS_SGW, SGW_IP, ENB_IPS[1]), "SGW -> eNB2 echo unanswered")
        try:
            for name, cap in caps.items():
                msgs = {(p.src, p.dst, p.gtp_type) for p in cap.packets() if p.gtp_type in (1, 2)}
                for a, b in ((ENB_IPS[0], SGW_IP), (SGW_IP, ENB_IPS[0]), (SGW_IP, ENB_IPS[1])):
                    self.assertIn((a, b, 1), msgs, "%s: Echo Request %s -> %s" % (name, a, b))
                    self.assertIn((b, a, 2), msgs, "%s: Echo Response %s -> %s" % (name, b, a))
                rows = cap.tshark("gtp.message == 1 || gtp.message == 2", "gtp.message")
                self.assertEqual(len(rows), 6, "%s: tshark sees 3 echo pairs" % name)
        finally:
            for c in caps.values():
                c.cleanup()

    def test_08_gtpc_echo_passes(self):
        """The GGSN's periodic GTP-C echo (echo-interval, lab default 3 s)
        reaches each eNB and is answered, seen at both ends."""
        interval = 3
        for line in (RUN / "lab.env").read_text().splitlines():
            if line.startswith("ECHO_INTERVAL="):
                interval = int(line.split("=", 1)[1])
        if interval <= 0:
            self.skipTest("GGSN echo-interval is off")
        with captures("enb", "sgw", bpf="udp port 2123") as caps:
            def both_seen():
                for cap in caps.values():
                    # GTPv1-C message type: the second byte after the UDP header
                    got = {(p.src, p.dst, p.raw[14 + 20 + 8 + 1]) for p in cap.packets()
                           if 2123 in (p.sport, p.dport) and len(p.raw) > 14 + 20 + 8 + 1}
                    if not ((SGW_IP, ENB_IPS[0], 1) in got and (ENB_IPS[0], SGW_IP, 2) in got):
                        return False
                return True
            wait_until(both_seen, interval * 2 + 2, "GTP-C echo SGW -> eNB and back at both ends", 0.3)
        for c in caps.values():
            c.cleanup()

    def test_09_large_packets_and_fragments(self):
        """A UE sends 1400-byte packets (its tun MTU), the PDN sends it 1500-byte
        ones (1536 on S1) and the UE's 1500-byte replies leave it as fragments."""
        u = general_ues()[0]
        sent, got, p = ue_ping(u.n, PDN_IP, count=3, size=1372, extra=("-M", "do"))
        self.assertEqual(got, sent, p.stdout + p.stderr)
        p = run(["ping", "-n", "-q", "-c", "3", "-i", "0.2", "-W", "2", "-s", "1472", u.ip],
                ns=NS_PDN, timeout=20)
        self.assertIn("3 received", p.stdout, p.stdout + p.stderr)

    def test_10_service_unanswered_without_tof(self):
        """Baseline: with a plain bridge nobody answers the service IP (the
        GGSN drops it), so the offload tests cannot pass without the TOF."""
        if MIDDLE != "bridge":
            self.skipTest("baseline for the bridge only")
        u = general_ues()[0]
        sent, got, _ = ue_ping(u.n, SERVICE_IP, count=2, interval=0.2, wait=1)
        self.assertEqual(got, 0)
        c = ue_curl(u.n, "http://%s/" % SERVICE_IP, timeout=2)
        self.assertNotEqual(c.returncode, 0)


# ---------------------------------------------------------------------------
# The TOF at work: skipped unless the middle box is tofd.

@unittest.skipUnless(MIDDLE == "tofd", "needs tofd as the middle box (TOF_LIVE_MIDDLE=tofd); "
                     "a bridge does not offload, ping as UEs, learn, purge or restart")
class Offload(unittest.TestCase):

    def assert_service_reply_in_tunnel(self, pkts, u, what):
        """Downlink G-PDUs from the service IP to UE u, in u's downlink TEID,
        outer SGW -> u's eNB."""
        down = gpdus(pkts, inner_src=SERVICE_IP, inner_dst=u.ip)
        self.assertTrue(down, "%s: no reply from %s to UE %d at the eNB" % (what, SERVICE_IP, u.n))
        for p in down:
            self.assertEqual((p.src, p.dst, p.teid), (u.sgw, u.enb, u.dl),
                             "%s: reply to UE %d in the wrong tunnel" % (what, u.n))
            self.assertEqual(p.sport, 2152)
        return down

    def assert_no_leak(self, sgw_pkts, u, what):
        """Nothing UE u sent to the service IP reached the SGW side."""
        leak = [p for p in gpdus(sgw_pkts, inner_src=u.ip) if p.inner.dst == SERVICE_IP]
        self.assertEqual(leak, [], "%s: UE %d's packets to the service reached the SGW" % (what, u.n))

    def pinger_probes(self, sgw_pkts, u):
        """Echo requests as UE u to the pinger target, in u's uplink tunnel."""
        return [p for p in gpdus(sgw_pkts, src=u.enb, dst=u.sgw, teid=u.ul, inner_src=u.ip,
                                 inner_dst=PINGER_TARGET) if p.inner.icmp_type == 8]

    def test_20_service_curl_and_ping(self):
        """The UE calls the service IP: the app answers, and the answers come
        back inside the UE's downlink tunnel; the SGW never sees them."""
        u = general_ues()[0]
        sent, got, _ = ue_ping(u.n, PDN_IP, count=2)  # downlink learned from real traffic
        self.assertEqual(got, sent)
        with captures("enb", "sgw", "app") as caps:
            c = ue_curl(u.n, "http://%s/" % SERVICE_IP)
            self.assertEqual(c.returncode, 0, c.stderr)
            self.assertEqual(c.stdout, APP_PAGE)
            sent, got, p = ue_ping(u.n, SERVICE_IP, count=3)
            self.assertEqual((sent, got), (3, 3), p.stdout)
        try:
            enb = caps["enb"].packets()
            down = self.assert_service_reply_in_tunnel(enb, u, "service")
            self.assertTrue(any(p.inner.proto == 6 and p.inner.sport == 80 for p in down), "HTTP reply")
            self.assertTrue(any(p.inner.proto == 1 and p.inner.icmp_type == 0 for p in down), "echo reply")
            sgw = caps["sgw"].packets()
            leak = [p for p in sgw if p.inner and SERVICE_IP in (p.inner.src, p.inner.dst)]
            self.assertEqual(leak, [], "service traffic reached the SGW side")
            apps = caps["app"].packets()
            to_app = [p for p in apps if p.src == u.ip and p.dst == APP_IP]
            from_app = [p for p in apps if p.src == APP_IP and p.dst == u.ip]
            self.assertTrue(any(p.proto == 6 and p.dport == 80 for p in to_app),
                            "decapsulated HTTP to the app")
            self.assertTrue(from_app, "app replies on its link")
            self.assertTrue(all(p.gtp_type is None for p in to_app + from_app), "no GTP on the apps port")
            # the app reached the UE through the TOF's apps MAC (proxy ARP or static)
            n = run(["ip", "neigh", "show", APP_GW, "dev", "app0"], ns=NS_APP).stdout
            self.assertIn(TOF_APPS_MAC, n.lower(), "app's neighbour for %s: %r" % (APP_GW, n))
        finally:
            for c in caps.values():
                c.cleanup()

    def test_21_service_bulk_intact(self):
        u = general_ues()[0]
        ue_ping(u.n, PDN_IP, count=1)
        with tempfile.NamedTemporaryFile(prefix="tof-live-") as f:
            p = ue_curl(u.n, "http://%s/big.bin" % SERVICE_IP, timeout=30, out=f.name)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(sha256_file(f.name), sha256_file(RUN / "www-app/big.bin"))

    def test_22_pinger_finds_the_downlink(self):
        """A UE that talks only to the service: the SGW never sends it
        anything, so the TOF pings as the UE to learn its downlink TEID."""
        u = ue(PINGER_UE)
        with captures("enb", "sgw", "app") as caps:
            c = ue_curl(u.n, "http://%s/" % SERVICE_IP, timeout=15)
            self.assertEqual(c.returncode, 0, c.stderr)
            self.assertEqual(c.stdout, APP_PAGE)
        try:
            enb, sgw = caps["enb"].packets(), caps["sgw"].packets()
            # The UE's very first packet (its SYN, from a tunnel the TOF had
            # never seen) reached the app, and nothing of it the core.
            self.assert_no_leak(sgw, u, "first contact")
            syns = [p for p in caps["app"].packets()
                    if p.src == u.ip and p.dst == APP_IP and p.proto == 6]
            self.assertTrue(syns, "the UE's first packets reached the app")
            probes = self.pinger_probes(sgw, u)
            self.assertTrue(probes, "no pinger probe as UE %d in its uplink tunnel at the SGW" % u.n)
            self.assertEqual(gpdus(enb, inner_src=u.ip, inner_dst=PINGER_TARGET), [],
                             "the probe came from the UE, not the TOF")
            replies = gpdus(sgw, src=u.sgw, dst=u.enb, teid=u.dl, inner_src=PINGER_TARGET, inner_dst=u.ip)
            self.assertTrue(replies, "probe reply in UE %d's downlink tunnel at the SGW" % u.n)
            self.assertEqual(gpdus(enb, inner_src=PINGER_TARGET, inner_dst=u.ip), [],
                             "probe replies must be consumed, not delivered to the UE")
            self.assert_service_reply_in_tunnel(enb, u, "pinger case")
            self.assertEqual([p for p in gpdus(enb, inner_dst=u.ip) if p.inner.src != SERVICE_IP], [],
                             "UE %d got nothing but the service's replies" % u.n)
        finally:
            for c in caps.values():
                c.cleanup()

    def test_23_idle_purge(self):
        """A session idle past idle_timeout_s is forgotten: the next call to
        the service learns it again (and pings again for its downlink)."""
        u = ue(PURGE_UE)
        with captures("sgw") as caps:
            c = ue_curl(u.n, "http://%s/" % SERVICE_IP, timeout=15)
            self.assertEqual(c.returncode, 0, c.stderr)
        first = self.pinger_probes(caps["sgw"].packets(), u)
        caps["sgw"].cleanup()
        self.assertTrue(first, "first contact: pinger probe for UE %d" % u.n)
        time.sleep(IDLE_S + 2.5)  # idle timeout + purge interval + slack
        sessions = tofd_sessions()
        if sessions is not None:
            self.assertNotIn(u.ip, {s.get("ue") for s in sessions}, "UE %d still known after idle" % u.n)
        with captures("sgw") as caps:
            c = ue_curl(u.n, "http://%s/" % SERVICE_IP, timeout=15)
            self.assertEqual(c.returncode, 0, c.stderr)
        self.assert_no_leak(caps["sgw"].packets(), u, "after the purge")
        again = self.pinger_probes(caps["sgw"].packets(), u)
        caps["sgw"].cleanup()
        self.assertTrue(again, "after the purge the TOF must learn UE %d again (pinger probe)" % u.n)

    def test_24_restart_during_traffic(self):
        """tofd restarted under traffic: SIGTERM exits cleanly, traffic
        resumes, tunnels are re-learned with the right TEIDs."""
        u = general_ues()[0]
        count, interval = 60, 0.1
        out = {}

        def pinger():
            out["r"] = ue_ping(u.n, PDN_IP, count=count, interval=interval, wait=1)

        t = threading.Thread(target=pinger)
        t.start()
        time.sleep(1.5)
        t0 = time.monotonic()
        rc = restart_middle()
        down_s = time.monotonic() - t0
        t.join(count * interval + 30)
        self.assertEqual(rc, 0, "tofd exit status on SIGTERM")
        sent, got, p = out["r"]
        lost = sent - got
        self.assertLessEqual(lost, int(down_s / interval) + 5,
                             "lost %d of %d pings over a %.1fs restart" % (lost, sent, down_s))
        with captures("enb") as caps:
            s2, g2, _ = ue_ping(u.n, PDN_IP, count=5)
            self.assertEqual(g2, s2, "traffic after the restart")
            c = ue_curl(u.n, "http://%s/" % SERVICE_IP, timeout=15)
            self.assertEqual(c.returncode, 0, c.stderr)
            self.assertEqual(c.stdout, APP_PAGE)
        self.assert_service_reply_in_tunnel(caps["enb"].packets(), u, "after restart")
        caps["enb"].cleanup()
        sessions = tofd_sessions()
        if sessions is not None:
            s = [x for x in sessions if x.get("ue") == u.ip]
            self.assertEqual(len(s), 1)
            self.assertEqual((s[0]["enb"], s[0]["sgw"], s[0]["uplink_teid"], s[0]["downlink_teid"]),
                             (u.enb, u.sgw, u.ul, u.dl))

    def test_26_app_learns_path_mtu(self):
        """An app's reply that would not fit s1_mtu once in the tunnel: the
        app's own stack hears "fragmentation needed" with the size that fits
        (from the service IP) and remembers that path MTU."""
        u = general_ues()[0]
        sent, got, _ = ue_ping(u.n, PDN_IP, count=1)  # a downlink to encapsulate into
        self.assertEqual(got, sent)
        conf = json.loads(_tofd_config_path().read_text())
        fits = conf["s1_mtu"] - (20 + 8 + 8)  # outer IPv4, UDP, GTP-U
        # the app's link takes more than that (as a jumbo-frame LAN would)
        for ns, ifc in ((NS_APP, "app0"), (NS_TOF, "apps0")):
            run(["ip", "link", "set", ifc, "mtu", "2000"], ns=ns, check=True)
        try:
            run(["ip", "route", "flush", "cache"], ns=NS_APP)
            p = run(["ping", "-n", "-c", "1", "-W", "3", "-M", "do", "-s", str(fits + 100 - 28),
                     u.ip], ns=NS_APP, timeout=15)
            self.assertIn("From %s" % SERVICE_IP, p.stdout, p.stdout + p.stderr)
            self.assertIn("mtu = %d" % fits, p.stdout, p.stdout + p.stderr)
            r = run(["ip", "-4", "route", "get", u.ip], ns=NS_APP, check=True).stdout
            self.assertIn("mtu %d" % fits, r, "the app's kernel did not take the path MTU")
            st = tofd_api("/stats")
            self.assertGreaterEqual(st["icmp_errors"], 1)
        finally:
            for ns, ifc in ((NS_APP, "app0"), (NS_TOF, "apps0")):
                run(["ip", "link", "set", ifc, "mtu", "1500"], ns=ns)
            run(["ip", "route", "flush", "cache"], ns=NS_APP)

    def test_27_app_port_unreachable_reaches_ue_socket(self):
        """A UE's datagram to a service port the app does not serve: the
        app's "port unreachable" reaches the UE translated inside too, so
        the UE's socket (connected to the service IP) gets ECONNREFUSED."""
        u = general_ues()[0]
        sent, got, _ = ue_ping(u.n, PDN_IP, count=1)
        self.assertEqual(got, sent)
        probe = ("import os, socket\n"
                 "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                 "s.bind((os.environ['UE_IP'], 0))\n"
                 "s.connect(('%s', 9))\n"
                 "s.settimeout(3)\n"
                 "for _ in range(3):\n"
                 "    try:\n"
                 "        s.send(b'tof-lab')\n"
                 "        s.recv(100)\n"
                 "    except ConnectionRefusedError:\n"
                 "        print('refused'); break\n"
                 "    except socket.timeout:\n"
                 "        print('timeout')\n" % SERVICE_IP)
        p = ue_run(u.n, [PY, "-c", probe], timeout=30)
        self.assertIn("refused", p.stdout, p.stdout + p.stderr)

    def test_25_tunnels_learned(self):
        """Every UE that sent traffic is a session with the TEIDs the control
        plane allocated (which the TOF never saw)."""
        todo = general_ues()
        for u in todo:
            sent, got, _ = ue_ping(u.n, PDN_IP, count=1)
            self.assertEqual(got, sent)
        sessions = tofd_sessions()
        if sessions is None:
            self.skipTest("cannot read tofd's sessions (GET /tunnels on its API failed)")
        by_ue = {s.get("ue"): s for s in sessions}
        for u in todo:
            self.assertIn(u.ip, by_ue, "UE %d not learned" % u.n)
            s = by_ue[u.ip]
            self.assertEqual((s["enb"], s["sgw"], s["uplink_teid"], s["downlink_teid"]),
                             (u.enb, u.sgw, u.ul, u.dl), "UE %d" % u.n)


    def test_26_reload_keeps_sessions(self):
        """SIGHUP with the service moved to another service IP in the config
        file: the new IP reaches the app at once, the old one no longer
        does, and every learned session stays with its TEIDs."""
        u = general_ues()[0]
        sent, got, _ = ue_ping(u.n, PDN_IP, count=2)
        self.assertEqual(got, sent)
        before = tofd_sessions()
        if before is None:
            self.skipTest("cannot read tofd's sessions")
        keep = {s["ue"]: (s["enb"], s["uplink_teid"], s["downlink_teid"]) for s in before}
        self.assertIn(u.ip, keep)
        path = _tofd_config_path()
        orig = path.read_text()
        conf = json.loads(orig)
        conf["services"][0]["serviceIP"] = SERVICE_IP2
        try:
            path.write_text(json.dumps(conf))
            reload_middle()
            wait_until(lambda: (tofd_api("/service/cache") or {}).get("serviceIP") == SERVICE_IP2, 10,
                       "the service moved to %s" % SERVICE_IP2)
            after = {s["ue"]: (s["enb"], s["uplink_teid"], s["downlink_teid"]) for s in tofd_sessions()}
            for ue_ip, tun in keep.items():
                self.assertEqual(after.get(ue_ip), tun, "session of %s after the reload" % ue_ip)
            c = ue_curl(u.n, "http://%s/" % SERVICE_IP2, timeout=15)
            self.assertEqual(c.returncode, 0, c.stderr)
            self.assertEqual(c.stdout, APP_PAGE)
            c = ue_curl(u.n, "http://%s/" % SERVICE_IP, timeout=2)
            self.assertNotEqual(c.returncode, 0, "the old service IP still reaches the app")
        finally:
            path.write_text(orig)
            reload_middle()
            wait_until(lambda: (tofd_api("/service/cache") or {}).get("serviceIP") == SERVICE_IP, 10,
                       "the service back on %s" % SERVICE_IP)


# ---------------------------------------------------------------------------

class _Result(unittest.TextTestResult):
    def addFailure(self, test, err):
        _state["failed"] = True
        super().addFailure(test, err)

    def addError(self, test, err):
        _state["failed"] = True
        super().addError(test, err)


def main():
    if os.geteuid() != 0:
        print("tests/live needs root (network namespaces)", file=sys.stderr)
        print("0 passed, 1 failed, 0 skipped")
        return 1
    t0 = time.monotonic()
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    if len(sys.argv) > 1:  # names of tests to run, e.g. S1Link.test_01_ue_pings_pdn
        suite = unittest.defaultTestLoader.loadTestsFromNames(sys.argv[1:], sys.modules[__name__])
    runner = unittest.TextTestRunner(verbosity=2, resultclass=_Result, stream=sys.stdout)
    try:
        res = runner.run(suite)
    except KeyboardInterrupt:
        log("interrupted: tearing the lab down")
        if MIDDLE == "tofd":
            _tofd_stop(timeout=3)
        lab("down", check=False)
        _remove_captures()
        print("0 passed, 1 failed, 0 skipped")
        return 130
    failed = len(res.failures) + len(res.errors) + len(res.unexpectedSuccesses)
    skipped = len(res.skipped)
    passed = res.testsRun - failed - skipped
    print("live: middle=%s, %.1fs" % (MIDDLE, time.monotonic() - t0))
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 0 if failed == 0 and res.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
