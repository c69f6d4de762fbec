//! What the engine does with lease answers that break the request's terms: more messages than
//! slots, a message listed twice, a second hold, an answer that does not decode or is too
//! large, an absurd `Retry-After`.

use super::*;
// Answered errors are built as the wire layer builds them.
use crate::wire::AnswerError;

/// A handler that records how many run at once and how often each message ran.
#[derive(Clone, Default)]
struct Tally {
    running: Arc<AtomicUsize>,
    max_running: Arc<AtomicUsize>,
    runs: Arc<Mutex<HashMap<MessageId, u32>>>,
}

impl Tally {
    fn handler(
        &self,
    ) -> impl Fn(Received) -> BoxFuture<'static, Result<(), String>> + Send + Sync + 'static {
        let tally = self.clone();
        move |msg: Received| {
            let tally = tally.clone();
            Box::pin(async move {
                let now = tally.running.fetch_add(1, Ordering::SeqCst) + 1;
                tally.max_running.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(5)).await;
                *tally
                    .runs
                    .lock()
                    .unwrap()
                    .entry(msg.id.clone())
                    .or_insert(0) += 1;
                tally.running.fetch_sub(1, Ordering::SeqCst);
                Ok(())
            })
        }
    }

    fn max_running(&self) -> usize {
        self.max_running.load(Ordering::SeqCst)
    }

    fn ran_each_once(&self, n: usize) -> bool {
        let runs = self.runs.lock().unwrap();
        runs.len() == n && runs.values().all(|&r| r == 1)
    }
}

#[tokio::test(start_paused = true)]
async fn an_over_full_lease_answer_never_runs_more_handlers_than_the_limit() {
    let mut inbox = FakeInbox::with_messages(60);
    Arc::get_mut(&mut inbox).unwrap().overfill = 25;
    let tally = Tally::default();
    let shutdown = CancellationToken::new();
    let watched = inbox.clone();
    // Every surplus release spends an attempt, so some messages end in quarantine: that is the
    // server's doing; what the consumer controls is that none runs beyond the limit or twice.
    cancel_when(&shutdown, move || {
        let (acked, leased, quarantined, _) = watched.snapshot();
        acked + quarantined == 60 && leased == 0
    });
    let report = builder(&inbox)
        .max_in_flight(2)
        .handler(tally.handler())
        .run(shutdown)
        .await;

    assert!(
        tally.max_running() <= 2,
        "{} ran at once",
        tally.max_running()
    );
    let runs = tally.runs.lock().unwrap().clone();
    assert!(runs.values().all(|&n| n == 1), "{runs:?}");
    assert!(report.surplus_released > 0, "{report}");
    assert_eq!(report.acked, runs.len() as u64, "{report}");
    assert_eq!(report.released, report.surplus_released, "{report}");
    assert!(report.is_balanced(), "{report}");
    let (acked, _, _, _) = inbox.snapshot();
    assert_eq!(acked, runs.len());
}

#[tokio::test(start_paused = true)]
async fn a_message_listed_twice_in_one_lease_runs_once() {
    let mut inbox = FakeInbox::with_messages(20);
    Arc::get_mut(&mut inbox).unwrap().duplicate = true;
    let tally = Tally::default();
    let shutdown = CancellationToken::new();
    let watched = inbox.clone();
    cancel_when(&shutdown, move || watched.snapshot().0 == 20);
    let report = builder(&inbox)
        .max_in_flight(4)
        .handler(tally.handler())
        .run(shutdown)
        .await;

    assert!(tally.ran_each_once(20));
    assert!(tally.max_running() <= 4);
    // Every copy carries the same ack handle: nothing more to settle, but it is counted.
    assert_eq!(report.lease_duplicates, 20, "{report}");
    assert_eq!(report.leased, 20, "{report}");
    assert_eq!(report.acked, 20, "{report}");
    assert!(report.is_balanced(), "{report}");
}

