//! Contract test: every operation of the client documents in `openapi/` (method, path, parameters,
//! request media types, status codes, and the property / required sets of every schema they
//! reference, recursively) must exist identically on the emulator's own utoipa document.
//!
//! Both documents are projected onto what a client depends on. Required sets are compared in the
//! direction that breaks clients: a response must always carry what the client requires, and a
//! request must not require what the client may omit. Paths are compared after stripping
//! the Trigger Inbox prefixes (`/trigger-inbox/v1`, `/trigger-inbox/api/v1`), since the client takes
//! the prefix from configuration. Drift is fixed in the emulator, never allow-listed.

// Tests fail by panicking: `unwrap`, `expect` and `panic!` are their assertions (the crate
// denies them in library code, see `[workspace.lints.clippy]`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde_json::Value;
use zapier_embed_emulator::Emulator;

const PREFIXES: [&str; 2] = ["/trigger-inbox/api/v1", "/trigger-inbox/v1"];
const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];
const CLIENT_DOCS: [&str; 4] = [
    "trigger-inbox.yaml",
    "trigger-inbox-by-name.yaml",
    "zapier-partner.yaml",
    "zapier-oauth.yaml",
];

fn strip(path: &str) -> String {
    for p in PREFIXES {
        if let Some(rest) = path.strip_prefix(p) {
            return rest.to_owned();
        }
    }
    path.to_owned()
}

/// Follows a local `$ref` (`#/components/...`).
fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    let mut cur = v;
    for _ in 0..16 {
        let Some(r) = cur.get("$ref").and_then(Value::as_str) else {
            return cur;
        };
        let mut target = doc;
        for seg in r.trim_start_matches("#/").split('/') {
            target = &target[seg];
        }
        cur = target;
    }
    cur
}

/// Strips nullability: `type: [T, "null"]`, `oneOf/anyOf: [X, {type: null}]` → X.
fn non_null<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    let v = resolve(doc, v);
    for key in ["oneOf", "anyOf"] {
        if let Some(alts) = v.get(key).and_then(Value::as_array) {
            let real: Vec<&Value> = alts
                .iter()
                .filter(|a| resolve(doc, a).get("type") != Some(&Value::String("null".into())))
                .collect();
            if real.len() == 1 {
                return non_null(doc, real[0]);
            }
        }
    }
    v
}

#[derive(Debug, Default, PartialEq, Eq)]
struct Shape {
    properties: BTreeSet<String>,
    required: BTreeSet<String>,
}

/// Collects `path → Shape` for every object schema reachable from `schema`.
fn shapes(doc: &Value, schema: &Value, at: &str, out: &mut BTreeMap<String, Shape>, depth: usize) {
    if depth > 12 {
        return;
    }
    let s = non_null(doc, schema);
    if let Some(items) = s.get("items") {
        shapes(doc, items, &format!("{at}[]"), out, depth + 1);
    }
    let Some(props) = s.get("properties").and_then(Value::as_object) else {
        return;
    };
    let required = s
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    out.insert(
        at.to_owned(),
        Shape {
            properties: props.keys().cloned().collect(),
            required,
        },
    );
    for (name, p) in props {
        shapes(doc, p, &format!("{at}.{name}"), out, depth + 1);
    }
}

#[derive(Debug, Default)]
struct Operation {
    params: BTreeSet<(String, String, bool)>,
    request_types: BTreeSet<String>,
    statuses: BTreeSet<String>,
    shapes: BTreeMap<String, Shape>,
}

