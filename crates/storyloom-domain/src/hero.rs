//! Heroes: the child's character that stories are written about.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::HeroId;

use crate::story::Voice;
use crate::validate::{Checker, FieldErrors, Lines, Validate};

/// Personality traits a hero can have (API.md's list).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub enum HeroTrait {
    Brave,
    Curious,
    Kind,
    Funny,
    Clever,
    Creative,
    Adventurous,
    Gentle,
    Helpful,
    Caring,
    Patient,
    Energetic,
    Shy,
    Imaginative,
    Determined,
    Honest,
    Playful,
    Calm,
}

impl HeroTrait {
    /// Every trait, in API.md's order.
    pub const ALL: [HeroTrait; 18] = [
        Self::Brave,
        Self::Curious,
        Self::Kind,
        Self::Funny,
        Self::Clever,
        Self::Creative,
        Self::Adventurous,
        Self::Gentle,
        Self::Helpful,
        Self::Caring,
        Self::Patient,
        Self::Energetic,
        Self::Shy,
        Self::Imaginative,
        Self::Determined,
        Self::Honest,
        Self::Playful,
        Self::Calm,
    ];
}

/// Where the hero's avatar picture is in its making.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub enum AvatarStatus {
    #[default]
    None,
    Pending,
    Processing,
    Completed,
    Failed,
}

/// `POST /api/heroes` body.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct HeroCreate {
    /// Client-made id, so an offline-created hero keeps it and a retried create is idempotent.
    #[serde(default)]
    pub id: Option<HeroId>,
    /// 1–50 characters.
    pub name: String,
    /// 1–17.
    pub age: i64,
    /// 1–10 distinct traits.
    pub traits: Vec<HeroTrait>,
    /// ≤ 200 characters.
    #[serde(default)]
    pub special_ability: Option<String>,
    /// ≤ 500 characters.
    #[serde(default)]
    pub appearance: Option<String>,
    /// ≤ 50 characters.
    #[serde(default)]
    pub hair_color: Option<String>,
    /// ≤ 50 characters.
    #[serde(default)]
    pub eye_color: Option<String>,
    /// ≤ 50 characters.
    #[serde(default)]
    pub skin_tone: Option<String>,
}

/// `PATCH /api/heroes/{id}` body: any subset; `null` clears an optional field.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct HeroUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traits: Option<Vec<HeroTrait>>,
    #[serde(
        default,
        deserialize_with = "crate::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub special_ability: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "crate::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub appearance: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "crate::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub hair_color: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "crate::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub eye_color: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "crate::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub skin_tone: Option<Option<String>>,
}

/// `POST /api/heroes/{id}/avatar` body.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AvatarRequest {
    /// Extra description for the picture (≤ 500 characters).
    #[serde(default)]
    pub prompt: Option<String>,
}

/// A hero as the API returns it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct Hero {
    pub id: HeroId,
    pub name: String,
    pub age: i64,
    pub traits: Vec<HeroTrait>,
    pub special_ability: Option<String>,
    pub appearance: Option<String>,
    pub hair_color: Option<String>,
    pub eye_color: Option<String>,
    pub skin_tone: Option<String>,
    pub avatar_url: Option<String>,
    pub avatar_status: AvatarStatus,
    pub avatar_generation_id: Option<String>,
    /// Position in the owner's change sequence; bumps on every write.
    pub version: i64,
    #[serde(with = "crate::time::millis")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "crate::time::millis")]
    pub updated_at: DateTime<Utc>,
}

/// Soft narration voices, for heroes whose traits lean calm (OpenAI's quieter voices).
pub const SOFT_VOICES: [Voice; 2] = [Voice::Shimmer, Voice::Sage];
/// Lively narration voices, for heroes whose traits lean energetic.
pub const LIVELY_VOICES: [Voice; 2] = [Voice::Nova, Voice::Coral];

impl Hero {
    /// The narration voice that fits this hero when nobody picked one: calm, gentle,
    /// patient, shy and caring traits lean soft; energetic, adventurous, playful, funny and
    /// brave lean lively (calm, gentle, energetic and adventurous count double, being the
    /// clearest). A soft lean picks from [`SOFT_VOICES`], a lively one from
    /// [`LIVELY_VOICES`], by the hero's id so the same hero always sounds the same; `None`
    /// when the traits lean neither way (the caller then uses the profile's voice).
    pub fn fitting_voice(&self) -> Option<Voice> {
        let lean: i32 = self
            .traits
            .iter()
            .map(|t| match t {
                HeroTrait::Calm | HeroTrait::Gentle => -2,
                HeroTrait::Patient | HeroTrait::Shy | HeroTrait::Caring => -1,
                HeroTrait::Energetic | HeroTrait::Adventurous => 2,
                HeroTrait::Playful | HeroTrait::Funny | HeroTrait::Brave => 1,
                _ => 0,
            })
            .sum();
        let pick = (self.id.uuid().as_u128() % 2) as usize;
        match lean.signum() {
            -1 => Some(SOFT_VOICES[pick]),
            1 => Some(LIVELY_VOICES[pick]),
            _ => None,
        }
    }
}

fn check_traits(c: &mut Checker, traits: &[HeroTrait]) {
    if traits.is_empty() {
        c.error("traits", "pick at least one trait");
    } else if traits.len() > 10 {
        c.error("traits", "pick at most 10 traits");
    } else {
        let mut seen = traits.to_vec();
        seen.sort();
        seen.dedup();
        if seen.len() != traits.len() {
            c.error("traits", "each trait may be picked only once");
        }
    }
}

