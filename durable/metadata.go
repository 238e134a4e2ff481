package durable

import (
	"fmt"
	"strings"
	"time"

	"edgecrm/domain"
	"edgecrm/events"
	"edgecrm/projections"
	"edgecrm/sqldb"
)

// ExecuteMetadata decides a metadata command against the current schema
// and, if accepted, appends its events and projects them inline (new
// tables and columns, the _objects rows, metadata_version). A new field
// also joins its object's views. The caller runs
// it inside a storage transaction. New object and field ids are ULID-based
// UUIDs, so they sort by creation time.
func (w *Workspace) ExecuteMetadata(cmd domain.MetadataCommand, actor, commandID string) ([]events.Event, error) {
	newID := func() string { return NewRecordID(w.Now()) }
	changes, err := domain.DecideMetadata(w.Schema(), cmd, newID)
	if err != nil {
		return nil, err
	}
	if len(changes) == 0 {
		return nil, nil
	}
	if _, ok := cmd.(domain.CreateField); ok {
		views, err := w.Views()
		if err != nil {
			return nil, err
		}
		changes = append(changes, domain.ViewFieldsForNewFields(views, changes, newID)...)
	}
	return w.appendAndProject(changes, actor, commandID)
}

// metadataIndex names the partial index over the metadata events of the
// log; the name carries the list of types it covers.
const metadataIndex = "_events_metadata_v2"

// SchemaAt returns the schema as it was right after event seq, as a copy
// the caller may extend. When no metadata changed after seq it is the
// current schema; otherwise it is rebuilt from the metadata events up to
// seq (the D1 projection, which lags the log, needs the schema of its own
// checkpoint, not the current one).
func (w *Workspace) SchemaAt(seq int64) (*domain.Schema, error) {
	if w.stateInt("metadata_version") <= seq {
		cur := w.Schema()
		return &domain.Schema{Version: cur.Version, Objects: append([]*domain.Object(nil), cur.Objects...)}, nil
	}
	types := make([]string, len(domain.MetadataEventTypes))
	for i, t := range domain.MetadataEventTypes {
		types[i] = "'" + t + "'"
	}
	in := "type IN (" + strings.Join(types, ", ") + ")"
	// A partial index: only metadata events are in it, so it costs nothing
	// on record appends and finds the few metadata events of a long log.
	if _, err := w.DB.Exec(fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s ON _events (seq) WHERE %s`, metadataIndex, in)); err != nil {
		return nil, err
	}
	rows, err := w.DB.Exec(fmt.Sprintf(`SELECT seq, type, schema_version, at, payload FROM _events INDEXED BY %s WHERE %s AND seq <= ? ORDER BY seq`, metadataIndex, in), seq)
	if err != nil {
		return nil, err
	}
	s := &domain.Schema{}
	for _, r := range rows.Values {
		payload, _ := r[4].([]byte)
		if payload == nil {
			payload = []byte(sqldb.AsString(r[4]))
		}
		at, _ := time.Parse("2006-01-02T15:04:05.000Z", sqldb.AsString(r[3]))
		ev, err := events.Upcast(events.Event{Seq: sqldb.AsInt(r[0]), Type: sqldb.AsString(r[1]),
			SchemaVersion: int(sqldb.AsInt(r[2])), Time: at, Payload: payload})
		if err != nil {
			return nil, err
		}
		pl := domain.MetadataPayload(ev.Type)
		if err := ev.Decode(pl); err != nil {
			return nil, fmt.Errorf("durable: metadata event %d: %w", ev.Seq, err)
		}
		if s, err = domain.ApplyMetadata(s, ev.Type, pl); err != nil {
			return nil, fmt.Errorf("durable: metadata event %d: %w", ev.Seq, err)
		}
	}
	s.Version = int(seq)
	return s, nil
}

// Views returns the workspace's view items (read from the _views projection).
func (w *Workspace) Views() (domain.Views, error) { return projections.LoadViews(w.DB, "") }

// ExecuteView decides a view command against the schema and the current
// views and, if accepted, appends its events and projects them inline. The
// caller runs it inside a storage transaction.
func (w *Workspace) ExecuteView(cmd domain.ViewCommand, actor, commandID string) ([]events.Event, error) {
	views, err := w.Views()
	if err != nil {
		return nil, err
	}
	changes, err := domain.DecideView(w.Schema(), views, cmd, func() string { return NewRecordID(w.Now()) })
	if err != nil || len(changes) == 0 {
		return nil, err
	}
	return w.appendAndProject(changes, actor, commandID)
}
