package events

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"edgecrm/sqldb"
)

// Store is the append-only log of one workspace. Implementations are used
// from one goroutine at a time (the workspace's Durable Object serializes).
type Store interface {
	// Append assigns the next sequence numbers to evs, stores them and
	// returns them sequenced. It appends all or none.
	Append(evs []Event) ([]Event, error)
	// ReadFrom returns up to limit events with Seq > after, in order.
	ReadFrom(after int64, limit int) ([]Event, error)
	// Head returns the last sequence number (0 for an empty log).
	Head() (int64, error)
	// Command returns the record of command id, if one is kept.
	Command(id string) (c CommandRecord, found bool, err error)
	// RecordCommand keeps c (replacing an expired record of its id), and
	// forgets at most ForgetPerRecord commands recorded before expired
	// (bounded work per write).
	RecordCommand(c CommandRecord, expired time.Time) error
}

// CommandRecord is the outcome of a command a client named (an
// idempotency key), kept so that a retry gets it back.
type CommandRecord struct {
	ID      string    // the client's key, namespaced by API
	Binding string    // what the key was first used for (caller and request)
	Result  []byte    // the response
	At      time.Time // when it was recorded
}

// ForgetPerRecord is how many expired commands one RecordCommand forgets.
// More than one, so that the kept commands shrink back after a burst.
const ForgetPerRecord = 8

// Replay hands every event of the log to apply, in order and in chunks,
// and returns the last seq applied. It is the one rebuild loop: every
// projection (records, access, account) replays through it.
func Replay(store Store, apply func(Event) error) (int64, error) {
	return ReplayChunks(store, func(evs []Event) error {
		for _, ev := range evs {
			if err := apply(ev); err != nil {
				return err
			}
		}
		return nil
	})
}

// ReplayChunk is how many events ReplayChunks reads and hands over at once.
const ReplayChunk = 2000

// ReplayChunks is Replay for a projection that applies many events at
// once (multi-row inserts): it hands over the log ReplayChunk events at a
// time.
func ReplayChunks(store Store, apply func([]Event) error) (int64, error) {
	var last int64
	for {
		evs, err := store.ReadFrom(last, ReplayChunk)
		if err != nil || len(evs) == 0 {
			return last, err
		}
		if err := apply(evs); err != nil {
			return 0, err
		}
		last = evs[len(evs)-1].Seq
	}
}

// ErrDuplicateEvent is returned when an event id is appended twice.
var ErrDuplicateEvent = errors.New("events: duplicate event id")

// SQLStore keeps the log in SQL tables created by migrations/do.
type SQLStore struct {
	DB sqldb.DB
	// Table is the log's table ("_events" when empty); another table with
	// the same columns holds a second log in the same storage.
	Table string
	// head is the last seq once SetHead told it; Append keeps it. Only the
	// store of a call's one writer to its log may be told (durable.Open).
	head      int64
	headKnown bool
	// tail: the last events appended through this store (MaxTail at
	// most), as ReadFrom would read them but still decoded, up to head. A
	// read they cover (the outbox's, right after the commands) is served
	// from them: no statement, no payload decoded again.
	tail []Event
}

// MaxTail bounds the events a store keeps in memory (Tail).
const MaxTail = 1000

// SetHead tells the store its log's last seq (read with other state), so
// Head needs no query while every append goes through this store.
func (s *SQLStore) SetHead(seq int64) { s.head, s.headKnown = seq, true }

// Tail is the events the store keeps (see SetTail).
func (s *SQLStore) Tail() []Event { return s.tail }

// SetTail hands the store the last events of its log, as an earlier
// store appended them (Tail), when every append since went through that
// store: it only serves them while their last one is the head SetHead
// told.
func (s *SQLStore) SetTail(evs []Event) { s.tail = evs }

func (s *SQLStore) table() string {
	if s.Table == "" {
		return "_events"
	}
	return s.Table
}

var _ Store = (*SQLStore)(nil)

