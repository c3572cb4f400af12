"""Bearer token (401), TLS with a certificate made at test time, listen
addresses, and start-up refusing bad api/state settings with a message that
names the field."""
import os
import ssl
import subprocess
import tempfile
import unittest
import urllib.error
import urllib.request

from tofapi import TOFD, Client, Server, base_config, raw_request, svc

TOKEN = "s3cr3t-t0ken-for-the-api-tests"
A = svc("cache", "203.0.113.100", "198.51.100.10")


class TestToken(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = Server(base_config())
        path = os.path.join(cls.srv.dir, "token")
        with open(path, "w") as f:
            f.write(TOKEN + "\n")  # the newline an editor leaves is not part of it
        cls.srv.config["api"]["token_file"] = path
        cls.srv.start()
        cls.ok = cls.srv.client(token=TOKEN)
        cls.anon = cls.srv.client()

    @classmethod
    def tearDownClass(cls):
        try:
            cls.srv.stop()
        finally:
            cls.srv.cleanup()

    def expect_401(self, r):
        self.assertEqual(r.status, 401, r)
        self.assertTrue(r.headers["www-authenticate"].startswith("Bearer"))
        self.assertNotIn("field", r.json())

    def test_missing_token(self):
        for m, p in (("GET", "/service"), ("GET", "/service/x"), ("DELETE", "/service/x"),
                     ("GET", "/tunnels"), ("GET", "/stats"), ("GET", "/metrics"),
                     ("GET", "/nope"), ("PATCH", "/service"), ("GET", "/chains"),
                     ("GET", "/chains/fw"), ("DELETE", "/chains/fw")):
            self.expect_401(self.anon.request(m, p))
        self.expect_401(self.anon.put("/chains/fw", {"hops": [{"ingress": "a"}]}))
        self.expect_401(self.anon.post("/service", A))
        self.expect_401(self.anon.put("/service/cache", A))
        self.assertEqual(self.ok.services(), [])  # nothing got in

    def test_wrong_tokens(self):
        for h in ("Bearer wrong", "Bearer " + TOKEN[:-1], "Bearer " + TOKEN + "x",
                  "Basic " + TOKEN, TOKEN, "Bearer", "Bearer  ", "bearer" + TOKEN,
                  "Bearer " + TOKEN.upper()):
            self.expect_401(self.anon.get("/service", headers={"Authorization": h}))

    def test_right_token(self):
        self.assertEqual(self.ok.get("/service").status, 200)
        # the scheme is case-insensitive
        r = self.anon.get("/stats", headers={"Authorization": "bearer " + TOKEN})
        self.assertEqual(r.status, 200)
        r = self.ok.post("/service", A)
        self.assertEqual(r.status, 200)
        self.assertEqual(self.ok.delete("/service/cache").status, 200)
        self.assertEqual(self.ok.get("/nope").status, 404)  # routes told only with the token

    def test_health_follows_the_token(self):
        # readiness tells counts and problems: only with the token
        self.expect_401(self.anon.get("/health"))
        self.assertEqual(self.ok.get("/health").status, 200)
        # liveness stays open, and says nothing but that it answers
        r = self.anon.get("/health/live")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json(), {"status": "ok"})

    def test_refused_before_the_body_is_read(self):
        body = b"x" * 200000
        req = (b"POST /service HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
               b"Content-Length: %d\r\n\r\n" % len(body)) + body
        status, _, _ = raw_request(self.srv.url, req)
        self.assertEqual(status, 401)


