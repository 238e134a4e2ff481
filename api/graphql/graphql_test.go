package graphql_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"edgecrm/api/graphql"
	"edgecrm/durable"
	"edgecrm/host"
	"edgecrm/host/native"
	"edgecrm/sqldb"
	"edgecrm/sqldb/sqlitedb"
)

func TestMutationLimitAndPageSizeLimit(t *testing.T) {
	defer func(old int) { graphql.MaxAffectedRecords = old }(graphql.MaxAffectedRecords)
	graphql.MaxAffectedRecords = 3
	h := native.MustNew(t)
	ok(t, gql(t, h, `mutation { createCompanies(data: [{name: "a"}, {name: "b"}, {name: "c"}]) { id } }`, nil))
	before := head(t, h)

	r := gql(t, h, `mutation { createCompanies(data: [{name: "d"}, {name: "e"}, {name: "f"}, {name: "g"}]) { id } }`, nil)
	if r.Status != 400 || r.code() != "BAD_USER_INPUT" || !contains(r.Errors[0].Message, "more than 3 records") {
		t.Errorf("createMany over the limit: %d %s", r.Status, r.Raw)
	}
	ok(t, gql(t, h, `mutation { createCompany(data: {name: "d"}) { id } }`, nil))
	for _, m := range []string{
		`updateCompanies(filter: {}, data: {employees: 1}) { id }`,
		`deleteCompanies(filter: {name: {neq: "zzz"}}) { id }`,
		`destroyCompanies(filter: {}) { id }`,
	} {
		r = gql(t, h, `mutation { `+m+` }`, nil)
		if r.Status != 400 || r.code() != "BAD_USER_INPUT" || !contains(r.Errors[0].Message, "more than 3 records") {
			t.Errorf("%s: %d %s", m, r.Status, r.Raw)
		}
	}
	if got := head(t, h); got != before+1 {
		t.Errorf("refused mutations appended: head %v, want %v", got, before+1)
	}
	// At the limit is fine.
	r = ok(t, gql(t, h, `mutation { updateCompanies(filter: {name: {in: ["a", "b", "c"]}}, data: {employees: 7}) { employees } }`, nil))
	eq(t, "updated at the limit", len(dig(r.Data, "updateCompanies").([]any)), 3)

	// More than 10,000 rows in a page: the field fails with a 413-mapped error.
	r = gql(t, h, `{ companies(first: 10001) { totalCount } ok: companies(first: 1) { totalCount } }`, nil)
	if r.Status != 200 || r.code() != "PAYLOAD_TOO_LARGE" || r.Errors[0].Extensions["statusCode"] != 413.0 ||
		dig(r.Data, "companies") != nil || dig(r.Data, "ok", "totalCount") != 4.0 {
		t.Errorf("first: 10001: %d %s", r.Status, r.Raw)
	}
	r = gql(t, h, `{ companies(first: 1) { edges { node { people(last: 20000) { totalCount } } } } }`, nil)
	if r.code() != "PAYLOAD_TOO_LARGE" || fmt.Sprint(r.Errors[0].Path) != "[companies edges 0 node people]" {
		t.Errorf("nested last: 20000: %s", r.Raw)
	}
}

