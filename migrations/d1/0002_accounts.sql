-- Lookups that must not wake an object: users, workspaces, memberships, API
-- keys and revoked sessions. Projections of the account and workspace-access
-- logs (checkpoints in projection_checkpoints under "account:<id>" and
-- "access:<workspace>").
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL
);
CREATE TABLE workspaces (
  id TEXT PRIMARY KEY,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE memberships (
  workspace_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  member_id TEXT NOT NULL,
  role TEXT NOT NULL,
  joined_at TEXT NOT NULL,
  PRIMARY KEY (workspace_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  name TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  revoked_at TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX api_keys_workspace ON api_keys (workspace_id);
CREATE TABLE revoked_sessions (
  family_id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
