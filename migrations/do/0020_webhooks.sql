-- Webhooks (package durable/webhooks): Twenty's webhook entity, kept in
-- the workspace object as configuration (as Twenty keeps it in its core
-- schema, outside the workspace's records). operations: JSON array.
CREATE TABLE _webhooks (
  id TEXT PRIMARY KEY,
  targetUrl TEXT NOT NULL,
  operations TEXT NOT NULL,
  description TEXT,
  secret TEXT NOT NULL DEFAULT '',
  createdAt TEXT NOT NULL,
  updatedAt TEXT NOT NULL
);
-- _webhook_deliveries: one row per (webhook, event), the durable delivery
-- queue. The key makes a redelivered event enqueue nothing. body is the
-- exact JSON posted (the same on every attempt). status: pending,
-- delivered, failed. next_at: when a pending delivery is due (ms since the
-- epoch), also its lease while an attempt is in flight.
CREATE TABLE _webhook_deliveries (
  id INTEGER PRIMARY KEY,
  webhook_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  event_name TEXT NOT NULL,
  body TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL,
  UNIQUE (webhook_id, seq)
);
CREATE INDEX _webhook_deliveries_due ON _webhook_deliveries (status, next_at);
-- _webhook_log: every attempt (status code or error, latency), per webhook.
CREATE TABLE _webhook_log (
  id INTEGER PRIMARY KEY,
  webhook_id TEXT NOT NULL,
  delivery_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  event_name TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  status INTEGER,
  error TEXT,
  latency_ms INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE INDEX _webhook_log_by_webhook ON _webhook_log (webhook_id, id);
