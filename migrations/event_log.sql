-- An event log (package events, durable/stream): the source of truth of
-- one stream. Migrations create one with the line `EVENT_LOG <table>`.
CREATE TABLE {{table}} (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  schema_version INTEGER NOT NULL,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  command_id TEXT NOT NULL,
  payload BLOB NOT NULL
)
