//! Normalization passes that turn a published OpenAPI document into one progenitor can generate from.
//!
//! Each pass is named, runs over a `serde_json::Value`, and logs every change it makes, so the
//! difference between the committed document and what the generator saw is reviewable in the
//! `cargo xtask codegen` output. The reason for each pass is one of progenitor 0.15's real limits,
//! written beside the pass and in ARCHITECTURE.md ("From documents to generated code").

use std::collections::BTreeSet;

use anyhow::{Result, bail};
use serde_json::{Map, Value, json};

/// What the passes changed, one line per change, prefixed with the pass name.
#[derive(Default)]
pub struct Log {
    pub lines: Vec<String>,
}

impl Log {
    fn note(&mut self, pass: &str, what: impl AsRef<str>) {
        self.lines.push(format!("[{pass}] {}", what.as_ref()));
    }
}

/// Per-document settings of the passes.
pub struct Options {
    /// Path prefix that the client takes from configuration instead of from the document.
    pub path_prefix: &'static str,
}

/// Runs every pass, in order.
pub fn normalize(doc: &mut Value, options: &Options, log: &mut Log) -> Result<()> {
    relocate_path_prefix(doc, options.path_prefix, log)?;
    inline_null_refs(doc, log);
    downgrade_31_to_30(doc, log)?;
    open_string_enums(doc, log);
    collapse_string_unions(doc, log);
    strip_additional_properties_false(doc, log);
    merge_error_bodies(doc, log)?;
    Ok(())
}

/// `relocate_path_prefix`: strips the API's path prefix from every path.
///
/// Zapier's sources disagree on the prefix (`/trigger-inbox/v1` in the published spec,
/// `/trigger-inbox/api/v1` in the guides and the SDK), so the generated client must not bake either
/// in: it is part of the base URL the caller configures.
fn relocate_path_prefix(doc: &mut Value, prefix: &str, log: &mut Log) -> Result<()> {
    const PASS: &str = "relocate_path_prefix";
    if prefix.is_empty() {
        return Ok(());
    }
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return Ok(());
    };
    let old = std::mem::take(paths);
    for (path, item) in old {
        let Some(rest) = path.strip_prefix(prefix) else {
            bail!("{PASS}: path {path} does not start with the configured prefix {prefix}");
        };
        paths.insert(rest.to_string(), item);
    }
    log.note(
        PASS,
        format!(
            "moved {prefix} from {} paths into the base URL",
            paths.len()
        ),
    );
    Ok(())
}

/// `inline_null_refs`: replaces `$ref`s to a component that is only `type: null` with the schema itself
/// and drops that component.
///
/// The published spec spells "or null" as `oneOf: [..., {$ref: NullEnum}]`; typify panics on a
/// `null`-typed component, and the 3.0 downgrade can only see a literal `{type: null}` alternative.
fn inline_null_refs(doc: &mut Value, log: &mut Log) {
    const PASS: &str = "inline_null_refs";
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let null_names: Vec<String> = schemas
        .iter()
        .filter(|(_, s)| s.get("type") == Some(&json!("null")))
        .map(|(name, _)| name.clone())
        .collect();
    for name in &null_names {
        schemas.remove(name);
        log.note(PASS, format!("dropped component {name} (type: null)"));
    }
    let targets: BTreeSet<String> = null_names
        .iter()
        .map(|n| format!("#/components/schemas/{n}"))
        .collect();
    let mut count = 0;
    walk(doc, &mut |m| {
        if let Some(Value::String(r)) = m.get("$ref")
            && targets.contains(r)
        {
            m.clear();
            m.insert("type".into(), json!("null"));
            count += 1;
        }
    });
    if count > 0 {
        log.note(
            PASS,
            format!("inlined {count} references to null components"),
        );
    }
}

