//! Heroes, stories and custom events.

use async_trait::async_trait;

use storyloom_domain::{
    CustomEvent, CustomEventCreate, CustomEventUpdate, EntityKind, Hero, HeroCreate, HeroUpdate,
    Story, StoryLength, StoryUpdate,
};
use storyloom_domain::{CustomEventId, HeroId, StoryId, UserId};

use crate::{
    Created, Deleted, Entity, NewStory, Page, StoreError, StoreResult, StoryFilter, StoryOccasion,
    batch,
    rows::{
        EVENT_COLS, EventRow, HERO_COLS, HeroRow, STORY_COLS, StoryRow, convert, enum_str, to_json,
    },
};

use super::*;

#[async_trait]
impl crate::ContentStore for SqlStore {
    // ---------- heroes ----------

    async fn list_heroes(&self, user: UserId, page: Page) -> StoreResult<(Vec<Hero>, i64)> {
        let u = ids(user);
        let rows: Vec<HeroRow> = sqlx::query_as(&format!(
            "SELECT {HERO_COLS} FROM heroes WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3"
        ))
        .bind(&u)
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(&self.reader)
        .await?;
        let total = count(
            &self.reader,
            "SELECT COUNT(*) FROM heroes WHERE user_id = $1",
            &u,
        )
        .await?;
        Ok((convert(rows)?, total))
    }

    async fn get_hero(&self, user: UserId, id: HeroId) -> StoreResult<Hero> {
        hero_by(&self.reader, &ids(user), &ids(id))
            .await?
            .ok_or(StoreError::NotFound)
    }

    async fn create_hero(
        &self,
        user: UserId,
        id: HeroId,
        b: &HeroCreate,
        now: i64,
    ) -> StoreResult<Created<Hero>> {
        self.watch(async {
            let insert = batch::HeroInsert {
                user: ids(user),
                id: ids(id),
                body: std::sync::Arc::new(b.clone()),
                now,
            };
            let h = insert.clone();
            let op = batch::op(move |c| {
                let h = h.clone();
                Box::pin(async move {
                    insert_hero(c, &h.user, &h.id, &h.body, h.now)
                        .await
                        .map(|v| Box::new(v) as batch::Output)
                })
            });
            batch::run_hero_insert(self, op, insert).await
        })
        .await
    }

    async fn update_hero(
        &self,
        user: UserId,
        id: HeroId,
        p: &HeroUpdate,
        if_match: Option<i64>,
        now: i64,
    ) -> StoreResult<Hero> {
        self.watch(async {
            let (u, i, p) = (ids(user), ids(id), std::sync::Arc::new(p.clone()));
            let owner = u.clone();
            let op = batch::op(move |c| {
                let (u, i, p) = (owner.clone(), i.clone(), p.clone());
                Box::pin(async move {
                    change_hero(c, &u, &i, &p, if_match, now)
                        .await
                        .map(|v| Box::new(v) as batch::Output)
                })
            });
            batch::run(self, &u, op).await
        })
        .await
    }

