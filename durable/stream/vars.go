package stream

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"edgecrm/sqldb"
)

// Vars is an object's _state table (key → integer) for one call: read in
// one statement when the call opens, served from memory after that and
// written through. It outlives the call only when the call committed
// (durable's vars cache hands it to the next call), so a rolled-back call cannot leave it claiming
// what storage does not hold. Real-time writes
// ws_retain_until and _ws_subs around it, in socket calls only, which
// read neither through it.
type Vars struct {
	DB   sqldb.DB
	vals map[string]int64
	// Migration is the newest migration applied (0 when none is).
	Migration int64
	// MetadataEvent is the id of the event at seq metadata_version: with
	// it, a cached schema is validated without a read of its own.
	MetadataEvent string
	// Head is the record log's last seq when the call opened.
	Head int64
	// Subscribed is whether _ws_subs held a live subscription when the
	// call opened (real-time's check before a call's first append).
	Subscribed bool
}

// stateSQL reads the whole of _state (a handful of rows), the metadata
// event's id, the migration version, the log's head and whether anyone
// subscribes at once.
const stateSQL = `SELECT key, value, CASE key WHEN 'metadata_version' THEN (SELECT id FROM _events WHERE seq = value) END FROM _state
UNION ALL SELECT ':migration', (SELECT max(version) FROM _migrations), NULL
UNION ALL SELECT ':head', (SELECT coalesce(max(seq), 0) FROM _events), NULL
UNION ALL SELECT ':subs', EXISTS (SELECT 1 FROM _ws_subs), NULL`

// ReadVars reads db's state; it fails on storage without the tables
// (a new object, before its migrations).
func ReadVars(db sqldb.DB) (*Vars, error) {
	rows, err := db.Exec(stateSQL)
	if err != nil {
		return nil, err
	}
	s := &Vars{DB: db, vals: map[string]int64{}}
	for _, r := range rows.Values {
		key, v := sqldb.AsString(r[0]), sqldb.AsInt(r[1])
		if key == ":migration" {
			s.Migration = v
			continue
		}
		if key == ":head" {
			s.Head = v
			continue
		}
		if key == ":subs" {
			s.Subscribed = v != 0
			continue
		}
		s.vals[key] = v
		if key == "metadata_version" {
			s.MetadataEvent = sqldb.AsString(r[2])
		}
	}
	return s, nil
}

// Int returns key's value (0 when unset).
func (s *Vars) Int(key string) int64 { return s.vals[key] }

// Set writes key's value to storage and to memory.
func (s *Vars) Set(key string, v int64) error {
	if _, err := s.DB.Exec(`INSERT INTO _state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`, key, v); err != nil {
		return err
	}
	s.vals[key] = v
	return nil
}

// SetMany writes several keys' values in one statement, to storage and to
// memory.
func (s *Vars) SetMany(kv map[string]int64) error {
	if len(kv) == 0 {
		return nil
	}
	keys := slices.Sorted(maps.Keys(kv)) // one statement text and argument order for a set of keys
	q := `INSERT INTO _state (key, value) VALUES ` + strings.Repeat(`(?, ?), `, len(keys)-1) + `(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`
	args := make([]any, 0, 2*len(keys))
	for _, k := range keys {
		args = append(args, k, kv[k])
	}
	if _, err := s.DB.Exec(q, args...); err != nil {
		return err
	}
	for k, v := range kv {
		s.vals[k] = v
	}
	return nil
}

// stateInt reads through the stream's Vars, or per key without one (an
// account object's stream).
func (s *Stream) stateInt(key string) int64 {
	if s.Vars != nil {
		return s.Vars.Int(key)
	}
	rows, err := s.DB.Exec(`SELECT value FROM _state WHERE key = ?`, key)
	if err != nil {
		panic(fmt.Sprintf("stream: reading state %s: %v", key, err))
	}
	return rows.Int()
}

func (s *Stream) setState(what string, v int64) error {
	return s.setStates(map[string]int64{what: v})
}

// setStates sets several of the stream's keys in one statement.
func (s *Stream) setStates(kv map[string]int64) error {
	st := s.Vars
	if st == nil {
		st = &Vars{DB: s.DB, vals: map[string]int64{}}
	}
	keyed := make(map[string]int64, len(kv))
	for what, v := range kv {
		keyed[s.stateKey(what)] = v
	}
	return st.SetMany(keyed)
}
