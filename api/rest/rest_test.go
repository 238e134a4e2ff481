package rest_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"edgecrm/api/rest"
	"edgecrm/domain"
	"edgecrm/events"
	"edgecrm/host/native"
)

// client drives one workspace of a native host. Each client has its own
// workspace id: the durable package caches schemas per workspace id and
// metadata version for the whole process, as an isolate does.
type client struct {
	t  *testing.T
	h  *native.Host
	ws string
}

func newClient(t *testing.T) *client {
	h, ws := native.MustNewWorkspace(t, "rest")
	return &client{t: t, h: h, ws: ws}
}

// do sends a request; path may carry a query string; headers alternate name, value.
func (c *client) do(method, path, body string, headers ...string) (int, map[string]any) {
	c.t.Helper()
	status, raw := c.raw(method, path, body, headers...)
	var m map[string]any
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		c.t.Fatalf("%s %s: body %q: %v", method, path, raw, err)
	}
	return status, m
}

func (c *client) raw(method, path, body string, headers ...string) (int, string) {
	c.t.Helper()
	req := native.Request(method, path, body, headers...)
	resp, err := c.h.Fetch(c.ws, req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp.Status, resp.Body
}

// must sends a request and fails unless it answers want.
func (c *client) must(want int, method, path, body string, headers ...string) map[string]any {
	c.t.Helper()
	status, m := c.do(method, path, body, headers...)
	if status != want {
		c.t.Fatalf("%s %s: status %d, want %d: %v", method, path, status, want, m)
	}
	return m
}

func (c *client) head() float64 {
	c.t.Helper()
	return c.must(200, "GET", "/admin/state", "")["head"].(float64)
}

// create posts data to /rest/<plural> and returns the new record's id.
func (c *client) create(plural, data string) string {
	c.t.Helper()
	m := c.must(201, "POST", "/rest/"+plural, data)
	for _, v := range m["data"].(map[string]any) {
		return v.(map[string]any)["id"].(string)
	}
	c.t.Fatalf("create %s: no record in %v", plural, m)
	return ""
}

// eventsAfter returns the types and command ids of the events after seq.
func (c *client) eventsAfter(seq float64) (types, commands []string) {
	c.t.Helper()
	m := c.must(200, "GET", fmt.Sprintf("/admin/events?after=%d", int64(seq)), "")
	for _, e := range m["events"].([]any) {
		ev := e.(map[string]any)
		types = append(types, ev["type"].(string))
		commands = append(commands, ev["commandId"].(string))
	}
	return types, commands
}

func data(m map[string]any, key string) any { return m["data"].(map[string]any)[key] }

func list(m map[string]any, key string) []map[string]any {
	var out []map[string]any
	for _, r := range data(m, key).([]any) {
		out = append(out, r.(map[string]any))
	}
	return out
}

// names returns the label of each record: name (TEXT or FULL_NAME first name).
func names(recs []map[string]any) []string {
	out := []string{}
	for _, r := range recs {
		switch n := r["name"].(type) {
		case string:
			out = append(out, n)
		case map[string]any:
			out = append(out, fmt.Sprint(n["firstName"]))
		}
	}
	return out
}

func q(s string) string { return url.QueryEscape(s) }

// fixture creates companies, people and opportunities for the read tests.
type fixture struct {
	acme, beta, gamma, delta, zeta string
	john, jane, bob, alice         string
	opp1, opp2, opp3               string
	note, noteTarget               string
}

func seed(c *client) fixture {
	var f fixture
	f.acme = c.create("companies", `{"name":"Acme","employees":100,"idealCustomerProfile":true,
		"domainName":{"primaryLinkUrl":"https://acme.com"},"address":{"addressCity":"Paris"},
		"annualRecurringRevenue":{"amountMicros":1000000000,"currencyCode":"USD"}}`)
	f.beta = c.create("companies", `{"name":"Beta","employees":20,"domainName":{"primaryLinkUrl":"https://beta.io"},"address":{"addressCity":"Berlin"}}`)
	f.gamma = c.create("companies", `{"name":"Gamma Corp"}`)
	f.delta = c.create("companies", `{"name":"Delta","employees":5,"address":{"addressCity":"Paris"}}`)
	f.zeta = c.create("companies", `{"name":"Zeta","employees":7}`)
	c.must(200, "DELETE", "/rest/companies/"+f.zeta, "")
	f.john = c.create("people", fmt.Sprintf(`{"name":{"firstName":"John","lastName":"Doe"},"companyId":%q,"city":"Paris","jobTitle":"CEO",
		"emails":{"primaryEmail":"john@acme.com"},"phones":{"primaryPhoneNumber":"612345678","primaryPhoneCallingCode":"+33"}}`, f.acme))
	f.jane = c.create("people", fmt.Sprintf(`{"name":{"firstName":"Jane","lastName":"Roe"},"companyId":%q,"city":"London","emails":{"primaryEmail":"jane@acme.com"}}`, f.acme))
	f.bob = c.create("people", fmt.Sprintf(`{"name":{"firstName":"Bob","lastName":"Smith"},"companyId":%q,"emails":{"primaryEmail":"bob@beta.io"}}`, f.beta))
	f.alice = c.create("people", `{"name":{"firstName":"Alice","lastName":""}}`)
	f.opp1 = c.create("opportunities", fmt.Sprintf(`{"name":"Deal 1","stage":"MEETING","companyId":%q,"pointOfContactId":%q,
		"amount":{"amountMicros":5000000,"currencyCode":"EUR"},"closeDate":"2030-01-15T00:00:00Z"}`, f.acme, f.john))
	f.opp2 = c.create("opportunities", fmt.Sprintf(`{"name":"Deal 2","stage":"PROPOSAL","companyId":%q,"closeDate":"2029-06-01T12:00:00Z"}`, f.beta))
	f.opp3 = c.create("opportunities", `{"name":"Deal 3"}`)
	f.note = c.create("notes", `{"title":"Kickoff"}`)
	f.noteTarget = c.create("noteTargets", fmt.Sprintf(`{"noteId":%q,"personId":%q}`, f.note, f.john))
	return f
}

func TestRESTFilterOperators(t *testing.T) {
	c := newClient(t)
	f := seed(c)
	cases := []struct {
		plural, filter string
		want           []string // names, in default (position) order
	}{
		{"companies", `name[eq]:"Acme"`, []string{"Acme"}},
		{"companies", `name[neq]:"Acme"`, []string{"Beta", "Gamma Corp", "Delta"}},
		{"companies", `name[in]:["Acme","Beta"]`, []string{"Acme", "Beta"}},
		{"companies", `employees[is]:NULL`, []string{"Gamma Corp"}},
		{"companies", `employees[is]:NOT_NULL`, []string{"Acme", "Beta", "Delta"}},
		{"companies", `employees[gt]:20`, []string{"Acme"}},
		{"companies", `employees[gte]:20`, []string{"Acme", "Beta"}},
		{"companies", `employees[lt]:20`, []string{"Delta"}},
		{"companies", `employees[lte]:20`, []string{"Beta", "Delta"}},
		{"companies", `employees[in]:[5,100]`, []string{"Acme", "Delta"}},
		{"companies", `name[startsWith]:"Gam"`, []string{"Gamma Corp"}},
		{"companies", `name[endsWith]:"Corp"`, []string{"Gamma Corp"}},
		{"companies", `name[like]:"%mm%"`, []string{"Gamma Corp"}},
		{"companies", `name[like]:"%ACME%"`, []string{}},
		{"companies", `name[ilike]:"%ACME%"`, []string{"Acme"}},
		{"companies", `idealCustomerProfile[eq]:true`, []string{"Acme"}},
		{"companies", `idealCustomerProfile[neq]:true`, []string{"Beta", "Gamma Corp", "Delta"}},
		{"companies", `address.addressCity[eq]:"Paris"`, []string{"Acme", "Delta"}},
		{"companies", `domainName.primaryLinkUrl[ilike]:"%.io"`, []string{"Beta"}},
		{"companies", `annualRecurringRevenue.amountMicros[gte]:1000000`, []string{"Acme"}},
		{"companies", `or(name[eq]:"Acme",employees[lt]:10)`, []string{"Acme", "Delta"}},
		{"companies", `and(address.addressCity[eq]:"Paris",not(name[eq]:"Acme"))`, []string{"Delta"}},
		{"companies", `and(employees[gte]:5,or(name[startsWith]:"B",not(address.addressCity[eq]:"Paris")))`, []string{"Beta"}},
		{"companies", `name[neq]:"Acme",employees[gt]:1`, []string{"Beta", "Delta"}},
		{"companies", `createdAt[gte]:"2000-01-01T00:00:00Z"`, []string{"Acme", "Beta", "Gamma Corp", "Delta"}},
		{"companies", `createdAt[lt]:"2000-01-01"`, []string{}},
		{"companies", fmt.Sprintf(`id[eq]:"%s"`, f.beta), []string{"Beta"}},
		{"companies", `deletedAt[is]:NOT_NULL`, []string{"Zeta"}},
		{"companies", `or(deletedAt[is]:NULL,deletedAt[is]:NOT_NULL),employees[gt]:6`, []string{"Acme", "Beta", "Zeta"}},
		{"people", `name.firstName[eq]:"John"`, []string{"John"}},
		{"people", `name.lastName[is]:NULL`, []string{"Alice"}},
		{"people", `emails.primaryEmail[ilike]:"%@acme.com"`, []string{"John", "Jane"}},
		{"people", fmt.Sprintf(`companyId[eq]:"%s"`, f.acme), []string{"John", "Jane"}},
		{"people", fmt.Sprintf(`companyId[in]:["%s","%s"]`, f.beta, f.gamma), []string{"Bob"}},
		{"people", `companyId[is]:NULL`, []string{"Alice"}},
		{"people", `city[is]:NULL`, []string{"Bob", "Alice"}},
		{"people", `phones.primaryPhoneNumber[eq]:"612345678"`, []string{"John"}},
		{"people", `company.name[eq]:"Beta"`, []string{"Bob"}},
		{"opportunities", `stage[eq]:MEETING`, []string{"Deal 1"}},
		{"opportunities", `stage[in]:["NEW","PROPOSAL"]`, []string{"Deal 2", "Deal 3"}},
		{"opportunities", `stage[neq]:"NEW"`, []string{"Deal 1", "Deal 2"}},
		{"opportunities", `closeDate[lt]:"2030-01-01T00:00:00.000Z"`, []string{"Deal 2"}},
		{"opportunities", `closeDate[gte]:"2029-06-01T12:00:00Z"`, []string{"Deal 1", "Deal 2"}},
		{"opportunities", `amount.amountMicros[gt]:0,amount.currencyCode[eq]:"EUR"`, []string{"Deal 1"}},
	}
	for _, tc := range cases {
		t.Run(tc.plural+" "+tc.filter, func(t *testing.T) {
			m := c.must(200, "GET", "/rest/"+tc.plural+"?filter="+q(tc.filter), "")
			if got := names(list(m, tc.plural)); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			if m["totalCount"] != float64(len(tc.want)) {
				t.Fatalf("totalCount %v, want %d", m["totalCount"], len(tc.want))
			}
		})
	}
}

func TestRESTListDefaultsAndOrder(t *testing.T) {
	c := newClient(t)
	seed(c)
	m := c.must(200, "GET", "/rest/companies", "")
	if got := names(list(m, "companies")); !reflect.DeepEqual(got, []string{"Acme", "Beta", "Gamma Corp", "Delta"}) {
		t.Fatalf("default order: %v", got)
	}
	pi := m["pageInfo"].(map[string]any)
	if m["totalCount"] != float64(4) || pi["hasNextPage"] != false || pi["startCursor"] == nil || pi["endCursor"] == nil {
		t.Fatalf("list envelope: %v", m)
	}
	for _, tc := range []struct{ order, want string }{
		{"employees[DescNullsLast]", "Acme,Beta,Delta,Gamma Corp"},
		{"employees[AscNullsFirst]", "Gamma Corp,Delta,Beta,Acme"},
		{"employees[AscNullsLast]", "Delta,Beta,Acme,Gamma Corp"},
		{"address.addressCity[AscNullsFirst],name[DescNullsLast]", "Gamma Corp,Beta,Delta,Acme"},
		{"name", "Acme,Beta,Delta,Gamma Corp"},
	} {
		m := c.must(200, "GET", "/rest/companies?order_by="+q(tc.order), "")
		if got := strings.Join(names(list(m, "companies")), ","); got != tc.want {
			t.Errorf("order_by=%s: %s, want %s", tc.order, got, tc.want)
		}
	}
	// An empty list still has the envelope, with null cursors.
	m = c.must(200, "GET", "/rest/companies?filter="+q(`name[eq]:"nobody"`), "")
	pi = m["pageInfo"].(map[string]any)
	if len(data(m, "companies").([]any)) != 0 || pi["startCursor"] != nil || pi["endCursor"] != nil || m["totalCount"] != float64(0) {
		t.Fatalf("empty list: %v", m)
	}
	// limit=0 counts without rows.
	m = c.must(200, "GET", "/rest/companies?limit=0", "")
	if len(data(m, "companies").([]any)) != 0 || m["totalCount"] != float64(4) || m["pageInfo"].(map[string]any)["hasNextPage"] != true {
		t.Fatalf("limit=0: %v", m)
	}
}

func TestRESTPaginationForwardAndBackward(t *testing.T) {
	c := newClient(t)
	for i := 1; i <= 7; i++ {
		c.create("companies", fmt.Sprintf(`{"name":"P%d","employees":%d}`, i, i))
	}
	c.create("companies", `{"name":"Other"}`)
	base := "/rest/companies?filter=" + q(`name[startsWith]:"P"`) + "&order_by=" + q("name[DescNullsLast]") + "&limit=3"
	type page struct {
		names      string
		next, prev bool
	}
	get := func(extra string) (page, map[string]any) {
		m := c.must(200, "GET", base+extra, "")
		pi := m["pageInfo"].(map[string]any)
		if m["totalCount"] != float64(7) {
			t.Fatalf("totalCount %v on every page", m["totalCount"])
		}
		return page{strings.Join(names(list(m, "companies")), ","), pi["hasNextPage"].(bool), pi["hasPreviousPage"].(bool)}, pi
	}
	// Forward.
	p1, pi1 := get("")
	p2, pi2 := get("&starting_after=" + q(pi1["endCursor"].(string)))
	p3, pi3 := get("&starting_after=" + q(pi2["endCursor"].(string)))
	want := []page{{"P7,P6,P5", true, false}, {"P4,P3,P2", true, true}, {"P1", false, true}}
	if got := []page{p1, p2, p3}; !reflect.DeepEqual(got, want) {
		t.Fatalf("forward pages %+v, want %+v", got, want)
	}
	// Backward from the last page.
	b2, bi2 := get("&ending_before=" + q(pi3["startCursor"].(string)))
	b1, _ := get("&ending_before=" + q(bi2["startCursor"].(string)))
	wantBack := []page{{"P4,P3,P2", true, true}, {"P7,P6,P5", true, false}}
	if got := []page{b2, b1}; !reflect.DeepEqual(got, wantBack) {
		t.Fatalf("backward pages %+v, want %+v", got, wantBack)
	}
	// A cursor stays valid when only the direction changes.
	m := c.must(200, "GET", "/rest/companies?filter="+q(`name[startsWith]:"P"`)+"&order_by="+q("name[AscNullsFirst]")+"&starting_after="+q(pi1["endCursor"].(string)), "")
	if got := strings.Join(names(list(m, "companies")), ","); got != "P6,P7" {
		t.Fatalf("after P5 ascending: %s", got)
	}
}

func TestRESTDepth(t *testing.T) {
	c := newClient(t)
	f := seed(c)
	// A soft-deleted person is left out of nested lists.
	ghost := c.create("people", fmt.Sprintf(`{"name":{"firstName":"Ghost"},"companyId":%q}`, f.acme))
	c.must(200, "DELETE", "/rest/people/"+ghost, "")

	john := data(c.must(200, "GET", "/rest/people/"+f.john, ""), "person").(map[string]any)
	if _, ok := john["company"]; ok || john["companyId"] != f.acme {
		t.Fatalf("depth 0 (default): %v", john)
	}
	john = data(c.must(200, "GET", "/rest/people/"+f.john+"?depth=0", ""), "person").(map[string]any)
	if _, ok := john["company"]; ok {
		t.Fatalf("depth=0 nested the company: %v", john)
	}

	john = data(c.must(200, "GET", "/rest/people/"+f.john+"?depth=1", ""), "person").(map[string]any)
	company := john["company"].(map[string]any)
	if company["name"] != "Acme" || company["id"] != f.acme {
		t.Fatalf("depth=1 company: %v", company)
	}
	if _, ok := company["people"]; ok {
		t.Fatalf("depth=1 went two levels deep: %v", company)
	}
	opps := john["pointOfContactForOpportunities"].([]any)
	if len(opps) != 1 || opps[0].(map[string]any)["name"] != "Deal 1" {
		t.Fatalf("depth=1 one-to-many: %v", john["pointOfContactForOpportunities"])
	}
	if nts := john["noteTargets"].([]any); len(nts) != 1 {
		t.Fatalf("depth=1 noteTargets: %v", nts)
	}
	if atts, ok := john["attachments"].([]any); !ok || len(atts) != 0 {
		t.Fatalf("depth=1 empty one-to-many must be []: %v", john["attachments"])
	}

	john = data(c.must(200, "GET", "/rest/people/"+f.john+"?depth=2", ""), "person").(map[string]any)
	colleagues := names(toMaps(john["company"].(map[string]any)["people"]))
	if !reflect.DeepEqual(colleagues, []string{"John", "Jane"}) {
		t.Fatalf("depth=2 company.people: %v", colleagues)
	}
	nt := john["noteTargets"].([]any)[0].(map[string]any)
	if nt["note"].(map[string]any)["title"] != "Kickoff" {
		t.Fatalf("depth=2 noteTargets[0].note: %v", nt)
	}
	if _, ok := nt["note"].(map[string]any)["noteTargets"]; ok {
		t.Fatalf("depth=2 went three levels deep")
	}

	// Lists expand every record; a relation that is not set nests null.
	m := c.must(200, "GET", "/rest/people?depth=1", "")
	byName := map[string]map[string]any{}
	for _, p := range list(m, "people") {
		byName[names([]map[string]any{p})[0]] = p
	}
	if byName["Bob"]["company"].(map[string]any)["name"] != "Beta" || byName["Alice"]["company"] != nil {
		t.Fatalf("list depth=1: bob %v alice %v", byName["Bob"]["company"], byName["Alice"]["company"])
	}
	cm := c.must(200, "GET", "/rest/companies?depth=1&filter="+q(`name[eq]:"Acme"`), "")
	if got := names(toMaps(list(cm, "companies")[0]["people"])); !reflect.DeepEqual(got, []string{"John", "Jane"}) {
		t.Fatalf("companies depth=1 people: %v", got)
	}
	// Writes answer at the requested depth too.
	m = c.must(201, "POST", "/rest/people?depth=1", fmt.Sprintf(`{"name":{"firstName":"Neo"},"companyId":%q}`, f.beta))
	if data(m, "createPerson").(map[string]any)["company"].(map[string]any)["name"] != "Beta" {
		t.Fatalf("create depth=1: %v", m)
	}
}

func toMaps(v any) []map[string]any {
	var out []map[string]any
	for _, x := range v.([]any) {
		out = append(out, x.(map[string]any))
	}
	return out
}

func TestRESTCrudRoutes(t *testing.T) {
	c := newClient(t)
	id := c.create("companies", `{"name":"Acme"}`)

	m := c.must(200, "GET", "/rest/companies/"+id, "")
	if data(m, "company").(map[string]any)["name"] != "Acme" {
		t.Fatalf("get one: %v", m)
	}
	m = c.must(200, "PATCH", "/rest/companies/"+id, `{"employees":3}`)
	if r := data(m, "updateCompany").(map[string]any); r["employees"] != float64(3) || r["name"] != "Acme" {
		t.Fatalf("patch: %v", m)
	}
	m = c.must(200, "PUT", "/rest/companies/"+id, `{"name":"Acme 2"}`)
	if data(m, "updateCompany").(map[string]any)["name"] != "Acme 2" {
		t.Fatalf("put: %v", m)
	}
	// If-Match: the record is at version 3 now.
	c.must(409, "PATCH", "/rest/companies/"+id, `{"name":"x"}`, "if-match", "2")
	c.must(200, "PATCH", "/rest/companies/"+id, `{"name":"Acme 3"}`, "if-match", `"3"`)

	m = c.must(200, "DELETE", "/rest/companies/"+id, "")
	if data(m, "deleteCompany").(map[string]any)["deletedAt"] == nil {
		t.Fatalf("soft delete: %v", m)
	}
	c.must(404, "GET", "/rest/companies/"+id, "")
	m = c.must(200, "GET", "/rest/companies/"+id+"?filter="+q(`deletedAt[is]:NOT_NULL`), "")
	if data(m, "company").(map[string]any)["deletedAt"] == nil {
		t.Fatalf("get deleted with a deletedAt filter: %v", m)
	}
	m = c.must(200, "PATCH", "/rest/companies/"+id+"/restore", "")
	if data(m, "restoreCompany").(map[string]any)["deletedAt"] != nil {
		t.Fatalf("restore: %v", m)
	}
	m = c.must(200, "DELETE", "/rest/companies/"+id+"?soft_delete=false", "")
	if !reflect.DeepEqual(data(m, "deleteCompany"), map[string]any{"id": id}) {
		t.Fatalf("destroy: %v", m)
	}
	c.must(404, "GET", "/rest/companies/"+id+"?filter="+q(`deletedAt[is]:NOT_NULL`), "")
	c.must(404, "PATCH", "/rest/companies/"+id, `{"name":"x"}`)
	c.must(404, "DELETE", "/rest/companies/"+id, "")

	// A client-chosen id on create.
	own := "0190aaaa-0000-7000-8000-0000000000aa"
	if got := c.create("companies", fmt.Sprintf(`{"id":%q,"name":"Own"}`, own)); got != own {
		t.Fatalf("create with id: %s", got)
	}
	c.must(400, "POST", "/rest/companies", fmt.Sprintf(`{"id":%q,"name":"Twice"}`, own))
}

func TestRESTIdempotencyKey(t *testing.T) {
	c := newClient(t)
	first := c.must(201, "POST", "/rest/batch/companies", `[{"name":"A"},{"name":"B"}]`, "idempotency-key", "k1")
	before := c.head()
	again := c.must(201, "POST", "/rest/batch/companies", `[{"name":"A"},{"name":"B"}]`, "idempotency-key", "k1")
	if !reflect.DeepEqual(first, again) || c.head() != before {
		t.Fatalf("retried batch: %v (head %v → %v)", again, before, c.head())
	}
	id := list(first, "createCompanies")[0]["id"].(string)
	d1 := c.must(200, "DELETE", "/rest/companies/"+id+"?soft_delete=false", "", "x-command-id", "k2")
	d2 := c.must(200, "DELETE", "/rest/companies/"+id+"?soft_delete=false", "", "x-command-id", "k2")
	if !reflect.DeepEqual(d1, d2) {
		t.Fatalf("retried destroy: %v vs %v", d1, d2)
	}
}

func TestRESTBatchCreate(t *testing.T) {
	c := newClient(t)
	company := c.create("companies", `{"name":"Acme"}`)
	m := c.must(201, "POST", "/rest/batch/people?depth=1", fmt.Sprintf(
		`[{"name":{"firstName":"A"},"companyId":%q},{"name":{"firstName":"B"}},{"name":{"firstName":"C"},"city":"Oslo"}]`, company))
	recs := list(m, "createPeople")
	if got := names(recs); !reflect.DeepEqual(got, []string{"A", "B", "C"}) {
		t.Fatalf("batch: %v", got)
	}
	if recs[0]["company"].(map[string]any)["name"] != "Acme" || recs[2]["city"] != "Oslo" {
		t.Fatalf("batch records: %v", recs)
	}
	_, cmds := c.eventsAfter(c.head() - 3)
	if cmds[0] != cmds[1] || cmds[1] != cmds[2] {
		t.Fatalf("a batch is one command: %v", cmds)
	}

	before := c.head()
	tooMany := "[" + strings.TrimSuffix(strings.Repeat(`{"name":"x"},`, rest.MaxBatchCreate+1), ",") + "]"
	cases := []struct {
		name, body string
		status     int
		message    string
	}{
		{"too many", tooMany, 400, fmt.Sprintf("Maximum number of records to upsert is %d.", rest.MaxBatchCreate)},
		{"not an array", `{"name":"x"}`, 400, "Body must be an array"},
		{"empty", `[]`, 400, "Input must not be empty"},
		{"item not an object", `[{"name":"x"},3]`, 400, "record 1: expected a JSON object"},
		{"one invalid item rolls back all", `[{"name":"ok"},{"nmae":"bad"}]`, 400, "record 1: "},
		{"duplicate ids", `[{"id":"0190aaaa-0000-7000-8000-0000000000bb","name":"a"},{"id":"0190aaaa-0000-7000-8000-0000000000bb","name":"b"}]`, 400, "record 1: "},
	}
	for _, tc := range cases {
		status, m := c.do("POST", "/rest/batch/companies", tc.body)
		msgs, _ := m["messages"].([]any)
		if status != tc.status || len(msgs) != 1 || !strings.HasPrefix(msgs[0].(string), tc.message) {
			t.Errorf("%s: %d %v, want %d %q", tc.name, status, m, tc.status, tc.message)
		}
	}
	if c.head() != before {
		t.Fatalf("refused batches appended: head %v → %v", before, c.head())
	}
	if m := c.must(200, "GET", "/rest/companies", ""); m["totalCount"] != float64(1) {
		t.Fatalf("refused batches left records: %v", m["totalCount"])
	}
	// Exactly the maximum is fine.
	full := "[" + strings.TrimSuffix(strings.Repeat(`{"name":"x"},`, rest.MaxBatchCreate), ",") + "]"
	if m := c.must(201, "POST", "/rest/batch/companies", full); len(list(m, "createCompanies")) != rest.MaxBatchCreate {
		t.Fatal("batch of the maximum size")
	}
}

func TestRESTBulkUpdateDeleteRestore(t *testing.T) {
	c := newClient(t)
	seed(c)
	paris := q(`address.addressCity[eq]:"Paris"`)
	m := c.must(200, "PATCH", "/rest/companies?filter="+paris, `{"employees":1}`)
	if got := names(list(m, "updateCompanies")); !reflect.DeepEqual(got, []string{"Acme", "Delta"}) {
		t.Fatalf("update many: %v", got)
	}
	m = c.must(200, "DELETE", "/rest/companies?filter="+paris, "")
	if n := len(list(m, "deleteCompanies")); n != 2 {
		t.Fatalf("delete many: %v", m)
	}
	if m := c.must(200, "GET", "/rest/companies", ""); m["totalCount"] != float64(2) {
		t.Fatalf("after delete many: %v", m["totalCount"])
	}
	m = c.must(200, "PATCH", "/rest/companies/restore?filter="+paris, "")
	if n := len(list(m, "restoreCompanies")); n != 2 {
		t.Fatalf("restore many: %v", m)
	}
	m = c.must(200, "DELETE", "/rest/companies?soft_delete=false&filter="+q(`name[eq]:"Delta"`), "")
	if n := len(list(m, "deleteCompanies")); n != 1 {
		t.Fatalf("destroy many: %v", m)
	}
	if m := c.must(200, "GET", "/rest/companies?filter="+q(`or(deletedAt[is]:NULL,deletedAt[is]:NOT_NULL)`), ""); m["totalCount"] != float64(4) {
		t.Fatalf("after destroy many: %v", m["totalCount"])
	}
}

func TestRESTErrors(t *testing.T) {
	c := newClient(t)
	f := seed(c)
	before := c.head()
	missing := "0190aaaa-0000-7000-8000-000000000000"
	cases := []struct {
		name, method, path, body string
		status                   int
		message                  string // prefix of messages[0]
		field                    string
	}{
		{"invalid cursor", "GET", "/rest/companies?starting_after=notacursor", "", 400, "Invalid cursor", "after"},
		{"invalid ending_before", "GET", "/rest/companies?ending_before=" + q("eyJ4IjoxfQ=="), "", 400, "Invalid cursor", "before"},
		{"filter syntax", "GET", "/rest/companies?filter=" + q(`name[eq]"x"`), "", 400, "'filter' invalid", "filter"},
		{"filter unknown field", "GET", "/rest/companies?filter=" + q(`nmae[eq]:"x"`), "", 400, `unknown field "nmae"`, "nmae"},
		{"filter unknown operator", "GET", "/rest/companies?filter=" + q(`name[near]:"x"`), "", 400, "'filter' invalid", "filter"},
		{"filter operator for another type", "GET", "/rest/companies?filter=" + q(`employees[like]:"x"`), "", 400, `operator "like" is not supported`, "employees"},
		{"filter bad number", "GET", "/rest/companies?filter=" + q(`employees[gt]:"many"`), "", 400, "invalid value", "employees"},
		{"filter unknown subfield", "GET", "/rest/people?filter=" + q(`name.middleName[eq]:"x"`), "", 400, `unknown subfield "middleName"`, "name.middleName"},
		{"order_by unknown field", "GET", "/rest/companies?order_by=" + q("nmae[AscNullsFirst]"), "", 400, "", ""},
		{"order_by bad direction", "GET", "/rest/companies?order_by=" + q("name[Up]"), "", 400, "'order_by' direction 'Up' invalid", "order_by"},
		{"limit not a number", "GET", "/rest/companies?limit=abc", "", 400, "limit 'abc' is invalid", "limit"},
		{"limit negative", "GET", "/rest/companies?limit=-1", "", 400, "limit '-1' is invalid", "limit"},
		{"limit too large", "GET", "/rest/companies?limit=10001", "", 413, "limit 10001", "limit"},
		{"depth invalid", "GET", "/rest/companies?depth=3", "", 400, "'depth=3' parameter invalid. Allowed values are 0, 1, 2", ""},
		{"get missing", "GET", "/rest/companies/" + missing, "", 404, "Record not found", ""},
		{"get bad id", "GET", "/rest/companies/nope", "", 400, "'nope' is not a valid record id", "id"},
		{"unknown object", "GET", "/rest/spaceships", "", 400, "object 'spaceships' not found. eg: companies", ""},
		{"singular object name", "GET", "/rest/company", "", 400, "object 'company' not found. Did you mean 'companies'?", ""},
		{"no object", "GET", "/rest", "", 404, "no object in path", ""},
		{"bulk delete without filter", "DELETE", "/rest/companies", "", 400, "Filters are mandatory for bulk delete operations.", ""},
		{"bulk destroy without filter", "DELETE", "/rest/companies?soft_delete=false", "", 400, "Filters are mandatory for bulk delete operations.", ""},
		{"bulk update without filter", "PATCH", "/rest/companies", `{"name":"x"}`, 400, "Filters are mandatory for bulk update operations.", ""},
		{"bulk delete with a bad filter", "DELETE", "/rest/companies?filter=" + q(`nmae[eq]:"x"`), "", 400, `unknown field "nmae"`, "nmae"},
		{"create unknown field", "POST", "/rest/companies", `{"nmae":"x"}`, 400, `field "nmae" of company: unknown field`, "nmae"},
		{"create bad value", "POST", "/rest/companies", `{"employees":"many"}`, 400, `field "employees"`, "employees"},
		{"create relation to nothing", "POST", "/rest/people", fmt.Sprintf(`{"companyId":%q}`, missing), 400, "companyId: no company", "companyId"},
		{"update unknown field", "PATCH", "/rest/companies/" + f.acme, `{"nmae":"x"}`, 400, `field "nmae"`, "nmae"},
		{"update bad If-Match", "PATCH", "/rest/companies/" + f.acme, `{"name":"x"}`, 400, "If-Match", ""},
		{"update missing", "PATCH", "/rest/companies/" + missing, `{"name":"x"}`, 404, "Record not found", ""},
		{"delete missing", "DELETE", "/rest/companies/" + missing, "", 404, "Record not found", ""},
		{"destroy missing", "DELETE", "/rest/companies/" + missing + "?soft_delete=false", "", 404, "Record not found", ""},
		{"restore missing", "PATCH", "/rest/companies/" + missing + "/restore", "", 404, "Record not found", ""},
		{"post to a record", "POST", "/rest/companies/" + f.acme, `{}`, 405, "POST /rest/companies/", ""},
		{"batch other than POST", "GET", "/rest/batch/companies", "", 405, "", ""},
		{"malformed body", "POST", "/rest/companies", `{"name":`, 400, "malformed JSON body", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			headers := []string{}
			if tc.name == "update bad If-Match" {
				headers = []string{"if-match", "yesterday"}
			}
			status, m := c.do(tc.method, tc.path, tc.body, headers...)
			msgs, _ := m["messages"].([]any)
			if status != tc.status || len(msgs) != 1 || !strings.HasPrefix(msgs[0].(string), tc.message) {
				t.Fatalf("%d %v, want %d %q", status, m, tc.status, tc.message)
			}
			if m["error"] != map[int]string{400: "BadRequestException", 404: "NotFoundException", 405: "MethodNotAllowedException", 413: "PayloadTooLargeException"}[tc.status] {
				t.Fatalf("error name %v for %d", m["error"], status)
			}
			if tc.field != "" && m["field"] != tc.field {
				t.Fatalf("field %v, want %s (%v)", m["field"], tc.field, m)
			}
		})
	}
	if c.head() != before {
		t.Fatalf("refused requests appended: head %v → %v", before, c.head())
	}
	// Twenty's exact shapes.
	for _, tc := range []struct{ path, want string }{
		{"/rest/companies/" + missing, `{"statusCode":404,"error":"NotFoundException","messages":["Record not found"]}`},
	} {
		_, body := c.raw("GET", tc.path, "")
		if body != tc.want {
			t.Errorf("GET %s: %s, want %s", tc.path, body, tc.want)
		}
	}
	_, body := c.raw("GET", "/rest/companies?starting_after=bad", "")
	var e map[string]any
	json.Unmarshal([]byte(body), &e)
	if e["error"] != "BadRequestException" || !strings.HasPrefix(e["messages"].([]any)[0].(string), "Invalid cursor") {
		t.Errorf("invalid cursor body: %s", body)
	}
}

