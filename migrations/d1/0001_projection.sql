-- D1 holds every workspace's read models (tables prefixed w_<workspace>_),
-- the projection checkpoints and what the queue consumer has seen.
CREATE TABLE projection_checkpoints (
  workspace TEXT PRIMARY KEY,
  seq INTEGER NOT NULL
);
CREATE TABLE consumed_events (
  workspace TEXT NOT NULL,
  seq INTEGER NOT NULL,
  event_id TEXT NOT NULL,
  type TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  consumed_at TEXT NOT NULL,
  PRIMARY KEY (workspace, seq)
);
CREATE TABLE dead_letters (
  message_id TEXT PRIMARY KEY,
  workspace TEXT,
  seq INTEGER,
  body TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  received_at TEXT NOT NULL
);
