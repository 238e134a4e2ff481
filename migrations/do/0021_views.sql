-- Views (domain/views.go, projections/views.go): Twenty's core views and
-- their fields, filters, filter groups, groups and sorts, projected from
-- the <kind>.created|updated|deleted|destroyed events of the log.
CREATE TABLE IF NOT EXISTS _views (id TEXT PRIMARY KEY, kind TEXT NOT NULL, view_id TEXT NOT NULL, object_id TEXT NOT NULL, field_id TEXT, body TEXT NOT NULL);
