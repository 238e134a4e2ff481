-- Real-time subscriptions (package realtime).
-- _ws_specs: the distinct subscription specs (what to match and render).
CREATE TABLE _ws_specs (
  id INTEGER PRIMARY KEY,
  spec TEXT NOT NULL UNIQUE,
  shape TEXT NOT NULL
);
-- _ws_subs: every live subscription of the object's sockets (the sockets'
-- attachments are the truth, this is their index for fan-out). object ''
-- is the workspace-wide stream, since: deliver events with seq > since.
CREATE TABLE _ws_subs (
  conn TEXT NOT NULL,
  sub TEXT NOT NULL,
  object TEXT NOT NULL,
  spec INTEGER NOT NULL,
  since INTEGER NOT NULL,
  PRIMARY KEY (conn, sub)
) WITHOUT ROWID;
-- _ws_images: the stored row before and after recent record events (JSON),
-- kept while someone listens, for filters, payloads and resume.
CREATE TABLE _ws_images (
  seq INTEGER PRIMARY KEY,
  before TEXT,
  after TEXT,
  updated TEXT NOT NULL DEFAULT ''
);
