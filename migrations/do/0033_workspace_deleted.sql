-- deleteCurrentWorkspace: a deleted workspace is never created again.
ALTER TABLE _auth_workspace ADD COLUMN deleted_at TEXT;
