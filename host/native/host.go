// Package native runs the Go core in-process: SQLite files (or memory)
// stand in for each Durable Object's storage and for D1, and an in-memory
// queue for EVENTS. It runs effects the way the JS shell does, so most
// behaviour is tested with plain `go test`.
package native

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"edgecrm/durable"
	"edgecrm/edge/consumer"
	"edgecrm/host"
	"edgecrm/host/dispatch"
	"edgecrm/migrations"
	"edgecrm/sqldb"
	"edgecrm/sqldb/sqlitedb"
)

// Host is one deployment: many workspace objects, one D1, one queue.
type Host struct {
	mu      sync.Mutex
	objects map[string]*sqlitedb.DB
	D1      *sqlitedb.DB
	Queue   []consumer.Message // messages sent to EVENTS, not yet consumed
	Emails  []host.Email       // messages sent through SEND_EMAIL
	// Lose names continuations whose effect runs but whose answer never
	// comes back (an object evicted mid-request).
	Lose   map[string]bool
	nextID int
	Env    dispatch.Env
	// FailD1 makes every D1 effect fail (to test the outbox's retry).
	FailD1 bool
	// MaxRetries, when > 0, dead-letters a message DrainQueue has retried
	// that many times (wrangler.toml's max_retries; 0: retry forever).
	MaxRetries int
	sockets    map[string]*Socket // ws.go
	alarms     map[string]int64   // ws.go: workspace → pending alarm delay (ms)
	nextSocket int
	// configured is the env ConfigureAuth last applied: like the shell's
	// lastEnv, it configures a fresh Go instance again (Restart).
	configured map[string]string
	// instances names each object's instance, as the shell does: renewed
	// whenever a call does not commit, and by Restart.
	instMu    sync.Mutex // not mu: Account holds mu around its calls
	instances map[*sqlitedb.DB]string
}

var instanceSeq atomic.Int64

// New creates a host with in-memory databases.
func New() (*Host, error) {
	d1, err := sqlitedb.Open(":memory:")
	if err != nil {
		return nil, err
	}
	if err := migrations.ApplyD1(d1); err != nil {
		return nil, err
	}
	return &Host{objects: map[string]*sqlitedb.DB{}, D1: d1, Env: dispatch.Env{TestHooks: true}, sockets: map[string]*Socket{}, alarms: map[string]int64{}}, nil
}

var workspaces atomic.Int64

// MustNewWorkspace is MustNew plus a workspace id no other test in the
// process uses (schemas are cached per workspace id, as in an isolate).
func MustNewWorkspace(t sqlitedb.TB, prefix string) (*Host, string) {
	return MustNew(t), fmt.Sprintf("%s-%d", prefix, workspaces.Add(1))
}

// Request builds a request for Fetch: target is a path that may carry a
// query string; headers alternate name and value.
func Request(method, target, body string, headers ...string) host.Request {
	req := host.Request{Method: method, Path: target, Body: body, Headers: map[string]string{}}
	if i := strings.IndexByte(target, '?'); i >= 0 {
		req.Path, req.Query = target[:i], target[i+1:]
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Headers[headers[i]] = headers[i+1]
	}
	return req
}

