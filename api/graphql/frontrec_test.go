package graphql_test

import (
	"fmt"
	"testing"

	"github.com/vmihailenco/msgpack/v5"

	"edgecrm/host"
	"edgecrm/host/native"
)

// searchVector is the text the search index holds; filtering on it searches.
func TestSearchVectorValueAndFilter(t *testing.T) {
	f := seed(t)
	r := ok(t, gql(t, f.h, `{ person(filter: {id: {eq: "`+f.alan+`"}}) { searchVector }
		company(filter: {id: {eq: "`+f.acme+`"}}) { searchVector }
		opportunities(first: 1) { edges { node { searchVector } } } }`, nil))
	eq(t, "person searchVector", str(r.Data, "person", "searchVector"), "Alan Turing alan@acme.com turing@bletchley.uk Mathematician")
	eq(t, "company searchVector", str(r.Data, "company", "searchVector"), "Acme acme.com")

	r = ok(t, gql(t, f.h, `query($s: String) { people(filter: {searchVector: {search: $s}}, orderBy: [{position: AscNullsFirst}]) { edges { node { id } } totalCount } }`,
		map[string]any{"s": "acme"}))
	eq(t, "search acme", sorted(names(dig(r.Data, "people"), "id")), sorted([]string{f.ada, f.alan}))
	eq(t, "totalCount", dig(r.Data, "people", "totalCount"), 2.0)

	// Inside or/and, next to other conditions; an empty search constrains nothing.
	r = ok(t, gql(t, f.h, `{ a: people(filter: {or: [{searchVector: {search: "grace"}}, {city: {eq: "London"}}]}) { totalCount }
		b: people(filter: {searchVector: {search: "acme"}, city: {eq: "London"}}) { totalCount }
		c: people(filter: {searchVector: {search: "  "}}) { totalCount }
		d: people(filter: {searchVector: {search: "nobody"}}) { totalCount } }`, nil))
	eq(t, "or", dig(r.Data, "a", "totalCount"), 2.0)
	eq(t, "and", dig(r.Data, "b", "totalCount"), 1.0)
	eq(t, "empty", dig(r.Data, "c", "totalCount"), 4.0)
	eq(t, "no match", dig(r.Data, "d", "totalCount"), 0.0)

	// Bad input is a clear 400 and changes nothing.
	before := head(t, f.h)
	r = gql(t, f.h, `mutation { updatePeople(filter: {searchVector: {search: 3}}, data: {city: "X"}) { id } }`, nil)
	if r.Status != 400 || len(r.Errors) == 0 {
		t.Fatalf("non-string search: status %d %s", r.Status, r.Raw)
	}
	eq(t, "log head after refusal", head(t, f.h), before)

	// updateMany through a search filter touches only the matches.
	r = ok(t, gql(t, f.h, `mutation { updatePeople(filter: {searchVector: {search: "grace"}}, data: {city: "Arlington"}) { id city } }`, nil))
	eq(t, "updated", str(r.Data, "updatePeople", 0, "id"), f.grace)
	r = ok(t, gql(t, f.h, `{ people(filter: {city: {eq: "Arlington"}}) { edges { node { id } } } }`, nil))
	eq(t, "updated ids", names(dig(r.Data, "people"), "id"), []string{f.grace})
}

