"""Every route of the API on a live tofd, its success and every error it can
give: malformed JSON, unknown fields, wrong types, bad names and addresses,
conflicts, wrong content types, huge bodies, unknown routes and methods,
and bad query strings. Bad input never changes state."""
import json
import os
import re
import unittest
import urllib.parse

from tofapi import Server, base_config, raw_request, svc

A = svc("cache", "203.0.113.100", "198.51.100.10")
B = svc("web", "203.0.113.101", "198.51.100.11")
V6 = svc("v6", "2001:db8:5::100", "2001:db8:6::10")


class LiveServer(unittest.TestCase):
    """One server per class; every test starts with no services."""
    config = None

    @classmethod
    def setUpClass(cls):
        cls.srv = Server(cls.config or base_config()).start()
        cls.c = cls.srv.client()

    @classmethod
    def tearDownClass(cls):
        try:
            cls.srv.stop()
        finally:
            cls.srv.cleanup()

    def setUp(self):
        for s in self.c.services():
            self.assertEqual(self.c.delete("/service/" + s["name"]).status, 200)

    def add(self, s):
        r = self.c.post("/service", s)
        self.assertEqual(r.status, 200, r)
        return r.json()

    def assertError(self, r, status, field=None):
        self.assertEqual(r.status, status, r)
        body = r.json()
        self.assertTrue(body["error"])
        if field is None:
            self.assertNotIn("field", body, body)
        else:
            self.assertEqual(body.get("field"), field, body)
        return body

    def state_text(self):
        with open(self.srv.state_file) as f:
            return f.read()