// TimeLayout is how the log stores and renders event times (UTC, milliseconds).
const TimeLayout = "2006-01-02T15:04:05.000Z"

func (s *SQLStore) Append(evs []Event) ([]Event, error) {
	head, err := s.Head()
	if err != nil {
		return nil, err
	}
	// One batch: on the workerd bridge, one sql call for all the inserts.
	out := make([]Event, len(evs))
	rows := make([][]any, len(evs))
	vals := make([]any, 8*len(evs)) // one array for every row's values
	// The events of a batch mostly share type, version, time, actor and
	// command: those values are boxed once, not per row.
	var prev Event
	var typ, version, at, actor, command any
	for i, e := range evs {
		head++
		e.Seq = head
		if i == 0 || e.Type != prev.Type {
			typ = e.Type
		}
		if i == 0 || e.SchemaVersion != prev.SchemaVersion {
			version = int64(e.SchemaVersion)
		}
		if i == 0 || !e.Time.Equal(prev.Time) {
			at = e.Time.UTC().Format(TimeLayout)
		}
		if i == 0 || e.Actor != prev.Actor {
			actor = e.Actor
		}
		if i == 0 || e.CommandID != prev.CommandID {
			command = e.CommandID
		}
		r := vals[8*i : 8*i+8 : 8*i+8]
		r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7] = e.Seq, e.ID, typ, version, at, actor, command, e.Payload
		rows[i], out[i], prev = r, e, e
	}
	// Multi-row inserts (one statement per MaxParams/8 events), all sent at once.
	stmts := sqldb.InsertRows(`INSERT INTO `+s.table()+` (seq, id, type, schema_version, at, actor, command_id, payload)`, rows)
	if err := sqldb.ExecAll(s.DB, stmts); err != nil {
		s.headKnown, s.tail = false, nil
		return nil, fmt.Errorf("events: append seq %d-%d: %w", out[0].Seq, head, err)
	}
	if s.headKnown {
		s.head = head
		s.keep(out)
	}
	return out, nil
}

// keep adds appended events to the tail as ReadFrom reads them back: the
// time as the log stores it (UTC, milliseconds).
func (s *SQLStore) keep(evs []Event) {
	if n := len(s.tail); n > 0 && s.tail[n-1].Seq != evs[0].Seq-1 {
		s.tail = nil
	}
	for _, e := range evs {
		e.Time = e.Time.UTC().Truncate(time.Millisecond)
		if e.memo == nil {
			e.memo = &fieldsMemo{}
		}
		s.tail = append(s.tail, e)
	}
	if len(s.tail) > 2*MaxTail { // drop the oldest now and then, not at every append
		s.tail = slices.Clone(s.tail[len(s.tail)-MaxTail:])
	}
}

func (s *SQLStore) ReadFrom(after int64, limit int) ([]Event, error) {
	if n := len(s.tail); n > 0 && s.headKnown && s.tail[n-1].Seq == s.head && after >= s.tail[0].Seq-1 {
		i := int(min(after-(s.tail[0].Seq-1), int64(n)))
		if limit < 0 || limit > n-i { // as LIMIT: a negative one is none
			limit = n - i
		}
		return slices.Clone(s.tail[i : i+limit]), nil
	}
	rows, err := s.DB.Exec(`SELECT seq, id, type, schema_version, at, actor, command_id, payload FROM `+s.table()+` WHERE seq > ? ORDER BY seq LIMIT ?`, after, int64(limit))
	if err != nil {
		return nil, err
	}
	out := make([]Event, 0, len(rows.Values))
	var at time.Time
	lastAt := "" // the events of one command share their time: parsed once
	for _, r := range rows.Values {
		if s := sqldb.AsString(r[4]); s != lastAt || lastAt == "" {
			var err error
			if at, err = time.Parse(TimeLayout, s); err != nil {
				return nil, fmt.Errorf("events: bad time in seq %v: %w", r[0], err)
			}
			lastAt = s
		}
		payload, _ := r[7].([]byte)
		if payload == nil {
			payload = []byte(sqldb.AsString(r[7]))
		}
		out = append(out, Event{Seq: sqldb.AsInt(r[0]), ID: sqldb.AsString(r[1]), Type: sqldb.AsString(r[2]),
			SchemaVersion: int(sqldb.AsInt(r[3])), Time: at, Actor: sqldb.AsString(r[5]), CommandID: sqldb.AsString(r[6]), Payload: payload, memo: &fieldsMemo{}})
	}
	return out, nil
}