// The aggregate fields of a connection, over the connection's filter.
func TestConnectionAggregates(t *testing.T) {
	f := seed(t)
	r := ok(t, gql(t, f.h, `{ companies(first: 2) {
		totalCount countEmptyName countNotEmptyEmployees countEmptyEmployees countUniqueValuesIdealCustomerProfile
		percentageEmptyEmployees percentageNotEmptyDomainName countEmptyAddress countUniqueValuesAddress
		minEmployees maxEmployees avgEmployees sumEmployees
		minAnnualRecurringRevenueAmountMicros maxAnnualRecurringRevenueAmountMicros sumAnnualRecurringRevenueAmountMicros avgAnnualRecurringRevenueAmountMicros
		minCreatedAt maxCreatedAt countTrueIdealCustomerProfile countFalseIdealCustomerProfile
		edges { node { id } } } }`, nil))
	c := dig(r.Data, "companies")
	for name, want := range map[string]any{
		"totalCount": 5.0, "countEmptyName": 0.0, "countNotEmptyEmployees": 4.0, "countEmptyEmployees": 1.0,
		"countUniqueValuesIdealCustomerProfile": 2.0, // true and false (false is a value, not empty)
		"countTrueIdealCustomerProfile":         2.0, "countFalseIdealCustomerProfile": 3.0,
		"percentageEmptyEmployees": 0.2, "percentageNotEmptyDomainName": 0.8,
		"countEmptyAddress": 3.0, "countUniqueValuesAddress": 2.0,
		"minEmployees": 5.0, "maxEmployees": 200.0, "avgEmployees": 66.25, "sumEmployees": 265.0,
		"minAnnualRecurringRevenueAmountMicros": 1000000.0, "maxAnnualRecurringRevenueAmountMicros": 5000000000.0,
		"sumAnnualRecurringRevenueAmountMicros": 5001000000.0, "avgAnnualRecurringRevenueAmountMicros": 2500500000.0,
	} {
		eq(t, name, dig(c, name), want)
	}
	if len(nodes(c)) != 2 {
		t.Fatalf("first page: %d edges", len(nodes(c)))
	}
	if min, max := str(c, "minCreatedAt"), str(c, "maxCreatedAt"); min == "" || max < min {
		t.Fatalf("minCreatedAt %q maxCreatedAt %q", min, max)
	}

	// The filter applies (soft-deleted records are left out as usual);
	// over no rows, percentages and sums are null, counts 0.
	ok(t, gql(t, f.h, `mutation { deleteCompany(id: "`+f.delta+`") { id } }`, nil))
	r = ok(t, gql(t, f.h, `{ a: companies(filter: {employees: {gte: 10}}) { totalCount sumEmployees countUniqueValuesName }
		b: companies(filter: {name: {eq: "none"}}) { totalCount countEmptyName percentageEmptyName sumEmployees } }`, nil))
	eq(t, "filtered sum", dig(r.Data, "a", "sumEmployees"), 60.0)
	eq(t, "filtered unique", dig(r.Data, "a", "countUniqueValuesName"), 2.0)
	eq(t, "empty count", dig(r.Data, "b", "countEmptyName"), 0.0)
	eq(t, "empty percentage", dig(r.Data, "b", "percentageEmptyName"), nil)
	eq(t, "empty sum", dig(r.Data, "b", "sumEmployees"), nil)

	// People: composite emptiness (a name with an empty last name is not empty).
	r = ok(t, gql(t, f.h, `{ people { countEmptyCity countNotEmptyName countUniqueValuesCompanyId: countUniqueValuesCity percentageNotEmptyJobTitle maxUpdatedAt } }`, nil))
	p := dig(r.Data, "people")
	eq(t, "countEmptyCity", dig(p, "countEmptyCity"), 2.0)
	eq(t, "countNotEmptyName", dig(p, "countNotEmptyName"), 4.0)
	eq(t, "countUniqueValuesCity", dig(p, "countUniqueValuesCompanyId"), 2.0)
	eq(t, "percentageNotEmptyJobTitle", dig(p, "percentageNotEmptyJobTitle"), 0.75)
}

// opportunitiesGroupBy: groups by stage with their sums, by month of
// closeDate, ordered by an aggregate; each group is a connection.
func TestGroupBy(t *testing.T) {
	f := seed(t)
	ok(t, gql(t, f.h, `mutation { createOpportunity(data: {name: "Deal4", stage: NEW, closeDate: "2025-01-20T09:00:00Z", amount: {amountMicros: 900, currencyCode: "USD"}}) { id } }`, nil))
	r := ok(t, gql(t, f.h, `query($g: [OpportunityGroupByInput!]!) { opportunitiesGroupBy(groupBy: $g) {
		groupByDimensionValues totalCount sumAmountAmountMicros edges { node { name } } } }`,
		map[string]any{"g": []any{map[string]any{"stage": true}}}))
	groups := dig(r.Data, "opportunitiesGroupBy").([]any)
	got := map[string][]any{}
	for _, g := range groups {
		got[jsonStr(dig(g, "groupByDimensionValues"))] = []any{dig(g, "totalCount"), dig(g, "sumAmountAmountMicros"), len(nodes(g))}
	}
	eq(t, "groups by stage", got, map[string][]any{
		`["CUSTOMER"]`: {1.0, nil, 1}, `["MEETING"]`: {1.0, 5000.0, 1}, `["NEW"]`: {2.0, 1000.0, 2},
	})
	eq(t, "ordered by value", jsonStr(dig(groups, 0, "groupByDimensionValues")), `["CUSTOMER"]`)

	// By month of closeDate (null last), ordered by the sum descending.
	r = ok(t, gql(t, f.h, `{ opportunitiesGroupBy(groupBy: [{closeDate: {granularity: MONTH}}], orderBy: [{aggregate: {sumAmountAmountMicros: DescNullsLast}}]) {
		groupByDimensionValues totalCount sumAmountAmountMicros } }`, nil))
	var months []string
	for _, g := range dig(r.Data, "opportunitiesGroupBy").([]any) {
		months = append(months, jsonStr(dig(g, "groupByDimensionValues"))+"="+jsonStr(dig(g, "totalCount")))
	}
	eq(t, "by month", months, []string{`["2025-03-01"]=1`, `["2025-01-01"]=2`, `[null]=1`})

	// Two dimensions, a filter, and records limited per group.
	r = ok(t, gql(t, f.h, `{ opportunitiesGroupBy(groupBy: [{companyId: true}, {amount: {currencyCode: true}}], filter: {amount: {amountMicros: {gt: 0}}}, limit: 1) {
		groupByDimensionValues totalCount edges { node { id } } pageInfo { hasNextPage } } }`, nil))
	groups = dig(r.Data, "opportunitiesGroupBy").([]any)
	eq(t, "two dimensions", len(groups), 3) // acme/USD (Deal1), beta/USD (Deal2), null company/USD (Deal4)

	// Bad input: a clear 400-class error, nothing appended.
	for _, q := range []string{
		`{ opportunitiesGroupBy(groupBy: []) { totalCount } }`,
		`{ opportunitiesGroupBy(groupBy: [{stage: true, name: true}]) { totalCount } }`,
		`{ opportunitiesGroupBy(groupBy: [{amount: {amountMicros: true, currencyCode: true}}]) { totalCount } }`,
		`{ opportunitiesGroupBy(groupBy: [{stage: true}], orderBy: [{name: AscNullsLast}]) { totalCount } }`,
	} {
		r := gql(t, f.h, q, nil)
		if r.code() != "BAD_USER_INPUT" {
			t.Errorf("%s: %s", q, r.Raw)
		}
	}
}

