-- The hourly housekeeping deletes expired sessions by expiry.
CREATE INDEX sessions_expires ON sessions(expires_at);
