"""/chains and /chains/{name} on a live tofd (no switch configured: ports are
taken on trust there; tests/live/test_ovs.py holds them to a real bridge):
create and replace, list and get, delete, every refusal with its field and
status, services naming chains and app ports, persistence, and a change
that cannot be saved. Bad requests change nothing."""
import os
import unittest

from tofapi import Server, base_config, svc

FW = {"hops": [{"ingress": "fw0-in", "egress": "fw0-out"}, {"ingress": "dpi0", "egress": "dpi0"}]}


def named(name, body):
    return dict(body, name=name)


class TestChains(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = Server(base_config()).start()
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
        for ch in self.c.get("/chains").json():
            self.assertEqual(self.c.delete("/chains/" + ch["name"]).status, 200)

    def assertError(self, r, status, field=None):
        self.assertEqual(r.status, status, r)
        body = r.json()
        self.assertTrue(body["error"])
        self.assertEqual(body.get("field"), field, body)

    def unchanged(self):
        return self.c.get("/chains").json(), self.c.services()

    def test_create_replace_get_list_delete(self):
        self.assertEqual(self.c.get("/chains").json(), [])
        r = self.c.put("/chains/fw", FW)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json(), named("fw", FW))
        # a one-armed function may leave egress out; the name may be given
        r = self.c.put("/chains/fw", {"name": "fw", "hops": [{"ingress": "dpi0"}]})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {"name": "fw", "hops": [{"ingress": "dpi0", "egress": "dpi0"}]})
        self.assertEqual(self.c.put("/chains/a.b-c_d", FW).status, 201)
        self.assertEqual([c["name"] for c in self.c.get("/chains").json()], ["a.b-c_d", "fw"])
        self.assertEqual(self.c.get("/chains/a.b-c_d").json(), named("a.b-c_d", FW))
        r = self.c.delete("/chains/a.b-c_d")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json(), named("a.b-c_d", FW))
        self.assertError(self.c.get("/chains/a.b-c_d"), 404, "name")
        self.assertError(self.c.delete("/chains/a.b-c_d"), 404, "name")
        self.assertError(self.c.get("/chains/bad%20name"), 404, "name")
        self.assertError(self.c.delete("/chains/" + "x" * 65), 404, "name")

    def test_bad_bodies(self):
        self.assertEqual(self.c.put("/chains/fw", FW).status, 201)
        before = self.unchanged()
        cases = [
            ({"hops": []}, "hops"),
            ({"hops": [{"ingress": "p%d" % i} for i in range(17)]}, "hops"),
            ({"hops": {"ingress": "a"}}, "hops"),
            ({"hops": ["a"]}, "hops[0]"),
            ({"hops": [{"egress": "a"}]}, "hops[0].ingress"),
            ({"hops": [{"ingress": "a b"}]}, "hops[0].ingress"),
            ({"hops": [{"ingress": "a", "egress": ""}]}, "hops[0].egress"),
            ({"hops": [{"ingress": "a", "vlan": 5}]}, "hops[0].vlan"),
            ({"hops": [{"ingress": "a"}, {"ingress": "b", "egress": "a"}]}, "hops[1].egress"),
            ({"hops": [{"ingress": "a", "egress": "b"}, {"ingress": "b"}]}, "hops[1].ingress"),
            ({"name": "other", "hops": [{"ingress": "a"}]}, "name"),
            ({"name": 7, "hops": [{"ingress": "a"}]}, "name"),
            ({"hops": [{"ingress": "a"}], "chain": "x"}, "chain"),
            ({}, "hops"),
        ]
        for body, field in cases:
            self.assertError(self.c.put("/chains/fw", body), 400, field)
            self.assertError(self.c.put("/chains/new", body), 400, field)
        self.assertError(self.c.put("/chains/bad%20name", FW), 400, "name")
        self.assertEqual(self.unchanged(), before)

    def test_services_on_chains(self):
        self.assertEqual(self.c.put("/chains/fw", FW).status, 201)
        a = svc("cache", "203.0.113.100", "198.51.100.10", chain="fw", applicationPort="app1")
        self.assertEqual(self.c.post("/service", a).status, 200)
        self.assertEqual(self.c.get("/service/cache").json(), a)
        before = self.unchanged()
        # in use: 409, and it stays
        self.assertError(self.c.delete("/chains/fw"), 409, "name")
        # an app's port cannot be a hop, nor a hop an app's port
        self.assertError(self.c.put("/chains/x", {"hops": [{"ingress": "app1"}]}), 409,
                         "hops[0].ingress")
        b = svc("web", "203.0.113.101", "198.51.100.11", applicationPort="dpi0")
        r = self.c.post("/service", b)
        self.assertError(r, 409, "applicationPort")
        self.assertIn("fw", r.json()["error"])
        # an unknown chain
        self.assertError(self.c.put("/service/cache", dict(a, chain="nope")), 409, "chain")
        self.assertEqual(self.unchanged(), before)
        # the service moves off the chain; then it can go
        self.assertEqual(self.c.put("/service/cache", svc("cache", "203.0.113.100",
                                                          "198.51.100.10")).status, 200)
        self.assertEqual(self.c.delete("/chains/fw").status, 200)

    def test_transport_errors(self):
        before = self.unchanged()
        big = b'{"hops": [{"ingress": "a"}], "x": "' + b"y" * 70000 + b'"}'
        self.assertError(self.c.request("PUT", "/chains/fw", body=big), 413)
        self.assertError(self.c.request("PUT", "/chains/fw", body=b'{"hops": []}',
                                        content_type="text/plain"), 415)
        self.assertError(self.c.request("PUT", "/chains/fw", body=b"{nope"), 400)
        self.assertError(self.c.delete("/chains/fw?force=1"), 400, "force")
        self.assertError(self.c.request("DELETE", "/chains/fw", body=b"{}"), 400)
        self.assertEqual(self.unchanged(), before)

    def test_health_counts_chains(self):
        self.assertEqual(self.c.put("/chains/fw", FW).status, 201)
        h = self.c.get("/health").json()
        self.assertEqual(h["chains"], 1)
        self.assertNotIn("ovs", h)  # no switch configured

    def test_many_chains(self):
        # 1024 at most; the next is refused (507) and nothing changes
        for i in range(1024):
            self.assertEqual(self.c.put("/chains/c%d" % i, {"hops": [{"ingress": "p%d" % i}]})
                             .status, 201)
        before = self.unchanged()
        self.assertError(self.c.put("/chains/one-more", FW), 507)
        # replacing one is still fine
        self.assertEqual(self.c.put("/chains/c7", FW).status, 200)
        self.assertEqual(len(self.c.get("/chains").json()), len(before[0]))