func TestVariablesOperationNameFragmentsAliasesDirectives(t *testing.T) {
	f := seed(t)
	doc := `
	query Other { companies { totalCount } }
	fragment CompanyBits on Company { name ...Deeper }
	fragment Deeper on Company { employees }
	query Main($withPeople: Boolean!, $skipEmployees: Boolean = false, $big: Float) {
	  big: companies(filter: {employees: {gt: $big}}, orderBy: [{employees: AscNullsFirst}]) {
	    edges { node { ...CompanyBits __typename } }
	  }
	  small: companies(filter: {employees: {lte: $big}}, orderBy: [{employees: AscNullsFirst}]) {
	    edges { node { ... on Company { name } employees @skip(if: $skipEmployees)
	      people @include(if: $withPeople) { totalCount } } }
	    __typename
	  }
	}`
	body, _ := json.Marshal(map[string]any{"query": doc, "operationName": "Main", "variables": map[string]any{"withPeople": true, "big": 20}})
	r := ok(t, post(t, f.h, string(body)))
	eq(t, "aliased big", dig(r.Data, "big", "edges"), []any{
		map[string]any{"node": map[string]any{"name": "Beta", "employees": 50.0, "__typename": "Company"}},
		map[string]any{"node": map[string]any{"name": "Delta", "employees": 200.0, "__typename": "Company"}},
	})
	eq(t, "aliased small", names(dig(r.Data, "small")), []string{"epsilon", "Acme"})
	eq(t, "include", dig(r.Data, "small", "edges", 1, "node", "people", "totalCount"), 2.0)
	eq(t, "connection __typename", dig(r.Data, "small", "__typename"), "CompanyConnection")
	if !strings.Contains(r.Raw, `{"data":{"big":{"edges":[{"node":{"name":"Beta","employees":50,"__typename":"Company"}}`) {
		t.Errorf("response does not follow the selection order: %s", r.Raw)
	}

	body, _ = json.Marshal(map[string]any{"query": doc, "operationName": "Main", "variables": map[string]any{"withPeople": false, "skipEmployees": true, "big": 20}})
	r = ok(t, post(t, f.h, string(body)))
	eq(t, "skip and exclude", dig(r.Data, "small", "edges", 0, "node"), map[string]any{"name": "epsilon"})

	body, _ = json.Marshal(map[string]any{"query": doc, "operationName": "Other"})
	r = ok(t, post(t, f.h, string(body)))
	eq(t, "other operation", dig(r.Data, "companies", "totalCount"), 5.0)

	// Several operations and no operationName: 400.
	body, _ = json.Marshal(map[string]any{"query": doc})
	if r = post(t, f.h, string(body)); r.Status != 400 || !contains(r.Errors[0].Message, "operationName") {
		t.Errorf("no operationName: %d %s", r.Status, r.Raw)
	}
	// A missing required variable: 400 naming it.
	body, _ = json.Marshal(map[string]any{"query": doc, "operationName": "Main"})
	if r = post(t, f.h, string(body)); r.Status != 400 || !contains(r.Errors[0].Message, "withPeople") {
		t.Errorf("missing variable: %d %s", r.Status, r.Raw)
	}
	// A variable of the wrong type: 400 naming it.
	if r = gql(t, f.h, `query($n: Int) { companies(first: $n) { totalCount } }`, map[string]any{"n": "many"}); r.Status != 400 || !contains(r.Errors[0].Message, "n") {
		t.Errorf("bad variable: %d %s", r.Status, r.Raw)
	}

	// Explicit nulls inside variables stay nulls.
	r = ok(t, gql(t, f.h, `mutation($d: PersonCreateInput!) { createPerson(data: $d) { city name { firstName lastName } } }`,
		map[string]any{"d": map[string]any{"city": nil, "name": map[string]any{"firstName": "Null", "lastName": nil}}}))
	eq(t, "nulls in variables", dig(r.Data, "createPerson"), map[string]any{"city": nil, "name": map[string]any{"firstName": "Null", "lastName": nil}})

	// GET works for queries.
	resp, err := f.h.Fetch(ws, host.Request{Method: "GET", Path: "/graphql", Headers: map[string]string{},
		Query: "query=" + url.QueryEscape(`query($n: Int) { companies(first: $n) { edges { node { name } } } }`) + "&variables=" + url.QueryEscape(`{"n":1}`)})
	if err != nil || resp.Status != 200 || !strings.Contains(resp.Body, `"name":"Acme"`) {
		t.Errorf("GET: %v %v", resp, err)
	}
	resp, _ = f.h.Fetch(ws, host.Request{Method: "GET", Path: "/graphql", Headers: map[string]string{},
		Query: "query=" + url.QueryEscape(`mutation { deleteCompany(id: "`+f.acme+`") { id } }`)})
	if resp.Status != 405 {
		t.Errorf("mutation over GET: %d %s", resp.Status, resp.Body)
	}
}

