-- Custom roles and their permissions (domain/roles.go), projected from the
-- access log's auth.roleSaved / auth.roleDeleted: one row per role, the
-- whole role as JSON.
CREATE TABLE IF NOT EXISTS _auth_roles (id TEXT PRIMARY KEY, body TEXT NOT NULL);
-- An API key's role (assignRoleToApiKey): a standard role's name or a
-- custom role's id (NULL: Member).
ALTER TABLE _auth_api_keys ADD COLUMN role TEXT;
