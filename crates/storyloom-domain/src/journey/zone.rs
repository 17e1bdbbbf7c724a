//! IANA timezones: the zone a family's calendar days are counted in.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::validate::FieldErrors;

/// An IANA timezone (`Europe/Paris`, `America/Los_Angeles`, `UTC`), checked when parsed.
///
/// The zone database is compiled in (`chrono-tz`), so server and client agree on every
/// offset and daylight-saving change without reading the host's zone files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(value_type = String, example = "Europe/Paris"))]
pub struct Timezone(Tz);

/// A name that is not an IANA timezone.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown timezone {0:?}: use an IANA name such as \"Europe/Paris\" or \"UTC\"")]
pub struct UnknownTimezone(pub String);

impl UnknownTimezone {
    /// The request field an unknown zone is reported on, for a 400 that names it.
    pub const FIELD: &'static str = "timezone";

    /// As the field errors of a validation failure.
    pub fn field_errors(&self) -> FieldErrors {
        let mut f = FieldErrors::new();
        f.insert(Self::FIELD.into(), self.to_string());
        f
    }
}

impl Timezone {
    /// UTC, the default of a new profile.
    pub const UTC: Self = Self(Tz::UTC);

    /// The IANA name.
    pub fn name(self) -> &'static str {
        self.0.name()
    }

    /// `t` as a local time in this zone.
    pub fn local(self, t: DateTime<Utc>) -> DateTime<Tz> {
        t.with_timezone(&self.0)
    }
}

impl Default for Timezone {
    fn default() -> Self {
        Self::UTC
    }
}

impl std::str::FromStr for Timezone {
    type Err = UnknownTimezone;

    /// Exact IANA names only (case matters, as in the zone database), so a stored profile
    /// value always prints back as it was given.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse::<Tz>()
            .map(Self)
            .map_err(|_| UnknownTimezone(s.to_owned()))
    }
}

impl std::fmt::Display for Timezone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Timezone {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Timezone {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}
