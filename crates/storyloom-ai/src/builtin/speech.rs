//! Narration with the `espeak-ng` program, encoded to MP3 with LAME.
//!
//! espeak-ng runs as a separate process (not linked) so its GPL licence stays out of our
//! binary; it is a Debian/Homebrew package the setup scripts install. The text goes in on
//! stdin (never as an argument, so a story starting with "-" cannot become an option), the WAV
//! comes out on stdout, and LAME (bundled by `mp3lame-encoder`) turns it into a small MP3.

use std::io::ErrorKind;
use std::process::Stdio;
use std::time::Duration;

use mp3lame_encoder::{Bitrate, Builder, FlushNoGap, Mode, MonoPcm, Quality};
use storyloom_domain::{Language, Voice};
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

use super::BuiltinConfig;
use crate::{AiError, Narration};

/// Longest narration run we wait for; a 50,000-character story takes far less.
const SYNTH_TIMEOUT: Duration = Duration::from_secs(300);

fn missing(config: &BuiltinConfig) -> AiError {
    AiError::Unavailable(format!(
        "the built-in narrator needs the espeak-ng program, which was not found ({}): install \
         it (Debian/Ubuntu: apt-get install espeak-ng; macOS: brew install espeak-ng) or set \
         STORYLOOM_ESPEAK to its path",
        config.espeak_program.display()
    ))
}

/// espeak-ng settings for one of the nine API voices: (variant, pitch 0–99, words per minute).
/// Bedtime narration is slower than espeak's default 175 wpm.
fn voice_settings(voice: Voice) -> (&'static str, u32, u32) {
    match voice {
        Voice::Alloy => ("m3", 50, 145),
        Voice::Ash => ("m1", 40, 140),
        Voice::Coral => ("f2", 60, 150),
        Voice::Echo => ("m2", 45, 140),
        Voice::Fable => ("f3", 55, 135),
        Voice::Nova => ("f4", 65, 150),
        Voice::Onyx => ("m7", 30, 130),
        Voice::Sage => ("f1", 50, 140),
        Voice::Shimmer => ("f5", 70, 145),
    }
}

fn espeak_language(lang: Language) -> &'static str {
    match lang {
        Language::En => "en-gb",
        Language::Fr => "fr-fr",
        Language::Es => "es",
        Language::De => "de",
        Language::It => "it",
    }
}

/// Whether espeak-ng can be started (for the health check).
pub(crate) async fn check_espeak(config: &BuiltinConfig) -> Result<(), AiError> {
    let out = Command::new(&config.espeak_program)
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .await;
    match out {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err(AiError::Unavailable(format!(
            "espeak-ng --version failed: {s}"
        ))),
        Err(e) if e.kind() == ErrorKind::NotFound => Err(missing(config)),
        Err(e) => Err(AiError::Unavailable(format!("cannot run espeak-ng: {e}"))),
    }
}

/// Run espeak-ng and return its WAV output.
async fn synthesize(
    config: &BuiltinConfig,
    text: &str,
    lang: Language,
    voice: Voice,
) -> Result<Vec<u8>, AiError> {
    let (variant, pitch, wpm) = voice_settings(voice);
    let mut child = Command::new(&config.espeak_program)
        .arg("--stdout")
        .arg("-b")
        .arg("1") // input is UTF-8
        .arg("-v")
        .arg(format!("{}+{variant}", espeak_language(lang)))
        .arg("-p")
        .arg(pitch.to_string())
        .arg("-s")
        .arg(wpm.to_string())
        .arg("-g")
        .arg("3") // a little pause between words
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| match e.kind() {
            ErrorKind::NotFound => missing(config),
            _ => AiError::Unavailable(format!("cannot run espeak-ng: {e}")),
        })?;
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| AiError::Unavailable("espeak-ng stdin unavailable".into()))?;
    // Paragraph breaks become sentence pauses; the writer runs beside the reader so a long
    // text cannot deadlock on a full pipe.
    let input = text.replace("\n\n", ".\n").into_bytes();
    let writer = tokio::spawn(async move {
        let r = stdin.write_all(&input).await;
        drop(stdin);
        r
    });
    let output = tokio::time::timeout(SYNTH_TIMEOUT, child.wait_with_output())
        .await
        .map_err(|_| AiError::Timeout {
            seconds: SYNTH_TIMEOUT.as_secs(),
            attempts: 1,
        })?
        .map_err(|e| AiError::Unavailable(format!("espeak-ng failed: {e}")))?;
    let _ = writer.await;
    if !output.status.success() {
        let err = String::from_utf8_lossy(&output.stderr);
        return Err(AiError::Provider {
            attempts: 1,
            status: None,
            message: format!("espeak-ng exited with {}: {}", output.status, err.trim()),
        });
    }
    Ok(output.stdout)
}

