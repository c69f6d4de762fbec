import time
import requests
import os  # changed for the emulator test: configuration comes from the environment

# --- Configuration ---
# Option A (client credentials): obtain via `npx zapier-sdk create-client-credentials`
# Option B (White Label JWT): exchange your partner-signed JWT via POST /oauth/token
ACCESS_TOKEN = os.environ["ACCESS_TOKEN"]  # changed for the emulator test: token from the emulator
CONNECTION_ID = os.environ["CONNECTION_ID"]  # changed for the emulator test: seeded Slack connection

BASE_URL = os.environ["BASE_URL"]  # changed for the emulator test: the emulator's address
INBOX_NAME = "my-slack-inbox"
HEADERS = {
    "Authorization": f"Bearer {ACCESS_TOKEN}",
    "Content-Type": "application/json",
}

# Step 1: Discover triggers for Slack
resp = requests.get(f"{BASE_URL}/trigger-inbox/api/v1/triggers/?app=slack", headers=HEADERS)
resp.raise_for_status()
triggers = resp.json()["results"]
# triggers[0] == {"key": "channel_message", "title": "New Message Posted to Channel", ...}

# Step 2: Inspect input fields for the chosen trigger.
# Pass connection so Zapier can return dynamic options (e.g. list of channels the user is in).
resp = requests.get(
    f"{BASE_URL}/trigger-inbox/api/v1/trigger-input-fields/",
    params={"app": "slack", "action": "channel_message", "connection": CONNECTION_ID},
    headers=HEADERS,
)
resp.raise_for_status()
# fields[0] == {"key": "channel", "is_required": True, "format": "SELECT", ...}
# In a real UI, present these to the user and collect values.
# Hard-coded here for the example.
CHANNEL_ID = "C0123ABC456"

# Step 3: Create (or reuse) the trigger inbox.
# PUT is an upsert by name — idempotent, safe to call on every startup.
resp = requests.put(
    f"{BASE_URL}/trigger-inbox/api/v1/inboxes/{INBOX_NAME}/",
    json={
        "app": "slack",
        "action": "channel_message",
        "connection": CONNECTION_ID,
        "inputs": {"channel": CHANNEL_ID},
    },
    headers=HEADERS,
)
resp.raise_for_status()
inbox = resp.json()

# Step 4: Wait for the inbox to become active.
# Status starts as "initializing" while Zapier sets up the subscription.
# Do not lease messages until status is "active" — no events are collected yet.
while inbox["status"] == "initializing":
    print("Inbox initializing, waiting...")
    time.sleep(2)
    resp = requests.get(f"{BASE_URL}/trigger-inbox/api/v1/inboxes/{INBOX_NAME}/", headers=HEADERS)
    resp.raise_for_status()
    inbox = resp.json()

if inbox["status"] != "active":
    raise RuntimeError(f"Inbox failed to activate: {inbox['status']}{inbox.get('paused_reason')}")

print(f"Inbox active: {inbox['id']}")

# Step 5: Poll for messages with exponential backoff.
# In production, run this in a persistent worker process (e.g. under systemd or pm2).
backoff = 5
max_backoff = 60

EXPECTED_EVENTS = int(os.environ["EXPECTED_EVENTS"])  # changed for the emulator test: stop once every emitted event is processed
processed = 0  # changed for the emulator test: count acknowledged messages
for _ in range(int(os.environ.get("MAX_POLLS", "20"))):  # changed for the emulator test: bounded instead of `while True:`
    if processed >= EXPECTED_EVENTS:  # changed for the emulator test: stop once every event is processed
        break  # changed for the emulator test: stop once every event is processed
    resp = requests.post(
        f"{BASE_URL}/trigger-inbox/api/v1/inboxes/{INBOX_NAME}/messages/lease/",
        # lease_seconds must be longer than your expected processing time.
        # If your process crashes, messages return to the pool after this window.
        json={"lease_seconds": 30},
        headers=HEADERS,
    )
    resp.raise_for_status()
    messages = resp.json().get("results", [])

    if not messages:
        # Back off when inbox is empty to avoid hammering the API.
        time.sleep(float(os.environ.get("EMPTY_SLEEP_SECS", backoff)))  # changed for the emulator test: shorter sleep when empty
        backoff = min(backoff * 2, max_backoff)
        continue

    backoff = 5  # reset backoff when messages arrive

    for message in messages:
        lease_token = message["lease_token"]
        attrs = message["message_attributes"]

        # If possible_duplicate_data is True, the upstream app didn't provide a
        # dedup ID. Make your handler idempotent.
        if attrs["possible_duplicate_data"]:
            print(f"Warning: possible duplicate — message {message['id']}")

        try:
            payload = message["payload"]
            print(f"New message in {payload['channel']} from {payload['user']}: {payload['text']}")
            # --- your processing logic here ---

            # Ack removes the message from the inbox permanently.
            requests.post(
                f"{BASE_URL}/trigger-inbox/api/v1/inboxes/{INBOX_NAME}/messages/ack/",
                json={"lease_tokens": [lease_token]},
                headers=HEADERS,
            ).raise_for_status()
            processed += 1  # changed for the emulator test: count acknowledged messages

        except Exception as exc:
            print(f"Processing failed for {message['id']}: {exc}")
            # After 5 total leases the message is quarantined — ack poison
            # messages before they reach that threshold.
            if attrs["lease_count"] >= 4:
                print(f"Message {message['id']} near quarantine threshold — acking to drop.")
                requests.post(
                    f"{BASE_URL}/trigger-inbox/api/v1/inboxes/{INBOX_NAME}/messages/ack/",
                    json={"lease_tokens": [lease_token]},
                    headers=HEADERS,
                ).raise_for_status()
            else:
                # Release returns the message to the pool immediately rather than
                # waiting for the lease to expire.
                requests.post(
                    f"{BASE_URL}/trigger-inbox/api/v1/inboxes/{INBOX_NAME}/messages/release/",
                    json={"lease_tokens": [lease_token]},
                    headers=HEADERS,
                ).raise_for_status()

print(f"processed {processed} events")  # changed for the emulator test: report for the Rust test
