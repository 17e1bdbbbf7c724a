-- Each story's text size, kept with the row, so an account's storage is summed from a small
-- covering index instead of reading every story's text.
ALTER TABLE stories ADD COLUMN text_bytes BIGINT NOT NULL DEFAULT 0;
UPDATE stories SET text_bytes = OCTET_LENGTH(title) + OCTET_LENGTH(content);
CREATE INDEX stories_user_text_bytes ON stories(user_id, text_bytes);