/// `downgrade_31_to_30`: rewrites OpenAPI 3.1 constructs into their 3.0 forms.
///
/// progenitor (through openapiv3) accepts only 3.0.x documents.
fn downgrade_31_to_30(doc: &mut Value, log: &mut Log) -> Result<()> {
    const PASS: &str = "downgrade_31_to_30";
    if let Some(v) = doc.get("openapi").and_then(Value::as_str)
        && v.starts_with("3.1")
    {
        log.note(PASS, format!("openapi {v} -> 3.0.3"));
        doc["openapi"] = json!("3.0.3");
    }
    for key in ["webhooks", "jsonSchemaDialect"] {
        if doc.as_object_mut().and_then(|m| m.remove(key)).is_some() {
            log.note(PASS, format!("dropped top-level {key}"));
        }
    }
    let mut changes = 0usize;
    let mut error = None;
    walk(doc, &mut |m| {
        // `type: [T, "null"]` -> `type: T, nullable: true`.
        if let Some(Value::Array(types)) = m.get("type").cloned() {
            let rest: Vec<Value> = types.iter().filter(|t| *t != "null").cloned().collect();
            match rest.as_slice() {
                [one] => {
                    m.insert("type".into(), one.clone());
                }
                [] => {
                    m.remove("type");
                }
                many => {
                    error = Some(format!("{PASS}: no 3.0 form for the type union {many:?}"));
                }
            }
            if rest.len() != types.len() {
                m.insert("nullable".into(), json!(true));
            }
            changes += 1;
        }
        // `oneOf`/`anyOf` with a `{type: null}` alternative -> the rest, nullable.
        for key in ["oneOf", "anyOf"] {
            if let Some(Value::Array(alts)) = m.get(key).cloned() {
                let rest: Vec<Value> = alts
                    .iter()
                    .filter(|s| s.get("type") != Some(&json!("null")))
                    .cloned()
                    .collect();
                if rest.len() != alts.len() {
                    m.remove(key);
                    let target = if rest.len() == 1 { "allOf" } else { key };
                    m.insert(target.into(), Value::Array(rest));
                    m.insert("nullable".into(), json!(true));
                    changes += 1;
                }
            }
        }
        if let Some(c) = m.remove("const") {
            m.insert("enum".into(), json!([c]));
            changes += 1;
        }
        for (key, flag) in [
            ("exclusiveMinimum", "minimum"),
            ("exclusiveMaximum", "maximum"),
        ] {
            if let Some(n) = m.get(key).filter(|v| v.is_number()).cloned() {
                m.insert(flag.into(), n);
                m.insert(key.into(), json!(true));
                changes += 1;
            }
        }
        for key in ["propertyNames", "$schema"] {
            if m.remove(key).is_some() {
                changes += 1;
            }
        }
    });
    if let Some(e) = error {
        bail!(e);
    }
    if changes > 0 {
        log.note(PASS, format!("rewrote {changes} 3.1 schema constructs"));
    }
    Ok(())
}

/// `open_string_enums`: turns closed string enums into plain strings.
///
/// typify generates closed Rust enums, so a value the server adds tomorrow would fail to decode the
/// whole response. The domain crate parses these strings into `#[non_exhaustive]` enums with an
/// `Unknown` arm instead; the documented values stay in the schema description.
fn open_string_enums(doc: &mut Value, log: &mut Log) {
    const PASS: &str = "open_string_enums";
    let mut opened = 0usize;
    walk(doc, &mut |m| {
        let Some(Value::Array(values)) = m.get("enum") else {
            return;
        };
        if !values.iter().all(Value::is_string) {
            return;
        }
        let is_string = match m.get("type") {
            None => true,
            Some(t) => t == "string",
        };
        if !is_string {
            return;
        }
        let listed: Vec<String> = values
            .iter()
            .filter_map(Value::as_str)
            .map(|s| format!("`{s}`"))
            .collect();
        m.remove("enum");
        m.insert("type".into(), json!("string"));
        let note = format!("Known values: {}.", listed.join(", "));
        let description = match m.get("description").and_then(Value::as_str) {
            Some(d) => format!("{d} {note}"),
            None => note,
        };
        m.insert("description".into(), Value::String(description));
        opened += 1;
    });
    if opened > 0 {
        log.note(PASS, format!("opened {opened} string enums"));
    }
}

/// `collapse_string_unions`: a `oneOf` whose alternatives are all plain strings becomes one string.
///
/// After `open_string_enums`, `paused_reason: oneOf [PausedReasonEnum, BlankEnum]` is a union of two
/// strings; typify would emit an untagged enum whose second arm can never match.
fn collapse_string_unions(doc: &mut Value, log: &mut Log) {
    const PASS: &str = "collapse_string_unions";
    let components = doc
        .pointer("/components/schemas")
        .cloned()
        .unwrap_or(Value::Null);
    let is_plain_string = |s: &Value| -> bool {
        let resolved = match s.get("$ref").and_then(Value::as_str) {
            Some(r) => r
                .strip_prefix("#/components/schemas/")
                .and_then(|n| components.get(n)),
            None => Some(s),
        };
        resolved.is_some_and(|r| {
            r.get("type") == Some(&json!("string"))
                && r.get("properties").is_none()
                && r.get("format").is_none()
        })
    };
    let mut collapsed = 0usize;
    walk(doc, &mut |m| {
        for key in ["oneOf", "anyOf"] {
            if let Some(Value::Array(alts)) = m.get(key)
                && alts.len() > 1
                && alts.iter().all(is_plain_string)
            {
                m.remove(key);
                m.insert("type".into(), json!("string"));
                collapsed += 1;
            }
        }
    });
    if collapsed > 0 {
        log.note(PASS, format!("collapsed {collapsed} unions of strings"));
    }
}

