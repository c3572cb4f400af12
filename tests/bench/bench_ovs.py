#!/usr/bin/python3
"""make bench, Open vSwitch: figures beside references from the same run.

1. tofd -> OVS (vhost-user) -> app port: tofd offloads a looping capture of
   uplink G-PDUs to a service (net_pcap in, one worker on core 1) into its
   vhost-user port on an OVS-DPDK bridge (PMD on core 0), whose flow sends
   them to the app's port (net_null). Reference: OVS alone on the same
   bridge and app port, fed the frames tofd would send (tofd replay's
   apps.pcap of the same capture) from a net_pcap port.
2. GTP-U decapsulation: OVS's own (a gtpu tunnel port; the bridge's MAC and
   its internal port's address are the capture's outer destination;
   fail-mode=secure, the flows in before the input port; decapsulated
   packets to a null port only) beside tofd's uplink offload on the same
   capture, each on core 1. The ratio is tofd's rate over OVS's.

usage: bench_ovs.py BUILD_DIR   (BUILD_DIR has tofd and bench/bench_pcap)"""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_dp  # noqa: E402

BUILD = bench_dp.BUILD
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OVS_SH = os.path.join(ROOT, "deploy", "ovs", "ovs.sh")
SECONDS = bench_dp.SECONDS
TUNNELS = int(os.environ.get("TOF_BENCH_OVS_TUNNELS", "1000"))
NETNS = "tofbench-ovs"
SGW_MAC = "02:00:00:00:05:02"  # bench_pcap's: the uplink frames' destination
SGW_IP = "198.18.0.2"
SERVICE = {"name": "cache", "serviceIP": "203.0.113.100", "applicationIP": "198.51.100.10",
           "applicationPort": "app0"}


def sh(*args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw)


class Ovs:
    """OVS-DPDK in a run dir and namespace of its own (deploy/ovs/ovs.sh)."""

    def __init__(self, work, pmd_cpu):
        self.run = os.path.join(work, "ovs-%d" % pmd_cpu)
        subprocess.run(["ip", "netns", "add", NETNS], capture_output=True)
        sh(OVS_SH, "start", "--rundir", self.run, "--netns", NETNS, "--pmd-cpu", str(pmd_cpu),
           "--socket-mem", "512", "--idle-sleep-us", "0", "--file-prefix", "tofbench-ovs")

    def vsctl(self, *args):
        return sh(OVS_SH, "vsctl", "--rundir", self.run, *args).stdout

    def ofctl(self, cmd, bridge, *args):
        return sh(OVS_SH, "ofctl", cmd, bridge, "--rundir", self.run, *args).stdout

    def appctl(self, *args):
        return sh("ip", "netns", "exec", NETNS, "ovs-appctl", "-t",
                  os.path.join(self.run, "ovs-vswitchd.ctl"), *args).stdout

    def tx_packets(self, bridge, port):
        m = re.search(r"tx pkts=(\d+)", self.ofctl("dump-ports", bridge, port))
        return int(m.group(1)) if m else 0

    def rate(self, bridge, port):
        """Mpps leaving port, and the PMD's cycles per packet, over the window."""
        time.sleep(2)  # past the start
        self.appctl("dpif-netdev/pmd-stats-clear")
        a, ta = self.tx_packets(bridge, port), time.time()
        time.sleep(SECONDS)
        b, tb = self.tx_packets(bridge, port), time.time()
        m = re.search(r"avg processing cycles per packet: ([\d.]+)",
                      self.appctl("dpif-netdev/pmd-stats-show"))
        return (b - a) / (tb - ta) / 1e6, float(m.group(1)) if m else 0.0

    def stop(self):
        subprocess.run([OVS_SH, "stop", "--rundir", self.run, "--file-prefix", "tofbench-ovs",
                        "--clean"], capture_output=True)
        subprocess.run(["ip", "netns", "del", NETNS], capture_output=True)


