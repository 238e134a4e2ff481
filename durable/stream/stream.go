// Package stream is one event log as every object keeps it: the log table
// (one DDL, migrations/event_log.sql), its inline projection applied in the
// same transaction as the append, and a checkpointed outbox that carries the
// log to D1 and, for the record log, to the EVENTS queue.
//
// The workspace object keeps two streams (its records, and "access": members,
// API keys, sessions), each account object one ("account"). They differ only
// in their table, their projections and whether they feed the queue.
package stream

import (
	"encoding/json"
	"fmt"
	"time"

	"edgecrm/domain"
	"edgecrm/events"
	"edgecrm/host"
	"edgecrm/sqldb"
)

// Stream is one log for the duration of one call. The object's storage
// serializes calls; the shell runs at most one flush per object at a time.
type Stream struct {
	// Name says which log: "" for the workspace's records, "access",
	// "account". It names the outbox entries and the _state keys.
	Name  string
	DB    sqldb.DB
	Store events.Store
	// ID is the stream's row in D1's projection_checkpoints, and the
	// "workspace" of its queue messages.
	ID string
	// D1 returns the statements that project evs, the events after seq
	// from, into D1 (without the checkpoint move, which the stream adds).
	D1 func(from int64, evs []events.Event) ([]host.Statement, error)
	// Queue: the stream's events also go to EVENTS.
	Queue bool
	// Notify, when set, says whether the queue messages ask the consumer
	// for a notice (Message.Notify); asked once per batch.
	Notify func() bool
	// Vars, when set, is the call's _state (see Vars); nil reads per key.
	Vars *Vars
}

// Entries are the outbox's entry points: Step starts a flush, Sent
// continues it after a batch went out, Checkpoint after D1's own checkpoint
// was read.
type Entries struct{ Step, Checkpoint, Sent string }

// EntriesOf returns the outbox entries of the stream called name:
// "outbox", "outbox.d1", "outbox.sent", prefixed by "<name>." for a named
// stream.
func EntriesOf(name string) Entries {
	p := ""
	if name != "" {
		p = name + "."
	}
	return Entries{p + "outbox", p + "outbox.d1", p + "outbox.sent"}
}

// Entries returns s's outbox entries.
func (s *Stream) Entries() Entries { return EntriesOf(s.Name) }

// Limits of one flush step. Queues refuse a message over 128 KB and a
// sendBatch over 256 KB or 100 messages; the budgets keep a margin for the
// runtime's own framing. D1 gets at most D1BatchEvents events, and no more
// than d1BatchBytes of arguments unless a single event is larger; the queue
// up to QueueBatchesPerStep sendBatch calls. Each step is one entry into Go
// and one round trip to D1 and the queue, so a bulk load's flush takes
// steps of hundreds of events, not tens.
const (
	D1BatchEvents       = 500
	d1BatchBytes        = 1 << 20
	MaxBatchMessages    = 100
	QueueBatchesPerStep = 5
	MaxMessageBytes     = 128_000
	MaxBatchBytes       = 256_000
)

func (s *Stream) stateKey(what string) string {
	if s.Name == "" {
		return what
	}
	return s.Name + "_" + what
}

// State returns how far D1 and the queue are, as this object last saw it.
func (s *Stream) State() (d1, queue int64) {
	return s.stateInt(s.stateKey("d1_seq")), s.stateInt(s.stateKey("queue_seq"))
}

// Append appends evs to the log and hands each, sequenced, to project (the
// inline projection), in the caller's transaction: an error from either
// leaves that transaction to roll back.
func (s *Stream) Append(evs []events.Event, project func(events.Event) error) ([]events.Event, error) {
	return s.AppendAll(evs, func(appended []events.Event) error {
		for _, ev := range appended {
			if err := project(ev); err != nil {
				return err
			}
		}
		return nil
	})
}

