package durable

import (
	"encoding/json"
	"fmt"

	"github.com/vmihailenco/msgpack/v5"

	"edgecrm/domain"
	"edgecrm/events"
	"edgecrm/host"
	"edgecrm/projections"
	"edgecrm/sqldb"
)

// The outbox: the event log is the durable record of what still has to reach
// D1 and the EVENTS queue. `_state` holds how far each got (d1_seq,
// queue_seq); a flush moves them forward in order, one step per effect.
// The shell runs at most one flush per object at a time.

// Outbox entry names (continuations of the flush effects).
const (
	EntryOutbox       = "outbox"
	EntryOutboxD1     = "outbox.d1"
	EntryOutboxD1Done = "outbox.d1done"
	EntryOutboxQueued = "outbox.queued"
)

// Batch sizes: a D1 batch of up to 50 events, a queue batch of up to 100
// messages (the sendBatch limit).
const (
	d1BatchEvents    = 50
	queueBatchEvents = 100
)

// QueueMessage is the body of an EVENTS message: one event, JSON.
type QueueMessage struct {
	Workspace string         `json:"workspace"`
	Seq       int64          `json:"seq"`
	ID        string         `json:"id"`
	Type      string         `json:"type"`
	Version   int            `json:"schemaVersion"`
	Time      string         `json:"time"`
	Actor     string         `json:"actor"`
	CommandID string         `json:"commandId"`
	Payload   map[string]any `json:"payload"`
}

type outboxCtx struct {
	To int64 `json:"to"`
}

// OutboxStep returns the next effect of a flush, or none when D1 and the
// queue have every event.
func (w *Workspace) OutboxStep() (*host.Output, error) {
	head, err := w.Store.Head()
	if err != nil {
		return nil, err
	}
	if w.stateInt("d1_seq") < head {
		return &host.Output{Effects: []host.Effect{{
			Kind:   host.EffectD1Query,
			SQL:    "SELECT seq FROM projection_checkpoints WHERE workspace = ?",
			Params: []any{w.ID},
			Resume: &host.Resume{Entry: EntryOutboxD1},
		}}}, nil
	}
	return w.queueStep(head)
}

// OutboxD1 receives D1's checkpoint and sends the next batch from there:
// D1 is the authority on what it has, so a lost acknowledgement never
// applies an event twice.
func (w *Workspace) OutboxD1(in host.ResumeInput) (*host.Output, error) {
	if in.Error != "" {
		return nil, fmt.Errorf("d1 checkpoint read failed: %s", in.Error)
	}
	var res host.D1Result
	if err := json.Unmarshal(in.Result, &res); err != nil {
		return nil, err
	}
	var remote int64
	if len(res.Rows) > 0 {
		remote = sqldb.AsInt(res.Rows[0]["seq"])
	}
	if err := w.setState("d1_seq", remote); err != nil {
		return nil, err
	}
	return w.d1Batch(remote)
}

// OutboxD1Done records that D1 applied a batch and continues.
func (w *Workspace) OutboxD1Done(in host.ResumeInput) (*host.Output, error) {
	if in.Error != "" {
		return nil, fmt.Errorf("d1 batch failed: %s", in.Error)
	}
	var c outboxCtx
	if err := json.Unmarshal(in.Ctx, &c); err != nil {
		return nil, err
	}
	if err := w.setState("d1_seq", c.To); err != nil {
		return nil, err
	}
	head, err := w.Store.Head()
	if err != nil {
		return nil, err
	}
	if c.To < head {
		return w.d1Batch(c.To)
	}
	return w.queueStep(head)
}

// OutboxQueued records that the queue accepted messages up to ctx.to.
func (w *Workspace) OutboxQueued(in host.ResumeInput) (*host.Output, error) {
	if in.Error != "" {
		return nil, fmt.Errorf("queue send failed: %s", in.Error)
	}
	var c outboxCtx
	if err := json.Unmarshal(in.Ctx, &c); err != nil {
		return nil, err
	}
	if err := w.setState("queue_seq", c.To); err != nil {
		return nil, err
	}
	head, err := w.Store.Head()
	if err != nil {
		return nil, err
	}
	return w.queueStep(head)
}

