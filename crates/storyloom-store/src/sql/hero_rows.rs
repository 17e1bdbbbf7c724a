//! Writing hero rows: one at a time, or a group-committed batch of creates.

use sqlx::AnyConnection;
use storyloom_domain::{Hero, HeroCreate, HeroUpdate};

use crate::{
    Backend, Created, Entity, StoreError, StoreResult,
    rows::{HERO_COLS, HeroRow, parse_id, to_json},
};

use super::*;

/// The body of [`SqlStore::create_hero`], run inside a (possibly shared) transaction.
pub(super) async fn insert_hero(
    c: &mut AnyConnection,
    u: &str,
    i: &str,
    b: &HeroCreate,
    now: i64,
) -> StoreResult<Created<Hero>> {
    let version = take_seq(&mut *c, u, 1).await?;
    // The common case in one statement: insert unless the id is taken (by any user) or was
    // deleted before, and read the row back. Only when nothing was inserted do we look at
    // why: a retried create (same body) or a conflict.
    let inserted: Option<HeroRow> = sqlx::query_as(&format!(
            "INSERT INTO heroes (id, user_id, name, age, traits, special_ability, appearance, hair_color, \
             eye_color, skin_tone, avatar_status, version, created_at, updated_at) \
             SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'none', $11, $12, $12 \
             WHERE NOT EXISTS (SELECT 1 FROM tombstones WHERE entity = 'hero' AND id = $1) \
             ON CONFLICT (id) DO NOTHING RETURNING {HERO_COLS}"
        ))
        .bind(i)
        .bind(u)
        .bind(&b.name)
        .bind(b.age)
        .bind(to_json(&b.traits))
        .bind(&b.special_ability)
        .bind(&b.appearance)
        .bind(&b.hair_color)
        .bind(&b.eye_color)
        .bind(&b.skin_tone)
        .bind(version)
        .bind(now)
        .fetch_optional(&mut *c)
        .await?;
    if let Some(row) = inserted {
        return Ok(Created::New(Hero::try_from(row)?));
    }
    // Nothing written: hand the number back, so a shared batch that commits leaves no gap.
    take_seq(&mut *c, u, -1).await?;
    match hero_by(&mut *c, u, i).await? {
        Some(existing) if b.same_content(&existing) => Ok(Created::Existing(existing)),
        _ => Err(StoreError::IdConflict),
    }
}

/// Several hero creates of one user at once (one query on either backend):
/// take the versions, insert every row, answer with the inputs at their versions; any taken or
/// tombstoned id fails it all.
/// The rows travel as one JSON array (the `Any` driver binds no arrays). Fails unless every
/// row went in new, so the batch falls back to [`insert_hero`] per write, which tells a
/// retried create from a conflict.
pub(super) async fn insert_heroes_bulk(
    backend: Backend,
    c: &mut AnyConnection,
    items: Vec<crate::batch::HeroInsert>,
    standalone: bool,
) -> StoreResult<Vec<crate::batch::Output>> {
    let Some(user) = items.first().map(|h| h.user.clone()) else {
        return Ok(Vec::new());
    };
    if items.iter().any(|h| h.user != user) {
        return Err(StoreError::Unavailable(
            "internal error: a write batch mixed users".into(),
        ));
    }
    let rows = bulk_rows_json(&items)?;
    let n = i64::try_from(items.len()).unwrap_or(i64::MAX);
    // Only the id and the version come back: every other column is the input, and decoding
    // whole rows through the `Any` driver was most of the server's cost of a bulk create.
    let inserted: Vec<(String, i64)> = match backend {
        // All or nothing, so that it may run outside a transaction: a taken id breaks the
        // primary key and a deleted (tombstoned) one its NOT NULL, and either error undoes the
        // whole statement, the version bump included. `json`, not `jsonb`: the rows are read
        // once, and building `jsonb` (sorting every object's keys) cost ~9 % of a create.
        Backend::Postgres => {
            sqlx::query_as(
                "WITH seq AS (UPDATE users SET change_seq = change_seq + $2 WHERE id = $1 \
                              RETURNING change_seq - $2 + 1 AS first) \
                 INSERT INTO heroes (id, user_id, name, age, traits, special_ability, appearance, \
                     hair_color, eye_color, skin_tone, avatar_status, version, created_at, updated_at) \
                 SELECT CASE WHEN EXISTS (SELECT 1 FROM tombstones \
                         WHERE entity = 'hero' AND id = t.id) THEN NULL ELSE t.id END, \
                     $1, t.name, t.age, t.traits, t.special_ability, t.appearance, \
                     t.hair_color, t.eye_color, t.skin_tone, 'none', seq.first + t.ord, t.now, t.now \
                 FROM seq, json_to_recordset($3::json) AS t(ord bigint, id text, name text, \
                     age bigint, traits text, special_ability text, appearance text, \
                     hair_color text, eye_color text, skin_tone text, now bigint) \
                 RETURNING id, version",
            )
            .bind(&user)
            .bind(n)
            .bind(rows)
            .fetch_all(&mut *c)
            .await?
        }
        // SQLite has no data-modifying CTEs: the versions first, then the rows, sent as one
        // multi-statement query (every query is a hop to the connection's thread and back),
        // inside `BEGIN IMMEDIATE … COMMIT` of its own when it is the whole round. All or
        // nothing as on PostgreSQL: a taken id breaks the primary key, a tombstoned one its
        // NOT NULL, a missing user the NOT NULL of `version`.
        Backend::Sqlite => {
            let (begin, commit) = if standalone {
                ("BEGIN IMMEDIATE; ", "; COMMIT")
            } else {
                ("", "")
            };
            sqlx::query_as(&format!(
                "{begin}UPDATE users SET change_seq = change_seq + $2 WHERE id = $1; \
                 INSERT INTO heroes (id, user_id, name, age, traits, special_ability, appearance, \
                     hair_color, eye_color, skin_tone, avatar_status, version, created_at, updated_at) \
                 SELECT CASE WHEN EXISTS (SELECT 1 FROM tombstones \
                         WHERE entity = 'hero' AND id = json_extract(j.value, '$.id')) \
                         THEN NULL ELSE json_extract(j.value, '$.id') END, \
                     $1, json_extract(j.value, '$.name'), \
                     json_extract(j.value, '$.age'), json_extract(j.value, '$.traits'), \
                     json_extract(j.value, '$.special_ability'), json_extract(j.value, '$.appearance'), \
                     json_extract(j.value, '$.hair_color'), json_extract(j.value, '$.eye_color'), \
                     json_extract(j.value, '$.skin_tone'), 'none', \
                     (SELECT change_seq FROM users WHERE id = $1) - $2 + 1 + json_extract(j.value, '$.ord'), \
                     json_extract(j.value, '$.now'), json_extract(j.value, '$.now') \
                 FROM json_each($3) AS j \
                 RETURNING id, version{commit}"
            ))
            .bind(&user)
            .bind(n)
            .bind(rows)
            .fetch_all(&mut *c)
            .await?
        }
    };
    if inserted.len() != items.len() {
        return Err(StoreError::IdConflict);
    }
    let mut versions: std::collections::HashMap<String, i64> = inserted.into_iter().collect();
    items
        .iter()
        .map(|h| {
            let version = versions.remove(&h.id).ok_or(StoreError::IdConflict)?;
            // Every other column is the input: what reading the row back would give (the
            // conformance suite compares the two).
            let at = storyloom_domain::time::from_millis(h.now);
            let hero = h.body.to_hero(parse_id(&h.id)?, version, at);
            Ok(Box::new(Created::New(hero)) as crate::batch::Output)
        })
        .collect()
}