// AppendAll is Append for a projection that takes all the appended events
// at once (multi-row inserts for a batch).
func (s *Stream) AppendAll(evs []events.Event, project func([]events.Event) error) ([]events.Event, error) {
	appended, err := s.Store.Append(evs)
	if err != nil {
		return nil, err
	}
	if err := project(appended); err != nil {
		return nil, err
	}
	return appended, nil
}

// Apply is an inline projection that emits statements; Exec runs them.
type Apply func(events.Event) ([]host.Statement, error)

// Exec returns a project function for Append and events.Replay that runs a's
// statements against db.
func (a Apply) Exec(db sqldb.DB) func(events.Event) error {
	return func(ev events.Event) error {
		st, err := a(ev)
		if err != nil {
			return err
		}
		if err := sqldb.ExecAll(db, st); err != nil {
			return fmt.Errorf("stream: projecting seq %d (%s): %w", ev.Seq, ev.Type, err)
		}
		return nil
	}
}

// ResetD1 forgets how far D1 is (after a replay) and returns the statement
// that resets D1's own checkpoint; the next flush rebuilds from 0.
func (s *Stream) ResetD1() (host.Statement, error) {
	return host.Statement{SQL: upsertCheckpoint, Args: []any{s.ID, int64(0)}}, s.setStates(map[string]int64{"d1_seq": 0, "d1_epoch": s.d1Epoch() + 1})
}

// d1Epoch counts the stream's D1 resets (ResetD1).
func (s *Stream) d1Epoch() int64 { return s.stateInt(s.stateKey("d1_epoch")) }

const upsertCheckpoint = "INSERT INTO projection_checkpoints (workspace, seq) VALUES (?, ?) ON CONFLICT(workspace) DO UPDATE SET seq = excluded.seq"

// Run runs entry if it is one of s's outbox entries (ok false otherwise).
func (s *Stream) Run(entry string, in *host.ResumeInput) (out *host.Output, ok bool, err error) {
	e := s.Entries()
	if entry == e.Step {
		out, err = s.Step()
		return out, true, err
	}
	if entry != e.Checkpoint && entry != e.Sent {
		return nil, false, nil
	}
	if in == nil {
		return nil, true, fmt.Errorf("stream: %s without a resume input", entry)
	}
	if entry == e.Checkpoint {
		out, err = s.checkpoint(*in)
	} else {
		out, err = s.sent(*in)
	}
	return out, true, err
}

// outboxCtx is what one step sent: D1 from → to (to == from: no D1
// batch) and the queue up to Queue (0: no queue batch).
type outboxCtx struct {
	From  int64 `json:"from"`
	To    int64 `json:"to"`
	Queue int64 `json:"queue,omitempty"`
	// Batches is how many queue batches the step sent (absent: one).
	Batches int `json:"batches,omitempty"`
	// Epoch is the stream's D1 epoch when the step began: ResetD1 (a
	// replay) moves it, and a continuation from before then moves no
	// D1 checkpoint.
	Epoch int64 `json:"epoch,omitempty"`
}

