// Package graphqlapi serves the workspace GraphQL API (POST /graphql) with
// Twenty's per-workspace schema: one set of queries, mutations and types
// per object, generated from the workspace metadata (see schema.go),
// parsed and validated by gqlparser and executed here against the inline
// read model (no gqlgen runtime, no net/http).
//
// HTTP status policy. The shell commits the request's storage transaction
// when the status is below 400 and rolls it back otherwise, so:
//
//   - a request that cannot run (malformed body, parse or validation error,
//     bad variables, unknown operationName) answers 400 with `{"errors":[...]}`
//     (413 for an oversized body, 405 for a mutation over GET);
//   - a query whose fields fail answers 200 with the partial `data` and
//     `errors`, as GraphQL servers (and Twenty) do: nothing to roll back;
//   - a mutation that fails in any way answers the highest status its errors
//     map to (400 bad input, 404 missing record, 409 stale expectedVersion,
//     413 too many rows, ...), always ≥ 400, with `"data": null`: the whole
//     operation is one transaction and the shell rolls every change back,
//     so no partial result is reported as done. Execution stops at the first
//     failing mutation field.
//
// Every error carries `extensions.code` (Twenty's codes: BAD_USER_INPUT,
// NOT_FOUND, CONFLICT, ...) and `extensions.statusCode` (the status table);
// input errors name the offending field in `extensions.field`. Our own bugs
// (an unexpected storage error) are returned to the core, which answers 500
// and rolls back.
package graphqlapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator"

	"edgecrm/api"
	"edgecrm/domain"
	"edgecrm/durable"
	"edgecrm/projections/query"
)

// MaxAffectedRecords is the most records one mutation field may create,
// update, delete, restore or destroy (Twenty's
// MUTATION_MAXIMUM_AFFECTED_RECORDS default). A larger mutation is refused
// with BAD_USER_INPUT before anything is written.
var MaxAffectedRecords = 100

// MaxDepth bounds how deeply an operation may nest selections (graphql-js's
// introspection query nests 13 levels).
var MaxDepth = 24

// selectionDepth is the deepest field nesting of set, fragments expanded.
func selectionDepth(doc *ast.QueryDocument, set ast.SelectionSet, memo map[string]int) int {
	deepest := 0
	for _, sel := range set {
		d := 0
		switch s := sel.(type) {
		case *ast.Field:
			if len(s.SelectionSet) > 0 {
				d = 1 + selectionDepth(doc, s.SelectionSet, memo)
			} else {
				d = 1
			}
		case *ast.InlineFragment:
			d = selectionDepth(doc, s.SelectionSet, memo)
		case *ast.FragmentSpread:
			// A fragment's depth does not depend on where it is spread:
			// remember it (validation has already refused cycles).
			if n, ok := memo[s.Name]; ok {
				d = n
			} else if f := doc.Fragments.ForName(s.Name); f != nil {
				memo[s.Name] = 0
				d = selectionDepth(doc, f.SelectionSet, memo)
				memo[s.Name] = d
			}
		}
		deepest = max(deepest, d)
	}
	return deepest
}

// Actor is the actor recorded on events when the request names none.
const Actor = "api"

// request is the decoded GraphQL request.
type request struct {
	Query         string         `json:"query"`
	Variables     map[string]any `json:"variables"`
	OperationName string         `json:"operationName"`
}

