//! How results reach the user: text for people, JSON for scripts.
//!
//! Rules, so every command behaves the same:
//! - with `--json`, stdout carries exactly one JSON document (success or `{"error": …}`), or one
//!   per line for `sync --watch`; nothing else is printed on stdout;
//! - without it, results go to stdout and errors, warnings and progress to stderr;
//! - colour only when the stream is a terminal and `NO_COLOR` is unset; spinners and progress
//!   bars only when stderr is a terminal (a log file must not fill with redraws).

use std::io::{IsTerminal, Write};
use std::time::Duration;

use chrono::{DateTime, Utc};
use console::{Style, measure_text_width, style};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;

use crate::error::CliError;

/// Output settings of this run.
#[derive(Debug, Clone)]
pub struct Output {
    /// `--json`.
    pub json: bool,
    /// stdin is a terminal: prompts are possible.
    pub interactive: bool,
    /// stdout is a terminal: wrap text to its width.
    pub stdout_tty: bool,
    /// Show spinners and progress bars.
    pub progress: bool,
}

impl Output {
    /// Detect terminals and set colour once for the whole process.
    pub fn detect(json: bool) -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let stdout_tty = std::io::stdout().is_terminal();
        let stderr_tty = std::io::stderr().is_terminal();
        console::set_colors_enabled(stdout_tty && !no_color && !json);
        console::set_colors_enabled_stderr(stderr_tty && !no_color);
        Self {
            json,
            interactive: std::io::stdin().is_terminal(),
            stdout_tty,
            progress: stderr_tty && !json,
        }
    }

    /// Print a JSON document on stdout.
    pub fn print_json(&self, v: &Value) {
        let text = serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string());
        out(&format!("{text}\n"));
    }

    /// One JSON document on one line (streams of events).
    pub fn print_json_line(&self, v: &Value) {
        out(&format!("{v}\n"));
    }

    /// A line of human output (ignored with `--json`).
    pub fn line(&self, s: impl AsRef<str>) {
        if !self.json {
            out(&format!("{}\n", s.as_ref()));
        }
    }

    /// Human output as is, e.g. a rendered table (ignored with `--json`).
    pub fn text(&self, s: &str) {
        if !self.json {
            out(s);
        }
    }

    /// A warning on stderr (also with `--json`: it never pollutes stdout).
    pub fn warn(&self, s: impl AsRef<str>) {
        err(&format!(
            "{} {}\n",
            style("warning:").yellow().bold().for_stderr(),
            s.as_ref()
        ));
    }

    /// Report a failed command.
    pub fn error(&self, e: &CliError, server: &str) {
        if self.json {
            self.print_json(&e.to_json(server));
            return;
        }
        err(&format!(
            "{} {e}\n",
            style("error:").red().bold().for_stderr()
        ));
        if let Some(h) = e.hint(server) {
            err(&format!("{} {h}\n", style("hint:").cyan().for_stderr()));
        }
    }

    /// A spinner on stderr with `msg`, or a hidden one when there is no terminal.
    pub fn spinner(&self, msg: impl Into<String>) -> ProgressBar {
        if !self.progress {
            return ProgressBar::hidden();
        }
        let pb = ProgressBar::new_spinner();
        pb.set_style(
            ProgressStyle::with_template("{spinner:.cyan} {msg} {elapsed:.dim}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        pb.set_message(msg.into());
        pb.enable_steady_tick(Duration::from_millis(100));
        pb
    }

    /// A progress bar of `len` steps on stderr (hidden without a terminal).
    pub fn bar(&self, len: u64) -> ProgressBar {
        if !self.progress {
            return ProgressBar::hidden();
        }
        let pb = ProgressBar::new(len);
        pb.set_style(
            ProgressStyle::with_template(
                "{spinner:.cyan} [{bar:24.cyan/blue}] {pos}/{len} {msg} {elapsed:.dim}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        pb.enable_steady_tick(Duration::from_millis(100));
        pb
    }

    /// Width to wrap prose to: the terminal's (at most 100 columns), or none when piped.
    pub fn wrap_width(&self) -> Option<usize> {
        if !self.stdout_tty {
            return None;
        }
        let (_, cols) = console::Term::stdout().size();
        Some(usize::from(cols).clamp(20, 100))
    }
}

/// Write to stdout. A closed pipe (`storyloom stories list | head -1`) is not worth a panic,
/// which is what `println!` does: the reader simply stopped listening.
fn out(s: &str) {
    let mut o = std::io::stdout().lock();
    let _ = o.write_all(s.as_bytes()).and_then(|()| o.flush());
}

/// Write to stderr, same rule (prompts use it too).
pub fn err(s: &str) {
    let mut e = std::io::stderr().lock();
    let _ = e.write_all(s.as_bytes()).and_then(|()| e.flush());
}

/// Bold text (no-op without colour).
pub fn bold(s: impl std::fmt::Display) -> String {
    style(s).bold().to_string()
}

/// Dimmed text.
pub fn dim(s: impl std::fmt::Display) -> String {
    style(s).dim().to_string()
}

/// Success green.
pub fn good(s: impl std::fmt::Display) -> String {
    style(s).green().to_string()
}

/// Attention yellow.
pub fn notice(s: impl std::fmt::Display) -> String {
    style(s).yellow().to_string()
}

/// Problem red.
pub fn bad(s: impl std::fmt::Display) -> String {
    style(s).red().to_string()
}

/// Commands and ids the user can copy.
pub fn code(s: impl std::fmt::Display) -> String {
    style(s).cyan().to_string()
}

/// A table with a header row; columns are padded by their display width, so styled and wide
/// (emoji, accented) text lines up.
#[derive(Debug, Default)]
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headers.
    pub fn new(headers: &[&str]) -> Self {
        Self {
            headers: headers.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    /// Add a row (missing cells are blank).
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Render to text, one line per row, no trailing spaces.
    pub fn render(&self) -> String {
        let cols = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| measure_text_width(h)).collect();
        for r in &self.rows {
            for (i, c) in r.iter().enumerate().take(cols) {
                widths[i] = widths[i].max(measure_text_width(c));
            }
        }
        let head = Style::new().bold().dim();
        let mut out = String::new();
        let mut line = |cells: Vec<String>| {
            let mut l = String::new();
            for (i, c) in cells.iter().enumerate().take(cols) {
                if i + 1 == cols {
                    l.push_str(c);
                } else {
                    l.push_str(c);
                    let pad = widths[i].saturating_sub(measure_text_width(c)) + 2;
                    l.push_str(&" ".repeat(pad));
                }
            }
            out.push_str(l.trim_end());
            out.push('\n');
        };
        line(
            self.headers
                .iter()
                .map(|h| head.apply_to(h).to_string())
                .collect(),
        );
        for r in &self.rows {
            let mut cells = r.clone();
            cells.resize(cols, String::new());
            line(cells);
        }
        out
    }
}

/// Cut `s` to `max` display columns with an ellipsis.
pub fn truncate(s: &str, max: usize) -> String {
    console::truncate_str(s, max, "…").into_owned()
}

/// Greedy word wrap of prose to `width` columns; blank lines between paragraphs are kept.
pub fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    for (n, para) in text.split('\n').enumerate() {
        if n > 0 {
            out.push('\n');
        }
        let mut col = 0;
        for word in para.split_whitespace() {
            let w = measure_text_width(word);
            if col > 0 && col + 1 + w > width {
                out.push('\n');
                col = 0;
            } else if col > 0 {
                out.push(' ');
                col += 1;
            }
            out.push_str(word);
            col += w;
        }
    }
    out
}

/// "just now", "5 min ago", "3 h ago", "2 days ago".
pub fn ago(t: DateTime<Utc>) -> String {
    let secs = (Utc::now() - t).num_seconds().max(0);
    match secs {
        0..10 => "just now".into(),
        10..60 => format!("{secs} s ago"),
        60..3600 => format!("{} min ago", secs / 60),
        3600..86400 => format!("{} h ago", secs / 3600),
        _ => format!("{} days ago", secs / 86400),
    }
}

/// `1 story`, `2 stories`.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_by_display_width() {
        let mut t = Table::new(&["ID", "NAME"]);
        t.row(vec!["1".into(), "Mia".into()]);
        t.row(vec!["22".into(), "Zoë 🦄".into()]);
        let text = console::strip_ansi_codes(&t.render()).into_owned();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines, ["ID  NAME", "1   Mia", "22  Zoë 🦄"]);
    }

    #[test]
    fn prose_wraps_at_word_boundaries_and_keeps_paragraphs() {
        let text = "Once upon a time there was a brave girl.\n\nThe end.";
        assert_eq!(
            wrap(text, 16),
            "Once upon a time\nthere was a\nbrave girl.\n\nThe end."
        );
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(ago(Utc::now()), "just now");
        assert_eq!(ago(Utc::now() - chrono::Duration::minutes(5)), "5 min ago");
        assert_eq!(plural(1, "story", "stories"), "1 story");
        assert_eq!(plural(3, "story", "stories"), "3 stories");
    }
}