// Step returns the next batch of a flush, or nothing when D1 and the queue
// have every event. One seq effect carries both: the D1 batch, built from
// the checkpoint this object last saw and guarded by D1's own (see
// D1Batch), then the queue batch of events D1 has. A failed guard sends
// nothing more; the continuation then reads D1's checkpoint.
func (s *Stream) Step() (*host.Output, error) {
	head, err := s.Store.Head()
	if err != nil {
		return nil, err
	}
	d1, queued := s.State()
	if !s.Queue {
		queued = head
	}
	if d1 >= head && queued >= head {
		return &host.Output{}, nil
	}
	// In step, the queue is where D1 is and one read serves both.
	evs, err := s.Store.ReadFrom(d1, D1BatchEvents)
	if err != nil {
		return nil, err
	}
	c := outboxCtx{From: d1, To: d1}
	var effects []host.Effect
	if d1 < head {
		c.Epoch = s.d1Epoch() // only a D1 batch needs it (sent compares it)
		stmts, to, err := s.d1Statements(d1, evs)
		if err != nil {
			return nil, err
		}
		c.To = to
		effects = append(effects, host.Effect{Kind: host.EffectD1Batch, Statements: stmts})
	}
	if queued < c.To {
		if queued != d1 {
			if evs, err = s.Store.ReadFrom(queued, MaxBatchMessages*QueueBatchesPerStep); err != nil {
				return nil, err
			}
		}
		var ready []events.Event // only events D1 has
		for _, ev := range evs {
			if ev.Seq <= c.To {
				ready = append(ready, ev)
			}
		}
		notify := s.Notify != nil && s.Notify()
		for n := 0; n < QueueBatchesPerStep && len(ready) > 0; n++ {
			msgs, to, err := Batch(s.ID, ready, notify)
			if err != nil {
				return nil, err
			}
			c.Queue, c.Batches = to, n+1
			effects = append(effects, host.Effect{Kind: host.EffectQueueSend, Messages: msgs})
			ready = ready[len(msgs):]
		}
	}
	ctx, _ := json.Marshal(c)
	return &host.Output{Effects: []host.Effect{{Kind: host.EffectSeq, Effects: effects,
		Resume: &host.Resume{Entry: s.Entries().Sent, Ctx: ctx}}}}, nil
}

// sent records what a step's batches delivered and takes the next step.
// A failed D1 batch (its guard, most likely: D1's checkpoint is not the
// one this object saw) is followed by a read of D1's checkpoint.
func (s *Stream) sent(in host.ResumeInput) (*host.Output, error) {
	var c outboxCtx
	var res host.AllResult
	if err := json.Unmarshal(in.Ctx, &c); err != nil {
		return nil, err
	}
	if in.Error != "" {
		return nil, fmt.Errorf("outbox batch failed: %s", in.Error)
	}
	if err := json.Unmarshal(in.Result, &res); err != nil {
		return nil, err
	}
	i, set := 0, map[string]int64{} // the checkpoints move in one statement
	if c.To > c.From {
		if len(res.Results) == 0 || res.Results[0].Error != "" {
			ctx, _ := json.Marshal(outboxCtx{Epoch: c.Epoch})
			return &host.Output{Effects: []host.Effect{{
				Kind:   host.EffectD1Query,
				SQL:    "SELECT seq FROM projection_checkpoints WHERE workspace = ?",
				Params: []any{s.ID},
				Resume: &host.Resume{Entry: s.Entries().Checkpoint, Ctx: ctx},
			}}}, nil
		}
		// Not past a replay that reset D1 while the batch was out
		// (ResetD1): the next step rebuilds D1 from 0.
		if s.d1Epoch() == c.Epoch {
			set["d1_seq"] = c.To
		}
		i++
	}
	if c.Queue > 0 {
		// The step's queue batches run in order and stop at the first
		// failure, so all of them must have gone out to move the checkpoint.
		if len(res.Results) < i+max(1, c.Batches) {
			return nil, fmt.Errorf("queue send failed: %v", res.Results)
		}
		for _, r := range res.Results[i:] {
			if r.Error != "" {
				return nil, fmt.Errorf("queue send failed: %v", res.Results)
			}
		}
		set["queue_seq"] = c.Queue
	}
	if err := s.setStates(set); err != nil {
		return nil, err
	}
	return s.Step()
}

// checkpoint takes D1's own checkpoint as the one this object saw.
func (s *Stream) checkpoint(in host.ResumeInput) (*host.Output, error) {
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
	var c outboxCtx
	if len(in.Ctx) > 0 && json.Unmarshal(in.Ctx, &c) == nil && s.d1Epoch() != c.Epoch {
		return s.Step() // reset while the read was out (a replay): D1's answer is from before it
	}
	if err := s.setState("d1_seq", remote); err != nil {
		return nil, err
	}
	return s.Step()
}