class TestServiceRoutes(LiveServer):
    def test_list_empty_then_sorted(self):
        self.assertEqual(self.c.services(), [])
        self.add(B)
        self.add(A)
        self.add(V6)
        self.assertEqual([s["name"] for s in self.c.services()], ["cache", "v6", "web"])

    def test_post_returns_canonical_service(self):
        r = self.c.post("/service", svc("x", "2001:DB8:5:0::0:100", "2001:db8:6:0:0:0:0:10"))
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json(), svc("x", "2001:db8:5::100", "2001:db8:6::10"))
        self.assertEqual(self.c.get("/service/x").json(), r.json())

    def test_optional_fields_round_trip(self):
        self.assertIn(self.c.put("/chains/fw.v1-a_b", {"hops": [{"ingress": "fw0"}]}).status,
                      (200, 201))
        s = svc("m", "203.0.113.110", "198.51.100.20", applicationMAC="02:00:00:00:00:AA",
                chain="fw.v1-a_b", applicationPort="app.0")
        r = self.c.post("/service", s)
        self.assertEqual(r.status, 200)
        want = dict(s, applicationMAC="02:00:00:00:00:aa")
        self.assertEqual(r.json(), want)
        self.assertEqual(self.c.get("/service/m").json(), want)
        self.assertEqual(self.c.services(), [want])

    def test_get_by_name_and_by_service_ip(self):
        self.add(A)
        self.assertEqual(self.c.get("/service/cache").json(), A)
        self.assertEqual(self.c.get("/service/203.0.113.100").json(), A)
        self.add(V6)
        self.assertEqual(self.c.get("/service/" + urllib.parse.quote("2001:db8:5::100")).json(),
                         V6)
        self.assertError(self.c.get("/service/nope"), 404, "name")
        self.assertError(self.c.get("/service/198.51.100.10"), 404, "name")  # an app IP
        self.assertError(self.c.get("/service/bad%20name"), 404, "name")
        self.assertError(self.c.get("/service/" + "x" * 65), 404, "name")
        self.assertError(self.c.get("/service/" + "x" * 200), 404)  # past any name

    def test_put_replaces(self):
        self.assertIn(self.c.put("/chains/fw", {"hops": [{"ingress": "fw0"}]}).status, (200, 201))
        self.add(svc("m", "203.0.113.110", "198.51.100.20", chain="fw"))
        r = self.c.put("/service/m", {"serviceIP": "203.0.113.111",
                                      "applicationIP": "198.51.100.21"})
        self.assertEqual(r.status, 200, r)
        # full replacement: the chain went with it
        self.assertEqual(r.json(), svc("m", "203.0.113.111", "198.51.100.21"))
        self.assertEqual(self.c.get("/service/m").json(), r.json())
        self.assertError(self.c.get("/service/203.0.113.110"), 404, "name")
        # its own name in the body is no rename
        r = self.c.put("/service/m", svc("m", "203.0.113.112", "198.51.100.22"))
        self.assertEqual(r.status, 200)
        self.assertIn('"203.0.113.112"', self.state_text())

    def test_put_renames(self):
        self.add(A)
        self.add(B)
        r = self.c.put("/service/cache", svc("cache2", "203.0.113.100", "198.51.100.10"))
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json()["name"], "cache2")
        self.assertEqual([s["name"] for s in self.c.services()], ["cache2", "web"])
        self.assertError(self.c.get("/service/cache"), 404, "name")
        self.assertError(self.c.put("/service/cache2", svc("web", "203.0.113.100",
                                                           "198.51.100.10")), 409, "name")

    def test_put_errors(self):
        self.add(A)
        self.add(B)
        ok = {"serviceIP": "203.0.113.120", "applicationIP": "198.51.100.30"}
        self.assertError(self.c.put("/service/nope", ok), 404, "name")
        self.assertError(self.c.put("/service/203.0.113.100", ok), 404, "name")  # name only
        self.assertError(self.c.put("/service/cache", {"serviceIP": "203.0.113.101",
                                                       "applicationIP": "198.51.100.30"}),
                         409, "serviceIP")
        self.assertError(self.c.put("/service/cache", {"serviceIP": "203.0.113.120",
                                                       "applicationIP": "203.0.113.101"}),
                         409, "applicationIP")
        self.assertError(self.c.put("/service/cache", {"serviceIP": "203.0.113.120"}), 400,
                         "applicationIP")
        self.assertError(self.c.put("/service/cache", dict(ok, name="bad name")), 400, "name")
        self.assertError(self.c.put("/service/cache", dict(ok, port=80)), 400, "port")
        self.assertError(self.c.request("PUT", "/service/cache", body=json.dumps(ok).encode(),
                                        content_type="text/plain"), 415)
        self.assertEqual(self.c.get("/service/cache").json(), A)

    def test_delete_by_name_and_ip(self):
        self.add(A)
        self.add(B)
        r = self.c.delete("/service/cache")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json(), A)
        r = self.c.delete("/service/203.0.113.101")
        self.assertEqual(r.json(), B)
        self.assertEqual(self.c.services(), [])
        self.assertError(self.c.delete("/service/cache"), 404, "name")
        self.assertError(self.c.delete("/service/203.0.113.101"), 404, "name")
        self.assertError(self.c.delete("/service/a%20b"), 404, "name")
        self.assertIn('"services": []', self.state_text())

    def test_conflicts_name_each_field(self):
        self.add(A)
        cases = [
            (svc("cache", "203.0.113.120", "198.51.100.30"), "name"),
            (svc("n", "203.0.113.100", "198.51.100.30"), "serviceIP"),
            (svc("n", "198.51.100.10", "198.51.100.30"), "serviceIP"),  # A's app IP
            (svc("n", "203.0.113.120", "198.51.100.10"), "applicationIP"),
            (svc("n", "203.0.113.120", "203.0.113.100"), "applicationIP"),  # A's service IP
        ]
        before = self.state_text()
        for s, field in cases:
            body = self.assertError(self.c.post("/service", s), 409, field)
            if field != "name":
                self.assertIn('"cache"', body["error"])
        self.assertEqual(self.c.services(), [A])
        self.assertEqual(self.state_text(), before)


