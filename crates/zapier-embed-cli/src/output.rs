//! Output helpers: aligned tables for people, JSON (`--json`) for scripts.

use std::io::Write;

use anyhow::Context;
use serde::Serialize;

/// Writes `value` as pretty JSON and a newline on stdout.
pub fn json<T: Serialize + ?Sized>(value: &T) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(value).context("encoding the JSON output")?;
    line(&text)
}

/// Writes one line on stdout (an error when stdout is closed, never a panic).
pub fn line(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}").context("writing to stdout")?;
    out.flush().context("flushing stdout")
}

/// A table with a header row; columns are padded to their widest cell (the last is not).
#[derive(Debug)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column titles.
    pub fn new(header: &[&str]) -> Self {
        Table {
            header: header.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row (missing cells are blank, line breaks are flattened).
    pub fn row(&mut self, cells: Vec<String>) {
        let cells = cells
            .into_iter()
            .map(|c| c.replace(['\n', '\r', '\t'], " "))
            .collect();
        self.rows.push(cells);
    }

    /// Whether no row was added.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The rendered table, one string per line.
    pub fn render(&self) -> Vec<String> {
        let columns = self.header.len();
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(columns) {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        let render_row = |cells: &[String]| {
            let mut out = String::new();
            for (i, width) in widths.iter().enumerate() {
                let cell = cells.get(i).map(String::as_str).unwrap_or("");
                out.push_str(cell);
                if i + 1 < columns {
                    let pad = width - cell.chars().count() + 2;
                    out.extend(std::iter::repeat_n(' ', pad));
                }
            }
            out.trim_end().to_owned()
        };
        let mut lines = vec![render_row(&self.header)];
        lines.extend(self.rows.iter().map(|r| render_row(r)));
        lines
    }

    /// Prints the table on stdout, or `empty` when it has no row.
    pub fn print(&self, empty: &str) -> anyhow::Result<()> {
        if self.is_empty() {
            return line(empty);
        }
        for l in self.render() {
            line(&l)?;
        }
        Ok(())
    }
}

/// A listing: `items` as JSON when `json` (`--json`), else a table of one `row` per item, or
/// the line `empty` when there is none.
pub fn listing<T: Serialize>(
    items: &[T],
    json: bool,
    header: &[&str],
    row: impl Fn(&T) -> Vec<String>,
    empty: &str,
) -> anyhow::Result<()> {
    if json {
        return self::json(items);
    }
    let mut table = Table::new(header);
    for item in items {
        table.row(row(item));
    }
    table.print(empty)
}

/// `value` as compact one-line JSON, cut to `max` characters.
pub fn compact(value: &serde_json::Value, max: usize) -> String {
    let text = value.to_string();
    if text.chars().count() <= max {
        text
    } else {
        let cut: String = text.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

/// `yes` / `no`.
pub fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align() {
        let mut t = Table::new(&["ID", "NAME"]);
        t.row(vec!["1".into(), "orders".into()]);
        t.row(vec!["12345".into(), "x\ny".into()]);
        assert_eq!(
            t.render(),
            vec!["ID     NAME", "1      orders", "12345  x y"]
        );
    }

    #[test]
    fn compact_cuts() {
        let v = serde_json::json!({"text": "hello world"});
        assert_eq!(compact(&v, 100), r#"{"text":"hello world"}"#);
        assert_eq!(compact(&v, 10).chars().count(), 10);
    }
}
