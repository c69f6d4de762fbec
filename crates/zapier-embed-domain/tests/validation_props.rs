//! Property tests of input validation: it never panics, names every bad field exactly once,
//! keeps every caller key and value, and fills defaults.

use std::collections::HashSet;

use proptest::prelude::*;
use serde_json::{Map, Value, json};
use zapier_embed_domain::*;

fn value_type() -> impl Strategy<Value = ValueType> {
    prop_oneof![
        Just(ValueType::String),
        Just(ValueType::Boolean),
        Just(ValueType::Integer),
        Just(ValueType::Number),
        Just(ValueType::Unknown("ARRAY".into())),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        prop_oneof![
            Just("yes".to_owned()),
            Just("No".to_owned()),
            Just("".to_owned()),
            Just("  ".to_owned()),
            Just("42".to_owned()),
            Just("-7".to_owned()),
            Just("1.5".to_owned()),
            Just("99999999999999999999".to_owned()),
            ".{0,12}",
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z]{1,3}", inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn field() -> impl Strategy<Value = InputField> {
    (
        "[a-e]",
        value_type(),
        any::<bool>(),
        proptest::option::of(prop_oneof![
            Just("no".to_owned()),
            Just("5".to_owned()),
            ".{0,5}"
        ]),
    )
        .prop_map(|(key, vt, required, default)| {
            let mut f = InputField::new(key, vt);
            if required {
                f = f.required();
            }
            if let Some(d) = default {
                f = f.with_default(d);
            }
            f
        })
}

fn inputs() -> impl Strategy<Value = Map<String, Value>> {
    proptest::collection::btree_map("[a-g]", json_value(), 0..6)
        .prop_map(|m| m.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn never_panics_and_reports_each_field_at_most_once(
        fields in proptest::collection::vec(field(), 0..6),
        inputs in inputs(),
    ) {
        match validate_inputs(&fields, &inputs) {
            Ok(out) => {
                // Every caller key survives with its value, unless it was blank/null and a
                // default replaced it.
                for (k, v) in &inputs {
                    let replaced = out.get(k) != Some(v);
                    if replaced {
                        let f = fields.iter().find(|f| &f.key == k);
                        prop_assert!(f.and_then(|f| f.default_value.as_ref()).is_some(),
                            "value of {} changed without a default", k);
                    }
                }
                // Every required field (first definition) is present and not null.
                let mut seen = HashSet::new();
                for f in &fields {
                    if seen.insert(f.key.clone()) && f.is_required {
                        prop_assert!(out.get(&f.key).is_some_and(|v| !v.is_null()),
                            "required {} missing from output", f.key);
                    }
                }
            }
            Err(err) => {
                prop_assert!(!err.fields.is_empty(), "empty ValidationError");
                let names: Vec<&str> = err.field_names().collect();
                let unique: HashSet<&str> = names.iter().copied().collect();
                prop_assert_eq!(names.len(), unique.len(), "a field reported twice");
                for n in &names {
                    prop_assert!(fields.iter().any(|f| f.key == *n), "unknown field {} reported", n);
                }
                let shown = err.to_string();
                prop_assert!(shown.starts_with("invalid inputs: "), "bad display");
                prop_assert!(!shown.contains('\n'), "display spans lines");
            }
        }
    }

    #[test]
    fn names_exactly_the_missing_required_fields(
        present in proptest::collection::btree_set("[a-j]", 0..10),
    ) {
        let fields: Vec<InputField> = ('a'..='j')
            .map(|c| InputField::new(c.to_string(), ValueType::String).required())
            .collect();
        let inputs: Map<String, Value> =
            present.iter().map(|k| (k.clone(), json!("v"))).collect();
        let expected: Vec<String> = ('a'..='j')
            .map(|c| c.to_string())
            .filter(|k| !present.contains(k))
            .collect();
        match validate_inputs(&fields, &inputs) {
            Ok(_) => prop_assert!(expected.is_empty(), "accepted with missing fields"),
            Err(err) => {
                let names: Vec<String> = err.field_names().map(str::to_owned).collect();
                prop_assert_eq!(names, expected);
                prop_assert!(err.fields.iter().all(|f| f.problem == FieldProblem::Missing), "not all Missing");
            }
        }
    }

    #[test]
    fn unknown_keys_are_always_kept(key in "_zap_static_[a-z]{1,8}", value in json_value()) {
        let fields = [InputField::new("channel", ValueType::String)];
        let mut inputs = Map::new();
        inputs.insert(key.clone(), value.clone());
        let out = validate_inputs(&fields, &inputs).unwrap();
        prop_assert_eq!(out.get(&key), Some(&value));
    }
}
