package projections_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"edgecrm/domain"
	"edgecrm/events"
	"edgecrm/host/native"
	"edgecrm/projections"
	"edgecrm/projections/query"
	"edgecrm/sqldb"
)

func TestMatchQuery(t *testing.T) {
	cases := []struct {
		text, match string
		empty       bool
	}{
		{"acm", `"acm"*`, false},
		{"  John  Doe ", `"John"* "Doe"*`, false},
		{"john@acme.com", `"john"* "acme"* "com"*`, false},
		{`a "quoted" OR NOT(x*)`, `"a"* "quoted"* "OR"* "NOT"* "x"*`, false},
		{"Élodie-Marie", `"Élodie"* "Marie"*`, false},
		{"+33 6 12", `"33"* "6"* "12"*`, false},
		{"", "", true},
		{"   ", "", true},
		{"@@ -- !", "", false},
		{strings.Repeat("w ", 20), strings.TrimSpace(strings.Repeat(`"w"* `, 16)), false},
	}
	for _, c := range cases {
		match, empty := projections.MatchQuery(c.text)
		if match != c.match || empty != c.empty {
			t.Errorf("MatchQuery(%q) = %q, %v; want %q, %v", c.text, match, empty, c.match, c.empty)
		}
	}
}

// env is one workspace on a native host with helpers to write through REST
// and search its inline (DO) and D1 projections.
type env struct {
	t  *testing.T
	h  *native.Host
	ws string
}

func newEnv(t *testing.T) *env {
	h, ws := native.MustNewWorkspace(t, "search")
	return &env{t: t, h: h, ws: ws}
}

