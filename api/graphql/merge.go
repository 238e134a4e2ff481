package graphql

import (
	"fmt"

	"edgecrm/domain"
	"edgecrm/projections"
	"edgecrm/sqldb"
)

// merge runs merge<Objects>(ids, conflictPriorityIndex, dryRun): one
// domain.MergeCommand (the same events whichever API carries it). It
// returns the kept record as it is after the merge, or, for a dry run, as
// it would be (nothing is written).
func (e *executor) merge(obj *domain.Object, args map[string]any) (any, error) {
	list, _ := args["ids"].([]any)
	ids := make([]string, len(list))
	for i, v := range list {
		s, ok := v.(string)
		if !ok {
			return nil, badInput("ids must be UUIDs")
		}
		ids[i] = s
	}
	priority, err := intArg(args["conflictPriorityIndex"])
	if err != nil || priority == nil {
		return nil, badInput("conflictPriorityIndex must be an integer")
	}
	dryRun, _ := args["dryRun"].(bool)
	cmd := domain.MergeCommand{Object: obj.NameSingular, IDs: ids, Priority: *priority}
	kept, merged, evs, err := e.w.ExecuteMerge(cmd, dryRun, e.actor, e.commandID)
	if err != nil {
		return nil, err
	}
	if !dryRun {
		e.appendedEvents(evs)
		return e.reload(obj, kept)
	}
	rows, err := e.w.DB.Exec(fmt.Sprintf(`SELECT * FROM %s WHERE "id" = ?`, projections.Q(table(obj))), kept)
	if err != nil {
		return nil, err
	}
	m := rows.Maps()
	if len(m) == 0 {
		return nil, nil
	}
	for col, v := range projections.Flatten(obj, merged) {
		m[0][col] = v
	}
	return newRecord(obj, sqldb.RowOf(m[0]), false), nil
}

// duplicates runs <object>Duplicates(ids, data): for each record named
// (by id, or by the values of a record not yet created), the connection of
// the other records that agree with it on one of the object's duplicate
// criteria (domain.DuplicateCriteria), soft-deleted ones left out.
func (e *executor) duplicates(obj *domain.Object, args map[string]any) (any, error) {
	var sources []map[string]any // column → value, plus "id" for stored records
	if list, ok := args["ids"].([]any); ok {
		for _, v := range list {
			id, _ := v.(string)
			rows, err := e.w.DB.Exec(fmt.Sprintf(`SELECT * FROM %s WHERE "id" = ?`, projections.Q(table(obj))), id)
			if err != nil {
				return nil, err
			}
			m := rows.Maps()
			if len(m) == 0 {
				return nil, &domain.NotFoundError{Object: obj.NameSingular, ID: id}
			}
			sources = append(sources, m[0])
		}
	}
	if list, ok := args["data"].([]any); ok {
		for _, v := range list {
			d, _ := v.(map[string]any)
			sources = append(sources, projections.Flatten(obj, d))
		}
	}
	if len(sources) > MaxAffectedRecords {
		return nil, badInput("at most %d records at once", MaxAffectedRecords)
	}
	out := make([]any, len(sources))
	for i, src := range sources {
		var groups []any
		for _, cols := range domain.DuplicateCriteria(obj) {
			var conds []any
			for _, c := range cols {
				v := src[c.Name]
				if v == nil || v == "" {
					conds = nil
					break
				}
				cond := map[string]any{"eq": v}
				if c.Subfield != "" {
					cond = map[string]any{c.Subfield: cond}
				}
				conds = append(conds, map[string]any{c.Field.Name: cond})
			}
			if len(conds) > 0 {
				groups = append(groups, map[string]any{"and": conds})
			}
		}
		filter := map[string]any{"id": map[string]any{"in": []any{}}}
		if len(groups) > 0 {
			filter = map[string]any{"or": groups}
			if id, ok := src["id"].(string); ok {
				filter = map[string]any{"and": []any{filter, map[string]any{"id": map[string]any{"neq": id}}}}
			}
		}
		conn, err := e.findMany(obj, map[string]any{"filter": filter}, nil, false, nil)
		if err != nil {
			return nil, err
		}
		out[i] = conn
	}
	return out, nil
}
