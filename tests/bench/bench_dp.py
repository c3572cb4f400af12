#!/usr/bin/python3
"""make bench, data plane: tofd run with net_pcap (infinite_rx) input and
dropping outputs, one worker lcore, for pass-through, uplink offload and
downlink encap, with 1k and 1M sessions; beside dpdk-testpmd io forwarding
on the same vdevs in the same run (the ceiling). Figures, not pass/fail.

usage: bench_dp.py BUILD_DIR   (BUILD_DIR has tofd and bench/bench_pcap)
TOF_BENCH_SESSIONS=1000,1048576 and TOF_BENCH_PATHS=pass,uplink offload,downlink encap
pick the cases."""
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

BUILD = sys.argv[1] if len(sys.argv) > 1 else "build-bench"
SIZES = [int(s) for s in os.environ.get("TOF_BENCH_SESSIONS", "1000,1048576").split(",")]
SECONDS = float(os.environ.get("TOF_BENCH_SECONDS", "4"))
PATHS = os.environ.get("TOF_BENCH_PATHS", "pass,uplink offload,downlink encap").split(",")
API_PORT = 18181


def sh(*args, **kw):
    return subprocess.run(args, check=True, **kw)


def gen(work, kind, n, pad=0, repeat=1):
    path = os.path.join(work, "%s-%d-%d.pcap" % (kind, n, repeat))
    if not os.path.exists(path):
        sh(os.path.join(BUILD, "bench", "bench_pcap"), kind, str(n), path, str(pad), str(repeat))
    return path


def vdevs(inputs):
    """One net_pcap per port; the measured input loops (infinite_rx), the
    others are read once; every tx drops (no tx_pcap)."""
    out = []
    for i, (path, infinite) in enumerate(inputs):
        out += ["--vdev", "net_pcap%d,rx_pcap=%s%s" % (i, path, ",infinite_rx=1" if infinite else "")]
    return out


def testpmd(inputs, mbufs):
    cmd = ["dpdk-testpmd", "-l", "0-1", "--no-huge", "-m", "6144", "--file-prefix", "tofbench-tpm",
           "--no-pci"] + vdevs(inputs) + [
        "--", "--forward-mode=io", "--stats-period", "1", "--no-mlockall",
        "--total-num-mbufs=%d" % mbufs, "--auto-start"]
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, start_new_session=True)
    rates, port, t_end = [], None, None
    for line in p.stdout:
        m = re.search(r"NIC statistics for port (\d+)", line)
        if m:
            port = int(m.group(1))
        m = re.search(r"Rx-pps:\s+(\d+)", line)
        if m and port == 0 and int(m.group(1)) > 0:
            if t_end is None:
                t_end = time.time() + SECONDS + 2
            rates.append(int(m.group(1)))
            if time.time() > t_end:
                break
    os.killpg(p.pid, signal.SIGINT)
    try:
        p.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
    # The first second after start-up is partial.
    return statistics.median(rates[1:] or rates) / 1e6 if rates else 0.0


def stats():
    with urllib.request.urlopen("http://127.0.0.1:%d/stats" % API_PORT, timeout=5) as r:
        return json.load(r)


