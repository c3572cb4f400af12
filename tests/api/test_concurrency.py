"""Many clients at once: overlapping names and addresses get exactly one
winner each, nothing is lost or doubled, and the final list agrees with
every answer that was given."""
import ipaddress
import threading
import unittest

from tofapi import Server, base_config, svc

CLIENTS = 16
GROUPS = 24


def v6(text):
    return str(ipaddress.ip_address(text))


def group_service(g, i):
    """Client i's try in group g. Kinds 0 and 1 share the group's service IP
    (kind 0 also one name), kind 2 the group's other service IP: exactly
    two winners per group. Application IPs never clash."""
    kind = i % 3
    app = v6("2001:db8:7:%x::%x:%x" % (kind, g + 1, i + 1))
    if kind == 0:
        return svc("g%d" % g, v6("2001:db8:5::%x" % (g + 1)), app)
    if kind == 1:
        return svc("g%d-v%d" % (g, i), v6("2001:db8:5::%x" % (g + 1)), app)
    return svc("g%d-w%d" % (g, i), v6("2001:db8:6::%x" % (g + 1)), app)


class TestConcurrentWriters(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = Server(base_config(max_services=1024)).start()

    @classmethod
    def tearDownClass(cls):
        try:
            cls.srv.stop()
        finally:
            cls.srv.cleanup()

    def setUp(self):
        c = self.srv.client()
        for s in c.services():
            self.assertEqual(c.delete("/service/" + s["name"]).status, 200)

    def run_clients(self, work):
        results, errors = [], []
        lock = threading.Lock()
        barrier = threading.Barrier(CLIENTS)

        def run(i):
            c = self.srv.client()
            try:
                barrier.wait()
                for item in work(i):
                    r = item(c)
                    with lock:
                        results.append((i, r))
            except Exception as e:  # reported below, not lost in a thread
                with lock:
                    errors.append(repr(e))

        threads = [threading.Thread(target=run, args=(i,)) for i in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
            self.assertFalse(t.is_alive())
        self.assertEqual(errors, [])
        return results

    def test_overlapping_posts(self):
        c = self.srv.client()

        def work(i):
            order = list(range(GROUPS))
            order = order[i % GROUPS:] + order[:i % GROUPS]
            for g in order:
                s = group_service(g, i)
                yield lambda cl, s=s, g=g: (g, s, cl.post("/service", s).status)

        results = self.run_clients(work)
        statuses = [st for _, (_, _, st) in results]
        self.assertTrue(set(statuses) <= {200, 409}, set(statuses))
        final = c.services()
        names = [s["name"] for s in final]
        self.assertEqual(len(names), len(set(names)))
        won = {}
        for _, (g, s, st) in results:
            if st == 200:
                won.setdefault(g, []).append(s)
        for g in range(GROUPS):
            sips = sorted(s["serviceIP"] for s in won.get(g, []))
            self.assertEqual(sips, sorted([v6("2001:db8:5::%x" % (g + 1)),
                                           v6("2001:db8:6::%x" % (g + 1))]), g)
        acked = sorted((s for ss in won.values() for s in ss), key=lambda s: s["name"])
        self.assertEqual(final, acked)  # the list is exactly what was acknowledged
        self.assert_unique(final)

    def assert_unique(self, services):
        sips = [s["serviceIP"] for s in services]
        aips = [s["applicationIP"] for s in services]
        self.assertEqual(len(sips), len(set(sips)))
        self.assertEqual(len(aips), len(set(aips)))
        self.assertFalse(set(sips) & set(aips))

    def test_same_service_many_times(self):
        s = svc("same", "203.0.113.200", "198.51.100.200")

        def work(i):
            for _ in range(3):
                yield lambda cl: cl.post("/service", s).status

        results = self.run_clients(work)
        self.assertEqual(sorted(r for _, r in results).count(200), 1)
        self.assertEqual(self.srv.client().get("/service/same").json(), s)

        def delete_work(i):
            yield lambda cl: cl.delete("/service/same").status

        results = self.run_clients(delete_work)
        self.assertEqual(sorted(r for _, r in results), [200] + [404] * (CLIENTS - 1))

    def test_readers_see_consistent_lists(self):
        def work(i):
            if i % 2:
                for k in range(20):
                    s = svc("r%d-%d" % (i, k), v6("2001:db8:8::%x:%x" % (i + 1, k + 1)),
                            v6("2001:db8:9::%x:%x" % (i + 1, k + 1)))
                    yield lambda cl, s=s: cl.post("/service", s).status
                    yield lambda cl, s=s: cl.delete("/service/" + s["name"]).status
            else:
                for _ in range(30):
                    yield lambda cl: cl.services()

        for _, r in self.run_clients(work):
            if isinstance(r, list):
                names = [s["name"] for s in r]
                self.assertEqual(names, sorted(set(names)))
                self.assert_unique(r)
            else:
                self.assertEqual(r, 200)