def dpdk_port(ovs, bridge, name, devargs, ofport):
    ovs.vsctl("add-port", bridge, name, "--", "set", "Interface", name, "type=dpdk",
              "options:dpdk-devargs=" + devargs, "ofport_request=%d" % ofport)


def decapped(work):
    """The frames tofd sends its apps port for the capture (tofd replay of
    it twice: a tunnel's first frame teaches, the rest are offloaded)."""
    capture = bench_dp.gen(work, "ul-svc", TUNNELS, repeat=2)
    out = os.path.join(work, "replay")
    cfg = os.path.join(work, "replay.json")
    with open(cfg, "w") as f:
        json.dump({"mode": "dual", "services": [dict(SERVICE, applicationMAC="02:00:00:00:0a:10")],
                   "pinger": {"policy": "off"}, "punt": {"rate_pps": 0}}, f)
    sh(os.path.join(BUILD, "tofd"), "replay", "--config", cfg, "--in-enb", capture, "--out", out)
    return os.path.join(out, "apps.pcap")


def tofd_on_ovs(work, ovs, capture):
    """tofd with its apps port on the bridge; runs until stopped."""
    cfg = {"mode": "dual", "eal": ["-l", "0-1", "--no-pci", "-m", "512", "--file-prefix",
                                   "tofbench-vhost"],
           "ports": {"enb": "net_pcap0,rx_pcap=%s,infinite_rx=1" % capture,
                     "sgw": "net_null0,no-rx=1"},
           "ovs": {"db": "unix:%s/db.sock" % ovs.run, "bridge": "br-bench", "port": "tof0",
                   "socket": os.path.join(ovs.run, "tof0.sock")},
           "services": [dict(SERVICE, applicationMAC="02:00:00:00:0a:10")],
           "idle_timeout_s": 0, "punt": {"rate_pps": 0}, "pinger": {"policy": "off"},
           "api": {"listen": "127.0.0.1:%d" % bench_dp.API_PORT}, "mbufs": 65536}
    path = os.path.join(work, "tofd-ovs.json")
    with open(path, "w") as f:
        json.dump(cfg, f)
    log = open(os.path.join(work, "tofd-ovs.log"), "w")
    p = subprocess.Popen([os.path.join(BUILD, "tofd"), "run", "--config", path],
                         stdout=log, stderr=log)
    deadline = time.time() + 60
    while True:
        if p.poll() is not None:
            raise RuntimeError("tofd exited: " + open(log.name).read()[-2000:])
        try:
            h = json.loads(subprocess.run(["curl", "-s", "http://127.0.0.1:%d/health" %
                                           bench_dp.API_PORT], capture_output=True,
                                          text=True).stdout)
            if h.get("ready") and h["ovs"]["port_up"]:
                return p
        except (ValueError, KeyError):
            pass
        if time.time() > deadline:
            p.kill()
            raise RuntimeError("tofd not ready on OVS: " + open(log.name).read()[-2000:])
        time.sleep(0.2)


def stop(p):
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def bench_vhost(work, capture):
    """1: tofd -> OVS -> app port, and OVS alone on the same ports."""
    ovs = Ovs(work, pmd_cpu=0)
    try:
        ovs.vsctl("add-br", "br-bench", "--", "set", "Bridge", "br-bench", "datapath_type=netdev")
        dpdk_port(ovs, "br-bench", "app0", "net_null1,no-rx=1", 2)
        p = tofd_on_ovs(work, ovs, capture)
        try:
            via, via_cyc = ovs.rate("br-bench", "app0")
            s = bench_dp.stats()
        finally:
            stop(p)
        ovs.vsctl("del-port", "br-bench", "tof0")
        ovs.ofctl("del-flows", "br-bench")
        ovs.ofctl("add-flow", "br-bench", "in_port=3,actions=output:2")
        dpdk_port(ovs, "br-bench", "in0", "net_pcap2,rx_pcap=%s,infinite_rx=1" %
                  decapped(work), 3)
        alone, alone_cyc = ovs.rate("br-bench", "app0")
    finally:
        ovs.stop()
    print("%-44s %8.2f Mpps  (OVS PMD %5.0f cycles/pkt; tofd offloaded %d tx drops %d)" % (
        "tofd -> OVS (vhost-user) -> app port", via, via_cyc,
        s["decisions"]["offload"]["packets"], s["ports"]["apps"]["tx_drops"]))
    print("%-44s %8.2f Mpps  (OVS PMD %5.0f cycles/pkt)" % (
        "reference: OVS alone, pcap port -> app port", alone, alone_cyc))
    print("%-44s %8.2f" % ("ratio", via / alone if alone else 0))