func TestRequestErrors(t *testing.T) {
	h := native.MustNew(t)
	cases := []struct {
		name, body string
		status     int
		code, msg  string
	}{
		{"malformed body", `{"query":`, 400, "BAD_REQUEST", "malformed"},
		{"no query", `{"variables":{}}`, 400, "BAD_REQUEST", "no query"},
		{"parse error", `{"query":"{ companies { "}`, 400, "GRAPHQL_PARSE_FAILED", ""},
		{"unknown field", `{"query":"{ companies { edges { node { nmae } } } }"}`, 400, "GRAPHQL_VALIDATION_FAILED", `"nmae"`},
		{"unknown filter field", `{"query":"{ companies(filter: {nmae: {eq: \"x\"}}) { totalCount } }"}`, 400, "GRAPHQL_VALIDATION_FAILED", `"nmae"`},
		{"unknown operator", `{"query":"{ companies(filter: {name: {regex: \"x\"}}) { totalCount } }"}`, 400, "GRAPHQL_VALIDATION_FAILED", `"regex"`},
		{"bad enum", `{"query":"{ companies(orderBy: [{name: Up}]) { totalCount } }"}`, 400, "GRAPHQL_VALIDATION_FAILED", "Up"},
		{"unknown object", `{"query":"{ spaceships { totalCount } }"}`, 400, "GRAPHQL_VALIDATION_FAILED", "spaceships"},
		{"read-only field in input", `{"query":"mutation { createCompany(data: {createdAt: \"2020-01-01T00:00:00Z\"}) { id } }"}`, 400, "GRAPHQL_VALIDATION_FAILED", "createdAt"},
		{"subscription", `{"query":"subscription { companies { totalCount } }"}`, 400, "", ""},
	}
	for _, c := range cases {
		r := post(t, h, c.body)
		if r.Status != c.status || (c.code != "" && r.code() != c.code) || len(r.Errors) == 0 || !contains(r.Errors[0].Message, c.msg) {
			t.Errorf("%s: %d %s", c.name, r.Status, r.Raw)
		}
		if r.Data != nil {
			t.Errorf("%s: data in a request error: %s", c.name, r.Raw)
		}
	}

	// Semantic filter errors from the compiler name the field (query: 200).
	r := gql(t, h, `{ opportunities(filter: {stage: {containsAny: [NEW]}}) { totalCount } }`, nil)
	if r.Status != 200 || r.code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != "stage" || !contains(r.Errors[0].Message, "containsAny") {
		t.Errorf("unsupported operator: %d %s", r.Status, r.Raw)
	}
	eq(t, "error path", r.Errors[0].Path, []any{"opportunities"})
}

func TestFailedMutationRollsBackEverything(t *testing.T) {
	h := native.MustNew(t)
	ok(t, gql(t, h, `{ companies { totalCount } }`, nil)) // seed
	before := head(t, h)
	r := gql(t, h, `mutation {
	  a: createCompany(data: {name: "kept?"}) { id }
	  b: createCompany(data: {domainName: {primaryLinkUrl: "not a url"}}) { id }
	  c: createCompany(data: {name: "never run"}) { id } }`, nil)
	if r.Status != 400 || r.Data != nil || len(r.Errors) != 1 || r.Errors[0].Extensions["field"] != "domainName" {
		t.Fatalf("failing mutation: %d %s", r.Status, r.Raw)
	}
	eq(t, "error path", r.Errors[0].Path, []any{"b"})
	if head(t, h) != before {
		t.Error("a failed mutation left events behind")
	}
	r = ok(t, gql(t, h, `{ companies { totalCount } }`, nil))
	eq(t, "nothing created", dig(r.Data, "companies", "totalCount"), 0.0)

	// createMany names the failing item.
	r = gql(t, h, `mutation { createCompanies(data: [{name: "ok"}, {employees: 1, domainName: {primaryLinkUrl: "::"}}]) { id } }`, nil)
	if r.Status != 400 || !strings.HasPrefix(r.Errors[0].Message, "data[1]: ") || r.Errors[0].Extensions["index"] != 1.0 {
		t.Errorf("createMany item error: %s", r.Raw)
	}
	if head(t, h) != before {
		t.Error("a failed createMany left events behind")
	}
}