    async fn delete_hero(
        &self,
        user: UserId,
        id: HeroId,
        if_match: Option<i64>,
        now: i64,
    ) -> StoreResult<Deleted> {
        self.watch(async {
            let (u, i) = (ids(user), ids(id));
            let mut tx = self.begin_write().await?;
            take_seq(&mut tx, &u, 0).await?;
            let cur = hero_by(&mut *tx, &u, &i)
                .await?
                .ok_or(StoreError::NotFound)?;
            check_version(Some(cur.version), if_match, || Entity::Hero(cur.clone()))?;
            let stories: Vec<(String, Option<String>)> =
                sqlx::query_as("SELECT id, audio_key FROM stories WHERE hero_id = $1 AND user_id = $2")
                    .bind(&i)
                    .bind(&u)
                    .fetch_all(&mut *tx)
                    .await?;
            let ill_count: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM illustrations WHERE story_id IN (SELECT id FROM stories WHERE hero_id = $1)",
            )
            .bind(&i)
            .fetch_one(&mut *tx)
            .await?;
            let n = 1 + stories.len() as i64 + ill_count;
            let mut next = take_seq(&mut tx, &u, n).await?;
            let mut keys = Vec::new();
            for (story, audio) in stories {
                next = delete_story_rows(&mut tx, &u, &story, audio, next, now, &mut keys).await?;
            }
            tombstone(&mut tx, &u, EntityKind::Hero, &i, next, now).await?;
            keys.extend(cur.avatar_url);
            let version = next;
            sqlx::query("DELETE FROM heroes WHERE id = $1 AND user_id = $2")
                .bind(&i)
                .bind(&u)
                .execute(&mut *tx)
                .await?;
            self.commit(tx).await?;
            Ok(Deleted {
                media_keys: keys,
                version,
            })
        })
        .await
    }

    // ---------- stories ----------

    async fn list_stories(
        &self,
        user: UserId,
        f: StoryFilter,
        page: Page,
    ) -> StoreResult<(Vec<Story>, i64)> {
        let mut filter = String::from("user_id = $1");
        if f.hero_id.is_some() {
            filter.push_str(" AND hero_id = $4");
        }
        if let Some(fav) = f.favorite {
            filter.push_str(if fav {
                " AND is_favorite = 1"
            } else {
                " AND is_favorite = 0"
            });
        }
        // Inlined like the favourite flag: an enum's own name or a UUID we format, never
        // user text.
        match f.occasion {
            Some(StoryOccasion::Builtin(e)) => {
                filter.push_str(&format!(" AND event_type = '{}'", e.name()));
            }
            Some(StoryOccasion::Custom(ev)) => {
                filter.push_str(&format!(" AND custom_event_id = '{}'", ids(ev)));
            }
            None => {}
        }
        let u = ids(user);
        let hero = f.hero_id.map(ids).unwrap_or_default();
        let list_sql = format!(
            "SELECT {STORY_COLS} FROM stories WHERE {filter} ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3"
        );
        let mut q = sqlx::query_as::<_, StoryRow>(&list_sql)
            .bind(&u)
            .bind(page.limit)
            .bind(page.offset);
        if f.hero_id.is_some() {
            q = q.bind(&hero);
        }
        let rows = q.fetch_all(&self.reader).await?;
        // Same filter, numbered to match: $2/$3 are unused by the count, so rename $4.
        let count_sql = format!(
            "SELECT COUNT(*) FROM stories WHERE {}",
            filter.replace("$4", "$2")
        );
        let mut c = sqlx::query_scalar::<_, i64>(&count_sql).bind(&u);
        if f.hero_id.is_some() {
            c = c.bind(&hero);
        }
        let total = c.fetch_one(&self.reader).await?;
        Ok((convert(rows)?, total))
    }

    async fn get_story(&self, user: UserId, id: StoryId) -> StoreResult<Story> {
        let (u, i) = (ids(user), ids(id));
        let mut story = story_by(&self.reader, &u, &i)
            .await?
            .ok_or(StoreError::NotFound)?;
        story.illustrations = Some(illustrations_of(&self.reader, &u, &i).await?);
        Ok(story)
    }

    async fn create_story(&self, user: UserId, s: NewStory) -> StoreResult<Created<Story>> {
        self.watch(async {
            let (u, i) = (ids(user), ids(s.id));
            let mut tx = self.begin_write().await?;
            take_seq(&mut tx, &u, 0).await?;
            if hero_by(&mut *tx, &u, &ids(s.hero_id)).await?.is_none() {
                return Err(StoreError::NotFound);
            }
            if id_taken(&mut tx, "stories", EntityKind::Story, &i).await? {
                return Err(StoreError::IdConflict);
            }
            let event = match s.custom_event_id {
                Some(e) => Some(
                    event_by(&mut *tx, &u, &ids(e))
                        .await?
                        .ok_or(StoreError::NotFound)?,
                ),
                None => None,
            };
            let version = take_seq(&mut tx, &u, if event.is_some() { 2 } else { 1 }).await?;
            sqlx::query(
                "INSERT INTO stories (id, user_id, hero_id, title, content, event_type, custom_event_id, language, \
                 audio_status, illustration_status, version, created_at, updated_at, text_bytes, content_flagged, length) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13, $14, $15)",
            )
            .bind(&i)
            .bind(&u)
            .bind(ids(s.hero_id))
            .bind(&s.title)
            .bind(&s.content)
            .bind(s.event_type.map(|e| e.name()))
            .bind(s.custom_event_id.map(ids))
            .bind(s.language.code())
            .bind(enum_str(&s.audio_status))
            .bind(enum_str(&s.illustration_status))
            .bind(version)
            .bind(s.now)
            .bind(text_bytes(&s.title, &s.content))
            .bind(i64::from(s.content_flagged))
            .bind(s.length.map(StoryLength::name))
            .execute(&mut *tx)
            .await?;
            if let Some(ev) = event {
                sqlx::query(
                    "UPDATE custom_events SET usage_count = usage_count + 1, last_used_at = $3, version = $4, \
                     updated_at = $3 WHERE id = $1 AND user_id = $2",
                )
                .bind(ids(ev.id))
                .bind(&u)
                .bind(s.now)
                .bind(version + 1)
                .execute(&mut *tx)
                .await?;
            }
            for job in &s.jobs {
                insert_job(&mut tx, job).await?;
            }
            let mut story = story_by(&mut *tx, &u, &i)
                .await?
                .ok_or(StoreError::NotFound)?;
            story.illustrations = Some(Vec::new());
            self.commit(tx).await?;
            Ok(Created::New(story))
        })
        .await
    }

    async fn update_story(
        &self,
        user: UserId,
        id: StoryId,
        p: &StoryUpdate,
        audio_stale: bool,
        if_match: Option<i64>,
        now: i64,
    ) -> StoreResult<Story> {
        self.watch(async {
            let (u, i) = (ids(user), ids(id));
            let mut tx = self.begin_write().await?;
            let version = take_seq(&mut tx, &u, 1).await?;
            let cur = story_by(&mut *tx, &u, &i)
                .await?
                .ok_or(StoreError::NotFound)?;
            check_version(Some(cur.version), if_match, || Entity::Story(cur.clone()))?;
            let (title, content) = (
                p.title.as_ref().unwrap_or(&cur.title),
                p.content.as_ref().unwrap_or(&cur.content),
            );
            let language = p.language.unwrap_or(cur.language);
            sqlx::query(
                "UPDATE stories SET title = $3, content = $4, is_favorite = $5, version = $6, updated_at = $7, \
                 text_bytes = $8, language = $9, audio_stale = $10 WHERE id = $1 AND user_id = $2",
            )
            .bind(&i)
            .bind(&u)
            .bind(title)
            .bind(content)
            .bind(i64::from(p.is_favorite.unwrap_or(cur.is_favorite)))
            .bind(version)
            .bind(now)
            .bind(text_bytes(title, content))
            .bind(language.code())
            .bind(i64::from(audio_stale))
            .execute(&mut *tx)
            .await?;
            let mut story = story_by(&mut *tx, &u, &i)
                .await?
                .ok_or(StoreError::NotFound)?;
            story.illustrations = Some(illustrations_of(&mut *tx, &u, &i).await?);
            self.commit(tx).await?;
            Ok(story)
        })
        .await
    }

    async fn play_story(
        &self,
        user: UserId,
        id: StoryId,
        count: i64,
        now: i64,
    ) -> StoreResult<Story> {
        self.watch(async {
            let (u, i) = (ids(user), ids(id));
            let mut tx = self.begin_write().await?;
            let version = take_seq(&mut tx, &u, 1).await?;
            let done = sqlx::query(
                "UPDATE stories SET play_count = play_count + $3, last_played_at = $4, version = $5, updated_at = $4 \
                 WHERE id = $1 AND user_id = $2",
            )
            .bind(&i)
            .bind(&u)
            .bind(count)
            .bind(now)
            .bind(version)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            let mut story = story_by(&mut *tx, &u, &i)
                .await?
                .ok_or(StoreError::NotFound)?;
            story.illustrations = Some(illustrations_of(&mut *tx, &u, &i).await?);
            self.commit(tx).await?;
            Ok(story)
        })
        .await
    }

    async fn set_story_flag(
        &self,
        user: UserId,
        id: StoryId,
        flagged: bool,
        now: i64,
    ) -> StoreResult<Story> {
        self.watch(async {
            let (u, i) = (ids(user), ids(id));
            let mut tx = self.begin_write().await?;
            let version = take_seq(&mut tx, &u, 1).await?;
            let done = sqlx::query(
                "UPDATE stories SET content_flagged = $3, version = $4, updated_at = $5 \
                 WHERE id = $1 AND user_id = $2",
            )
            .bind(&i)
            .bind(&u)
            .bind(i64::from(flagged))
            .bind(version)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            let mut story = story_by(&mut *tx, &u, &i)
                .await?
                .ok_or(StoreError::NotFound)?;
            story.illustrations = Some(illustrations_of(&mut *tx, &u, &i).await?);
            self.commit(tx).await?;
            Ok(story)
        })
        .await
    }

    async fn delete_story(
        &self,
        user: UserId,
        id: StoryId,
        if_match: Option<i64>,
        now: i64,
    ) -> StoreResult<Deleted> {
        self.watch(async {
            let (u, i) = (ids(user), ids(id));
            let mut tx = self.begin_write().await?;
            take_seq(&mut tx, &u, 0).await?;
            let cur = story_by(&mut *tx, &u, &i)
                .await?
                .ok_or(StoreError::NotFound)?;
            check_version(Some(cur.version), if_match, || Entity::Story(cur.clone()))?;
            let n = 1 + cur.illustration_count;
            let first = take_seq(&mut tx, &u, n).await?;
            let mut keys = Vec::new();
            let next =
                delete_story_rows(&mut tx, &u, &i, cur.audio_url, first, now, &mut keys).await?;
            self.commit(tx).await?;
            Ok(Deleted {
                media_keys: keys,
                version: next - 1,
            })
        })
        .await
    }

    // ---------- custom events ----------

    async fn list_events(&self, user: UserId, page: Page) -> StoreResult<(Vec<CustomEvent>, i64)> {
        let u = ids(user);
        let rows: Vec<EventRow> = sqlx::query_as(&format!(
            "SELECT {EVENT_COLS} FROM custom_events WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3"
        ))
        .bind(&u)
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(&self.reader)
        .await?;
        let total = count(
            &self.reader,
            "SELECT COUNT(*) FROM custom_events WHERE user_id = $1",
            &u,
        )
        .await?;
        Ok((convert(rows)?, total))
    }

    async fn get_event(&self, user: UserId, id: CustomEventId) -> StoreResult<CustomEvent> {
        event_by(&self.reader, &ids(user), &ids(id))
            .await?
            .ok_or(StoreError::NotFound)
    }

    async fn create_event(
        &self,
        user: UserId,
        id: CustomEventId,
        b: &CustomEventCreate,
        now: i64,
    ) -> StoreResult<Created<CustomEvent>> {
        self.watch(async {
            let (u, i) = (ids(user), ids(id));
            let mut tx = self.begin_write().await?;
            let version = take_seq(&mut tx, &u, 1).await?;
            if let Some(existing) = event_by(&mut *tx, &u, &i).await? {
                return if b.same_content(&existing) {
                    Ok(Created::Existing(existing))
                } else {
                    Err(StoreError::IdConflict)
                };
            }
            if id_taken(&mut tx, "custom_events", EntityKind::CustomEvent, &i).await? {
                return Err(StoreError::IdConflict);
            }
            sqlx::query(
                "INSERT INTO custom_events (id, user_id, title, description, prompt_seed, category, age_range, tone, \
                 pictogram_emoji, keywords, is_favorite, version, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)",
            )
            .bind(&i)
            .bind(&u)
            .bind(&b.title)
            .bind(b.description.clone().unwrap_or_default())
            .bind(&b.prompt_seed)
            .bind(enum_str(&b.category.unwrap_or_default()))
            .bind(b.age_range.map(|a| enum_str(&a)))
            .bind(enum_str(&b.tone.unwrap_or_default()))
            .bind(&b.pictogram_emoji)
            .bind(to_json(&b.keywords.clone().unwrap_or_default()))
            .bind(i64::from(b.is_favorite.unwrap_or(false)))
            .bind(version)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let ev = event_by(&mut *tx, &u, &i)
                .await?
                .ok_or(StoreError::NotFound)?;
            self.commit(tx).await?;
            Ok(Created::New(ev))
        })
        .await
    }

    async fn update_event(
        &self,
        user: UserId,
        id: CustomEventId,
        p: &CustomEventUpdate,
        if_match: Option<i64>,
        now: i64,
    ) -> StoreResult<CustomEvent> {
        self.watch(async {
            let (u, i) = (ids(user), ids(id));
            let mut tx = self.begin_write().await?;
            let version = take_seq(&mut tx, &u, 1).await?;
            let cur = event_by(&mut *tx, &u, &i)
                .await?
                .ok_or(StoreError::NotFound)?;
            check_version(Some(cur.version), if_match, || {
                Entity::CustomEvent(cur.clone())
            })?;
            let age_range = match p.age_range {
                Some(a) => a,
                None => cur.age_range,
            };
            let emoji = match &p.pictogram_emoji {
                Some(e) => e.clone(),
                None => cur.pictogram_emoji.clone(),
            };
            sqlx::query(
                "UPDATE custom_events SET title = $3, description = $4, prompt_seed = $5, category = $6, \
                 age_range = $7, tone = $8, pictogram_emoji = $9, keywords = $10, is_favorite = $11, \
                 version = $12, updated_at = $13 WHERE id = $1 AND user_id = $2",
            )
            .bind(&i)
            .bind(&u)
            .bind(p.title.as_ref().unwrap_or(&cur.title))
            .bind(p.description.as_ref().unwrap_or(&cur.description))
            .bind(p.prompt_seed.as_ref().unwrap_or(&cur.prompt_seed))
            .bind(enum_str(&p.category.unwrap_or(cur.category)))
            .bind(age_range.map(|a| enum_str(&a)))
            .bind(enum_str(&p.tone.unwrap_or(cur.tone)))
            .bind(emoji)
            .bind(to_json(p.keywords.as_ref().unwrap_or(&cur.keywords)))
            .bind(i64::from(p.is_favorite.unwrap_or(cur.is_favorite)))
            .bind(version)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let ev = event_by(&mut *tx, &u, &i)
                .await?
                .ok_or(StoreError::NotFound)?;
            self.commit(tx).await?;
            Ok(ev)
        })
        .await
    }

    async fn delete_event(
        &self,
        user: UserId,
        id: CustomEventId,
        if_match: Option<i64>,
        now: i64,
    ) -> StoreResult<Deleted> {
        self.watch(async {
            let (u, i) = (ids(user), ids(id));
            let mut tx = self.begin_write().await?;
            let version = take_seq(&mut tx, &u, 1).await?;
            let cur = event_by(&mut *tx, &u, &i)
                .await?
                .ok_or(StoreError::NotFound)?;
            check_version(Some(cur.version), if_match, || {
                Entity::CustomEvent(cur.clone())
            })?;
            tombstone(&mut tx, &u, EntityKind::CustomEvent, &i, version, now).await?;
            sqlx::query("DELETE FROM custom_events WHERE id = $1 AND user_id = $2")
                .bind(&i)
                .bind(&u)
                .execute(&mut *tx)
                .await?;
            self.commit(tx).await?;
            Ok(Deleted {
                media_keys: Vec::new(),
                version,
            })
        })
        .await
    }
}
