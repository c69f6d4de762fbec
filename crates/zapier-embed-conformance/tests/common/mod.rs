//! Shared by the suite's tests: an in-process emulator with millisecond lifecycles, and the
//! Action Runs round trip's action on it.

use std::time::Duration;

use serde_json::json;
use zapier_embed_conformance::ActionRunSpec;
use zapier_embed_emulator::{Emulator, EmulatorHandle};

/// An emulator on a free loopback port whose inboxes activate and delete in milliseconds.
pub async fn start_emulator() -> EmulatorHandle {
    Emulator::builder()
        .activation_delay(Duration::from_millis(20))
        .deletion_delay(Duration::from_millis(20))
        .action_run_delay(Duration::from_millis(10))
        .start()
        .await
        .expect("start the emulator")
}

/// A Slack message, the documents' own example action.
pub fn slack_message() -> ActionRunSpec {
    ActionRunSpec {
        app_query: "slack".into(),
        action_key: "send_channel_message".into(),
        inputs: json!({"channel": "C1", "text": "conformance"}),
    }
}