fn project(doc: &Value) -> BTreeMap<String, Operation> {
    let mut out = BTreeMap::new();
    let Some(paths) = doc["paths"].as_object() else {
        return out;
    };
    for (path, item) in paths {
        for m in METHODS {
            let Some(op) = item.get(m) else { continue };
            let mut o = Operation::default();
            let shared = item
                .get("parameters")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let own = op
                .get("parameters")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for p in shared.iter().chain(own.iter()) {
                let p = resolve(doc, p);
                let location = p["in"].as_str().unwrap_or_default().to_owned();
                let mut name = p["name"].as_str().unwrap_or_default().to_owned();
                if location == "header" {
                    name = name.to_ascii_lowercase();
                }
                o.params
                    .insert((location, name, p["required"].as_bool().unwrap_or(false)));
            }
            if let Some(body) = op.get("requestBody") {
                let body = resolve(doc, body);
                for (media, content) in body["content"].as_object().into_iter().flatten() {
                    o.request_types.insert(media.clone());
                    if let Some(schema) = content.get("schema") {
                        shapes(doc, schema, &format!("request {media}"), &mut o.shapes, 0);
                    }
                }
            }
            for (status, resp) in op["responses"].as_object().into_iter().flatten() {
                o.statuses.insert(status.clone());
                let resp = resolve(doc, resp);
                for (media, content) in resp["content"].as_object().into_iter().flatten() {
                    if let Some(schema) = content.get("schema") {
                        shapes(
                            doc,
                            schema,
                            &format!("response {status} {media}"),
                            &mut o.shapes,
                            0,
                        );
                    }
                }
            }
            out.insert(format!("{} {}", m.to_uppercase(), strip(path)), o);
        }
    }
    out
}

fn client_doc(name: &str) -> Value {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "..", "..", "openapi", name]
        .iter()
        .collect();
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let yaml: serde_yaml::Value =
        serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("parse {name}: {e}"));
    serde_json::to_value(yaml).expect("yaml as json")
}

#[test]
fn client_documents_are_served_by_the_emulator() {
    let emulator = Emulator::builder().build();
    let server_doc = serde_json::to_value(emulator.openapi()).expect("emulator document");
    let server = project(&server_doc);
    let mut drift = Vec::new();
    let mut checked = 0;
    for name in CLIENT_DOCS {
        let doc = client_doc(name);
        for (key, client) in project(&doc) {
            checked += 1;
            let Some(ours) = server.get(&key) else {
                drift.push(format!("{name}: {key}: operation missing on the emulator"));
                continue;
            };
            for p in client.params.difference(&ours.params) {
                drift.push(format!(
                    "{name}: {key}: parameter {p:?} missing (emulator has {:?})",
                    ours.params
                ));
            }
            for t in client.request_types.difference(&ours.request_types) {
                drift.push(format!("{name}: {key}: request media type {t} missing"));
            }
            for s in ours.statuses.difference(&client.statuses) {
                drift.push(format!(
                    "{name}: {key}: status {s} answered by the emulator but not documented (document has {:?})",
                    client.statuses
                ));
            }
            for s in client.statuses.difference(&ours.statuses) {
                drift.push(format!(
                    "{name}: {key}: status {s} missing (emulator has {:?})",
                    ours.statuses
                ));
            }
            for (at, shape) in &client.shapes {
                match ours.shapes.get(at) {
                    None => drift.push(format!(
                        "{name}: {key}: schema at `{at}` missing on the emulator"
                    )),
                    Some(o) => {
                        let missing: Vec<_> = shape.properties.difference(&o.properties).collect();
                        if !missing.is_empty() {
                            drift.push(format!(
                                "{name}: {key}: `{at}` lacks properties {missing:?}"
                            ));
                        }
                        // Responses: whatever the client relies on being present must always be sent.
                        // Requests: the emulator must not demand more than the client sends.
                        let (must_hold, within, what) = if at.starts_with("response") {
                            (
                                &shape.required,
                                &o.required,
                                "required by the client but optional on the emulator",
                            )
                        } else {
                            (
                                &o.required,
                                &shape.required,
                                "required by the emulator but optional on the client",
                            )
                        };
                        let bad: Vec<_> = must_hold.difference(within).collect();
                        if !bad.is_empty() {
                            drift.push(format!("{name}: {key}: `{at}`: {bad:?} {what}"));
                        }
                    }
                }
            }
        }
    }
    assert!(checked >= 30, "only {checked} client operations found");
    assert!(
        drift.is_empty(),
        "{} drift(s):\n{}",
        drift.len(),
        drift.join("\n")
    );
}
