//! The server's live stream (`GET /api/sync/stream`, Server-Sent Events), read by `sync
//! --watch` and while waiting for generation jobs.
//!
//! The client core does not (yet) offer the stream publicly, so the CLI opens it itself with
//! the session the core keeps, and parses the few SSE rules the server uses: `event:` and
//! `data:` lines, blank-line dispatch, `:` comments as keep-alives. The reqwest client here has
//! no whole-request timeout (a stream stays open), only an idle read timeout longer than the
//! server's 15 s keep-alive, so a silently dropped connection is noticed.

use std::collections::VecDeque;
use std::time::Duration;

use serde::Deserialize;
use storyloom_client::Client;
use uuid::Uuid;

use crate::error::{CliError, CliResult};

/// A stream that sent nothing, not even a keep-alive, for this long is dead.
const IDLE_TIMEOUT: Duration = Duration::from_secs(45);

/// One server-sent event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// `event:` (`message` when absent).
    pub event: String,
    /// `data:` lines joined with `\n`.
    pub data: String,
}

/// `job` event data: generation progress.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct JobEvent {
    /// `story` or `hero`.
    pub entity: String,
    /// The entity's id.
    pub id: Uuid,
    /// `audio`, `illustrations`, `avatar`.
    pub kind: String,
    /// `processing`, `completed`, `failed`, ….
    pub status: String,
}

/// Incremental SSE parser: feed it bytes as they come, take out whole events.
#[derive(Debug, Default)]
pub struct SseParser {
    buf: Vec<u8>,
    event: Option<String>,
    data: Vec<String>,
}

impl SseParser {
    /// Add bytes; return the events they complete.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<SseEvent> {
        self.buf.extend_from_slice(bytes);
        let mut out = Vec::new();
        while let Some(pos) = self.buf.iter().position(|b| *b == b'\n') {
            let raw: Vec<u8> = self.buf.drain(..=pos).collect();
            let line = String::from_utf8_lossy(&raw);
            let line = line.trim_end_matches(['\n', '\r']);
            if line.is_empty() {
                if self.event.is_some() || !self.data.is_empty() {
                    out.push(SseEvent {
                        event: self.event.take().unwrap_or_else(|| "message".into()),
                        data: std::mem::take(&mut self.data).join("\n"),
                    });
                }
                continue;
            }
            if line.starts_with(':') {
                continue;
            }
            let (field, value) = match line.split_once(':') {
                Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
                None => (line, ""),
            };
            match field {
                "event" => self.event = Some(value.to_owned()),
                "data" => self.data.push(value.to_owned()),
                _ => {}
            }
        }
        out
    }
}

/// An open live stream.
pub struct LiveStream {
    resp: reqwest::Response,
    parser: SseParser,
    queued: VecDeque<SseEvent>,
}

impl std::fmt::Debug for LiveStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveStream").finish_non_exhaustive()
    }
}

impl LiveStream {
    /// Open the stream with the client's session; on a 401 the session is refreshed once.
    pub async fn open(client: &Client) -> CliResult<Self> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .read_timeout(IDLE_TIMEOUT)
            .user_agent(concat!("storyloom-cli/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| CliError::Local(format!("http client: {e}")))?;
        let url = format!("{}/sync/stream", client.api().base_url());
        let mut refreshed = false;
        loop {
            let token = client
                .api()
                .session()
                .map(|s| s.session.token)
                .ok_or(CliError::NotSignedIn)?;
            let resp = http
                .get(&url)
                .bearer_auth(token)
                .header(reqwest::header::ACCEPT, "text/event-stream")
                .send()
                .await
                .map_err(|e| CliError::Offline(format!("could not open the live stream: {e}")))?;
            let status = resp.status();
            if status.is_success() {
                return Ok(Self {
                    resp,
                    parser: SseParser::default(),
                    queued: VecDeque::new(),
                });
            }
            if status == reqwest::StatusCode::UNAUTHORIZED && !refreshed {
                refreshed = true;
                client.api().refresh_session().await?;
                continue;
            }
            return Err(match status.as_u16() {
                401 => CliError::NotSignedIn,
                s @ 500..=599 => CliError::Server(format!("live stream answered {s}")),
                s => CliError::Refused {
                    code: None,
                    message: format!("live stream answered {s}"),
                    retry_after: None,
                },
            });
        }
    }

    /// The next event; `Ok(None)` when the server closed the stream.
    pub async fn next(&mut self) -> CliResult<Option<SseEvent>> {
        loop {
            if let Some(ev) = self.queued.pop_front() {
                return Ok(Some(ev));
            }
            match self.resp.chunk().await {
                Ok(Some(bytes)) => self.queued.extend(self.parser.feed(&bytes)),
                Ok(None) => return Ok(None),
                Err(e) => {
                    return Err(CliError::Offline(format!("the live stream broke: {e}")));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_cut_at_blank_lines_whatever_the_chunking() {
        let text = b"event: ready\ndata: {}\n\n: keep-alive\n\nevent: job\r\ndata: {\"a\":1}\r\n\r\ndata: x\ndata: y\n\n";
        let expected = vec![
            SseEvent {
                event: "ready".into(),
                data: "{}".into(),
            },
            SseEvent {
                event: "job".into(),
                data: "{\"a\":1}".into(),
            },
            SseEvent {
                event: "message".into(),
                data: "x\ny".into(),
            },
        ];
        let mut whole = SseParser::default();
        assert_eq!(whole.feed(text), expected);
        // Byte by byte, as a slow network may deliver it.
        let mut bytewise = SseParser::default();
        let got: Vec<SseEvent> = text.iter().flat_map(|b| bytewise.feed(&[*b])).collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn job_events_decode() {
        let ev: JobEvent = serde_json::from_str(
            r#"{"entity":"story","id":"0190a1b2-0000-7000-8000-00000000aaaa","kind":"audio","status":"completed"}"#,
        )
        .unwrap();
        assert_eq!(ev.kind, "audio");
        assert_eq!(ev.status, "completed");
    }
}
