// Package metadataapi serves Twenty's metadata API (POST /metadata): the
// objects and fields of a workspace, and the mutations that create, change
// and delete custom objects and fields. Requests are parsed and validated by
// gqlparser against a hand-written SDL of that part of Twenty's metadata
// schema (schema.go) and executed here (exec.go, resolvers.go). Mutations
// become domain metadata commands (domain.DecideMetadata), appended and
// projected inline by durable.Workspace.ExecuteMetadata; the next request
// (to /graphql, /rest or here) sees the new schema, since the schema cache
// is keyed by the metadata version those events bump.
//
// Status policy (as graphqlapi's): a request that cannot run answers 400
// (413 oversized, 405 wrong method) with {"errors": [...]}; a query whose
// fields fail answers 200 with partial data and errors; a mutation that
// fails answers its errors' highest status (≥ 400) with "data": null, and
// the shell rolls the whole request back. Errors carry extensions.code
// (BAD_USER_INPUT, NOT_FOUND, ...), extensions.statusCode and, for input
// errors, extensions.field and extensions.rule.
package metadataapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator"

	"edgecrm/api"
	"edgecrm/domain"
	"edgecrm/durable"
	"edgecrm/events"
)

// Actor is the actor recorded on metadata events.
const Actor = "api"

// execution runs one operation of one request.
type execution struct {
	w      *durable.Workspace
	schema *ast.Schema
	doc    *ast.QueryDocument
	vars   map[string]any

	errs  []*gqlError
	fatal error

	commandID                   string
	appended, firstSeq, lastSeq int64
	epochTime                   time.Time
}

// meta is the workspace's current metadata (fresh after each mutation).
func (x *execution) meta() *domain.Schema { return x.w.Schema() }

type request struct {
	Query         string         `json:"query"`
	Variables     map[string]any `json:"variables"`
	OperationName string         `json:"operationName"`
}

// Serve answers one metadata GraphQL request against workspace w.
func Serve(w *durable.Workspace, req *durable.Request) (*api.Result, error) {
	r, herr := decodeRequest(req)
	if herr != nil {
		return respondErrors(herr), nil
	}
	schema := Schema()
	doc, errs := gqlparser.LoadQueryWithRules(schema, r.Query, nil)
	if len(errs) > 0 {
		return respondErrors(requestErrors(errs)...), nil
	}
	op, herr := pickOperation(doc, r.OperationName)
	if herr != nil {
		return respondErrors(herr), nil
	}
	if op.Operation == ast.Subscription {
		return respondErrors(newError(400, "BAD_REQUEST", "the metadata API has no subscriptions")), nil
	}
	if op.Operation == ast.Mutation && req.Method == "GET" {
		return respondErrors(newError(405, "", "mutations must be sent with POST")), nil
	}
	vars, err := validator.VariableValues(schema, op, r.Variables)
	if err != nil {
		msg := err.Error()
		var ge *gqlerror.Error
		if errors.As(err, &ge) {
			msg = ge.Message
			if len(ge.Path) > 0 {
				msg = "variable " + strings.TrimPrefix(ge.Path.String(), "variable.") + " " + ge.Message
			}
		}
		return respondErrors(newError(400, "", msg)), nil
	}
	x := &execution{w: w, schema: schema, doc: doc, vars: vars}
	if op.Operation == ast.Mutation {
		x.commandID = req.Header("idempotency-key")
		if x.commandID == "" {
			x.commandID = req.Header("x-command-id")
		}
		if x.commandID != "" {
			stored, found, err := w.Store.Command("metadata:" + x.commandID)
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
			x.commandID = durable.NewRecordID(w.Now())
		}
	}
	data := x.run(op)
	if x.fatal != nil {
		return nil, x.fatal
	}
	if op.Operation != ast.Mutation {
		return respond(200, data, x.errs), nil
	}
	if len(x.errs) > 0 {
		status := 400
		for _, ge := range x.errs {
			status = max(status, ge.status)
		}
		return respond(status, nil, x.errs), nil
	}
	res := respond(200, data, nil)
	res.Appended, res.FirstSeq, res.LastSeq = x.appended, x.firstSeq, x.lastSeq
	stored, _ := json.Marshal(res.Response)
	if err := w.Store.RecordCommand("metadata:"+x.commandID, stored, w.Now()); err != nil {
		return nil, err
	}
	return res, nil
}

// run executes op; a mutation stops at its first failing field.
func (x *execution) run(op *ast.OperationDefinition) any {
	def := x.schema.Query
	var root resolver = rootQuery{}
	if op.Operation == ast.Mutation {
		def, root = x.schema.Mutation, rootMutation{}
	}
	out := &omap{}
	for _, g := range x.collectFields(def, []ast.SelectionSet{op.SelectionSet}) {
		f := g.fields[0]
		if f.Name == "__typename" {
			out.set(g.key, def.Name)
			continue
		}
		if strings.HasPrefix(f.Name, "__") {
			x.fieldError(f, []any{g.key}, badInput("", "introspection is not served on /metadata"))
			out.set(g.key, nil)
			continue
		}
		before := len(x.errs)
		val, err := root.resolve(x, f, f.ArgumentMap(x.vars))
		if err != nil {
			x.fieldError(f, []any{g.key}, err)
			if x.fatal != nil || f.Definition.Type.NonNull {
				if op.Operation == ast.Mutation {
					return nil
				}
				out.set(g.key, nil)
				continue
			}
		}
		r, ok := x.complete(f.Definition.Type, val, g.fields, []any{g.key})
		if x.fatal != nil || op.Operation == ast.Mutation && len(x.errs) > before {
			return nil
		}
		if !ok {
			return nil // a non-null root field is null: data is null
		}
		out.set(g.key, r)
	}
	return out
}

