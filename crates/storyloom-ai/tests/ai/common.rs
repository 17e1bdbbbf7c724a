//! Fixtures.

use chrono::Utc;
use storyloom_domain::{AvatarStatus, CustomEvent, EventCategory, EventTone, Hero, HeroTrait};
use uuid::Uuid;

pub fn hero(name: &str, age: i64) -> Hero {
    let now = Utc::now();
    Hero {
        id: storyloom_domain::HeroId(Uuid::now_v7()),
        name: name.into(),
        age,
        traits: vec![HeroTrait::Brave, HeroTrait::Kind],
        special_ability: Some("can talk to animals".into()),
        appearance: Some("curly hair and a yellow raincoat".into()),
        hair_color: Some("red".into()),
        eye_color: Some("green".into()),
        skin_tone: Some("light".into()),
        avatar_url: None,
        avatar_status: AvatarStatus::None,
        avatar_generation_id: None,
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

pub fn event(title: &str, seed: &str, keywords: &[&str]) -> CustomEvent {
    let now = Utc::now();
    CustomEvent {
        id: storyloom_domain::CustomEventId(Uuid::now_v7()),
        title: title.into(),
        description: String::new(),
        prompt_seed: seed.into(),
        category: EventCategory::General,
        age_range: None,
        tone: EventTone::Calming,
        pictogram_emoji: None,
        keywords: keywords.iter().map(|k| (*k).to_owned()).collect(),
        ai_enhanced: false,
        usage_count: 0,
        is_favorite: false,
        last_used_at: None,
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

/// Decode a PNG: (width, height, RGBA pixels).
pub fn decode_png(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgba);
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

/// Encode a tiny RGBA PNG (what a fake image API returns).
pub fn tiny_png() -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, 2, 2);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().unwrap();
        w.write_image_data(&[255; 16]).unwrap();
    }
    out
}
