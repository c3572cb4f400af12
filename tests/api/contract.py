"""openapi/openapi.yaml as a checker of live exchanges.

Every response is held to the schema documented for its route, method and
status (status documented, media type, body schema, headers), and every
request the contract does not describe (unknown path, method, query
parameter, a body outside its schema, the wrong media type) must have been
refused with a 4xx. The statuses seen per operation are recorded, so the
suite can tell which documented responses it never provoked."""
import copy
import json
import re
import threading
import urllib.parse

import jsonschema
import yaml


class ContractError(AssertionError):
    pass


def _to_json_schema(node):
    """OpenAPI 3.0 schema object -> JSON Schema (draft 7): nullable becomes a
    null type, component refs point into "definitions"."""
    if isinstance(node, list):
        return [_to_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for k, v in node.items():
        if k == "$ref":
            out[k] = v.replace("#/components/schemas/", "#/definitions/")
        elif k in ("nullable", "example", "discriminator", "xml", "externalDocs",
                   "readOnly", "writeOnly", "deprecated"):
            continue
        else:
            out[k] = _to_json_schema(v)
    if node.get("nullable"):
        t = out.get("type")
        if isinstance(t, str):
            out["type"] = [t, "null"]
        # formats, patterns and enums constrain only their own types
        if "enum" in out:
            out["enum"] = list(out["enum"]) + [None]
    return out


class Contract:
    def __init__(self, path):
        with open(path) as f:
            self.doc = yaml.safe_load(f)
        self.defs = {k: _to_json_schema(v)
                     for k, v in self.doc["components"]["schemas"].items()}
        self.paths = []
        for tmpl, item in self.doc["paths"].items():
            parts = re.split(r"\{[^}]+\}", tmpl)
            rx = "^" + "([^/]+)".join(re.escape(p) for p in parts) + "$"
            self.paths.append((re.compile(rx), tmpl, item))
        self.seen = set()
        self.lock = threading.Lock()
        self.checked = 0

    # --- lookups ---

    def _resolve(self, obj):
        while isinstance(obj, dict) and "$ref" in obj:
            parts = obj["$ref"].lstrip("#/").split("/")
            obj = self.doc
            for p in parts:
                obj = obj[p]
        return obj

    def schema(self, oas_schema):
        s = _to_json_schema(copy.deepcopy(oas_schema))
        s["definitions"] = self.defs
        return s

    def validate(self, instance, oas_schema, what):
        v = jsonschema.Draft7Validator(self.schema(oas_schema),
                                       format_checker=jsonschema.FormatChecker())
        errs = sorted(v.iter_errors(instance), key=lambda e: list(e.path))
        if errs:
            e = errs[0]
            raise ContractError("%s: %s at %s (instance %s)" % (
                what, e.message, "/".join(str(p) for p in e.path) or "top",
                json.dumps(instance)[:300]))

    def is_valid(self, instance, oas_schema):
        v = jsonschema.Draft7Validator(self.schema(oas_schema),
                                       format_checker=jsonschema.FormatChecker())
        return v.is_valid(instance)

    def match(self, path):
        for rx, tmpl, item in self.paths:
            m = rx.match(path)
            if m:
                return tmpl, item
        return None, None

    def methods(self, item):
        return {m.upper() for m in item if m in
                ("get", "put", "post", "delete", "patch", "head", "options", "trace")}

    def documented(self):
        """(path, METHOD, status) for every documented response."""
        out = set()
        for tmpl, item in self.doc["paths"].items():
            for m in self.methods(item):
                for st in item[m.lower()]["responses"]:
                    out.add((tmpl, m, int(st)))
        return out

    # --- the check ---

    def _request_outside(self, method, path, query, headers, body, tmpl, item):
        """Why this request is outside the contract, or None."""
        if tmpl is None:
            return "no such path"
        if method not in self.methods(item):
            return "method not documented"
        op = item[method.lower()]
        params = {p["name"]: p for p in
                  [self._resolve(p) for p in item.get("parameters", []) + op.get("parameters", [])]
                  if p["in"] == "query"}
        for k, vals in query.items():
            if k not in params:
                return "query parameter %s not documented" % k
            if len(vals) != 1 or vals[0] == "":
                return "query parameter %s repeated or empty" % k
            s = params[k]["schema"]
            val = vals[0]
            sch = self._resolve(s)
            if sch.get("type") == "integer":
                if not re.fullmatch(r"[0-9]+", val):
                    return "query parameter %s not an integer" % k
                val = int(val)
            if not self.is_valid(val, s):
                return "query parameter %s outside its schema" % k
        rb = op.get("requestBody")
        if rb is None:
            if body:
                return "a body where none is documented"
            return None
        ctype = {k.lower(): v for k, v in headers.items()}.get("content-type", "")
        if ctype.split(";")[0].strip().lower() not in rb["content"]:
            return "media type %r not documented" % ctype
        try:
            inst = json.loads(body.decode("utf-8")) if body is not None else None
        except (ValueError, UnicodeDecodeError, RecursionError):
            return "body is not JSON"
        if body is not None and _has_duplicate_keys(body):
            return "duplicate keys"
        if not self.is_valid(inst, rb["content"]["application/json"]["schema"]):
            return "body outside the request schema"
        return None

    def check(self, method, url, headers, body, resp):
        u = urllib.parse.urlsplit(url)
        path = urllib.parse.unquote(u.path)
        query = urllib.parse.parse_qs(u.query, keep_blank_values=True)
        tmpl, item = self.match(path)
        outside = self._request_outside(method, path, query, headers, body, tmpl, item)
        with self.lock:
            self.checked += 1
        where = "%s %s -> %d" % (method, url, resp.status)
        if outside:
            if not 400 <= resp.status < 500:
                raise ContractError("%s: the request is outside the contract (%s) but was "
                                    "not refused" % (where, outside))
        if tmpl is None or method not in self.methods(item):
            # not tied to an operation: the documented generic answers
            name = "NotFound" if tmpl is None else "MethodNotAllowed"
            if resp.status == 401:
                name = "Unauthorized"
            elif resp.status != (404 if tmpl is None else 405):
                raise ContractError("%s: expected %s" % (where, name))
            spec = self._resolve(self.doc["components"]["responses"][name])
            if name == "MethodNotAllowed":
                allow = {m.strip() for m in resp.headers.get("allow", "").split(",")}
                if allow != self.methods(item):
                    raise ContractError("%s: Allow %r, documented %s" % (
                        where, resp.headers.get("allow"), sorted(self.methods(item))))
            self._check_response(where, spec, resp)
            return
        op = item[method.lower()]
        responses = op["responses"]
        if str(resp.status) not in responses:
            raise ContractError("%s: status not documented for %s %s (documented: %s)" % (
                where, method, tmpl, ", ".join(sorted(responses))))
        with self.lock:
            self.seen.add((tmpl, method, resp.status))
        self._check_response(where, self._resolve(responses[str(resp.status)]), resp)

    def _check_response(self, where, spec, resp):
        for h in spec.get("headers", {}):
            if h.lower() not in resp.headers:
                raise ContractError("%s: header %s missing" % (where, h))
        content = spec.get("content", {})
        ctype = resp.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype not in content:
            raise ContractError("%s: content type %r not documented (%s)" % (
                where, ctype, ", ".join(content)))
        schema = content[ctype].get("schema", {})
        if ctype == "application/json":
            try:
                inst = json.loads(resp.body.decode("utf-8"))
            except ValueError as e:
                raise ContractError("%s: body is not JSON: %s" % (where, e))
            self.validate(inst, schema, where)
        elif schema.get("type") == "string":
            resp.body.decode("utf-8")


def _has_duplicate_keys(body):
    dup = []

    def hook(pairs):
        keys = [k for k, _ in pairs]
        if len(keys) != len(set(keys)):
            dup.append(True)
        return dict(pairs)

    try:
        json.loads(body.decode("utf-8"), object_pairs_hook=hook)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return False
    return bool(dup)
