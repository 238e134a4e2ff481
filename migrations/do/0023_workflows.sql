-- Workflow runs (durable/workflows): each run's whole engine state
-- (domain/workflow.Run as JSON), and the workflowRun record is its projection
-- next_at: when the object's alarm must advance the run (ms since the
-- epoch: a timer, a deferred HTTP step, the lease of one in flight, a
-- throttled start), NULL when it waits for nothing it can do alone.
CREATE TABLE _wf_runs (
  id TEXT PRIMARY KEY,
  workflow_id TEXT NOT NULL,
  version_id TEXT NOT NULL,
  status TEXT NOT NULL,
  next_at INTEGER,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  data TEXT NOT NULL
);
CREATE INDEX _wf_runs_due ON _wf_runs (next_at) WHERE next_at IS NOT NULL;
CREATE INDEX _wf_runs_started ON _wf_runs (started_at);
CREATE INDEX _wf_runs_workflow ON _wf_runs (workflow_id, created_at);
-- The active version of each workflow with an automated trigger
-- (DATABASE_EVENT, CRON, WEBHOOK): event_name for database events, next_at
-- for the next CRON firing.
CREATE TABLE _wf_triggers (
  workflow_id TEXT PRIMARY KEY,
  version_id TEXT NOT NULL,
  type TEXT NOT NULL,
  event_name TEXT,
  next_at INTEGER
);