fn check_looks(c: &mut Checker, field: &str, v: Option<&str>) {
    c.opt_text(field, v, 50, Lines::Single);
}

impl Validate for HeroCreate {
    fn validate(&self) -> Result<(), FieldErrors> {
        let mut c = Checker::new();
        c.text("name", &self.name, 1, 50, Lines::Single);
        c.range("age", self.age, 1, 17);
        check_traits(&mut c, &self.traits);
        c.opt_text(
            "specialAbility",
            self.special_ability.as_deref(),
            200,
            Lines::Multi,
        );
        c.opt_text("appearance", self.appearance.as_deref(), 500, Lines::Multi);
        check_looks(&mut c, "hairColor", self.hair_color.as_deref());
        check_looks(&mut c, "eyeColor", self.eye_color.as_deref());
        check_looks(&mut c, "skinTone", self.skin_tone.as_deref());
        c.finish()
    }
}

impl Validate for HeroUpdate {
    fn validate(&self) -> Result<(), FieldErrors> {
        let mut c = Checker::new();
        if let Some(name) = &self.name {
            c.text("name", name, 1, 50, Lines::Single);
        }
        if let Some(age) = self.age {
            c.range("age", age, 1, 17);
        }
        if let Some(t) = &self.traits {
            check_traits(&mut c, t);
        }
        let flat =
            |o: &Option<Option<String>>| o.as_ref().and_then(|v| v.as_deref().map(str::to_owned));
        c.opt_text(
            "specialAbility",
            flat(&self.special_ability).as_deref(),
            200,
            Lines::Multi,
        );
        c.opt_text(
            "appearance",
            flat(&self.appearance).as_deref(),
            500,
            Lines::Multi,
        );
        check_looks(&mut c, "hairColor", flat(&self.hair_color).as_deref());
        check_looks(&mut c, "eyeColor", flat(&self.eye_color).as_deref());
        check_looks(&mut c, "skinTone", flat(&self.skin_tone).as_deref());
        c.finish()
    }
}

impl Validate for AvatarRequest {
    fn validate(&self) -> Result<(), FieldErrors> {
        let mut c = Checker::new();
        c.opt_text("prompt", self.prompt.as_deref(), 500, Lines::Multi);
        c.finish()
    }
}

impl HeroCreate {
    /// The hero this body creates as `id` at `version`, before any avatar: what the server
    /// stores and answers, and what the app shows before the server has answered.
    pub fn to_hero(&self, id: HeroId, version: i64, at: DateTime<Utc>) -> Hero {
        Hero {
            id,
            name: self.name.clone(),
            age: self.age,
            traits: self.traits.clone(),
            special_ability: self.special_ability.clone(),
            appearance: self.appearance.clone(),
            hair_color: self.hair_color.clone(),
            eye_color: self.eye_color.clone(),
            skin_tone: self.skin_tone.clone(),
            avatar_url: None,
            avatar_status: AvatarStatus::None,
            avatar_generation_id: None,
            version,
            created_at: at,
            updated_at: at,
        }
    }

    /// Whether `hero` holds exactly what this body asks for: a retried create with the same
    /// id and body is answered with the existing hero, a different body with `ID_CONFLICT`.
    pub fn same_content(&self, hero: &Hero) -> bool {
        hero.name == self.name
            && hero.age == self.age
            && hero.traits == self.traits
            && hero.special_ability == self.special_ability
            && hero.appearance == self.appearance
            && hero.hair_color == self.hair_color
            && hero.eye_color == self.eye_color
            && hero.skin_tone == self.skin_tone
    }
}

#[cfg(test)]
mod voice_tests {
    use super::*;

    fn hero(id: u128, traits: Vec<HeroTrait>) -> Hero {
        let t = DateTime::<Utc>::default();
        Hero {
            id: HeroId(uuid::Uuid::from_u128(id)),
            name: "Mo".into(),
            age: 6,
            traits,
            special_ability: None,
            appearance: None,
            hair_color: None,
            eye_color: None,
            skin_tone: None,
            avatar_url: None,
            avatar_status: AvatarStatus::None,
            avatar_generation_id: None,
            version: 1,
            created_at: t,
            updated_at: t,
        }
    }

    #[test]
    fn traits_pick_a_soft_or_lively_voice_the_same_each_time() {
        for id in 0..8 {
            let calm = hero(
                id,
                vec![HeroTrait::Calm, HeroTrait::Gentle, HeroTrait::Funny],
            );
            let v = calm.fitting_voice().unwrap();
            assert!(SOFT_VOICES.contains(&v), "{v:?}");
            assert_eq!(calm.fitting_voice(), Some(v), "deterministic");
            let lively = hero(id, vec![HeroTrait::Energetic, HeroTrait::Adventurous]);
            assert!(LIVELY_VOICES.contains(&lively.fitting_voice().unwrap()));
            // Neither way: the caller's (profile) voice applies.
            let even = hero(
                id,
                vec![HeroTrait::Calm, HeroTrait::Energetic, HeroTrait::Clever],
            );
            assert_eq!(even.fitting_voice(), None);
        }
        // Both voices of a kind are used across heroes.
        let picked: std::collections::HashSet<_> = (0..8)
            .filter_map(|id| hero(id, vec![HeroTrait::Gentle]).fitting_voice())
            .collect();
        assert_eq!(picked.len(), 2);
    }
}
