#!/usr/bin/python3
"""The TOF image (make image): built, cached, small, and the same tofd.

- make image builds localhost/tof:VERSION and :latest; run again with
  nothing changed it does not rebuild; the image is under 150 MB and says
  what it is (entrypoint tofd, non-root user, HEALTHCHECK, labels);
- `podman run IMAGE replay ...` writes byte for byte what the host build
  writes, on shared captures and on a generated offload case;
- `podman run IMAGE --check-config` accepts a good config and refuses a bad
  one with exit 2;
- `tofd run --no-dataplane` in the container as the image's non-root user:
  the image's HEALTHCHECK turns healthy, SIGHUP (podman kill and
  `tofd reload` inside) reloads services, JSON log lines, SIGTERM exit 0;
- `tofd run` with a DPDK data plane in the container with only NET_ADMIN,
  NET_RAW, IPC_LOCK and SYS_NICE and the host's hugepages.

Run by tests/deploy/image.sh (root). Prints "N passed, N failed".
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests/replay"))
import gen  # noqa: E402  (the replay tests' capture builders)

TOFD = os.environ.get("TOFD", str(ROOT / "build/tofd"))
IMAGE = os.environ.get("TOF_IMAGE", "localhost/tof")
# This tree's image by its content tag (set by Build.test_01): :latest may
# be moved by another tree's make image on the same machine meanwhile.
TAG = {"image": None}
SHARED = Path(os.environ.get("TOF_SHARED", ROOT.parent / "shared")) / "pcaps"
VERSION = re.search(r'#define TOF_VERSION "([^"]+)"', (ROOT / "tof/version.h").read_text()).group(1)
CAPS = ["NET_ADMIN", "NET_RAW", "IPC_LOCK", "SYS_NICE"]
NAME = "tof-image-test-%d" % os.getpid()


def run(args, timeout=120, check=False, **kw):
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=timeout, **kw)
    if check and p.returncode != 0:
        raise AssertionError("%s: exit %d\n%s%s" % (" ".join(map(str, args)), p.returncode,
                                                     p.stdout[-3000:], p.stderr[-3000:]))
    return p


def podman(*args, **kw):
    return run(["podman"] + list(args), **kw)


def image():
    """This tree's image (built once by the first test, or found cheaply)."""
    if TAG["image"] is None:
        p = run([str(ROOT / "deploy/image/build.sh"), "--tag"], timeout=1800, check=True)
        TAG["image"] = p.stdout.strip().splitlines()[-1]
    return TAG["image"]


def wait_until(pred, timeout, what):
    end = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > end:
            raise AssertionError("%s: not within %ds" % (what, timeout))
        time.sleep(0.3)


class Build(unittest.TestCase):
    def test_01_make_image_builds_and_tags(self):
        p = run([str(ROOT / "deploy/image/build.sh"), "--tag"], timeout=1800, check=True)
        print(p.stdout.strip(), file=sys.stderr)
        TAG["image"] = p.stdout.strip().splitlines()[-1]
        self.assertTrue(TAG["image"].startswith(IMAGE + ":src-"))
        ids = {podman("image", "inspect", "--format", "{{.Id}}", t, check=True).stdout.strip()
               for t in ("%s:%s" % (IMAGE, VERSION), "%s:latest" % IMAGE, TAG["image"])}
        self.assertEqual(len(ids), 1, "VERSION, latest and the content tag are the same image")

    def test_02_again_is_a_no_op(self):
        before = podman("image", "inspect", "--format", "{{.Id}}", image(), check=True).stdout
        p = run([str(ROOT / "deploy/image/build.sh"), "--tag"], timeout=600, check=True)
        self.assertIn("up to date", p.stdout)
        self.assertEqual(p.stdout.strip().splitlines()[-1], image())
        after = podman("image", "inspect", "--format", "{{.Id}}", image(), check=True).stdout
        self.assertEqual(before, after)

    def test_03_small_and_described(self):
        info = json.loads(podman("image", "inspect", image(), check=True).stdout)[0]
        size_mb = info["Size"] / 1e6
        print("image size: %.1f MB" % size_mb, file=sys.stderr)
        self.assertLess(size_mb, 150)
        cfg = info["Config"]
        self.assertEqual(cfg["Entrypoint"], ["/usr/bin/tofd"])
        self.assertNotIn(cfg.get("User", ""), ("", "0", "root", "0:0"))
        self.assertEqual(cfg["Labels"]["org.tof.version"], VERSION)
        hc = info.get("Healthcheck") or {}
        self.assertEqual(hc.get("Test", [])[:3], ["CMD", "/usr/bin/tofd", "health"])
        p = podman("run", "--rm", "--network", "none", image(), "--version", check=True)
        self.assertEqual(p.stdout.strip(), "tofd " + VERSION)


