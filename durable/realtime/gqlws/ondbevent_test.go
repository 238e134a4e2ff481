package gqlws

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestParseDBEventSubscription(t *testing.T) {
	tests := []struct {
		name, query, op string
		vars            string
		want            DBEventSpec
	}{
		{
			name:  "Twenty's older shape",
			query: `subscription { onDbEvent(input: { objectNameSingular: "company", action: UPDATED }) { eventDate action objectNameSingular recordId updatedFields record } }`,
			want: DBEventSpec{Alias: "onDbEvent", Object: "company", Actions: []string{"updated"}, Fields: []SelectedField{
				{"eventDate", "eventDate"}, {"action", "action"}, {"objectNameSingular", "objectNameSingular"},
				{"recordId", "recordId"}, {"updatedFields", "updatedFields"}, {"record", "record"}}},
		},
		{
			name:  "Twenty's later frontend (OnDbEvent, DbEventSubscriptionInput)",
			query: "subscription OnDbEvent($input: DbEventSubscriptionInput!) {\n  onDbEvent(input: $input) {\n    action\n    objectNameSingular\n    record\n    updatedFields\n  }\n}",
			op:    "OnDbEvent",
			vars:  `{"input":{"objectNameSingular":"person","action":"CREATED"}}`,
			want: DBEventSpec{Alias: "onDbEvent", Object: "person", Actions: []string{"created"}, Fields: []SelectedField{
				{"action", "action"}, {"objectNameSingular", "objectNameSingular"}, {"record", "record"}, {"updatedFields", "updatedFields"}}},
		},
		{
			name:  "workspace-wide, no input",
			query: `subscription S { e: onDbEvent { seq s2: seq __typename } }`,
			want:  DBEventSpec{Alias: "e", Fields: []SelectedField{{"seq", "seq"}, {"s2", "seq"}, {"__typename", "__typename"}}},
		},
		{
			name:  "empty input is the workspace stream",
			query: `subscription { onDbEvent(input: {}) { seq } }`,
			want:  DBEventSpec{Alias: "onDbEvent", Fields: []SelectedField{{"seq", "seq"}}},
		},
		{
			name:  "filter literal, actions list, record id",
			query: `subscription { onDbEvent(input: { objectNameSingular: "person", actions: [UPDATED, CREATED, UPDATED], recordId: "0190aaaa-0000-7000-8000-000000000001", filter: { name: { firstName: { eq: "Ada" } }, employees: { gte: 10 } } }) { seq } }`,
			want: DBEventSpec{Alias: "onDbEvent", Object: "person", Actions: []string{"created", "updated"},
				RecordID: "0190aaaa-0000-7000-8000-000000000001", Fields: []SelectedField{{"seq", "seq"}},
				Filter: map[string]any{"name": map[string]any{"firstName": map[string]any{"eq": "Ada"}}, "employees": map[string]any{"gte": int64(10)}}},
		},
		{
			name:  "variables, fragments and directives",
			query: `subscription On($in: OnDbEventInput, $full: Boolean!) { onDbEvent(input: $in) { ...F ... on OnDbEvent { record @include(if: $full) before @skip(if: $full) } } } fragment F on OnDbEvent { seq action }`,
			op:    "On",
			vars:  `{"in":{"objectNameSingular":"company","filter":{"name":{"ilike":"%a%"}}},"full":true}`,
			want: DBEventSpec{Alias: "onDbEvent", Object: "company", Filter: map[string]any{"name": map[string]any{"ilike": "%a%"}},
				Fields: []SelectedField{{"seq", "seq"}, {"action", "action"}, {"record", "record"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var vars map[string]any
			if tt.vars != "" {
				if err := json.Unmarshal([]byte(tt.vars), &vars); err != nil {
					t.Fatal(err)
				}
			}
			got, errs := ParseDBEventSubscription(tt.query, tt.op, vars)
			if errs != nil {
				t.Fatalf("errors %+v", errs)
			}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Fatalf("got  %#v\nwant %#v", *got, tt.want)
			}
			a, f := ParseShape(got.Shape())
			if a != got.Alias || !reflect.DeepEqual(f, got.Fields) {
				t.Fatalf("shape round trip: %q → %q %v", got.Shape(), a, f)
			}
		})
	}
}

func TestParseDBEventSubscriptionErrors(t *testing.T) {
	tests := []struct{ name, query, vars, want string }{
		{"syntax", `subscription {`, ``, "Expected Name"},
		{"query operation", `{ _subscriptionsOnly }`, ``, "Only subscription operations"},
		{"unknown field", `subscription { onDbEvent { nope } }`, ``, `Cannot query field "nope"`},
		{"unknown root", `subscription { onCompany { id } }`, ``, `Cannot query field "onCompany"`},
		{"two roots", `subscription { a: onDbEvent { seq } b: onDbEvent { seq } }`, ``, "one top level field"},
		{"bad enum", `subscription { onDbEvent(input: { action: TOUCHED }) { seq } }`, ``, "TOUCHED"},
		{"no selection", `subscription { onDbEvent }`, ``, "must have a selection of subfields"},
		{"filter without object", `subscription { onDbEvent(input: { filter: { name: { eq: "x" } } }) { seq } }`, ``, "needs input.objectNameSingular"},
		{"filter not object", `subscription { onDbEvent(input: { objectNameSingular: "company", filter: [1] }) { seq } }`, ``, "must be a filter object"},
		{"bad variable", `subscription($in: OnDbEventInput) { onDbEvent(input: $in) { seq } }`, `{"in":{"action":"NOPE"}}`, "NOPE"},
		{"missing variable", `subscription($a: DatabaseEventAction!) { onDbEvent(input: {action: $a}) { seq } }`, ``, "must be defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var vars map[string]any
			if tt.vars != "" {
				json.Unmarshal([]byte(tt.vars), &vars)
			}
			_, errs := ParseDBEventSubscription(tt.query, "", vars)
			if len(errs) == 0 {
				t.Fatal("no error")
			}
			if !strings.Contains(errs[0].Message, tt.want) {
				t.Fatalf("error %q, want it to contain %q", errs[0].Message, tt.want)
			}
		})
	}
}

