#!/usr/bin/python3
"""make bench, kernel mode: packets per second through the Linux bridge
alone (br_netfilter on, no rules: the ceiling), then through tofd in kernel
mode on that same bridge, in the same run: pass-through of known tunnels
(the kernel decides), pass-through of packets the kernel hands to tofd,
and uplink offload. 100-octet GTP-U frames from bench_send on core 0 (which
also does the bridge's work: veth delivers on the sender's core), tofd on
core 1. Figures, not pass/fail.

usage: bench_nfq.py BUILD_DIR   (BUILD_DIR has tofd and bench/bench_send)
Needs root; takes the lab lock (/run/tof-lab.lock) and its own namespaces
(nfqb-*), removed at the end."""
import fcntl
import json
import os
import re
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

BUILD = sys.argv[1] if len(sys.argv) > 1 else "build-bench"
SECONDS = float(os.environ.get("TOF_BENCH_NFQ_SECONDS", "1"))
ROUNDS = int(os.environ.get("TOF_BENCH_NFQ_ROUNDS", "3"))
PAIRS = int(os.environ.get("TOF_BENCH_NFQ_PAIRS", "9"))
TUNNELS = int(os.environ.get("TOF_BENCH_NFQ_TUNNELS", "1000"))
NS_ENB, NS_SGW, NS_APP, NS_TOF = "nfqb-enb", "nfqb-sgw", "nfqb-app", "nfqb-tof"
# The frames' MACs (bench_send's, and the app's in tofd's config) ...
PEER_MAC = {"enb": "02:00:00:00:0e:01", "sgw": "02:00:00:00:05:02", "app": "02:00:00:00:0a:10"}
# ... are not the sinks' own: the far ends count each frame and drop it at
# once (not for this host), instead of routing it on the measured cores.
MAC = {"enb0": "02:00:00:00:ff:01", "sgw0": "02:00:00:00:ff:02", "app0": "02:00:00:00:ff:03"}
API = "127.0.0.1:18282"


def sh(*args, ns=None, check=True, **kw):
    if ns:
        args = ("ip", "netns", "exec", ns) + args
    return subprocess.run(args, check=check, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, **kw)


def net_up():
    for ns in (NS_ENB, NS_SGW, NS_APP, NS_TOF):
        sh("ip", "netns", "add", ns)
        sh("ip", "-n", ns, "link", "set", "lo", "up")
        sh("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
           "net.ipv6.conf.default.disable_ipv6=1", ns=ns)
    for ns, far, near in ((NS_ENB, "enb0", "s1-enb"), (NS_SGW, "sgw0", "s1-sgw"),
                          (NS_APP, "app0", "apps0")):
        sh("ip", "link", "add", far, "netns", ns, "address", MAC[far], "type", "veth",
           "peer", "name", near, "netns", NS_TOF)
        sh("ip", "-n", ns, "link", "set", far, "up")
        sh("ip", "-n", NS_TOF, "link", "set", near, "up")
    sh("ip", "-n", NS_TOF, "link", "add", "br-s1", "type", "bridge", "stp_state", "0",
       "forward_delay", "0")
    for port in ("s1-enb", "s1-sgw"):
        sh("ip", "-n", NS_TOF, "link", "set", port, "master", "br-s1")
    sh("ip", "-n", NS_TOF, "link", "set", "br-s1", "up")
    sh("sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=1", ns=NS_TOF)
    # the bridge knows where each side is from the start (no flooding)
    sh("bridge", "fdb", "add", PEER_MAC["sgw"], "dev", "s1-sgw", "master", "static", ns=NS_TOF)
    sh("bridge", "fdb", "add", PEER_MAC["enb"], "dev", "s1-enb", "master", "static", ns=NS_TOF)


def net_down():
    for ns in (NS_ENB, NS_SGW, NS_APP, NS_TOF):
        if os.path.exists("/run/netns/" + ns):
            for pid in sh("ip", "netns", "pids", ns, check=False).stdout.split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except OSError:
                    pass
            sh("ip", "netns", "del", ns, check=False)