class TestBadInput(LiveServer):
    def setUp(self):
        super().setUp()
        self.add(A)
        self.before = self.state_text()

    def tearDown(self):
        # bad input never changes state
        self.assertEqual(self.c.services(), [A])
        self.assertEqual(self.state_text(), self.before)

    def post_raw(self, body, ctype="application/json"):
        return self.c.request("POST", "/service", body=body, content_type=ctype)

    def test_malformed_json(self):
        for body in [b'{"name": "x"', b'{"name": "x",}', b"{name: 1}", b"{} {}", b"{}x",
                     b"nul", b'{"name": "\\u0000x", "serviceIP": "203.0.113.5",'
                     b' "applicationIP": "198.51.100.5"}', b'{"name": "\xff"}',
                     b"[" * 5000 + b"]" * 5000, b" ", b"\x00"]:
            self.assertError(self.post_raw(body), 400)
        self.assertError(self.post_raw(b""), 400)

    def test_not_an_object(self):
        for body in [b"[]", b'"cache"', b"42", b"null", b"true",
                     json.dumps([A]).encode()]:
            self.assertError(self.post_raw(body), 400)

    def test_duplicate_keys(self):
        body = b'{"name": "n", "name": "m", "serviceIP": "203.0.113.5", ' \
               b'"applicationIP": "198.51.100.5"}'
        self.assertError(self.post_raw(body), 400)

    def test_unknown_and_missing_fields(self):
        ok = svc("n", "203.0.113.5", "198.51.100.5")
        self.assertError(self.c.post("/service", dict(ok, port=80)), 400, "port")
        self.assertError(self.c.post("/service", dict(ok, Name="n")), 400, "Name")
        self.assertError(self.c.post("/service", dict(ok, **{"": 1})), 400)
        for missing in ("name", "serviceIP", "applicationIP"):
            d = dict(ok)
            del d[missing]
            self.assertError(self.c.post("/service", d), 400, missing)
        self.assertError(self.c.post("/service", {}), 400, "name")

    def test_wrong_types(self):
        ok = svc("n", "203.0.113.5", "198.51.100.5")
        for field in ("name", "serviceIP", "applicationIP", "applicationMAC", "chain",
                      "applicationPort"):
            for bad in (1, 1.5, None, True, [], {}):
                self.assertError(self.c.post("/service", dict(ok, **{field: bad})), 400, field)

    def test_bad_names(self):
        for name in ("", "a b", "a/b", "ü", "a\nb", "x" * 65, "a:b", "*", "a%20"):
            self.assertError(self.c.post("/service", svc(name, "203.0.113.5",
                                                         "198.51.100.5")), 400, "name")
        r = self.c.post("/service", svc("x" * 64, "203.0.113.5", "198.51.100.5"))
        self.assertEqual(r.status, 200)
        self.assertEqual(self.c.delete("/service/" + "x" * 64).status, 200)
        self.before = self.state_text()

    def test_bad_addresses(self):
        for bad in ("1.2.3", "256.1.1.1", "203.0.113.1/24", " 203.0.113.1", "203.0.113.1 ",
                    "0x7f.1.1.1", "::g", "", "localhost", "224.0.0.1", "255.255.255.255",
                    "127.0.0.1", "0.0.0.0", "0.1.2.3", "240.0.0.1", "::", "::1", "ff02::1",
                    "fe80::1%eth0", "2001:db8::1/64"):
            self.assertError(self.c.post("/service", svc("n", bad, "198.51.100.5")), 400,
                             "serviceIP")
            self.assertError(self.c.post("/service", svc("n", "203.0.113.5", bad)), 400,
                             "applicationIP")

    def test_families_and_self(self):
        self.assertError(self.c.post("/service", svc("n", "203.0.113.5", "2001:db8:6::5")),
                         400, "applicationIP")
        self.assertError(self.c.post("/service", svc("n", "2001:db8:5::5", "198.51.100.5")),
                         400, "applicationIP")
        self.assertError(self.c.post("/service", svc("n", "203.0.113.5", "203.0.113.5")),
                         400, "applicationIP")

    def test_bad_mac_and_chain(self):
        ok = svc("n", "203.0.113.5", "198.51.100.5")
        for mac in ("01:00:00:00:00:01", "00:00:00:00:00:00", "02:00:00:00:00", "xx:00:00:00:00:01",
                    "02-00-00-00-00-01", "02:00:00:00:00:01:02"):
            self.assertError(self.c.post("/service", dict(ok, applicationMAC=mac)), 400,
                             "applicationMAC")
        self.assertError(self.c.post("/service", dict(ok, chain="a b")), 400, "chain")
        self.assertError(self.c.post("/service", dict(ok, chain="")), 400, "chain")
        self.assertError(self.c.post("/service", dict(ok, applicationPort="a b")), 400,
                         "applicationPort")
        # a chain that does not exist
        self.assertError(self.c.post("/service", dict(ok, chain="nope")), 409, "chain")

    def test_content_type(self):
        body = json.dumps(svc("n", "203.0.113.5", "198.51.100.5")).encode()
        for ctype in (None, "text/plain", "application/x-www-form-urlencoded",
                      "application/jsonx", "json", "application/json-patch+json"):
            r = self.c.request("POST", "/service", body=body, content_type=ctype)
            self.assertError(r, 415)

    def test_content_type_with_parameters_accepted(self):
        for i, ctype in enumerate(("application/json; charset=utf-8", "Application/JSON",
                                   "application/json ;charset=UTF-8")):
            body = json.dumps(svc("n%d" % i, "203.0.113.%d" % (5 + i),
                                  "198.51.100.%d" % (5 + i))).encode()
            r = self.c.request("POST", "/service", body=body, content_type=ctype)
            self.assertEqual(r.status, 200, (ctype, r))
            self.assertEqual(self.c.delete("/service/n%d" % i).status, 200)
        self.before = self.state_text()

    def test_huge_body_declared(self):
        body = b'{"name": "' + b"x" * 70000 + b'"}'
        self.assertError(self.post_raw(body), 413)
        self.assertError(self.c.request("PUT", "/service/cache", body=body), 413)

    def test_huge_body_chunked(self):
        chunk = b" " * 8192
        parts = [b"POST /service HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                 b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"]
        for _ in range(10):  # 80 KiB of whitespace, then the object
            parts.append(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        obj = json.dumps(svc("n", "203.0.113.5", "198.51.100.5")).encode()
        parts.append(b"%x\r\n%s\r\n0\r\n\r\n" % (len(obj), obj))
        status, _, body = raw_request(self.srv.url, b"".join(parts))
        self.assertEqual(status, 413)
        self.assertIn(b"larger than", body)

    def test_endless_chunked_body_is_cut_off(self):
        chunk = b" " * 65536
        head = (b"POST /service HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n")
        data = head + b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(40))
        status, _, _ = raw_request(self.srv.url, data)
        self.assertIn(status, (None, 413))
        self.assertEqual(self.c.get("/health").status, 200)  # still serving

    def test_body_at_the_limit(self):
        obj = json.dumps(svc("n", "203.0.113.5", "198.51.100.5")).encode()
        body = obj + b" " * (65536 - len(obj))
        r = self.post_raw(body)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.c.delete("/service/n").status, 200)
        self.before = self.state_text()
        self.assertError(self.post_raw(body + b" "), 413)

    def test_body_where_none_is_taken(self):
        r = self.c.request("GET", "/service", body=b"{}")
        self.assertError(r, 400)
        r = self.c.request("DELETE", "/service/cache", body=b"{}")
        self.assertError(r, 400)
        r = self.c.request("GET", "/stats", body=b"x" * 100000)  # not 413: no body at all
        self.assertError(r, 400)


