-- Workspace access (members, roles, invitations, API keys, revoked
-- sessions): a second event log in the workspace object, beside the record
-- log, and its inline projection. Written by package accounts.
EVENT_LOG _auth_events;
CREATE TABLE _auth_workspace (
  id TEXT PRIMARY KEY,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE _auth_members (
  member_id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL UNIQUE,
  email TEXT NOT NULL,
  account TEXT NOT NULL,
  role TEXT NOT NULL,
  joined_at TEXT NOT NULL
);
CREATE TABLE _auth_invitations (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL,
  role TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  expires_at TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE _auth_api_keys (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  revoked_at TEXT,
  created_at TEXT NOT NULL
);
CREATE TABLE _auth_revoked (
  family_id TEXT PRIMARY KEY,
  expires_at TEXT NOT NULL
);
