package durable

import (
	"encoding/json"
	"fmt"

	"edgecrm/domain"
	"edgecrm/durable/stream"
	"edgecrm/events"
	"edgecrm/host"
	"edgecrm/projections"
)

// The record log's outbox is a durable/stream: it carries the log to D1
// (the workspace's prefixed tables) and to the EVENTS queue.

// EntryOutbox starts a flush of the record log (the shell's "outbox").
var EntryOutbox = stream.EntriesOf("").Step

// Records returns the workspace's record stream.
func (w *Workspace) Records() *stream.Stream {
	return &stream.Stream{DB: w.DB, Store: w.Store, ID: w.ID, Queue: true, D1: w.d1Projection, Vars: w.vars, Notify: w.needsNotice}
}

// needsNotice: the consumer must tell this object what it consumed
// (durable/webhooks enqueues the deliveries, durable/workflows starts the
// runs of database-event triggers); without either it need not wake the
// object.
func (w *Workspace) needsNotice() bool {
	rows, err := w.DB.Exec(`SELECT 1 FROM _webhooks UNION ALL SELECT 1 FROM _wf_triggers WHERE type = 'DATABASE_EVENT' LIMIT 1`)
	return err != nil || len(rows.Values) > 0 // unsure: notify
}

// d1Projection projects record events (after seq from) into D1 with the
// schema as of D1's checkpoint, not the current one: metadata events after
// it must apply to the schema they were decided on.
func (w *Workspace) d1Projection(from int64, evs []events.Event) ([]host.Statement, error) {
	prefix := projections.D1Prefix(w.ID)
	p := &projections.Projector{Prefix: prefix, Schema: &domain.Schema{}}
	var stmts []host.Statement
	if from == 0 {
		stmts = append(stmts, host.Statement{SQL: projections.ObjectsTableDDL(prefix)})
	} else {
		s, err := w.SchemaAt(from)
		if err != nil {
			return nil, err
		}
		p.Schema = s
	}
	proj, err := p.ApplyAll(evs)
	if err != nil {
		return nil, err
	}
	return append(stmts, proj...), nil
}

// Checkpoints reports the log head and how far D1 and the queue are.
func (w *Workspace) Checkpoints() map[string]int64 {
	head, _ := w.Store.Head()
	d1, queue := w.Records().State()
	return map[string]int64{"head": head, "d1": d1, "queue": queue}
}

// QueueMessage returns the EVENTS message body of event seq.
func (w *Workspace) QueueMessage(seq int64) (json.RawMessage, error) {
	evs, err := w.Store.ReadFrom(seq-1, 1)
	if err != nil {
		return nil, err
	}
	if len(evs) == 0 {
		return nil, fmt.Errorf("%w: no event %d", domain.ErrNotFound, seq)
	}
	return stream.Render(w.ID, evs[0], w.needsNotice())
}
