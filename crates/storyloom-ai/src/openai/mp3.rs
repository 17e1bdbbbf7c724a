//! Just enough MP3 parsing to know how long a file plays: OpenAI's speech endpoint returns bare
//! MP3 bytes without a duration, and the app needs one to place illustrations on the timeline.
//!
//! Each MPEG audio frame starts with a 4-byte header giving its version, layer, bitrate,
//! sample rate and padding, from which its length in bytes and in samples follow. We skip an
//! ID3v2 tag, walk the frames, and ignore a leading Xing/Info (VBR header) frame, which holds
//! no audio.

/// Frames and playing time of an MP3 stream.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mp3Info {
    /// Audio frames found.
    pub frames: u32,
    /// Playing time in seconds.
    pub duration_seconds: f64,
}

#[derive(Debug, Clone, Copy)]
struct Header {
    len: usize,
    samples: u32,
    sample_rate: u32,
    side_info: usize,
}

/// Kbit/s by [version-group][layer][index]: group 0 = MPEG-1, 1 = MPEG-2/2.5; layer 0 = I.
const BITRATES: [[[u16; 16]; 3]; 2] = [
    [
        [
            0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448, 0,
        ],
        [
            0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 0,
        ],
        [
            0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0,
        ],
    ],
    [
        [
            0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256, 0,
        ],
        [
            0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0,
        ],
        [
            0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0,
        ],
    ],
];

fn header(b: &[u8]) -> Option<Header> {
    if b.len() < 4 || b[0] != 0xFF || b[1] & 0xE0 != 0xE0 {
        return None;
    }
    let version = (b[1] >> 3) & 0b11; // 0 = 2.5, 2 = 2, 3 = 1
    let layer_bits = (b[1] >> 1) & 0b11; // 1 = III, 2 = II, 3 = I
    let bitrate_index = (b[2] >> 4) as usize;
    let rate_index = ((b[2] >> 2) & 0b11) as usize;
    let padding = usize::from((b[2] >> 1) & 1);
    let mono = (b[3] >> 6) == 0b11;
    if version == 1
        || layer_bits == 0
        || bitrate_index == 0
        || bitrate_index == 15
        || rate_index == 3
    {
        return None;
    }
    let mpeg1 = version == 3;
    let layer = match layer_bits {
        3 => 0, // I
        2 => 1, // II
        _ => 2, // III
    };
    let kbps = u32::from(BITRATES[usize::from(!mpeg1)][layer][bitrate_index]);
    let base = [44_100, 48_000, 32_000][rate_index];
    let sample_rate = match version {
        3 => base,
        2 => base / 2,
        _ => base / 4,
    };
    let bitrate = kbps * 1000;
    let (len, samples) = match layer {
        0 => (((12 * bitrate / sample_rate) as usize + padding) * 4, 384),
        1 => ((144 * bitrate / sample_rate) as usize + padding, 1152),
        _ if mpeg1 => ((144 * bitrate / sample_rate) as usize + padding, 1152),
        _ => ((72 * bitrate / sample_rate) as usize + padding, 576),
    };
    let side_info = match (mpeg1, mono) {
        (true, true) => 17,
        (true, false) => 32,
        (false, true) => 9,
        (false, false) => 17,
    };
    Some(Header {
        len,
        samples,
        sample_rate,
        side_info,
    })
}

/// Size of a leading ID3v2 tag (header + body + optional footer), or 0.
fn id3_len(b: &[u8]) -> usize {
    if b.len() < 10 || &b[0..3] != b"ID3" {
        return 0;
    }
    let size = b[6..10]
        .iter()
        .fold(0usize, |acc, x| (acc << 7) | usize::from(x & 0x7F));
    let footer = if b[5] & 0x10 != 0 { 10 } else { 0 };
    10 + size + footer
}

/// Count the frames of `bytes` and their playing time. `None` if no frame is found.
pub fn parse(bytes: &[u8]) -> Option<Mp3Info> {
    let mut pos = id3_len(bytes);
    let mut frames = 0u32;
    let mut seconds = 0.0f64;
    let mut first = true;
    while pos + 4 <= bytes.len() {
        match header(&bytes[pos..]) {
            Some(h) if h.len >= 4 && pos + h.len <= bytes.len() + 4 => {
                let body = &bytes[pos + 4..(pos + h.len).min(bytes.len())];
                let tag = body.get(h.side_info..h.side_info + 4);
                let is_vbr_header = first && matches!(tag, Some(b"Xing") | Some(b"Info"));
                if !is_vbr_header {
                    frames += 1;
                    seconds += f64::from(h.samples) / f64::from(h.sample_rate);
                }
                first = false;
                pos += h.len;
            }
            // Not a frame here (garbage, a trailing ID3v1 tag): resynchronise byte by byte.
            _ => pos += 1,
        }
    }
    (frames > 0).then_some(Mp3Info {
        frames,
        duration_seconds: seconds,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One MPEG-1 Layer III frame, 128 kbit/s, 44.1 kHz, no padding: 417 bytes, 1152 samples.
    fn frame() -> Vec<u8> {
        let mut f = vec![0xFF, 0xFB, 0x90, 0x64];
        f.resize(417, 0);
        f
    }

    #[test]
    fn counts_frames_and_duration() {
        let bytes: Vec<u8> = (0..100).flat_map(|_| frame()).collect();
        let info = parse(&bytes).unwrap();
        assert_eq!(info.frames, 100);
        assert!((info.duration_seconds - 100.0 * 1152.0 / 44_100.0).abs() < 1e-9);
    }

    #[test]
    fn skips_id3_and_xing_and_garbage() {
        let mut bytes = b"ID3\x04\x00\x00\x00\x00\x00\x05hello".to_vec();
        let mut xing = frame();
        xing[4 + 32..4 + 36].copy_from_slice(b"Info");
        bytes.extend(xing);
        bytes.extend(frame());
        bytes.extend([1, 2, 3]);
        bytes.extend(frame());
        assert_eq!(parse(&bytes).unwrap().frames, 2);
        assert!(parse(b"{\"error\": \"not audio\"}").is_none());
    }

    #[test]
    fn mpeg2_frames_hold_576_samples() {
        // MPEG-2 Layer III, 64 kbit/s, 22.05 kHz: 72 * 64000 / 22050 = 208 bytes.
        let mut f = vec![0xFF, 0xF3, 0x80, 0xC4];
        f.resize(208, 0);
        let bytes: Vec<u8> = (0..10).flat_map(|_| f.clone()).collect();
        let info = parse(&bytes).unwrap();
        assert_eq!(info.frames, 10);
        assert!((info.duration_seconds - 10.0 * 576.0 / 22_050.0).abs() < 1e-9);
    }
}
