// Package consumer is the Go side of the EVENTS queue consumer: it records
// every event it consumes in D1, exactly once and in sequence order per
// workspace, and the dead-letter consumer keeps what could not be delivered.
//
// A dead-lettered event does not stop its workspace's stream: the order is
// gated by the highest seq either consumed or dead-lettered, so the events
// behind a dead letter flow on, and the dead letter waits in dead_letters
// for an operator (GET /admin/dead-letters, POST /admin/dead-letters/redrive).
// An event at or below the gate is recorded if it is new (a redriven dead
// letter, a requeued lost event) and changes nothing if it is a redelivery.
package consumer

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"edgecrm/auth"
	"edgecrm/host"
	"edgecrm/sqldb"
)

// Entry points.
const (
	EntryConsume     = "queue.consume"
	EntryDecide      = "queue.decide"
	EntryDeadLetters = "dlq.consume"
)

// RetryDelaySeconds is how long an out-of-order message waits before it is
// redelivered (its predecessor is usually in the next batch).
const RetryDelaySeconds = 1

// Message is one queue message as the shell passes it.
type Message struct {
	ID       string          `json:"id"`
	Attempts int             `json:"attempts"`
	Body     json.RawMessage `json:"body"`
}

type decideCtx struct {
	Messages []Message `json:"messages"`
}

// gateSQL reads, per workspace of a batch (a JSON array: one parameter
// whatever the batch holds), the highest seq consumed or dead-lettered (0:
// none). Each max is its own subquery so that SQLite reads it from the end
// of the (workspace, seq) index: a max over a UNION of both tables read
// every row the workspace ever consumed (26 ms a batch at 210,000 events,
// natively; 28 µs this way).
var gateSQL = `SELECT value AS workspace, ` + gateOf("value") + ` AS seq FROM json_each(?)`

// gateOf is the gate of the workspace SQL expression ws.
func gateOf(ws string) string {
	return `max(coalesce((SELECT max(seq) FROM consumed_events WHERE workspace = ` + ws + `), 0), ` +
		`coalesce((SELECT max(seq) FROM dead_letters WHERE workspace = ` + ws + `), 0))`
}

// gates remembers, per workspace, the gate this isolate's last decision
// left in D1, so that the next batch is decided at once: one entry into Go
// instead of two (read the gates, then decide), and the batch crosses once.
// The decision's D1 batch starts with a guard per workspace that fails it
// (D1 rolls the batch back, the shell's handler throws, the queue
// redelivers) unless the gate is still the remembered one: a decision is
// only ever applied on the gate it was made on. Redeliveries (attempts >
// 1) and unknown workspaces read the gates from D1 first.
var gates = struct {
	sync.Mutex
	m map[string]int64
}{m: map[string]int64{}}

// ForgetGates empties the remembered gates (a fresh isolate; tests).
func ForgetGates() {
	gates.Lock()
	defer gates.Unlock()
	clear(gates.m)
}

// guardSQL fails the batch (NOT NULL) unless the workspace's gate is ?.
var guardSQL = `INSERT INTO consumed_events (workspace, seq, event_id, type, attempts, consumed_at)
  SELECT ?, NULL, '', '', 0, '' WHERE ` + gateOf("?") + ` != ?`

type item struct {
	msg  Message
	body envelope
}

// envelope is what the consumer reads of an EVENTS message: a
// stream.Message without its payload, which it never looks at (decoding
// the payloads into maps was most of a batch's parse).
type envelope struct {
	Workspace string `json:"workspace"`
	Seq       int64  `json:"seq"`
	ID        string `json:"id"`
	Type      string `json:"type"`
	Notify    bool   `json:"notify,omitempty"`
}

