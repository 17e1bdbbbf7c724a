-- Failed sign-ins, per normalised email and client address, shared by every server process.
CREATE TABLE signin_failures (
    email TEXT NOT NULL,
    address TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX signin_failures_key ON signin_failures(email, address, at);
CREATE INDEX signin_failures_at ON signin_failures(at);
