//! Lists as `Stream`s over all pages: offset paging (inboxes, connections) and cursor paging
//! (messages). Pages are fetched lazily, one at a time, as the stream is polled.

use std::collections::BTreeSet;
use std::future::Future;

use futures::stream::{self, Stream, StreamExt};

use crate::Error;

/// Where the next page starts.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Position {
    /// The first page.
    Start,
    /// Offset paging: the index of the first item.
    Offset(u64),
    /// Cursor paging: the opaque cursor.
    Cursor(String),
}

/// Streams the items of every page. `fetch` gets a page at a position and answers its items and
/// the position of the next page (`None` on the last page).
///
/// Bounded whatever the server answers: an empty page is the last one even when it names a
/// next position; a position that does not move forward ends the stream with a decode error;
/// after `max_pages` pages the stream ends with [`Error::LimitExceeded`] (`max_pages`). The
/// positions seen are kept in a set, so each page costs `O(log n)`.
pub(crate) fn pages<T, F, Fut>(
    operation: &'static str,
    max_pages: u32,
    fetch: F,
) -> impl Stream<Item = Result<T, Error>> + Send
where
    T: Send + 'static,
    F: FnMut(Position) -> Fut + Send + 'static,
    Fut: Future<Output = Result<(Vec<T>, Option<Position>), Error>> + Send,
{
    struct State<F> {
        fetch: F,
        next: Option<Position>,
        previous: Option<Position>,
        seen: BTreeSet<Position>,
        fetched: u32,
    }
    let state = State {
        fetch,
        next: Some(Position::Start),
        previous: None,
        seen: BTreeSet::new(),
        fetched: 0,
    };
    stream::unfold(state, move |mut state| async move {
        let position = state.next.take()?;
        if state.fetched >= max_pages {
            let err = Error::limit_exceeded(operation, "max_pages", u64::from(max_pages));
            return Some((vec![Err(err)], state));
        }
        state.fetched = state.fetched.saturating_add(1);
        match (state.fetch)(position.clone()).await {
            Ok((items, next)) => {
                state.seen.insert(position.clone());
                state.previous = Some(position);
                // An empty page ends the listing: a server that keeps answering empty pages
                // with a new cursor would otherwise be followed forever.
                let next = next.filter(|_| !items.is_empty());
                state.next = match next {
                    Some(next)
                        if state.seen.contains(&next)
                            || !advances(state.previous.as_ref(), &next) =>
                    {
                        let err = Error::decode(
                            operation,
                            format!("the server's next page ({next:?}) does not move forward"),
                        );
                        return Some((vec![Ok(items), Err(err)], state));
                    }
                    other => other,
                };
                Some((vec![Ok(items)], state))
            }
            Err(err) => Some((vec![Err(err)], state)),
        }
    })
    .flat_map(|chunks| {
        stream::iter(chunks.into_iter().flat_map(|chunk| match chunk {
            Ok(items) => items.into_iter().map(Ok).collect::<Vec<_>>(),
            Err(err) => vec![Err(err)],
        }))
    })
}

/// Offsets must grow; cursors only need to differ (checked by `seen`).
fn advances(previous: Option<&Position>, next: &Position) -> bool {
    match (previous, next) {
        (Some(Position::Offset(prev)), Position::Offset(next)) => next > prev,
        (Some(Position::Start), Position::Offset(next)) => *next > 0,
        _ => true,
    }
}

/// The value of query parameter `name` in a `next` link (absolute or relative).
pub(crate) fn query_param(link: &str, name: &str) -> Option<String> {
    let base = url::Url::parse("http://localhost/").ok()?;
    let url = base.join(link).ok()?;
    url.query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// The next offset of a `next` link.
pub(crate) fn next_offset(link: Option<&str>) -> Option<Position> {
    link.and_then(|l| query_param(l, "offset"))
        .and_then(|o| o.parse().ok())
        .map(Position::Offset)
}

/// The next cursor of a `next` link.
pub(crate) fn next_cursor(link: Option<&str>) -> Option<Position> {
    link.and_then(|l| query_param(l, "cursor"))
        .filter(|c| !c.is_empty())
        .map(Position::Cursor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_links_are_parsed() {
        assert_eq!(
            next_offset(Some(
                "https://api.example.org/accounts/?offset=400&limit=100"
            )),
            Some(Position::Offset(400))
        );
        assert_eq!(
            next_cursor(Some("/inboxes/x/messages?cursor=cD00ODY%3D")),
            Some(Position::Cursor("cD00ODY=".into()))
        );
        assert_eq!(next_offset(None), None);
        assert_eq!(next_offset(Some("no offset here")), None);
    }

    #[tokio::test]
    async fn streams_every_page_and_stops_on_a_loop() {
        let items: Vec<_> = pages("list", 100, |pos| async move {
            Ok(match pos {
                Position::Start => (vec![1, 2], Some(Position::Offset(2))),
                Position::Offset(2) => (vec![3], None),
                _ => (vec![], None),
            })
        })
        .collect()
        .await;
        assert_eq!(
            items.into_iter().map(|r| r.ok()).collect::<Vec<_>>(),
            vec![Some(1), Some(2), Some(3)]
        );

        let looping: Vec<_> = pages("list", 100, |_| async move {
            Ok((vec![1], Some(Position::Cursor("same".into()))))
        })
        .collect()
        .await;
        assert_eq!(looping.len(), 3); // page 1, page 2, then the loop error
        assert!(looping[2].is_err());
    }

    #[tokio::test]
    async fn empty_pages_end_and_page_count_is_bounded() {
        let empty: Vec<Result<u8, Error>> = pages("list", 100, |pos| async move {
            let n = match pos {
                Position::Cursor(c) => c.len(),
                _ => 0,
            };
            Ok((vec![], Some(Position::Cursor("c".repeat(n + 1)))))
        })
        .collect()
        .await;
        assert!(empty.is_empty());

        let endless: Vec<Result<u8, Error>> = pages("list", 3, |pos| async move {
            let n = match pos {
                Position::Cursor(c) => c.len(),
                _ => 0,
            };
            Ok((vec![1], Some(Position::Cursor("c".repeat(n + 1)))))
        })
        .collect()
        .await;
        assert_eq!(endless.len(), 4);
        assert!(matches!(
            endless.last(),
            Some(Err(Error::LimitExceeded {
                limit: "max_pages",
                max: 3,
                ..
            }))
        ));
    }

    #[tokio::test]
    async fn an_error_ends_the_stream() {
        let items: Vec<Result<u8, Error>> = pages("list", 100, |_| async move {
            Err(Error::transport("list", "refused"))
        })
        .collect()
        .await;
        assert_eq!(items.len(), 1);
        assert!(items[0].is_err());
    }
}
