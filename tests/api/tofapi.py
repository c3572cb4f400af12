"""Helpers for the API suite: a live `tofd run --no-dataplane` on a loopback
port (a real process, never a mock), an HTTP client whose every exchange is
held to openapi/openapi.yaml, and raw-socket requests for what http.client
will not send."""
import http.client
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.parse

import contract

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TOFD = os.path.abspath(os.environ.get("TOFD", os.path.join(ROOT, "build", "tofd")))
START_TIMEOUT = 20.0  # the sanitizer build starts slower

CONTRACT = contract.Contract(os.path.join(ROOT, "openapi", "openapi.yaml"))


def base_config(**over):
    cfg = {
        "mode": "dual",
        "enb": ["198.18.0.1"],
        "sgw": ["198.18.0.2"],
        "max_sessions": 1024,
        "max_services": 64,
        "api": {"listen": "127.0.0.1:0"},
    }
    cfg.update(over)
    return cfg


class Server:
    """One tofd run --no-dataplane in a directory of its own."""

    def __init__(self, config=None, state=True, workdir=None):
        self.dir = workdir or tempfile.mkdtemp(prefix="tof-api-")
        self.config = dict(config or base_config())
        if state and "state_file" not in self.config:
            self.config["state_file"] = os.path.join(self.dir, "state.json")
        self.state_file = self.config.get("state_file")
        self.cfg_path = os.path.join(self.dir, "config.json")
        self.log_path = os.path.join(self.dir, "tofd.log")
        self.proc = None
        self.url = None

    def write_config(self):
        with open(self.cfg_path, "w") as f:
            json.dump(self.config, f)

    def spawn(self, extra=("--no-dataplane",)):
        """Start tofd; returns the process without waiting for it."""
        self.write_config()
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([TOFD, "run", *extra, "--config", self.cfg_path],
                                     stdout=self.log, stderr=self.log, stdin=subprocess.DEVNULL)
        return self.proc

    def start(self):
        mark = len(self.read_log())  # a restart appends to the same log
        self.spawn()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            text = self.read_log()
            # text lines, or JSON lines with "log": {"format": "json"}
            m = re.search(r'API listening on ([^\s"]+)', text[mark:])
            if m and ("tofd run: ready" in text[mark:] or '"event":"ready"' in text[mark:]):
                self.url = m.group(1)
                return self
            if self.proc.poll() is not None:
                raise RuntimeError("tofd exited with %d:\n%s" % (self.proc.returncode, text))
            time.sleep(0.02)
        self.kill9()
        raise RuntimeError("tofd did not get ready:\n" + self.read_log())

    def read_log(self):
        try:
            with open(self.log_path, "r", errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def stop(self):
        """SIGTERM; the exit must be clean (0, and no sanitizer report)."""
        if not self.proc:
            return 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            rc = -9
        self.proc = None
        self.log.close()
        if rc != 0:
            raise AssertionError("tofd stopped with %d:\n%s" % (rc, self.read_log()[-3000:]))
        return rc

    def kill9(self):
        if self.proc:
            self.proc.kill()
            self.proc.wait()
            self.proc = None
            self.log.close()

    def restart(self):
        self.stop()
        return self.start()

    def client(self, **kw):
        return Client(self.url, **kw)

    def cleanup(self):
        self.kill9()
        subprocess.run(["rm", "-rf", self.dir], check=False)


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lower-case name -> value
        self.body = body

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def __repr__(self):
        return "<%d %r>" % (self.status, self.body[:300])


class Client:
    """HTTP(S) to one tofd; each exchange checked against the contract."""

    def __init__(self, url, token=None, cafile=None, check=True, timeout=15):
        u = urllib.parse.urlsplit(url)
        self.scheme, self.host, self.port = u.scheme, u.hostname, u.port
        self.token = token
        self.check = check
        self.timeout = timeout
        self.ctx = None
        if self.scheme == "https":
            self.ctx = ssl.create_default_context(cafile=cafile)

    def _conn(self):
        if self.ctx:
            return http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout,
                                               context=self.ctx)
        return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def request(self, method, path, json_body=None, body=None, headers=None,
                content_type="application/json", auth=True):
        hdrs = {}
        if json_body is not None:
            body = json.dumps(json_body).encode()
        if body is not None and content_type:
            hdrs["Content-Type"] = content_type
        if auth and self.token:
            hdrs["Authorization"] = "Bearer " + self.token
        hdrs.update(headers or {})
        conn = self._conn()
        try:
            conn.request(method, path, body=body, headers=hdrs)
            r = conn.getresponse()
            data = r.read()
            resp = Response(r.status, {k.lower(): v for k, v in r.getheaders()}, data)
        finally:
            conn.close()
        if self.check:
            CONTRACT.check(method, path, hdrs, body, resp)
        return resp

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, obj, **kw):
        return self.request("POST", path, json_body=obj, **kw)

    def put(self, path, obj, **kw):
        return self.request("PUT", path, json_body=obj, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def services(self):
        r = self.get("/service")
        assert r.status == 200, r
        return r.json()


def raw_request(url, data, timeout=10.0, read_limit=1 << 20):
    """Send bytes as they are; return (status or None, headers, body) of the
    answer, None when the server closed without one."""
    u = urllib.parse.urlsplit(url)
    s = socket.create_connection((u.hostname, u.port), timeout=timeout)
    try:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        buf = b""
        while len(buf) < read_limit:
            try:
                chunk = s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not chunk:
                break
            buf += chunk
            head, sep, rest = buf.partition(b"\r\n\r\n")
            if sep:
                m = re.search(rb"content-length:\s*(\d+)", head, re.I)
                if m and len(rest) >= int(m.group(1)):
                    break
    finally:
        s.close()
    if not buf.startswith(b"HTTP/1."):
        return None, {}, b""
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return status, headers, rest


def svc(name, sip, aip, **extra):
    d = {"name": name, "serviceIP": sip, "applicationIP": aip}
    d.update(extra)
    return d