// Serve answers one GraphQL request against workspace w.
func Serve(w *durable.Workspace, req *durable.Request) (*api.Result, error) {
	r, herr := decodeRequest(req)
	if herr != nil {
		return respondErrors(herr.status, herr), nil
	}
	c, err := SchemaFor(w.ID, w.Schema())
	if err != nil {
		return nil, err
	}
	doc, errs := gqlparser.LoadQueryWithRules(c.Schema, r.Query, nil)
	if len(errs) > 0 {
		return respondErrors(400, requestErrors(errs)...), nil
	}
	op, herr := pickOperation(doc, r.OperationName)
	if herr != nil {
		return respondErrors(400, herr), nil
	}
	if d := selectionDepth(doc, op.SelectionSet, map[string]int{}); d > MaxDepth {
		return respondErrors(400, newError(400, "BAD_USER_INPUT", fmt.Sprintf("the operation nests selections %d levels deep; the maximum is %d", d, MaxDepth))), nil
	}
	if op.Operation == ast.Subscription {
		return respondErrors(400, newError(400, "BAD_REQUEST", "subscriptions are served over the WebSocket endpoint, not POST /graphql")), nil
	}
	if op.Operation == ast.Mutation && req.Method == "GET" {
		return respondErrors(405, newError(405, "METHOD_NOT_ALLOWED", "mutations must be sent with POST")), nil
	}
	vars, err := validator.VariableValues(c.Schema, op, api.NormalizeNumbers(r.Variables).(map[string]any)) // r.Variables is never nil
	if err != nil {
		var ge *gqlerror.Error
		msg := err.Error()
		if errors.As(err, &ge) {
			msg = ge.Message
			if len(ge.Path) > 0 {
				msg = "variable " + strings.TrimPrefix(ge.Path.String(), "variable.") + " " + ge.Message
			}
		}
		return respondErrors(400, newError(400, "BAD_USER_INPUT", msg)), nil
	}

	e := &executor{w: w, c: c, schema: c.Schema, meta: w.Schema(), doc: doc, op: op, vars: vars, actor: Actor}
	if req.Actor != "" {
		e.actor = req.Actor
	}
	if op.Operation == ast.Mutation {
		e.commandID = req.Header("idempotency-key")
		if e.commandID == "" {
			e.commandID = req.Header("x-command-id")
		}
		if e.commandID != "" {
			stored, found, err := w.Store.Command("graphql:" + e.commandID)
			if err != nil {
				return nil, err
			}
			if found {
				var resp durable.Response
				if err := json.Unmarshal(stored, &resp); err != nil {
					return nil, err
				}
				return &api.Result{Response: &resp}, nil
			}
		} else {
			e.commandID = durable.NewRecordID(w.Now())
		}
	}
	data := e.run()
	if e.fatal != nil {
		return nil, e.fatal
	}
	if op.Operation != ast.Mutation {
		return respond(200, data, e.errs), nil
	}
	if len(e.errs) > 0 {
		status := 400
		for _, ge := range e.errs {
			if ge.status > status {
				status = ge.status
			}
		}
		return respond(status, nil, e.errs), nil
	}
	res := respond(200, data, nil)
	if e.appended > 0 {
		res.Appended, res.FirstSeq, res.LastSeq = e.appended, e.firstSeq, e.lastSeq
	}
	stored, _ := json.Marshal(res.Response)
	if err := w.Store.RecordCommand("graphql:"+e.commandID, stored, w.Now()); err != nil {
		return nil, err
	}
	return res, nil
}

// respondErrors answers a request that never executed: {"errors":[...]}.
func respondErrors(status int, errs ...*gqlError) *api.Result {
	body := &omap{}
	body.set("errors", errs)
	return jsonResult(status, body)
}

func jsonResult(status int, body *omap) *api.Result {
	var b bytes.Buffer
	if err := writeJSON(&b, body); err != nil {
		return &api.Result{Response: durable.JSONResponse(500, api.NewError(500, "response encoding failed"))}
	}
	return &api.Result{Response: &durable.Response{Status: status, Headers: map[string]string{"content-type": "application/json"}, Body: b.String()}}
}

// respond answers an executed operation: {"data":..., "errors":[...]}.
func respond(status int, data any, errs []*gqlError) *api.Result {
	body := &omap{}
	body.set("data", data)
	if len(errs) > 0 {
		body.set("errors", errs)
	}
	return jsonResult(status, body)
}

func decodeRequest(req *durable.Request) (*request, *gqlError) {
	var r request
	switch req.Method {
	case "POST":
		if len(req.Body) > api.MaxBodyBytes {
			return nil, newError(413, "PAYLOAD_TOO_LARGE", fmt.Sprintf("request body is larger than %d bytes", api.MaxBodyBytes))
		}
		if strings.HasPrefix(req.Header("content-type"), "application/graphql") && !strings.HasPrefix(req.Header("content-type"), "application/graphql-response") {
			r.Query = req.Body
			break
		}
		dec := json.NewDecoder(bytes.NewReader([]byte(req.Body)))
		dec.UseNumber()
		if err := dec.Decode(&r); err != nil {
			return nil, newError(400, "BAD_REQUEST", "malformed GraphQL request body: "+err.Error()+` (expected {"query": "...", "variables": {...}, "operationName": "..."})`)
		}
		if dec.More() {
			return nil, newError(400, "BAD_REQUEST", "malformed GraphQL request body: trailing data after the object")
		}
	case "GET":
		q, err := url.ParseQuery(req.Query)
		if err != nil {
			return nil, newError(400, "BAD_REQUEST", "malformed query string: "+err.Error())
		}
		r.Query, r.OperationName = q.Get("query"), q.Get("operationName")
		if v := q.Get("variables"); v != "" {
			dec := json.NewDecoder(strings.NewReader(v))
			dec.UseNumber()
			if err := dec.Decode(&r.Variables); err != nil {
				return nil, newError(400, "BAD_REQUEST", "variables must be a JSON object: "+err.Error())
			}
		}
	default:
		return nil, newError(405, "METHOD_NOT_ALLOWED", "use POST (or GET for queries) on /graphql")
	}
	if strings.TrimSpace(r.Query) == "" {
		return nil, newError(400, "BAD_REQUEST", "the request has no query")
	}
	if r.Variables == nil {
		r.Variables = map[string]any{}
	}
	return &r, nil
}