def tofd(work, inputs, ports, measured, sessions, mbufs, services):
    cfg = {"mode": "dual", "eal": ["-l", "0-1", "--no-huge", "-m", "6144", "--file-prefix",
                                   "tofbench", "--no-pci"] + vdevs(inputs),
           "ports": ports, "services": services, "mbufs": mbufs,
           "max_sessions": max(sessions * 2, 1024), "idle_timeout_s": 0,
           "punt": {"rate_pps": 0}, "pinger": {"policy": "off"},
           "api": {"listen": "127.0.0.1:%d" % API_PORT},
           "state_file": os.path.join(work, "state.json")}
    path = os.path.join(work, "tofd.json")
    with open(path, "w") as f:
        json.dump(cfg, f)
    if os.path.exists(cfg["state_file"]):
        os.unlink(cfg["state_file"])
    p = subprocess.Popen([os.path.join(BUILD, "tofd"), "run", "--config", path],
                         stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "tofd.log"), "w"))
    try:
        deadline = time.time() + 120
        while True:
            if p.poll() is not None:
                raise RuntimeError("tofd exited: " + open(os.path.join(work, "tofd.log")).read()[-2000:])
            try:
                s = stats()
                learned = s["agent"]["downlink_learned"] if measured == "apps" else s["sessions"]
                if learned >= sessions:
                    break
            except OSError:
                pass
            if time.time() > deadline:
                try:
                    s = stats()
                    why = "; sessions %d, agent %s, punt drops %s, punt refused %s" % (
                        s["sessions"], {k: v for k, v in s["agent"].items() if v},
                        s.get("punt_drops"), s.get("punt_refused"))
                except (OSError, KeyError, ValueError):
                    why = ""
                raise RuntimeError("tofd did not learn %d sessions%s" % (sessions, why))
            time.sleep(0.5)
        # The learning files may still be going: measure once the other
        # ports are quiet (their frames would take the worker's time).
        quiet = [k for k in ("enb", "sgw", "apps") if k != measured]

        def others():
            st = stats()["ports"]
            return sum(st[k]["rx_packets"] for k in quiet if k in st)
        last, end = others(), time.time() + 60
        while time.time() < end:
            time.sleep(0.5)
            now = others()
            if now == last:
                break
            last = now
        a, ta = stats(), time.time()
        time.sleep(SECONDS)
        b, tb = stats(), time.time()
        rx = b["ports"][measured]["rx_packets"] - a["ports"][measured]["rx_packets"]
        dec = {k: b["decisions"][k]["packets"] - a["decisions"][k]["packets"] for k in b["decisions"]}
        return rx / (tb - ta) / 1e6, dec
    finally:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def main():
    # The apps' MACs as the capture's apps frames carry them (a live app
    # would have answered the TOF's ARP/NS with it).
    app_mac = "02:00:00:00:0a:10"
    services = [{"name": "cache", "serviceIP": "203.0.113.100", "applicationIP": "198.51.100.10",
                 "applicationMAC": app_mac},
                {"name": "cache6", "serviceIP": "2001:db8:5::100", "applicationIP": "2001:db8:6::10",
                 "applicationMAC": app_mac}]
    print("data plane: tofd run, one worker, net_pcap infinite_rx in, dropping out; "
          "ref = dpdk-testpmd io forwarding, same vdevs, same run")
    print("(sessions beyond 65536 have IPv6 UEs: 198.19.0.0/16 holds no more)")
    print("%-16s %10s %12s %14s %8s  %s" % ("path", "sessions", "tofd Mpps", "testpmd Mpps", "ratio",
                                           "decisions in the window"))
    with tempfile.TemporaryDirectory(prefix="tofbench-") as work:
        empty = gen(work, "ul-pdn", 0)
        for n in SIZES:
            mbufs = n + 65536
            # The learning files are read once, far faster than the agent
            # learns (it misses what finds its ring full): each repeat is
            # another chance. 1M tunnels take about 8 (3 did for 1M before
            # learning published a snapshot per change).
            learn_reps = 3 if n <= 65536 else 8
            cases = [
                ("pass", [(gen(work, "ul-pdn", n), True), (empty, False), (empty, False)], "enb"),
                ("uplink offload", [(gen(work, "ul-svc", n), True), (empty, False), (empty, False)], "enb"),
                ("downlink encap", [(gen(work, "ul-pdn", n, repeat=learn_reps), False),
                                    (gen(work, "dl", n, pad=n + 65536, repeat=learn_reps), False),
                                    (gen(work, "apps", n), True)], "apps"),
            ]
            for name, inputs, measured in cases:
                if name not in PATHS:
                    continue
                ports = {"enb": "net_pcap0", "sgw": "net_pcap1", "apps": "net_pcap2"}
                tp_inputs = [i for i in inputs if i[1]] + [(empty, False)]
                ref = testpmd(tp_inputs, mbufs)
                try:
                    got, dec = tofd(work, inputs, ports, measured, n, mbufs, services)
                except RuntimeError as e:
                    print("%-16s %10d  failed: %s" % (name, n, e))
                    continue
                busy = ", ".join("%s %d" % (k, v) for k, v in dec.items() if v)
                print("%-16s %10d %12.2f %14.2f %8.2f  %s" % (name, n, got, ref, got / ref if ref else 0, busy))


if __name__ == "__main__":
    main()
