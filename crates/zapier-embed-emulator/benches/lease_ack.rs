//! Lease + ack cost against a 1k and a 1M message backlog, measured directly on the queue.
//! Both sizes run in one invocation so the ratio is visible: it should be close to 1.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use zapier_embed_emulator::queue::{MessageQueue, Settle};

fn lease_ack(c: &mut Criterion) {
    let mut group = c.benchmark_group("lease10_ack");
    let payload = Arc::new(serde_json::json!({"text": "hello", "user": "U1", "channel": "C1"}));
    for backlog in [1_000usize, 1_000_000] {
        let now = chrono::Utc::now();
        let mut q = MessageQueue::new(1_000);
        for _ in 0..backlog {
            q.enqueue(now, Arc::clone(&payload));
        }
        group.bench_with_input(BenchmarkId::from_parameter(backlog), &backlog, |b, _| {
            b.iter(|| {
                // Keep the backlog constant: add what this iteration will ack.
                for _ in 0..10 {
                    q.enqueue(now, Arc::clone(&payload));
                }
                let grant = q
                    .lease(now, chrono::Duration::seconds(30), 10)
                    .expect("backlog is never empty");
                black_box(
                    q.settle(now, grant.lease_id, None, Settle::Ack)
                        .expect("live lease"),
                );
            });
        });
    }
    group.finish();
}

criterion_group!(benches, lease_ack);
criterion_main!(benches);
