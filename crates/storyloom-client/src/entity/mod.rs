//! What the client core knows about each synced entity, declared once per entity.
//!
//! Below the repositories the core works on the wire JSON of an entity (`serde_json::Value`):
//! the cache keeps rows exactly as the server sends them, so a server field this build does
//! not know survives a round trip. Everything that JSON-level code needs to know about an
//! entity — its kind, its create and update DTOs, which fields the app edits and how each
//! merges (SYNC.md "Conflict rules"), what a server delete does against a local edit, its
//! table and parent — is stated by one [`SyncEntity`] impl per entity, in this module's
//! submodules, and nowhere else: no other module names a field in a string literal.
//!
//! The declarations are checked against the domain types by the tests at the bottom: every
//! field of the update DTO has a merge rule, every rule names a field the DTO (or, for
//! counters, the entity) has. The field lists come from the types themselves through serde
//! ([`field_names`]), so a field renamed or added in `storyloom-domain` fails a test instead
//! of silently changing how conflicts resolve.
//!
//! This module is the bottom of the client core: it depends on `storyloom-domain` only.

mod custom_event;
mod hero;
mod illustration;
mod listening_session;
mod story;

use std::fmt;

use chrono::{DateTime, Utc};
use serde::de::{self, DeserializeOwned, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use storyloom_domain::{
    CustomEvent, EntityKind, FieldErrors, Hero, Illustration, ListeningSession, Story, Validate,
};
use uuid::Uuid;

pub(crate) use story::{favorite_filter, record_plays, without_illustrations};

/// The wire field every synced entity carries: the server version of the row (SYNC.md:
/// every write takes the user's next change number and stores it as `version`).
pub(crate) const VERSION: &str = "version";

/// How one field the app edits is merged when the server changed the entity meanwhile
/// (SYNC.md "Conflict rules"). Decisions are 3-way: a side "changed" a field when its value
/// differs from the last server copy (the base).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Merge {
    /// If the server changed any server-wins field while a differing local edit of one waits,
    /// the server copy replaces the whole local edit and the loss is reported; otherwise
    /// the local edit is re-sent on top of the server copy.
    ServerWins,
    /// Changed on both sides to different values: the local value is parked in a conflict
    /// record for the app and the server value shows; changed only locally: re-sent.
    KeepBoth,
    /// A counter that travels as increments, never as an absolute value: the server count
    /// plus the increments still queued. Not part of the update DTO.
    SumOfIncrements,
    /// Last writer wins, comparing the local edit time (kept in the table's
    /// [`EditTime::column`]) with the server copy's [`EditTime::server_field`].
    LastWriterByEditTime,
    /// The local edit is re-sent on top of the server version.
    LocalWins,
}

/// A field's merge rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// The wire (camelCase) name.
    pub name: &'static str,
    /// How it merges.
    pub merge: Merge,
}

impl Field {
    /// `name` merges by `merge`.
    pub const fn new(name: &'static str, merge: Merge) -> Self {
        Self { name, merge }
    }
}

/// What a server delete does to an entity with an unsynced local edit (SYNC.md "delete vs.
/// edit"). A *local* delete always wins over a server edit, for every kind: the user asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteVsEdit {
    /// The delete wins; the lost local edit is reported to observers.
    DeleteWins,
    /// The local copy is parked as a "deleted on server" conflict for the app, and the entity
    /// disappears locally, as on the server.
    KeepAsConflict,
}

/// The entity this one belongs to; deleting the parent deletes it (as on the server).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parent {
    /// The parent's kind.
    pub kind: EntityKind,
    /// The wire field holding the parent's id.
    pub field: &'static str,
    /// The table column that indexes it.
    pub column: &'static str,
}

/// Where the last-writer-wins rule reads its two times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EditTime {
    /// The table column keeping when the app last set the field (epoch ms).
    pub column: &'static str,
    /// The wire field of the server copy's last edit time.
    pub server_field: &'static str,
}

