//! The published OpenAPI document, generated from the handlers' annotations and the domain
//! types' schemas so it cannot drift from what the server does.

use utoipa::{
    Modify, OpenApi,
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
};

use crate::routes::{
    auth, events, generation, heroes, journey, listening, meta, profile, stories, sync,
};

/// The API document.
#[derive(OpenApi)]
#[openapi(
    info(title = "Storyloom API", description = "Personalized bedtime stories: heroes, stories, custom events, listening sessions and the Reading Journey, generation, sync. Media URLs in answers are signed and expire. Every JSON answer is wrapped in the envelope {data, error, pagination?}. Routes are also served under /api/v1."),
    paths(
        auth::sign_up, auth::sign_in, auth::session, auth::refresh, auth::sign_out,
        heroes::list, heroes::show, heroes::create, heroes::update, heroes::remove,
        stories::list, stories::show, stories::create, stories::update, stories::remove, stories::play, stories::approve,
        events::list, events::show, events::create, events::update, events::remove,
        profile::profile, profile::update_profile, profile::usage, profile::delete_account,
        generation::audio, generation::illustrations, generation::illustration_status,
        generation::avatar, generation::enhance,
        listening::list, listening::show, listening::create, listening::remove,
        journey::summary, journey::activity, journey::heroes, journey::milestones, journey::insights,
        meta::health,
        sync::changes, sync::push, sync::stream,
    ),
    components(schemas(storyloom_domain::ErrorBody, storyloom_domain::ErrorCode, storyloom_domain::Pagination,
        storyloom_domain::ContentRejection, storyloom_domain::ContentCategory)),
    modifiers(&BearerAuth),
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}
