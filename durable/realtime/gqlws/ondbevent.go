package gqlws

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"edgecrm/api/gql"
	"edgecrm/domain"
)

// The subscription operations a socket may run: Twenty's older record-event
// subscription, extended with a filter, several actions and the event's
// sequence number:
//
//	subscription {
//	  onDbEvent(input: { objectNameSingular: "company", action: UPDATED,
//	                     filter: { employees: { gte: 10 } } }) {
//	    seq eventDate action objectNameSingular recordId updatedFields record
//	  }
//	}
//
// With no objectNameSingular the subscription is the workspace-wide stream
// (every record event; a filter then needs an object). Every next payload
// also carries the sequence number as extensions.seq, whatever the
// selection. SubscriptionSDL is the schema documents are validated against;
// a document naming DbEventSubscriptionInput (the input type of Twenty's
// later frontend) is validated against its twin where onDbEvent takes that
// type. DBEventSDL is their common part, which /graphql's schema also
// carries so that introspecting clients see the subscription.
const SubscriptionSDL = `
scalar JSON
scalar DateTime
scalar UUID
` + DBEventSDL + `
type Query { _subscriptionsOnly: Boolean }

type Subscription {
  onDbEvent(input: OnDbEventInput): OnDbEvent!
}
`

// DBEventSDL is the onDbEvent subscription's enum, inputs and result type.
const DBEventSDL = `
"What happened to a record (Twenty's DatabaseEventAction)."
enum DatabaseEventAction { CREATED UPDATED DELETED DESTROYED RESTORED UPSERTED }

input OnDbEventInput {
  "Only events of this action."
  action: DatabaseEventAction
  "Only events of these actions (edgecrm)."
  actions: [DatabaseEventAction!]
  "Only events of this object; omitted: the workspace-wide stream."
  objectNameSingular: String
  "Only events of this record."
  recordId: UUID
  "Only events whose record (before or after the change) matches this filter, in the grammar of queries (edgecrm)."
  filter: JSON
}

"OnDbEventInput under the name Twenty's later frontend declares."
input DbEventSubscriptionInput {
  action: DatabaseEventAction
  actions: [DatabaseEventAction!]
  objectNameSingular: String
  recordId: UUID
  filter: JSON
}

type OnDbEvent {
  "The event's position in the workspace log (gap-free, increasing)."
  seq: Float!
  eventId: String!
  eventDate: DateTime!
  action: DatabaseEventAction!
  objectNameSingular: String!
  recordId: UUID!
  "Updated events only: the fields the update named."
  updatedFields: [String!]
  "The record after the change (before it, for a destroy)."
  record: JSON
  before: JSON
  after: JSON
}
`

// subscriptionSchema is parsed on first use, not at start: every Go
// instance pays for its init functions before its first request.
var subscriptionSchema = sync.OnceValue(func() *ast.Schema {
	return gqlparser.MustLoadSchema(&ast.Source{Name: "gqlws.graphql", Input: SubscriptionSDL})
})

var laterSubscriptionSchema = sync.OnceValue(func() *ast.Schema {
	return gqlparser.MustLoadSchema(&ast.Source{Name: "gqlws-later.graphql", Input: strings.Replace(SubscriptionSDL,
		"onDbEvent(input: OnDbEventInput)", "onDbEvent(input: DbEventSubscriptionInput)", 1)})
})

// DBEventSpec is a parsed, validated onDbEvent subscription. It is what the
// fan-out needs: which events (Object, Actions, RecordID, Filter) and what
// to render (Alias, Fields).
type DBEventSpec struct {
	Alias    string          `json:"a"`           // response key of the root field
	Fields   []SelectedField `json:"f"`           // onDbEvent's selection, in order
	Object   string          `json:"o,omitempty"` // "" = the workspace-wide stream
	Actions  []string        `json:"x,omitempty"` // lower-case ("updated"); empty = all
	RecordID string          `json:"r,omitempty"`
	Filter   map[string]any  `json:"w,omitempty"` // query filter grammar; nil = none
	// Role is the subscriber's custom role (a standard role reads
	// everything: ""): events of objects it may not read, and fields it may
	// not read, are left out. Part of the spec, so sockets are grouped by it.
	Role string `json:"role,omitempty"`
}