// addObject appends an object.created event for obj to the workspace's log
// and replays, standing in for the metadata API.
func addObject(t *testing.T, c *client, obj *domain.Object) {
	t.Helper()
	c.head() // seed the workspace
	db, err := c.h.Object(c.ws)
	if err != nil {
		t.Fatal(err)
	}
	domain.AssignIDs(obj)
	ev, err := events.New(domain.EventObjectCreated, 1, time.Now(), "system", "test-"+obj.NameSingular, domain.ObjectCreated{Object: obj})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (&events.SQLStore{DB: db}).Append([]events.Event{ev}); err != nil {
		t.Fatal(err)
	}
	c.must(200, "POST", "/admin/replay", "")
}

// invoiceObject has a RESTRICT relation to company (no standard relation is
// RESTRICT).
func invoiceObject() *domain.Object {
	return &domain.Object{NameSingular: "invoice", NamePlural: "invoices", LabelSingular: "Invoice", LabelPlural: "Invoices",
		IsCustom: true, IsActive: true, LabelIdentifier: "number",
		Fields: append(domain.SystemFields(),
			&domain.Field{Name: "number", Label: "Number", Type: domain.TypeText, IsNullable: true},
			&domain.Field{Name: "company", Label: "Company", Type: domain.TypeRelation, IsNullable: true,
				Relation: &domain.Relation{Type: domain.ManyToOne, TargetObject: "company", TargetField: "invoices", OnDelete: domain.OnDeleteRestrict}})}
}

