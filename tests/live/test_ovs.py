#!/usr/bin/python3
"""Live tests of port chains: the lab with its apps side on Open vSwitch
(deploy/lab/lab.sh up --ovs): sgsnemu <-> tofd <-> osmo-ggsn on S1-U,
tofd's apps port a port of an OVS bridge (netdev datapath), the apps and
two transparent functions (Linux bridge + nftables counters) podman
containers on it. Each test is one of the issue's "done when" items.

TOF_LIVE_MIDDLE=ovs: tofd on DPDK, its port a vhost-user one.
TOF_LIVE_MIDDLE=ovs-kernel: tofd in kernel mode (Linux bridge + NFQUEUE on
S1), its port a system port, the OVS end of the veth apps0 - tof0 it makes;
the same tests but the DPDK app's (a property of OVS, not of tofd).

Oracles: what the UE gets (curl, ping, UDP echoes), the functions' own
nftables counters per direction, the bridge's flows as ovs-ofctl shows
them, and /health. Run with tests/live/run.sh.
"""
import json
import os
import re
import subprocess
import sys
import threading
import time
import unittest
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_live import (LAB, LABTOOL, NS_ENB, NS_TOF, PY, RUN, ROOT, SERVICE_IP, TOFD,  # noqa: E402
                       _Result, _remove_captures, _state, gtpu_echo, lab, log, run, ue_curl,
                       ue_ping, ue_run, ues, wait_until)

OVS_SH = str(ROOT / "deploy/ovs/ovs.sh")
OVS_RUN = str(RUN / "ovs")
BRIDGE = "br-tof"
APP1_IP, APP2_IP, DPDK_APP_IP = "198.51.100.10", "198.51.100.11", "198.51.100.12"
WEB_IP, DPDK_SVC_IP = "203.0.113.101", "203.0.113.102"
API = "http://127.0.0.1:8080"
FW = {"hops": [{"ingress": "fw1-in", "egress": "fw1-out"}, {"ingress": "fw2-in", "egress": "fw2-out"}]}
FW1ONLY = {"hops": [{"ingress": "fw1-in", "egress": "fw1-out"}]}
CACHE = {"name": "cache", "serviceIP": SERVICE_IP, "applicationIP": APP1_IP, "chain": "fw",
         "applicationPort": "app1"}
PAGE = "tof-lab app %s\n"
KERNEL = os.environ.get("TOF_LIVE_MIDDLE") == "ovs-kernel"

_tofd = {"proc": None, "log": None}


# --- the lab and tofd --------------------------------------------------------