def make_cert(dirname, cn="127.0.0.1", san="IP:127.0.0.1,IP:::1"):
    cert = os.path.join(dirname, "cert.pem")
    key = os.path.join(dirname, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=" + cn,
                    "-addext", "subjectAltName=" + san, "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    return cert, key


class TestTLS(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = Server(base_config())
        cls.cert, key = make_cert(cls.srv.dir)
        cls.srv.config["api"].update(tls_cert=cls.cert, tls_key=key)
        path = os.path.join(cls.srv.dir, "token")
        with open(path, "w") as f:
            f.write(TOKEN)
        cls.srv.config["api"]["token_file"] = path
        cls.srv.start()

    @classmethod
    def tearDownClass(cls):
        try:
            cls.srv.stop()
        finally:
            cls.srv.cleanup()

    def test_https(self):
        self.assertTrue(self.srv.url.startswith("https://127.0.0.1:"))
        c = Client(self.srv.url, token=TOKEN, cafile=self.cert)
        r = c.post("/service", A)
        self.assertEqual(r.status, 200)
        self.assertEqual(c.services(), [A])
        self.assertEqual(c.delete("/service/cache").status, 200)
        self.assertEqual(Client(self.srv.url, cafile=self.cert).get("/service").status, 401)

    def test_certificate_is_checked_by_clients(self):
        ctx = ssl.create_default_context()  # not our CA
        with self.assertRaises(urllib.error.URLError):
            urllib.request.urlopen(self.srv.url + "/health", context=ctx, timeout=5)

    def test_plain_http_gets_nothing(self):
        status, _, _ = raw_request(self.srv.url.replace("https", "http"),
                                   b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n", timeout=5)
        self.assertIsNone(status)


class TestListen(unittest.TestCase):
    def test_ipv6_loopback(self):
        srv = Server(base_config(api={"listen": "[::1]:0"}))
        try:
            srv.start()
            self.assertTrue(srv.url.startswith("http://[::1]:"))
            self.assertEqual(srv.client().get("/health").status, 200)
            srv.stop()
        finally:
            srv.cleanup()

    def test_port_in_use(self):
        srv = Server(base_config()).start()
        port = srv.url.rsplit(":", 1)[1]
        other = Server(base_config(api={"listen": "127.0.0.1:" + port}))
        try:
            p = other.spawn()
            self.assertEqual(p.wait(timeout=20), 1)
            self.assertIn("api.listen", other.read_log())
        finally:
            srv.stop()
            srv.cleanup()
            other.cleanup()


class TestStartupRefusals(unittest.TestCase):
    """A bad setting stops start-up (exit 2, or 1 for what is not the
    config's fault) with a message naming the field."""

    def run_tofd(self, config, expect_rc, expect_text, extra=("--no-dataplane",)):
        srv = Server(config, state=False)
        try:
            p = srv.spawn(extra)
            rc = p.wait(timeout=60)
            log = srv.read_log()
            self.assertEqual(rc, expect_rc, log)
            self.assertIn(expect_text, log)
        finally:
            srv.cleanup()

    def test_bad_listen(self):
        for listen in ("localhost:8080", "127.0.0.1", "127.0.0.1:99999", "[::1]8080", ":80",
                       "127.0.0.1:http", "1.2.3:80"):
            self.run_tofd(base_config(api={"listen": listen}), 2, "api.listen")

    def test_token_file(self):
        self.run_tofd(base_config(api={"token_file": "/nonexistent/token"}), 2,
                      "api.token_file")

        srv_dir = tempfile.mkdtemp(prefix="tof-api-")
        cfg = base_config(api={"token_file": os.path.join(srv_dir, "t")})
        try:
            with open(cfg["api"]["token_file"], "w") as f:
                f.write("short\n")
            self.run_tofd(cfg, 2, "api.token_file")
            with open(cfg["api"]["token_file"], "w") as f:
                f.write("two words in the token file\n")
            self.run_tofd(cfg, 2, "api.token_file")
        finally:
            subprocess.run(["rm", "-rf", srv_dir])

    def test_tls_files(self):
        d = tempfile.mkdtemp(prefix="tof-api-")
        try:
            cert, key = make_cert(d)
            self.run_tofd(base_config(api={"tls_cert": key, "tls_key": key}), 2,
                          "api.tls_cert")
            self.run_tofd(base_config(api={"tls_cert": cert, "tls_key": cert}), 2,
                          "api.tls_key")
            self.run_tofd(base_config(api={"tls_cert": cert}), 2, "api.tls_key")
            other = tempfile.mkdtemp(prefix="tof-api-")
            _, key_other = make_cert(other)
            self.run_tofd(base_config(api={"tls_cert": cert, "tls_key": key_other}), 1,
                          "api.tls_cert and api.tls_key do not match")
            subprocess.run(["rm", "-rf", other])
        finally:
            subprocess.run(["rm", "-rf", d])

    def test_state_file(self):
        # a config error; a bad state file is not (test_robust.py)
        self.run_tofd(base_config(state_file="/nonexistent/dir/state.json"), 2, "state_file")

    def test_state_file_in_use(self):
        srv = Server(base_config()).start()
        other = Server(base_config(state_file=srv.state_file))
        try:
            p = other.spawn()
            self.assertEqual(p.wait(timeout=20), 2)
            self.assertIn("in use by another tofd", other.read_log())
        finally:
            srv.stop()
            srv.cleanup()
            other.cleanup()

    def test_dataplane_failure_is_reported(self):
        # no ports in the config: the data plane cannot start, tofd says so
        try:
            self.run_tofd(base_config(eal=["--no-huge", "--no-pci", "-l", "0",
                                           "--file-prefix", "tof-api-test"]),
                          1, "tofd run: data plane: ", extra=())
        finally:
            subprocess.run(["rm", "-rf", "/var/run/dpdk/tof-api-test"], check=False)

    def test_usage(self):
        p = subprocess.run([TOFD, "run", "--help"], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0)
        self.assertIn("--no-dataplane", p.stdout)
