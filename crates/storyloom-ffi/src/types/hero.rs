//! Heroes.

use super::*;

/// A hero as the app shows it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Hero {
    /// Id (made on the device for heroes created here; kept by the server).
    pub id: String,
    /// Name.
    pub name: String,
    /// Age in years.
    pub age: i64,
    /// Personality traits.
    pub traits: Vec<HeroTrait>,
    /// Special ability.
    pub special_ability: Option<String>,
    /// Free-text looks.
    pub appearance: Option<String>,
    /// Hair colour.
    pub hair_color: Option<String>,
    /// Eye colour.
    pub eye_color: Option<String>,
    /// Skin tone.
    pub skin_tone: Option<String>,
    /// The avatar picture (fetch it through `MediaCache.fetch`).
    pub avatar_url: Option<String>,
    /// Where the avatar is in its making.
    pub avatar_status: AvatarStatus,
    /// Server version (0 until the first sync).
    pub version: i64,
    /// Created.
    pub created_at: SystemTime,
    /// Last changed.
    pub updated_at: SystemTime,
}

impl From<d::Hero> for Hero {
    fn from(h: d::Hero) -> Self {
        Self {
            id: h.id.to_string(),
            name: h.name,
            age: h.age,
            traits: h.traits.into_iter().map(Into::into).collect(),
            special_ability: h.special_ability,
            appearance: h.appearance,
            hair_color: h.hair_color,
            eye_color: h.eye_color,
            skin_tone: h.skin_tone,
            avatar_url: h.avatar_url,
            avatar_status: h.avatar_status.into(),
            version: h.version,
            created_at: h.created_at.into(),
            updated_at: h.updated_at.into(),
        }
    }
}

/// A new hero. Name 1–50 characters, age 1–17, 1–10 distinct traits.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NewHero {
    /// Name.
    pub name: String,
    /// Age in years.
    pub age: i64,
    /// Personality traits.
    pub traits: Vec<HeroTrait>,
    /// Special ability (≤ 200 characters).
    #[uniffi(default)]
    pub special_ability: Option<String>,
    /// Free-text looks (≤ 500 characters).
    #[uniffi(default)]
    pub appearance: Option<String>,
    /// Hair colour.
    #[uniffi(default)]
    pub hair_color: Option<String>,
    /// Eye colour.
    #[uniffi(default)]
    pub eye_color: Option<String>,
    /// Skin tone.
    #[uniffi(default)]
    pub skin_tone: Option<String>,
}

impl From<NewHero> for d::HeroCreate {
    fn from(h: NewHero) -> Self {
        Self {
            id: None,
            name: h.name,
            age: h.age,
            traits: h.traits.into_iter().map(Into::into).collect(),
            special_ability: non_empty(h.special_ability),
            appearance: non_empty(h.appearance),
            hair_color: non_empty(h.hair_color),
            eye_color: non_empty(h.eye_color),
            skin_tone: non_empty(h.skin_tone),
        }
    }
}

/// An edit of a hero: `None` leaves a field as it is; for the optional text fields an
/// empty string clears them.
#[derive(Debug, Clone, Default, PartialEq, uniffi::Record)]
pub struct HeroPatch {
    /// New name.
    #[uniffi(default)]
    pub name: Option<String>,
    /// New age.
    #[uniffi(default)]
    pub age: Option<i64>,
    /// New traits.
    #[uniffi(default)]
    pub traits: Option<Vec<HeroTrait>>,
    /// New special ability (`""` clears).
    #[uniffi(default)]
    pub special_ability: Option<String>,
    /// New looks (`""` clears).
    #[uniffi(default)]
    pub appearance: Option<String>,
    /// New hair colour (`""` clears).
    #[uniffi(default)]
    pub hair_color: Option<String>,
    /// New eye colour (`""` clears).
    #[uniffi(default)]
    pub eye_color: Option<String>,
    /// New skin tone (`""` clears).
    #[uniffi(default)]
    pub skin_tone: Option<String>,
}

impl From<HeroPatch> for d::HeroUpdate {
    fn from(p: HeroPatch) -> Self {
        Self {
            name: p.name,
            age: p.age,
            traits: p.traits.map(|t| t.into_iter().map(Into::into).collect()),
            special_ability: clearable(p.special_ability),
            appearance: clearable(p.appearance),
            hair_color: clearable(p.hair_color),
            eye_color: clearable(p.eye_color),
            skin_tone: clearable(p.skin_tone),
        }
    }
}