// D1Batch returns the atomic D1 batch that projects the events after from
// (up to D1BatchEvents, within the byte budget) and moves the checkpoint
// from → to. Its first statement guards the move: when D1's checkpoint is
// not from (another flush got there first, or D1 was reset) it fails the
// NOT NULL constraint and D1 rolls the whole batch back, so no event is
// ever applied twice; the next step reads the checkpoint again.
func (s *Stream) D1Batch(from int64) ([]host.Statement, int64, error) {
	evs, err := s.Store.ReadFrom(from, D1BatchEvents)
	if err != nil {
		return nil, 0, err
	}
	return s.d1Statements(from, evs)
}

// d1Statements is D1Batch over evs, the events after from.
func (s *Stream) d1Statements(from int64, evs []events.Event) ([]host.Statement, int64, error) {
	if len(evs) > D1BatchEvents {
		evs = evs[:D1BatchEvents]
	}
	size := 0
	for i, ev := range evs {
		if size += len(ev.Payload); size > d1BatchBytes && i > 0 {
			evs = evs[:i]
			break
		}
	}
	stmts := []host.Statement{{
		SQL:  "INSERT INTO projection_checkpoints (workspace, seq) SELECT ?, NULL WHERE coalesce((SELECT seq FROM projection_checkpoints WHERE workspace = ?), 0) != ?",
		Args: []any{s.ID, s.ID, from},
	}}
	proj, err := s.D1(from, evs)
	if err != nil {
		return nil, 0, err
	}
	stmts = append(stmts, proj...)
	to := from
	if len(evs) > 0 {
		to = evs[len(evs)-1].Seq
	}
	stmts = append(stmts, host.Statement{SQL: upsertCheckpoint, Args: []any{s.ID, to}})
	return stmts, to, nil
}

// Batch renders the longest prefix of evs that fits one sendBatch (at most
// MaxBatchMessages messages and MaxBatchBytes in all; at least one) and
// returns it with the seq of its last event.
func Batch(id string, evs []events.Event, notify bool) ([]json.RawMessage, int64, error) {
	var msgs []json.RawMessage
	var to int64
	size := 0
	for _, ev := range evs {
		if len(msgs) == MaxBatchMessages {
			break
		}
		m, err := Render(id, ev, notify)
		if err != nil {
			return nil, 0, err
		}
		if size+len(m) > MaxBatchBytes && len(msgs) > 0 {
			break
		}
		size += len(m)
		msgs = append(msgs, m)
		to = ev.Seq
	}
	return msgs, to, nil
}

// Events builds the unsequenced events of one command's changes.
func Events(changes []domain.Change, at time.Time, actor, commandID string) ([]events.Event, error) {
	evs := make([]events.Event, len(changes))
	for i, c := range changes {
		e, err := events.NewDecoded(c.Type, 1, at, actor, commandID, c.Payload, decoded(c.Payload))
		if err != nil {
			return nil, err
		}
		evs[i] = e
	}
	return evs, nil
}

// decoded is a record event's payload as events.Event.Fields gives it
// (nil for other payloads, which are decoded when read).
func decoded(p any) map[string]any {
	switch x := p.(type) {
	case domain.RecordCreated:
		return map[string]any{"id": x.ID, "data": x.Data}
	case domain.RecordUpdated:
		return map[string]any{"id": x.ID, "changes": x.Changes}
	}
	return nil
}

// EachEvent makes a D1 projection of a stream from a projection of one
// event at a time (one that needs no state across the batch).
func EachEvent(f func(events.Event) ([]host.Statement, error)) func(int64, []events.Event) ([]host.Statement, error) {
	return func(_ int64, evs []events.Event) ([]host.Statement, error) {
		var out []host.Statement
		for _, ev := range evs {
			st, err := f(ev)
			if err != nil {
				return nil, err
			}
			out = append(out, st...)
		}
		return out, nil
	}
}
