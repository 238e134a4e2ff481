-- Emailed tokens (password reset, email verification): one outstanding
-- per kind, kept as its SHA-256 only, single use, until it expires.
CREATE TABLE _mail_tokens (
  kind TEXT PRIMARY KEY,
  hash TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL
);
-- account.emailVerified and account.deleted (a deleted account signs in no more).
ALTER TABLE _account ADD COLUMN email_verified INTEGER NOT NULL DEFAULT 0;
ALTER TABLE _account ADD COLUMN deleted_at TEXT;
