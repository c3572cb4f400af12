#!/usr/bin/python3
"""Service churn through tofd's REST API for the soak (tests/soak/soak.py
runs it inside tof-tof, where the API listens): one write every --interval
seconds (POST, PUT or DELETE on a pool of names, some meant to clash), each
answer checked against a model of what it must be, and the whole list
checked against the model now and then and after every pause (the soak
pauses it around a tofd restart: while RUN/soak.pause exists it sends
nothing and says so in RUN/soak.paused). Ends when RUN/soak.stop appears,
printing one JSON line: counts, the model, and every surprise."""
import argparse
import http.client
import json
import os
import random
import sys
import time
import urllib.parse

POOL = 40
BASE = {"name": "cache", "serviceIP": "203.0.113.100", "applicationIP": "198.51.100.10"}


def svc(i, moved):
    return {"name": "soak%d" % i, "serviceIP": "203.0.113.%d" % (101 + i),
            "applicationIP": "198.51.100.%d" % ((151 if moved else 101) + i)}


class Api:
    def __init__(self, url):
        u = urllib.parse.urlsplit(url)
        self.host, self.port = u.hostname, u.port

    def call(self, method, path, body=None):
        c = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            hdrs = {"Content-Type": "application/json"} if body is not None else {}
            c.request(method, path, body=json.dumps(body) if body is not None else None,
                      headers=hdrs)
            r = c.getresponse()
            return r.status, r.read()
        finally:
            c.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--api", default="http://127.0.0.1:8080")
    ap.add_argument("--run", required=True)
    ap.add_argument("--interval", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=9)
    a = ap.parse_args()
    api, rng = Api(a.api), random.Random(a.seed)
    pause, paused, stop = (os.path.join(a.run, n) for n in ("soak.pause", "soak.paused",
                                                             "soak.stop"))
    model = {}          # name -> service (besides BASE)
    counts = {"writes": 0, "post": 0, "put": 0, "delete": 0, "clash": 0, "checks": 0,
              "pauses": 0}
    problems = []

    def check_list(when):
        st, body = api.call("GET", "/service")
        counts["checks"] += 1
        want = sorted([BASE] + list(model.values()), key=lambda s: s["name"])
        if st != 200 or json.loads(body) != want:
            problems.append("%s: GET /service does not match what was acknowledged "
                            "(status %d, %d services, want %d)"
                            % (when, st, len(json.loads(body)) if st == 200 else -1, len(want)))

    def expect(what, got, want):
        if got != want:
            problems.append("%s: status %s, want %d" % (what, got, want))
            return False
        return True

    next_at = time.monotonic()
    while not os.path.exists(stop):
        if os.path.exists(pause):
            if not os.path.exists(paused):
                open(paused, "w").close()
                counts["pauses"] += 1
            time.sleep(0.05)
            continue
        if os.path.exists(paused):
            os.unlink(paused)
            check_list("after the pause")  # every acknowledged write survived
        i = rng.randrange(POOL)
        name = "soak%d" % i
        op = rng.random()
        try:
            if op < 0.4:
                s = svc(i, name in model and model[name]["applicationIP"].endswith(
                    ".%d" % (101 + i)))
                st, _ = api.call("POST", "/service", s)
                counts["post"] += 1
                if name in model:
                    counts["clash"] += 1
                    expect("POST %s (taken)" % name, st, 409)
                elif expect("POST " + name, st, 200):
                    model[name] = s
            elif op < 0.7:
                s = svc(i, not (name in model and model[name]["applicationIP"].endswith(
                    ".%d" % (151 + i))))
                st, _ = api.call("PUT", "/service/" + name, s)
                counts["put"] += 1
                if expect("PUT " + name, st, 200 if name in model else 404) and st == 200:
                    model[name] = s
            else:
                st, _ = api.call("DELETE", "/service/" + name)
                counts["delete"] += 1
                if expect("DELETE " + name, st, 200 if name in model else 404) and st == 200:
                    del model[name]
            counts["writes"] += 1
            if counts["writes"] % 50 == 0:
                check_list("after %d writes" % counts["writes"])
        except OSError as e:
            problems.append("%s on a write: %r" % (name, e))
        next_at += a.interval
        time.sleep(max(0.0, next_at - time.monotonic()))
    try:
        check_list("at the end")
    except OSError as e:
        problems.append("final check: %r" % e)
    print(json.dumps({"counts": counts, "model": sorted(model), "problems": problems[:50],
                      "n_problems": len(problems)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
