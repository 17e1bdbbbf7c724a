//! `Range: bytes=…` for audio seeking. AVPlayer asks for `bytes=0-1` first and then for
//! chunks; only single ranges are served (a multi-range request gets the whole blob, which
//! RFC 9110 allows).

use std::ops::Range;

/// A satisfiable byte range of a blob: `start..end` (end exclusive) of `size` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    /// First byte.
    pub start: u64,
    /// One past the last byte.
    pub end: u64,
    /// The whole blob's size.
    pub size: u64,
}

impl ByteRange {
    /// As a `Range`.
    pub fn range(&self) -> Range<u64> {
        self.start..self.end
    }

    /// The `Content-Range` header value.
    pub fn content_range(&self) -> String {
        format!("bytes {}-{}/{}", self.start, self.end - 1, self.size)
    }
}

/// The header asked for bytes the blob does not have: answer 416 with `bytes */{size}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RangeError {
    /// The blob's size.
    pub size: u64,
}

/// Parse a `Range` header against a blob of `size` bytes. `Ok(None)` means "serve it all"
/// (no header, a unit other than bytes, several ranges, or unparsable syntax, which RFC 9110
/// says to ignore); `Err` means the range cannot be satisfied.
pub fn parse_range(header: Option<&str>, size: u64) -> Result<Option<ByteRange>, RangeError> {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return Ok(None);
    };
    let (first, last) = (first.trim(), last.trim());
    let unsatisfiable = Err(RangeError { size });
    if first.is_empty() {
        // Suffix: the last N bytes.
        let Ok(n) = last.parse::<u64>() else {
            return Ok(None);
        };
        if n == 0 || size == 0 {
            return unsatisfiable;
        }
        let n = n.min(size);
        return Ok(Some(ByteRange {
            start: size - n,
            end: size,
            size,
        }));
    }
    let Ok(start) = first.parse::<u64>() else {
        return Ok(None);
    };
    let end = if last.is_empty() {
        size
    } else {
        let Ok(last) = last.parse::<u64>() else {
            return Ok(None);
        };
        if last < start {
            return Ok(None);
        }
        last.saturating_add(1).min(size)
    };
    if start >= size {
        return unsatisfiable;
    }
    Ok(Some(ByteRange { start, end, size }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(start: u64, end: u64, size: u64) -> Result<Option<ByteRange>, RangeError> {
        Ok(Some(ByteRange { start, end, size }))
    }

    #[test]
    fn ranges() {
        assert_eq!(parse_range(None, 10), Ok(None));
        assert_eq!(parse_range(Some("bytes=0-1"), 10), r(0, 2, 10));
        assert_eq!(parse_range(Some("bytes=2-"), 10), r(2, 10, 10));
        assert_eq!(parse_range(Some("bytes=-3"), 10), r(7, 10, 10));
        assert_eq!(parse_range(Some("bytes=-30"), 10), r(0, 10, 10));
        assert_eq!(parse_range(Some("bytes=5-100"), 10), r(5, 10, 10));
        assert_eq!(
            parse_range(Some("bytes=10-"), 10),
            Err(RangeError { size: 10 })
        );
        assert_eq!(
            parse_range(Some("bytes=-0"), 10),
            Err(RangeError { size: 10 })
        );
        assert_eq!(parse_range(Some("bytes=0-1,4-5"), 10), Ok(None));
        assert_eq!(parse_range(Some("items=0-1"), 10), Ok(None));
        assert_eq!(parse_range(Some("bytes=5-2"), 10), Ok(None));
        assert_eq!(parse_range(Some("bytes=a-b"), 10), Ok(None));
        assert_eq!(
            ByteRange {
                start: 0,
                end: 2,
                size: 10
            }
            .content_range(),
            "bytes 0-1/10"
        );
    }
}
