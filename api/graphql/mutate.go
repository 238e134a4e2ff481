package graphql

import (
	"errors"
	"fmt"

	"edgecrm/domain"
	"edgecrm/durable"
	"edgecrm/durable/backpressure"
	"edgecrm/events"
	"edgecrm/projections"
	"edgecrm/projections/query"
	"edgecrm/sqldb"
)

// mutate runs one mutation root field. Every command goes through
// Workspace.Execute (decide → append → project) in the request's
// transaction; a refused command returns its error and the whole request
// rolls back (see the status policy in graphql.go).
func (e *executor) mutate(op rootOp, obj *domain.Object, args map[string]any) (any, error) {
	switch op {
	case opCreateOne:
		data, err := dataArg(args["data"])
		if err != nil {
			return nil, err
		}
		upsert, _ := args["upsert"].(bool)
		return e.createOne(obj, data, upsert)
	case opCreateMany:
		items, ok := args["data"].([]any)
		if !ok {
			if m, isMap := args["data"].(map[string]any); isMap {
				items = []any{m}
			} else {
				return nil, badInput("data must be a list of %sCreateInput", typeNameOf(obj))
			}
		}
		if err := e.checkLimit("create"+pascal(obj.NamePlural), len(items)); err != nil {
			return nil, err
		}
		if err := backpressure.Check(e.w); err != nil { // bulk writers wait while the stream lags
			return nil, err
		}
		upsert, _ := args["upsert"].(bool)
		if !upsert {
			return e.createMany(obj, items)
		}
		out := make([]any, 0, len(items))
		for i, it := range items {
			data, err := dataArg(it)
			if err != nil {
				return nil, err
			}
			rec, err := e.createOne(obj, data, upsert)
			if err != nil {
				return nil, withIndex(err, i)
			}
			out = append(out, rec)
		}
		return out, nil
	case opUpdateOne:
		id, _ := args["id"].(string)
		data, err := dataArg(args["data"])
		if err != nil {
			return nil, err
		}
		cmd := domain.RecordCommand{Kind: domain.Update, Object: obj.NameSingular, ID: id, Data: data}
		if v, err := intArg(args["expectedVersion"]); err != nil {
			return nil, err
		} else if v != nil {
			n := int64(*v)
			cmd.ExpectedVersion = &n
		}
		if err := e.execute(cmd); err != nil {
			return nil, err
		}
		return e.reload(obj, id)
	case opDeleteOne, opRestoreOne, opDestroyOne:
		id, _ := args["id"].(string)
		kind := map[rootOp]domain.Kind{opDeleteOne: domain.Delete, opRestoreOne: domain.Restore, opDestroyOne: domain.Destroy}[op]
		var snapshot any
		if kind == domain.Destroy {
			var err error
			if snapshot, err = e.reload(obj, id); err != nil {
				return nil, err
			}
		}
		if err := e.execute(domain.RecordCommand{Kind: kind, Object: obj.NameSingular, ID: id}); err != nil {
			return nil, err
		}
		if kind == domain.Destroy {
			return snapshot, nil
		}
		return e.reload(obj, id)
	case opUpdateMany, opDeleteMany, opRestoreMany, opDestroyMany:
		filter, err := e.recordFilter(obj, args["filter"])
		if err != nil {
			return nil, err
		}
		var data map[string]any
		if op == opUpdateMany {
			if data, err = dataArg(args["data"]); err != nil {
				return nil, err
			}
		}
		switch op {
		case opRestoreMany: // only soft-deleted records can be restored
			filter = andFilters(filter, map[string]any{"deletedAt": map[string]any{"is": "NOT_NULL"}})
		case opDestroyMany: // soft-deleted records are destroyed too
			if !mentionsDeletedAt(filter) {
				filter = andFilters(filter, includeDeleted())
			}
		}
		name := map[rootOp]string{opUpdateMany: "update", opDeleteMany: "delete", opRestoreMany: "restore", opDestroyMany: "destroy"}[op] + pascal(obj.NamePlural)
		ids, err := e.matchIDs(obj, filter, name)
		if err != nil {
			return nil, err
		}
		kind := map[rootOp]domain.Kind{opUpdateMany: domain.Update, opDeleteMany: domain.Delete, opRestoreMany: domain.Restore, opDestroyMany: domain.Destroy}[op]
		out := make([]any, 0, len(ids))
		for _, id := range ids {
			if kind == domain.Destroy {
				snap, err := e.reload(obj, id)
				if err != nil {
					return nil, err
				}
				if snap == nil { // already gone (a cascade of an earlier destroy)
					continue
				}
				out = append(out, snap)
			}
			cmd := domain.RecordCommand{Kind: kind, Object: obj.NameSingular, ID: id}
			if data != nil {
				cmd.Data = copyMap(data)
			}
			if err := e.execute(cmd); err != nil {
				return nil, err
			}
		}
		if kind == domain.Destroy {
			return out, nil
		}
		for _, id := range ids {
			rec, err := e.reload(obj, id)
			if err != nil {
				return nil, err
			}
			if rec != nil {
				out = append(out, rec)
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown mutation %q", op)
}

// createMany creates items in bulk (durable.ExecuteCreatesRows) and
// answers from the rows projected, or reads them back a hundred a
// statement.
func (e *executor) createMany(obj *domain.Object, items []any) (any, error) {
	cmds := make([]domain.RecordCommand, len(items))
	ids := make([]string, len(items))
	for i, it := range items {
		data, err := dataArg(it)
		if err != nil {
			return nil, err
		}
		ids[i], _ = data["id"].(string)
		generated := ids[i] == ""
		if generated {
			ids[i] = durable.NewRecordID(e.w.Now())
		}
		cmds[i] = domain.RecordCommand{Kind: domain.Create, Object: obj.NameSingular, ID: ids[i], Data: copyMap(data), Generated: generated}
		if err := allowWrite(e.w, cmds[i]); err != nil {
			return nil, withIndex(err, i)
		}
	}
	evs, rows, err := e.w.ExecuteCreatesRows(cmds, e.actor, e.commandID)
	var be *durable.BatchError
	if errors.As(err, &be) {
		return nil, withIndex(be.Err, be.Index)
	}
	if err != nil {
		return nil, err
	}
	e.appendedEvents(evs)
	if rows != nil { // the rows as projected, as the read below returns them
		out := make([]any, len(rows))
		for i, row := range rows {
			out[i] = newRecord(obj, sqldb.RowOf(row), true)
		}
		return out, nil
	}
	byID := map[string]map[string]any{}
	lists, args := sqldb.InList(ids, sqldb.MaxParams)
	for i, in := range lists {
		rows, err := e.w.DB.Exec(fmt.Sprintf(`SELECT * FROM %s WHERE "id" IN (%s)`, projections.Q(table(obj)), in), args[i]...)
		if err != nil {
			return nil, err
		}
		for _, row := range rows.Maps() {
			byID[sqldb.AsString(row["id"])] = row
		}
	}
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = newRecord(obj, sqldb.RowOf(byID[id]), true)
	}
	return out, nil
}

// execute runs one command and accounts for the events it appended. The
// data goes to the domain as decoded: Decide validates and normalises it
// (date-times, numbers, position keywords) the same way for every API.
func (e *executor) execute(cmd domain.RecordCommand) error {
	if err := allowWrite(e.w, cmd); err != nil {
		return err
	}
	evs, err := e.w.Execute(cmd, e.actor, e.commandID)
	if err != nil {
		return err
	}
	e.appendedEvents(evs)
	return nil
}

// allowWrite refuses a create or update that sets a field the caller may
// not update (field permissions).
func allowWrite(w *durable.Workspace, cmd domain.RecordCommand) error {
	if obj := w.Schema().Object(cmd.Object); obj != nil && (cmd.Kind == domain.Create || cmd.Kind == domain.Update) {
		return w.AllowWrite(obj, cmd.Data)
	}
	return nil
}

// appendedEvents accounts for events a command appended.
func (e *executor) appendedEvents(evs []events.Event) {
	if len(evs) > 0 {
		if e.appended == 0 {
			e.firstSeq = evs[0].Seq
		}
		e.lastSeq = evs[len(evs)-1].Seq
		e.appended += int64(len(evs))
	}
	e.cache = nil
}

// createOne creates a record; with upsert, a record with the same id (or
// the same value of a unique field, e.g. domainName.primaryLinkUrl) is
// updated instead, as Twenty does.
func (e *executor) createOne(obj *domain.Object, data map[string]any, upsert bool) (any, error) {
	id, _ := data["id"].(string)
	if upsert {
		existing, err := e.upsertTarget(obj, data)
		if err != nil {
			return nil, err
		}
		if existing != "" {
			changes := copyMap(data)
			delete(changes, "id")
			if err := e.execute(domain.RecordCommand{Kind: domain.Update, Object: obj.NameSingular, ID: existing, Data: changes}); err != nil {
				return nil, err
			}
			return e.reload(obj, existing)
		}
	}
	generated := id == ""
	if generated {
		id = durable.NewRecordID(e.w.Now())
	}
	cmd := domain.RecordCommand{Kind: domain.Create, Object: obj.NameSingular, ID: id, Data: copyMap(data), Generated: generated}
	if err := allowWrite(e.w, cmd); err != nil {
		return nil, err
	}
	evs, row, err := e.w.ExecuteRow(cmd, e.actor, e.commandID)
	if err != nil {
		return nil, err
	}
	e.appendedEvents(evs)
	if row != nil { // the row as projected, as reload returns it
		return newRecord(obj, sqldb.RowOf(row), true), nil
	}
	return e.reload(obj, id)
}

// upsertTarget finds the record an upsert updates: by id, then by each
// unique field's primary column among live records.
func (e *executor) upsertTarget(obj *domain.Object, data map[string]any) (string, error) {
	if id, _ := data["id"].(string); id != "" && domain.IsUUID(id) {
		st, err := e.w.Record(obj.NameSingular, id)
		if err != nil || st != nil {
			return id, err
		}
		return "", nil
	}
	for _, key := range obj.UniqueKeys() {
		var v any = data[key.Field.Name]
		if key.Subfield != "" {
			m, _ := v.(map[string]any)
			v = m[key.Subfield]
		}
		s, ok := v.(string)
		if !ok || s == "" {
			continue
		}
		rows, err := e.w.DB.Exec(fmt.Sprintf(`SELECT "id" FROM %s WHERE %s = ? AND "deletedAt" IS NULL ORDER BY %s LIMIT 1`,
			projections.Q(table(obj)), projections.Q(key.Name), projections.DefaultOrder(obj)), s)
		if err != nil {
			return "", err
		}
		if len(rows.Values) > 0 {
			return sqldb.AsString(rows.Values[0][0]), nil
		}
	}
	return "", nil
}

// reload reads a record after a write (soft-deleted ones included).
func (e *executor) reload(obj *domain.Object, id string) (any, error) {
	rows, err := e.w.DB.Exec(fmt.Sprintf(`SELECT * FROM %s WHERE "id" = ?`, projections.Q(table(obj))), id)
	if err != nil {
		return nil, err
	}
	m := rows.Maps()
	if len(m) == 0 {
		return nil, nil
	}
	return newRecord(obj, sqldb.RowOf(m[0]), true), nil
}

// matchIDs returns the ids of obj's records matching filter, refusing more
// than MaxAffectedRecords.
func (e *executor) matchIDs(obj *domain.Object, filter map[string]any, mutation string) ([]string, error) {
	where, args, err := query.Where(e.meta, obj, table(obj), filter)
	if err != nil {
		return nil, err
	}
	sql := "SELECT \"id\" FROM " + projections.Q(table(obj))
	if where != "" {
		sql += " WHERE " + where
	}
	sql += fmt.Sprintf(` ORDER BY %s LIMIT %d`, projections.DefaultOrder(obj), MaxAffectedRecords+1)
	rows, err := e.w.DB.Exec(sql, args...)
	if err != nil {
		return nil, err
	}
	if err := e.checkLimit(mutation, len(rows.Values)); err != nil {
		return nil, err
	}
	ids := make([]string, len(rows.Values))
	for i, r := range rows.Values {
		ids[i] = sqldb.AsString(r[0])
	}
	return ids, nil
}

func (e *executor) checkLimit(mutation string, n int) error {
	if n > MaxAffectedRecords {
		return badInput("%s would affect more than %d records, the maximum per mutation: narrow the filter or split the request", mutation, MaxAffectedRecords)
	}
	return nil
}

func dataArg(v any) (map[string]any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, badInput("data must be an object")
	}
	return m, nil
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// indexedErr says which item of a createMany failed.
type indexedErr struct {
	err   error
	index int
}

func (e *indexedErr) Error() string { return fmt.Sprintf("data[%d]: %v", e.index, e.err) }
func (e *indexedErr) Unwrap() error { return e.err }

func withIndex(err error, i int) error { return &indexedErr{err: err, index: i} }
