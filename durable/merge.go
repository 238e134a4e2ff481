package durable

import (
	"fmt"

	"edgecrm/domain"
	"edgecrm/events"
	"edgecrm/projections"
)

// RecordData implements domain.MergeState from the inline read model: the
// record's values, GraphQL-shaped (nil when it does not exist).
func (w *Workspace) RecordData(object, id string) (map[string]any, error) {
	obj := w.Schema().Object(object)
	if obj == nil {
		return nil, nil
	}
	rows, err := w.DB.Exec(fmt.Sprintf(`SELECT * FROM %s WHERE id = ?`, projections.Q(object)), id)
	if err != nil {
		return nil, err
	}
	m := rows.Maps()
	if len(m) == 0 {
		return nil, nil
	}
	return projections.Unflatten(obj, m[0]), nil
}

// ExecuteMerge decides a merge (domain.DecideMerge) and, unless dryRun,
// appends its events and projects them. It returns the kept record's id
// and the merged values it takes (for a dry run, what it would take).
func (w *Workspace) ExecuteMerge(cmd domain.MergeCommand, dryRun bool, actor, commandID string) (string, map[string]any, []events.Event, error) {
	kept, merged, changes, err := domain.DecideMerge(w, cmd)
	if err != nil || dryRun {
		return kept, merged, nil, err
	}
	evs, err := w.appendAndProject(changes, actor, commandID)
	return kept, merged, evs, err
}
