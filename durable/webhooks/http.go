package webhooks

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"edgecrm/api/apierr"
	"edgecrm/durable"
	"edgecrm/host"
	"edgecrm/sqldb"
)

// Workspace object paths: PathEvents is reachable only from the Worker
// (the queue consumer), PathAdmin through the edge's admin route
// (/admin/workspaces/<ws>/webhooks...).
const (
	PathEvents = "/internal/webhooks/events"
	PathAdmin  = "/admin/webhooks"
)

// EventsRequest is the consumer's notice: these events were consumed.
type EventsRequest struct {
	Seqs []int64 `json:"seqs"`
}

// EventsAnswer is the object's answer to a notice: the events it could not
// take, with why. The consumer acks the others and retries these; after
// max_retries they are dead-lettered, and the dead-letter listing shows
// the error (kept in _event_failures until the event is taken).
type EventsAnswer struct {
	OK     bool      `json:"ok"`
	Failed []Failure `json:"failed,omitempty"`
}

// Failure is one event a notice could not take.
type Failure struct {
	Seq   int64  `json:"seq"`
	Error string `json:"error"`
}

// ReadEventsRequest decodes a notice's body.
func ReadEventsRequest(req *host.Request) (EventsRequest, error) {
	var r EventsRequest
	if err := json.Unmarshal([]byte(req.Body), &r); err != nil {
		return r, apierr.NewError(400, "bad events notice: "+err.Error())
	}
	return r, nil
}

// ServeEvents enqueues the deliveries of the consumed events of notice r.
// poisoned (test hooks only, else nil) names events to refuse with an
// error. It returns the answer and the events it took (the others the
// consumer retries: nothing else may act on them now).
func ServeEvents(w *durable.Workspace, r EventsRequest, poisoned func(seq int64) string) (*host.Output, []int64, error) {
	failed := map[int64]string{}
	var take []int64
	for _, seq := range r.Seqs {
		if poisoned != nil && poisoned(seq) != "" {
			failed[seq] = poisoned(seq)
			continue
		}
		take = append(take, seq)
	}
	effects, bad, err := Enqueue(w, take)
	if err != nil {
		return nil, nil, err
	}
	for seq, e := range bad {
		failed[seq] = e
	}
	ans := EventsAnswer{OK: true}
	for _, seq := range r.Seqs {
		if e, ok := failed[seq]; ok {
			ans.Failed = append(ans.Failed, Failure{seq, e})
			delete(failed, seq) // a seq named twice fails once
		}
	}
	if err := keepFailures(w.DB, r.Seqs, ans.Failed, w.Now()); err != nil {
		return nil, nil, err
	}
	taken := take[:0:0]
	for _, seq := range take {
		if _, refused := bad[seq]; !refused {
			taken = append(taken, seq)
		}
	}
	return &host.Output{Response: host.JSONResponse(200, ans), Effects: effects}, taken, nil
}

// keepFailures records why each failed event was refused and forgets the
// failures of the events taken now (a retried or redriven event).
func keepFailures(db sqldb.DB, seqs []int64, failed []Failure, now time.Time) error {
	list, _ := json.Marshal(seqs)
	stmts := []host.Statement{{SQL: `DELETE FROM _event_failures WHERE seq IN (SELECT value FROM json_each(?))`, Args: []any{string(list)}}}
	for _, f := range failed {
		stmts = append(stmts, host.Statement{SQL: `INSERT INTO _event_failures (seq, error, at) VALUES (?, ?, ?)`,
			Args: []any{f.Seq, f.Error, now.UTC().Format(time.RFC3339Nano)}})
	}
	return sqldb.ExecAll(db, stmts)
}

// Failures returns the recorded error of each of seqs that has one.
func Failures(db sqldb.DB, seqs []int64) (map[int64]string, error) {
	list, _ := json.Marshal(seqs)
	rows, err := db.Exec(`SELECT seq, error FROM _event_failures WHERE seq IN (SELECT value FROM json_each(?))`, string(list))
	if err != nil {
		return nil, err
	}
	out := map[int64]string{}
	for _, r := range rows.Values {
		out[sqldb.AsInt(r[0])] = sqldb.AsString(r[1])
	}
	return out, nil
}

// ServeAdmin answers GET /admin/webhooks (every webhook with its
// deliveries counted by status) and GET /admin/webhooks/<id>/deliveries
// [?limit=N] (its deliveries and its attempt log, newest first).
func ServeAdmin(w *durable.Workspace, req *host.Request) (*host.Output, error) {
	if req.Method != "GET" {
		return nil, apierr.NewError(405, "webhook admin routes are read-only (GET)")
	}
	rest := strings.Trim(strings.TrimPrefix(req.Path, PathAdmin), "/")
	if rest == "" {
		hooks, err := List(w.DB)
		if err != nil {
			return nil, err
		}
		out := []map[string]any{}
		for _, h := range hooks {
			m := h.Map(w.ID)
			delete(m, "secret")
			rows, err := w.DB.Exec(`SELECT status, count(*) AS n FROM _webhook_deliveries WHERE webhook_id = ? GROUP BY status`, h.ID)
			if err != nil {
				return nil, err
			}
			counts := map[string]int64{"pending": 0, "delivered": 0, "failed": 0}
			for _, r := range rows.Maps() {
				counts[sqldb.AsString(r["status"])] = sqldb.AsInt(r["n"])
			}
			m["deliveries"] = counts
			out = append(out, m)
		}
		return &host.Output{Response: host.JSONResponse(200, map[string]any{"webhooks": out})}, nil
	}
	id, sub, _ := strings.Cut(rest, "/")
	if sub != "deliveries" {
		return nil, apierr.NewError(404, fmt.Sprintf("no admin route %s %s", req.Method, req.Path))
	}
	if _, err := Get(w.DB, id); err != nil {
		return nil, err
	}
	limit := 100
	for _, kv := range strings.Split(req.Query, "&") {
		if v, ok := strings.CutPrefix(kv, "limit="); ok {
			if n, err := strconv.Atoi(v); err == nil && n > 0 && n <= 1000 {
				limit = n
			}
		}
	}
	deliveries, err := w.DB.Exec(`SELECT id, seq, event_name AS eventName, status, attempts FROM _webhook_deliveries WHERE webhook_id = ? ORDER BY id DESC LIMIT ?`, id, limit)
	if err != nil {
		return nil, err
	}
	log, err := w.DB.Exec(`SELECT delivery_id AS deliveryId, seq, event_name AS eventName, attempt, status, error, latency_ms AS latencyMs, outcome, at FROM _webhook_log WHERE webhook_id = ? ORDER BY id DESC LIMIT ?`, id, limit)
	if err != nil {
		return nil, err
	}
	return &host.Output{Response: host.JSONResponse(200, map[string]any{"deliveries": nonNil(deliveries.Maps()), "log": nonNil(log.Maps())})}, nil
}

func nonNil(m []map[string]any) []map[string]any {
	if m == nil {
		return []map[string]any{}
	}
	return m
}
