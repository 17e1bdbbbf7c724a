-- Issue 17: an imported story whose text fails the child-safety screening is kept for the
-- parent but flagged, and not narrated or illustrated until the parent approves it (which
-- clears the flag). 0/1 like the other booleans.
ALTER TABLE stories ADD COLUMN content_flagged INTEGER NOT NULL DEFAULT 0;
