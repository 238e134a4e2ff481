package durable

import (
	"fmt"

	"edgecrm/domain"
	"edgecrm/events"
	"edgecrm/projections"
	"edgecrm/sqldb"
)

// BatchError says which command of a batch was refused (nothing of the
// batch is written: every command is decided before any write).
type BatchError struct {
	Index int
	Err   error
}

func (e *BatchError) Error() string { return fmt.Sprintf("command %d: %v", e.Index, e.Err) }
func (e *BatchError) Unwrap() error { return e.Err }

// ExecuteCreates decides a batch of create commands, then appends all
// their events and projects them at once (multi-row inserts): the bulk
// path of a batch create. Each command is decided against the store plus
// the records the commands before it create, so the outcome is the one of
// executing them in order; the existence of every id the batch names (its
// own, and the relations it points at) is read up front, a hundred ids a
// statement. A batch using position keywords ("first", "last") runs
// command by command instead, since each one moves the range.
func (w *Workspace) ExecuteCreates(cmds []domain.RecordCommand, actor, commandID string) ([]events.Event, error) {
	evs, _, err := w.executeCreates(cmds, actor, commandID, false)
	return evs, err
}

// ExecuteCreatesRows is ExecuteCreates also returning the created records'
// rows as SELECT * would read them (projections.StoredRow: a NULL column
// may be absent), in cmds' order, so the caller answers without reading them back; nil when the
// batch did not run in bulk or a row might read back otherwise.
func (w *Workspace) ExecuteCreatesRows(cmds []domain.RecordCommand, actor, commandID string) ([]events.Event, []map[string]any, error) {
	return w.executeCreates(cmds, actor, commandID, true)
}

func (w *Workspace) executeCreates(cmds []domain.RecordCommand, actor, commandID string, keepRows bool) ([]events.Event, []map[string]any, error) {
	for i, c := range cmds {
		if _, keyword := c.Data["position"].(string); keyword || c.Kind != domain.Create {
			evs, err := w.executeEach(cmds, i, actor, commandID)
			return evs, nil, err
		}
	}
	st := &batchState{Workspace: w, known: map[recordKey]*domain.RecordState{}}
	if err := st.prefetch(cmds); err != nil {
		return nil, nil, err
	}
	var changes []domain.Change
	for i, c := range cmds {
		ch, err := domain.Decide(st, c)
		if err != nil {
			return nil, nil, &BatchError{Index: i, Err: err}
		}
		st.known[recordKey{c.Object, c.ID}] = &domain.RecordState{Version: 1}
		changes = append(changes, ch...)
	}
	if keepRows {
		w.created = make(map[string]map[string]any, len(cmds))
		defer func() { w.created = nil }()
	}
	evs, err := w.appendAndProject(changes, actor, commandID)
	if err != nil || !keepRows {
		return evs, nil, err
	}
	rows := make([]map[string]any, len(cmds))
	for i, c := range cmds {
		obj := w.Schema().Object(c.Object)
		if obj == nil {
			return evs, nil, nil
		}
		row, ok := projections.StoredRow(obj, w.created[c.ID])
		if !ok {
			return evs, nil, nil
		}
		rows[i] = row
	}
	return evs, rows, nil
}

// executeEach runs cmds[:bulk] in bulk, then the rest one by one.
func (w *Workspace) executeEach(cmds []domain.RecordCommand, bulk int, actor, commandID string) ([]events.Event, error) {
	var all []events.Event
	if bulk > 0 {
		evs, err := w.ExecuteCreates(cmds[:bulk], actor, commandID)
		if err != nil {
			return nil, err
		}
		all = evs
	}
	for i := bulk; i < len(cmds); i++ {
		evs, err := w.Execute(cmds[i], actor, commandID)
		if err != nil {
			return nil, &BatchError{Index: i, Err: err}
		}
		all = append(all, evs...)
	}
	return all, nil
}

type recordKey struct{ object, id string }

// batchState is the domain.State a batch is decided on: the workspace,
// with the records read up front and those the batch creates.
type batchState struct {
	*Workspace
	known map[recordKey]*domain.RecordState // nil value: known not to exist
}

func (b *batchState) Record(object, id string) (*domain.RecordState, error) {
	if st, ok := b.known[recordKey{object, id}]; ok {
		return st, nil
	}
	return b.Workspace.Record(object, id)
}

// prefetch reads the state of every record cmds name: their own ids and
// the ids their MANY_TO_ONE relations point at.
func (b *batchState) prefetch(cmds []domain.RecordCommand) error {
	schema := b.Schema()
	want := map[string][]string{}
	add := func(object string, v any) {
		if id, ok := v.(string); ok && domain.IsUUID(id) && schema.Object(object) != nil {
			if _, seen := b.known[recordKey{object, id}]; !seen {
				b.known[recordKey{object, id}] = nil
				want[object] = append(want[object], id)
			}
		}
	}
	for _, c := range cmds {
		obj := schema.Object(c.Object)
		if obj == nil {
			continue
		}
		if !c.Generated {
			add(c.Object, c.ID)
		}
		for _, f := range obj.Fields {
			if f.Type == domain.TypeRelation && f.Relation != nil && f.Relation.Type == domain.ManyToOne {
				add(f.Relation.TargetObject, c.Data[f.JoinColumn()])
			}
		}
	}
	for object, ids := range want {
		lists, args := sqldb.InList(ids, sqldb.MaxParams)
		for i, in := range lists {
			rows, err := b.DB.Exec(fmt.Sprintf(`SELECT id, "_version", "deletedAt" FROM %s WHERE id IN (%s)`, projections.Q(object), in), args[i]...)
			if err != nil {
				return err
			}
			for _, r := range rows.Values {
				b.known[recordKey{object, sqldb.AsString(r[0])}] = &domain.RecordState{Version: sqldb.AsInt(r[1]), Deleted: r[2] != nil}
			}
		}
	}
	return nil
}