// SelectedField is one field of the selection: its response key and name.
type SelectedField struct {
	Key  string `json:"k"`
	Name string `json:"n"`
}

// Shape identifies the rendering of a spec: subscriptions with the same
// shape receive byte-identical payloads for the same event.
func (s *DBEventSpec) Shape() string {
	var b strings.Builder
	b.WriteString(s.Alias)
	for _, f := range s.Fields {
		b.WriteByte(' ')
		b.WriteString(f.Key)
		if f.Key != f.Name {
			b.WriteByte(':')
			b.WriteString(f.Name)
		}
	}
	return b.String()
}

// ParseShape is the inverse of Shape.
func ParseShape(shape string) (alias string, fields []SelectedField) {
	parts := strings.Split(shape, " ")
	for _, p := range parts[1:] {
		k, n, ok := strings.Cut(p, ":")
		if !ok {
			n = k
		}
		fields = append(fields, SelectedField{Key: k, Name: n})
	}
	return parts[0], fields
}

// Wants reports whether the spec's object, action and record constraints
// admit an event (the filter is the caller's: it needs the records).
func (s *DBEventSpec) Wants(object, action, recordID string) bool {
	if s.Object != "" && s.Object != object {
		return false
	}
	if s.RecordID != "" && !strings.EqualFold(s.RecordID, recordID) {
		return false
	}
	if len(s.Actions) == 0 {
		return true
	}
	for _, a := range s.Actions {
		if a == action {
			return true
		}
	}
	return false
}

// ParseDBEventSubscription parses, measures and validates a subscribe
// payload's document against SubscriptionSDL with the one executor's
// front half (gql.Parse: size cap and cost model first) and collects its
// fields. Errors are GraphQL errors for an error frame.
func ParseDBEventSubscription(query, operationName string, variables map[string]any) (*DBEventSpec, []GraphQLError) {
	if variables == nil {
		variables = map[string]any{}
	}
	r := &gql.Request{Query: query, OperationName: operationName, Variables: domain.NormalizeNumbers(variables).(map[string]any)}
	schema := subscriptionSchema()
	if strings.Contains(query, "DbEventSubscriptionInput") {
		schema = laterSubscriptionSchema()
	}
	doc, op, errs := gql.Parse(schema, gql.DefaultLimits, r)
	if errs != nil {
		return nil, fromGQL(errs...)
	}
	if op.Operation != ast.Subscription {
		return nil, badInput(fmt.Sprintf("Only subscription operations are served over this socket, got a %s; send queries and mutations to POST /graphql.", op.Operation))
	}
	vars, e := gql.Variables(schema, op, r.Variables)
	if e != nil {
		return nil, fromGQL(e)
	}
	roots := gql.CollectFields(doc, vars, schema.Subscription.Name, op.SelectionSet)
	if len(roots) != 1 { // the validator's single-field rule ignores skipped fields
		return nil, badInput("A subscription must select exactly one top level field.")
	}
	root := roots[0].Fields[0]
	if root.Name != "onDbEvent" {
		return nil, badInput(fmt.Sprintf("Unknown subscription field %q.", root.Name))
	}
	spec := &DBEventSpec{Alias: roots[0].Key}
	sets := make([]ast.SelectionSet, len(roots[0].Fields))
	for i, f := range roots[0].Fields {
		sets[i] = f.SelectionSet
	}
	for _, g := range gql.CollectFields(doc, vars, "OnDbEvent", sets...) {
		spec.Fields = append(spec.Fields, SelectedField{Key: g.Key, Name: g.Fields[0].Name})
	}
	in, _ := root.ArgumentMap(vars)["input"].(map[string]any)
	if o, ok := in["objectNameSingular"].(string); ok {
		spec.Object = o
	}
	if r, ok := in["recordId"].(string); ok {
		spec.RecordID = r
	}
	seen := map[string]bool{}
	add := func(a any) {
		if s, ok := a.(string); ok && !seen[s] {
			seen[s] = true
			spec.Actions = append(spec.Actions, strings.ToLower(s))
		}
	}
	add(in["action"])
	if list, ok := in["actions"].([]any); ok {
		for _, a := range list {
			add(a)
		}
	}
	sort.Strings(spec.Actions)
	switch f := in["filter"].(type) {
	case nil:
	case map[string]any:
		if len(f) > 0 {
			spec.Filter = f
		}
	default:
		return nil, badInput("onDbEvent input.filter must be a filter object")
	}
	if spec.Filter != nil && spec.Object == "" {
		return nil, badInput("onDbEvent input.filter needs input.objectNameSingular: a filter applies to one object's fields")
	}
	return spec, nil
}