type rootMutation struct{}

func (rootMutation) resolve(x *execution, f *ast.Field, args map[string]any) (any, error) {
	input, _ := args["input"].(map[string]any)
	before := x.meta()
	switch f.Name {
	case "createOneObject":
		cmd, err := createObjectCommand(input)
		if err != nil {
			return nil, err
		}
		evs, err := x.execute(cmd)
		if err != nil {
			return nil, err
		}
		return objectResult(x.meta(), createdObjectID(evs))
	case "updateOneObject":
		cmd, err := updateObjectCommand(before, input)
		if err != nil {
			return nil, err
		}
		if _, err := x.execute(cmd); err != nil {
			return nil, err
		}
		return objectResult(x.meta(), cmd.ID)
	case "deleteOneObject":
		id, _ := input["id"].(string)
		if _, err := x.execute(domain.DeleteObject{ID: id}); err != nil {
			return nil, err
		}
		return objectResult(before, id)
	case "createOneField":
		cmd, err := createFieldCommand(before, input)
		if err != nil {
			return nil, err
		}
		evs, err := x.execute(cmd)
		if err != nil {
			return nil, err
		}
		return fieldResult(x.meta(), createdFieldID(evs))
	case "updateOneField":
		cmd, err := updateFieldCommand(before, input)
		if err != nil {
			return nil, err
		}
		if _, err := x.execute(cmd); err != nil {
			return nil, err
		}
		return fieldResult(x.meta(), cmd.ID)
	case "deleteOneField":
		id, _ := input["id"].(string)
		if _, err := x.execute(domain.DeleteField{ID: id}); err != nil {
			return nil, err
		}
		return fieldResult(before, id)
	}
	return nil, fmt.Errorf("unknown mutation %s", f.Name)
}

func objectResult(s *domain.Schema, id string) (any, error) {
	o := s.ObjectByID(id)
	if o == nil {
		return nil, &domain.MetadataNotFoundError{Kind: "object", ID: id}
	}
	return &objectNode{s: s, o: o}, nil
}

func fieldResult(s *domain.Schema, id string) (any, error) {
	o, f := s.FieldByID(id)
	if f == nil {
		return nil, &domain.MetadataNotFoundError{Kind: "field", ID: id}
	}
	return &fieldNode{s: s, o: o, f: f}, nil
}

// execute runs one metadata command and counts what it appended.
func (x *execution) execute(cmd domain.MetadataCommand) ([]events.Event, error) {
	evs, err := x.w.ExecuteMetadata(cmd, Actor, x.commandID)
	if err != nil {
		return nil, err
	}
	for _, ev := range evs {
		if x.appended == 0 {
			x.firstSeq = ev.Seq
		}
		x.appended++
		x.lastSeq = ev.Seq
	}
	return evs, nil
}

func respondErrors(errs ...*gqlError) *api.Result {
	status := 400
	for _, e := range errs {
		status = max(status, e.status)
	}
	body := &omap{}
	body.set("errors", errs)
	return &api.Result{Response: durable.JSONResponse(status, body)}
}

func respond(status int, data any, errs []*gqlError) *api.Result {
	body := &omap{}
	body.set("data", data)
	if len(errs) > 0 {
		body.set("errors", errs)
	}
	return &api.Result{Response: durable.JSONResponse(status, body)}
}

func decodeRequest(req *durable.Request) (*request, *gqlError) {
	var r request
	switch req.Method {
	case "POST":
		if len(req.Body) > api.MaxBodyBytes {
			return nil, newError(413, "", fmt.Sprintf("request body is larger than %d bytes", api.MaxBodyBytes))
		}
		dec := json.NewDecoder(bytes.NewReader([]byte(req.Body)))
		dec.UseNumber()
		if err := dec.Decode(&r); err != nil {
			return nil, newError(400, "BAD_REQUEST", "malformed GraphQL request body: "+err.Error()+` (expected {"query": "...", "variables": {...}})`)
		}
	case "GET":
		// queries only; variables as JSON in ?variables=
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
		return nil, newError(405, "", "use POST (or GET for queries) on /metadata")
	}
	if strings.TrimSpace(r.Query) == "" {
		return nil, newError(400, "BAD_REQUEST", "the request has no query")
	}
	r.Variables, _ = api.NormalizeNumbers(r.Variables).(map[string]any)
	if r.Variables == nil {
		r.Variables = map[string]any{}
	}
	return &r, nil
}

func pickOperation(doc *ast.QueryDocument, name string) (*ast.OperationDefinition, *gqlError) {
	if name != "" {
		if op := doc.Operations.ForName(name); op != nil {
			return op, nil
		}
		return nil, newError(400, "", fmt.Sprintf("unknown operation named %q", name))
	}
	if len(doc.Operations) != 1 {
		return nil, newError(400, "", "the document has several operations: name the one to run with operationName")
	}
	return doc.Operations[0], nil
}

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
