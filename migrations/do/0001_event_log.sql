-- The workspace event log: the source of truth.
EVENT_LOG _events;
-- Results of commands already executed, by client command id (idempotent retries).
CREATE TABLE _commands (
  id TEXT PRIMARY KEY,
  result TEXT NOT NULL,
  at TEXT NOT NULL
);
-- Key/value state of the workspace: outbox checkpoints, metadata version.
CREATE TABLE _state (
  key TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
-- Metadata projection: one row per object (JSON of domain.Object).
CREATE TABLE _objects (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  body TEXT NOT NULL
);