func TestRESTDestroyAppliesOnDelete(t *testing.T) {
	t.Run("company → people SET_NULL", func(t *testing.T) {
		c := newClient(t)
		company := c.create("companies", `{"name":"Acme"}`)
		p1 := c.create("people", fmt.Sprintf(`{"name":{"firstName":"A"},"companyId":%q}`, company))
		p2 := c.create("people", fmt.Sprintf(`{"name":{"firstName":"B"},"companyId":%q}`, company))
		c.must(200, "DELETE", "/rest/people/"+p2, "") // soft-deleted people are unlinked too
		before := c.head()
		m := c.must(200, "DELETE", "/rest/companies/"+company+"?soft_delete=false", "")
		if !reflect.DeepEqual(data(m, "deleteCompany"), map[string]any{"id": company}) {
			t.Fatalf("destroy: %v", m)
		}
		types, cmds := c.eventsAfter(before)
		if want := []string{"person.updated", "person.updated", "company.destroyed"}; !reflect.DeepEqual(types, want) {
			t.Fatalf("events %v, want %v", types, want)
		}
		if cmds[0] != cmds[2] {
			t.Fatalf("events of one destroy carry one command id: %v", cmds)
		}
		for _, id := range []string{p1, p2} {
			m := c.must(200, "GET", "/rest/people/"+id+"?filter="+q("deletedAt[is]:NOT_NULL"), "")
			if r := data(m, "person").(map[string]any); r["companyId"] != nil {
				t.Fatalf("person %s still points at the destroyed company: %v", id, r)
			}
		}
	})
	t.Run("note → noteTargets CASCADE, attachments SET_NULL", func(t *testing.T) {
		c := newClient(t)
		person := c.create("people", `{"name":{"firstName":"A"}}`)
		note := c.create("notes", `{"title":"N"}`)
		t1 := c.create("noteTargets", fmt.Sprintf(`{"noteId":%q,"personId":%q}`, note, person))
		t2 := c.create("noteTargets", fmt.Sprintf(`{"noteId":%q}`, note))
		att := c.create("attachments", fmt.Sprintf(`{"name":"f.pdf","noteId":%q,"personId":%q}`, note, person))
		// Soft delete does not cascade.
		c.must(200, "DELETE", "/rest/notes/"+note, "")
		if m := c.must(200, "GET", "/rest/noteTargets?filter="+q(fmt.Sprintf(`noteId[eq]:"%s"`, note)), ""); m["totalCount"] != float64(2) {
			t.Fatalf("soft delete cascaded: %v", m)
		}
		before := c.head()
		c.must(200, "DELETE", "/rest/notes/"+note+"?soft_delete=false", "")
		types, _ := c.eventsAfter(before)
		if want := []string{"attachment.updated", "noteTarget.destroyed", "noteTarget.destroyed", "note.destroyed"}; !reflect.DeepEqual(types, want) {
			t.Fatalf("events %v, want %v", types, want)
		}
		for _, id := range []string{t1, t2} {
			c.must(404, "GET", "/rest/noteTargets/"+id+"?filter="+q("deletedAt[is]:NOT_NULL"), "")
		}
		if r := data(c.must(200, "GET", "/rest/attachments/"+att, ""), "attachment").(map[string]any); r["noteId"] != nil || r["personId"] != person {
			t.Fatalf("attachment after note destroy: %v", r)
		}
		c.must(200, "GET", "/rest/people/"+person, "")
		// Destroying the person cascades to the attachment.
		c.must(200, "DELETE", "/rest/people/"+person+"?soft_delete=false", "")
		c.must(404, "GET", "/rest/attachments/"+att, "")
	})
	t.Run("RESTRICT refuses and appends nothing", func(t *testing.T) {
		c := newClient(t)
		addObject(t, c, invoiceObject())
		company := c.create("companies", `{"name":"Acme"}`)
		inv := c.create("invoices", fmt.Sprintf(`{"number":"F-1","companyId":%q}`, company))
		c.must(200, "DELETE", "/rest/invoices/"+inv, "") // soft-deleted invoices still restrict
		before := c.head()
		status, m := c.do("DELETE", "/rest/companies/"+company+"?soft_delete=false", "")
		msg := fmt.Sprint(m["messages"])
		if status != 400 || !strings.Contains(msg, "invoice.company") || !strings.Contains(msg, "RESTRICT") || m["rule"] != domain.RuleRestrict {
			t.Fatalf("restricted destroy: %d %v", status, m)
		}
		if c.head() != before {
			t.Fatalf("refused destroy appended: head %v → %v", before, c.head())
		}
		c.must(200, "GET", "/rest/companies/"+company, "")
		// Soft delete is not restricted; once the invoice is gone the destroy passes.
		c.must(200, "DELETE", "/rest/companies/"+company, "")
		c.must(200, "DELETE", "/rest/invoices/"+inv+"?soft_delete=false", "")
		c.must(200, "DELETE", "/rest/companies/"+company+"?soft_delete=false", "")
	})
	t.Run("bulk destroy cascades and skips what a cascade removed", func(t *testing.T) {
		c := newClient(t)
		note := c.create("notes", `{"title":"N"}`)
		c.create("noteTargets", fmt.Sprintf(`{"noteId":%q}`, note))
		c.create("noteTargets", fmt.Sprintf(`{"noteId":%q}`, note))
		m := c.must(200, "DELETE", "/rest/notes?soft_delete=false&filter="+q(`title[eq]:"N"`), "")
		if len(list(m, "deleteNotes")) != 1 {
			t.Fatalf("bulk destroy: %v", m)
		}
		if m := c.must(200, "GET", "/rest/noteTargets", ""); m["totalCount"] != float64(0) {
			t.Fatalf("cascade left note targets: %v", m)
		}
	})
	t.Run("D1 equals the inline projection after cascades", func(t *testing.T) {
		c := newClient(t)
		company := c.create("companies", `{"name":"Acme"}`)
		person := c.create("people", fmt.Sprintf(`{"name":{"firstName":"A"},"companyId":%q}`, company))
		note := c.create("notes", `{"title":"N"}`)
		c.create("noteTargets", fmt.Sprintf(`{"noteId":%q,"personId":%q,"companyId":%q}`, note, person, company))
		c.must(200, "DELETE", "/rest/companies/"+company+"?soft_delete=false", "")
		c.must(200, "DELETE", "/rest/notes/"+note+"?soft_delete=false", "")
		if v := c.must(200, "GET", "/admin/verify", ""); v["equal"] != true {
			t.Fatalf("verify: %v", v)
		}
	})
}

