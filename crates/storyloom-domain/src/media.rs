//! Media fields of wire types.
//!
//! Inside the server a media field (`avatarUrl`, `audioUrl`, `imageUrl`) holds the blob's
//! storage key; on the wire it holds a signed URL that expires. [`HasMedia`] names those
//! fields per type, so the server signs exactly them where it builds an answer, instead of
//! searching answers for strings that look like keys.

use crate::{
    AccountDeleted, AuthResponse, ChangesResponse, CustomEvent, Hero, Illustration,
    IllustrationStatusResponse, Profile, PushResponse, SignedOut, Story, UsageResponse,
};

/// A type whose answers may carry media. Every type the server answers with implements it,
/// those without media fields with the empty default, so adding a media field to a type is
/// one line here and cannot be forgotten by a handler.
pub trait HasMedia {
    /// Each media field, to turn its key into a URL.
    fn media_fields(&mut self) -> Vec<&mut Option<String>> {
        Vec::new()
    }
}

impl HasMedia for Hero {
    fn media_fields(&mut self) -> Vec<&mut Option<String>> {
        vec![&mut self.avatar_url]
    }
}

impl HasMedia for Illustration {
    fn media_fields(&mut self) -> Vec<&mut Option<String>> {
        vec![&mut self.image_url]
    }
}

impl HasMedia for Story {
    fn media_fields(&mut self) -> Vec<&mut Option<String>> {
        let mut fields = vec![&mut self.audio_url];
        if let Some(ills) = &mut self.illustrations {
            fields.extend(ills.iter_mut().flat_map(Illustration::media_fields));
        }
        fields
    }
}

impl HasMedia for IllustrationStatusResponse {
    fn media_fields(&mut self) -> Vec<&mut Option<String>> {
        self.illustrations
            .iter_mut()
            .flat_map(Illustration::media_fields)
            .collect()
    }
}

impl<T: HasMedia> HasMedia for Vec<T> {
    fn media_fields(&mut self) -> Vec<&mut Option<String>> {
        self.iter_mut().flat_map(T::media_fields).collect()
    }
}

impl HasMedia for CustomEvent {}
impl HasMedia for crate::ListeningSession {}
impl HasMedia for crate::Summary {}
impl HasMedia for crate::JourneyActivity {}
impl HasMedia for crate::Milestone {}
impl HasMedia for crate::Insights {}

/// The hero's avatar, a storage key inside the server like the hero's own.
impl HasMedia for crate::HeroFigures {
    fn media_fields(&mut self) -> Vec<&mut Option<String>> {
        vec![&mut self.avatar_url]
    }
}
impl HasMedia for Profile {}
impl HasMedia for UsageResponse {}
impl HasMedia for AuthResponse {}
impl HasMedia for SignedOut {}
impl HasMedia for AccountDeleted {}
/// The feed's `data` is JSON: the server signs each entity before it becomes JSON.
impl HasMedia for ChangesResponse {}
/// A conflict's `current` is JSON: the server signs it where the conflict is made.
impl HasMedia for PushResponse {}
