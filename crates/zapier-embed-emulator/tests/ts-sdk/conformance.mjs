// Conformance run of Zapier's TypeScript SDK (`@zapier/zapier-sdk`) against the emulator.
//
// Run by `tests/ts_sdk.rs`, which starts the emulator and passes:
//   EMULATOR_URL            the emulator's base URL (http://127.0.0.1:<port>)
//   EMULATOR_CLIENT_ID      an OAuth client id (each id is its own user)
//   EMULATOR_CLIENT_SECRET  its secret
// The SDK gets only its documented configuration: `baseUrl` and client-credentials `credentials`.
// Events are injected through the emulator's control API (`POST /_emulator/events`).
//
// Every step asserts its result; the first failure prints `FAIL <step>: <why>` and exits 1. The
// last line on success is `RESULT {json}` naming the inbox left behind, which the Rust test then
// reads through the Rust-facing routes (`/trigger-inbox/api/v1`).

import assert from "node:assert/strict";
import {
  createZapierSdk,
  ZapierActionError,
  ZapierConflictError,
  ZapierReleaseTriggerMessageSignal,
} from "@zapier/zapier-sdk/experimental";

const base = required("EMULATOR_URL");
const clientId = required("EMULATOR_CLIENT_ID");
const clientSecret = required("EMULATOR_CLIENT_SECRET");

const sdk = createZapierSdk({ baseUrl: base, credentials: { clientId, clientSecret } });

// Bounds every wait of the script (the Rust test has its own outer timeout too).
const WAIT_MS = 15_000;
const SLACK = "SlackCLIAPI@1.0.0";
const CHANNEL = "C1";

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`FAIL setup: environment variable ${name} is not set`);
    process.exit(2);
  }
  return value;
}

let current = "setup";
async function step(name, body) {
  current = name;
  const result = await body();
  console.log(`ok   ${name}`);
  return result;
}

/** Awaits `promise`, which must reject with an error `check` accepts; returns the error. */
async function rejects(promise, check, what) {
  let error;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  assert.ok(error, `${what}: expected an error, got success`);
  assert.ok(check(error), `${what}: unexpected error ${error?.name}: ${error?.message}`);
  return error;
}

