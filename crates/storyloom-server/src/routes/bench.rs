//! `GET /api/bench/limit`, only with `STORYLOOM_BENCH_LIMIT_ENDPOINT=true`: the same stack of
//! layers as every route, then a fixed answer the size of a 20-hero list. The benchmarks
//! report every endpoint as a fraction of its throughput.

use std::sync::OnceLock;

use axum::{Router, http::header, response::IntoResponse, routing::get};
use storyloom_domain::{AvatarStatus, Envelope, Hero, HeroId, HeroTrait, Pagination, time};

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/bench/limit", get(limit))
}

/// A list of 20 heroes shaped like the ones the benchmark creates.
fn body() -> &'static [u8] {
    static BODY: OnceLock<Vec<u8>> = OnceLock::new();
    BODY.get_or_init(|| {
        let now = time::now();
        let heroes: Vec<Hero> = (0..20)
            .map(|i| Hero {
                id: HeroId::new(),
                name: format!("Bench hero {i}"),
                age: 6,
                traits: vec![HeroTrait::Brave, HeroTrait::Kind, HeroTrait::Curious],
                special_ability: Some("can talk to the moon and make the stars dance".into()),
                appearance: Some("curly hair, a yellow raincoat and green boots".into()),
                hair_color: Some("brown".into()),
                eye_color: Some("green".into()),
                skin_tone: Some("light".into()),
                avatar_url: None,
                avatar_status: AvatarStatus::None,
                avatar_generation_id: None,
                version: 1000 + i,
                created_at: now,
                updated_at: now,
            })
            .collect();
        serde_json::to_vec(&Envelope::page(heroes, Pagination::new(20, 20, 0))).unwrap_or_default()
    })
}

async fn limit() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], body())
}
