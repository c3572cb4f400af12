#!/usr/bin/python3
"""The soak (make soak): tofd in the live lab for a few minutes of real
traffic while everything around it changes, watching that nothing grows
without bound and nothing is lost.

- traffic: eNB1's UEs ping the PDN and the edge service and fetch the
  service's page, round after round; eNB2's UEs do the same between churns;
- UE churn: eNB2's UEs detach and attach again (sgsnemu restarted) every
  SOAK_CHURN_S: new addresses, the GGSN reusing the old TEIDs;
- service churn: a write through the REST API every 100 ms, each answer
  checked against a model, the list checked against it (soak_api.py);
- idle purges: idle_timeout_s SOAK_IDLE_S, so the detached UEs' sessions go;
- a tofd restart (SIGTERM, start again) at 60 % of the run: every
  acknowledged API write must be there afterwards;
- samples every SOAK_SAMPLE_S: tofd's memory (heap and DPDK buffers) and
  open files, the session and
  service tables, API connections; printed as a table with the figures.

Fails when tofd's heap or open files keep growing after warm-up, the session
table holds more than the UEs that can be alive (or anything stale at the
end), an API write is answered otherwise than the model says or lost across
the restart, the stable UEs lose traffic outside the restart, or tofd does
not exit cleanly (a sanitizer report with TOFD=build-asan/tofd).

Run with tests/soak/run.sh (root). SOAK_SECONDS (default 180)."""
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

os.environ["TOF_LIVE_MIDDLE"] = "tofd"
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "live"))
import test_live as L  # noqa: E402  (the live suite's lab helpers)

DURATION = int(os.environ.get("SOAK_SECONDS", "180"))
CHURN_S = float(os.environ.get("SOAK_CHURN_S", "15"))
IDLE_S = int(os.environ.get("SOAK_IDLE_S", "4"))
SAMPLE_S = float(os.environ.get("SOAK_SAMPLE_S", "5"))
WARMUP_S = 30.0          # after a (re)start: mbufs and tables first touched
UES, UES2 = 4, 3
RSS_SLACK_KIB = 1024     # heap growth allowed within a run after warm-up
FD_SLACK = 4
LOSS_MAX = 0.01          # stable UEs' pings lost outside the restart


def log(msg):
    print("soak: " + msg, flush=True)


