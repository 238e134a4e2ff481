-- _wf_before: for an update event of an object a DATABASE_EVENT trigger
-- watches for updates, the record before the update (JSON),
-- kept when the event is appended and read when the consumer's notice
-- starts the runs (the trigger's properties.before), forgotten then.
CREATE TABLE _wf_before (
  seq INTEGER PRIMARY KEY,
  before TEXT NOT NULL
);
