//! A minimal, bounded parser of `text/event-stream` (the inbox availability stream).
//!
//! It follows the WHATWG rules the stream needs: lines end in `\n`, `\r\n` or `\r`; a blank line
//! dispatches the event; `data:` lines are joined with `\n`; a leading space after the colon is
//! dropped; lines starting with `:` are comments (the server's `: keep-alive` heartbeats);
//! `event`, `id` and `retry` fields are read and ignored.

/// The longest line kept; a longer one is an error rather than unbounded memory.
const MAX_LINE_BYTES: usize = 64 * 1024;

/// One dispatched event's data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Frame {
    pub(crate) data: String,
}

/// Why the stream cannot be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TooLong;

/// Incremental parser: feed bytes, get complete frames.
#[derive(Debug, Default)]
pub(crate) struct Parser {
    line: Vec<u8>,
    data: Option<String>,
    /// The previous byte was `\r`: a following `\n` belongs to the same line end.
    after_cr: bool,
}

impl Parser {
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
                }
                _ => {
                    if self.line.len() >= MAX_LINE_BYTES {
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

    fn frames(input: &[&[u8]]) -> Vec<String> {
        let mut parser = Parser::default();
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
        let mut parser = Parser::default();
        assert_eq!(parser.push(&vec![b'a'; MAX_LINE_BYTES + 1]), Err(TooLong));
    }
}
