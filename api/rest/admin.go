package rest

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"

	"edgecrm/api/apierr"
	"edgecrm/durable"
	"edgecrm/durable/stream"
	"edgecrm/durable/webhooks"
	"edgecrm/host"
	"edgecrm/projections"
	"edgecrm/sqldb"
)

// Continuations of admin requests.
const (
	EntryVerify      = "admin.verify"      // compares D1 with the inline projection
	EntryConsumed    = "admin.consumed"    // answers what the queue consumer recorded
	EntryConsumer    = "admin.consumer"    // answers the queue consumer's position
	EntryDeadLetters = "admin.deadLetters" // answers the workspace's dead letters
	EntryRedrive     = "admin.redrive"     // sends dead letters to EVENTS again
	EntryRedriven    = "admin.redriven"    // forgets the dead letters EVENTS accepted
)

// RunAdmin runs entry if it is a continuation of an admin request.
func RunAdmin(entry string, w *durable.Workspace, in *host.ResumeInput) (*host.Output, bool, error) {
	var run func(host.ResumeInput) (*host.Output, error)
	switch entry {
	case EntryVerify:
		run = func(in host.ResumeInput) (*host.Output, error) { return FinishVerify(w, in) }
	case EntryConsumed:
		run = FinishConsumed
	case EntryConsumer:
		run = finishConsumer
	case EntryDeadLetters:
		run = func(in host.ResumeInput) (*host.Output, error) { return finishDeadLetters(w, in) }
	case EntryRedrive:
		run = redrive
	case EntryRedriven:
		run = redriven
	default:
		return nil, false, nil
	}
	if in == nil {
		return nil, true, apierr.NewError(400, "missing resume input")
	}
	out, err := run(*in)
	return out, true, err
}

// pageLimit is an admin page's ?limit=: 1,000 when absent, invalid or
// larger.
func pageLimit(s string) int {
	if n, err := strconv.Atoi(s); err == nil && n > 0 && n < 1000 {
		return n
	}
	return 1000
}

// FinishConsumed answers a page of consumed_events for the workspace, with
// next: the ?after= of the next page (null on the last one).
func FinishConsumed(in host.ResumeInput) (*host.Output, error) {
	rows, err := d1Rows(in)
	if err != nil {
		return nil, err
	}
	var next any
	if limit, _ := strconv.Atoi(string(in.Ctx)); len(rows) > 0 && len(rows) >= limit {
		next = rows[len(rows)-1]["seq"]
	}
	return &host.Output{Response: host.JSONResponse(200, map[string]any{"consumed": rows, "next": next})}, nil
}

// finishConsumer answers the consumer's position and the log's head.
func finishConsumer(in host.ResumeInput) (*host.Output, error) {
	rows, err := d1Rows(in)
	if err != nil {
		return nil, err
	}
	var seq int64
	if len(rows) > 0 {
		seq = sqldb.AsInt(rows[0]["seq"])
	}
	return &host.Output{Response: host.JSONResponse(200, map[string]any{"consumer": seq})}, nil
}