func (e *env) do(method, path, body string) map[string]any {
	e.t.Helper()
	req := native.Request(method, path, body)
	resp, err := e.h.Fetch(e.ws, req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	var m map[string]any
	json.Unmarshal([]byte(resp.Body), &m)
	if resp.Status >= 300 {
		e.t.Fatalf("%s %s: %d %s", method, path, resp.Status, resp.Body)
	}
	return m
}

func (e *env) create(plural, body string) string {
	e.t.Helper()
	for _, v := range e.do("POST", "/rest/"+plural, body)["data"].(map[string]any) {
		return v.(map[string]any)["id"].(string)
	}
	return ""
}

func (e *env) db() sqldb.DB {
	db, err := e.h.Object(e.ws)
	if err != nil {
		e.t.Fatal(err)
	}
	return db
}

func (e *env) schema() *domain.Schema {
	s, err := projections.LoadSchema(e.db(), "")
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

// search runs Search on the inline projection and checks that D1 answers the same.
func (e *env) search(text string, limit int, objects ...string) []projections.Hit {
	e.t.Helper()
	hits, err := projections.Search(e.db(), e.schema(), "", text, limit, objects)
	if err != nil {
		e.t.Fatal(err)
	}
	d1, err := projections.Search(e.h.D1, e.schema(), projections.D1Prefix(e.ws), text, limit, objects)
	if err != nil {
		e.t.Fatal(err)
	}
	if !reflect.DeepEqual(hits, d1) {
		e.t.Fatalf("search %q: inline %v, D1 %v", text, hits, d1)
	}
	return hits
}

func labels(hits []projections.Hit) []string {
	out := []string{}
	for _, h := range hits {
		out = append(out, h.ObjectNameSingular+":"+h.Label)
	}
	return out
}

func TestSearch(t *testing.T) {
	e := newEnv(t)
	acme := e.create("companies", `{"name":"Acme","domainName":{"primaryLinkUrl":"https://acme.com"}}`)
	e.create("companies", `{"name":"Acme Industries"}`)
	e.create("companies", `{"name":"Globex","domainName":{"primaryLinkUrl":"https://globex.com","secondaryLinks":[{"url":"https://acmeish.io","label":"old"}]}}`)
	john := e.create("people", fmt.Sprintf(`{"name":{"firstName":"John","lastName":"Doe"},"emails":{"primaryEmail":"john@acme.com","additionalEmails":["jd@home.org"]},
		"jobTitle":"CTO","companyId":%q,"avatarUrl":"https://img/j.png"}`, acme))
	elodie := e.create("people", `{"name":{"firstName":"Élodie","lastName":"Müller"},"phones":{"primaryPhoneNumber":"612345678","primaryPhoneCallingCode":"+33"},"city":"Acmeville"}`)
	e.create("opportunities", `{"name":"Acme renewal"}`)
	e.create("notes", `{"title":"Call notes","bodyV2":{"markdown":"talked to acme about pricing","blocknote":"[{\"type\":\"paragraph\"}]"}}`)

	cases := []struct {
		name, text string
		objects    []string
		want       []string
	}{
		{"prefix of a word; closer labels first", "acm", []string{"company"}, []string{"company:Acme", "company:Acme Industries", "company:Globex"}},
		{"case and accents are ignored", "ELODIE muller", nil, []string{"person:Élodie Müller"}},
		{"every word must match", "john acme", nil, []string{"person:John Doe"}},
		{"email, additional email, job title, phone", "jd home", nil, []string{"person:John Doe"}},
		{"job title", "cto", nil, []string{"person:John Doe"}},
		{"phone number prefix", "61234", nil, []string{"person:Élodie Müller"}},
		{"non-searchable fields are not indexed", "acmeville", nil, []string{}},
		{"secondary link urls are indexed, JSON keys are not", "url", nil, []string{}},
		{"rich text markdown", "pricing", nil, []string{"note:Call notes"}},
		{"rich text blocknote JSON is not indexed", "paragraph", nil, []string{}},
		{"objects filter", "acme", []string{"person", "opportunity"}, []string{"opportunity:Acme renewal", "person:John Doe"}},
		{"nothing", "zzz", nil, []string{}},
		{"punctuation only", "@@@", nil, []string{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := labels(e.search(c.text, 0, c.objects...)); !reflect.DeepEqual(got, c.want) {
				t.Fatalf("search %q: %v, want %v", c.text, got, c.want)
			}
		})
	}

	// Tiers: the label equal to the text, then labels starting with it
	// (shorter first), then matches in other fields only.
	got := labels(e.search("acme", 0))
	if len(got) != 6 {
		t.Fatalf("search acme: %v", got)
	}
	if head := got[:3]; !reflect.DeepEqual(head, []string{"company:Acme", "opportunity:Acme renewal", "company:Acme Industries"}) {
		t.Fatalf("search acme, label matches: %v", head)
	}
	tail := append([]string(nil), got[3:]...)
	sort.Strings(tail)
	if !reflect.DeepEqual(tail, []string{"company:Globex", "note:Call notes", "person:John Doe"}) {
		t.Fatalf("search acme, other matches: %v", tail)
	}
	ranked := e.search("acme", 0)
	for i := 1; i < len(ranked); i++ {
		if ranked[i].Rank > ranked[i-1].Rank {
			t.Fatalf("ranks not descending: %+v", ranked)
		}
	}
	if ranked[0].Rank < 3 || ranked[1].Rank < 2 || ranked[1].Rank >= 3 || ranked[5].Rank >= 1 {
		t.Fatalf("rank tiers: %+v", ranked)
	}

	hits := e.search("john", 0)
	if len(hits) != 1 || hits[0].RecordID != john || hits[0].ImageURL != "https://img/j.png" || hits[0].Rank <= 0 {
		t.Fatalf("hit fields: %+v", hits)
	}
	if got := e.search("acme", 2); len(got) != 2 || got[0].Label != "Acme" {
		t.Fatalf("limit 2: %v", labels(got))
	}
	if got := labels(e.search("", 3, "company")); !reflect.DeepEqual(got, []string{"company:Acme", "company:Acme Industries", "company:Globex"}) {
		t.Fatalf("empty text lists in position order: %v", got)
	}
	var unknown *domain.UnknownObjectError
	if _, err := projections.Search(e.db(), e.schema(), "", "x", 0, []string{"spaceship"}); !errors.As(err, &unknown) {
		t.Fatalf("unknown object: %v", err)
	}
	if got := e.search("x", 0, "noteTarget"); len(got) != 0 {
		t.Fatalf("object without searchable fields: %v", got)
	}

	// The index follows updates, soft deletes, restores and destroys.
	e.do("PATCH", "/rest/people/"+elodie, `{"name":{"firstName":"Eloise","lastName":"Müller"}}`)
	if got := labels(e.search("elo", 0)); !reflect.DeepEqual(got, []string{"person:Eloise Müller"}) {
		t.Fatalf("after rename: %v", got)
	}
	if got := e.search("elodie", 0); len(got) != 0 {
		t.Fatalf("old name still found: %v", labels(got))
	}
	e.do("PATCH", "/rest/people/"+elodie, `{"city":"Paris"}`) // not searchable: index untouched
	e.do("DELETE", "/rest/companies/"+acme, "")
	if got := labels(e.search("acme", 0, "company")); !reflect.DeepEqual(got, []string{"company:Acme Industries", "company:Globex"}) {
		t.Fatalf("after soft delete: %v", got)
	}
	e.do("PATCH", "/rest/companies/"+acme+"/restore", "")
	if got := e.search("acme", 0, "company"); len(got) != 3 {
		t.Fatalf("after restore: %v", labels(got))
	}
	e.do("DELETE", "/rest/people/"+john+"?soft_delete=false", "")
	if got := e.search("john", 0); len(got) != 0 {
		t.Fatalf("after destroy: %v", labels(got))
	}
	if n := e.count("person"); n != 1 {
		t.Fatalf("destroyed person left %d FTS rows", n)
	}
}

// count returns the FTS rows of object in the inline projection.
func (e *env) count(object string) int64 {
	e.t.Helper()
	rows, err := e.db().Exec(fmt.Sprintf(`SELECT count(*) FROM %s`, projections.Q(projections.FTSTable(object))))
	if err != nil {
		e.t.Fatal(err)
	}
	return rows.Int()
}

// dumpFTS returns every indexed document of every searchable object in db.
func dumpFTS(t *testing.T, db sqldb.DB, schema *domain.Schema, prefix string) map[string][]map[string]any {
	t.Helper()
	out := map[string][]map[string]any{}
	for _, o := range schema.SortedObjects() {
		if !projections.Searchable(o) {
			continue
		}
		table := prefix + o.NameSingular
		rows, err := db.Exec(fmt.Sprintf(`SELECT i.id, f.title, f.body, coalesce(t.id = i.id, 0) AS "linked" FROM %s AS f LEFT JOIN %s AS i ON i.rid = f.rowid LEFT JOIN %s AS t ON t._rowid_ = f.rowid ORDER BY i.id`,
			projections.Q(projections.FTSTable(table)), projections.Q(projections.FTSIDsTable(table)), projections.Q(table)))
		if err != nil {
			t.Fatal(err)
		}
		out[o.NameSingular] = rows.Maps()
		for _, m := range out[o.NameSingular] {
			if sqldb.AsInt(m["linked"]) != 1 {
				t.Fatalf("%s: the entry of %v is not at its record's rowid", table, m["id"])
			}
		}
		if ids, err := db.Exec("SELECT count(*) FROM " + projections.Q(projections.FTSIDsTable(table))); err != nil || ids.Int() != int64(len(rows.Values)) {
			t.Fatalf("%s: %v id entries for %d FTS entries (%v)", table, ids, len(rows.Values), err)
		}
	}
	return out
}

func TestSearchIndexSurvivesReplayAndMatchesD1(t *testing.T) {
	e := newEnv(t)
	acme := e.create("companies", `{"name":"Acme","domainName":{"primaryLinkUrl":"acme.com"}}`)
	for i := 0; i < 30; i++ {
		e.create("people", fmt.Sprintf(`{"name":{"firstName":"P%d","lastName":"Person"},"emails":{"primaryEmail":"p%d@acme.com"},"companyId":%q}`, i, i, acme))
	}
	gone := e.create("people", `{"name":{"firstName":"Gone"}}`)
	e.do("PATCH", "/rest/companies/"+acme, `{"name":"Acme Corp"}`)
	e.do("DELETE", "/rest/people/"+gone+"?soft_delete=false", "")
	note := e.create("notes", `{"title":"Hello"}`)
	e.do("DELETE", "/rest/notes/"+note, "")

	schema := e.schema()
	inline := dumpFTS(t, e.db(), schema, "")
	if len(inline["person"]) != 30 || len(inline["company"]) != 1 || len(inline["note"]) != 1 {
		t.Fatalf("index sizes: %d people, %d companies, %d notes", len(inline["person"]), len(inline["company"]), len(inline["note"]))
	}
	if d1 := dumpFTS(t, e.h.D1, schema, projections.D1Prefix(e.ws)); !reflect.DeepEqual(inline, d1) {
		t.Fatal("D1 index differs from the inline index")
	}
	searched := labels(e.search("acme corp", 0))
	for i := 0; i < 2; i++ {
		e.do("POST", "/admin/replay", "")
		if err := e.h.Flush(e.ws); err != nil {
			t.Fatal(err)
		}
		if after := dumpFTS(t, e.db(), schema, ""); !reflect.DeepEqual(inline, after) {
			t.Fatalf("replay %d changed the inline index", i+1)
		}
		if d1 := dumpFTS(t, e.h.D1, schema, projections.D1Prefix(e.ws)); !reflect.DeepEqual(inline, d1) {
			t.Fatalf("replay %d: D1 index differs", i+1)
		}
		if got := labels(e.search("acme corp", 0)); !reflect.DeepEqual(got, searched) {
			t.Fatalf("replay %d changed search results: %v → %v", i+1, searched, got)
		}
	}

	// Reindexing from the tables gives the same documents.
	if err := sqldb.ExecAll(e.db(), projections.SearchReindexStatements("", schema.Object("person"))); err != nil {
		t.Fatal(err)
	}
	if after := dumpFTS(t, e.db(), schema, ""); !reflect.DeepEqual(inline["person"], after["person"]) {
		t.Fatal("reindex changed the person index")
	}
}

func TestSearchStatements(t *testing.T) {
	schema := &domain.Schema{Objects: domain.StandardObjects()}
	person, noteTarget := schema.Object("person"), schema.Object("noteTarget")
	id := "0190aaaa-0000-7000-8000-000000000001"
	ev := func(typ string, payload any) events.Event {
		e, err := events.New(typ, 1, time.Unix(0, 0), "api", "c", payload)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	cases := []struct {
		name  string
		obj   *domain.Object
		ev    events.Event
		count int
	}{
		{"created", person, ev("person.created", domain.RecordCreated{ID: id, Data: map[string]any{"city": "x"}}), 2},
		{"updated searchable", person, ev("person.updated", domain.RecordUpdated{ID: id, Changes: map[string]any{"jobTitle": "CEO"}}), 1},
		{"updated not searchable", person, ev("person.updated", domain.RecordUpdated{ID: id, Changes: map[string]any{"city": "x"}}), 0},
		{"deleted", person, ev("person.deleted", domain.RecordRef{ID: id}), 0},
		{"restored", person, ev("person.restored", domain.RecordRef{ID: id}), 0},
		{"destroyed", person, ev("person.destroyed", domain.RecordRef{ID: id}), 2},
		{"object without searchable fields", noteTarget, ev("noteTarget.created", domain.RecordCreated{ID: id}), 0},
	}
	for _, c := range cases {
		stmts, err := projections.SearchStatements("w_x_", c.obj, c.ev)
		if err != nil {
			t.Fatal(err)
		}
		if len(stmts) != c.count {
			t.Errorf("%s: %d statements, want %d", c.name, len(stmts), c.count)
		}
		for _, s := range stmts {
			if !strings.Contains(s.SQL, `"w_x_person_fts`) {
				t.Errorf("%s: statement without the prefix: %s", c.name, s.SQL)
			}
			for _, a := range s.Args {
				if a != id {
					t.Errorf("%s: unexpected argument %v", c.name, a)
				}
			}
		}
	}
	if ddl := projections.SearchDDL("", noteTarget); ddl != nil {
		t.Errorf("noteTarget search DDL: %v", ddl)
	}
	if ddl := projections.CreateTableDDL("", person); !strings.Contains(strings.Join(ddl, ";"), "USING fts5") {
		t.Errorf("person DDL has no FTS table: %v", ddl)
	}
}

func TestSearchObjectWithWhere(t *testing.T) {
	e := newEnv(t)
	paris := e.create("people", `{"name":{"firstName":"Ann","lastName":"Lee"},"city":"Paris"}`)
	oslo := e.create("people", `{"name":{"firstName":"Anna","lastName":"Berg"},"city":"Oslo"}`)
	gone := e.create("people", `{"name":{"firstName":"Annie"},"city":"Paris"}`)
	e.do("DELETE", "/rest/people/"+gone, "")
	e.create("notes", `{"title":"Ann's notes"}`)
	e.create("notes", `{"title":"Other","bodyV2":{"markdown":"about ann"}}`)
	schema := e.schema()
	person, note := schema.Object("person"), schema.Object("note")
	ids := func(hits []projections.Hit) []string {
		out := []string{}
		for _, h := range hits {
			out = append(out, h.RecordID)
		}
		return out
	}
	cases := []struct {
		name   string
		obj    *domain.Object
		text   string
		filter map[string]any
		want   []string
	}{
		{"no where", person, "ann", nil, []string{paris, oslo}},
		{"where on a column", person, "ann", map[string]any{"city": map[string]any{"eq": "Paris"}}, []string{paris}},
		{"where on id", person, "ann", map[string]any{"id": map[string]any{"in": []any{oslo, gone}}}, []string{oslo}},
		{"a filter on deletedAt shows deleted records", person, "ann", map[string]any{"deletedAt": map[string]any{"is": "NOT_NULL"}}, []string{gone}},
		{"empty text with where", person, "", map[string]any{"city": map[string]any{"eq": "Oslo"}}, []string{oslo}},
	}
	for _, c := range cases {
		where, args := "", []any(nil)
		if c.filter != nil {
			var err error
			if where, args, err = query.Where(schema, c.obj, c.obj.NameSingular, c.filter); err != nil {
				t.Fatal(err)
			}
		}
		hits, err := projections.SearchObject(e.db(), c.obj, c.obj.NameSingular, c.text, where, args, 0)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := ids(hits); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
		for _, h := range hits {
			if h.Row["id"] != h.RecordID || h.Row["_search_tier"] != nil {
				t.Errorf("%s: row %v", c.name, h.Row)
			}
		}
	}
	// A where naming a column the FTS table also has (note.title) is not ambiguous.
	where, args, err := query.Where(schema, note, "note", map[string]any{"title": map[string]any{"like": "%notes%"}})
	if err != nil {
		t.Fatal(err)
	}
	hits, err := projections.SearchObject(e.db(), note, "note", "ann", where, args, 0)
	if err != nil || len(hits) != 1 || hits[0].Label != "Ann's notes" {
		t.Fatalf("note search with a title filter: %v %v", hits, err)
	}
}

// TestRankedSearchAnswersAsTheGeneralQuery: the ranked path (candidates
// ranked from the FTS table, then joined) answers every search as the
// query joining every match does: same hits, order and ranks, with
// soft-deleted records, filters that leave too few candidates, ties, and
// text that is not ASCII.
func TestRankedSearchAnswersAsTheGeneralQuery(t *testing.T) {
	e := newEnv(t)
	rng := rand.New(rand.NewSource(7))
	firsts := []string{"Anna", "Ann", "anna", "Annabel", "Bob", "Élodie", "Ånna", "An\u0301na", "\ue000anna", "O'Brien", "", "Zoë"}
	lasts := []string{"Smith", "Anna", "Ng", "Smithson", "Müller", "", "Doe-Anna", "Lee"}
	var recs []string
	for i := 0; i < 300; i++ {
		recs = append(recs, fmt.Sprintf(`{"name":{"firstName":%q,"lastName":%q},"jobTitle":%q,"city":%q}`,
			firsts[rng.Intn(len(firsts))], lasts[rng.Intn(len(lasts))], []string{"Engineer", "anna's aide", "CEO", ""}[rng.Intn(4)], []string{"Paris", "Oslo"}[rng.Intn(2)]))
	}
	for i := 0; i < len(recs); i += 100 {
		e.do("POST", "/rest/batch/people", "["+strings.Join(recs[i:i+100], ",")+"]")
	}
	// Soft-delete every Anna (the best candidates of "anna", so that too
	// few of them pass and the general query runs) and a third of the
	// other Anns.
	rows, err := e.db().Exec(`SELECT id, "nameFirstName" FROM person WHERE "nameFirstName" LIKE 'ann%' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rows.Values {
		if i%3 == 0 || strings.HasPrefix(strings.ToLower(r[1].(string)), "anna") {
			e.do("DELETE", "/rest/people/"+r[0].(string), "")
		}
	}
	schema := e.schema()
	person := schema.Object("person")
	city, cargs, err := query.Where(schema, person, "person", map[string]any{"city": map[string]any{"eq": "Oslo"}})
	if err != nil {
		t.Fatal(err)
	}
	live, largs, err := query.Where(schema, person, "person", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer projections.SetRankedSearch(true)
	run := func(ranked bool, text, where string, args []any, limit int) []projections.Hit {
		projections.SetRankedSearch(ranked)
		hits, err := projections.SearchObject(e.db(), person, "person", text, where, args, limit)
		if err != nil {
			t.Fatalf("%q ranked=%v: %v", text, ranked, err)
		}
		return hits
	}
	for _, text := range []string{"anna", "ann", "an", "a", "anna smith", "smith anna", "Anna Smith", "engineer", "o'brien", "brien", "élodie", "elodie", "ånna", "zoe", "\ue000anna", "anna's", "-anna", "doe-anna", "ng", "xyz"} {
		for _, limit := range []int{1, 3, 10, 60} {
			for _, w := range []struct {
				where string
				args  []any
			}{{"", nil}, {live, largs}, {city, cargs}} {
				want, got := run(false, text, w.where, w.args, limit), run(true, text, w.where, w.args, limit)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("search %q limit %d where %q: ranked\n%v\nwant\n%v", text, limit, w.where, labels(got), labels(want))
				}
			}
		}
	}
}

// TestEmptySearchListsInPositionOrder: with no text, hits come in each
// object's default order (position, id), not by id: a record placed first
// comes first though its id is the newest.
func TestEmptySearchListsInPositionOrder(t *testing.T) {
	e := newEnv(t)
	e.create("companies", `{"name":"Older"}`)
	e.create("companies", `{"name":"Placed first","position":-10}`)
	if got := labels(e.search("", 0, "company")); !reflect.DeepEqual(got, []string{"company:Placed first", "company:Older"}) {
		t.Fatalf("empty text: %v", got)
	}
}
