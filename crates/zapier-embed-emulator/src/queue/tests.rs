//! The queue's ordering and bookkeeping rules, at sizes that cross chunk boundaries.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use uuid::Uuid;

use super::{MessageQueue, MessageStatus, Payload, QUARANTINE_AFTER, Settle};

fn now() -> DateTime<Utc> {
    DateTime::<Utc>::UNIX_EPOCH + Duration::days(20_000)
}

fn queue(n: usize, retention: usize) -> (MessageQueue, Vec<Uuid>) {
    let mut q = MessageQueue::new(retention);
    let ids = (0..n)
        .map(|i| q.enqueue(now(), Payload::from_value(&json!({"n": i}))))
        .collect();
    (q, ids)
}

fn lease(q: &mut MessageQueue, limit: usize) -> (Uuid, Vec<Uuid>) {
    let grant = q
        .lease(now(), Duration::seconds(30), limit)
        .expect("something available");
    (
        grant.lease_id,
        grant.messages.iter().map(|m| m.id).collect(),
    )
}

#[test]
fn returned_messages_are_leased_again_first_oldest_first() {
    let (mut q, ids) = queue(200, 1_000);
    let (first, _) = lease(&mut q, 100);
    let (second, _) = lease(&mut q, 50);
    // Release a later message, then two earlier ones: they come back in queue order, before the
    // never-leased messages 150...
    q.settle(now(), second, Some(&[ids[120]]), Settle::Release)
        .unwrap();
    q.settle(now(), first, Some(&[ids[70], ids[3]]), Settle::Release)
        .unwrap();
    assert_eq!(q.available_len(), 53);
    let (_, again) = lease(&mut q, 5);
    assert_eq!(again, [ids[3], ids[70], ids[120], ids[150], ids[151]]);
}

#[test]
fn expired_leases_come_back_in_queue_order_with_their_attempts_counted() {
    let (mut q, ids) = queue(100, 1_000);
    let (expiring, _) = lease(&mut q, 10);
    let later = now() + Duration::seconds(31);
    let grant = q.lease(later, Duration::seconds(30), 3).unwrap();
    let leased: Vec<Uuid> = grant.messages.iter().map(|m| m.id).collect();
    assert_eq!(leased, ids[..3]);
    assert!(grant.messages.iter().all(|m| m.lease_count == 2));
    assert_eq!(
        q.settle(later, expiring, None, Settle::Ack).unwrap_err(),
        super::QueueError::LeaseExpired(expiring)
    );
}

#[test]
fn a_message_is_quarantined_once_it_comes_back_from_its_last_lease() {
    let (mut q, ids) = queue(70, 1_000);
    for _ in 0..QUARANTINE_AFTER {
        let grant = q.lease(now(), Duration::seconds(30), 1).unwrap();
        assert_eq!(grant.messages[0].id, ids[0]);
        q.settle(now(), grant.lease_id, None, Settle::Release)
            .unwrap();
    }
    let quarantined = q.get(&ids[0]).unwrap();
    assert_eq!(quarantined.status, MessageStatus::Quarantined);
    assert_eq!(quarantined.lease_count, QUARANTINE_AFTER);
    let (_, next) = lease(&mut q, 1);
    assert_eq!(next, [ids[1]]);
}

#[test]
fn acked_messages_are_forgotten_beyond_the_retention_and_their_memory_goes() {
    let (mut q, ids) = queue(1_000, 10);
    while q.available_len() > 0 {
        let (lease_id, _) = lease(&mut q, 100);
        q.settle(now(), lease_id, None, Settle::Ack).unwrap();
    }
    assert_eq!(q.len(), 10);
    assert!(q.get(&ids[989]).is_none());
    let kept = q.get(&ids[990]).unwrap();
    assert_eq!((kept.status, kept.payload), (MessageStatus::Acked, None));
    let (page, more) = q.page_after(None, 100);
    assert!(!more);
    assert_eq!(
        page.iter().map(|m| m.id).collect::<Vec<_>>(),
        ids[990..].to_vec()
    );
}

#[test]
fn pages_skip_forgotten_messages_in_both_directions() {
    let (mut q, ids) = queue(300, 0);
    // Keep every 50th message leased, ack the rest (forgotten at once: no retention).
    let (held, _) = lease(&mut q, 100);
    let keep: Vec<Uuid> = ids.iter().step_by(50).copied().collect();
    let ack: Vec<Uuid> = ids[..100]
        .iter()
        .filter(|id| !keep.contains(id))
        .copied()
        .collect();
    q.settle(now(), held, Some(&ack), Settle::Ack).unwrap();
    while q.available_len() > 0 {
        let grant = q.lease(now(), Duration::seconds(30), 100).unwrap();
        let ack: Vec<Uuid> = grant
            .messages
            .iter()
            .map(|m| m.id)
            .filter(|id| !keep.contains(id))
            .collect();
        q.settle(now(), grant.lease_id, Some(&ack), Settle::Ack)
            .unwrap();
    }
    assert_eq!(q.len(), keep.len());
    let listed = |page: Vec<super::StoredMessage>| page.iter().map(|m| m.id).collect::<Vec<_>>();
    let (page, more) = q.page_after(None, 4);
    assert!(more);
    assert_eq!(listed(page.clone()), keep[..4]);
    assert!(q.has_after(page[3].seq) && !q.has_before(page[0].seq));
    let (rest, more) = q.page_after(Some(page[3].seq), 4);
    assert!(!more);
    assert_eq!(listed(rest.clone()), keep[4..]);
    let (back, more) = q.page_before(rest[0].seq, 3);
    assert!(more);
    assert_eq!(listed(back), keep[1..4]);
}

#[test]
fn ids_of_other_queues_settle_nothing() {
    let (mut q, _) = queue(3, 10);
    let (_, others) = queue(3, 10);
    let (lease_id, mine) = lease(&mut q, 3);
    assert!(others.iter().all(|id| q.get(id).is_none()));
    let settled = q
        .settle(now(), lease_id, Some(&others), Settle::Ack)
        .unwrap();
    assert!(settled.is_empty());
    let settled = q.settle(now(), lease_id, None, Settle::Ack).unwrap();
    assert_eq!(settled.iter().map(|m| m.id).collect::<Vec<_>>(), mine);
}

#[test]
fn payloads_are_shared_not_copied() {
    let mut q = MessageQueue::new(10);
    let payload = Payload::from_value(&json!({"text": "hi"}));
    let a = q.enqueue(now(), payload.clone());
    let b = q.enqueue(now(), payload.clone());
    let (a, b) = (q.get(&a).unwrap(), q.get(&b).unwrap());
    let (a, b) = (a.payload.unwrap(), b.payload.unwrap());
    assert!(std::ptr::eq(a.as_str(), b.as_str()));
    assert!(std::ptr::eq(a.as_str(), payload.as_str()));
}
