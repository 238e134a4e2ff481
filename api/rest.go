package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"edgecrm/domain"
	"edgecrm/durable"
	"edgecrm/projections"
)

// MaxBodyBytes is the largest request body the APIs accept.
const MaxBodyBytes = 1 << 20

// Result is a handled request: the response and what it appended.
type Result struct {
	Response *durable.Response
	Appended int64 // number of events appended
	FirstSeq int64
	LastSeq  int64
}

// ServeREST handles /rest/<plural>[/<id>[/restore]].
func ServeREST(w *durable.Workspace, req *durable.Request) (*Result, error) {
	parts := strings.Split(strings.Trim(strings.TrimPrefix(req.Path, "/rest"), "/"), "/")
	if len(parts) == 0 || parts[0] == "" {
		return nil, NewError(404, "no object in path: use /rest/<objects>")
	}
	obj := w.Schema().ObjectByPlural(parts[0])
	if obj == nil {
		return nil, NewError(400, fmt.Sprintf("unknown object %q", parts[0]))
	}
	switch {
	case len(parts) == 1 && req.Method == "GET":
		return list(w, obj, req)
	case len(parts) == 1 && req.Method == "POST":
		data, err := decodeBody(req.Body)
		if err != nil {
			return nil, err
		}
		id, _ := data["id"].(string)
		if id == "" {
			id = durable.NewRecordID(w.Now())
		}
		return command(w, req, domain.RecordCommand{Kind: domain.Create, Object: obj.NameSingular, ID: id, Data: data}, 201, "create")
	case len(parts) == 2 && req.Method == "GET":
		rec, err := w.ReadRecord(obj, parts[1])
		if err != nil {
			return nil, err
		}
		if rec == nil || rec["deletedAt"] != nil && !strings.Contains(req.Query, "deletedAt") {
			return nil, NewError(404, "Record not found")
		}
		return &Result{Response: durable.JSONResponse(200, map[string]any{"data": map[string]any{obj.NameSingular: rec}})}, nil
	case len(parts) == 2 && (req.Method == "PATCH" || req.Method == "PUT"):
		data, err := decodeBody(req.Body)
		if err != nil {
			return nil, err
		}
		cmd := domain.RecordCommand{Kind: domain.Update, Object: obj.NameSingular, ID: parts[1], Data: data}
		if v := req.Header("if-match"); v != "" {
			n, err := strconv.ParseInt(strings.Trim(v, `"`), 10, 64)
			if err != nil {
				return nil, NewError(400, "If-Match must be a record version number")
			}
			cmd.ExpectedVersion = &n
		}
		return command(w, req, cmd, 200, "update")
	case len(parts) == 2 && req.Method == "DELETE":
		kind, op := domain.Delete, "delete"
		if queryValues(req.Query).Get("soft_delete") == "false" {
			kind, op = domain.Destroy, "destroy"
		}
		return command(w, req, domain.RecordCommand{Kind: kind, Object: obj.NameSingular, ID: parts[1]}, 200, op)
	case len(parts) == 3 && parts[2] == "restore" && req.Method == "PATCH":
		return command(w, req, domain.RecordCommand{Kind: domain.Restore, Object: obj.NameSingular, ID: parts[1]}, 200, "restore")
	}
	return nil, NewError(405, fmt.Sprintf("%s %s is not supported", req.Method, req.Path))
}

// command executes cmd (idempotent by the Idempotency-Key / X-Command-Id
// header) and answers Twenty's `{"data":{"<op><Object>":{...}}}`.
func command(w *durable.Workspace, req *durable.Request, cmd domain.RecordCommand, status int, op string) (*Result, error) {
	commandID := req.Header("idempotency-key")
	if commandID == "" {
		commandID = req.Header("x-command-id")
	}
	if commandID != "" {
		if stored, found, err := w.Store.Command(commandID); err != nil {
			return nil, err
		} else if found {
			var resp durable.Response
			if err := json.Unmarshal(stored, &resp); err != nil {
				return nil, err
			}
			return &Result{Response: &resp}, nil
		}
	} else {
		commandID = durable.NewRecordID(w.Now())
	}
	if req.Header("x-test-panic") == "after-append" {
		// Test hook (enabled only by the shell in dev/test): panic mid-command.
		defer func() { panic("test panic after append") }()
	}
	evs, err := w.Execute(cmd, "api", commandID)
	if err != nil {
		return nil, err
	}
	obj := w.Schema().Object(cmd.Object)
	var rec map[string]any
	if cmd.Kind == domain.Destroy {
		rec = map[string]any{"id": cmd.ID}
	} else if rec, err = w.ReadRecord(obj, cmd.ID); err != nil {
		return nil, err
	}
	name := op + upperFirst(obj.NameSingular)
	resp := durable.JSONResponse(status, map[string]any{"data": map[string]any{name: rec}})
	stored, _ := json.Marshal(resp)
	if err := w.Store.RecordCommand(commandID, stored, w.Now()); err != nil {
		return nil, err
	}
	return &Result{Response: resp, Appended: int64(len(evs)), FirstSeq: evs[0].Seq, LastSeq: evs[len(evs)-1].Seq}, nil
}

// list answers a page ordered by position (filters arrive with the query
// compiler).
func list(w *durable.Workspace, obj *domain.Object, req *durable.Request) (*Result, error) {
	limit := 60
	if s := queryValues(req.Query).Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return nil, NewError(400, "limit must be a non-negative integer")
		}
		if n > 10000 {
			return nil, NewError(413, "limit must be at most 10000")
		}
		limit = n
	}
	table := projections.Q(obj.NameSingular)
	rows, err := w.DB.Exec(fmt.Sprintf(`SELECT * FROM %s WHERE "deletedAt" IS NULL ORDER BY "position", "id" LIMIT ?`, table), int64(limit))
	if err != nil {
		return nil, err
	}
	count, err := w.DB.Exec(fmt.Sprintf(`SELECT count(*) FROM %s WHERE "deletedAt" IS NULL`, table))
	if err != nil {
		return nil, err
	}
	recs := []map[string]any{}
	for _, r := range rows.Maps() {
		recs = append(recs, projections.Unflatten(obj, r))
	}
	return &Result{Response: durable.JSONResponse(200, map[string]any{
		"data":       map[string]any{obj.NamePlural: recs},
		"totalCount": count.Int(),
	})}, nil
}

func decodeBody(body string) (map[string]any, error) {
	if len(body) > MaxBodyBytes {
		return nil, NewError(413, fmt.Sprintf("request body is larger than %d bytes", MaxBodyBytes))
	}
	if strings.TrimSpace(body) == "" {
		return nil, NewError(400, "request body is empty: expected a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(body)))
	dec.UseNumber()
	var data map[string]any
	if err := dec.Decode(&data); err != nil {
		return nil, NewError(400, "malformed JSON body: "+err.Error())
	}
	if dec.More() {
		return nil, NewError(400, "malformed JSON body: trailing data after the object")
	}
	return normalizeNumbers(data).(map[string]any), nil
}

// normalizeNumbers turns json.Number into int64 or float64.
func normalizeNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = normalizeNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = normalizeNumbers(e)
		}
	}
	return v
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}
