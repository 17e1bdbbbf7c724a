-- Issue 19. The length a story was written for (NULL: imported, or written before lengths
-- existed); whether its narration is older than its text (the old audio stays playable until
-- a regeneration replaces it); the length a profile gives stories created without one (NULL:
-- by the hero's age).
ALTER TABLE stories ADD COLUMN length TEXT;
ALTER TABLE stories ADD COLUMN audio_stale INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN default_story_length TEXT;