def rx(ns, ifc):
    return int(sh("cat", "/sys/class/net/%s/statistics/rx_packets" % ifc, ns=ns).stdout)


def queued():
    out = sh("cat", "/proc/net/netfilter/nfnetlink_queue", ns=NS_TOF, check=False).stdout
    return sum(int(l.split()[7]) for l in out.splitlines() if len(l.split()) >= 8)


def send(ns, ifc, kind, secs, pps=None):
    args = ["taskset", "-c", "0", os.path.join(BUILD, "bench", "bench_send"), ifc, kind,
            str(TUNNELS), str(secs)] + ([str(pps)] if pps else [])
    out = sh(*args, ns=ns).stdout
    m = re.search(r"sent (\d+) in ([\d.]+) s", out)
    return int(m.group(1)), float(m.group(2))


def cpu_s(pid):
    """CPU seconds a process (all its threads) has used."""
    if pid is None:
        return 0.0
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(kind, src, sink, pid=None, secs=None, other=None):
    """Frames per second arriving at the sink while bench_send runs, what
    was offered, how many the kernel queued to tofd, tofd's CPU, and what
    arrived at the other S1 side (offload: passed by a full queue)."""
    r0, q0, c0 = rx(*sink), queued(), cpu_s(pid)
    o0 = rx(*other) if other else 0
    sent, secs = send(src[0], src[1], kind, secs or SECONDS)
    time.sleep(0.1)
    got, q, cpu = rx(*sink) - r0, queued() - q0, cpu_s(pid) - c0
    leaked = rx(*other) - o0 if other else 0
    return {"pps": got / secs, "offered": sent / secs, "queued": q, "cpu": cpu / secs,
            "qps": q / secs, "leaked": leaked / secs}