class TestRoutingAndQueries(LiveServer):
    def test_unknown_routes(self):
        for path in ("/", "/services", "/service/", "/service/a/b", "/tunnels/x", "/stats/",
                     "/health/ready", "/metrics.txt", "/SERVICE", "//service"):
            self.assertError(self.c.get(path), 404)
        self.assertError(self.c.post("/nope", {}), 404)

    def test_absolute_form(self):
        status, _, body = raw_request(self.srv.url, b"GET http://tof.example/service HTTP/1.1\r\n"
                                      b"Host: tof.example\r\nConnection: close\r\n\r\n")
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body), [])

    def test_wrong_methods(self):
        cases = {
            "/service": ("PUT", "DELETE", "PATCH", "OPTIONS"),
            "/service/x": ("POST", "PATCH", "OPTIONS"),
            "/tunnels": ("POST", "PUT", "DELETE"),
            "/stats": ("POST", "DELETE"),
            "/metrics": ("POST",),
            "/health": ("POST", "PUT"),
            "/health/live": ("DELETE",),
        }
        for path, methods in cases.items():
            for m in methods:
                r = self.c.request(m, path)
                self.assertError(r, 405)
                self.assertTrue(r.headers["allow"])

    def test_query_strings(self):
        self.assertError(self.c.get("/service?x=1"), 400, "x")
        self.assertError(self.c.get("/stats?verbose=1"), 400, "verbose")
        self.assertError(self.c.get("/health?x"), 400, "x")
        self.assertError(self.c.get("/health/live?x=1"), 400, "x")
        self.assertError(self.c.get("/metrics?name=tof_up"), 400, "name")
        self.assertError(self.c.get("/service/cache?x=1"), 400, "x")
        self.assertError(self.c.post("/service?dry=1", A), 400, "dry")
        self.assertError(self.c.get("/tunnels?ue=1.2.3"), 400, "ue")
        self.assertError(self.c.get("/tunnels?ue="), 400, "ue")
        self.assertError(self.c.get("/tunnels?ue"), 400, "ue")
        for bad in ("0", "10001", "-1", "abc", "1.5", "99999999999"):
            self.assertError(self.c.get("/tunnels?limit=" + bad), 400, "limit")
        self.assertError(self.c.get("/tunnels?limit=1&limit=2"), 400, "limit")
        self.assertError(self.c.get("/tunnels?cursor=abc"), 400, "cursor")
        self.assertError(self.c.get("/tunnels?ue=198.19.0.1&cursor=0"), 400, "cursor")
        self.assertEqual(self.c.services(), [])


