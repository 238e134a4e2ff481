package webhooks

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

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

// ServeEvents enqueues the deliveries of the consumed events.
func ServeEvents(w *durable.Workspace, req *host.Request) (*host.Output, error) {
	var r EventsRequest
	if err := json.Unmarshal([]byte(req.Body), &r); err != nil {
		return nil, apierr.NewError(400, "bad events notice: "+err.Error())
	}
	effects, err := Enqueue(w, r.Seqs)
	if err != nil {
		return nil, err
	}
	return &host.Output{Response: host.JSONResponse(200, map[string]any{"ok": true}), Effects: effects}, nil
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
