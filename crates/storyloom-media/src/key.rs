//! Media keys: `users/{userId}/{kind}/{id}.{ext}`. The user id is the first segment so that an
//! account's media is one prefix (deleted in one sweep) and so the media endpoint can refuse any
//! key that is not exactly this shape (no `..`, no other prefixes).

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

use crate::MediaError;

/// What a blob is; decides its folder, extension and content type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaKind {
    /// A hero's portrait (PNG).
    Avatar,
    /// A story's narration (MP3).
    Audio,
    /// One illustration of a story (PNG).
    Illustration,
}

impl MediaKind {
    /// The folder name in the key.
    pub fn folder(self) -> &'static str {
        match self {
            Self::Avatar => "avatars",
            Self::Audio => "audio",
            Self::Illustration => "illustrations",
        }
    }

    /// The file extension.
    pub fn ext(self) -> &'static str {
        match self {
            Self::Audio => "mp3",
            Self::Avatar | Self::Illustration => "png",
        }
    }

    /// The `Content-Type` served.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Audio => "audio/mpeg",
            Self::Avatar | Self::Illustration => "image/png",
        }
    }

    fn from_folder(s: &str) -> Option<Self> {
        Some(match s {
            "avatars" => Self::Avatar,
            "audio" => Self::Audio,
            "illustrations" => Self::Illustration,
            _ => return None,
        })
    }
}

/// A parsed media key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MediaKey {
    /// Whose media it is.
    pub user: Uuid,
    /// What it is.
    pub kind: MediaKind,
    /// The blob's own id (a fresh UUID per generation, so a new picture never reuses the
    /// URL — and thus never the cache entry — of the old one).
    pub id: Uuid,
}

impl MediaKey {
    /// A key for a new blob of `kind` owned by `user`.
    pub fn new(user: Uuid, kind: MediaKind, id: Uuid) -> Self {
        Self { user, kind, id }
    }

    /// The `Content-Type` of the blob.
    pub fn content_type(&self) -> &'static str {
        self.kind.content_type()
    }
}

impl fmt::Display for MediaKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "users/{}/{}/{}.{}",
            self.user,
            self.kind.folder(),
            self.id,
            self.kind.ext()
        )
    }
}

impl FromStr for MediaKey {
    type Err = MediaError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || MediaError::InvalidKey(s.chars().take(200).collect());
        let mut parts = s.split('/');
        let (Some("users"), Some(user), Some(folder), Some(file), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(bad());
        };
        let kind = MediaKind::from_folder(folder).ok_or_else(bad)?;
        let (id, ext) = file.split_once('.').ok_or_else(bad)?;
        if ext != kind.ext() {
            return Err(bad());
        }
        let user = Uuid::parse_str(user).map_err(|_| bad())?;
        let id = Uuid::parse_str(id).map_err(|_| bad())?;
        // Only the canonical hyphenated lowercase form, so one blob has exactly one key.
        let key = Self { user, kind, id };
        if key.to_string() != s {
            return Err(bad());
        }
        Ok(key)
    }
}

/// The prefix holding all of `user`'s media.
pub fn user_prefix(user: Uuid) -> String {
    format!("users/{user}/")
}

/// The content type for a key's extension (`application/octet-stream` when unknown).
pub fn content_type_for(key: &str) -> &'static str {
    match key.rsplit_once('.').map(|(_, e)| e) {
        Some("mp3") => "audio/mpeg",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        let u = Uuid::now_v7();
        for kind in [MediaKind::Avatar, MediaKind::Audio, MediaKind::Illustration] {
            let k = MediaKey::new(u, kind, Uuid::now_v7());
            let s = k.to_string();
            assert!(s.starts_with(&user_prefix(u)));
            assert_eq!(s.parse::<MediaKey>().unwrap(), k);
            assert_eq!(content_type_for(&s), kind.content_type());
        }
    }

    #[test]
    fn odd_keys_are_refused() {
        let u = Uuid::now_v7();
        let id = Uuid::now_v7();
        for s in [
            String::new(),
            format!("users/{u}/audio/{id}.png"),
            format!("users/{u}/audio/{id}.mp3/x"),
            format!("users/{u}/../{id}.mp3"),
            format!("users/{u}/secrets/{id}.mp3"),
            format!("other/{u}/audio/{id}.mp3"),
            format!("users/{}/audio/{id}.mp3", u.to_string().to_uppercase()),
            format!("users/{u}/audio/{}.mp3", id.simple()),
            format!("/users/{u}/audio/{id}.mp3"),
            "users/x/audio/y.mp3".to_owned(),
        ] {
            assert!(s.parse::<MediaKey>().is_err(), "{s} was accepted");
        }
    }
}