// D1Statements returns the statements that project events (from, to] into
// D1, ending with the checkpoint move. Exported for the native host and
// tests; the flush uses it through d1Batch.
func (w *Workspace) D1Statements(from int64, limit int) ([]host.Statement, int64, error) {
	evs, err := w.Store.ReadFrom(from, limit)
	if err != nil {
		return nil, 0, err
	}
	prefix := projections.D1Prefix(w.ID)
	p := &projections.Projector{Prefix: prefix, Schema: &domain.Schema{}}
	var stmts []host.Statement
	if from == 0 {
		stmts = append(stmts, host.Statement{SQL: projections.ObjectsTableDDL(prefix)})
	} else {
		// The schema as of D1's checkpoint, not the current one: metadata
		// events after it must apply to the schema they were decided on.
		s, err := w.SchemaAt(from)
		if err != nil {
			return nil, 0, err
		}
		p.Schema = s
	}
	to := from
	for _, ev := range evs {
		s, err := p.Apply(ev)
		if err != nil {
			return nil, 0, err
		}
		stmts = append(stmts, s...)
		to = ev.Seq
	}
	stmts = append(stmts, host.Statement{
		SQL:  "INSERT INTO projection_checkpoints (workspace, seq) VALUES (?, ?) ON CONFLICT(workspace) DO UPDATE SET seq = excluded.seq",
		Args: []any{w.ID, to},
	})
	return stmts, to, nil
}

func (w *Workspace) d1Batch(from int64) (*host.Output, error) {
	stmts, to, err := w.D1Statements(from, d1BatchEvents)
	if err != nil {
		return nil, err
	}
	ctx, _ := json.Marshal(outboxCtx{To: to})
	return &host.Output{Effects: []host.Effect{{Kind: host.EffectD1Batch, Statements: stmts, Resume: &host.Resume{Entry: EntryOutboxD1Done, Ctx: ctx}}}}, nil
}

func (w *Workspace) queueStep(head int64) (*host.Output, error) {
	from := w.stateInt("queue_seq")
	if from >= head {
		return &host.Output{}, nil
	}
	evs, err := w.Store.ReadFrom(from, queueBatchEvents)
	if err != nil {
		return nil, err
	}
	msgs := make([]json.RawMessage, 0, len(evs))
	for _, ev := range evs {
		m, err := w.queueMessage(ev)
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, m)
	}
	ctx, _ := json.Marshal(outboxCtx{To: evs[len(evs)-1].Seq})
	return &host.Output{Effects: []host.Effect{{Kind: host.EffectQueueSend, Messages: msgs, Resume: &host.Resume{Entry: EntryOutboxQueued, Ctx: ctx}}}}, nil
}

func (w *Workspace) queueMessage(ev events.Event) (json.RawMessage, error) {
	var payload map[string]any
	if err := msgpack.Unmarshal(ev.Payload, &payload); err != nil {
		return nil, err
	}
	return json.Marshal(QueueMessage{Workspace: w.ID, Seq: ev.Seq, ID: ev.ID, Type: ev.Type, Version: ev.SchemaVersion,
		Time: ev.Time.UTC().Format(projections.TimeLayout), Actor: ev.Actor, CommandID: ev.CommandID, Payload: payload})
}

// Checkpoints reports the log head and how far D1 and the queue are.
func (w *Workspace) Checkpoints() map[string]int64 {
	head, _ := w.Store.Head()
	return map[string]int64{"head": head, "d1": w.stateInt("d1_seq"), "queue": w.stateInt("queue_seq")}
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
	return w.queueMessage(evs[0])
}
