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
package graphql

import (
	"errors"
	"fmt"

	"github.com/vektah/gqlparser/v2/ast"

	"edgecrm/api/gql"
	"edgecrm/api/rest"
	"edgecrm/durable"
	"edgecrm/host"
)

// MaxAffectedRecords is the most records one mutation field may create,
// update, delete, restore or destroy (Twenty's
// MUTATION_MAXIMUM_AFFECTED_RECORDS default). A larger mutation is refused
// with BAD_USER_INPUT before anything is written.
var MaxAffectedRecords = 100

// Limits is the cost model of /graphql (checked before validation and
// execution); MaxRowsPerRequest bounds what execution then reads.
var Limits = gql.DefaultLimits

// Actor is the actor recorded on events when the request names none.
const Actor = "api"

// Serve answers one GraphQL request against workspace w.
func Serve(w *durable.Workspace, req *host.Request) (*rest.Result, error) {
	r, herr := gql.ReadRequest(req, "/graphql")
	if herr != nil {
		return respondErrors(herr), nil
	}
	c, err := SchemaFor(w.ID, w.Schema())
	if err != nil {
		return nil, err
	}
	doc, op, errs := gql.Parse(c.Schema, Limits, r)
	if len(errs) > 0 {
		return respondErrors(errs...), nil
	}
	if op.Operation == ast.Subscription {
		return respondErrors(gql.NewError(400, "BAD_REQUEST", "subscriptions are served over the WebSocket endpoint, not POST /graphql")), nil
	}
	if op.Operation == ast.Mutation && req.Method == "GET" {
		return respondErrors(gql.NewError(405, "METHOD_NOT_ALLOWED", "mutations must be sent with POST")), nil
	}
	vars, herr := gql.Variables(c.Schema, op, r.Variables)
	if herr != nil {
		return respondErrors(herr), nil
	}

	e := &executor{w: w, c: c, schema: c.Schema, meta: w.Schema(), doc: doc, op: op, vars: vars, actor: Actor}
	if req.Actor != "" {
		e.actor = req.Actor
	}
	if op.Operation == ast.Mutation {
		var fromClient bool
		e.commandID, fromClient = w.CommandID(req, "graphql:")
		if fromClient {
			if resp, found, err := w.StoredResponse(e.commandID); err != nil || found {
				return &rest.Result{Response: resp}, err
			}
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
		return respond(gql.Status(e.errs), nil, e.errs), nil
	}
	res := respond(200, data, nil)
	if e.appended > 0 {
		res.Appended, res.FirstSeq, res.LastSeq = e.appended, e.firstSeq, e.lastSeq
	}
	if err := w.RememberResponse(e.commandID, res.Response); err != nil {
		return nil, err
	}
	return res, nil
}

// respondErrors answers a request that never executed: {"errors":[...]}.
func respondErrors(errs ...*gql.Error) *rest.Result {
	return &rest.Result{Response: gql.RespondErrors(errs...)}
}

// respond answers an executed operation: {"data":..., "errors":[...]}.
func respond(status int, data any, errs []*gql.Error) *rest.Result {
	return &rest.Result{Response: gql.Respond(status, data, errs)}
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
func toGQLError(err error) *gql.Error {
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
	if errors.As(err, &fe) {
		status := fe.status
		if status == 0 {
			status = 500
		}
		return gql.NewError(status, "", fe.msg)
	}
	return gql.FromError(err)
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
	e.errs = append(e.errs, ge.At(f, path))
}