def tofd_start(work):
    cfg = {"mode": "dual", "dataplane": "kernel",
           "kernel": {"enb": "s1-enb", "sgw": "s1-sgw", "apps": "apps0", "bridge": "br-s1",
                      "queues": [0, 1]},
           "max_sessions": int(os.environ.get("TOF_BENCH_NFQ_SESSIONS", "65536")),
           "services": [{"name": "cache", "serviceIP": "203.0.113.100",
                         "applicationIP": "198.51.100.10", "applicationMAC": PEER_MAC["app"]}],
           "pinger": {"target": "203.0.113.1", "policy": "off"},
           "punt": {"rate_pps": 100000, "burst": 10000},
           "api": {"listen": API}}
    path = os.path.join(work, "tofd.json")
    with open(path, "w") as f:
        json.dump(cfg, f)
    log = open(os.path.join(work, "tofd.log"), "w")
    p = subprocess.Popen(["ip", "netns", "exec", NS_TOF, "taskset", "-c", "1",
                          os.path.join(BUILD, "tofd"), "run", "--config", path],
                         stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    end = time.time() + 20
    while "tofd run: ready" not in open(log.name).read():
        if p.poll() is not None or time.time() > end:
            raise SystemExit("bench_nfq: tofd did not start:\n" + open(log.name).read())
        time.sleep(0.05)
    return p


def stats():
    out = sh("curl", "-sf", "http://%s/stats" % API, ns=NS_TOF).stdout
    return json.loads(out)


def main():
    if os.geteuid() != 0:
        print("bench_nfq: needs root (network namespaces); skipped")
        return 0
    lock = open("/run/tof-lab.lock", "w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    work = tempfile.mkdtemp(prefix="tof-bench-nfq-")
    tofd = None
    net_down()
    try:
        net_up()
        up, down = (NS_ENB, "enb0"), (NS_SGW, "sgw0")
        app = (NS_APP, "app0")
        print("== kernel mode (tests/bench/bench_nfq.py): 100-octet GTP-U frames, %d tunnels, "
              "sender and bridge on core 0, tofd on core 1; medians of short turns" % TUNNELS)
        tofd = tofd_start(work)
        # learn every tunnel both ways, then confirm them to the kernel
        send(*up, "ul-pdn", 1.0, TUNNELS * 2)
        send(*down, "dl-pdn", 1.0, TUNNELS * 2)
        send(*up, "ul-pdn", 0.5, TUNNELS * 4)
        send(*down, "dl-pdn", 0.5, TUNNELS * 4)
        # The machine is shared: load from elsewhere comes and goes within
        # seconds. So the ceiling and the kernel's pass-through are measured
        # in short turns (the bridge alone is the same bridge with tofd's
        # jump rule out) and compared turn by turn; the rest in rounds.
        jump = [l for l in sh("iptables-nft", "-S", "FORWARD", ns=NS_TOF).stdout.splitlines()
                if "-j TOF-br-s1" in l][0].split(" ", 2)[2]
        bridge, known = [], []
        for _ in range(PAIRS):
            sh("iptables-nft", "-D", "FORWARD", *shlex.split(jump), ns=NS_TOF)
            bridge.append(measure("ul-pdn", up, down, secs=0.5))
            sh("iptables-nft", "-I", "FORWARD", "1", *shlex.split(jump), ns=NS_TOF)
            known.append(measure("ul-pdn", up, down, tofd.pid, secs=0.5))
        ref = statistics.median(m["pps"] for m in bridge)
        ratio = statistics.median(k["pps"] / b["pps"] for b, k in zip(bridge, known))
        print("  %-52s %7.0f kpps" % ("bridge alone (br_netfilter, no rules): the ceiling",
                                       ref / 1e3))
        k = sorted(known, key=lambda x: x["pps"])[len(known) // 2]
        print("  %-52s %7.0f kpps  %.2f x bridge;  %7d queued, tofd at %3.0f%% of a core" % (
            "pass-through, known tunnels (the kernel forwards)", k["pps"] / 1e3, ratio,
            sum(x["queued"] for x in known) // len(known), 100 * k["cpu"]))
        # Through tofd: what it handled (the packets queued to it), what a
        # full queue let by (fail-open), and its CPU.
        rows = [("pass-through via tofd (queued, ACCEPT)", "dl-echo", down, up, None),
                ("uplink offload (queued, decap + NAT, out of apps0)", "ul-svc", up, app, down)]
        got = [[] for _ in rows]
        for _ in range(ROUNDS):
            for i, (label, kind, src, sink, other) in enumerate(rows):
                got[i].append(measure(kind, src, sink, tofd.pid, other=other))
        for i, (label, kind, src, sink, other) in enumerate(rows):
            m = sorted(got[i], key=lambda x: x["qps"])[len(got[i]) // 2]
            handled = min(m["qps"], m["pps"])
            failopen = m["leaked"] if other else max(m["pps"] - m["qps"], 0)
            line = "  %-52s %7.0f kpps  %.2f x bridge;  tofd at %3.0f%% of a core" % (
                label, handled / 1e3, handled / ref, 100 * m["cpu"])
            if m["cpu"] > 0.05:
                line += " = %4.0f kpps per tofd core" % (handled / m["cpu"] / 1e3)
            if failopen > 0.01 * handled:
                line += "; %.0f kpps more passed by full queues" % (failopen / 1e3)
            print(line)
        st = stats()
        print("  (tofd: %d sessions, %d offloaded, tx drops %s)" % (
            st["sessions"], st["decisions"]["offload"]["packets"],
            {k: v["tx_drops"] for k, v in st["ports"].items()}))
    finally:
        if tofd and tofd.poll() is None:
            os.killpg(tofd.pid, signal.SIGTERM)
            try:
                tofd.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(tofd.pid, signal.SIGKILL)
        net_down()
        subprocess.run(["rm", "-rf", work])
    return 0


if __name__ == "__main__":
    sys.exit(main())
