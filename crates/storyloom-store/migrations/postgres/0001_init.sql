-- Storyloom schema, PostgreSQL flavour. Ids are TEXT (UUID), times are epoch milliseconds,
-- booleans are 0/1 integers: the same column types as the PostgreSQL schema, so the store's
-- queries run unchanged on both.

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    name TEXT,
    preferred_language TEXT NOT NULL DEFAULT 'en',
    preferred_voice TEXT NOT NULL DEFAULT 'fable',
    -- Last number taken from this user's change sequence (SYNC.md).
    change_seq BIGINT NOT NULL DEFAULT 0,
    -- Tombstones at or below this version have been purged: older cursors must resync.
    tombstone_horizon BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE heroes (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    age BIGINT NOT NULL,
    traits TEXT NOT NULL,
    special_ability TEXT,
    appearance TEXT,
    hair_color TEXT,
    eye_color TEXT,
    skin_tone TEXT,
    avatar_key TEXT,
    avatar_status TEXT NOT NULL DEFAULT 'none',
    avatar_generation_id TEXT,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX heroes_user_created ON heroes(user_id, created_at DESC, id DESC);
CREATE INDEX heroes_user_version ON heroes(user_id, version);

CREATE TABLE custom_events (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    prompt_seed TEXT NOT NULL,
    category TEXT NOT NULL,
    age_range TEXT,
    tone TEXT NOT NULL,
    pictogram_emoji TEXT,
    keywords TEXT NOT NULL,
    ai_enhanced BIGINT NOT NULL DEFAULT 0,
    usage_count BIGINT NOT NULL DEFAULT 0,
    is_favorite BIGINT NOT NULL DEFAULT 0,
    last_used_at BIGINT,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX custom_events_user_created ON custom_events(user_id, created_at DESC, id DESC);
CREATE INDEX custom_events_user_version ON custom_events(user_id, version);

CREATE TABLE stories (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    hero_id TEXT NOT NULL REFERENCES heroes(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    content TEXT NOT NULL,
    event_type TEXT,
    custom_event_id TEXT,
    language TEXT NOT NULL,
    audio_key TEXT,
    audio_duration DOUBLE PRECISION,
    audio_status TEXT NOT NULL DEFAULT 'none',
    illustration_status TEXT NOT NULL DEFAULT 'none',
    is_favorite BIGINT NOT NULL DEFAULT 0,
    play_count BIGINT NOT NULL DEFAULT 0,
    last_played_at BIGINT,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX stories_user_created ON stories(user_id, created_at DESC, id DESC);
CREATE INDEX stories_user_version ON stories(user_id, version);
CREATE INDEX stories_hero ON stories(hero_id);

CREATE TABLE illustrations (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    story_id TEXT NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    display_order BIGINT NOT NULL,
    image_key TEXT,
    scene_description TEXT NOT NULL,
    audio_timestamp DOUBLE PRECISION NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    error TEXT,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX illustrations_story ON illustrations(story_id, display_order);
CREATE INDEX illustrations_user_version ON illustrations(user_id, version);

-- Deleted synced entities, so devices that were away learn of the deletion (SYNC.md).
CREATE TABLE tombstones (
    entity TEXT NOT NULL,
    id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    version BIGINT NOT NULL,
    deleted_at BIGINT NOT NULL,
    PRIMARY KEY (entity, id)
);
CREATE INDEX tombstones_user_version ON tombstones(user_id, version);

-- Remembered sync mutations: a replay answers with the first result (30 days).
CREATE TABLE sync_mutations (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    mutation_id TEXT NOT NULL,
    result TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, mutation_id)
);

CREATE TABLE usage_records (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    operation TEXT NOT NULL,
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    tokens BIGINT NOT NULL DEFAULT 0,
    characters BIGINT NOT NULL DEFAULT 0,
    images BIGINT NOT NULL DEFAULT 0,
    cost_usd DOUBLE PRECISION NOT NULL DEFAULT 0,
    duration_ms BIGINT NOT NULL DEFAULT 0,
    success BIGINT NOT NULL,
    error TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX usage_user_op_time ON usage_records(user_id, operation, created_at);

-- Durable background jobs (generation). Claimed with a lease; an expired lease is retried.
CREATE TABLE jobs (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL,
    run_at BIGINT NOT NULL,
    lease_until BIGINT,
    worker TEXT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX jobs_ready ON jobs(status, run_at);
