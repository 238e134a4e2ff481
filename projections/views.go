package projections

import (
	"encoding/json"
	"fmt"

	"edgecrm/domain"
	"edgecrm/events"
	"edgecrm/host"
	"edgecrm/sqldb"
)

// ViewsTable is the view projection: one row per view item (domain.ViewItem),
// body = Twenty's members as JSON (createdAt, updatedAt, deletedAt kept
// there). view_id is the item's view (a view's own id for a view), so a
// view is destroyed with its items in one statement; object_id and
// field_id let an object's or a field's deletion take its view items along.
const ViewsTable = "_views"

// ViewsTableDDL creates the view projection table of a sink (the DO's
// comes from its migrations too; D1's from the first view event).
func ViewsTableDDL(prefix string) string {
	return fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s (id TEXT PRIMARY KEY, kind TEXT NOT NULL, view_id TEXT NOT NULL, object_id TEXT NOT NULL, field_id TEXT, body TEXT NOT NULL)",
		Q(prefix+ViewsTable))
}

// applyView returns the statements that project view event ev.
func (p *Projector) applyView(ev events.Event) ([]host.Statement, error) {
	kind, action := domain.SplitEventType(ev.Type)
	table := Q(p.Prefix + ViewsTable)
	at := ev.Time.UTC().Format(TimeLayout)
	// The table may not exist yet in this sink (a D1 projection, a rebuild).
	out := []host.Statement{{SQL: ViewsTableDDL(p.Prefix)}}
	switch action {
	case domain.ActionCreated:
		var pl domain.ViewItemsCreated
		if err := ev.Decode(&pl); err != nil {
			return nil, err
		}
		rows := make([][]any, 0, len(pl.Items))
		for _, it := range pl.Items {
			body := map[string]any{}
			for k, v := range it.Body {
				body[k] = v
			}
			body["createdAt"], body["updatedAt"], body["deletedAt"] = at, at, nil
			b, err := json.Marshal(body)
			if err != nil {
				return nil, err
			}
			rows = append(rows, []any{it.ID, string(it.Kind), it.ViewID, it.ObjectID, nullable(it.FieldID()), string(b)})
		}
		return append(out, sqldb.InsertRows(fmt.Sprintf("INSERT INTO %s (id, kind, view_id, object_id, field_id, body)", table), rows)...), nil
	case domain.ActionUpdated:
		var pl domain.ViewItemUpdated
		if err := ev.Decode(&pl); err != nil {
			return nil, err
		}
		set := map[string]any{"updatedAt": at}
		for k, v := range pl.Set {
			set[k] = v
		}
		b, err := json.Marshal(set)
		if err != nil {
			return nil, err
		}
		// json_patch drops members set to null, which read back as null.
		if f, ok := pl.Set["fieldMetadataId"]; ok {
			return append(out, host.Statement{SQL: fmt.Sprintf("UPDATE %s SET body = json_patch(body, ?), field_id = ? WHERE id = ?", table),
				Args: []any{string(b), f, pl.ID}}), nil
		}
		return append(out, host.Statement{SQL: fmt.Sprintf("UPDATE %s SET body = json_patch(body, ?) WHERE id = ?", table),
			Args: []any{string(b), pl.ID}}), nil
	case domain.ActionDeleted, domain.ActionDestroyed:
		var pl domain.ViewItemRemoved
		if err := ev.Decode(&pl); err != nil {
			return nil, err
		}
		switch {
		case action == domain.ActionDeleted:
			out = append(out, host.Statement{SQL: fmt.Sprintf(`UPDATE %s SET body = json_set(body, '$.deletedAt', ?, '$.updatedAt', ?) WHERE id = ?`, table),
				Args: []any{at, at, pl.ID}})
		case kind == string(domain.KindView):
			out = append(out, host.Statement{SQL: fmt.Sprintf("DELETE FROM %s WHERE view_id = ?", table), Args: []any{pl.ID}})
		default:
			out = append(out, host.Statement{SQL: fmt.Sprintf("DELETE FROM %s WHERE id = ?", table), Args: []any{pl.ID}})
		}
		return out, nil
	}
	return nil, fmt.Errorf("projections: unknown view event %q", ev.Type)
}

// viewCleanup removes the view items of a deleted object, or those about a
// deleted field (and the inverse side of a relation), as Twenty does.
func (p *Projector) viewCleanup(ev events.Event) ([]host.Statement, error) {
	table := Q(p.Prefix + ViewsTable)
	// The table may not exist yet in this sink (a D1 projection, a rebuild).
	out := []host.Statement{{SQL: ViewsTableDDL(p.Prefix)}}
	switch ev.Type {
	case domain.EventObjectDeleted:
		var pl domain.ObjectDeleted
		if err := ev.Decode(&pl); err != nil {
			return nil, err
		}
		return append(out, host.Statement{SQL: fmt.Sprintf("DELETE FROM %s WHERE object_id = ?", table), Args: []any{pl.ObjectID}}), nil
	case domain.EventFieldDeleted:
		var pl domain.FieldDeleted
		if err := ev.Decode(&pl); err != nil {
			return nil, err
		}
		return append(out, host.Statement{SQL: fmt.Sprintf("DELETE FROM %s WHERE field_id IN (?, ?)", table), Args: []any{pl.FieldID, pl.InverseFieldID}}), nil
	}
	return nil, nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// LoadViews reads the view projection of a sink: every item, the
// soft-deleted ones marked.
func LoadViews(db sqldb.DB, prefix string) (domain.Views, error) {
	rows, err := db.Exec(fmt.Sprintf("SELECT id, kind, view_id, object_id, body FROM %s", Q(prefix+ViewsTable)))
	if err != nil {
		return nil, err
	}
	out := make(domain.Views, len(rows.Values))
	for _, r := range rows.Values {
		it := &domain.ViewItem{ID: sqldb.AsString(r[0]), Kind: domain.ViewKind(sqldb.AsString(r[1])),
			ViewID: sqldb.AsString(r[2]), ObjectID: sqldb.AsString(r[3])}
		if err := json.Unmarshal([]byte(sqldb.AsString(r[4])), &it.Body); err != nil {
			return nil, fmt.Errorf("projections: bad view item %s: %w", it.ID, err)
		}
		it.Deleted = it.Body["deletedAt"] != nil
		out[it.ID] = it
	}
	return out, nil
}