def tofd_start():
    conf = json.loads(lab("tofd-config", "--idle", "300", *(["--kernel"] if KERNEL else [])).stdout)
    conf["state_file"] = str(RUN / "ovs-state.json")
    (RUN / "tofd.json").write_text(json.dumps(conf))
    logf = open(RUN / "tofd.log", "ab")
    proc = subprocess.Popen(["ip", "netns", "exec", NS_TOF, TOFD, "run", "--config",
                             str(RUN / "tofd.json")], stdout=logf, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    (RUN / "tofd.pid").write_text("%d\n" % proc.pid)
    _tofd.update(proc=proc, log=logf)
    wait_until(lambda: proc.poll() is not None or gtpu_echo(NS_ENB, "198.18.0.1", "198.18.0.2",
                                                            timeout=0.3, tries=1),
               20, "GTP-U across tofd")
    if proc.poll() is not None:
        raise AssertionError("tofd exited: %s" % tofd_log())
    wait_until(lambda: (health() or {}).get("ready"), 20, "tofd ready with the bridge in sync")


def tofd_stop():
    """SIGTERM; tofd's exit status (None if it had to be killed)."""
    proc, rc = _tofd["proc"], 0
    if proc and proc.poll() is None:
        proc.terminate()
        try:
            rc = proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
            rc = None
    elif proc:
        rc = proc.returncode
    if _tofd["log"]:
        _tofd["log"].close()
    _tofd.update(proc=None, log=None)
    return rc


def tofd_log(n=40):
    try:
        return "\n".join((RUN / "tofd.log").read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return "(no log)"


def api(method, path, body=None):
    """(status, parsed body) from tofd's API inside tof-tof."""
    args = ["curl", "-s", "--max-time", "10", "-X", method, "-o", "-", "-w", "\n%{http_code}",
            API + path]
    if body is not None:
        args += ["-H", "Content-Type: application/json",
                 "-d", body if isinstance(body, str) else json.dumps(body)]
    p = run(args, ns=NS_TOF, timeout=20)
    text, _, code = p.stdout.rpartition("\n")
    try:
        return int(code), json.loads(text) if text else None
    except ValueError:
        return int(code or 0), text


def health():
    code, body = api("GET", "/health")
    return body if isinstance(body, dict) else None


# --- the bridge and the functions --------------------------------------------

FLOW_RE = re.compile(r"cookie=(0x[0-9a-f]+).*?n_packets=(\d+).*?priority=(\d+),?(\S*) actions=(\S+)")


def flows():
    """tofd's flows: [{"cookie", "packets", "priority", "match", "actions"}]."""
    p = run([OVS_SH, "ofctl", "dump-flows", BRIDGE, "--rundir", OVS_RUN, "--names",
             "cookie=0x746f660000000000/0xffffff0000000000"], check=True)
    out = []
    for line in p.stdout.replace('"', "").splitlines():  # --names quotes "fw1-in"
        m = FLOW_RE.search(line)
        if m:
            out.append({"cookie": m.group(1), "packets": int(m.group(2)),
                        "priority": int(m.group(3)), "match": m.group(4),
                        "actions": m.group(5)})
    return out


def flow(match_parts, actions=None):
    """The one flow whose match has all these parts."""
    found = [f for f in flows() if all(p in f["match"].split(",") for p in match_parts)
             and (actions is None or f["actions"] == actions)]
    if len(found) != 1:
        raise AssertionError("flows matching %s %s: %s\nall: %s" % (match_parts, actions, found,
                                                                     flows()))
    return found[0]


def flow_table_shape():
    """Flows without their counters: what a change would alter."""
    return sorted((f["cookie"], f["priority"], f["match"], f["actions"]) for f in flows())


def fn_counters(n):
    """Packets function fwN bridged towards the app and towards the UE."""
    p = run(["podman", "exec", "tof-lab-fw%d" % n, "nft", "-j", "list", "counters"], check=True)
    out = {}
    for item in json.loads(p.stdout)["nftables"]:
        c = item.get("counter")
        if c:
            out[c["name"]] = c["packets"]
    return out


def ctr_rx(ctr, ifname):
    p = run(["podman", "exec", ctr, "cat", "/sys/class/net/%s/statistics/rx_packets" % ifname],
            check=True)
    return int(p.stdout)


def delta(before, after):
    return {k: after[k] - before[k] for k in before}


def setUpModule():
    t0 = time.monotonic()
    try:
        lab("up", "--ovs", "--ues", "3", "--ues2", "0", timeout=300)
        tofd_start()
        lab("enb-up", timeout=90)
    except BaseException:
        _state["failed"] = True
        print(lab("logs", check=False).stdout, file=sys.stderr)
        tearDownModule()
        raise
    log("OVS lab up in %.1fs: %d UEs, tofd pid %d" % (time.monotonic() - t0, len(ues()),
                                                       _tofd["proc"].pid))


def tearDownModule():
    if _state["failed"]:
        print(tofd_log(80), file=sys.stderr)
        print(lab("logs", check=False).stdout[-6000:], file=sys.stderr)
    tofd_stop()
    lab("down", check=False, timeout=120)
    _remove_captures()


# --- the tests ---------------------------------------------------------------

class Chains(unittest.TestCase):
    def ue(self, n=1):
        return ues()[n - 1]

    def assert_api(self, method, path, body=None, status=200):
        code, r = api(method, path, body)
        self.assertEqual(code, status, "%s %s: %s" % (method, path, r))
        return r

    def test_00_tofd_port_follows_the_dataplane(self):
        """DPDK: tof0 is a vhost-user port on tofd's socket; kernel mode: a
        system port, the OVS end of the veth whose other end tofd uses."""
        def get(col):
            return run([OVS_SH, "vsctl", "--rundir", OVS_RUN, "get", "Interface", "tof0", col],
                       check=True).stdout.strip()

        if KERNEL:
            self.assertEqual(get("type"), '""')
            self.assertEqual(get("options"), "{}")
            link = run(["ip", "-o", "link", "show", "apps0"], ns=NS_TOF, check=True).stdout
            self.assertIn("apps0@tof0", link)
            self.assertIn("UP", link)
        else:
            self.assertEqual(get("type"), "dpdkvhostuserclient")
        # vhost-user: OVS connects to tofd's socket a moment after start
        wait_until(lambda: get("link_state") == "up", 15, "tof0's link up")
        wait_until(lambda: (health() or {}).get("ovs", {}).get("port_up"), 15,
                   "/health: ovs.port_up")

    def test_01_through_two_functions_and_back(self):
        """UE -> service -> app through fw1 and fw2, and back, every hop both ways."""
        u = self.ue()
        f1, f2 = fn_counters(1), fn_counters(2)
        hop0 = {f["match"]: f["packets"] for f in flows()}
        c = ue_curl(u.n, "http://%s/" % SERVICE_IP)
        self.assertEqual(c.returncode, 0, c.stderr)
        self.assertEqual(c.stdout, PAGE % APP1_IP)
        sent, got, p = ue_ping(u.n, SERVICE_IP, count=5)
        self.assertEqual((sent, got), (5, 5), p.stdout)
        d1, d2 = delta(f1, fn_counters(1)), delta(f2, fn_counters(2))
        for d in (d1, d2):
            self.assertGreaterEqual(d["to_app"], 5 + 3, d)  # pings + the TCP exchange
            self.assertGreaterEqual(d["to_ue"], 5 + 3, d)
        # every hop of the chain, both ways, carried them (per-hop flow counts)
        a = "nw_dst=%s" % APP1_IP
        r = "nw_src=%s" % APP1_IP
        for match, out in ((["in_port=tof0", a], "output:fw1-in"),
                           (["in_port=fw1-out", a], "output:fw2-in"),
                           (["in_port=fw2-out", a], "output:app1"),
                           (["in_port=app1", r], "output:fw2-out"),
                           (["in_port=fw2-in", r], "output:fw1-out"),
                           (["in_port=fw1-in", r], "output:tof0")):
            f = flow(match, out)
            self.assertGreaterEqual(f["packets"] - hop0.get(f["match"], 0), 8, f)

    def test_02_shared_function(self):
        """Two services share fw1; each reaches its own app."""
        u = self.ue()
        self.assert_api("PUT", "/chains/fw1only", FW1ONLY, 201)
        self.assert_api("POST", "/service", {"name": "web", "serviceIP": WEB_IP,
                                             "applicationIP": APP2_IP, "chain": "fw1only",
                                             "applicationPort": "app2"})
        f1, f2 = fn_counters(1), fn_counters(2)
        for sip, aip in ((SERVICE_IP, APP1_IP), (WEB_IP, APP2_IP), (SERVICE_IP, APP1_IP)):
            c = ue_curl(u.n, "http://%s/" % sip)
            self.assertEqual((c.returncode, c.stdout), (0, PAGE % aip), c.stderr)
        d1, d2 = delta(f1, fn_counters(1)), delta(f2, fn_counters(2))
        # fw1 carried all three exchanges, fw2 only cache's two
        self.assertGreater(d1["to_app"], d2["to_app"])
        self.assertGreater(d2["to_app"], 0)
        # the shared hop's flows tell the services apart by IP
        flow(["in_port=fw1-out", "nw_dst=%s" % APP1_IP], "output:fw2-in")
        flow(["in_port=fw1-out", "nw_dst=%s" % APP2_IP], "output:app2")

    def test_03_chain_change_under_traffic(self):
        """The service leaves fw2 while a UE pings it: the next packets skip fw2,
        nothing is lost but what was in flight."""
        u = self.ue(2)
        out = {}
        count, interval = 80, 0.05

        def pinger():
            out["r"] = ue_ping(u.n, SERVICE_IP, count=count, interval=interval, wait=1)

        t = threading.Thread(target=pinger)
        t.start()
        time.sleep(1.5)
        self.assert_api("PUT", "/service/cache", dict(CACHE, chain="fw1only"))
        after_change = fn_counters(2)
        time.sleep(1.0)
        mid = fn_counters(2)
        t.join(count * interval + 30)
        sent, got, p = out["r"]
        self.assertGreaterEqual(got, sent - 2, p.stdout)  # at most what was in flight
        # past the reply, fw2 sees none of it (one may have been on its way)
        self.assertLessEqual(mid["to_app"] - after_change["to_app"], 1)
        self.assertLessEqual(fn_counters(2)["to_app"] - after_change["to_app"], 1)
        self.assertGreater(fn_counters(1)["to_app"], 0)
        # and back through both
        self.assert_api("PUT", "/service/cache", CACHE)
        f2 = fn_counters(2)
        sent, got, _ = ue_ping(u.n, SERVICE_IP, count=3)
        self.assertEqual(got, sent)
        self.assertGreaterEqual(delta(f2, fn_counters(2))["to_app"], 3)

    def test_04_service_delete_leaves_no_flows(self):
        if api("GET", "/service/web")[0] != 200:
            self.assert_api("PUT", "/chains/fw1only", FW1ONLY, 201)
            self.assert_api("POST", "/service", {"name": "web", "serviceIP": WEB_IP,
                                                 "applicationIP": APP2_IP,
                                                 "chain": "fw1only", "applicationPort": "app2"})
        cookie = flow(["in_port=tof0", "nw_dst=%s" % APP2_IP])["cookie"]
        mine = [f for f in flows() if f["cookie"] == cookie]
        self.assertEqual(len(mine), 4)  # classifier, to the app, 2 back
        others = [f for f in flows() if f["cookie"] != cookie]
        self.assert_api("DELETE", "/service/web")
        self.assertEqual([f for f in flows() if f["cookie"] == cookie], [])
        p = run([OVS_SH, "ofctl", "dump-flows", BRIDGE, "--rundir", OVS_RUN,
                 "cookie=%s/-1" % cookie], check=True)
        self.assertNotIn("cookie=", p.stdout)
        # nobody else's flows moved
        self.assertEqual(sorted((f["match"], f["actions"]) for f in flows()),
                         sorted((f["match"], f["actions"]) for f in others))
        self.assert_api("DELETE", "/chains/fw1only")

    def test_05_bad_chain_requests_change_nothing(self):
        before = flow_table_shape(), api("GET", "/chains")[1], api("GET", "/service")[1]
        for path, body, status, field in (
                ("/chains/x", {"hops": [{"ingress": "nope0"}]}, 409, "hops[0].ingress"),
                ("/chains/x", {"hops": [{"ingress": "app1"}]}, 409, "hops[0].ingress"),
                ("/chains/x", {"hops": [{"ingress": "fw1-in", "egress": "tof0"}]}, 409,
                 "hops[0].egress"),
                ("/chains/fw", {"hops": [{"ingress": "fw1-in"}, {"ingress": "fw1-in"}]}, 400,
                 "hops[1].ingress"),
                ("/chains/fw", '{"hops": [', 400, None),
                ("/chains/fw", {"hops": []}, 400, "hops")):
            code, r = api("PUT", path, body)
            self.assertEqual((code, r.get("field")), (status, field), r)
        code, r = api("DELETE", "/chains/fw")
        self.assertEqual((code, r.get("field")), (409, "name"), r)  # cache uses it
        code, r = api("PUT", "/service/cache", dict(CACHE, applicationPort="nope0"))
        self.assertEqual((code, r.get("field")), (409, "applicationPort"), r)
        after = flow_table_shape(), api("GET", "/chains")[1], api("GET", "/service")[1]
        self.assertEqual(after, before)

    def test_06_hop_ports_take_no_flooding(self):
        """A broadcast from an app reaches the other app, not the functions."""
        rx_fn = [ctr_rx("tof-lab-fw%d" % n, i) for n in (1, 2) for i in ("in", "out")]
        rx_app2 = ctr_rx("tof-lab-app2", "eth0")
        # three Ethernet broadcasts (local experimental ethertype) from app1's eth0
        pid = run(["podman", "inspect", "-f", "{{.State.Pid}}", "tof-lab-app1"],
                  check=True).stdout.strip()
        run(["nsenter", "-t", pid, "-n", PY, "-c",
             "import socket; s=socket.socket(socket.AF_PACKET, socket.SOCK_RAW)\n"
             "s.bind(('eth0', 0))\n"
             "f=b'\\xff'*6 + bytes.fromhex('020000000311') + b'\\x88\\xb5' + b'tof'*20\n"
             "[s.send(f) for i in range(3)]"], check=True, timeout=20)
        time.sleep(0.5)
        self.assertGreaterEqual(ctr_rx("tof-lab-app2", "eth0") - rx_app2, 1)
        self.assertEqual([ctr_rx("tof-lab-fw%d" % n, i) for n in (1, 2) for i in ("in", "out")],
                         rx_fn)
        desc = run([OVS_SH, "ofctl", "show", BRIDGE, "--rundir", OVS_RUN], check=True).stdout
        for port in ("fw1-in", "fw1-out", "fw2-in", "fw2-out"):
            self.assertRegex(desc, r"\(%s\):.*\n\s+config:\s+NO_FLOOD" % port)

    def test_07_dpdk_app_on_vhost_user(self):
        """A DPDK app in a container (testpmd on a vhost-user port) answers UDP
        sent to its service."""
        if KERNEL:
            self.skipTest("the DPDK app is OVS's business: tested with tofd on DPDK")
        u = self.ue(3)
        # the downlink tunnel known first (else the pinger learns it on the
        # first reply, which is dropped meanwhile)
        self.assertEqual(ue_ping(u.n, "203.0.113.7", count=1)[1], 1)
        lab("dpdk-app", "up", timeout=180)
        try:
            self.assert_api("POST", "/service", {"name": "dpdk", "serviceIP": DPDK_SVC_IP,
                                                 "applicationIP": DPDK_APP_IP,
                                                 "applicationPort": "dpdk0",
                                                 "applicationMAC": "02:00:00:00:03:13"})
            p = ue_run(u.n, [PY, LABTOOL, "udp-echo", "@ue", DPDK_SVC_IP, "7", "--count", "5",
                             "--timeout", "2"], timeout=60)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            flow(["in_port=tof0", "nw_dst=%s" % DPDK_APP_IP], "output:dpdk0")
        finally:
            api("DELETE", "/service/dpdk")
            lab("dpdk-app", "down", check=False)

    def test_08_ovs_killed_and_restarted(self):
        """kill -9 of ovs-vswitchd, then OVS back: tofd re-creates its flows, the
        traffic flows again, tofd was never restarted."""
        pid = _tofd["proc"].pid
        run([OVS_SH, "kill-vswitchd", "--rundir", OVS_RUN], check=True)
        wait_until(lambda: (health() or {}).get("ovs", {}).get("state") == "unreachable", 15,
                   "/health saying OVS is unreachable")
        code, h = api("GET", "/health")
        self.assertEqual(code, 503)
        self.assertEqual(h["status"], "not_ready")
        self.assertIn("ovs", [p["what"] for p in h["problems"]])
        self.assertIsNotNone(h["ovs"]["error"])
        self.assertIn("retry_in_ms", h["ovs"])
        # the API still answers, and takes changes for later
        self.assertEqual(api("GET", "/service/cache")[0], 200)
        run([OVS_SH, "start-vswitchd", "--rundir", OVS_RUN], check=True, timeout=60)
        # fail_mode secure: until tofd is back the bridge has no flow at all,
        # never OVS's own NORMAL one that would let frames skip the functions
        others = run([OVS_SH, "ofctl", "dump-flows", BRIDGE, "--rundir", OVS_RUN,
                      "cookie=0/0xffffff0000000000"], check=True).stdout
        self.assertNotIn("actions=NORMAL", others)
        self.assertEqual(run([OVS_SH, "vsctl", "--rundir", OVS_RUN, "get-fail-mode", BRIDGE],
                             check=True).stdout.strip(), "secure")
        wait_until(lambda: (health() or {}).get("ready"), 30, "tofd in sync with the new OVS")
        h = health()
        self.assertEqual(h["ovs"]["state"], "in_sync")
        self.assertNotIn("ovs", [p["what"] for p in h["problems"]])
        wait_until(lambda: health()["ovs"]["port_up"], 15, "tofd's port up (vhost-user "
                   "connected, or the veth's OVS end)")
        self.assertGreaterEqual(len(flows()), 6 + 4 + 1)
        u = self.ue()
        f2 = fn_counters(2)
        c = ue_curl(u.n, "http://%s/" % SERVICE_IP, timeout=15)
        self.assertEqual((c.returncode, c.stdout), (0, PAGE % APP1_IP), c.stderr)
        self.assertGreater(fn_counters(2)["to_app"], f2["to_app"])
        self.assertEqual(_tofd["proc"].pid, pid)
        self.assertIsNone(_tofd["proc"].poll())

    def test_99_clean_stop(self):
        """SIGTERM: tofd stops cleanly (a sanitizer build: with no report),
        leaving the bridge's flows for the next start."""
        n = len(flows())
        self.assertEqual(tofd_stop(), 0, tofd_log())
        self.assertNotRegex((RUN / "tofd.log").read_text(errors="replace"),
                            r"runtime error|Sanitizer")
        self.assertEqual(len(flows()), n)
        if not KERNEL:
            self.assertFalse(os.path.exists(os.path.join(OVS_RUN, "tof0.sock")))
            return
        # kernel mode: the S1 rules are gone (the Linux bridge forwards on),
        # the veth and tofd's port on the bridge stay for the next start
        rules = run(["iptables-nft", "-S"], ns=NS_TOF, check=True).stdout
        self.assertNotIn("NFQUEUE", rules)
        self.assertIn("apps0@tof0", run(["ip", "-o", "link", "show", "apps0"], ns=NS_TOF,
                                        check=True).stdout)
        self.assertEqual(run([OVS_SH, "vsctl", "--rundir", OVS_RUN, "port-to-br", "tof0"],
                             check=True).stdout.strip(), BRIDGE)
        self.assertTrue(gtpu_echo(NS_ENB, "198.18.0.1", "198.18.0.2", timeout=1, tries=3))


def main():
    if os.geteuid() != 0:
        print("tests/live needs root", file=sys.stderr)
        print("0 passed, 1 failed, 0 skipped")
        return 1
    t0 = time.monotonic()
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    if len(sys.argv) > 1:
        suite = unittest.defaultTestLoader.loadTestsFromNames(sys.argv[1:], sys.modules[__name__])
    res = unittest.TextTestRunner(verbosity=2, resultclass=_Result, stream=sys.stdout).run(suite)
    failed = len(res.failures) + len(res.errors) + len(res.unexpectedSuccesses)
    skipped = len(res.skipped)
    print("live: ovs chains (tofd %s), %.1fs" % ("kernel mode" if KERNEL else "on DPDK",
                                                   time.monotonic() - t0))
    print("%d passed, %d failed, %d skipped" % (res.testsRun - failed - skipped, failed, skipped))
    return 0 if failed == 0 and res.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
