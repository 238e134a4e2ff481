// Package graphql serves the workspace GraphQL API (POST /graphql) with
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
	c, err := SchemaFor(w.ID, w.Schema())
	if err != nil {
		return nil, err
	}
	x, refusal := gql.Prepare(req, "/graphql", c.Schema, Limits)
	if refusal != nil {
		return &rest.Result{Response: refusal}, nil
	}
	e := &executor{Executor: x, w: w, c: c, schema: c.Schema, meta: w.Schema(), actor: Actor}
	x.Resolve, x.ErrorOf, x.BeforeList = e.resolve, toGQLError, e.prefetch
	if req.Actor != "" {
		e.actor = req.Actor
	}
	if x.Op.Operation == ast.Mutation {
		x.BeforeRoot = func() { e.cache, e.related = nil, nil } // reads after a write are fresh
	}
	resp, err := x.RunOnce(w, req, "graphql:", func(commandID string) any {
		e.commandID = commandID
		return x.Run(rootValue{})
	})
	if err != nil {
		return nil, fmt.Errorf("graphql: %w", err)
	}
	res := appended(resp, e.appended, e.firstSeq, e.lastSeq)
	if resp.Status < 400 {
		res.Effects = e.effects
	}
	return res, nil
}

// appended is the result of a request that appended events first..last
// (counted only when it succeeded: a failed one rolls back).
func appended(resp *host.Response, n, first, last int64) *rest.Result {
	res := &rest.Result{Response: resp}
	if resp.Status < 400 && n > 0 {
		res.Appended, res.FirstSeq, res.LastSeq = n, first, last
	}
	return res
}

// resolve resolves the fields of this API's own values (records,
// connections, the root) for the executor.
func (e *executor) resolve(v any, f *ast.Field, args map[string]any) (any, error) {
	if r, ok := v.(fieldResolver); ok {
		return r.resolveField(e, f, args)
	}
	return nil, fmt.Errorf("graphql: no resolver for %s (%T)", f.Name, v)
}

// fieldResolver is a value whose fields are computed (records,
// connections, the root).
type fieldResolver interface {
	resolveField(e *executor, f *ast.Field, args map[string]any) (any, error)
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