class TestChainsPersist(unittest.TestCase):
    def test_restart_and_save_failure(self):
        srv = Server(base_config(chains=[named("fw", FW)]))
        try:
            c = srv.start().client()
            self.assertEqual(c.get("/chains").json(), [named("fw", FW)])
            self.assertEqual(c.put("/chains/dpi", {"hops": [{"ingress": "dpi0"}]}).status, 201)
            self.assertEqual(c.post("/service", svc("cache", "203.0.113.100", "198.51.100.10",
                                                    chain="dpi")).status, 200)
            before = c.get("/chains").json()
            c = srv.restart().client()
            self.assertEqual(c.get("/chains").json(), before)
            srv.kill9()
            c = srv.start().client()
            self.assertEqual(c.get("/chains").json(), before)
            self.assertEqual(c.get("/service/cache").json()["chain"], "dpi")
            # the file cannot be written: 500, nothing changes
            tmp = srv.state_file + ".tmp"
            os.mkdir(tmp)
            for r in (c.put("/chains/new", FW), c.put("/chains/fw", {"hops": [{"ingress": "x"}]}),
                      c.delete("/chains/fw")):
                self.assertEqual(r.status, 500, r)
                self.assertIn("could not be saved", r.json()["error"])
            self.assertEqual(c.get("/chains").json(), before)
            os.rmdir(tmp)
            srv.stop()
        finally:
            srv.cleanup()


if __name__ == "__main__":
    unittest.main()
