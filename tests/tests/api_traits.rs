//! The public handles are cheap to clone, `Send + Sync`, and their futures and streams are
//! `Send`, so a consumer runtime can spawn them on a multi-threaded executor.

use zapier_embed::{
    Client, InboxName, InboxRef, LeaseOptions, Subscription, actions::Actions,
    connections::Connections, inboxes::InboxFilter, inboxes::Inboxes, messages::AckHandle,
    messages::Messages, triggers::Triggers,
};

fn send_sync<T: Send + Sync + Clone + 'static>() {}
fn send<T: Send>(_: &T) {}

#[test]
fn handles_are_send_sync_and_clone() {
    send_sync::<Client>();
    send_sync::<Inboxes>();
    send_sync::<Messages>();
    send_sync::<Connections>();
    send_sync::<Triggers>();
    send_sync::<Actions>();
    send_sync::<zapier_embed::Error>();
}

#[tokio::test]
async fn futures_and_streams_are_send() {
    let client = Client::builder().access_token("t").build().expect("client");
    let inbox = InboxRef::name("orders").expect("name");
    let messages = client.messages(inbox.clone());
    let handle = AckHandle::ByName {
        inbox: InboxName::new("orders").expect("name"),
        lease_token: "t".into(),
    };
    let subscription = Subscription::new("webhook", "hook_v2");
    // Only constructed, never polled: this is a compile-time check.
    send(&messages.lease(LeaseOptions::default()));
    send(&messages.ack([handle.clone()]));
    send(&messages.release([handle]));
    send(&messages.list());
    send(&messages.events());
    send(&client.inboxes().ensure("orders", &subscription, None));
    send(
        &client
            .inboxes()
            .ensure_validated("orders", &subscription, None),
    );
    send(&client.inboxes().list(InboxFilter::new()));
    send(
        &client
            .inboxes()
            .wait_until_active(&inbox, std::time::Duration::from_secs(1)),
    );
    send(&client.connections().first_valid("slack"));
    send(
        &client
            .actions()
            .run("slack", "x", None, serde_json::Map::new()),
    );
    send(&client.connect_token("slack"));
    send(&client.access_token());
}