// ServeAdmin handles /admin/* inside the workspace object. The edge Worker
// has already checked the admin token.
func ServeAdmin(w *durable.Workspace, req *host.Request) (*host.Output, error) {
	switch {
	case req.Path == "/admin/state" && req.Method == "GET":
		return &host.Output{Response: host.JSONResponse(200, w.Checkpoints())}, nil
	case req.Path == "/admin/events" && req.Method == "GET":
		q := queryValues(req.Query)
		after, _ := strconv.ParseInt(q.Get("after"), 10, 64)
		evs, err := w.Store.ReadFrom(after, pageLimit(q.Get("limit")))
		if err != nil {
			return nil, err
		}
		return &host.Output{Response: host.JSONResponse(200, map[string]any{"events": evs})}, nil
	case req.Path == "/admin/replay" && req.Method == "POST":
		last, drop, err := w.Replay()
		if err != nil {
			return nil, err
		}
		// Empty the D1 tables now; the flush that follows rebuilds them.
		return &host.Output{
			Response: host.JSONResponse(200, map[string]any{"replayed": last}),
			Effects:  []host.Effect{{Kind: host.EffectD1Batch, Statements: drop}, {Kind: host.EffectFlush}},
		}, nil
	case req.Path == "/admin/verify" && req.Method == "GET":
		return startVerify(w)
	case req.Path == "/admin/consumer" && req.Method == "GET":
		// The consumer's position (every seq up to it consumed or dead-lettered),
		// read from ?after= (a position known before; 0 reads them all).
		after, _ := strconv.ParseInt(queryValues(req.Query).Get("after"), 10, 64)
		return &host.Output{Effects: []host.Effect{{Kind: host.EffectD1Query, SQL: stream.CheckSQL,
			Params: []any{after, w.ID, after, w.ID, after}, Resume: &host.Resume{Entry: EntryConsumer}}}}, nil
	case req.Path == "/admin/consumed" && req.Method == "GET":
		// A page of what the consumer recorded, by seq from ?after= (the
		// page before's next), ?limit= rows (1,000 at most): read from the
		// (workspace, seq) key, whatever the workspace's history. position
		// is the order it was recorded in.
		q := queryValues(req.Query)
		after, _ := strconv.ParseInt(q.Get("after"), 10, 64)
		limit := pageLimit(q.Get("limit"))
		return &host.Output{Effects: []host.Effect{{Kind: host.EffectD1Query,
			SQL:    "SELECT rowid AS position, seq, event_id AS eventId, type, attempts, consumed_at AS consumedAt FROM consumed_events WHERE workspace = ? AND seq > ? ORDER BY seq LIMIT ?",
			Params: []any{w.ID, after, int64(limit)}, Resume: &host.Resume{Entry: EntryConsumed, Ctx: json.RawMessage(strconv.Itoa(limit))}}}}, nil
	case req.Path == "/admin/dead-letters" && req.Method == "GET":
		return &host.Output{Effects: []host.Effect{{Kind: host.EffectD1Query,
			SQL:    "SELECT message_id AS messageId, seq, attempts, received_at AS receivedAt, body FROM dead_letters WHERE workspace = ? ORDER BY seq, received_at",
			Params: []any{w.ID}, Resume: &host.Resume{Entry: EntryDeadLetters}}}}, nil
	case req.Path == "/admin/dead-letters/redrive" && req.Method == "POST":
		// Every dead letter of the workspace, or the one ?id= names.
		sql, params := "SELECT message_id, body FROM dead_letters WHERE workspace = ? ORDER BY seq LIMIT 100", []any{w.ID}
		if id := queryValues(req.Query).Get("id"); id != "" {
			sql, params = "SELECT message_id, body FROM dead_letters WHERE workspace = ? AND message_id = ?", []any{w.ID, id}
		}
		return &host.Output{Effects: []host.Effect{{Kind: host.EffectD1Query, SQL: sql, Params: params, Resume: &host.Resume{Entry: EntryRedrive}}}}, nil
	case req.Path == "/admin/requeue" && req.Method == "POST":
		// Re-publish one event (operators: a consumer lost it; tests: a
		// redelivery must change nothing).
		seq, err := strconv.ParseInt(queryValues(req.Query).Get("seq"), 10, 64)
		if err != nil || seq <= 0 {
			return nil, apierr.NewError(400, "seq must be a positive event sequence number")
		}
		msg, err := w.QueueMessage(seq)
		if err != nil {
			return nil, err
		}
		return &host.Output{
			Response: host.JSONResponse(200, map[string]any{"requeued": seq}),
			Effects:  []host.Effect{{Kind: host.EffectQueueSend, Messages: []json.RawMessage{msg}}},
		}, nil
	}
	return nil, apierr.NewError(404, fmt.Sprintf("no admin route %s %s", req.Method, req.Path))
}

func d1Rows(in host.ResumeInput) ([]map[string]any, error) {
	if in.Error != "" {
		return nil, apierr.NewError(503, "reading D1 failed: "+in.Error)
	}
	var res host.D1Result
	if err := json.Unmarshal(in.Result, &res); err != nil {
		return nil, err
	}
	return res.Rows, nil
}

// finishDeadLetters answers the workspace's dead letters, each with the
// error the object recorded when it refused the event (null when none:
// a malformed message, or one whose predecessors never arrived).
func finishDeadLetters(w *durable.Workspace, in host.ResumeInput) (*host.Output, error) {
	rows, err := d1Rows(in)
	if err != nil {
		return nil, err
	}
	var seqs []int64
	for _, r := range rows {
		seqs = append(seqs, sqldb.AsInt(r["seq"]))
	}
	errs, err := webhooks.Failures(w.DB, seqs)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		r["error"] = nil
		if e, ok := errs[sqldb.AsInt(r["seq"])]; ok {
			r["error"] = e
		}
	}
	return &host.Output{Response: host.JSONResponse(200, map[string]any{"deadLetters": rows})}, nil
}

type redriveCtx struct {
	IDs []string `json:"ids"`
}