func pickOperation(doc *ast.QueryDocument, name string) (*ast.OperationDefinition, *gqlError) {
	if name != "" {
		op := doc.Operations.ForName(name)
		if op == nil {
			return nil, newError(400, "BAD_USER_INPUT", fmt.Sprintf("unknown operation named %q", name))
		}
		return op, nil
	}
	if len(doc.Operations) != 1 {
		return nil, newError(400, "BAD_USER_INPUT", "the document has several operations: name the one to run with operationName")
	}
	return doc.Operations[0], nil
}

// requestErrors converts parse and validation errors.
func requestErrors(list gqlerror.List) []*gqlError {
	out := make([]*gqlError, 0, len(list))
	for _, ge := range list {
		code := "GRAPHQL_VALIDATION_FAILED"
		if ge.Rule == "" {
			code = "GRAPHQL_PARSE_FAILED"
		}
		e := newError(400, code, ge.Message)
		for _, l := range ge.Locations {
			e.Locations = append(e.Locations, location{Line: l.Line, Column: l.Column})
		}
		out = append(out, e)
	}
	return out
}

// codes are the extension codes per status (Twenty's ErrorCode names).
var codes = map[int]string{
	400: "BAD_USER_INPUT",
	401: "UNAUTHENTICATED",
	402: "PAYMENT_REQUIRED",
	403: "FORBIDDEN",
	404: "NOT_FOUND",
	405: "METHOD_NOT_ALLOWED",
	409: "CONFLICT",
	413: "PAYLOAD_TOO_LARGE",
	429: "TOO_MANY_REQUESTS",
	500: "INTERNAL_SERVER_ERROR",
	503: "SERVICE_UNAVAILABLE",
}

func newError(status int, code, msg string) *gqlError {
	if code == "" {
		code = codes[status]
		if code == "" {
			code = "INTERNAL_SERVER_ERROR"
		}
	}
	return &gqlError{Message: msg, status: status, Extensions: map[string]any{"code": code, "statusCode": status}}
}

// fieldErr is an error the executor itself raises on a field.
type fieldErr struct {
	msg    string
	status int // 0 means 500
}

func (e *fieldErr) Error() string { return e.msg }

func badInput(format string, args ...any) error {
	return &fieldErr{msg: fmt.Sprintf(format, args...), status: 400}
}

// toGQLError maps an error to a GraphQL error by the status table, or
// returns nil for an unexpected (internal) error.
func toGQLError(err error) *gqlError {
	var ie *indexedErr
	if errors.As(err, &ie) {
		ge := toGQLError(ie.err)
		if ge != nil {
			ge.Message = fmt.Sprintf("data[%d]: %s", ie.index, ge.Message)
			ge.Extensions["index"] = ie.index
		}
		return ge
	}
	var fe *fieldErr
	var qe *query.Error
	switch {
	case errors.As(err, &fe):
		status := fe.status
		if status == 0 {
			status = 500
		}
		return newError(status, "", fe.msg)
	case errors.As(err, &qe):
		e := newError(400, "", qe.Message)
		if qe.Field != "" {
			e.Extensions["field"] = qe.Field
		}
		return e
	case errors.Is(err, query.ErrTooManyRows):
		return newError(413, "", err.Error())
	}
	ae := api.FromError(err)
	if ae.Status == 500 {
		return nil
	}
	var ve *domain.ValidationError
	msg := ae.Messages[0]
	if errors.As(err, &ve) {
		msg = ve.Message
	} else if errors.Is(err, domain.ErrNotFound) {
		msg = err.Error()
	}
	e := newError(ae.Status, "", msg)
	if ae.Field != "" {
		e.Extensions["field"] = ae.Field
	}
	if ae.Rule != "" {
		e.Extensions["rule"] = ae.Rule
	}
	return e
}

// fieldError records err on field f at path; an internal error aborts the
// request instead (e.fatal).
func (e *executor) fieldError(f *ast.Field, path []any, err error) {
	ge := toGQLError(err)
	if ge == nil {
		if e.fatal == nil {
			e.fatal = fmt.Errorf("graphqlapi: %s: %w", fieldLabel(f), err)
		}
		return
	}
	ge.Path = append([]any(nil), path...)
	if f != nil && f.Position != nil {
		ge.Locations = []location{{Line: f.Position.Line, Column: f.Position.Column}}
	}
	e.errs = append(e.errs, ge)
}