func badInput(msg string) []GraphQLError {
	return fromGQL(gql.NewError(400, "", msg))
}

// fromGQL turns the executor's errors into the protocol's.
func fromGQL(errs ...*gql.Error) []GraphQLError {
	out := make([]GraphQLError, 0, len(errs))
	for _, e := range errs {
		ge := GraphQLError{Message: e.Message, Path: e.Path, Extensions: e.Extensions}
		for _, l := range e.Locations {
			ge.Locations = append(ge.Locations, Location{Line: l.Line, Column: l.Column})
		}
		out = append(out, ge)
	}
	return out
}

// DBEvent is one record event as subscribers see it.
type DBEvent struct {
	Seq           int64
	EventID       string
	EventDate     string // ISO 8601
	Action        string // lower-case: created, updated, deleted, restored, destroyed
	Object        string
	RecordID      string
	UpdatedFields []string       // updates only
	Before        map[string]any // GraphQL-shaped; nil for a create
	After         map[string]any // GraphQL-shaped; nil for a destroy
}

// Payload renders the next payload of ev for subscriptions of shape:
// {"data":{alias:{...selected fields}},"extensions":{"seq":N}}.
func Payload(shape string, ev *DBEvent) ([]byte, error) {
	alias, fields := ParseShape(shape)
	var b bytes.Buffer
	b.WriteString(`{"data":{`)
	writeKey(&b, alias)
	b.WriteByte('{')
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(',')
		}
		writeKey(&b, f.Key)
		var v any
		switch f.Name {
		case "__typename":
			v = "OnDbEvent"
		case "seq":
			v = ev.Seq
		case "eventId":
			v = ev.EventID
		case "eventDate":
			v = ev.EventDate
		case "action":
			v = strings.ToUpper(ev.Action)
		case "objectNameSingular":
			v = ev.Object
		case "recordId":
			v = ev.RecordID
		case "updatedFields":
			if ev.UpdatedFields != nil {
				v = ev.UpdatedFields
			}
		case "record":
			if ev.After != nil {
				v = ev.After
			} else {
				v = ev.Before
			}
		case "before":
			v = ev.Before
		case "after":
			v = ev.After
		}
		enc, err := encode(v)
		if err != nil {
			return nil, err
		}
		b.Write(enc)
	}
	b.WriteString(`}},"extensions":{"seq":`)
	b.WriteString(strconv.FormatInt(ev.Seq, 10))
	b.WriteString(`}}`)
	return b.Bytes(), nil
}

func writeKey(b *bytes.Buffer, k string) {
	enc, _ := encode(k)
	b.Write(enc)
	b.WriteByte(':')
}

// NextFrameParts splits the next frame of an already-encoded payload
// around its operation id: the frame is head + IDInFrame(id) + tail.
func NextFrameParts(payload []byte) (head, tail string) {
	return `{"id":"`, `","type":"next","payload":` + string(payload) + `}`
}

// IDInFrame is an operation id as it stands between the quotes of a frame,
// with its spaces escaped too, so that it is one word of a list.
func IDInFrame(id string) string {
	enc, _ := encode(id)
	return strings.ReplaceAll(string(enc[1:len(enc)-1]), " ", `\u0020`)
}

// NextFrameRaw returns a next frame around an already-encoded payload.
func NextFrameRaw(id string, payload []byte) []byte {
	enc, _ := encode(id)
	out := make([]byte, 0, len(payload)+len(enc)+32)
	out = append(out, `{"id":`...)
	out = append(out, enc...)
	out = append(out, `,"type":"next","payload":`...)
	out = append(out, payload...)
	return append(out, '}')
}