/// `strip_additional_properties_false`: removes `additionalProperties: false`.
///
/// typify turns it into `#[serde(deny_unknown_fields)]`, which breaks decoding the day the server
/// adds a field.
fn strip_additional_properties_false(doc: &mut Value, log: &mut Log) {
    const PASS: &str = "strip_additional_properties_false";
    let mut stripped = 0usize;
    walk(doc, &mut |m| {
        if m.get("additionalProperties") == Some(&json!(false)) {
            m.remove("additionalProperties");
            stripped += 1;
        }
    });
    if stripped > 0 {
        log.note(PASS, format!("stripped {stripped} occurrences"));
    }
}

/// `merge_error_bodies`: gives every operation one error body type.
///
/// progenitor panics when an operation's error responses carry different schemas (the lease 409
/// `LeaseConflictResponse` beside the `Errors` envelope). The differing schemas are merged into one
/// synthetic `oneOf` component `<OperationId>ErrorBody`, which decodes as an untagged enum; each
/// alternative has a distinguishing required field (`errors` vs `detail`).
fn merge_error_bodies(doc: &mut Value, log: &mut Log) -> Result<()> {
    const PASS: &str = "merge_error_bodies";
    let responses_components = doc
        .pointer("/components/responses")
        .cloned()
        .unwrap_or(Value::Null);
    let mut new_components: Vec<(String, Value)> = Vec::new();
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return Ok(());
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in item.iter_mut() {
            let Some(responses) = op.get("responses").cloned() else {
                continue;
            };
            let Some(op_id) = op
                .get("operationId")
                .and_then(Value::as_str)
                .map(str::to_owned)
            else {
                continue;
            };
            let Some(responses) = responses.as_object() else {
                continue;
            };
            // The JSON schema of every error response, resolving `#/components/responses` refs.
            let mut errors: Vec<(String, Value)> = Vec::new();
            for (status, resp) in responses {
                if status.starts_with('2') {
                    continue;
                }
                let resolved = match resp.get("$ref").and_then(Value::as_str) {
                    Some(r) => r
                        .strip_prefix("#/components/responses/")
                        .and_then(|n| responses_components.get(n))
                        .cloned()
                        .unwrap_or(Value::Null),
                    None => resp.clone(),
                };
                if let Some(schema) = resolved.pointer("/content/application~1json/schema") {
                    errors.push((status.clone(), schema.clone()));
                }
            }
            let mut distinct: Vec<Value> = Vec::new();
            for (_, s) in &errors {
                if !distinct.contains(s) {
                    distinct.push(s.clone());
                }
            }
            if distinct.len() <= 1 {
                continue;
            }
            let name = format!("{}ErrorBody", upper_camel(&op_id));
            let merged_ref = json!({ "$ref": format!("#/components/schemas/{name}") });
            new_components.push((
                name.clone(),
                json!({
                    "description": format!("Any error body of `{op_id}`."),
                    "oneOf": distinct,
                }),
            ));
            let op_responses = op
                .get_mut("responses")
                .and_then(Value::as_object_mut)
                .expect("responses was read above");
            for (status, _) in &errors {
                // Inline the (possibly shared) response so only this operation changes.
                let mut resp = op_responses[status].clone();
                if let Some(r) = resp.get("$ref").and_then(Value::as_str) {
                    resp = r
                        .strip_prefix("#/components/responses/")
                        .and_then(|n| responses_components.get(n))
                        .cloned()
                        .unwrap_or(Value::Null);
                }
                resp["content"]["application/json"]["schema"] = merged_ref.clone();
                op_responses.insert(status.clone(), resp);
            }
            log.note(
                PASS,
                format!(
                    "{} {path}: merged {} error body shapes into {name}",
                    method.to_uppercase(),
                    distinct.len()
                ),
            );
        }
    }
    if !new_components.is_empty() {
        let schemas = doc
            .pointer_mut("/components/schemas")
            .and_then(Value::as_object_mut)
            .ok_or_else(|| anyhow::anyhow!("{PASS}: document has no components.schemas"))?;
        for (name, schema) in new_components {
            schemas.insert(name, schema);
        }
    }
    Ok(())
}