/// The runtime description of one entity, for the JSON-level code (the planner, the cache
/// tables, the outbox) that meets entities by [`EntityKind`]. Made only by [`SyncEntity`]
/// impls.
#[derive(Debug)]
pub struct Spec {
    /// The entity kind.
    pub kind: EntityKind,
    /// The cache table.
    pub table: &'static str,
    /// The owning entity, if any.
    pub parent: Option<Parent>,
    /// Every field the app edits, with its merge rule, plus counters
    /// ([`Merge::SumOfIncrements`]). Fields not listed are made by the server only (avatar,
    /// audio, illustration status, timestamps): they always come from the server and never
    /// cause a conflict.
    pub fields: &'static [Field],
    /// A server delete against a local edit.
    pub delete_vs_edit: DeleteVsEdit,
    /// For [`Merge::LastWriterByEditTime`].
    pub edit_time: Option<EditTime>,
    /// The wire fields of the create DTO (derived from the type through serde).
    pub create_fields: fn() -> &'static [&'static str],
    /// [`SyncEntity::recreate`] on wire JSON: the local copy (`local`) made again under a
    /// new id, as `(row data, create body)`.
    pub recreate: Recreate,
}

/// See [`Spec::recreate`].
pub type Recreate = fn(&Value, Uuid) -> serde_json::Result<Option<(Value, Value)>>;

/// [`SyncEntity::recreate`] of `E` on wire JSON (what [`Spec::recreate`] points to).
pub fn recreate_json<E: SyncEntity>(
    local: &Value,
    id: Uuid,
) -> serde_json::Result<Option<(Value, Value)>> {
    let local: E = serde_json::from_value(local.clone())?;
    match local.recreate(id.into()) {
        None => Ok(None),
        Some((entity, body)) => Ok(Some((
            serde_json::to_value(&entity)?,
            serde_json::to_value(&body)?,
        ))),
    }
}

impl Spec {
    /// The fields the app edits (every rule but counters).
    pub fn edited_fields(&self) -> impl Iterator<Item = &'static Field> + use<> {
        let fields: &'static [Field] = self.fields;
        fields.iter().filter(|f| f.merge != Merge::SumOfIncrements)
    }

    /// The merge rule of `field`, if the app edits it.
    pub fn rule(&self, field: &str) -> Option<Merge> {
        self.fields
            .iter()
            .find(|f| f.name == field)
            .map(|f| f.merge)
    }

    /// The counter merged by sum of increments, if the entity has one.
    pub fn counter(&self) -> Option<&'static str> {
        self.fields
            .iter()
            .find(|f| f.merge == Merge::SumOfIncrements)
            .map(|f| f.name)
    }

    /// The field merged by last writer by edit time, if any (the table keeps one edit time).
    pub fn last_writer_field(&self) -> Option<&'static str> {
        self.fields
            .iter()
            .find(|f| f.merge == Merge::LastWriterByEditTime)
            .map(|f| f.name)
    }

    /// Whether a create body can carry `field`, so a later local edit can fold into a queued
    /// create.
    pub fn create_accepts(&self, field: &str) -> bool {
        (self.create_fields)().contains(&field)
    }

    /// The kinds that belong to this one (deleted with it).
    pub fn children(&self) -> impl Iterator<Item = &'static Spec> + use<> {
        let kind = self.kind;
        ALL.into_iter()
            .filter(move |s| s.parent.is_some_and(|p| p.kind == kind))
    }

    /// The body of an increment mutation adding `n` to the counter.
    pub fn increment_body(&self, n: i64) -> Option<Value> {
        let counter = self.counter()?;
        let mut body = serde_json::Map::new();
        body.insert(counter.to_owned(), Value::from(n));
        Some(Value::Object(body))
    }

    /// The count an increment mutation's body carries.
    pub fn increment_of(&self, body: Option<&Value>) -> Option<i64> {
        body?.get(self.counter()?)?.as_i64()
    }

    /// `data` (a server copy) with `pending` increments not yet pushed added to its counter.
    pub fn with_increments(&self, mut data: Value, pending: i64) -> Value {
        if pending != 0
            && let Some(counter) = self.counter()
            && let Some(n) = data.get(counter).and_then(Value::as_i64)
        {
            data[counter] = Value::from(n + pending);
        }
        data
    }

    /// The server copy's last edit time (for last writer wins).
    pub fn server_edit_time(&self, data: &Value) -> Option<DateTime<Utc>> {
        data.get(self.edit_time?.server_field)
            .and_then(Value::as_str)
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map(|t| t.with_timezone(&Utc))
    }

    /// The parent's id in `data`, if the entity has a parent and the row names it.
    pub fn parent_id(&self, data: &Value) -> Option<Uuid> {
        data.get(self.parent?.field)?.as_str()?.parse().ok()
    }
}