func TestRESTSortedKeysAreStable(t *testing.T) {
	// The same list twice answers byte-identical bodies (maps are encoded in
	// key order), so cached responses and ETags can be compared.
	c := newClient(t)
	seed(c)
	_, a := c.raw("GET", "/rest/people?depth=2", "")
	_, b := c.raw("GET", "/rest/people?depth=2", "")
	if a != b {
		t.Fatal("the same request answered different bodies")
	}
	var m map[string]any
	json.Unmarshal([]byte(a), &m)
	keys := []string{}
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if !reflect.DeepEqual(keys, []string{"data", "pageInfo", "totalCount"}) {
		t.Fatalf("list keys %v", keys)
	}
}

// houseObject has the field types the standard objects lack (MULTI_SELECT,
// ARRAY, RATING, DATE).
func houseObject() *domain.Object {
	return &domain.Object{NameSingular: "house", NamePlural: "houses", LabelSingular: "House", LabelPlural: "Houses",
		IsCustom: true, IsActive: true, LabelIdentifier: "name", Searchable: []string{"name"},
		Fields: append(domain.SystemFields(),
			&domain.Field{Name: "name", Label: "Name", Type: domain.TypeText, IsNullable: true},
			&domain.Field{Name: "tags", Label: "Tags", Type: domain.TypeMultiSelect, IsNullable: true,
				Options: []domain.SelectOption{{Value: "POOL", Label: "Pool"}, {Value: "GARDEN", Label: "Garden", Position: 1}}},
			&domain.Field{Name: "keywords", Label: "Keywords", Type: domain.TypeArray, IsNullable: true},
			&domain.Field{Name: "rating", Label: "Rating", Type: domain.TypeRating, IsNullable: true},
			&domain.Field{Name: "builtOn", Label: "Built on", Type: domain.TypeDate, IsNullable: true})}
}

