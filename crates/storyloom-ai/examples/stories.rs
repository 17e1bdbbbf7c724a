//! Prints one built-in story per language for the same hero and occasion: the source of
//! `docs/STORIES.md`. Run with `cargo run -p storyloom-ai --example stories [event] [length]`
//! (`bedtime` and the hero's default length unless given).

use chrono::{TimeZone, Utc};
use storyloom_ai::builtin;
use storyloom_ai::{Occasion, StoryRequest};
use storyloom_domain::{AvatarStatus, EventType, Hero, HeroTrait, Language, StoryLength};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let event = std::env::args()
        .nth(1)
        .and_then(|e| EventType::from_name(&e))
        .unwrap_or(EventType::Bedtime);
    let length = std::env::args()
        .nth(2)
        .and_then(|l| StoryLength::from_name(&l));
    let at = Utc
        .timestamp_millis_opt(1_764_547_200_000)
        .single()
        .unwrap_or_default();
    // Abilities are the family's own words, so each language gets its own.
    let abilities = [
        (Language::En, "talks to owls"),
        (Language::Fr, "parle aux hiboux"),
        (Language::Es, "habla con los búhos"),
        (Language::De, "spricht mit Eulen"),
        (Language::It, "parla con i gufi"),
    ];
    for (language, ability) in abilities {
        let hero = Hero {
            id: storyloom_domain::HeroId(uuid::Uuid::from_u128(
                0x0193_0000_0000_7000_8000_0000_0000_0019,
            )),
            name: "Maya".into(),
            age: 6,
            traits: vec![HeroTrait::Curious, HeroTrait::Gentle],
            special_ability: Some(ability.into()),
            appearance: None,
            hair_color: None,
            eye_color: None,
            skin_tone: None,
            avatar_url: None,
            avatar_status: AvatarStatus::None,
            avatar_generation_id: None,
            version: 1,
            created_at: at,
            updated_at: at,
        };
        let c = builtin::compose(&StoryRequest {
            hero,
            occasion: Occasion::Builtin(event),
            language,
            seed: Some(19),
            length,
            story_number: Some(0),
        })?;
        println!("## {} ({})\n", language.code(), c.text.title);
        println!("{}\n", c.text.content);
    }
    Ok(())
}
