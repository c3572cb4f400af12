"""Live tests of kernel mode only: what the kernel decides by itself, and
what happens when tofd stops (SIGTERM) or dies (kill -9).

These are mixed into test_live.py (class WhenTofdDies) so they share its
lab, tofd and helpers (self.live is that module); run them with
TOF_LIVE_MIDDLE=kernel tests/live/run.sh.
"""
import json
import os
import re
import signal
import threading
import time

CHAIN = "TOF-br-s1"


class KernelTests:
    live = None  # the test_live module
    single = False  # single mode: one S1 port, sides told apart by address

    def dual_only(self):
        if self.single:
            self.skipTest("stopping and killing tofd: tested in dual mode")

    # -- helpers ---------------------------------------------------------

    def tof(self, *args, check=True):
        L = self.live
        return L.run(list(args), ns=L.NS_TOF, timeout=30, check=check).stdout

    def queued(self):
        """Packets the kernel has queued so far, by queue number."""
        out = self.tof("cat", "/proc/net/netfilter/nfnetlink_queue", check=False)
        res = {}
        for line in out.splitlines():
            f = line.split()
            if len(f) >= 8:
                res[int(f[0])] = int(f[7])  # id_sequence
        return res

    def rules(self):
        return self.tof("iptables-nft", "-S") + self.tof("ip6tables-nft", "-S")

    def assert_our_rules(self):
        """One jump from FORWARD per family; our chain with the kernel's
        pass and the queue for each side (single mode: each side by its
        addresses, which the lab has for IPv4 only)."""
        for cmd in ("iptables-nft", "ip6tables-nft"):
            queues = set() if self.single and cmd.startswith("ip6") else {"0", "1"}
            fwd = self.tof(cmd, "-S", "FORWARD")
            self.assertEqual(len(re.findall(r"-j %s\b" % CHAIN, fwd)), 1, "%s: %s" % (cmd, fwd))
            chain = self.tof(cmd, "-S", CHAIN)
            self.assertEqual(set(re.findall(r"--queue-num (\d+) --queue-bypass", chain)), queues, chain)
            self.assertEqual(chain.count("-m bpf"), 1, chain)

    def service_answers(self, u):
        L = self.live
        c = L.ue_curl(u.n, "http://%s/" % L.SERVICE_IP, timeout=15)
        return c.returncode == 0 and c.stdout == L.APP_PAGE

    # -- tests -----------------------------------------------------------

    def test_40_known_tunnels_stay_in_the_kernel(self):
        """Once a tunnel is known, its packets are forwarded by the kernel:
        tofd sees about one per refresh interval, and still counts them all."""
        L = self.live
        u = L.general_ues()[0]
        sent, got, _ = L.ue_ping(u.n, L.PDN_IP, count=2)
        self.assertEqual(got, sent)
        self.assert_our_rules()
        q0, st0 = self.queued(), L.tofd_api("/stats")
        sent, got, p = L.ue_ping(u.n, L.PDN_IP, count=300, interval=0.01, wait=1)
        q1, st1 = self.queued(), L.tofd_api("/stats")
        self.assertEqual((sent, got), (300, 300), p.stdout)
        up, down = q1[0] - q0[0], q1[1] - q0[1]
        L.log("kernel mode: 300 pings, queued to tofd: %d uplink, %d downlink" % (up, down))
        self.assertLess(up, 60, "most uplink packets must stay in the kernel")
        self.assertLess(down, 60, "most downlink packets must stay in the kernel")
        # single mode: both directions come in on the one S1 port
        ports = (("s1", 600),) if self.single else (("enb", 300), ("sgw", 300))
        for port, want in ports:
            d = st1["ports"][port]["rx_packets"] - st0["ports"][port]["rx_packets"]
            self.assertGreaterEqual(d, want, "/stats counts the kernel's packets (%s)" % port)
        # /metrics says the same
        p = L.run(["curl", "-sf", L.TOFD_API + "/metrics"], ns=L.NS_TOF, timeout=10, check=True)
        self.assertIn("tof_dataplane_up 1", p.stdout)
        for port, want in ports:
            m = re.search(r'^tof_rx_packets_total\{port="%s"\} (\d+)$' % port, p.stdout, re.M)
            self.assertTrue(m, "tof_rx_packets_total for %s" % port)
            self.assertGreaterEqual(int(m.group(1)), st1["ports"][port]["rx_packets"])

    def test_41_sigterm_removes_the_rules(self):
        """On SIGTERM tofd takes its rules out and the bridge goes on
        forwarding: the PDN stays reachable, the service does not (its
        packets go to the core again). Restarted, it offloads again."""
        self.dual_only()
        L = self.live
        u = L.general_ues()[0]
        self.assertEqual(L._tofd_stop(), 0, "exit status on SIGTERM")
        rules = self.rules()
        self.assertNotIn(CHAIN, rules)
        self.assertNotIn("NFQUEUE", rules)
        self.assertIn("UP", self.tof("ip", "-o", "link", "show", "br-s1"))
        try:
            sent, got, p = L.ue_ping(u.n, L.PDN_IP, count=5)
            self.assertEqual(got, sent, p.stdout)
            sent, got, _ = L.ue_ping(u.n, L.SERVICE_IP, count=2, wait=1)
            self.assertEqual(got, 0, "without tofd nobody answers the service IP")
        finally:
            L._tofd_launch()
        self.assert_our_rules()
        self.assertTrue(self.service_answers(u), "offload after the restart")

    def test_42_kill9_fails_open(self):
        """1000 pings at 10 ms from a UE to the PDN; tofd is killed with
        kill -9 mid-way. The kernel keeps bridging: at most the packets
        queued to tofd at that moment are lost. Restarted, tofd replaces
        the rules it left and offloads again."""
        self.dual_only()
        L = self.live
        u = L.general_ues()[0]
        L.ue_ping(u.n, L.PDN_IP, count=2)
        out = {}

        def pinger():
            out["r"] = L.ue_ping(u.n, L.PDN_IP, count=1000, interval=0.01, wait=1)

        t = threading.Thread(target=pinger)
        t.start()
        time.sleep(4)
        proc = L._tofd["proc"]
        in_queue = self.tof("cat", "/proc/net/netfilter/nfnetlink_queue", check=False)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        L._tofd_stop()
        t.join(60)
        sent, got, p = out["r"]
        lost = sent - got
        waiting = sum(int(l.split()[2]) for l in in_queue.splitlines() if len(l.split()) > 2)
        L.log("fail-open: kill -9 mid-way through 1000 pings at 10 ms: %d lost "
              "(%d queued to tofd just before the kill)" % (lost, waiting))
        print("fail-open: lost %d of %d pings across kill -9" % (lost, sent))
        self.assertEqual(sent, 1000, p.stdout)
        self.assertLessEqual(lost, 2, "lost %d of %d: %s" % (lost, sent, p.stdout))
        # the dead tofd's rules are still there (they let everything through)
        self.assertIn(CHAIN, self.rules())
        sent, got, _ = L.ue_ping(u.n, L.PDN_IP, count=3)
        self.assertEqual(got, sent)
        L._tofd_launch()
        self.assert_our_rules()
        self.assertTrue(self.service_answers(u), "offload after the restart")

    def test_43_full_queue_fails_open(self):
        """A tofd that cannot keep up (here: stopped with SIGSTOP, so its
        queues stay bound) does not hold the link: once a queue holds its
        maximum, the kernel lets further packets through (fail-open queue).
        GTP-U echo requests always go to tofd's queue; of 20000 sent while
        tofd is stopped, those beyond the queue's 16384 (tofd's
        NFQ_QUEUE_MAXLEN) reach the SGW at once, the rest when tofd resumes."""
        self.dual_only()
        L = self.live
        n, maxlen = 20000, 16384
        sender = ("import socket, struct\n"
                  "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                  "s.bind(('%s', 0))\n"
                  "for i in range(%d):\n"
                  "    s.sendto(struct.pack('!BBHIHBB', 0x32, 1, 4, 0, i & 0xffff, 0, 0),"
                  " ('%s', 2152))\n" % (L.ENB_IPS[0], n, L.SGW_IP))
        proc = L._tofd["proc"]
        with L.captures("sgw", bpf="udp port 2152") as caps:
            os.kill(proc.pid, signal.SIGSTOP)
            try:
                L.run([L.PY, "-c", sender], ns=L.NS_ENB, timeout=60, check=True)
                time.sleep(1.0)
                resumed = time.time()
            finally:
                os.kill(proc.pid, signal.SIGCONT)
            # tofd works through its queue (slower on a loaded machine):
            # wait until the capture has not grown for a second
            last, still, end = -1, 0, time.time() + 30
            while time.time() < end and still < 4:
                time.sleep(0.25)
                size = os.path.getsize(caps["sgw"].path)
                still = still + 1 if size == last else 0
                last = size
        try:
            reqs = [p for p in caps["sgw"].packets() if p.gtp_type == 1 and p.src == L.ENB_IPS[0]
                    and p.dport == 2152]
        finally:
            caps["sgw"].cleanup()
        early = sum(1 for p in reqs if p.ts < resumed)
        L.log("fail-open queue: %d of %d echo requests passed while tofd was stopped, %d in "
              "all" % (early, n, len(reqs)))
        self.assertGreaterEqual(early, n - maxlen - 100, "the excess must pass at once")
        self.assertLessEqual(early, n - maxlen + 100, "the queue holds its maximum")
        # the queued ones follow when tofd resumes (4096 at once may overrun
        # a veth's backlog on the way, so: most of them)
        self.assertGreaterEqual(len(reqs) - early, maxlen * 3 // 4,
                                "the queued ones follow when tofd resumes")
        sent, got, _ = L.ue_ping(L.general_ues()[0].n, L.PDN_IP, count=3)
        self.assertEqual(got, sent, "tofd works on")

    def test_44_second_tofd_refused(self):
        """A second tofd on the same bridge stops at start-up, says why, and
        leaves the first one's rules, queues and offload alone."""
        self.dual_only()
        L = self.live
        conf = json.loads(L._tofd_config_path().read_text())
        conf["api"] = {"listen": "127.0.0.1:0"}
        path = L.RUN / "tofd-second.json"
        path.write_text(json.dumps(conf))
        try:
            p = L.run([L.TOFD, "run", "--config", str(path)], ns=L.NS_TOF, timeout=30)
        finally:
            path.unlink()
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("another tofd runs on the bridge br-s1", p.stderr)
        self.assert_our_rules()
        u = L.general_ues()[0]
        sent, got, _ = L.ue_ping(u.n, L.PDN_IP, count=3)
        self.assertEqual(got, sent)
        self.assertTrue(self.service_answers(u), "the first tofd still offloads")
