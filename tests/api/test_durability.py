"""Services survive a restart and a kill -9 at any moment; the config seeds
the state on the first start only; a change that cannot be saved is
refused with 500 and leaves nothing behind."""
import json
import os
import random
import threading
import time
import unittest

from tofapi import Server, base_config, svc

A = svc("cache", "203.0.113.100", "198.51.100.10")
B = svc("web", "203.0.113.101", "198.51.100.11")
FW = {"name": "fw", "hops": [{"ingress": "fw0-in", "egress": "fw0-out"}]}


class TestRestart(unittest.TestCase):
    def setUp(self):
        self.srv = Server(base_config(services=[A], chains=[FW]))

    def tearDown(self):
        self.srv.cleanup()

    def test_config_seeds_first_start_only(self):
        c = self.srv.start().client()
        self.assertEqual(c.services(), [A])
        with open(self.srv.state_file) as f:
            self.assertEqual(json.load(f), {"version": 2, "services": [A], "chains": [FW]})
        self.assertEqual(c.delete("/service/cache").status, 200)
        self.assertEqual(c.post("/service", B).status, 200)
        # the config still lists A, and gains another: the state file wins
        self.srv.config["services"] = [A, svc("x", "203.0.113.120", "198.51.100.30")]
        c = self.srv.restart().client()
        self.assertEqual(c.services(), [B])
        self.srv.stop()

    def test_restart_keeps_every_change(self):
        c = self.srv.start().client()
        self.assertEqual(c.post("/service", B).status, 200)
        self.assertEqual(c.put("/service/cache", svc("cache2", "203.0.113.110",
                                                     "198.51.100.20",
                                                     applicationMAC="02:00:00:00:00:01",
                                                     chain="fw")).status, 200)
        before = c.services()
        c = self.srv.restart().client()
        self.assertEqual(c.services(), before)
        # and after a kill -9 just the same
        self.assertEqual(c.delete("/service/web").status, 200)
        before = c.services()
        self.srv.kill9()
        c = self.srv.start().client()
        self.assertEqual(c.services(), before)
        self.srv.stop()


class TestSaveFailure(unittest.TestCase):
    """The temp file's place is taken by a directory: every write fails."""

    def test_500_and_nothing_changes(self):
        srv = Server(base_config(services=[A]))
        try:
            c = srv.start().client()
            tmp = srv.state_file + ".tmp"
            os.mkdir(tmp)
            for r in (c.post("/service", B),
                      c.put("/service/cache", {"serviceIP": "203.0.113.110",
                                               "applicationIP": "198.51.100.20"}),
                      c.delete("/service/cache"), c.delete("/service/203.0.113.100")):
                self.assertEqual(r.status, 500, r)
                self.assertIn("could not be saved", r.json()["error"])
                self.assertNotIn("field", r.json())
            self.assertEqual(c.services(), [A])
            self.assertEqual(c.get("/service/203.0.113.100").json(), A)
            self.assertEqual(c.get("/service/web").status, 404)
            os.rmdir(tmp)
            self.assertEqual(c.post("/service", B).status, 200)
            srv.restart()
            self.assertEqual(srv.client().services(), [A, B])
            srv.stop()
        finally:
            srv.cleanup()


class TestKill9(unittest.TestCase):
    """kill -9 at random moments during a stream of POSTs (and some DELETEs)
    from several clients: after each restart every acknowledged change is
    there, and nothing is there that was not asked for."""
    ROUNDS = int(os.environ.get("TOF_KILL_ROUNDS", "6"))
    CLIENTS = 4

    def test_acknowledged_changes_survive(self):
        srv = Server(base_config(max_services=1024))
        rng = random.Random(4)
        acked_add, acked_del, attempted, tried_del = set(), set(), set(), set()
        serial = [0]
        lock = threading.Lock()

        def client_loop(c, stop):
            while not stop.is_set():
                with lock:
                    serial[0] += 1
                    n = serial[0]
                name = "s%d" % n
                s = svc(name, "203.0.%d.%d" % (113 + n // 250, n % 250 + 1),
                        "198.51.%d.%d" % (100 + n // 250, n % 250 + 1))
                with lock:
                    attempted.add(name)
                try:
                    r = c.post("/service", s)
                except OSError:
                    return  # the server died under us: unacknowledged
                if r.status == 200:
                    with lock:
                        acked_add.add(name)
                    if n % 5 == 0:  # some deletions too
                        with lock:
                            tried_del.add(name)
                        try:
                            r = c.delete("/service/" + name)
                        except OSError:
                            return
                        if r.status == 200:
                            with lock:
                                acked_del.add(name)

        try:
            srv.start()
            for rnd in range(self.ROUNDS):
                stop = threading.Event()
                threads = [threading.Thread(target=client_loop,
                                            args=(srv.client(check=False, timeout=5), stop))
                           for _ in range(self.CLIENTS)]
                for t in threads:
                    t.start()
                time.sleep(rng.uniform(0.05, 0.6))
                srv.kill9()
                stop.set()
                for t in threads:
                    t.join(timeout=30)
                    self.assertFalse(t.is_alive())
                with open(srv.state_file) as f:
                    json.load(f)  # whole, never torn
                c = srv.start().client()
                names = {s["name"] for s in c.services()}
                with lock:
                    must = acked_add - tried_del
                    lost = must - names
                    self.assertFalse(lost, "acknowledged adds lost: %s" % sorted(lost)[:10])
                    back = names & acked_del
                    self.assertFalse(back, "acknowledged deletes undone: %s" % sorted(back))
                    self.assertTrue(names <= attempted, "never asked for: %s" %
                                    sorted(names - attempted))
            self.assertGreater(len(acked_add), 20)
            srv.stop()
        finally:
            srv.cleanup()