fn upper_camel(id: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for c in id.chars() {
        if c == '-' || c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Calls `f` on every JSON object of the document, depth first (children after their parent).
fn walk(v: &mut Value, f: &mut impl FnMut(&mut Map<String, Value>)) {
    match v {
        Value::Object(m) => {
            f(m);
            for (_, child) in m.iter_mut() {
                walk(child, f);
            }
        }
        Value::Array(items) => {
            for child in items {
                walk(child, f);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downgrade_rewrites_nullable_types_and_null_alternatives() {
        let mut doc = json!({
            "openapi": "3.1.0",
            "components": {"schemas": {"A": {"properties": {
                "x": {"type": ["string", "null"]},
                "y": {"oneOf": [{"$ref": "#/components/schemas/B"}, {"type": "null"}]}
            }}}}
        });
        let mut log = Log::default();
        downgrade_31_to_30(&mut doc, &mut log).unwrap();
        assert_eq!(doc["openapi"], "3.0.3");
        let x = &doc["components"]["schemas"]["A"]["properties"]["x"];
        assert_eq!(x, &json!({"type": "string", "nullable": true}));
        let y = &doc["components"]["schemas"]["A"]["properties"]["y"];
        assert_eq!(
            y,
            &json!({"allOf": [{"$ref": "#/components/schemas/B"}], "nullable": true})
        );
    }

    #[test]
    fn downgrade_refuses_real_type_unions() {
        let mut doc = json!({"openapi": "3.1.0", "x": {"type": ["string", "integer"]}});
        assert!(downgrade_31_to_30(&mut doc, &mut Log::default()).is_err());
    }

    #[test]
    fn paused_reason_union_becomes_a_nullable_string() {
        let mut doc = json!({
            "openapi": "3.1.0",
            "paths": {},
            "components": {"schemas": {
                "R": {"type": "string", "enum": ["user", "authentication"]},
                "Blank": {"enum": [""]},
                "Null": {"type": "null"},
                "Inbox": {"properties": {"paused_reason": {"oneOf": [
                    {"$ref": "#/components/schemas/R"},
                    {"$ref": "#/components/schemas/Blank"},
                    {"$ref": "#/components/schemas/Null"}
                ]}}}
            }}
        });
        normalize(&mut doc, &Options { path_prefix: "" }, &mut Log::default()).unwrap();
        let schemas = &doc["components"]["schemas"];
        assert!(schemas.get("Null").is_none());
        assert_eq!(
            schemas["Inbox"]["properties"]["paused_reason"],
            json!({"type": "string", "nullable": true})
        );
        assert_eq!(schemas["R"]["type"], "string");
        assert!(schemas["R"].get("enum").is_none());
    }

    #[test]
    fn differing_error_bodies_are_merged_per_operation() {
        let mut doc = json!({
            "openapi": "3.0.3",
            "paths": {"/lease": {"post": {"operationId": "leaseThings", "responses": {
                "201": {"description": "", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Ok"}}}},
                "400": {"$ref": "#/components/responses/Bad"},
                "409": {"description": "", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Conflict"}}}}
            }}}},
            "components": {
                "responses": {"Bad": {"description": "", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}}}},
                "schemas": {"Ok": {}, "Errors": {}, "Conflict": {}}
            }
        });
        let mut log = Log::default();
        merge_error_bodies(&mut doc, &mut log).unwrap();
        let merged = &doc["components"]["schemas"]["LeaseThingsErrorBody"]["oneOf"];
        assert_eq!(merged.as_array().unwrap().len(), 2);
        let responses = &doc["paths"]["/lease"]["post"]["responses"];
        for status in ["400", "409"] {
            assert_eq!(
                responses[status]["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/LeaseThingsErrorBody"
            );
        }
        // The shared component response is untouched.
        assert_eq!(
            doc["components"]["responses"]["Bad"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/Errors"
        );
    }

    #[test]
    fn prefix_relocation_requires_every_path_to_carry_the_prefix() {
        let mut doc = json!({"paths": {"/trigger-inbox/v1/inboxes": {}, "/other": {}}});
        let err = relocate_path_prefix(&mut doc, "/trigger-inbox/v1", &mut Log::default());
        assert!(err.is_err());
    }
}
