//! A minimal, bounded parser of `text/event-stream` (the inbox availability stream).
//!
//! It follows the WHATWG rules the stream needs: lines end in `\n`, `\r\n` or `\r`; a blank line
//! dispatches the event; `data:` lines are joined with `\n`; a leading space after the colon is
//! dropped; lines starting with `:` are comments (the server's `: keep-alive` heartbeats);
//! `event`, `id` and `retry` fields are read and ignored.
//!
//! Bounded: one event (its `data:` lines together, and so any one line) may hold at most
//! `max_event_bytes`; past it the parser fails rather than grow (a server that sends `data:`
//! lines forever without the blank line that ends the event).

/// One dispatched event's data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Frame {
    pub(crate) data: String,
}

/// Why the stream cannot be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TooLong;

/// Incremental parser: feed bytes, get complete frames.
#[derive(Debug)]
pub(crate) struct Parser {
    line: Vec<u8>,
    data: Option<String>,
    /// The previous byte was `\r`: a following `\n` belongs to the same line end.
    after_cr: bool,
    max_event_bytes: usize,
}

impl Parser {
    /// A parser that refuses events (and lines) longer than `max_event_bytes`.
    pub(crate) fn new(max_event_bytes: usize) -> Self {
        Parser {
            line: Vec::new(),
            data: None,
            after_cr: false,
            max_event_bytes,
        }
    }

    /// The limit this parser enforces.
    pub(crate) fn max_event_bytes(&self) -> usize {
        self.max_event_bytes
    }

    /// Feeds a chunk; answers the frames it completed.
    pub(crate) fn push(&mut self, chunk: &[u8]) -> Result<Vec<Frame>, TooLong> {
        let mut frames = Vec::new();
        for &byte in chunk {
            if self.after_cr {
                self.after_cr = false;
                if byte == b'\n' {
                    continue;
                }
            }
            match byte {
                b'\n' | b'\r' => {
                    self.after_cr = byte == b'\r';
                    let line = std::mem::take(&mut self.line);
                    if let Some(frame) = self.line_done(&line) {
                        frames.push(frame);
                    }
                    if self
                        .data
                        .as_ref()
                        .is_some_and(|d| d.len() > self.max_event_bytes)
                    {
                        return Err(TooLong);
                    }
                }
                _ => {
                    let pending = self.data.as_ref().map_or(0, String::len);
                    if self.line.len().saturating_add(pending) >= self.max_event_bytes {
                        return Err(TooLong);
                    }
                    self.line.push(byte);
                }
            }
        }
        Ok(frames)
    }

    fn line_done(&mut self, line: &[u8]) -> Option<Frame> {
        if line.is_empty() {
            return self.data.take().map(|data| Frame { data });
        }
        if line.first() == Some(&b':') {
            return None;
        }
        let text = String::from_utf8_lossy(line);
        let (field, value) = match text.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (text.as_ref(), ""),
        };
        if field == "data" {
            match &mut self.data {
                Some(data) => {
                    data.push('\n');
                    data.push_str(value);
                }
                None => self.data = Some(value.to_owned()),
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX: usize = 64 * 1024;

    fn frames(input: &[&[u8]]) -> Vec<String> {
        let mut parser = Parser::new(MAX);
        input
            .iter()
            .flat_map(|chunk| parser.push(chunk).unwrap_or_default())
            .map(|f| f.data)
            .collect()
    }

    #[test]
    fn parses_frames_across_chunks_and_line_endings() {
        assert_eq!(
            frames(&[
                b": keep-alive\n\ndata: {\"a\":",
                b"1}\n\n",
                b"data:x\r\ndata: y\r\n\r\n"
            ]),
            vec!["{\"a\":1}".to_owned(), "x\ny".to_owned()]
        );
        assert_eq!(frames(&[b"data: a\r", b"\n\r"]), vec!["a".to_owned()]);
        // Events without data and unknown fields dispatch nothing.
        assert!(frames(&[b"event: ping\nid: 3\nretry: 10\n\n"]).is_empty());
    }

    #[test]
    fn an_unbounded_line_is_an_error() {
        let mut parser = Parser::new(MAX);
        assert_eq!(parser.push(&vec![b'a'; MAX + 1]), Err(TooLong));
    }

    #[test]
    fn an_event_that_never_ends_is_an_error() {
        let mut parser = Parser::new(MAX);
        let line = format!("data: {}\n", "x".repeat(1000));
        let mut result = Ok(Vec::new());
        for _ in 0..(MAX / 1000 + 2) {
            result = parser.push(line.as_bytes());
            if result.is_err() {
                break;
            }
        }
        assert_eq!(result, Err(TooLong));
        // Within the limit, many lines still make one event.
        let mut parser = Parser::new(MAX);
        let frames = parser.push(b"data: a\ndata: b\n\n").unwrap_or_default();
        assert_eq!(
            frames,
            vec![Frame {
                data: "a\nb".into()
            }]
        );
    }
}