/** Polls `probe` until it returns a truthy value, for at most WAIT_MS. */
async function eventually(what, probe) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await probe();
    if (value) return value;
    assert.ok(Date.now() < deadline, `${what}: not reached within ${WAIT_MS} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Injects one Slack `channel_message` event through the control API; returns inboxes reached. */
async function emit(payload) {
  const resp = await fetch(`${base}/_emulator/events`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      app: "slack",
      action: "channel_message",
      inputs: { channel: CHANNEL },
      payload,
    }),
  });
  assert.equal(resp.status, 200, `emit: control API answered ${resp.status}`);
  return (await resp.json()).delivered;
}

async function waitActive(inbox) {
  return eventually(`inbox ${inbox} active`, async () => {
    const { data } = await sdk.getTriggerInbox({ inbox });
    return data.status === "active" ? data : null;
  });
}

async function main() {
  // --- Apps, triggers and input fields -------------------------------------------------------
  await step("getApp resolves the slug to the versioned implementation", async () => {
    const { data } = await sdk.getApp({ app: "slack" });
    assert.equal(data.key, "SlackCLIAPI");
    assert.equal(data.implementation_id, SLACK);
    assert.equal(data.slug, "slack");
  });
  await step("listApps filters by app key", async () => {
    const { data } = await sdk.listApps({ apps: ["webhook"] });
    assert.deepEqual(
      data.map((a) => a.key),
      ["WebHookCLIAPI"],
    );
  });
  await step("listTriggers lists only read actions", async () => {
    const { data } = await sdk.listTriggers({ app: "slack" });
    const keys = data.map((t) => t.key).sort();
    assert.deepEqual(keys, ["channel_message", "mention"]);
    assert.ok(data.every((t) => t.action_type === "read" && t.app_key === "SlackCLIAPI"));
  });
  await step("listTriggerInputFields describes the trigger's inputs", async () => {
    const { data } = await sdk.listTriggerInputFields({ app: "slack", action: "channel_message" });
    const channel = data.find((f) => f.key === "channel");
    assert.ok(channel, `no channel field in ${JSON.stringify(data)}`);
    assert.equal(channel.is_required, true);
    assert.equal(channel.format, "SELECT");
    const bots = data.find((f) => f.key === "listen_for_bots");
    assert.equal(bots?.is_required, false);
  });
  await step("listTriggerInputFieldChoices lists static choices", async () => {
    const { data } = await sdk.listTriggerInputFieldChoices({
      app: "slack",
      action: "channel_message",
      inputField: "channel",
    });
    assert.ok(data.some((c) => c.value === CHANNEL), JSON.stringify(data));
  });
  await step("getTriggerInputFieldsSchema requires the channel", async () => {
    const schema = await sdk.getTriggerInputFieldsSchema({ app: "slack", action: "channel_message" });
    const body = schema.data ?? schema;
    assert.ok(body.required?.includes("channel"), JSON.stringify(body));
  });

  // --- Connections ---------------------------------------------------------------------------
  const connection = await step("listConnections returns the valid Slack connection", async () => {
    const { data } = await sdk.listConnections({ app: "slack" });
    assert.equal(data.length, 1, JSON.stringify(data));
    assert.equal(data[0].is_expired, "false");
    assert.equal(data[0].app_key, "SlackCLIAPI");
    assert.equal(data[0].implementation_id, SLACK);
    return data[0];
  });
  const expired = await step("listConnections isExpired lists the expired one", async () => {
    const { data } = await sdk.listConnections({ app: "slack", isExpired: true });
    assert.equal(data.length, 1, JSON.stringify(data));
    assert.notEqual(data[0].id, connection.id);
    return data[0];
  });
  await step("getConnection reads one connection", async () => {
    const { data } = await sdk.getConnection({ connection: connection.id });
    assert.equal(data.id, connection.id);
    assert.equal(data.title, connection.title);
  });

  // --- Inboxes -------------------------------------------------------------------------------
  const subscription = {
    app: "slack",
    action: "channel_message",
    connection: connection.id,
    inputs: { channel: CHANNEL },
  };
  const kept = await step("ensureTriggerInbox creates, then returns the same inbox", async () => {
    const first = await sdk.ensureTriggerInbox({ name: "orders", ...subscription });
    assert.equal(first.data.name, "orders");
    assert.equal(first.data.subscription.app_key, SLACK);
    assert.equal(String(first.data.subscription.connection_id), connection.id);
    const again = await sdk.ensureTriggerInbox({ name: "orders", ...subscription });
    assert.equal(again.data.id, first.data.id);
    return first.data;
  });
  await step("ensureTriggerInbox with another subscription is a conflict", async () => {
    await rejects(
      sdk.ensureTriggerInbox({ name: "orders", ...subscription, inputs: { channel: "C2" } }),
      (e) => e instanceof ZapierConflictError,
      "ensure with different inputs",
    );
  });
  await step("createTriggerInbox with a used name is a conflict", async () => {
    await rejects(
      sdk.createTriggerInbox({ name: "orders", ...subscription }),
      (e) => e instanceof ZapierConflictError,
      "create with a used name",
    );
  });
  const scratch = await step("createTriggerInbox without a name", async () => {
    const { data } = await sdk.createTriggerInbox(subscription);
    assert.notEqual(data.id, kept.id);
    assert.ok(["initializing", "active"].includes(data.status), data.status);
    return data;
  });
  await step("getTriggerInbox by id and by name", async () => {
    const byId = await sdk.getTriggerInbox({ inbox: kept.id });
    assert.equal(byId.data.id, kept.id);
    const byName = await sdk.getTriggerInbox({ inbox: "orders" });
    assert.equal(byName.data.id, kept.id);
  });
  await step("listTriggerInboxes lists both, and filters by name", async () => {
    const all = await sdk.listTriggerInboxes();
    const ids = all.data.map((i) => i.id).sort();
    assert.deepEqual(ids, [kept.id, scratch.id].sort());
    const named = await sdk.listTriggerInboxes({ name: "orders" });
    assert.deepEqual(
      named.data.map((i) => i.id),
      [kept.id],
    );
    const paged = [];
    for await (const inbox of sdk.listTriggerInboxes({ pageSize: 1 }).items()) paged.push(inbox.id);
    assert.deepEqual(paged.sort(), ids);
  });
  await step("updateTriggerInbox sets and clears the notification URL", async () => {
    const set = await sdk.updateTriggerInbox({
      inbox: scratch.id,
      notificationUrl: "https://partner.example/hooks/zapier",
    });
    assert.equal(set.data.notification_url, "https://partner.example/hooks/zapier");
    const cleared = await sdk.updateTriggerInbox({ inbox: scratch.id, notificationUrl: null });
    assert.equal(cleared.data.notification_url, null);
  });
  await step("inboxes become active", async () => {
    await waitActive(kept.id);
    await waitActive(scratch.id);
  });

  // --- Lease, ack, release -------------------------------------------------------------------
  await step("events reach both active inboxes", async () => {
    for (const n of [1, 2, 3]) assert.equal(await emit({ n, text: `message ${n}` }), 2);
  });
  await step("lease, ack one, release one", async () => {
    const lease = await sdk.leaseTriggerInboxMessages({ inbox: kept.id, leaseLimit: 2, leaseSeconds: 60 });
    const leased = lease.data;
    assert.ok(leased.lease_id, "no lease_id");
    assert.equal(leased.results.length, 2);
    assert.deepEqual(
      leased.results.map((m) => m.payload.n),
      [1, 2],
    );
    assert.equal(leased.inbox_attributes.status, "active");
    const [first, second] = leased.results;
    const acked = await sdk.ackTriggerInboxMessages({
      inbox: kept.id,
      lease: leased.lease_id,
      messages: [first.id],
    });
    assert.ok(acked.data.acked_id, "no acked_id");
    assert.deepEqual(
      acked.data.results.map((m) => [m.id, m.status]),
      [[first.id, "acked"]],
    );
    const released = await sdk.releaseTriggerInboxMessages({ inbox: "orders", lease: leased.lease_id });
    assert.ok(released.data.released_id, "no released_id");
    assert.deepEqual(
      released.data.results.map((m) => [m.id, m.status]),
      [[second.id, "available"]],
    );
  });
  await step("listTriggerInboxMessages shows status without payload", async () => {
    const { data } = await sdk.listTriggerInboxMessages({ inbox: kept.id });
    const available = data.filter((m) => m.status === "available");
    assert.equal(available.length, 2, JSON.stringify(data));
    assert.ok(data.every((m) => !("payload" in m)));
    const released = available.find((m) => m.message_attributes.lease_count === 1);
    assert.ok(released, "the released message keeps its lease count");
  });
  await step("drainTriggerInbox acks what the handler accepts, releases on signal", async () => {
    const seen = [];
    let releasedOnce = false;
    await sdk.drainTriggerInbox({
      inbox: kept.id,
      concurrency: 2,
      leaseSeconds: 60,
      onMessage: async (message) => {
        seen.push(message.payload.n);
        if (message.payload.n === 3 && !releasedOnce) {
          releasedOnce = true;
          throw new ZapierReleaseTriggerMessageSignal("not yet");
        }
      },
    });
    assert.ok(releasedOnce, "message 3 was never released");
    assert.deepEqual(seen.sort(), [2, 3]);
    // Released messages go back to the inbox when the drain ends: the next drain gets it.
    const again = [];
    await sdk.drainTriggerInbox({ inbox: kept.id, onMessage: async (m) => again.push(m.payload.n) });
    assert.deepEqual(again, [3]);
    const after = await sdk.leaseTriggerInboxMessages({ inbox: kept.id });
    assert.equal(after.data.lease_id, null);
    assert.equal(after.data.results.length, 0);
  });
  await step("watchTriggerInbox delivers new events until aborted", async () => {
    const controller = new AbortController();
    const seen = [];
    const timer = setTimeout(() => controller.abort(), WAIT_MS);
    const watching = sdk.watchTriggerInbox({
      inbox: kept.id,
      signal: controller.signal,
      onMessage: async (message) => {
        seen.push(message.payload.n);
        if (seen.length === 2) controller.abort();
      },
    });
    for (const n of [10, 11]) assert.equal(await emit({ n }), 2);
    await watching;
    clearTimeout(timer);
    assert.deepEqual(seen.sort(), [10, 11]);
  });

  // --- Pause, resume, delete -----------------------------------------------------------------
  await step("pauseTriggerInbox, then a drained lease is a conflict", async () => {
    // Empty the scratch inbox (it received every event too) before pausing.
    await sdk.drainTriggerInbox({ inbox: scratch.id, onMessage: async () => {} });
    const { data } = await sdk.pauseTriggerInbox({ inbox: scratch.id });
    assert.equal(data.status, "paused");
    assert.equal(data.paused_reason, "user");
    assert.equal(await emit({ n: 20 }), 1, "a paused inbox drops events");
    await rejects(
      sdk.leaseTriggerInboxMessages({ inbox: scratch.id }),
      (e) => e instanceof ZapierConflictError,
      "lease of a paused, drained inbox",
    );
  });
  await step("resumeTriggerInbox goes back through initializing", async () => {
    const { data } = await sdk.resumeTriggerInbox({ inbox: scratch.id });
    assert.ok(["initializing", "active"].includes(data.status), data.status);
    await waitActive(scratch.id);
  });
  await step("deleteTriggerInbox marks it deleting, then it is gone", async () => {
    const { data } = await sdk.deleteTriggerInbox({ inbox: scratch.id });
    assert.equal(data.status, "deleting");
    await eventually("deleted inbox gone", async () => {
      try {
        await sdk.getTriggerInbox({ inbox: scratch.id });
        return false;
      } catch (e) {
        return /404|not found/i.test(`${e.statusCode ?? ""} ${e.message}`);
      }
    });
    const { data: left } = await sdk.listTriggerInboxes();
    assert.deepEqual(
      left.map((i) => i.id),
      [kept.id],
    );
  });

  // --- Action runs ---------------------------------------------------------------------------
  await step("runAction runs a write action to success", async () => {
    const { data } = await sdk.runAction({
      app: "slack",
      actionType: "write",
      action: "send_channel_message",
      connection: connection.id,
      inputs: { channel: CHANNEL, text: "hello from the TypeScript SDK" },
    });
    assert.equal(data.length, 1, JSON.stringify(data));
    assert.equal(data[0].text, "hello from the TypeScript SDK");
  });
  await step("runAction with an expired connection fails as an action error", async () => {
    await rejects(
      sdk.runAction({
        app: "slack",
        actionType: "write",
        action: "send_channel_message",
        connection: expired.id,
        inputs: { channel: CHANNEL, text: "x" },
      }),
      (e) => e instanceof ZapierActionError && /expired/i.test(e.message),
      "run with an expired connection",
    );
  });
  await step("runAction without a required input fails as an action error", async () => {
    await rejects(
      sdk.runAction({
        app: "slack",
        actionType: "write",
        action: "send_channel_message",
        connection: connection.id,
        inputs: { channel: CHANNEL },
      }),
      (e) => e instanceof ZapierActionError && /text/.test(e.message),
      "run without `text`",
    );
  });

  console.log(`RESULT ${JSON.stringify({ inbox: kept.id, name: kept.name, connection: connection.id })}`);
}

main().catch((error) => {
  console.error(`FAIL ${current}: ${error?.stack ?? error}`);
  process.exit(1);
});
