//! Property tests of every request DTO: any JSON either fails to parse or parses into a value
//! whose validation does not panic; valid values survive a JSON round trip unchanged and stay
//! valid; and the hero rules agree with an independent statement of API.md's limits.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use serde::{Serialize, de::DeserializeOwned};
use serde_json::{Value, json};
use storyloom_domain::validate::Validate;
use storyloom_domain::{
    AvatarRequest, CustomEventCreate, CustomEventUpdate, HeroCreate, HeroTrait, HeroUpdate,
    PlayRequest, ProfileUpdate, PushRequest, SignIn, SignUp, StoryCreate, StoryUpdate,
};

/// Text that often hits the edges: empty, blank, long, control and bidi characters, emoji.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,60}",
        "[a-zA-Z ]{0,80}",
        Just(String::new()),
        Just("   ".to_owned()),
        Just("x".repeat(51)),
        Just("Léa 🦉".to_owned()),
        Just("a\u{202E}b".to_owned()),
        Just("a\0b".to_owned()),
        Just("\u{200B}\u{200D}".to_owned()),
        Just("line\nbreak".to_owned()),
        "\\PC{0,300}",
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1e9f64..1e9).prop_map(Value::from),
        text().prop_map(Value::from),
        Just(json!("brave")),
        Just(json!("en")),
        Just(json!("bedtime")),
        Just(json!("0192f0a0-0000-7000-8000-000000000001")),
    ];
    leaf.prop_recursive(3, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::hash_map(
                prop_oneof![
                    "[a-zA-Z]{1,16}",
                    Just("name".to_owned()),
                    Just("age".to_owned()),
                    Just("traits".to_owned()),
                    Just("heroId".to_owned()),
                    Just("language".to_owned()),
                    Just("title".to_owned()),
                    Just("content".to_owned()),
                    Just("mutations".to_owned()),
                ],
                inner,
                0..8
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Parse, validate, and for valid values check the round trip.
fn holds<T>(v: &Value) -> Result<(), TestCaseError>
where
    T: DeserializeOwned + Serialize + Validate + PartialEq + std::fmt::Debug,
{
    let Ok(parsed) = serde_json::from_value::<T>(v.clone()) else {
        return Ok(());
    };
    if parsed.validate().is_ok() {
        let again: T = serde_json::from_value(serde_json::to_value(&parsed).unwrap()).unwrap();
        prop_assert_eq!(&again, &parsed);
        prop_assert!(again.validate().is_ok());
    }
    Ok(())
}

fn odd(c: char, multiline: bool) -> bool {
    match c {
        '\n' | '\r' | '\t' => !multiline,
        c if c.is_control() => true,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FDD0}'..='\u{FDEF}' => true,
        c => (c as u32) & 0xFFFE == 0xFFFE,
    }
}

/// Text made only of spaces and invisible characters, with at least one invisible one.
fn invisible_only(s: &str) -> bool {
    use storyloom_domain::validate::is_invisible;
    s.chars().any(is_invisible) && s.chars().all(|c| c.is_whitespace() || is_invisible(c))
}

fn name_ok(s: &str) -> bool {
    !s.chars().any(|c| odd(c, false))
        && !s.trim().is_empty()
        && !invisible_only(s)
        && s.chars().count() <= 50
}

const TRAITS: [HeroTrait; 6] = [
    HeroTrait::Brave,
    HeroTrait::Curious,
    HeroTrait::Kind,
    HeroTrait::Funny,
    HeroTrait::Clever,
    HeroTrait::Creative,
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn any_json_is_parsed_or_refused_never_panics(v in json_value()) {
        holds::<HeroCreate>(&v)?;
        holds::<HeroUpdate>(&v)?;
        holds::<StoryCreate>(&v)?;
        holds::<StoryUpdate>(&v)?;
        holds::<CustomEventCreate>(&v)?;
        holds::<CustomEventUpdate>(&v)?;
        holds::<PlayRequest>(&v)?;
        holds::<AvatarRequest>(&v)?;
        holds::<SignUp>(&v)?;
        holds::<SignIn>(&v)?;
        holds::<ProfileUpdate>(&v)?;
        holds::<PushRequest>(&v)?;
    }

    #[test]
    fn hero_rules_match_the_contract(
        name in text(),
        age in -3i64..25,
        traits in prop::collection::vec(0usize..TRAITS.len(), 0..12),
        ability in proptest::option::of(text()),
    ) {
        let traits: Vec<HeroTrait> = traits.into_iter().map(|i| TRAITS[i]).collect();
        let body = json!({"name": name, "age": age, "traits": traits, "specialAbility": ability});
        let hero: HeroCreate = serde_json::from_value(body).unwrap();
        let mut unique = traits.clone();
        unique.sort();
        unique.dedup();
        let ability_ok = ability.as_deref().is_none_or(|a| {
            !a.chars().any(|c| odd(c, true)) && !invisible_only(a) && a.chars().count() <= 200
        });
        let expect_ok = name_ok(&name)
            && (1..=17).contains(&age)
            && (1..=10).contains(&traits.len())
            && unique.len() == traits.len()
            && ability_ok;
        let verdict = hero.validate();
        prop_assert_eq!(verdict.is_ok(), expect_ok, "{:?}", verdict);
        if let Err(fields) = verdict {
            // Every complaint names a field and says something.
            let v = serde_json::to_value(&fields).unwrap();
            for (field, msg) in v.as_object().unwrap() {
                prop_assert!(["name", "age", "traits", "specialAbility"].contains(&field.as_str()));
                prop_assert!(!msg.as_str().unwrap().is_empty());
            }
        }
    }
}