// redrive sends the dead letters read from D1 to EVENTS again, as they
// were; the consumer records each (late, below its gate) once.
func redrive(in host.ResumeInput) (*host.Output, error) {
	rows, err := d1Rows(in)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return &host.Output{Response: host.JSONResponse(200, map[string]any{"redriven": []string{}})}, nil
	}
	var c redriveCtx
	msgs := make([]json.RawMessage, len(rows))
	for i, r := range rows {
		c.IDs = append(c.IDs, fmt.Sprint(r["message_id"]))
		msgs[i] = json.RawMessage(fmt.Sprint(r["body"]))
	}
	ctx, _ := json.Marshal(c)
	return &host.Output{Effects: []host.Effect{{Kind: host.EffectQueueSend, Messages: msgs, Resume: &host.Resume{Entry: EntryRedriven, Ctx: ctx}}}}, nil
}

// redriven forgets the dead letters EVENTS accepted again.
func redriven(in host.ResumeInput) (*host.Output, error) {
	if in.Error != "" {
		return nil, apierr.NewError(503, "sending to the queue failed: "+in.Error)
	}
	var c redriveCtx
	if err := json.Unmarshal(in.Ctx, &c); err != nil {
		return nil, err
	}
	list, _ := json.Marshal(c.IDs)
	return &host.Output{
		Response: host.JSONResponse(200, map[string]any{"redriven": c.IDs}),
		Effects: []host.Effect{{Kind: host.EffectD1Batch, Statements: []host.Statement{{
			SQL: "DELETE FROM dead_letters WHERE message_id IN (SELECT value FROM json_each(?))", Args: []any{string(list)}}}}},
	}, nil
}

type verifyCtx struct {
	Tables []string `json:"tables"`
	Seq    int64    `json:"seq"`
}

func startVerify(w *durable.Workspace) (*host.Output, error) {
	cp := w.Checkpoints()
	if cp["d1"] < cp["head"] {
		return &host.Output{Response: host.JSONResponse(409, map[string]any{
			"equal": false, "error": "ConflictException",
			"messages": []string{fmt.Sprintf("D1 projection is at seq %d of %d; retry when it has caught up", cp["d1"], cp["head"])},
		})}, nil
	}
	prefix := projections.D1Prefix(w.ID)
	var tables []string
	var stmts []host.Statement
	for _, o := range w.Schema().SortedObjects() {
		tables = append(tables, o.NameSingular)
		stmts = append(stmts, host.Statement{SQL: fmt.Sprintf("SELECT * FROM %s ORDER BY id", projections.Q(prefix+o.NameSingular))})
	}
	// The views too, once there are any (D1 creates its table with the first).
	if rows, err := w.DB.Exec("SELECT 1 FROM " + projections.ViewsTable + " LIMIT 1"); err == nil && len(rows.Values) > 0 {
		tables = append(tables, projections.ViewsTable)
		stmts = append(stmts, host.Statement{SQL: fmt.Sprintf("SELECT * FROM %s ORDER BY id", projections.Q(prefix+projections.ViewsTable))})
	}
	ctx, _ := json.Marshal(verifyCtx{Tables: tables, Seq: cp["head"]})
	return &host.Output{Effects: []host.Effect{{Kind: host.EffectD1Batch, Statements: stmts,
		Resume: &host.Resume{Entry: EntryVerify, Ctx: ctx}}}}, nil
}

// FinishVerify compares the D1 rows with the inline rows, table by table.
func FinishVerify(w *durable.Workspace, in host.ResumeInput) (*host.Output, error) {
	if in.Error != "" {
		return nil, apierr.NewError(503, "reading D1 failed: "+in.Error)
	}
	var c verifyCtx
	var res host.D1BatchResult
	if err := json.Unmarshal(in.Ctx, &c); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(in.Result, &res); err != nil {
		return nil, err
	}
	report := map[string]any{}
	equal := true
	for i, t := range c.Tables {
		rows, err := w.DB.Exec(fmt.Sprintf("SELECT * FROM %s ORDER BY id", projections.Q(t)))
		if err != nil {
			return nil, err
		}
		inline := canonical(rows.Maps())
		var d1 string
		if i < len(res.Results) {
			d1 = canonical(res.Results[i])
		}
		same := inline == d1
		equal = equal && same
		report[t] = map[string]any{"rows": len(rows.Values), "equal": same}
	}
	return &host.Output{Response: host.JSONResponse(200, map[string]any{"equal": equal, "seq": c.Seq, "tables": report})}, nil
}

// canonical renders rows as JSON with numbers normalised, so the same data
// read through different drivers compares equal.
func canonical(rows []map[string]any) string {
	norm := make([]map[string]any, len(rows))
	for i, r := range rows {
		m := make(map[string]any, len(r))
		for k, v := range r {
			switch x := v.(type) {
			case int64:
				m[k] = float64(x)
			case []byte:
				m[k] = string(x)
			default:
				m[k] = v
			}
		}
		norm[i] = m
	}
	b, _ := json.Marshal(norm)
	return string(b)
}

func queryValues(raw string) url.Values {
	v, _ := url.ParseQuery(raw)
	return v
}
