-- Issue 18 (Reading Journey): listening sessions, and the zone a family's days are counted in.

-- IANA name; checked by the server (storyloom_domain::Timezone) before it is stored.
ALTER TABLE users ADD COLUMN timezone TEXT NOT NULL DEFAULT 'UTC';

-- One row per listen. No foreign key to the story or hero: the history outlives them (the
-- figures still count a deleted story's listens), and the hero is copied from the story
-- when the session is made.
CREATE TABLE listening_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    story_id TEXT NOT NULL,
    hero_id TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    duration_seconds INTEGER NOT NULL,
    completed INTEGER NOT NULL,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX listening_sessions_user_started ON listening_sessions(user_id, started_at DESC, id DESC);
CREATE INDEX listening_sessions_user_version ON listening_sessions(user_id, version);