class Soak:
    def __init__(self):
        self.t0 = time.monotonic()
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.samples = []          # dicts
        self.lifetimes = [0.0]     # start times of tofd runs
        self.restart = None        # (t_from, t_to)
        self.rounds = []           # (t0, t1, pings sent, answered, page fetched)
        self.churned = {"sent": 0, "got": 0, "curl_ok": 0, "curl_fail": 0}
        self.cycles = 0
        self.attach_retries = 0
        self.max_sessions = 0
        self.problems = []

    def now(self):
        return time.monotonic() - self.t0

    # --- the lab and tofd ---

    def start(self):
        L.lab("up", "--ues", str(UES), "--ues2", str(UES2))
        conf = json.loads(L.lab("tofd-config", "--idle", str(IDLE_S)).stdout)
        conf["state_file"] = str(L.RUN / "state.json")
        conf["purge_interval_ms"] = 500
        # Tables of a size the run fills, so their pages are all touched
        # during warm-up: what grows after it is a leak, not first use of a
        # million-session table's pages.
        conf["max_sessions"] = 1024
        L._tofd_config_path().write_text(json.dumps(conf))
        L._tofd_launch()
        L.lab("enb-up", timeout=90)
        self.t0 = time.monotonic()
        self.lifetimes = [0.0]

    def tofd_pid(self):
        return L._tofd["proc"].pid

    # --- load ---

    def stable_traffic(self, u):
        while not self.stop.is_set():
            t0 = self.now()
            sent, got, _ = L.ue_ping(u.n, L.PDN_IP, count=10, interval=0.1, wait=1)
            s2, g2, _ = L.ue_ping(u.n, L.SERVICE_IP, count=5, interval=0.1, wait=1)
            c = L.ue_curl(u.n, "http://%s/" % L.SERVICE_IP, timeout=5)
            fetched = c.returncode == 0 and c.stdout == L.APP_PAGE
            with self.lock:
                self.rounds.append((t0, self.now(), sent + s2, got + g2, fetched))

    def churned_traffic(self):
        while not self.stop.is_set():
            try:
                todo = [u for u in L.ues() if u.enb == L.ENB_IPS[1]]
            except OSError:
                todo = []  # between a detach and the attach
            for u in todo:
                sent, got, _ = L.ue_ping(u.n, L.PDN_IP, count=3, interval=0.1, wait=1)
                c = L.ue_curl(u.n, "http://%s/" % L.SERVICE_IP, timeout=3)
                with self.lock:
                    self.churned["sent"] += sent
                    self.churned["got"] += got
                    self.churned["curl_ok" if c.returncode == 0 else "curl_fail"] += 1
            self.stop.wait(0.5)

    def ue_churn(self):
        while not self.stop.wait(CHURN_S):
            p = L.lab("enb-cycle", "2", timeout=60, check=False)
            if p.returncode != 0:
                # lab.sh says why in its "lab:" lines, then dumps the logs
                why = [ln for ln in p.stderr.splitlines() if ln.startswith("lab:")]
                self.problems.append("enb-cycle 2 failed: %s" % "; ".join(why[:5]))
                (L.RUN.parent / "tof-soak-enb-cycle.log").write_text(p.stderr)
                return
            self.cycles += 1
            if "once more" in p.stderr:  # osmo-ggsn lost an attach: lab.sh retried
                self.attach_retries += 1

    # --- watching ---

    def sample(self):
        pid = self.tofd_pid()
        mem, fds = {}, None
        try:
            for line in Path("/proc/%d/status" % pid).read_text().splitlines():
                k = line.split(":")[0]
                if k in ("VmRSS", "RssAnon", "RssShmem"):
                    mem[k] = int(line.split()[1])
            fds = len(os.listdir("/proc/%d/fd" % pid))
        except OSError:
            return
        rss = mem.get("VmRSS")
        st = L.tofd_api("/stats") or {}
        m = L.run(["curl", "-sf", "--max-time", "5", L.TOFD_API + "/metrics"], ns=L.NS_TOF,
                  timeout=10).stdout
        conns = [int(x.split()[1]) for x in m.splitlines() if x.startswith("tof_api_connections ")]
        s = {"t": self.now(), "rss_kib": rss, "anon_kib": mem.get("RssAnon"),
             "shmem_kib": mem.get("RssShmem"), "fds": fds, "sessions": st.get("sessions"),
             "services": len(st.get("services", [])), "api_conns": conns[0] if conns else None,
             "purged": st.get("agent", {}).get("purged_idle"),
             "learned": st.get("agent", {}).get("uplink_learned")}
        self.samples.append(s)
        if s["sessions"] is not None:
            self.max_sessions = max(self.max_sessions, s["sessions"])
        log("t=%5.0fs rss %6.1f MiB (heap %6.1f, DPDK %6.1f)  fds %3s  sessions %3s  "
            "services %3s  api conns %s  purged %s"
            % (s["t"], rss / 1024, s["anon_kib"] / 1024, s["shmem_kib"] / 1024, fds,
               s["sessions"], s["services"], s["api_conns"], s["purged"]))

    def restart_tofd(self, churner_pause, churner_paused):
        churner_pause.touch()
        end = time.monotonic() + 20
        while not churner_paused.exists() and time.monotonic() < end:
            time.sleep(0.05)
        t_from = self.now()
        rc = L._tofd_stop()
        if rc != 0:
            self.problems.append("tofd exited with %s on SIGTERM (restart)" % rc)
        L._tofd_launch()
        self.restart = (t_from, self.now())
        self.lifetimes.append(self.now())
        log("tofd restarted in %.1fs" % (self.restart[1] - self.restart[0]))
        churner_pause.unlink()

    # --- verdicts ---

    def check_growth(self):
        """Within each tofd run, after warm-up: the last third's peak heap
        (RssAnon: tables, agent, API; where a leak would show) and open
        files may not exceed the first third's by more than the slack. DPDK's
        buffers (RssShmem with --no-huge) are reported: they are touched for
        the first time as the pool cycles, up to its fixed size."""
        figures = []
        ends = self.lifetimes[1:] + [float("inf")]
        for start, end in zip(self.lifetimes, ends):
            xs = [s for s in self.samples if start + WARMUP_S <= s["t"] < end]
            if len(xs) < 6:
                figures.append("run from %.0fs: %d samples after warm-up (too few to judge)"
                               % (start, len(xs)))
                continue
            third = len(xs) // 3
            first, last = xs[:third], xs[-third:]

            def grow(k):
                return max(s[k] for s in last) - max(s[k] for s in first)
            span = (xs[-1]["t"] - xs[0]["t"]) / 60
            slope = (xs[-1]["anon_kib"] - xs[0]["anon_kib"]) / span if span else 0
            fd_grow = max(s["fds"] for s in last) - min(s["fds"] for s in first)
            figures.append("run from %.0fs: heap %.1f -> %.1f MiB (peak of last third %+d KiB "
                           "over the first; %+.0f KiB/min), DPDK buffers %+d KiB, RSS %.1f -> "
                           "%.1f MiB, open files %d -> %d"
                           % (start, xs[0]["anon_kib"] / 1024, xs[-1]["anon_kib"] / 1024,
                              grow("anon_kib"), slope, grow("shmem_kib"),
                              xs[0]["rss_kib"] / 1024, xs[-1]["rss_kib"] / 1024, xs[0]["fds"],
                              xs[-1]["fds"]))
            if grow("anon_kib") > RSS_SLACK_KIB:
                self.problems.append("the heap grew by %d KiB within a run after warm-up"
                                     % grow("anon_kib"))
            if fd_grow > FD_SLACK:
                self.problems.append("open files grew by %d within a run" % fd_grow)
        return figures

    def check_traffic(self):
        """The stable UEs' rounds that did not overlap the restart: pings
        answered, and every fetch of the service's page whole."""
        r0, r1 = self.restart or (float("inf"), float("inf"))
        outside = [r for r in self.rounds if r[1] < r0 - 1 or r[0] > r1 + 3]
        sent = sum(r[2] for r in outside)
        got = sum(r[3] for r in outside)
        fetched = sum(1 for r in outside if r[4])
        loss = (sent - got) / sent if sent else 1.0
        if not sent:
            self.problems.append("the stable UEs sent nothing")
        elif loss > LOSS_MAX:
            self.problems.append("stable UEs lost %.2f%% of their pings outside the restart"
                                 % (100 * loss))
        if fetched < len(outside):
            self.problems.append("%d of %d fetches of the service's page failed outside the "
                                 "restart" % (len(outside) - fetched, len(outside)))
        return sent, got, loss, fetched, len(outside)


