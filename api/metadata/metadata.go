// Package metadata serves Twenty's metadata API (POST /metadata): the
// objects and fields of a workspace, and the mutations that create, change
// and delete custom objects and fields. Requests are parsed and validated by
// gqlparser against a hand-written SDL of that part of Twenty's metadata
// schema (schema.go) and executed here (exec.go, resolvers.go; request
// plumbing and introspection come from api/gql). Mutations
// become domain metadata commands (domain.DecideMetadata), appended and
// projected inline by durable.Workspace.ExecuteMetadata; the next request
// (to /graphql, /rest or here) sees the new schema, since the schema cache
// is keyed by the metadata version those events bump.
//
// Status policy (as api/graphql's): a request that cannot run answers 400
// (413 oversized, 405 wrong method) with {"errors": [...]}; a query whose
// fields fail answers 200 with partial data and errors; a mutation that
// fails answers its errors' highest status (≥ 400) with "data": null, and
// the shell rolls the whole request back. Errors carry extensions.code
// (BAD_USER_INPUT, NOT_FOUND, ...), extensions.statusCode and, for input
// errors, extensions.field and extensions.rule.
package metadata

import (
	"fmt"
	"strings"
	"time"

	"github.com/vektah/gqlparser/v2/ast"

	"edgecrm/api/gql"
	"edgecrm/api/rest"
	"edgecrm/domain"
	"edgecrm/durable"
	"edgecrm/events"
	"edgecrm/host"
)

// Actor is the actor recorded on metadata events.
const Actor = "api"

// limits is the cost model of /metadata over schema s. Its lists are
// bounded by the schema (objects, fields of one object), so a page is
// counted as that bound, and the budget allows Twenty's front-end query
// (objects → fieldsList → relation) while a cycle through the schema
// (objects → fields → object → fields → ...) exceeds it in a few levels.
func limits(s *domain.Schema) gql.Limits {
	n := int64(max(10, len(s.Objects)))
	for _, o := range s.Objects {
		n = max(n, int64(len(o.Fields)))
	}
	l := gql.DefaultLimits
	l.DefaultList, l.MaxList, l.MaxCost = n, n, 5_000_000
	return l
}

// execution runs one operation of one request on the one executor,
// supplying this API's resolvers.
type execution struct {
	*gql.Executor
	w *durable.Workspace

	commandID                   string
	appended, firstSeq, lastSeq int64
	epochTime                   time.Time
	viewCache                   domain.Views // read once per request, forgotten after a view command
	member                      string       // the calling workspace member's id, if a member calls
}

// meta is the workspace's current metadata (fresh after each mutation).
func (x *execution) meta() *domain.Schema { return x.w.Schema() }

// resolver is a value of this API whose fields are computed.
type resolver interface {
	resolve(x *execution, f *ast.Field, args map[string]any) (any, error)
}

// Serve answers one metadata GraphQL request against workspace w.
func Serve(w *durable.Workspace, req *host.Request) (*rest.Result, error) {
	ex, refusal := gql.Prepare(req, "/metadata", Schema(), limits(w.Schema()))
	if refusal != nil {
		return &rest.Result{Response: refusal}, nil
	}
	key := answerKey(w, req, ex.Op)
	if r := keptAnswer(key); key != "" && r != nil {
		return &rest.Result{Response: r}, nil
	}
	var root resolver = rootQuery{}
	if ex.Op.Operation == ast.Mutation {
		if err := allowMutation(w, ex.Op.SelectionSet); err != nil {
			return &rest.Result{Response: gql.RespondErrors(gql.FromError(err))}, nil
		}
		root = rootMutation{}
	}
	x := &execution{Executor: ex, w: w}
	if domain.IsUUID(req.Actor) {
		x.member = req.Actor // a workspace member (not an API key or the operator)
	}
	ex.Resolve = func(v any, f *ast.Field, args map[string]any) (any, error) {
		if r, ok := v.(resolver); ok {
			return r.resolve(x, f, args)
		}
		return nil, fmt.Errorf("metadata: no resolver for %s (%T)", f.Name, v)
	}
	resp, err := ex.RunOnce(w, req, "metadata:", func(commandID string) any {
		x.commandID = commandID
		return ex.Run(root)
	})
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	if key != "" && !hasErrors(resp) {
		keepAnswer(key, resp)
	}
	res := &rest.Result{Response: resp}
	if resp.Status < 400 && x.appended > 0 {
		res.Appended, res.FirstSeq, res.LastSeq = x.appended, x.firstSeq, x.lastSeq
	}
	return res, nil
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
	case "createOneIndex":
		in, _ := input["index"].(map[string]any)
		if t, _ := in["indexType"].(string); t != "" && t != "BTREE" {
			return nil, badInput("indexType", "only BTREE indexes can be created here")
		}
		cmd := domain.CreateIndex{}
		cmd.ObjectID, _ = in["objectMetadataId"].(string)
		list, _ := in["fields"].([]any)
		for _, it := range list {
			m, _ := it.(map[string]any)
			id, _ := m["fieldMetadataId"].(string)
			sub, _ := m["subFieldName"].(string)
			cmd.Fields = append(cmd.Fields, domain.IndexField{FieldID: id, Subfield: sub})
		}
		evs, err := x.execute(cmd)
		if err != nil {
			return nil, err
		}
		var pl domain.IndexCreated
		if err := evs[0].Decode(&pl); err != nil {
			return nil, err
		}
		return x.indexByID(x.meta(), pl.Index.ID), nil
	case "deleteOneIndex":
		id, _ := input["id"].(string)
		if _, err := x.execute(domain.DeleteIndex{ID: id}); err != nil {
			return nil, err
		}
		return x.indexByID(before, id), nil
	}
	if v, ok, err := webhookField(x, f.Name, args); ok {
		return v, err
	}
	if v, ok, err := viewField(x, f.Name, args); ok {
		return v, err
	}
	return nil, edgeOnly(f.Name)
}

// allowMutation refuses a mutation one of whose fields needs a settings
// permission flag the caller's role lacks (as Twenty's settings guards):
// schema changes need DATA_MODEL, webhooks API_KEYS_AND_WEBHOOKS; views
// every member may change.
func allowMutation(w *durable.Workspace, set ast.SelectionSet) error {
	for _, sel := range set {
		f, ok := sel.(*ast.Field) // a fragment needs the data model flag
		if ok && (f.Name == "__typename" || isViewMutation(f.Name)) {
			continue
		}
		flag := domain.FlagDataModel
		if ok && strings.HasSuffix(f.Name, "Webhook") {
			flag = domain.FlagAPIKeysAndWebhooks
		}
		if err := w.AllowSetting(flag); err != nil {
			return err
		}
	}
	return nil
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
	x.viewCache = nil // a new object brings its views
	if err != nil {
		return nil, err
	}
	x.count(evs)
	return evs, nil
}

// count notes what a command appended, for the response's log line.
func (x *execution) count(evs []events.Event) {
	for _, ev := range evs {
		if x.appended == 0 {
			x.firstSeq = ev.Seq
		}
		x.appended++
		x.lastSeq = ev.Seq
	}
}