/// Mono 16-bit PCM taken from a WAV file.
#[derive(Debug)]
pub(crate) struct Pcm {
    pub sample_rate: u32,
    pub samples: Vec<i16>,
}

/// Parse a RIFF/WAVE file of 16-bit PCM (mono, or stereo mixed down). espeak-ng writes the
/// data chunk size as "unknown" when streaming to stdout, so the data runs to the end of input.
pub(crate) fn parse_wav(bytes: &[u8]) -> Result<Pcm, AiError> {
    let bad = |m: &str| AiError::InvalidResponse(format!("espeak-ng output is not a WAV: {m}"));
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err(bad("no RIFF/WAVE header"));
    }
    let u16_at = |i: usize| {
        bytes
            .get(i..i + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
    };
    let u32_at = |i: usize| {
        bytes
            .get(i..i + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let mut pos = 12;
    let mut format: Option<(u16, u16, u32, u16)> = None;
    while pos + 8 <= bytes.len() {
        let id = &bytes[pos..pos + 4];
        let size = u32_at(pos + 4).ok_or_else(|| bad("truncated chunk"))? as usize;
        let body = pos + 8;
        if id == b"fmt " {
            let f = (|| {
                Some((
                    u16_at(body)?,
                    u16_at(body + 2)?,
                    u32_at(body + 4)?,
                    u16_at(body + 14)?,
                ))
            })()
            .ok_or_else(|| bad("short fmt chunk"))?;
            format = Some(f);
        } else if id == b"data" {
            let (tag, channels, sample_rate, bits) =
                format.ok_or_else(|| bad("data before fmt"))?;
            if tag != 1 || bits != 16 || channels == 0 {
                return Err(bad("not 16-bit PCM"));
            }
            let end = if size == 0 || size == u32::MAX as usize || body + size > bytes.len() {
                bytes.len()
            } else {
                body + size
            };
            let frame = 2 * channels as usize;
            let samples = bytes[body..end]
                .chunks_exact(frame)
                .map(|f| {
                    let sum: i32 = f
                        .chunks_exact(2)
                        .map(|s| i32::from(i16::from_le_bytes([s[0], s[1]])))
                        .sum();
                    (sum / i32::from(channels)) as i16
                })
                .collect();
            return Ok(Pcm {
                sample_rate,
                samples,
            });
        }
        pos = body + size + (size & 1);
    }
    Err(bad("no data chunk"))
}

/// Encode mono PCM as a 64 kbit/s MP3 (plenty for a single voice).
pub(crate) fn encode_mp3(pcm: &Pcm) -> Result<Vec<u8>, AiError> {
    let fail = |m: String| AiError::Provider {
        attempts: 1,
        status: None,
        message: m,
    };
    let mut b = Builder::new().ok_or_else(|| fail("LAME could not start".into()))?;
    b.set_num_channels(1)
        .map_err(|e| fail(format!("LAME: {e}")))?;
    b.set_sample_rate(pcm.sample_rate)
        .map_err(|e| fail(format!("LAME: {e}")))?;
    b.set_mode(Mode::Mono)
        .map_err(|e| fail(format!("LAME: {e}")))?;
    b.set_brate(Bitrate::Kbps64)
        .map_err(|e| fail(format!("LAME: {e}")))?;
    b.set_quality(Quality::Good)
        .map_err(|e| fail(format!("LAME: {e}")))?;
    let mut enc = b.build().map_err(|e| fail(format!("LAME: {e}")))?;
    let mut out =
        Vec::with_capacity(mp3lame_encoder::max_required_buffer_size(pcm.samples.len()) + 7200);
    enc.encode_to_vec(MonoPcm(&pcm.samples), &mut out)
        .map_err(|e| fail(format!("LAME: {e}")))?;
    enc.flush_to_vec::<FlushNoGap>(&mut out)
        .map_err(|e| fail(format!("LAME: {e}")))?;
    Ok(out)
}

/// Narrate `text`: espeak-ng → WAV → MP3, with the duration from the sample count.
pub(crate) async fn narrate(
    config: &BuiltinConfig,
    text: &str,
    lang: Language,
    voice: Voice,
) -> Result<Narration, AiError> {
    if text.trim().is_empty() {
        return Err(AiError::rejected(
            "content",
            "There is no text to read aloud.",
        ));
    }
    let wav = synthesize(config, text, lang, voice).await?;
    tokio::task::spawn_blocking(move || {
        let pcm = parse_wav(&wav)?;
        if pcm.samples.is_empty() || pcm.sample_rate == 0 {
            return Err(AiError::InvalidResponse(
                "espeak-ng produced no audio".into(),
            ));
        }
        let duration_seconds = pcm.samples.len() as f64 / f64::from(pcm.sample_rate);
        let mp3 = encode_mp3(&pcm)?;
        Ok(Narration {
            mp3,
            duration_seconds,
        })
    })
    .await
    .map_err(|e| AiError::Provider {
        attempts: 1,
        status: None,
        message: format!("encoder task: {e}"),
    })?
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wav(samples: &[i16], data_size: u32) -> Vec<u8> {
        let mut v = b"RIFF\0\0\0\0WAVEfmt ".to_vec();
        v.extend(16u32.to_le_bytes());
        v.extend(1u16.to_le_bytes());
        v.extend(1u16.to_le_bytes());
        v.extend(22050u32.to_le_bytes());
        v.extend((22050u32 * 2).to_le_bytes());
        v.extend(2u16.to_le_bytes());
        v.extend(16u16.to_le_bytes());
        v.extend(b"data");
        v.extend(data_size.to_le_bytes());
        for s in samples {
            v.extend(s.to_le_bytes());
        }
        v
    }

    #[test]
    fn parses_wav_with_known_and_streaming_sizes() {
        let p = parse_wav(&wav(&[1, -2, 3], 6)).unwrap();
        assert_eq!((p.sample_rate, p.samples), (22050, vec![1, -2, 3]));
        let p = parse_wav(&wav(&[1, -2, 3], u32::MAX)).unwrap();
        assert_eq!(p.samples, vec![1, -2, 3]);
        assert!(parse_wav(b"not a wav at all").is_err());
    }

    #[test]
    fn every_voice_has_distinct_settings() {
        use std::collections::HashSet;
        let all = [
            Voice::Alloy,
            Voice::Ash,
            Voice::Coral,
            Voice::Echo,
            Voice::Fable,
            Voice::Nova,
            Voice::Onyx,
            Voice::Sage,
            Voice::Shimmer,
        ];
        let set: HashSet<_> = all.iter().map(|v| voice_settings(*v)).collect();
        assert_eq!(set.len(), 9);
    }

    #[tokio::test]
    async fn missing_program_is_unavailable() {
        let cfg = BuiltinConfig {
            espeak_program: "/nonexistent/espeak-ng".into(),
        };
        let err = narrate(&cfg, "Hello", Language::En, Voice::Fable)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, AiError::Unavailable(m) if m.contains("install")),
            "{err}"
        );
        assert!(check_espeak(&cfg).await.is_err());
    }
}