func TestRESTFilterOperatorsOnListsAndJSON(t *testing.T) {
	c := newClient(t)
	addObject(t, c, houseObject())
	c.create("houses", `{"name":"H1","tags":["POOL"],"keywords":["Sea view","quiet"],"rating":"RATING_4","builtOn":"1990-05-01"}`)
	c.create("houses", `{"name":"H2","tags":["POOL","GARDEN"],"keywords":[],"rating":"RATING_2","builtOn":"2010-01-01"}`)
	c.create("houses", `{"name":"H3"}`)
	ta := c.create("timelineActivities", `{"name":"company.updated","properties":{"diff":{"name":"hello world"}}}`)
	// happensAt defaults to "now": the creation time.
	if r := data(c.must(200, "GET", "/rest/timelineActivities/"+ta, ""), "timelineActivity").(map[string]any); r["happensAt"] == nil || r["happensAt"] != r["createdAt"] {
		t.Fatalf("generated default: happensAt %v, createdAt %v", r["happensAt"], r["createdAt"])
	}
	c.create("timelineActivities", `{"name":"company.created","properties":{"after":{"name":"bye"}}}`)
	cases := []struct {
		plural, filter string
		want           []string
	}{
		{"houses", `tags[containsAny]:["GARDEN"]`, []string{"H2"}},
		{"houses", `tags[containsAny]:["POOL","GARDEN"]`, []string{"H1", "H2"}},
		{"houses", `tags[isEmptyArray]:true`, []string{"H3"}},
		{"houses", `tags[is]:NULL`, []string{"H3"}},
		{"houses", `keywords[containsIlike]:"%SEA%"`, []string{"H1"}},
		{"houses", `keywords[isEmptyArray]:false`, []string{"H1"}},
		{"houses", `keywords[is]:NULL`, []string{"H2", "H3"}},
		{"houses", `rating[eq]:RATING_4`, []string{"H1"}},
		{"houses", `rating[in]:["RATING_2","RATING_5"]`, []string{"H2"}},
		{"houses", `builtOn[lt]:"2000-01-01"`, []string{"H1"}},
		{"houses", `builtOn[is]:NOT_NULL,not(builtOn[eq]:"1990-05-01")`, []string{"H2"}},
		{"timelineActivities", `properties[like]:"%hello%"`, []string{"company.updated"}},
		{"timelineActivities", `properties[ilike]:"%BYE%"`, []string{"company.created"}},
	}
	for _, tc := range cases {
		m := c.must(200, "GET", "/rest/"+tc.plural+"?filter="+q(tc.filter), "")
		if got := names(list(m, tc.plural)); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s %s: %v, want %v", tc.plural, tc.filter, got, tc.want)
		}
	}
	// A custom object gets search too.
	db, _ := c.h.Object(c.ws)
	if rows, err := db.Exec(`SELECT count(*) FROM "house_fts"`); err != nil || rows.Int() != 3 {
		t.Fatalf("house_fts: %v %v", rows, err)
	}
}
