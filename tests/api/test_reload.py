"""SIGHUP: tofd re-reads its config file and makes the config's services
current (added, updated by name; those an earlier config listed and this
one does not, removed), leaves the services only the API registered alone,
and changes nothing when the file is bad or clashes, naming the field. The
log follows "log" (JSON lines with time, level, event). --check-config
says the same about a file without running."""
import json
import os
import signal
import subprocess
import time
import unittest

from tofapi import TOFD, Server, base_config

A = {"name": "cache", "serviceIP": "203.0.113.100", "applicationIP": "198.51.100.10"}
A2 = {"name": "cache", "serviceIP": "203.0.113.100", "applicationIP": "198.51.100.20"}
B = {"name": "old", "serviceIP": "203.0.113.101", "applicationIP": "198.51.100.11"}
C = {"name": "new", "serviceIP": "203.0.113.102", "applicationIP": "198.51.100.12"}
API = {"name": "apisvc", "serviceIP": "203.0.113.150", "applicationIP": "198.51.100.50"}


class TestReload(unittest.TestCase):
    def setUp(self):
        self.srv = Server(base_config(services=[A, B], log={"format": "json"}))
        self.c = self.srv.start().client()

    def tearDown(self):
        self.srv.cleanup()

    def events(self, name=None):
        out = []
        for line in self.srv.read_log().splitlines():
            if line.startswith("{"):
                e = json.loads(line)
                if name is None or e["event"] == name:
                    out.append(e)
        return out

    def reload(self, config, event="services_reloaded"):
        """Write config, SIGHUP, wait for the event that ends the reload."""
        n = len(self.events(event))
        config = dict(config, state_file=self.srv.state_file)
        self.srv.config = config
        self.srv.write_config()
        self.srv.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if len(self.events(event)) > n:
                return self.events(event)[-1]
            time.sleep(0.02)
        self.fail("no %s after SIGHUP:\n%s" % (event, self.srv.read_log()[-2000:]))

    def names(self):
        return {s["name"]: s for s in self.c.services()}

    def test_services_follow_the_config_api_ones_stay(self):
        self.assertEqual(self.c.post("/service", API).status, 200)
        ev = self.reload(base_config(services=[A2, C], log={"format": "json"}))
        # unchanged: what was left as it was, the API's service among them
        self.assertEqual((ev["added"], ev["updated"], ev["removed"], ev["unchanged"]), (1, 1, 1, 1))
        self.assertEqual(self.names(), {"cache": A2, "new": C, "apisvc": API})
        # saved, as any change: a restart keeps it
        with open(self.srv.state_file) as f:
            self.assertEqual({s["name"] for s in json.load(f)["services"]}, {"cache", "new", "apisvc"})
        # the same file again changes nothing
        ev = self.reload(self.srv.config)
        self.assertEqual((ev["added"], ev["updated"], ev["removed"], ev["unchanged"]), (0, 0, 0, 3))
        self.srv.stop()

    def test_a_clash_changes_nothing_and_names_the_field(self):
        self.assertEqual(self.c.post("/service", API).status, 200)
        before = self.names()
        clash = dict(C, serviceIP=API["serviceIP"])
        ev = self.reload(base_config(services=[A2, clash], log={"format": "json"}), "reload_failed")
        self.assertEqual(ev["field"], "services[1].serviceIP")
        self.assertIn("apisvc", ev["error"])
        self.assertEqual(ev["level"], "error")
        self.assertEqual(self.names(), before)
        self.srv.stop()

    def test_a_bad_file_changes_nothing(self):
        before = self.names()
        cfg = base_config(services=[A2], log={"format": "json"}, idle_timeout_s=-1)
        ev = self.reload(cfg, "reload_failed")
        self.assertIn('"idle_timeout_s"', ev["error"])
        self.assertEqual(self.names(), before)
        # and a file that is not JSON at all
        with open(self.srv.cfg_path, "w") as f:
            f.write("{not json")
        self.srv.config = dict(self.srv.config, state_file=self.srv.state_file)
        n = len(self.events("reload_failed"))
        self.srv.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while len(self.events("reload_failed")) == n and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertGreater(len(self.events("reload_failed")), n)
        self.assertEqual(self.names(), before)
        self.srv.config = base_config(services=[A, B], log={"format": "json"})
        self.srv.stop()

    def test_chains_follow_the_config(self):
        fw = {"name": "fw", "hops": [{"ingress": "fw0"}]}
        fw2 = {"name": "fw", "hops": [{"ingress": "fw1", "egress": "fw2"}]}
        dpi = {"name": "dpi", "hops": [{"ingress": "dpi0"}]}
        mine = {"hops": [{"ingress": "api0", "egress": "api0"}]}
        self.assertEqual(self.c.put("/chains/mine", mine).status, 201)
        self.reload(base_config(services=[dict(A, chain="fw")], chains=[fw, dpi],
                                log={"format": "json"}))
        self.assertEqual(self.c.get("/service/cache").json()["chain"], "fw")
        self.assertEqual({c["name"] for c in self.c.get("/chains").json()}, {"fw", "dpi", "mine"})
        # fw replaced, dpi gone from the config: removed; the API's chain stays
        self.reload(base_config(services=[dict(A, chain="fw")], chains=[fw2],
                                log={"format": "json"}))
        got = {c["name"]: c for c in self.c.get("/chains").json()}
        self.assertEqual(set(got), {"fw", "mine"})
        self.assertEqual(got["fw"]["hops"], fw2["hops"])
        with open(self.srv.state_file) as f:
            self.assertEqual({c["name"] for c in json.load(f)["chains"]}, {"fw", "mine"})
        # a chain the config drops while an API service still uses it: refused
        self.assertEqual(self.c.post("/service", dict(API, chain="fw")).status, 200)
        before = self.c.get("/chains").json(), self.names()
        ev = self.reload(base_config(services=[A], log={"format": "json"}), "reload_failed")
        self.assertEqual(ev["field"], "chains")
        self.assertIn("apisvc", ev["error"])
        self.assertEqual((self.c.get("/chains").json(), self.names()), before)
        # a service naming a chain that is nowhere: refused, named
        ev = self.reload(base_config(services=[dict(A, chain="nope")],
                                     chains=[{"name": "nope2", "hops": [{"ingress": "x"}]}],
                                     log={"format": "json"}), "reload_failed")
        self.assertIn("chain", ev["error"])
        self.srv.config = base_config(services=[A, B], log={"format": "json"})
        self.srv.stop()

    def test_restart_only_fields_are_named(self):
        ev = self.reload(base_config(services=[A, B], log={"format": "json"}, idle_timeout_s=10,
                                     max_sessions=2048), "reload_restart_needed")
        self.assertEqual(set(ev["fields"].split(", ")), {"idle_timeout_s", "max_sessions"})
        self.srv.stop()

    def test_log_format_follows_the_reload(self):
        self.reload(base_config(services=[A, B]), "services_reloaded")
        self.assertEqual(self.c.post("/service", API).status, 200)
        deadline = time.monotonic() + 5
        while "tofd run: api: service \"apisvc\" added" not in self.srv.read_log():
            self.assertLess(time.monotonic(), deadline, self.srv.read_log()[-2000:])
            time.sleep(0.02)
        self.srv.stop()

    def test_json_lines(self):
        self.assertEqual(self.c.post("/service", API).status, 200)
        self.srv.stop()
        lines = [l for l in self.srv.read_log().splitlines() if l.strip()]
        self.assertTrue(lines)
        for line in lines:
            e = json.loads(line)  # every line is one JSON object
            self.assertRegex(e["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
            self.assertIn(e["level"], ("debug", "info", "warning", "error"))
            self.assertTrue(e["event"])
            self.assertTrue(e["msg"])
        added = [json.loads(l) for l in lines if '"service_added"' in l][0]
        self.assertEqual((added["name"], added["serviceIP"], added["applicationIP"]),
                         ("apisvc", API["serviceIP"], API["applicationIP"]))
        self.assertEqual([json.loads(l)["event"] for l in lines][-2:], ["stopping", "stopped"])


class TestCheckConfig(unittest.TestCase):
    def setUp(self):
        self.srv = Server(base_config(services=[A]))
        self.srv.write_config()

    def tearDown(self):
        self.srv.cleanup()

    def check(self, config):
        path = os.path.join(self.srv.dir, "check.json")
        with open(path, "w") as f:
            f.write(config if isinstance(config, str) else json.dumps(config))
        return subprocess.run([TOFD, "--check-config", path], capture_output=True, text=True, timeout=30)

    def test_ok(self):
        p = self.check(self.srv.config)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(": ok: dual mode, 1 service in the config", p.stdout)

    def test_bad_fields_exit_2_naming_them(self):
        cases = [
            (dict(self.srv.config, mode="triple"), '"mode"'),
            (dict(self.srv.config, log={"format": "xml"}), '"log.format"'),
            (dict(self.srv.config, api={"listen": "nowhere"}), "api.listen"),
            (dict(self.srv.config, api={"listen": "127.0.0.1:0", "token_file": "/nonexistent/t"}),
             "api.token_file"),
            (dict(self.srv.config, state_file="/nonexistent/dir/state.json"), "state_file"),
            ("{\"mode\": ", "line 1"),
        ]
        for cfg, want in cases:
            p = self.check(cfg)
            self.assertEqual(p.returncode, 2, (cfg, p.stdout, p.stderr))
            self.assertIn(want, p.stderr)

    def test_a_broken_state_file_is_reported(self):
        # reported, but not a reason to keep the link down: tofd run starts
        # degraded with the config's services (tests/api/test_robust.py)
        with open(self.srv.state_file, "w") as f:
            f.write('{"version": 1, "services": [{"name": "x"}]}')
        p = self.check(self.srv.config)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("state_file", p.stderr)
        self.assertIn("move it aside", p.stderr)
        self.assertIn("unusable", p.stdout)