/// A batch of hero creates as the JSON array the bulk statement unpacks, written straight
/// from the inputs (no intermediate `serde_json::Value`).
pub(super) fn bulk_rows_json(items: &[crate::batch::HeroInsert]) -> StoreResult<String> {
    #[derive(serde::Serialize)]
    struct Row<'a> {
        ord: usize,
        id: &'a str,
        name: &'a str,
        age: i64,
        traits: String,
        special_ability: Option<&'a str>,
        appearance: Option<&'a str>,
        hair_color: Option<&'a str>,
        eye_color: Option<&'a str>,
        skin_tone: Option<&'a str>,
        now: i64,
    }
    let rows: Vec<Row<'_>> = items
        .iter()
        .enumerate()
        .map(|(ord, h)| Row {
            ord,
            id: &h.id,
            name: &h.body.name,
            age: h.body.age,
            traits: to_json(&h.body.traits),
            special_ability: h.body.special_ability.as_deref(),
            appearance: h.body.appearance.as_deref(),
            hair_color: h.body.hair_color.as_deref(),
            eye_color: h.body.eye_color.as_deref(),
            skin_tone: h.body.skin_tone.as_deref(),
            now: h.now,
        })
        .collect();
    serde_json::to_string(&rows)
        .map_err(|e| StoreError::Unavailable(format!("internal error: encoding a batch: {e}")))
}

/// The body of [`SqlStore::update_hero`], run inside a (possibly shared) transaction.
pub(super) async fn change_hero(
    c: &mut AnyConnection,
    u: &str,
    i: &str,
    p: &HeroUpdate,
    if_match: Option<i64>,
    now: i64,
) -> StoreResult<Hero> {
    let version = take_seq(&mut *c, u, 1).await?;
    let cur = hero_by(&mut *c, u, i).await?.ok_or(StoreError::NotFound)?;
    check_version(Some(cur.version), if_match, || Entity::Hero(cur.clone()))?;
    let pick = |new: &Option<Option<String>>, old: &Option<String>| match new {
        Some(v) => v.clone(),
        None => old.clone(),
    };
    let row: HeroRow = sqlx::query_as(&format!("{} RETURNING {HERO_COLS}", write_hero_sql()))
        .bind(i)
        .bind(u)
        .bind(p.name.as_ref().unwrap_or(&cur.name))
        .bind(p.age.unwrap_or(cur.age))
        .bind(to_json(p.traits.as_ref().unwrap_or(&cur.traits)))
        .bind(pick(&p.special_ability, &cur.special_ability))
        .bind(pick(&p.appearance, &cur.appearance))
        .bind(pick(&p.hair_color, &cur.hair_color))
        .bind(pick(&p.eye_color, &cur.eye_color))
        .bind(pick(&p.skin_tone, &cur.skin_tone))
        .bind(version)
        .bind(now)
        .fetch_one(&mut *c)
        .await?;
    Hero::try_from(row)
}

pub(super) fn write_hero_sql() -> &'static str {
    "UPDATE heroes SET name = $3, age = $4, traits = $5, special_ability = $6, appearance = $7, \
     hair_color = $8, eye_color = $9, skin_tone = $10, version = $11, updated_at = $12 \
     WHERE id = $1 AND user_id = $2"
}
