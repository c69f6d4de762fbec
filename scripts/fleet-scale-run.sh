#!/usr/bin/env bash
# The fleet scale run: four `zembed consume` workers on one inbox of the emulator, sharing a
# Redis dedup store; EVENTS events; acks fail for ACK_OUTAGE seconds (leases lapse, messages whose
# effect already ran go to other workers); one worker is killed with SIGKILL midway. Prints events
# lost (must be 0), effects run twice, msg/s, requests per message and 429s.
#
#   scripts/fleet-scale-run.sh                   # 100 000 events
#   EVENTS=5000 scripts/fleet-scale-run.sh        # a quick one
#
# Needs redis-server (apt-get install redis-server), curl and python3. Builds zembed in release
# (PROFILE=debug uses a debug build).
set -euo pipefail

EVENTS=${EVENTS:-100000}
WORKERS=${WORKERS:-4}
CONCURRENCY=${CONCURRENCY:-16}
LEASE_SECONDS=${LEASE_SECONDS:-10}
ACK_OUTAGE=${ACK_OUTAGE:-15}

command -v redis-server >/dev/null || { echo "redis-server not found: apt-get install redis-server" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
profile=${PROFILE:-release}
cargo build --profile "$([ "$profile" = debug ] && echo dev || echo "$profile")" --quiet \
  -p zapier-embed-cli --manifest-path "$root/Cargo.toml"
zembed="${CARGO_TARGET_DIR:-$root/target}/$profile/zembed"

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no >"$work/redis.log" 2>&1 &
pids+=($!)

"$zembed" emulator serve --addr 127.0.0.1:0 --activation-delay-ms 0 >"$work/emulator.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q 'listening on' "$work/emulator.log" && break; sleep 0.1; done
url=$(grep -o 'http://[0-9.:]*' "$work/emulator.log" | head -1)
export ZAPIER_EMULATOR_HOST=${url#http://}
control() { curl -fsS -X "$1" -H 'content-type: application/json' ${3:+-d "$3"} "$url/_emulator/$2"; }

connection=$("$zembed" connections ls --app slack --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
"$zembed" inboxes ensure fleet --app slack --trigger channel_message --connection "$connection" \
  --input channel=C-FLEET >/dev/null
"$zembed" inboxes wait fleet >/dev/null
"$zembed" emulator emit --app slack --trigger channel_message --input channel=C-FLEET \
  --payload '{"text":"scale run"}' --count "$EVENTS" >/dev/null
echo "emitted $EVENTS event(s); $WORKERS workers x $CONCURRENCY, lease ${LEASE_SECONDS}s, acks failing for ${ACK_OUTAGE}s"

effects="$work/effects"
: >"$effects"
control POST faults '{"route":"acknowledgeTriggerInboxMessages","error_rate":1.0}' >/dev/null
start=$(date +%s.%N)
workers=()
for i in $(seq "$WORKERS"); do
  "$zembed" consume fleet --concurrency "$CONCURRENCY" --lease-seconds "$LEASE_SECONDS" \
    --dedup "redis://127.0.0.1:$redis_port" \
    --exec "echo \"\$ZEMBED_MESSAGE_ID\" >> '$effects'" >"$work/worker$i.out" 2>"$work/worker$i.err" &
  workers+=($!)
  pids+=($!)
done

# Lift the ack outage after ACK_OUTAGE seconds, and kill one worker with SIGKILL once half the
# events have had their effect, whichever comes first (with few events, half of them run during
# the outage: the kill must not wait for its end and land after every effect).
SECONDS=0
outage=1
killed=0
while :; do
  if [ "$outage" = 1 ] && [ "$SECONDS" -ge "$ACK_OUTAGE" ]; then
    control DELETE faults >/dev/null
    outage=0
    echo "acks work again after ${ACK_OUTAGE}s"
  fi
  done_now=$(sort -u "$effects" | wc -l)
  if [ "$killed" = 0 ] && [ "$done_now" -ge $((EVENTS / 2)) ]; then
    kill -KILL "${workers[0]}"
    killed=1
    echo "killed worker 1 (SIGKILL) at $done_now effects"
  fi
  acked=$(control GET stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["messages_acked"])')
  [ "$outage" = 0 ] && [ "$acked" -ge "$EVENTS" ] && break
  sleep 1
done
end=$(date +%s.%N)
for pid in "${workers[@]:1}"; do kill -INT "$pid" 2>/dev/null || true; done
for pid in "${workers[@]:1}"; do wait "$pid" 2>/dev/null || true; done

stats=$(control GET stats)
python3 - "$effects" "$EVENTS" "$start" "$end" <<PY
import json, sys, collections
effects, events, start, end = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
stats = json.loads('''$stats''')
counts = collections.Counter(line.strip() for line in open(effects) if line.strip())
lost = events - len(counts)
twice = sum(n - 1 for n in counts.values() if n > 1)
requests = stats["lease_requests"] + stats["ack_requests"] + stats["release_requests"]
print(f"events lost: {lost}")
print(f"effects run twice: {twice}")
print(f"msg/s: {events / (end - start):.0f} (over {end - start:.1f} s, the ack outage included)")
print(f"requests per message: {requests / events:.4f} ({stats['lease_requests']} lease, {stats['ack_requests']} ack, {stats['release_requests']} release)")
print(f"429s seen: {stats['requests_by_status'].get('429', 0)}")
print(f"leases expired: {stats['messages_expired']}, quarantined: {stats['messages_quarantined']}")
PY
