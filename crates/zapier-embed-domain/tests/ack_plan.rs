//! Property tests of the ack / release planner: every handle lands in exactly one request, no
//! request exceeds the limit, and the number of requests is the minimum possible.

// Tests fail by panicking: `unwrap`, `expect` and `panic!` are their assertions (the crate
// denies them in library code, see `[workspace.lints.clippy]`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, HashMap, HashSet};

use proptest::prelude::*;
use uuid::Uuid;
use zapier_embed_domain::*;

/// Few inboxes, leases and ids so that groups collide and duplicates occur; group sizes past
/// 100 so that chunking is exercised.
fn handle() -> impl Strategy<Value = AckHandle> {
    prop_oneof![
        (0u128..3, 0u128..3, 0u32..260).prop_map(|(inbox, lease, msg)| AckHandle::ById {
            inbox: Uuid::from_u128(inbox),
            lease_id: Uuid::from_u128(lease),
            message_id: MessageId::new(format!("m{msg}")),
        }),
        (0u8..3, 0u32..260).prop_map(|(inbox, token)| AckHandle::ByName {
            inbox: InboxName::new(format!("inbox-{inbox}")).unwrap(),
            lease_token: format!("lt_{token}"),
        }),
    ]
}

/// The key of the group a handle belongs to.
fn group_key(h: &AckHandle) -> String {
    match h {
        AckHandle::ById {
            inbox, lease_id, ..
        } => format!("id/{inbox}/{lease_id}"),
        AckHandle::ByName { inbox, .. } => format!("name/{inbox}"),
        _ => unreachable!("no other variant exists"),
    }
}

fn request_key(r: &AckRequest) -> String {
    match r {
        AckRequest::ById {
            inbox, lease_id, ..
        } => format!("id/{inbox}/{lease_id}"),
        AckRequest::ByName { inbox, .. } => format!("name/{inbox}"),
        _ => unreachable!("no other variant exists"),
    }
}