def bench_gtpu(work, capture):
    """2: OVS's GTP-U decap vs tofd's uplink offload, one core each."""
    ovs = Ovs(work, pmd_cpu=1)
    try:
        ovs.vsctl("add-br", "br-gtp", "--", "set", "Bridge", "br-gtp", "datapath_type=netdev",
                  "fail-mode=secure", "other-config:hwaddr=" + SGW_MAC)
        sh("ip", "-n", NETNS, "addr", "add", SGW_IP + "/24", "dev", "br-gtp")
        sh("ip", "-n", NETNS, "link", "set", "br-gtp", "up")
        ovs.vsctl("add-port", "br-gtp", "gtp0", "--", "set", "Interface", "gtp0", "type=gtpu",
                  "options:remote_ip=flow", "options:key=flow", "ofport_request=10")
        dpdk_port(ovs, "br-gtp", "null0", "net_null2,no-rx=1", 20)
        # flows first, then the input: nothing reaches NORMAL or the tap
        ovs.ofctl("add-flow", "br-gtp", "in_port=1,actions=LOCAL")
        ovs.ofctl("add-flow", "br-gtp", "in_port=10,actions=output:20")
        dpdk_port(ovs, "br-gtp", "pcap0", "net_pcap3,rx_pcap=%s,infinite_rx=1" % capture, 1)
        ovs_mpps, ovs_cyc = ovs.rate("br-gtp", "null0")
    finally:
        ovs.stop()
    empty = bench_dp.gen(work, "ul-pdn", 0)
    inputs = [(capture, True), (empty, False), (empty, False)]
    tof_mpps, dec = bench_dp.tofd(work, inputs, {"enb": "net_pcap0", "sgw": "net_pcap1",
                                                 "apps": "net_pcap2"}, "enb", TUNNELS,
                                  TUNNELS + 65536, [SERVICE])
    print("%-44s %8.2f Mpps  (PMD %5.0f cycles/pkt)" % ("OVS GTP-U decapsulation (gtpu port)",
                                                        ovs_mpps, ovs_cyc))
    print("%-44s %8.2f Mpps  (offload %d in the window)" % (
        "tofd uplink offload, same capture", tof_mpps, dec.get("offload", 0)))
    print("%-44s %8.2f   (the aim: 2.5 or more)" % ("ratio tofd / OVS, per core",
                                                   tof_mpps / ovs_mpps if ovs_mpps else 0))


def main():
    print("Open vSwitch (DPDK %s): %d tunnels, %.0f s windows" % (
        "userspace datapath", TUNNELS, SECONDS))
    with tempfile.TemporaryDirectory(prefix="tofbench-ovs-") as work:
        capture = bench_dp.gen(work, "ul-svc", TUNNELS)
        for name, fn in (("vhost-user path", bench_vhost), ("GTP-U decapsulation", bench_gtpu)):
            print("-- " + name)
            try:
                fn(work, capture)
            except (RuntimeError, subprocess.CalledProcessError) as e:
                print("   failed: %s %s" % (e, getattr(e, "stderr", "") or ""))


if __name__ == "__main__":
    main()