#[test]
fn a_second_hold_on_a_message_is_released_and_surplus_goes_back() {
    let inbox = Uuid::new_v4();
    let message = |id: &str, lease: Uuid| {
        LeasedMessage::new(
            MessageId::new(id),
            Utc::now(),
            MessageStatus::Leased,
            serde_json::json!({}),
            MessageAttributes::new(1),
            AckHandle::ById {
                inbox,
                lease_id: lease,
                message_id: MessageId::new(id),
            },
        )
    };
    let (one, two) = (Uuid::new_v4(), Uuid::new_v4());
    let answer = vec![
        message("a", one),
        message("a", one),
        message("b", one),
        message("a", two),
        message("c", one),
    ];
    let sorted = super::lease_answer::sort_lease(answer, 2);
    let ids = |v: &[LeasedMessage]| v.iter().map(|m| m.id.to_string()).collect::<Vec<_>>();
    assert_eq!(ids(&sorted.run), ["a", "b"]);
    assert_eq!(ids(&sorted.surplus), ["a", "c"]);
    assert_eq!(sorted.duplicates, 2);
}

#[tokio::test(start_paused = true)]
async fn a_lease_answer_that_does_not_decode_or_is_too_large_is_retried_with_backoff_and_reported()
{
    let inbox = FakeInbox::with_messages(5);
    inbox.failures.lock().unwrap().extend([
        Error::decode("lease messages", "expected value at line 1 column 1"),
        Error::limit_exceeded("lease messages", "max_response_bytes", 1024),
        Error::decode("lease messages", "expected value at line 1 column 1"),
    ]);
    let events = Arc::new(Mutex::new(Vec::new()));
    let e = events.clone();
    let tally = Tally::default();
    let shutdown = CancellationToken::new();
    let watched = inbox.clone();
    cancel_when(&shutdown, move || watched.snapshot().0 == 5);
    let report = builder(&inbox)
        .error_backoff(Duration::from_millis(100), Duration::from_secs(1))
        .on_event(move |event| e.lock().unwrap().push(event.clone()))
        .handler(tally.handler())
        .run(shutdown)
        .await;

    assert!(report.stopped_inboxes.is_empty(), "{report}");
    assert_eq!(report.acked, 5, "{report}");
    let events = events.lock().unwrap();
    let failures: Vec<Duration> = events
        .iter()
        .filter_map(|event| match event {
            ConsumerEvent::LeaseFailed {
                error, retry_in, ..
            } => {
                assert!(
                    error.contains("decode") || error.contains("max_response_bytes"),
                    "{error}"
                );
                Some(*retry_in)
            }
            _ => None,
        })
        .collect();
    assert_eq!(failures.len(), 3, "{events:?}");
    assert!(
        failures.iter().all(|d| *d >= Duration::from_millis(50)),
        "{failures:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, ConsumerEvent::InboxResumed { .. })),
        "{events:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn an_absurd_retry_after_holds_the_inbox_back_at_most_an_hour_and_panics_nothing() {
    let inbox = FakeInbox::with_messages(1);
    inbox
        .failures
        .lock()
        .unwrap()
        .push_back(Error::from_response(
            "lease messages",
            429,
            Some(Duration::MAX),
            b"",
        ));
    let events = Arc::new(Mutex::new(Vec::new()));
    let e = events.clone();
    let shutdown = CancellationToken::new();
    let watched = inbox.clone();
    cancel_when(&shutdown, move || watched.snapshot().0 == 1);
    let report = builder(&inbox)
        .on_event(move |event| e.lock().unwrap().push(event.clone()))
        .handler(Tally::default().handler())
        .run(shutdown)
        .await;
    assert_eq!(report.acked, 1, "{report}");
    let events = events.lock().unwrap();
    assert!(
        events.iter().any(|e| matches!(
            e,
            ConsumerEvent::LeaseFailed { retry_in, .. } if *retry_in == super::lease_loop::MAX_RETRY_AFTER
        )),
        "{events:?}"
    );
}
