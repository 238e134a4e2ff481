-- The consumer's gate (the highest seq consumed or dead-lettered, per
-- workspace) reads max(seq) of a workspace's dead letters from this index,
-- as it does from consumed_events' primary key.
CREATE INDEX dead_letters_by_workspace_seq ON dead_letters (workspace, seq);