// MustNew is New for tests: a failure ends the test.
func MustNew(t sqlitedb.TB) *Host {
	t.Helper()
	h, err := New()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// Object returns a workspace's storage (created on first use).
func (h *Host) Object(ws string) (*sqlitedb.DB, error) {
	if db, ok := h.objects[ws]; ok {
		return db, nil
	}
	db, err := sqlitedb.Open(":memory:")
	if err != nil {
		return nil, err
	}
	h.objects[ws] = db
	return db, nil
}

// call runs one core entry in a storage transaction, rolled back when the
// core asks, exactly as the shell does with transactionSync.
func (h *Host) call(db *sqlitedb.DB, entry string, in dispatch.Input) *host.Output {
	in.Env = h.Env
	if db == nil {
		raw, _ := json.Marshal(in)
		return dispatch.Dispatch(entry, raw, nil)
	}
	in.Instance = h.instance(db, false)
	raw, _ := json.Marshal(in)
	var out *host.Output
	err := db.Tx(func() error {
		out = dispatch.Dispatch(entry, raw, limitedDB{db})
		if out.Rollback {
			return errRollback
		}
		return nil
	})
	if err != nil {
		h.instance(db, true)
	}
	if err != nil && err != errRollback {
		return &host.Output{Response: &host.Response{Status: 500, Body: err.Error()}}
	}
	return out
}

var errRollback = fmt.Errorf("rollback")

// instance returns db's object instance name, a new one when renew.
func (h *Host) instance(db *sqlitedb.DB, renew bool) string {
	h.instMu.Lock()
	defer h.instMu.Unlock()
	if h.instances == nil {
		h.instances = map[*sqlitedb.DB]string{}
	}
	if id, ok := h.instances[db]; ok && !renew {
		return id
	}
	id := fmt.Sprintf("instance-%d", instanceSeq.Add(1)) // unique in the process, as the shell's UUIDs are: hosts share the Go caches
	h.instances[db] = id
	return id
}

// Restart simulates workerd evicting every object and waking them in a
// fresh isolate: the Go instance's memory is gone (dispatch.ForgetIsolateMemory)
// and, as the shell does for a new instance, the configuration is applied
// again (the env of the last ConfigureAuth, if any). Storage, D1, KV,
// queued messages and sockets survive, as they do in workerd (sockets are
// hibernatable: the host keeps only their attachments).
func (h *Host) Restart() error {
	h.mu.Lock()
	env := h.configured
	h.mu.Unlock()
	h.instMu.Lock()
	h.instances = nil // every object starts again
	h.instMu.Unlock()
	dispatch.ForgetIsolateMemory()
	if env == nil {
		return nil
	}
	return h.ConfigureAuth(env)
}

// Fetch sends an HTTP-shaped request to workspace ws and runs its effects,
// including the outbox flush, before returning (the shell flushes in the
// background; here it is synchronous so tests see a settled state).
func (h *Host) Fetch(ws string, req host.Request) (*host.Response, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.fetch(ws, req)
}

// fetch is Fetch with h.mu held (a queue consumer's do.fetch).
func (h *Host) fetch(ws string, req host.Request) (*host.Response, error) {
	db, err := h.Object(ws)
	if err != nil {
		return nil, err
	}
	req.Workspace = ws
	if req.Headers == nil {
		req.Headers = map[string]string{}
	}
	trustedCaller(&req) // edge.go
	cx := h.objectCx(ws, db, true)
	resp, err := h.run(h.call(db, "fetch", dispatch.Input{Workspace: ws, Request: &req}), cx)
	if err != nil {
		return nil, err
	}
	if cx.flush {
		if err := h.flush(ws, db); err != nil {
			return resp, fmt.Errorf("flush: %w", err)
		}
	}
	return resp, nil
}

// Flush runs workspace ws's outbox until D1 and the queue are caught up.
func (h *Host) Flush(ws string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	db, err := h.Object(ws)
	if err != nil {
		return err
	}
	return h.flush(ws, db)
}

func (h *Host) flush(ws string, db *sqlitedb.DB) error {
	_, err := h.run(h.call(db, durable.EntryOutbox, dispatch.Input{Workspace: ws}), h.objectCx(ws, db, false))
	return err // the record outbox continues with the access log's
}

func (h *Host) effect(e host.Effect) (json.RawMessage, error) {
	switch e.Kind {
	case host.EffectD1Query:
		if h.FailD1 {
			return nil, fmt.Errorf("D1 unavailable (simulated)")
		}
		if err := checkD1(e); err != nil {
			return nil, err
		}
		rows, err := h.D1.Exec(e.SQL, e.Params...)
		if err != nil {
			return nil, err
		}
		return json.Marshal(host.D1Result{Rows: nonNil(rows.Maps())})
	case host.EffectD1Batch:
		if h.FailD1 {
			return nil, fmt.Errorf("D1 unavailable (simulated)")
		}
		if err := checkD1(e); err != nil {
			return nil, err
		}
		var res host.D1BatchResult
		err := h.D1.Tx(func() error {
			for _, s := range e.Statements {
				rows, err := h.D1.Exec(s.SQL, s.Args...)
				if err != nil {
					return fmt.Errorf("%w (sql: %.100s)", err, s.SQL)
				}
				res.Results = append(res.Results, nonNil(rows.Maps()))
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		return json.Marshal(res)
	case host.EffectQueueSend:
		if err := checkQueueBatch(e.Messages); err != nil {
			return nil, err
		}
		for _, m := range e.Messages {
			h.nextID++
			h.Queue = append(h.Queue, consumer.Message{ID: fmt.Sprintf("m%d", h.nextID), Attempts: 1, Body: m})
		}
		return json.RawMessage(`{}`), nil
	case host.EffectAck, host.EffectRetry:
		return nil, fmt.Errorf("%s outside a queue consumer", e.Kind)
	}
	return nil, fmt.Errorf("unknown effect %q", e.Kind)
}

func nonNil(m []map[string]any) []map[string]any {
	if m == nil {
		return []map[string]any{}
	}
	return m
}

// ConsumeResult says what the consumer did with a batch.
type ConsumeResult struct{ Acked, Retried []string }

// Consume delivers msgs to the queue consumer as one batch and runs its
// effects against D1.
func (h *Host) Consume(msgs []consumer.Message) (ConsumeResult, error) {
	return h.ConsumeFrom(consumer.EntryConsume, msgs)
}

// ConsumeFrom delivers msgs to a consumer entry: EntryConsume (EVENTS) or
// EntryDeadLetters (the dead-letter queue).
func (h *Host) ConsumeFrom(entry string, msgs []consumer.Message) (ConsumeResult, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var res ConsumeResult
	err := h.consume(h.call(nil, entry, dispatch.Input{Messages: msgs}), &res)
	sort.Strings(res.Acked)
	return res, err
}

func (h *Host) consume(out *host.Output, res *ConsumeResult) error {
	if out.Response != nil && out.Response.Status >= 400 {
		return fmt.Errorf("consumer: %s", out.Response.Body)
	}
	cx := &runCtx{call: func(entry string, in dispatch.Input) *host.Output { return h.call(nil, entry, in) }, consumed: res}
	_, err := h.run(out, cx)
	return err
}

// DrainQueue hands every queued message to the consumer in batches of size
// n, redelivering retried ones (all of a batch whose handler failed), until
// the queue is empty or rounds run out.
func (h *Host) DrainQueue(n, rounds int) error {
	for r := 0; r < rounds && len(h.Queue) > 0; r++ {
		batch := h.Queue
		if len(batch) > n {
			batch = batch[:n]
		}
		rest := append([]consumer.Message(nil), h.Queue[len(batch):]...)
		before := len(h.Queue)
		res, err := h.Consume(batch)
		// Messages sent while the batch was consumed (a workflow run's
		// writes, flushed by the notice) stay queued.
		rest = append(rest, h.Queue[before:]...)
		retried := map[string]bool{}
		for _, id := range res.Retried {
			retried[id] = true
		}
		if err != nil { // the handler failed: the queue redelivers the whole batch
			for _, m := range batch {
				retried[m.ID] = true
			}
		}
		h.Queue = rest
		var dead []consumer.Message
		for _, m := range batch {
			switch {
			case retried[m.ID] && h.MaxRetries > 0 && m.Attempts > h.MaxRetries:
				dead = append(dead, m)
			case retried[m.ID]:
				m.Attempts++
				h.Queue = append(h.Queue, m)
			}
		}
		if len(dead) > 0 {
			if _, err := h.ConsumeFrom(consumer.EntryDeadLetters, dead); err != nil {
				return err
			}
		}
	}
	if len(h.Queue) > 0 {
		return fmt.Errorf("queue not drained: %d left", len(h.Queue))
	}
	return nil
}

// Dump returns every row of table in db ordered by id, for comparisons.
func Dump(db sqldb.DB, table string) ([]map[string]any, error) {
	rows, err := db.Exec(fmt.Sprintf(`SELECT * FROM "%s" ORDER BY id`, strings.ReplaceAll(table, `"`, `""`)))
	if err != nil {
		return nil, err
	}
	return rows.Maps(), nil
}