// personDuplicates finds the duplicate; mergePeople's dry run changes
// nothing; the merge fills the kept record's empty fields, gathers emails,
// moves what pointed at the duplicate and soft-deletes it.
func TestDuplicatesAndMerge(t *testing.T) {
	f := seed(t)
	r := ok(t, gql(t, f.h, `mutation { createPerson(data: {name: {firstName: "Ada", lastName: "Lovelace"}, emails: {primaryEmail: "countess@analytical.org"}, city: "Marylebone", jobTitle: ""}) { id } }`, nil))
	dup := str(r.Data, "createPerson", "id")
	r = ok(t, gql(t, f.h, `mutation($n: NoteCreateInput!) { createNote(data: $n) { id } }`, map[string]any{"n": map[string]any{"title": "About Ada"}}))
	note := str(r.Data, "createNote", "id")
	ok(t, gql(t, f.h, `mutation($d: NoteTargetCreateInput!) { createNoteTarget(data: $d) { id } }`, map[string]any{"d": map[string]any{"noteId": note, "personId": dup}}))
	ok(t, gql(t, f.h, `mutation($d: OpportunityCreateInput!) { createOpportunity(data: $d) { id } }`, map[string]any{"d": map[string]any{"name": "Engine", "pointOfContactId": dup}}))

	r = ok(t, gql(t, f.h, `query($ids: [UUID]) { personDuplicates(ids: $ids) { edges { node { id } } totalCount } }`, map[string]any{"ids": []any{f.ada}}))
	eq(t, "duplicates of ada", names(dig(r.Data, "personDuplicates", 0), "id"), []string{dup})
	r = ok(t, gql(t, f.h, `{ personDuplicates(data: [{emails: {primaryEmail: "grace@beta.io"}}]) { totalCount } companyDuplicates(ids: ["`+f.beta+`"]) { totalCount } }`, nil))
	eq(t, "duplicate by email", dig(r.Data, "personDuplicates", 0, "totalCount"), 1.0)
	eq(t, "no duplicate company", dig(r.Data, "companyDuplicates", 0, "totalCount"), 0.0)

	const merge = `mutation($ids: [UUID!]!, $p: Int!, $dry: Boolean) { mergePeople(ids: $ids, conflictPriorityIndex: $p, dryRun: $dry) {
		id city jobTitle companyId emails { primaryEmail additionalEmails } deletedAt } }`
	before := head(t, f.h)
	r = ok(t, gql(t, f.h, merge, map[string]any{"ids": []any{f.ada, dup}, "p": 0, "dry": true}))
	preview := dig(r.Data, "mergePeople")
	eq(t, "preview id", str(preview, "id"), f.ada)
	eq(t, "preview city (Ada's kept)", str(preview, "city"), "London")
	eq(t, "preview emails", jsonStr(dig(preview, "emails")), `{"additionalEmails":["countess@analytical.org"],"primaryEmail":"ada@acme.com"}`)
	eq(t, "dry run appends nothing", head(t, f.h), before)
	r = ok(t, gql(t, f.h, `{ person(filter: {id: {eq: "`+dup+`"}}) { id } }`, nil))
	eq(t, "dup still there after dry run", str(r.Data, "person", "id"), dup)

	r = ok(t, gql(t, f.h, merge, map[string]any{"ids": []any{dup, f.ada}, "p": 1}))
	kept := dig(r.Data, "mergePeople")
	eq(t, "kept", jsonStr(kept), jsonStr(map[string]any{"id": f.ada, "city": "London", "jobTitle": "Engineer", "companyId": f.acme, "deletedAt": nil,
		"emails": map[string]any{"primaryEmail": "ada@acme.com", "additionalEmails": []any{"countess@analytical.org"}}}))
	r = ok(t, gql(t, f.h, `{ noteTargets { edges { node { personId } } } opportunities(filter: {name: {eq: "Engine"}}) { edges { node { pointOfContactId } } }
		gone: people(filter: {id: {eq: "`+dup+`"}, deletedAt: {is: NOT_NULL}}) { totalCount } }`, nil))
	eq(t, "note target moved", names(dig(r.Data, "noteTargets"), "personId"), []string{f.ada})
	eq(t, "opportunity moved", names(dig(r.Data, "opportunities"), "pointOfContactId"), []string{f.ada})
	eq(t, "duplicate soft-deleted", dig(r.Data, "gone", "totalCount"), 1.0)

	// Bad input: refused, nothing appended.
	before = head(t, f.h)
	for _, vars := range []map[string]any{
		{"ids": []any{f.ada}, "p": 0},
		{"ids": []any{f.ada, f.alan}, "p": 2},
		{"ids": []any{f.ada, f.ada}, "p": 0},
		{"ids": []any{f.ada, dup}, "p": 0}, // dup is deleted now
	} {
		r := gql(t, f.h, merge, vars)
		if r.Status < 400 || len(r.Errors) == 0 {
			t.Errorf("merge %v: %d %s", vars, r.Status, r.Raw)
		}
	}
	eq(t, "refusals append nothing", head(t, f.h), before)
}

