-- Idempotency keys: only commands a client named are kept, each bound to
-- the request that first used its key (caller, method, path and query, body
-- hash), and forgotten 24 h after (a few per write, by age, hence the
-- index). The old table held every mutation's response, keyed or not, and
-- no binding: its rows are dropped.
DROP TABLE _commands;
CREATE TABLE _commands (
  id TEXT PRIMARY KEY,
  binding TEXT NOT NULL,
  result TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE INDEX _commands_at ON _commands (at);