func (s *SQLStore) Head() (int64, error) {
	if s.headKnown {
		return s.head, nil
	}
	rows, err := s.DB.Exec(`SELECT coalesce(max(seq), 0) FROM ` + s.table())
	if err != nil {
		return 0, err
	}
	return rows.Int(), nil
}

func (s *SQLStore) Command(id string) (CommandRecord, bool, error) {
	rows, err := s.DB.Exec(`SELECT binding, result, at FROM _commands WHERE id = ?`, id)
	if err != nil || len(rows.Values) == 0 {
		return CommandRecord{}, false, err
	}
	r := rows.Values[0]
	at, err := time.Parse(TimeLayout, sqldb.AsString(r[2]))
	if err != nil {
		return CommandRecord{}, false, fmt.Errorf("events: bad time of command %s: %w", id, err)
	}
	return CommandRecord{ID: id, Binding: sqldb.AsString(r[0]), Result: []byte(sqldb.AsString(r[1])), At: at}, true, nil
}

func (s *SQLStore) RecordCommand(c CommandRecord, expired time.Time) error {
	if _, err := s.DB.Exec(`DELETE FROM _commands WHERE id IN (SELECT id FROM _commands WHERE at < ? ORDER BY at LIMIT ?)`,
		expired.UTC().Format(TimeLayout), int64(ForgetPerRecord)); err != nil {
		return err
	}
	_, err := s.DB.Exec(`INSERT OR REPLACE INTO _commands (id, binding, result, at) VALUES (?,?,?,?)`, c.ID, c.Binding, string(c.Result), c.At.UTC().Format(TimeLayout))
	return err
}

// MemStore is the in-memory twin of SQLStore, for tests of code above it.
type MemStore struct {
	events   []Event
	ids      map[string]bool
	commands map[string]CommandRecord
}

var _ Store = (*MemStore)(nil)

func NewMemStore() *MemStore {
	return &MemStore{ids: map[string]bool{}, commands: map[string]CommandRecord{}}
}

func (m *MemStore) Append(evs []Event) ([]Event, error) {
	seen := map[string]bool{}
	for _, e := range evs {
		if m.ids[e.ID] || seen[e.ID] {
			return nil, ErrDuplicateEvent
		}
		seen[e.ID] = true
	}
	out := make([]Event, len(evs))
	for i, e := range evs {
		e.Seq = int64(len(m.events)) + 1
		m.events = append(m.events, e)
		m.ids[e.ID] = true
		out[i] = e
	}
	return out, nil
}

func (m *MemStore) ReadFrom(after int64, limit int) ([]Event, error) {
	if after < 0 {
		after = 0
	}
	if after >= int64(len(m.events)) {
		return []Event{}, nil
	}
	end := after + int64(limit)
	if end > int64(len(m.events)) {
		end = int64(len(m.events))
	}
	return append([]Event{}, m.events[after:end]...), nil
}

func (m *MemStore) Head() (int64, error) { return int64(len(m.events)), nil }

func (m *MemStore) Command(id string) (CommandRecord, bool, error) {
	c, ok := m.commands[id]
	return c, ok, nil
}

func (m *MemStore) RecordCommand(c CommandRecord, expired time.Time) error {
	forgotten := 0
	for id, old := range m.commands {
		if forgotten == ForgetPerRecord {
			break
		}
		if old.At.Before(expired) {
			delete(m.commands, id)
			forgotten++
		}
	}
	m.commands[c.ID] = c
	return nil
}