/// The handles a request settles, reconstructed from its body.
fn handles_of(r: &AckRequest) -> Vec<AckHandle> {
    match r {
        AckRequest::ById {
            inbox,
            lease_id,
            message_ids,
        } => message_ids
            .as_ref()
            .expect("plans from handles always name their ids")
            .iter()
            .map(|id| AckHandle::ById {
                inbox: *inbox,
                lease_id: *lease_id,
                message_id: id.clone(),
            })
            .collect(),
        AckRequest::ByName {
            inbox,
            lease_tokens,
        } => lease_tokens
            .iter()
            .map(|t| AckHandle::ByName {
                inbox: inbox.clone(),
                lease_token: t.clone(),
            })
            .collect(),
        _ => unreachable!("no other variant exists"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_handle_lands_in_exactly_one_request(handles in proptest::collection::vec(handle(), 0..700)) {
        let requests = AckPlan::from_handles(handles.clone());
        let distinct: HashSet<AckHandle> = handles.iter().cloned().collect();

        let mut seen: HashMap<AckHandle, usize> = HashMap::new();
        for r in &requests {
            let hs = handles_of(r);
            prop_assert!(!hs.is_empty(), "empty request {:?}", r);
            prop_assert!(hs.len() <= MAX_IDS_PER_REQUEST, "oversized request");
            for h in hs {
                prop_assert!(distinct.contains(&h), "request names an unknown handle {:?}", h);
                *seen.entry(h).or_default() += 1;
            }
        }
        prop_assert_eq!(seen.len(), distinct.len());
        prop_assert!(seen.values().all(|&n| n == 1), "a handle was sent twice");
        for h in &distinct {
            prop_assert_eq!(requests.iter().filter(|r| r.covers(h)).count(), 1);
        }
    }

    #[test]
    fn request_count_is_minimal(handles in proptest::collection::vec(handle(), 0..700)) {
        let requests = AckPlan::from_handles(handles.clone());
        let mut per_group: BTreeMap<String, HashSet<AckHandle>> = BTreeMap::new();
        for h in handles {
            per_group.entry(group_key(&h)).or_default().insert(h);
        }
        // Different groups can never share a request, and a group of n needs ceil(n/100).
        let minimum: usize = per_group.values().map(|g| g.len().div_ceil(MAX_IDS_PER_REQUEST)).sum();
        prop_assert_eq!(requests.len(), minimum);
        // Only a group's last chunk may be short.
        let mut by_group: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for r in &requests {
            by_group.entry(request_key(r)).or_default().push(r.len().unwrap_or(0));
        }
        for sizes in by_group.values() {
            if let Some((_last, full)) = sizes.split_last() {
                prop_assert!(full.iter().all(|&n| n == MAX_IDS_PER_REQUEST), "short chunk before the last: {:?}", sizes);
            }
        }
    }

    #[test]
    fn plan_is_deterministic_and_groups_are_sorted(handles in proptest::collection::vec(handle(), 0..300)) {
        let a = AckPlan::from_handles(handles.clone());
        let b = AckPlan::from_handles(handles.clone());
        prop_assert_eq!(&a, &b);
        // Groups appear in sorted key order (by-id before by-name), each group contiguous.
        let keys: Vec<(u8, String)> = a.iter().map(|r| match r {
            AckRequest::ById { inbox, lease_id, .. } => (0, format!("{inbox}/{lease_id}")),
            AckRequest::ByName { inbox, .. } => (1, inbox.to_string()),
            _ => unreachable!("no other variant exists"),
        }).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        prop_assert_eq!(keys, sorted);
    }

    #[test]
    fn whole_leases_become_single_requests(
        handles in proptest::collection::vec(handle(), 0..400),
        whole in proptest::collection::vec((0u128..3, 0u128..3), 0..4),
    ) {
        let mut plan: AckPlan = handles.iter().cloned().collect();
        for (inbox, lease) in &whole {
            plan.add_whole_lease(Uuid::from_u128(*inbox), Uuid::from_u128(*lease));
        }
        let requests = plan.into_requests();
        let whole: HashSet<(Uuid, Uuid)> =
            whole.iter().map(|(i, l)| (Uuid::from_u128(*i), Uuid::from_u128(*l))).collect();
        for (inbox, lease) in &whole {
            let matching: Vec<_> = requests.iter().filter(|r| matches!(r,
                AckRequest::ById { inbox: i, lease_id: l, .. } if i == inbox && l == lease)).collect();
            prop_assert_eq!(matching.len(), 1);
            prop_assert!(
                matches!(matching[0], AckRequest::ById { message_ids: None, .. }),
                "whole lease request names ids: {:?}",
                matching[0]
            );
        }
        for h in &handles {
            prop_assert_eq!(requests.iter().filter(|r| r.covers(h)).count(), 1, "{:?}", h);
        }
    }
}

#[test]
fn exactly_one_hundred_ids_fit_one_request_and_one_more_needs_two() {
    let make = |n: usize| {
        (0..n).map(|i| AckHandle::ById {
            inbox: Uuid::nil(),
            lease_id: Uuid::nil(),
            message_id: MessageId::new(format!("m{i}")),
        })
    };
    assert_eq!(AckPlan::from_handles(make(100)).len(), 1);
    let two = AckPlan::from_handles(make(101));
    assert_eq!(two.len(), 2);
    assert_eq!(two[1].len(), Some(1));
    assert!(AckPlan::from_handles(make(0)).is_empty());
}

#[test]
fn ids_keep_first_seen_order() {
    let name = InboxName::new("orders").unwrap();
    let handles = ["c", "a", "b", "a"].map(|t| AckHandle::ByName {
        inbox: name.clone(),
        lease_token: t.into(),
    });
    let requests = AckPlan::from_handles(handles);
    assert_eq!(
        requests,
        vec![AckRequest::ByName {
            inbox: name,
            lease_tokens: vec!["c".into(), "a".into(), "b".into()],
        }]
    );
}