def offload_case(d):
    """A generated capture pair that offloads, replies and pings."""
    ue = gen.UE
    up = [gen.uplink(gen.icmp_echo(ue, gen.PDN)), gen.uplink(gen.tcp(ue, gen.SERVICE)),
          gen.downlink(gen.icmp_echo(gen.PDN, ue, reply=True)), gen.uplink(gen.udp(ue, gen.SERVICE))]
    gen.stamp(up)
    reply = gen.tcp(gen.APP, ue, sport=80, dport=40001, flags="SA")
    apps = [gen.at("0.05", gen.app_frame(reply))]
    enb = [p for p in up if p[gen.IP].src == gen.ENB]
    sgw = [p for p in up if p[gen.IP].src == gen.SGW]
    gen.write_pcap(str(d / "enb.in.pcap"), enb)
    gen.write_pcap(str(d / "sgw.in.pcap"), sgw)
    gen.write_pcap(str(d / "apps.in.pcap"), apps)
    return ["--in-enb", str(d / "enb.in.pcap"), "--in-sgw", str(d / "sgw.in.pcap"),
            "--in-apps", str(d / "apps.in.pcap")]


class Replay(unittest.TestCase):
    """The image's tofd and the host's, on the same inputs: the same bytes."""

    @classmethod
    def setUpClass(cls):
        cls.dir = Path(tempfile.mkdtemp(prefix="tof-image-replay-", dir="/var/tmp"))
        os.chmod(cls.dir, 0o755)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def same_output(self, tag, config, inputs):
        d = self.dir / tag
        d.mkdir()
        (d / "tof.json").write_text(json.dumps(config))
        out = d / "out"
        args = ["replay", "--config", str(d / "tof.json")] + inputs + ["--out", str(out)]
        host = run([TOFD] + args, check=True)
        os.rename(out, d / "host")
        out.mkdir()
        os.chown(out, 65532, 65532)
        mounts = ["-v", "%s:%s" % (self.dir, self.dir)]
        if SHARED.is_dir():
            mounts += ["-v", "%s:%s:ro" % (SHARED, SHARED)]
        img = podman("run", "--rm", "--network", "none", *mounts, image(), *args, check=True)
        self.assertEqual(img.stdout, host.stdout, "the summary differs")
        files = sorted(f.name for f in (d / "host").iterdir())
        self.assertEqual(files, sorted(f.name for f in out.iterdir()))
        self.assertIn("stats.json", files)
        self.assertTrue(any(f.endswith(".pcap") for f in files))
        for f in files:
            self.assertEqual((d / "host" / f).read_bytes(), (out / f).read_bytes(), "%s: %s differs" % (tag, f))
        return files

    def test_shared_captures(self):
        """Every shared capture with GTP-U, through the eNB side: learning,
        pinger probes, counters."""
        caps = [c for c in ("nfstream-gtp-u.pcap", "open5gs-5g-roaming-lbo.pcapng",
                            "ndpi-ipv6-in-gtp.pcap") if (SHARED / c).exists()]
        if not caps:
            self.skipTest("no shared captures in %s" % SHARED)
        cfg = {"mode": "dual", "pinger": {"target": gen.TARGET, "key": 7}, "idle_timeout_s": 0}
        for c in caps:
            self.same_output(c, cfg, ["--in-enb", str(SHARED / c)])

    def test_offload_case(self):
        cfg = {"mode": "dual", "pinger": {"target": gen.TARGET, "key": 7},
               "services": [{"name": "cache", "serviceIP": gen.SERVICE, "applicationIP": gen.APP,
                             "applicationMAC": gen.APP_MAC}]}
        d = self.dir / "gen"
        d.mkdir()
        files = self.same_output("offload", cfg, offload_case(d))
        self.assertIn("apps.pcap", files)
        self.assertGreater((self.dir / "offload/host/apps.pcap").stat().st_size, 24, "something was offloaded")