func TestPayload(t *testing.T) {
	ev := &DBEvent{Seq: 42, EventID: "e1", EventDate: "2025-01-02T03:04:05.000Z", Action: "updated", Object: "company",
		RecordID: "r1", UpdatedFields: []string{"name"},
		Before: map[string]any{"name": "A"}, After: map[string]any{"name": "B<&>"}}
	spec := DBEventSpec{Alias: "ev", Fields: []SelectedField{{"seq", "seq"}, {"action", "action"}, {"rec", "record"},
		{"updatedFields", "updatedFields"}, {"before", "before"}, {"__typename", "__typename"}}}
	got, err := Payload(spec.Shape(), ev)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"data":{"ev":{"seq":42,"action":"UPDATED","rec":{"name":"B<&>"},"updatedFields":["name"],"before":{"name":"A"},"__typename":"OnDbEvent"}},"extensions":{"seq":42}}`
	if string(got) != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	frame := NextFrameRaw(`a"b`, got)
	var m map[string]any
	if err := json.Unmarshal(frame, &m); err != nil || m["id"] != `a"b` || m["type"] != "next" {
		t.Fatalf("frame %s: %v", frame, err)
	}
	// A destroy's record is the record before it.
	del := &DBEvent{Seq: 1, Action: "destroyed", Before: map[string]any{"id": "x"}}
	got, _ = Payload("onDbEvent record updatedFields", del)
	if string(got) != `{"data":{"onDbEvent":{"record":{"id":"x"},"updatedFields":null}},"extensions":{"seq":1}}` {
		t.Fatalf("destroy payload %s", got)
	}
}

func TestWants(t *testing.T) {
	s := DBEventSpec{Object: "company", Actions: []string{"created", "updated"}, RecordID: "ABC"}
	for _, c := range []struct {
		obj, action, id string
		want            bool
	}{
		{"company", "updated", "abc", true}, {"company", "deleted", "abc", false},
		{"person", "updated", "abc", false}, {"company", "created", "xyz", false},
	} {
		if got := s.Wants(c.obj, c.action, c.id); got != c.want {
			t.Errorf("%v: got %v", c, got)
		}
	}
	if !(&DBEventSpec{}).Wants("anything", "destroyed", "x") {
		t.Error("workspace stream should want everything")
	}
}

// A frame split around its operation id is the whole frame again, whatever
// the id holds, and the id in it is one word.
func TestNextFrameParts(t *testing.T) {
	payload := []byte(`{"data":{"onDbEvent":{"seq":1}}}`)
	head, tail := NextFrameParts(payload)
	for _, id := range []string{"1", "", `a "b" c`, "x\ny\\z <&> é"} {
		in := IDInFrame(id)
		if strings.ContainsAny(in, " \n") {
			t.Fatalf("IDInFrame(%q) = %q is not one word", id, in)
		}
		var f struct {
			ID      string          `json:"id"`
			Type    string          `json:"type"`
			Payload json.RawMessage `json:"payload"`
		}
		if err := json.Unmarshal([]byte(head+in+tail), &f); err != nil || f.ID != id || f.Type != "next" || string(f.Payload) != string(payload) {
			t.Fatalf("id %q: frame %s decodes to %+v (%v)", id, head+in+tail, f, err)
		}
		if !strings.Contains(id, " ") && string(NextFrameRaw(id, payload)) != head+in+tail { // spaces are escaped differently

			t.Fatalf("id %q: parts differ from NextFrameRaw", id)
		}
	}
}