// decodeEnvelope reads the envelope of an EVENTS message: the scanner
// reads its five keys and passes over the rest (the payload, most of the
// bytes) without building it; anything it does not expect goes to
// encoding/json.
func decodeEnvelope(raw []byte, b *envelope) error {
	s := host.NewScanner(raw)
	s.Object(func(k string) {
		switch k {
		case "workspace":
			b.Workspace = s.Str()
		case "seq":
			b.Seq = s.Int()
		case "id":
			b.ID = s.Str()
		case "type":
			b.Type = s.Str()
		case "notify":
			b.Notify = s.Bool()
		default:
			if envelopeKey(k) { // encoding/json matches keys without case
				s.Fail()
			}
			s.Skip()
		}
	})
	if s.End() {
		return nil
	}
	*b = envelope{}
	return json.Unmarshal(raw, b)
}

func envelopeKey(k string) bool {
	for _, f := range []string{"workspace", "seq", "id", "type", "notify"} {
		if strings.EqualFold(k, f) {
			return true
		}
	}
	return false
}

// parse splits msgs into valid items and the ids of malformed ones.
func parse(msgs []Message) (items []item, bad []string) {
	for _, m := range msgs {
		var b envelope
		if err := decodeEnvelope(m.Body, &b); err != nil || b.Workspace == "" || b.Seq <= 0 {
			bad = append(bad, m.ID)
			continue
		}
		items = append(items, item{m, b})
	}
	return items, bad
}

// Consume decides the batch on the remembered gates when it can, and
// otherwise asks D1 how far each workspace in it has been consumed.
func Consume(msgs []Message) (*host.Output, error) {
	if len(msgs) == 0 {
		return &host.Output{}, nil
	}
	items, bad := parse(msgs)
	var out *host.Output
	if known := rememberedGates(items); known != nil {
		out = decide(items, known, true)
	} else {
		out = &host.Output{}
		wsSet := map[string]bool{}
		for _, it := range items {
			wsSet[it.body.Workspace] = true
		}
		var ws []string
		for w := range wsSet {
			ws = append(ws, w)
		}
		sort.Strings(ws)
		list, _ := json.Marshal(ws)
		ctx, _ := json.Marshal(decideCtx{Messages: msgs})
		if len(ws) > 0 {
			out.Effects = append(out.Effects, host.Effect{
				Kind:   host.EffectD1Query,
				SQL:    gateSQL,
				Params: []any{string(list)},
				Resume: &host.Resume{Entry: EntryDecide, Ctx: ctx},
			})
		}
	}
	if len(bad) > 0 {
		// Malformed messages can never succeed: retry them so that after
		// max_retries they land in the dead-letter queue, kept there.
		out.Effects = append(out.Effects, host.Effect{Kind: host.EffectRetry, IDs: bad})
	}
	return out, nil
}

// rememberedGates returns the gates of items' workspaces, or nil when one
// is unknown or a message is a redelivery.
func rememberedGates(items []item) map[string]int64 {
	gates.Lock()
	defer gates.Unlock()
	known := map[string]int64{}
	for _, it := range items {
		g, ok := gates.m[it.body.Workspace]
		if !ok || it.msg.Attempts > 1 {
			return nil
		}
		known[it.body.Workspace] = g
	}
	if len(known) == 0 {
		return nil
	}
	return known
}

// Decide records the next-in-sequence messages, acks duplicates and retries
// messages whose predecessor has not been consumed yet.
func Decide(in host.ResumeInput) (*host.Output, error) {
	if in.Error != "" {
		return nil, fmt.Errorf("reading consumer checkpoints: %s", in.Error)
	}
	var c decideCtx
	var res host.D1Result
	if err := json.Unmarshal(in.Ctx, &c); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(in.Result, &res); err != nil {
		return nil, err
	}
	last := map[string]int64{}
	for _, r := range res.Rows {
		last[sqldb.AsString(r["workspace"])] = sqldb.AsInt(r["seq"])
	}
	items, _ := parse(c.Messages)
	return decide(items, last, false), nil
}