func TestIdempotencyKeyReplaysTheResponse(t *testing.T) {
	h := native.MustNew(t)
	m := `mutation { createCompany(data: {name: "Once"}) { id name } }`
	first := ok(t, gql(t, h, m, nil, "idempotency-key", "k1"))
	before := head(t, h)
	again := ok(t, gql(t, h, m, nil, "idempotency-key", "k1"))
	if again.Raw != first.Raw {
		t.Errorf("replay differs:\n%s\n%s", first.Raw, again.Raw)
	}
	if head(t, h) != before {
		t.Error("replay appended")
	}
	ok(t, gql(t, h, m, nil, "idempotency-key", "k2"))
	r := ok(t, gql(t, h, `{ companies { totalCount } }`, nil))
	eq(t, "two companies", dig(r.Data, "companies", "totalCount"), 2.0)
}

// countingDB counts the statements that read each table.
type countingDB struct {
	sqldb.DB
	reads map[string]int
}

func (c *countingDB) Exec(q string, args ...any) (*sqldb.Rows, error) {
	if strings.HasPrefix(q, "SELECT * FROM ") {
		c.reads[strings.Fields(q)[3]]++
	}
	return c.DB.Exec(q, args...)
}

func TestManyToOneIsBatched(t *testing.T) {
	raw := sqlitedb.MustOpen(t)
	db := &countingDB{DB: raw, reads: map[string]int{}}
	w, err := durable.Open("batch", db, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	serve := serveOn(t, w)
	var ids []string
	for i := 0; i < 3; i++ {
		var out struct {
			Data struct{ CreateCompany struct{ ID string } }
		}
		json.Unmarshal([]byte(serve(fmt.Sprintf(`mutation { createCompany(data: {name: "C%d"}) { id } }`, i))), &out)
		ids = append(ids, out.Data.CreateCompany.ID)
	}
	for i := 0; i < 30; i++ {
		serve(fmt.Sprintf(`mutation { createPerson(data: {name: {firstName: "P%d"}, companyId: %q}) { id } }`, i, ids[i%3]))
	}
	db.reads = map[string]int{}
	body := serve(`{ people(first: 100) { edges { node { name { firstName } company { name accountOwner { id } } } } } }`)
	if strings.Count(body, `"company":{"name":"C`) != 30 {
		t.Fatalf("not every person has its company: %s", body)
	}
	if db.reads[`"company"`] != 1 || db.reads[`"person"`] != 1 {
		t.Errorf("reads per table %v, want one IN query for the 30 companies", db.reads)
	}
}

func TestDepthAndRowBudget(t *testing.T) {
	f := seed(t)
	defer func(old int) { graphql.MaxRowsPerRequest = old }(graphql.MaxRowsPerRequest)
	graphql.MaxRowsPerRequest = 6
	r := gql(t, f.h, `{ companies { edges { node { name people { edges { node { id } } } } } } }`, nil)
	if r.Status != 200 || r.code() != "PAYLOAD_TOO_LARGE" || fmt.Sprint(r.Errors[0].Path) != "[companies edges 0 node people edges]" ||
		dig(r.Data, "companies", "edges", 0, "node", "people") != nil {
		t.Errorf("row budget: %s", r.Raw)
	}
	eq(t, "other fields still answered", str(r.Data, "companies", "edges", 0, "node", "name"), "Acme")
	graphql.MaxRowsPerRequest = 100000

	deep := "id"
	for i := 0; i < 12; i++ {
		deep = "company { people { edges { node { " + deep + " } } } }"
	}
	r = gql(t, f.h, `{ people { edges { node { `+deep+` } } } }`, nil)
	if r.Status != 400 || !contains(r.Errors[0].Message, "levels deep") {
		t.Errorf("deep query: %d %.300s", r.Status, r.Raw)
	}
	// Fragments count toward the depth.
	r = gql(t, f.h, `fragment P on Person { `+deep+` } { people { edges { node { ...P } } } }`, nil)
	if r.Status != 400 || !contains(r.Errors[0].Message, "levels deep") {
		t.Errorf("deep fragment: %d %.300s", r.Status, r.Raw)
	}
}

// meta posts to the metadata API.
func meta(t *testing.T, h *native.Host, query string, vars map[string]any) map[string]any {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	resp, err := h.Fetch(ws, host.Request{Method: "POST", Path: "/metadata", Body: string(body), Headers: map[string]string{}})
	if err != nil || resp.Status != 200 || strings.Contains(resp.Body, `"errors"`) {
		t.Fatalf("/metadata: %v %v", resp, err)
	}
	var out struct{ Data map[string]any }
	json.Unmarshal([]byte(resp.Body), &out)
	return out.Data
}

func TestCustomObjectAppearsAfterMetadataChange(t *testing.T) {
	f := seed(t)
	if r := gql(t, f.h, `{ rockets { totalCount } }`, nil); r.Status != 400 {
		t.Fatalf("rockets before the object exists: %s", r.Raw)
	}
	obj := meta(t, f.h, `mutation($input: CreateOneObjectInput!) { createOneObject(input: $input) { id } }`, map[string]any{"input": map[string]any{"object": map[string]any{
		"nameSingular": "rocket", "namePlural": "rockets", "labelSingular": "Rocket", "labelPlural": "Rockets", "icon": "IconRocket"}}})
	objID := str(obj, "createOneObject", "id")
	company := meta(t, f.h, `{ objects(paging: {first: 100}, filter: {}) { edges { node { id nameSingular } } } }`, nil)
	var companyID string
	for _, e := range dig(company, "objects", "edges").([]any) {
		if str(e, "node", "nameSingular") == "company" {
			companyID = str(e, "node", "id")
		}
	}
	for _, fd := range []map[string]any{
		{"name": "stage", "label": "Stage", "type": "SELECT", "options": []any{
			map[string]any{"value": "DESIGN", "label": "Design", "color": "blue", "position": 0},
			map[string]any{"value": "FLIGHT", "label": "Flight", "color": "red", "position": 1}}},
		{"name": "thrust", "label": "Thrust", "type": "NUMBER"},
		{"name": "maker", "label": "Maker", "type": "RELATION", "relationCreationPayload": map[string]any{
			"targetObjectMetadataId": companyID, "targetFieldLabel": "Rockets", "targetFieldIcon": "IconRocket", "type": "MANY_TO_ONE"}},
	} {
		fd["objectMetadataId"] = objID
		meta(t, f.h, `mutation($input: CreateOneFieldMetadataInput!) { createOneField(input: $input) { id } }`, map[string]any{"input": map[string]any{"field": fd}})
	}

	r := ok(t, gql(t, f.h, `mutation { createRockets(data: [{name: "Falcon", stage: FLIGHT, thrust: 7.6, makerId: "`+f.acme+`"}, {name: "Starship", stage: DESIGN, thrust: 74}]) { name stage maker { name } } }`, nil))
	eq(t, "created rockets", dig(r.Data, "createRockets"), []any{
		map[string]any{"name": "Falcon", "stage": "FLIGHT", "maker": map[string]any{"name": "Acme"}},
		map[string]any{"name": "Starship", "stage": "DESIGN", "maker": nil},
	})
	r = ok(t, gql(t, f.h, `{ rockets(filter: {stage: {eq: FLIGHT}}) { edges { node { name } } }
	  company(filter: {id: {eq: "`+f.acme+`"}}) { rockets { totalCount } } }`, nil))
	eq(t, "enum filter on a custom field", names(dig(r.Data, "rockets")), []string{"Falcon"})
	eq(t, "inverse relation on a standard object", dig(r.Data, "company", "rockets", "totalCount"), 1.0)
	r = gql(t, f.h, `mutation { createRocket(data: {stage: LANDED}) { id } }`, nil)
	if r.Status != 400 || !contains(r.Errors[0].Message, "LANDED") {
		t.Errorf("unknown option: %d %s", r.Status, r.Raw)
	}
}