/// One synced entity: implemented once per entity, in this module's submodules.
///
/// The associated types make the repositories and the FFI typed; [`SyncEntity::SPEC`] is
/// what the JSON-level code reads. Adding an entity: see the crate's README.
pub trait SyncEntity: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The entity's id type.
    type Id: Copy + Eq + fmt::Debug + fmt::Display + Into<Uuid> + From<Uuid> + Send + Sync;
    /// The create body (`POST`), as queued in the outbox.
    type Create: Serialize + DeserializeOwned + Validate + Send + 'static;
    /// The update body (`PATCH`), as queued in the outbox.
    type Update: Serialize + DeserializeOwned + Validate + Send + 'static;
    /// The declaration the JSON-level code reads.
    const SPEC: &'static Spec;

    /// The id of a create body, made here (UUIDv7) when the body has none: client-made ids
    /// let an offline-made entity keep its id on the server.
    fn create_id(body: &mut Self::Create) -> Self::Id;

    /// The entity as the device shows it right after a local create, before the server saw
    /// it; may adjust the body to what is queued. An error when this body cannot be made on
    /// the device.
    fn new_local(
        id: Self::Id,
        body: &mut Self::Create,
        now: DateTime<Utc>,
    ) -> Result<Self, FieldErrors>;

    /// `keep_local` of a "deleted on server" conflict: this local copy made again under `id`
    /// (the old id is a tombstone on the server), with its create body. `None` when the
    /// entity cannot be re-created (it has no such conflicts).
    fn recreate(self, id: Self::Id) -> Option<(Self, Self::Create)>;
}

/// The DTO of an entity the app can neither create nor edit (illustrations): it has no
/// values, so the compiler rejects any attempt to queue one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ServerMade {}

impl Validate for ServerMade {
    fn validate(&self) -> Result<(), FieldErrors> {
        match *self {}
    }
}

/// Every synced entity, the one list the code that meets entities by kind goes through.
pub const ALL: [&Spec; 5] = [
    <Hero as SyncEntity>::SPEC,
    <Story as SyncEntity>::SPEC,
    <Illustration as SyncEntity>::SPEC,
    <CustomEvent as SyncEntity>::SPEC,
    <ListeningSession as SyncEntity>::SPEC,
];

/// The declaration of `kind`.
pub fn spec(kind: EntityKind) -> &'static Spec {
    match kind {
        EntityKind::Hero => <Hero as SyncEntity>::SPEC,
        EntityKind::Story => <Story as SyncEntity>::SPEC,
        EntityKind::Illustration => <Illustration as SyncEntity>::SPEC,
        EntityKind::CustomEvent => <CustomEvent as SyncEntity>::SPEC,
        EntityKind::ListeningSession => <ListeningSession as SyncEntity>::SPEC,
    }
}

/// Copy every top-level key of `fields` into `target` (a JSON object merge, one level deep,
/// which is exactly PATCH semantics: present keys replace, `null` clears).
pub(crate) fn merge_fields(target: &mut Value, fields: &Value) {
    if let (Some(t), Some(f)) = (target.as_object_mut(), fields.as_object()) {
        for (k, v) in f {
            t.insert(k.clone(), v.clone());
        }
    }
}

/// The wire names of `T`'s fields, as its `Deserialize` impl knows them (after `rename`s).
/// Read from the type itself, so no list of names is kept by hand: serde's derive hands the
/// field list to `Deserializer::deserialize_struct`, and [`FieldNames`] stops right there.
/// An uninhabited type ([`ServerMade`]) has no fields. Empty for shapes serde does not
/// describe as a struct (maps, `flatten`); the tests reject those declarations.
pub fn field_names<T: DeserializeOwned>() -> &'static [&'static str] {
    match T::deserialize(FieldNames) {
        Err(Found::Fields(f)) => f,
        _ => &[],
    }
}

/// A deserializer that only records what the type asks for.
struct FieldNames;

#[derive(Debug)]
enum Found {
    Fields(&'static [&'static str]),
    NotAStruct,
}

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Fields(names) => write!(f, "fields {names:?}"),
            Self::NotAStruct => f.write_str("not a struct"),
        }
    }
}

impl std::error::Error for Found {}

impl de::Error for Found {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Self::NotAStruct
    }
}

impl<'de> de::Deserializer<'de> for FieldNames {
    type Error = Found;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Found> {
        Err(Found::NotAStruct)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Found> {
        Err(Found::Fields(fields))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Found> {
        if variants.is_empty() {
            Err(Found::Fields(&[]))
        } else {
            Err(Found::NotAStruct)
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map identifier ignored_any
    }
}

#[cfg(test)]
mod tests;
