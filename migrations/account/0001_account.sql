-- An account Durable Object (one per normalized email): its own event log
-- and the projections of it, plus session state.
EVENT_LOG _events;
CREATE TABLE _state (
  key TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
-- The account (projection of account.* events): at most one row.
CREATE TABLE _account (
  user_id TEXT PRIMARY KEY,
  email TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  default_workspace_id TEXT NOT NULL,
  default_member_id TEXT NOT NULL,
  created_at TEXT NOT NULL
);
-- The account's workspaces (projection of account.membership* events).
CREATE TABLE _memberships (
  workspace_id TEXT PRIMARY KEY,
  member_id TEXT NOT NULL,
  role TEXT NOT NULL,
  joined_at TEXT NOT NULL
);
-- Refresh-token records (auth.RefreshStore): session state, not events.
CREATE TABLE _sessions (
  token_id TEXT PRIMARY KEY,
  family_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  workspace_id TEXT NOT NULL,
  used INTEGER NOT NULL DEFAULT 0,
  revoked INTEGER NOT NULL DEFAULT 0,
  expires_at TEXT NOT NULL
);
CREATE INDEX _sessions_family ON _sessions (family_id);
-- Login tokens already exchanged (each is good once), until they expire.
CREATE TABLE _login_tokens_used (
  token_id TEXT PRIMARY KEY,
  expires_at TEXT NOT NULL
);