def main():
    if os.geteuid() != 0:
        print("tests/soak needs root")
        return 1
    soak = Soak()
    churner = None
    ok = False
    try:
        log("lab up, tofd %s, %d s" % (L.TOFD, DURATION))
        soak.start()
        pause, paused, stop = (L.RUN / n for n in ("soak.pause", "soak.paused", "soak.stop"))
        churner = subprocess.Popen(["ip", "netns", "exec", L.NS_TOF, L.PY,
                                    str(Path(__file__).with_name("soak_api.py")),
                                    "--run", str(L.RUN), "--api", L.TOFD_API],
                                   stdout=subprocess.PIPE, text=True)
        stable = [u for u in L.ues() if u.enb == L.ENB_IPS[0]]
        threads = [threading.Thread(target=soak.stable_traffic, args=(u,)) for u in stable]
        threads += [threading.Thread(target=soak.churned_traffic),
                    threading.Thread(target=soak.ue_churn)]
        for t in threads:
            t.start()
        restarted = False
        while soak.now() < DURATION:
            soak.sample()
            if not restarted and soak.now() >= 0.6 * DURATION:
                soak.restart_tofd(pause, paused)
                restarted = True
            time.sleep(SAMPLE_S)
        stop.touch()
        out, _ = churner.communicate(timeout=60)
        api = json.loads(out.strip().splitlines()[-1])
        soak.stop.set()
        for t in threads:
            t.join(60)
        # the detached UEs' sessions must go: only live UEs remain
        time.sleep(IDLE_S + 2)
        soak.sample()
        live = {u.ip for u in L.ues()}
        sessions = L.tofd_sessions() or []
        stale = [s["ue"] for s in sessions if s.get("ue") not in live]
        bound = UES + UES2 * (1 + int((IDLE_S + 1) // CHURN_S + 1))
        problem = L.tofd_exit_problem(L._tofd_stop())
        figures = soak.check_growth()
        sent, got, loss, fetched, rounds = soak.check_traffic()
        # --- the figures ---
        log("---- figures (%d s, %d samples) ----" % (DURATION, len(soak.samples)))
        for f in figures:
            log(f)
        log("sessions: at most %d at once (bound %d: %d stable + %d churned UEs, the last "
            "ones not yet purged); %d at the end, %d stale"
            % (soak.max_sessions, bound, UES, UES2, len(sessions), len(stale)))
        log("UE churn: %d detach/attach cycles of eNB2's %d UEs (%d attach retried by the "
            "lab); purged idle sessions: %s" % (soak.cycles, UES2, soak.attach_retries,
                                                soak.samples[-1]["purged"]))
        log("API: %d writes (%d POST, %d PUT, %d DELETE, %d of them clashing), %d list "
            "checks, %d problems" % (api["counts"]["writes"], api["counts"]["post"],
                                     api["counts"]["put"], api["counts"]["delete"],
                                     api["counts"]["clash"], api["counts"]["checks"],
                                     api["n_problems"]))
        log("traffic: stable UEs %d/%d pings answered outside the restart (%.2f%% lost), "
            "service page %d/%d fetched; churned UEs %d/%d pings, page %d/%d"
            % (got, sent, 100 * loss, fetched, rounds, soak.churned["got"],
               soak.churned["sent"], soak.churned["curl_ok"],
               soak.churned["curl_ok"] + soak.churned["curl_fail"]))
        if soak.restart:
            log("tofd restart: %.1f s from SIGTERM to forwarding again"
                % (soak.restart[1] - soak.restart[0]))
        # --- the verdict ---
        soak.problems += api["problems"]
        if soak.max_sessions > bound:
            soak.problems.append("sessions reached %d, more than %d UEs can be alive"
                                 % (soak.max_sessions, bound))
        if stale:
            soak.problems.append("sessions of detached UEs never purged: %s" % stale[:10])
        if not soak.cycles or not soak.samples[-1]["purged"]:
            soak.problems.append("no UE churn or no idle purge happened")
        if problem:
            soak.problems.append(problem)
        if api["counts"]["writes"] < DURATION * 5:
            soak.problems.append("only %d API writes in %d s" % (api["counts"]["writes"],
                                                                  DURATION))
        ok = not soak.problems
    finally:
        soak.stop.set()
        if churner and churner.poll() is None:
            churner.kill()
        L._tofd_stop()
        L.lab("down", check=False)
    for p in soak.problems:
        log("FAIL: " + p)
    print("%d passed, %d failed" % (1 if ok else 0, 0 if ok else 1))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