// A merge is one command: GraphQL's mergePeople and REST's POST
// /rest/people/merge append the same events (types and payloads).
func TestMergeEventsSameOverGraphQLAndREST(t *testing.T) {
	const (
		keep = "0190aaaa-0000-7000-8000-00000000a001"
		dup  = "0190aaaa-0000-7000-8000-00000000a002"
		note = "0190aaaa-0000-7000-8000-00000000a003"
		nt   = "0190aaaa-0000-7000-8000-00000000a004"
	)
	run := func(viaREST bool) []string {
		h := native.MustNew(t)
		ok(t, gql(t, h, `mutation($p: [PersonCreateInput!]!, $n: NoteCreateInput!, $t: NoteTargetCreateInput!) {
			createPeople(data: $p) { id } createNote(data: $n) { id } createNoteTarget(data: $t) { id } }`, map[string]any{
			"p": []any{
				map[string]any{"id": keep, "name": map[string]any{"firstName": "Ada", "lastName": "Lovelace"}, "emails": map[string]any{"primaryEmail": "ada@a.org"}},
				map[string]any{"id": dup, "name": map[string]any{"firstName": "Ada", "lastName": "Lovelace"}, "emails": map[string]any{"primaryEmail": "ada@b.org"}, "city": "London"},
			},
			"n": map[string]any{"id": note, "title": "n"},
			"t": map[string]any{"id": nt, "noteId": note, "personId": dup},
		}))
		before := int64(head(t, h))
		if viaREST {
			resp, err := h.Fetch(ws, host.Request{Method: "POST", Path: "/rest/people/merge", Headers: map[string]string{"content-type": "application/json"},
				Body: `{"ids":["` + dup + `","` + keep + `"],"conflictPriorityIndex":1}`})
			if err != nil || resp.Status != 200 {
				t.Fatalf("REST merge: %v %+v", err, resp)
			}
			eq(t, "REST merged city", str(mustJSON(t, resp.Body), "data", "mergePeople", "city"), "London")
		} else {
			ok(t, gql(t, h, `mutation { mergePeople(ids: ["`+dup+`", "`+keep+`"], conflictPriorityIndex: 1) { id } }`, nil))
		}
		db, err := h.Object(ws)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := db.Exec(`SELECT type, payload FROM _events WHERE seq > ? ORDER BY seq`, before)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range rows.Values {
			var payload map[string]any // msgpack map order varies: compare decoded
			if err := msgpack.Unmarshal(r[1].([]byte), &payload); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprint(r[0], " ", jsonStr(payload)))
		}
		return out
	}
	viaGraphQL, viaREST := run(false), run(true)
	if len(viaGraphQL) != 3 { // person.updated (city, emails), noteTarget.updated, person.deleted
		t.Fatalf("merge appended %d events: %v", len(viaGraphQL), viaGraphQL)
	}
	eq(t, "same events", viaREST, viaGraphQL)
}
