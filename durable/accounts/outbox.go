package accounts

import (
	"encoding/json"
	"fmt"

	"edgecrm/events"
	"edgecrm/host"
	"edgecrm/sqldb"
)

// stream is a log whose D1 projection is kept by a checkpointed outbox, like
// the record log's (durable/outbox.go), D1 only: D1's projection_checkpoints
// row (under key) is the authority on what D1 has, _state (under stateKey)
// remembers it locally, and each batch moves the checkpoint atomically with
// the statements it applies.
type stream struct {
	db       sqldb.DB
	store    events.Store
	key      string // projection_checkpoints.workspace
	stateKey string // _state key
	entries  outboxEntries
	d1       func(ev events.Event) ([]host.Statement, error)
}

type outboxEntries struct{ step, checkpoint, done string }

const streamBatch = 50

func (s *stream) state() int64 {
	rows, err := s.db.Exec(`SELECT value FROM _state WHERE key = ?`, s.stateKey)
	if err != nil {
		panic(fmt.Sprintf("accounts: reading %s: %v", s.stateKey, err))
	}
	return rows.Int()
}

func (s *stream) setState(v int64) error {
	_, err := s.db.Exec(`INSERT INTO _state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`, s.stateKey, v)
	return err
}

// Step starts (or continues) a flush: nothing when D1 has everything.
func (s *stream) Step() (*host.Output, error) {
	head, err := s.store.Head()
	if err != nil {
		return nil, err
	}
	if s.state() >= head {
		return &host.Output{}, nil
	}
	return &host.Output{Effects: []host.Effect{{
		Kind:   host.EffectD1Query,
		SQL:    "SELECT seq FROM projection_checkpoints WHERE workspace = ?",
		Params: []any{s.key},
		Resume: &host.Resume{Entry: s.entries.checkpoint},
	}}}, nil
}

// Checkpoint receives D1's checkpoint and sends the next batch from there.
func (s *stream) Checkpoint(in host.ResumeInput) (*host.Output, error) {
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
	if err := s.setState(remote); err != nil {
		return nil, err
	}
	return s.batch(remote)
}

type streamCtx struct {
	To int64 `json:"to"`
}

// Done records that D1 applied a batch and continues.
func (s *stream) Done(in host.ResumeInput) (*host.Output, error) {
	if in.Error != "" {
		return nil, fmt.Errorf("d1 batch failed: %s", in.Error)
	}
	var c streamCtx
	if err := json.Unmarshal(in.Ctx, &c); err != nil {
		return nil, err
	}
	if err := s.setState(c.To); err != nil {
		return nil, err
	}
	head, err := s.store.Head()
	if err != nil {
		return nil, err
	}
	if c.To < head {
		return s.batch(c.To)
	}
	return &host.Output{}, nil
}

func (s *stream) batch(from int64) (*host.Output, error) {
	evs, err := s.store.ReadFrom(from, streamBatch)
	if err != nil {
		return nil, err
	}
	if len(evs) == 0 {
		return &host.Output{}, nil
	}
	var stmts []host.Statement
	to := from
	for _, ev := range evs {
		st, err := s.d1(ev)
		if err != nil {
			return nil, err
		}
		stmts = append(stmts, st...)
		to = ev.Seq
	}
	stmts = append(stmts, host.Statement{
		SQL:  "INSERT INTO projection_checkpoints (workspace, seq) VALUES (?, ?) ON CONFLICT(workspace) DO UPDATE SET seq = excluded.seq",
		Args: []any{s.key, to},
	})
	ctx, _ := json.Marshal(streamCtx{To: to})
	return &host.Output{Effects: []host.Effect{{Kind: host.EffectD1Batch, Statements: stmts,
		Resume: &host.Resume{Entry: s.entries.done, Ctx: ctx}}}}, nil
}