class CheckConfig(unittest.TestCase):
    def test_good_and_bad(self):
        d = Path(tempfile.mkdtemp(prefix="tof-image-cfg-", dir="/var/tmp"))
        try:
            os.chmod(d, 0o755)
            good = json.loads((ROOT / "deploy/etc/tof.json").read_text())
            good["state_file"] = "/tmp/state.json"
            (d / "good.json").write_text(json.dumps(good))
            (d / "bad.json").write_text(json.dumps(dict(good, idle_timeout_s="soon")))
            for f in ("good.json", "bad.json"):
                os.chmod(d / f, 0o644)
            p = podman("run", "--rm", "--network", "none", "-v", "%s:/etc/tof:ro" % d,
                       image(), "--check-config", "/etc/tof/good.json")
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertIn(": ok:", p.stdout)
            p = podman("run", "--rm", "--network", "none", "-v", "%s:/etc/tof:ro" % d,
                       image(), "--check-config", "/etc/tof/bad.json")
            self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
            self.assertIn('"idle_timeout_s"', p.stderr)
        finally:
            shutil.rmtree(d, ignore_errors=True)


def svc(name, sip, aip):
    return {"name": name, "serviceIP": sip, "applicationIP": aip}


class RunInContainer(unittest.TestCase):
    """tofd run --no-dataplane as the image's own user, no host network."""

    def setUp(self):
        self.dir = Path(tempfile.mkdtemp(prefix="tof-image-run-", dir="/var/tmp"))
        os.chmod(self.dir, 0o755)
        (self.dir / "etc").mkdir()
        (self.dir / "state").mkdir()
        os.chown(self.dir / "state", 65532, 65532)
        self.cfg = {"mode": "dual", "state_file": "/var/lib/tof/state.json",
                    "log": {"format": "json"},
                    "services": [svc("cache", "203.0.113.100", "198.51.100.10"),
                                 svc("old", "203.0.113.101", "198.51.100.11")]}
        self.write_config()

    def tearDown(self):
        podman("rm", "--force", "--time", "5", NAME)
        shutil.rmtree(self.dir, ignore_errors=True)

    def write_config(self):
        f = self.dir / "etc/tof.json"
        f.write_text(json.dumps(self.cfg))
        os.chmod(f, 0o644)

    def health(self, ready=False):
        p = podman("exec", NAME, "/usr/bin/tofd", "health", "--config", "/etc/tof/tof.json",
                   *(["--ready"] if ready else []))
        m = re.search(r"\{.*\}", p.stdout)
        return p.returncode, json.loads(m.group(0)) if m else None

    def logs(self):
        p = podman("logs", NAME, check=True)
        return [json.loads(l) for l in (p.stdout + p.stderr).splitlines() if l.startswith("{")]

    def test_health_reload_logs_stop(self):
        podman("run", "--detach", "--name", NAME, "--network", "none",
               "-v", "%s:/etc/tof:ro" % (self.dir / "etc"), "-v", "%s:/var/lib/tof" % (self.dir / "state"),
               image(), "run", "--config", "/etc/tof/tof.json", "--no-dataplane", check=True)
        # the image's own HEALTHCHECK (tofd health on /health/live)
        wait_until(lambda: podman("healthcheck", "run", NAME).returncode == 0, 30, "HEALTHCHECK healthy")
        rc, h = self.health(ready=True)
        self.assertEqual((rc, h["ready"], h["services"]), (0, True, 2))
        state = self.dir / "state/state.json"
        self.assertEqual(os.stat(state).st_uid, 65532, "the state file is written as the image's user")

        # SIGHUP through podman: cache changes, old goes, new comes
        self.cfg["services"] = [svc("cache", "203.0.113.100", "198.51.100.20"),
                                svc("new", "203.0.113.102", "198.51.100.12")]
        self.write_config()
        podman("kill", "--signal", "HUP", NAME, check=True)
        wait_until(lambda: any(e["event"] == "services_reloaded" for e in self.logs()), 10, "reload logged")
        ev = [e for e in self.logs() if e["event"] == "services_reloaded"][-1]
        self.assertEqual((ev["added"], ev["updated"], ev["removed"]), (1, 1, 1))
        saved = {s["name"]: s["applicationIP"] for s in json.loads(state.read_text())["services"]}
        self.assertEqual(saved, {"cache": "198.51.100.20", "new": "198.51.100.12"})

        # a bad file changes nothing and says which field; `tofd reload`
        # inside the container signals its PID 1
        (self.dir / "etc/tof.json").write_text(json.dumps(dict(self.cfg, idle_timeout_s="soon", services=[])))
        podman("exec", NAME, "/usr/bin/tofd", "reload", check=True)
        wait_until(lambda: any(e["event"] == "reload_failed" for e in self.logs()), 10, "reload_failed logged")
        bad = [e for e in self.logs() if e["event"] == "reload_failed"][-1]
        self.assertIn('"idle_timeout_s"', bad["error"])
        self.assertEqual(self.health(ready=True)[1]["services"], 2)

        # every line is one JSON event with time, level, event, msg
        for e in self.logs():
            for k in ("time", "level", "event", "msg"):
                self.assertIn(k, e)
            self.assertRegex(e["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        podman("stop", "--time", "10", NAME, check=True)
        rc = podman("inspect", "--format", "{{.State.ExitCode}}", NAME, check=True).stdout.strip()
        self.assertEqual(rc, "0")
        self.assertEqual(self.logs()[-1]["event"], "stopped")


def hugepages_ready():
    """Make sure 2 MiB hugepages are there (only ever raising the count:
    other users of this machine may hold some) and mounted."""
    nr = Path("/proc/sys/vm/nr_hugepages")
    if int(nr.read_text()) < 1024:
        nr.write_text("1024\n")
    if not os.path.ismount("/dev/hugepages"):
        os.makedirs("/dev/hugepages", exist_ok=True)
        run(["mount", "-t", "hugetlbfs", "nodev", "/dev/hugepages"], check=True)
    free = int(re.search(r"HugePages_Free:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    return free


class DataPlaneInContainer(unittest.TestCase):
    def test_dpdk_with_the_documented_capabilities(self):
        """No --privileged: root in the container with four capabilities,
        the host's hugepages, DPDK ports up, ready, clean stop."""
        if hugepages_ready() < 64:
            self.skipTest("fewer than 64 free hugepages on this machine")
        d = Path(tempfile.mkdtemp(prefix="tof-image-dp-", dir="/var/tmp"))
        os.chmod(d, 0o755)
        try:
            cfg = {"mode": "dual", "log": {"format": "json"},
                   "eal": ["-l", "0-1", "--no-pci", "-m", "128", "--file-prefix", NAME,
                           "--vdev", "net_null0", "--vdev", "net_null1", "--vdev", "net_null2"],
                   "ports": {"enb": "net_null0", "sgw": "net_null1", "apps": "net_null2"},
                   "mbufs": 4096}
            (d / "tof.json").write_text(json.dumps(cfg))
            os.chmod(d / "tof.json", 0o644)
            podman("run", "--detach", "--name", NAME, "--network", "none", "--user", "0:0",
                   "--cap-drop", "ALL", "--cap-add", ",".join(CAPS),
                   "-v", "%s:/etc/tof:ro" % d, "-v", "/dev/hugepages:/dev/hugepages",
                   image(), "run", "--config", "/etc/tof/tof.json", check=True)

            def ready():
                p = podman("exec", NAME, "/usr/bin/tofd", "health", "--ready", "--config", "/etc/tof/tof.json")
                return p.returncode == 0 and '"dataplane":"up"' in p.stdout
            try:
                wait_until(ready, 60, "data plane up and ready")
            except AssertionError:
                raise AssertionError(podman("logs", NAME).stderr[-3000:])
            podman("stop", "--time", "15", NAME, check=True)
            self.assertEqual(podman("inspect", "--format", "{{.State.ExitCode}}", NAME).stdout.strip(), "0")
        finally:
            podman("rm", "--force", "--time", "5", NAME)
            shutil.rmtree(d, ignore_errors=True)


def main():
    if os.geteuid() != 0:
        print("tests/deploy/test_image.py needs root (podman)")
        print("0 passed, 1 failed")
        return 1
    loader = unittest.defaultTestLoader
    suite = unittest.TestSuite()
    for cls in (Build, Replay, CheckConfig, RunInContainer, DataPlaneInContainer):
        suite.addTests(loader.loadTestsFromTestCase(cls))
    if len(sys.argv) > 1:
        suite = loader.loadTestsFromNames(sys.argv[1:], sys.modules[__name__])
    res = unittest.TextTestRunner(verbosity=2, stream=sys.stdout, failfast=False).run(suite)
    failed = len(res.failures) + len(res.errors)
    passed = res.testsRun - failed - len(res.skipped)
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 and res.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
