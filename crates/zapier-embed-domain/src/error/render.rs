//! How an [`Error`](super::Error) reads: `<operation>: <what> (HTTP <status>, code <code>):
//! <detail>`, with the "what" of each variant.

use super::*;

/// `<operation>: <what> (HTTP <status>, code <code>): <detail>`.
pub(super) fn render(ctx: &ErrorContext, what: impl fmt::Display) -> String {
    let detail = ctx.detail.as_ref().or(ctx.title.as_ref());
    render_with(ctx, what, detail.map(|d| d as &dyn fmt::Display))
}

fn render_with(
    ctx: &ErrorContext,
    what: impl fmt::Display,
    tail: Option<&dyn fmt::Display>,
) -> String {
    use fmt::Write as _;
    let mut out = format!("{}: {what}", ctx.operation);
    match (ctx.status, ctx.code.as_deref()) {
        (Some(status), Some(code)) => {
            let _ = write!(out, " (HTTP {status}, code {code})");
        }
        (Some(status), None) => {
            let _ = write!(out, " (HTTP {status})");
        }
        (None, Some(code)) => {
            let _ = write!(out, " (code {code})");
        }
        (None, None) => {}
    }
    if let Some(tail) = tail {
        let _ = write!(out, ": {tail}");
    }
    out
}

pub(super) fn render_validation(ctx: &ErrorContext, fields: &[FieldError]) -> String {
    if fields.is_empty() {
        return render(ctx, "invalid request");
    }
    // The field list carries the server's words, so it takes the place of the detail; bounded
    // like a detail, so that a long key or a server's long list is not echoed back whole.
    let list = bounded_one_line(&FieldList(fields).to_string(), MAX_DETAIL_BYTES);
    render_with(ctx, "invalid request", Some(&list))
}

struct FieldList<'a>(&'a [FieldError]);

impl fmt::Display for FieldList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_field_list(f, self.0)
    }
}

pub(super) struct RateLimitedWhat(pub(super) Option<Duration>);

impl fmt::Display for RateLimitedWhat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(d) => write!(f, "rate limited, retry after {:.1}s", d.as_secs_f64()),
            None => f.write_str("rate limited"),
        }
    }
}

pub(super) struct PausedWhat<'a>(pub(super) &'static str, pub(super) Option<&'a PausedReason>);

impl fmt::Display for PausedWhat<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)?;
        if let Some(reason) = self.1 {
            write!(f, " (reason {reason})")?;
        }
        Ok(())
    }
}

pub(super) struct RunFailedWhat<'a>(pub(super) &'a [RunError]);

impl fmt::Display for RunFailedWhat<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("action run failed")?;
        if let Some(first) = self.0.first() {
            write!(
                f,
                ": {}",
                bounded_one_line(&first.to_string(), MAX_DETAIL_BYTES)
            )?;
        }
        if self.0.len() > 1 {
            write!(f, " (and {} more)", self.0.len() - 1)?;
        }
        Ok(())
    }
}

pub(super) struct LimitWhat<'a>(pub(super) &'a str, pub(super) u64);

impl fmt::Display for LimitWhat<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the answer exceeded the client's limit {} = {}",
            self.0, self.1
        )
    }
}

pub(super) struct ServerWhat(pub(super) Option<u16>);

impl fmt::Display for ServerWhat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(s) if (400..500).contains(&s) => f.write_str("unexpected client error"),
            Some(s) if s < 400 => f.write_str("unexpected response"),
            _ => f.write_str("server error"),
        }
    }
}