class TestObservation(LiveServer):
    def test_tunnels(self):
        r = self.c.get("/tunnels")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json(), {"total": 0, "count": 0, "next": None, "sessions": []})
        for q in ("ue=198.19.0.1", "ue=2001:db8:77::1", "limit=1", "limit=10000&cursor=5",
                  "cursor=0"):
            r = self.c.get("/tunnels?" + q)
            self.assertEqual(r.status, 200, q)
            self.assertEqual(r.json()["sessions"], [])

    def test_stats(self):
        self.add(A)
        self.add(V6)
        s = self.c.get("/stats").json()
        self.assertFalse(s["dataplane"])
        self.assertEqual(sorted(s["ports"]), ["apps", "enb", "sgw"])
        self.assertEqual(s["max_sessions"], 1024)
        self.assertEqual([v["name"] for v in s["services"]], ["cache", "v6"])
        self.assertEqual(s["services"][0]["uplink_packets"], 0)
        self.assertIn("uplink_service", s["reasons"])
        self.assertIn("uplink_learned", s["agent"])

    def test_health(self):
        r = self.c.get("/health")
        self.assertEqual(r.status, 200)
        h = r.json()
        self.assertTrue(h["live"] and h["ready"] and h["state_loaded"] and h["persistent"])
        self.assertEqual(h["dataplane"], "not_required")
        self.assertEqual(h["status"], "ok")
        self.assertEqual(h["problems"], [])
        self.assertEqual(self.c.get("/health/live").json(), {"status": "ok"})

    def test_metrics(self):
        self.add(A)
        self.c.get("/service/nope")
        r = self.c.get("/metrics")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.headers["content-type"].startswith("text/plain; version=0.0.4"))
        fams = parse_prometheus(r.body.decode())
        for name in ("tof_rx_packets_total", "tof_decision_packets_total",
                     "tof_reason_packets_total", "tof_service_packets_total",
                     "tof_service_bytes_total", "tof_sessions", "tof_services", "tof_up",
                     "tof_api_responses_total", "tof_agent_events_total"):
            self.assertIn(name, fams)
        self.assertEqual(fams["tof_services"]["samples"][("tof_services", ())], 1)
        self.assertEqual(fams["tof_up"]["samples"][("tof_up", ())], 1)
        svc_samples = fams["tof_service_packets_total"]["samples"]
        self.assertIn(("tof_service_packets_total",
                       (("direction", "uplink"), ("service", "cache"))), svc_samples)
        self.assertGreaterEqual(fams["tof_api_responses_total"]["samples"][
            ("tof_api_responses_total", (("code", "404"),))], 1)


_LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})? (-?[0-9.e+]+|NaN|[+-]Inf)$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_prometheus(text):
    """Text exposition format 0.0.4: HELP and TYPE before each family's
    samples, names tof_*, counters end in _total. Returns the families."""
    fams = {}
    cur = None
    assert text.endswith("\n")
    for line in text.splitlines():
        if line.startswith("# HELP "):
            name, _, help_ = line[7:].partition(" ")
            assert name not in fams, "family %s twice" % name
            assert help_, name
            cur = fams[name] = {"help": help_, "type": None, "samples": {}}
            continue
        if line.startswith("# TYPE "):
            name, _, typ = line[7:].partition(" ")
            assert cur is fams.get(name) and typ in ("counter", "gauge"), line
            cur["type"] = typ
            continue
        m = _LINE.match(line)
        assert m, "bad sample line %r" % line
        name = m.group(1)
        assert name.startswith("tof_"), name
        assert cur is not None and name in fams and cur is fams[name], \
            "sample %s outside its family" % name
        if cur["type"] == "counter":
            assert name.endswith("_total"), name
        labels = tuple(sorted(_LABEL.findall(m.group(3) or "")))
        assert (name, labels) not in cur["samples"], line
        cur["samples"][(name, labels)] = float(m.group(4))
    for name, f in fams.items():
        assert f["type"], name
    return fams


class TestNoStateFile(LiveServer):
    config = base_config()

    @classmethod
    def setUpClass(cls):
        cls.srv = Server(base_config(), state=False).start()
        cls.c = cls.srv.client()

    def test_in_memory_only(self):
        self.assertIn("no state_file", self.srv.read_log())
        self.add(A)
        self.assertFalse(self.c.get("/health").json()["persistent"])
        self.assertFalse(os.path.exists(os.path.join(self.srv.dir, "state.json")))

    def state_text(self):
        return ""


class TestFull(LiveServer):
    config = base_config(max_services=2)

    def test_table_full(self):
        self.add(A)
        self.add(B)
        self.assertError(self.c.post("/service", V6), 507)
        self.assertEqual(len(self.c.services()), 2)
        self.assertEqual(self.c.delete("/service/web").status, 200)
        self.add(V6)
