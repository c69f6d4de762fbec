//! Every type that derives or implements `JsonSchema` produces a schema (the CLI's `--json`
//! output and the facade's docs rely on them), and open enums describe themselves as strings.

use schemars::schema_for;
use zapier_embed_domain::*;

#[test]
fn schemas_generate() {
    let schemas = [
        schema_for!(Inbox),
        schema_for!(InboxAttributes),
        schema_for!(InboxRef),
        schema_for!(InboxName),
        schema_for!(Subscription),
        schema_for!(NestedInboxBody),
        schema_for!(FlatInboxBody),
        schema_for!(ConnectionId),
        schema_for!(Lease),
        schema_for!(LeaseResponseBody),
        schema_for!(LeasedMessage),
        schema_for!(Message),
        schema_for!(AckHandle),
        schema_for!(AckRequest),
        schema_for!(AckResponse),
        schema_for!(AckBody),
        schema_for!(LeaseOptions),
        schema_for!(LeaseBody),
        schema_for!(InputField),
        schema_for!(RunError),
        schema_for!(ApiVariant),
    ];
    for schema in schemas {
        let json = serde_json::to_value(&schema).unwrap();
        assert!(json.is_object());
    }
}

#[test]
fn open_enums_are_strings_with_examples() {
    let schema = serde_json::to_value(schema_for!(PausedReason)).unwrap();
    assert_eq!(schema["type"], "string");
    assert!(
        schema["examples"]
            .as_array()
            .unwrap()
            .contains(&"authentication_access_revoked".into())
    );
    let lease_seconds = serde_json::to_value(schema_for!(LeaseSeconds)).unwrap();
    assert_eq!(lease_seconds["maximum"], 3600);
}
