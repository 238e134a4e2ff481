package main

import (
	"math/rand"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

func TestParseServerTiming(t *testing.T) {
	for _, c := range []struct {
		headers []string
		want    map[string]float64
	}{
		{nil, map[string]float64{}},
		{[]string{"object;dur=12.5"}, map[string]float64{"object": 12.5}},
		{[]string{`edge;dur=1, object;desc="in the DO";dur=3.25`, "core;dur=2"}, map[string]float64{"edge": 1, "object": 3.25, "core": 2}},
		{[]string{"cache;desc=hit, object;dur=bad, db;DUR=4"}, map[string]float64{"db": 4}},
	} {
		if got := parseServerTiming(c.headers); !reflect.DeepEqual(got, c.want) {
			t.Errorf("parseServerTiming(%q) = %v, want %v", c.headers, got, c.want)
		}
	}
}

func TestSearchTerms(t *testing.T) {
	for _, c := range []struct{ in, op, want string }{
		{"acme", "&", "acme:*"},
		{" anna  smith ", "&", "anna:* & smith:*"},
		{"anna smith", "|", "anna:* | smith:*"},
		{"", "&", ""},
	} {
		if got := searchTerms(c.in, c.op); got != c.want {
			t.Errorf("searchTerms(%q, %q) = %q, want %q", c.in, c.op, got, c.want)
		}
	}
}

func TestGQLParams(t *testing.T) {
	for _, c := range []struct{ args, want string }{
		{`orderBy: [{ position: AscNullsFirst }]`, ""},
		{`filter: { companyId: { eq: $c } }`, "($c: UUID!)"},
		{`filter: { or: [{ city: { eq: $a } }, { city: { eq: $a } }] } $after`, "($a: String, $after: String)"},
		{`filter: { stage: { eq: $stage } }`, "($stage: OpportunityStageEnum)"},
	} {
		if got := gqlParams(c.args); got != c.want {
			t.Errorf("gqlParams(%q) = %q, want %q", c.args, got, c.want)
		}
	}
}

// Both sides must get the same rows: the generator is deterministic and
// every record has a UUID id and a position.
func TestGenerateDatasetDeterministic(t *testing.T) {
	a, b := generateDataset(0.01), generateDataset(0.01)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two generations at the same scale differ")
	}
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for _, recs := range [][]map[string]any{a.companies, a.people, a.opportunities, a.notes, a.tasks} {
		for i, r := range recs {
			id, _ := r["id"].(string)
			if !uuid.MatchString(id) || seen[id] {
				t.Fatalf("record %d: id %q is not a fresh v4 UUID", i, id)
			}
			seen[id] = true
			if r["position"] != float64(i) {
				t.Fatalf("record %d: position %v", i, r["position"])
			}
		}
	}
	if got := benchUUID(rand.New(rand.NewSource(1))); got != benchUUID(rand.New(rand.NewSource(1))) {
		t.Fatal("benchUUID is not deterministic for a seed")
	}
}

// Every PostgreSQL column list matches its row function.
func TestPGColumnsRows(t *testing.T) {
	d := generateDataset(0.001)
	for table, recs := range map[string][]map[string]any{"company": d.companies, "person": d.people, "opportunity": d.opportunities, "note": d.notes, "task": d.tasks} {
		c := pgColumns[table]
		row := c.row(recs[0])
		if len(row) != len(c.cols) {
			t.Errorf("%s: %d columns, %d values", table, len(c.cols), len(row))
		}
		for i, v := range row {
			if v == nil {
				t.Errorf("%s: column %s is nil", table, c.cols[i])
			}
		}
	}
}

func TestCompareAnswers(t *testing.T) {
	answer := map[string]any{"data": map[string]any{"people": map[string]any{"totalCount": 2.0, "edges": []any{
		map[string]any{"node": map[string]any{"id": "b", "company": map[string]any{"id": "c"}}},
		map[string]any{"node": map[string]any{"id": "a"}},
	}}}}
	for _, c := range []struct {
		pg   []string
		want string
	}{
		{[]string{"a", "b", "c", "count:2"}, "yes (4)"},
		{[]string{"c", "count:2", "b", "a"}, "yes (4)"},
		{[]string{"a", "b", "count:2"}, "**no**"},
		{[]string{"a", "b", "c", "count:3"}, "**no**"},
	} {
		if got, _ := compareAnswers(cmpOp{}, answer, c.pg); got != c.want {
			t.Errorf("compareAnswers(%v) = %q, want %q", c.pg, got, c.want)
		}
	}
	if got, _ := compareAnswers(cmpOp{noCompare: "ranking"}, answer, nil); got != "–" {
		t.Errorf("noCompare: got %q", got)
	}
}

// Every operation declares the variables its GraphQL uses (gqlParams
// panics on an unknown one) and has a PostgreSQL side.
func TestCompareOpsBuild(t *testing.T) {
	d := generateDataset(0.001)
	ops := compareOps(&loaded{dataset: d, companyIDs: idsOf(d.companies), personIDs: idsOf(d.people)})
	if len(ops) < 50 {
		t.Fatalf("%d operations, want at least 50", len(ops))
	}
	kinds := map[string]int{}
	for _, o := range ops {
		kinds[o.kind]++
		if o.gql == "" || o.pg == nil || o.vars == nil {
			t.Errorf("%s: incomplete", o.name)
		}
	}
	for _, k := range []string{"read by id", "first page", "cursor page", "nested", "search", "aggregate", "write"} {
		if kinds[k] == 0 {
			t.Errorf("no %q operation", k)
		}
	}
}

// TestFloorNote: the floor line needs the create-then-read section's
// bare-object means and the object phase, and divides the right ones.
func TestFloorNote(t *testing.T) {
	defer func(f struct{ create, read float64 }) { objectFloor = f }(objectFloor)
	objectFloor.create, objectFloor.read = 0, 0
	var b strings.Builder
	floorNote(&b, "object", 0.3, 1.2)
	if b.Len() != 0 {
		t.Fatalf("without a measured floor: %q", b.String())
	}
	objectFloor.create, objectFloor.read = 0.9, 0.25
	floorNote(&b, "core", 0.3, 1.2)
	if b.Len() != 0 {
		t.Fatalf("for another phase: %q", b.String())
	}
	floorNote(&b, "object", 0.5, 1.5)
	for _, want := range []string{"one read by key took 0.250 ms", "one insert 0.900 ms", "0.500 ms for a read by id", "1.500 ms for a write", "is 0.50× and 0.60× PostgreSQL"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("floor note lacks %q: %s", want, b.String())
		}
	}
}
