"""The API and the state file under abuse and on bad disks: slow clients
(slowloris) cannot take the API from others; a state file that cannot be
used is moved aside and tofd starts degraded with the config's services
and chains; a full disk answers 507 to service and chain changes and leaves
the old file whole (a small tmpfs)."""
import glob
import json
import os
import socket
import subprocess
import tempfile
import threading
import time
import unittest

from tofapi import Server, base_config, svc

A = svc("cache", "203.0.113.100", "198.51.100.10")
B = svc("web", "203.0.113.101", "198.51.100.11")
C = svc("video", "203.0.113.102", "198.51.100.12")
FW = {"name": "fw", "hops": [{"ingress": "fw1-in", "egress": "fw1-out"}]}
A_FW = dict(A, chain="fw")

PER_CLIENT = 4
TIMEOUT_S = 2


def closed_by_peer(s):
    """Has the server closed this connection (without a byte for us)?"""
    s.setblocking(False)
    try:
        return s.recv(1, socket.MSG_PEEK) == b""
    except BlockingIOError:
        return False
    except (ConnectionResetError, BrokenPipeError):
        return True
    finally:
        s.setblocking(True)


def wait_closed(s, limit_s=30.0):
    """Block until the server closes s (or limit_s passes: a hung server)."""
    s.settimeout(limit_s)
    try:
        return s.recv(1) == b""
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


