-- The workspace's settings (updateWorkspace): display name and logo,
-- projected from auth.workspaceUpdated.
ALTER TABLE _auth_workspace ADD COLUMN display_name TEXT NOT NULL DEFAULT '';
ALTER TABLE _auth_workspace ADD COLUMN logo TEXT NOT NULL DEFAULT '';