// decide records the next-in-sequence items on the gates last, acks
// duplicates and retries items whose predecessor has not been consumed
// yet; guarded, its batch applies only on those gates.
func decide(items []item, last map[string]int64, guarded bool) *host.Output {
	sort.Slice(items, func(i, j int) bool {
		if items[i].body.Workspace != items[j].body.Workspace {
			return items[i].body.Workspace < items[j].body.Workspace
		}
		return items[i].body.Seq < items[j].body.Seq
	})
	var stmts []host.Statement
	if guarded {
		for _, it := range items {
			if w := it.body.Workspace; len(stmts) == 0 || stmts[len(stmts)-1].Args[0] != w {
				stmts = append(stmts, host.Statement{SQL: guardSQL, Args: []any{w, w, w, last[w]}})
			}
		}
	}
	guards := len(stmts)
	var acked []item
	var retry []string
	var records [][]any // consumed_events rows, inserted in as few statements as the parameter limit allows
	now := time.Now().UTC().Format(time.RFC3339Nano)
	record := func(it item) {
		records = append(records, []any{it.body.Workspace, it.body.Seq, it.body.ID, it.body.Type, int64(it.msg.Attempts), now})
		acked = append(acked, it)
	}
	late := 0
	for _, it := range items {
		b := it.body
		switch {
		case b.Seq <= last[b.Workspace]:
			// A redelivery (ignored by the insert), or an event behind a
			// dead letter's gate arriving now (recorded).
			record(it)
			late++
		case b.Seq == last[b.Workspace]+1:
			record(it)
			last[b.Workspace] = b.Seq
		default:
			retry = append(retry, it.msg.ID)
		}
	}
	stmts = append(stmts, sqldb.InsertRows("INSERT OR IGNORE INTO consumed_events (workspace, seq, event_id, type, attempts, consumed_at)", records)...)
	gates.Lock()
	for _, it := range items {
		gates.m[it.body.Workspace] = last[it.body.Workspace]
	}
	gates.Unlock()
	// A batch that went as expected says so in D1 (consumed_events); one
	// with redeliveries or events out of order logs its line.
	if late > 0 || len(retry) > 0 || auth.Current().Env[host.EnvLogEntries] == "true" {
		host.Log("info", "", map[string]any{"msg": "queue batch decided", "recorded": len(records) - late, "duplicates": late, "retried": len(retry), "remembered": guarded})
	}
	out := &host.Output{}
	if len(stmts) > guards {
		out.Effects = append(out.Effects, host.Effect{Kind: host.EffectD1Batch, Statements: stmts})
	}
	out.Effects = append(out.Effects, notifyThenAck(acked)...) // notify.go
	if len(retry) > 0 {
		out.Effects = append(out.Effects, host.Effect{Kind: host.EffectRetry, IDs: retry, DelaySeconds: RetryDelaySeconds})
	}
	return out
}

// DeadLetters keeps every dead-lettered message in D1 and acks it.
func DeadLetters(msgs []Message, now time.Time) (*host.Output, error) {
	var stmts []host.Statement
	var ids []string
	for _, m := range msgs {
		var b envelope
		_ = decodeEnvelope(m.Body, &b)
		gates.Lock()
		delete(gates.m, b.Workspace) // a dead letter moves the gate
		gates.Unlock()
		stmts = append(stmts, host.Statement{
			SQL:  "INSERT OR IGNORE INTO dead_letters (message_id, workspace, seq, body, attempts, received_at) VALUES (?, ?, ?, ?, ?, ?)",
			Args: []any{m.ID, b.Workspace, b.Seq, string(m.Body), int64(m.Attempts), now.UTC().Format(time.RFC3339Nano)},
		})
		ids = append(ids, m.ID)
	}
	if len(ids) == 0 {
		return &host.Output{}, nil
	}
	return &host.Output{Effects: []host.Effect{{Kind: host.EffectD1Batch, Statements: stmts}, {Kind: host.EffectAck, IDs: ids}}}, nil
}