class TestSlowClients(unittest.TestCase):
    """api.max_client_connections 4, api.request_timeout_s 2."""

    @classmethod
    def setUpClass(cls):
        cls.srv = Server(base_config(api={"listen": "127.0.0.1:0",
                                          "max_client_connections": PER_CLIENT,
                                          "request_timeout_s": TIMEOUT_S})).start()
        cls.port = int(cls.srv.url.rsplit(":", 1)[1])

    @classmethod
    def tearDownClass(cls):
        try:
            cls.srv.stop()
        finally:
            cls.srv.cleanup()

    def slow_conn(self, source="127.0.0.1"):
        s = socket.create_connection(("127.0.0.1", self.port), source_address=(source, 0),
                                     timeout=10)
        # a request that is never finished
        s.sendall(b"GET /service HTTP/1.1\r\nHost: t\r\n")
        return s

    def test_slowloris_does_not_starve_others(self):
        attack = [self.slow_conn() for _ in range(3 * PER_CLIENT)]
        stop = threading.Event()

        def trickle():
            # one header byte at a time, never the end of the headers
            while not stop.is_set():
                for s in attack:
                    try:
                        s.send(b"X")
                    except OSError:
                        pass
                stop.wait(0.2)

        t = threading.Thread(target=trickle)
        t.start()
        try:
            # beyond the per-client limit, connections are closed at once,
            # long before the held ones reach their deadline
            for _ in range(500):
                held = [s for s in attack if not closed_by_peer(s)]
                if len(held) <= PER_CLIENT:
                    break
                time.sleep(0.01)
            # (a connection of an earlier test may still count for a moment)
            self.assertTrue(1 <= len(held) <= PER_CLIENT, len(held))
            # others are served meanwhile, liveness and the rest
            srcs = ["127.0.0.2", "127.0.0.3"]
            for src in srcs:
                for path in ("/health/live", "/health", "/service"):
                    st = raw_get(self.port, path, src)
                    self.assertEqual(st, 200, (src, path))
            self.assertFalse(all(closed_by_peer(s) for s in held),
                             "served only once the attack was cut")
            # and the trickling ones are cut at their deadline, though they
            # keep sending (an idle timeout would never cut them)
            for s in held:
                self.assertTrue(wait_closed(s), "a trickling connection was never cut")
        finally:
            stop.set()
            t.join()
            for s in attack:
                s.close()
        # the attacker's address is served again once its connections are gone
        self.assertEqual(raw_get(self.port, "/health/live", "127.0.0.1"), 200)
        m = self.srv.client().get("/metrics").body.decode()
        cut = [ln for ln in m.splitlines() if ln.startswith("tof_api_connections_cut_total ")]
        self.assertTrue(cut and int(cut[0].split()[1]) >= 1, cut)

    def test_slow_body_is_cut(self):
        """Headers complete, the body trickles: the same deadline."""
        s = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        body = json.dumps(A).encode()
        s.sendall(b"POST /service HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                  b"Content-Length: %d\r\n\r\n" % len(body))
        sent = 0
        cut = False
        try:
            for i in range(len(body) - 1):  # never the whole body
                try:
                    s.send(body[i:i + 1])
                    sent += 1
                except OSError:
                    cut = True
                    break
                if closed_by_peer(s):
                    cut = True
                    break
                time.sleep(0.25)
        finally:
            s.close()
        self.assertTrue(cut, "the trickled body was taken to its end")
        self.assertLess(sent, len(body) - 1)
        self.assertEqual(self.srv.client().get("/service/cache").status, 404)

    def test_config_bounds(self):
        for api, field in (({"max_client_connections": 0}, "api.max_client_connections"),
                           ({"max_connections": 10, "max_client_connections": 20},
                            "api.max_client_connections"),
                           ({"request_timeout_s": 0}, "api.request_timeout_s"),
                           ({"request_timeout_s": "10"}, "api.request_timeout_s")):
            api = dict(api, listen="127.0.0.1:0")
            srv = Server(base_config(api=api))
            try:
                p = srv.spawn()
                rc = p.wait(timeout=20)
                self.assertEqual(rc, 2)
                self.assertIn(field, srv.read_log())
            finally:
                srv.cleanup()


def raw_get(port, path, source):
    s = socket.create_connection(("127.0.0.1", port), source_address=(source, 0), timeout=10)
    try:
        s.sendall(b"GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" % path.encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    finally:
        s.close()
    return int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.") else None


class TestBadStateFile(unittest.TestCase):
    """A state file that cannot be used never keeps tofd down: it is moved
    aside, tofd runs with the config's services, /health says degraded."""

    def start_with_state(self, write, **cfg):
        srv = Server(base_config(services=[A], **cfg))
        self.addCleanup(srv.cleanup)
        write(srv.state_file)
        srv.start()
        return srv

    def assert_degraded_and_moved(self, srv, original):
        c = srv.client()
        h = c.get("/health")
        self.assertEqual(h.status, 200)  # ready: traffic passes
        h = h.json()
        self.assertEqual(h["status"], "degraded")
        self.assertEqual(h["problems"][0]["what"], "state_file")
        self.assertIn("moved aside to", h["problems"][0]["message"])
        self.assertEqual(c.services(), [A])  # the config's
        bad = glob.glob(srv.state_file + ".bad-*")
        self.assertEqual(len(bad), 1, bad)
        self.assertIn(bad[0], h["problems"][0]["message"])
        if original is not None:
            with open(bad[0], "rb") as f:
                self.assertEqual(f.read(), original)  # kept as it was
        log = srv.read_log()
        self.assertIn("ERROR", log)
        self.assertIn(bad[0], log)
        # a new state file with the config's services, and changes are kept
        self.assertEqual(c.post("/service", B).status, 200)
        m = c.get("/metrics").body.decode()
        self.assertIn("tof_degraded 1", m)
        srv.restart()
        c = srv.client()
        self.assertEqual(c.services(), [A, B])
        self.assertEqual(c.get("/health").json()["status"], "ok")
        srv.stop()

    def test_unparsable(self):
        text = b'{"version": 1, "services": [{"name": "x", "serv'

        def write(path):
            with open(path, "wb") as f:
                f.write(text)
        srv = self.start_with_state(write)
        self.assert_degraded_and_moved(srv, text)

    def test_more_services_than_max(self):
        text = json.dumps({"version": 1, "services": [A, B, C]}).encode()

        def write(path):
            with open(path, "wb") as f:
                f.write(text)
        srv = self.start_with_state(write, max_services=2)
        self.assertIn("max_services", srv.client().get("/health").json()
                      ["problems"][0]["message"])
        self.assert_degraded_and_moved(srv, text)

    def test_bad_entries_named(self):
        for doc, field in (({"version": 1, "services": [{"name": "a b"}]},
                            "services[0].name"),
                           ({"version": 1, "services": [
                               svc("a", "203.0.113.100", "198.51.100.10"),
                               svc("b", "203.0.113.100", "198.51.100.11")]},
                            "services[1].serviceIP")):
            text = json.dumps(doc).encode()

            def write(path, text=text):
                with open(path, "wb") as f:
                    f.write(text)
            srv = self.start_with_state(write)
            h = srv.client().get("/health").json()
            self.assertEqual(h["status"], "degraded")
            self.assertIn(field, h["problems"][0]["message"])
            self.assertEqual(srv.client().services(), [A])
            srv.stop()

    def test_symlink_refused(self):
        outside = tempfile.NamedTemporaryFile(prefix="tof-outside-", delete=False)
        outside.write(json.dumps({"version": 1, "services": [C]}).encode())
        outside.close()
        self.addCleanup(os.unlink, outside.name)
        with open(outside.name, "rb") as f:
            before = f.read()

        def write(path):
            os.symlink(outside.name, path)
        srv = self.start_with_state(write)
        self.assertIn("symbolic link", srv.client().get("/health").json()
                      ["problems"][0]["message"])
        self.assert_degraded_and_moved(srv, None)
        with open(outside.name, "rb") as f:
            self.assertEqual(f.read(), before)  # never written through the link
        self.assertTrue(os.path.islink(glob.glob(srv.state_file + ".bad-*")[0]))

    def test_bad_chains_config_chains(self):
        """A version 2 file whose service names a chain the file does not
        have: moved aside; the config's services and chains run, and are
        the new file."""
        doc = {"version": 2, "services": [dict(B, chain="gone")],
               "chains": [{"name": "other", "hops": [{"ingress": "x1"}]}]}
        text = json.dumps(doc).encode()

        def write(path):
            with open(path, "wb") as f:
                f.write(text)
        srv = Server(base_config(services=[A_FW], chains=[FW]))
        self.addCleanup(srv.cleanup)
        write(srv.state_file)
        c = srv.start().client()
        h = c.get("/health")
        self.assertEqual(h.status, 200)
        h = h.json()
        self.assertEqual(h["status"], "degraded")
        self.assertIn("services[0].chain", h["problems"][0]["message"])
        self.assertIn("1 chain(s)", h["problems"][0]["message"])
        self.assertEqual(c.services(), [A_FW])
        self.assertEqual(c.get("/chains").json(), [FW])
        bad = glob.glob(srv.state_file + ".bad-*")
        self.assertEqual(len(bad), 1, bad)
        with open(bad[0], "rb") as f:
            self.assertEqual(f.read(), text)
        with open(srv.state_file) as f:
            saved = json.load(f)
        self.assertEqual(saved["version"], 2)
        self.assertEqual(saved["chains"], [FW])
        srv.stop()


class TestDiskFull(unittest.TestCase):
    """The state file on a 64 KiB tmpfs: once it is full, changes answer 507
    with a JSON error and nothing changes, on disk or in the tables."""

    def setUp(self):
        self.mnt = tempfile.mkdtemp(prefix="tof-api-tmpfs-")
        p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "tof-api",
                            self.mnt], capture_output=True, text=True)
        if p.returncode != 0:
            os.rmdir(self.mnt)
            self.skipTest("cannot mount a tmpfs (root needed): " + p.stderr.strip())
        self.addCleanup(os.rmdir, self.mnt)
        self.addCleanup(subprocess.run, ["umount", "-l", self.mnt], check=False)

    def fill(self):
        """Write a file until the tmpfs is full; its path."""
        path = os.path.join(self.mnt, "filler")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            for size in (4096, 1):
                while True:
                    try:
                        os.write(fd, b"\0" * size)
                    except OSError:
                        break
        finally:
            os.close(fd)
        return path

    def start_full(self, **cfg):
        """tofd with its state file on the tmpfs, then the tmpfs filled: the
        server, a client, the file as it was, the filler."""
        srv = Server(base_config(state_file=os.path.join(self.mnt, "state.json"), **cfg))
        self.addCleanup(srv.cleanup)
        c = srv.start().client()
        with open(srv.state_file, "rb") as f:
            before = f.read()
        return srv, c, before, self.fill()

    def assert_refused_unchanged(self, srv, answers, before):
        """Every answer 507 with the JSON error; the file as it was."""
        for r in answers:
            self.assertEqual(r.status, 507, r)
            self.assertIn("No space left", r.json()["error"])
            self.assertIn("nothing changed", r.json()["error"])
        with open(srv.state_file, "rb") as f:
            self.assertEqual(f.read(), before)
        self.assertFalse(os.path.exists(srv.state_file + ".tmp"))

    def test_507_and_old_file_intact(self):
        srv, c, before, filler = self.start_full(services=[A])
        self.assert_refused_unchanged(srv, (
            c.post("/service", B),
            c.put("/service/cache", svc("cache", "203.0.113.100", "198.51.100.20")),
            c.delete("/service/cache")), before)
        self.assertEqual(c.services(), [A])
        self.assertEqual(c.get("/health").json()["status"], "ok")  # serving as before
        os.unlink(filler)
        self.assertEqual(c.post("/service", B).status, 200)
        srv.restart()
        self.assertEqual(srv.client().services(), [A, B])
        srv.stop()

    def test_507_for_chains_and_old_file_intact(self):
        srv, c, before, filler = self.start_full(services=[A_FW], chains=[FW])
        fw2 = {"hops": [{"ingress": "fw2-in", "egress": "fw2-out"}]}
        self.assert_refused_unchanged(srv, (
            c.put("/chains/fw2", fw2),
            c.put("/chains/fw", fw2),
            c.put("/service/cache", A)), before)
        self.assertEqual(c.get("/chains").json(), [FW])
        self.assertEqual(c.services(), [A_FW])
        os.unlink(filler)
        self.assertEqual(c.put("/chains/fw2", fw2).status, 201)
        self.assertEqual(c.put("/service/cache", A).status, 200)
        self.assertEqual(c.delete("/chains/fw").status, 200)
        srv.restart()
        c = srv.client()
        self.assertEqual(c.get("/chains").json(), [dict(fw2, name="fw2")])
        self.assertEqual(c.services(), [A])
        with open(srv.state_file, "rb") as f:
            before = f.read()
        self.fill()
        self.assert_refused_unchanged(srv, (c.delete("/chains/fw2"),), before)
        self.assertEqual(c.get("/chains").json(), [dict(fw2, name="fw2")])
        srv.stop()

    def test_full_at_first_start_runs_unsaved(self):
        """No room to seed the state file: tofd runs with the config's
        services anyway, degraded."""
        self.fill()
        srv = Server(base_config(services=[A],
                                 state_file=os.path.join(self.mnt, "state.json")))
        self.addCleanup(srv.cleanup)
        c = srv.start().client()
        self.assertEqual(c.services(), [A])
        h = c.get("/health").json()
        self.assertEqual(h["status"], "degraded")
        self.assertIn("could not be saved", h["problems"][0]["message"])
        srv.stop()


if __name__ == "__main__":
    unittest.main()
