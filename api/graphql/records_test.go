package graphql_test

import (
	"fmt"
	"testing"

	"edgecrm/host/native"
)

// fixture holds the ids of the seeded records.
type fixture struct {
	h                             *native.Host
	acme, beta, gamma, delta, eps string
	ada, alan, grace, linus       string
}

const companyFields = `id name employees idealCustomerProfile domainName { primaryLinkUrl } annualRecurringRevenue { amountMicros currencyCode } address { addressCity } createdAt _version`

// seed creates five companies, four people and three opportunities with
// createCompanies / createPeople / createOpportunities.
func seed(t *testing.T) *fixture {
	t.Helper()
	h := native.MustNew(t)
	f := &fixture{h: h}
	r := ok(t, gql(t, h, `mutation($data: [CompanyCreateInput!]!) { createCompanies(data: $data) { `+companyFields+` } }`, map[string]any{
		"data": []any{
			map[string]any{"name": "Acme", "employees": 10, "idealCustomerProfile": true,
				"domainName":             map[string]any{"primaryLinkUrl": "acme.com"},
				"annualRecurringRevenue": map[string]any{"amountMicros": 5000000000, "currencyCode": "USD"},
				"address":                map[string]any{"addressCity": "Paris"}},
			map[string]any{"name": "Beta", "employees": 50,
				"domainName":             map[string]any{"primaryLinkUrl": "beta.io"},
				"annualRecurringRevenue": map[string]any{"amountMicros": 1000000, "currencyCode": "EUR"},
				"address":                map[string]any{"addressCity": "Berlin"}},
			map[string]any{"name": "Gamma"},
			map[string]any{"name": "Delta", "employees": 200, "idealCustomerProfile": true,
				"domainName": map[string]any{"primaryLinkUrl": "delta.com"}},
			map[string]any{"name": "epsilon", "employees": 5, "domainName": map[string]any{"primaryLinkUrl": "epsilon.org"}},
		},
	}))
	created := dig(r.Data, "createCompanies").([]any)
	if len(created) != 5 {
		t.Fatalf("createCompanies returned %d records", len(created))
	}
	f.acme, f.beta, f.gamma, f.delta, f.eps = str(created, 0, "id"), str(created, 1, "id"), str(created, 2, "id"), str(created, 3, "id"), str(created, 4, "id")

	r = ok(t, gql(t, h, `mutation($data: [PersonCreateInput!]!) { createPeople(data: $data) { id name { firstName lastName } companyId } }`, map[string]any{
		"data": []any{
			map[string]any{"name": map[string]any{"firstName": "Ada", "lastName": "Lovelace"}, "emails": map[string]any{"primaryEmail": "ada@acme.com"},
				"jobTitle": "Engineer", "city": "London", "companyId": f.acme},
			map[string]any{"name": map[string]any{"firstName": "Alan", "lastName": "Turing"}, "emails": map[string]any{"primaryEmail": "alan@acme.com", "additionalEmails": []any{"turing@bletchley.uk"}},
				"jobTitle": "Mathematician", "city": "Manchester", "companyId": f.acme},
			map[string]any{"name": map[string]any{"firstName": "Grace", "lastName": "Hopper"}, "emails": map[string]any{"primaryEmail": "grace@beta.io"},
				"jobTitle": "Admiral", "companyId": f.beta},
			map[string]any{"name": map[string]any{"firstName": "Linus", "lastName": ""}, "emails": map[string]any{"primaryEmail": "linus@delta.com"}},
		},
	}))
	people := dig(r.Data, "createPeople").([]any)
	f.ada, f.alan, f.grace, f.linus = str(people, 0, "id"), str(people, 1, "id"), str(people, 2, "id"), str(people, 3, "id")
	if str(people, 0, "companyId") != f.acme {
		t.Fatalf("person companyId %v, want %s", dig(people, 0), f.acme)
	}

	ok(t, gql(t, h, `mutation($data: [OpportunityCreateInput!]!) { createOpportunities(data: $data) { id } }`, map[string]any{
		"data": []any{
			map[string]any{"name": "Deal1", "stage": "NEW", "closeDate": "2025-01-10T00:00:00Z", "amount": map[string]any{"amountMicros": 100, "currencyCode": "USD"}, "companyId": f.acme, "pointOfContactId": f.ada},
			map[string]any{"name": "Deal2", "stage": "MEETING", "closeDate": "2025-03-01T12:00:00Z", "amount": map[string]any{"amountMicros": 5000, "currencyCode": "USD"}, "companyId": f.beta},
			map[string]any{"name": "Deal3", "stage": "CUSTOMER", "companyId": f.acme},
		},
	}))
	return f
}

func TestCreateOneAndManyReturnFieldsAndComposites(t *testing.T) {
	f := seed(t)
	r := ok(t, gql(t, f.h, `{ company(filter: {id: {eq: "`+f.acme+`"}}) { `+companyFields+` createdBy { source name } } }`, nil))
	c := dig(r.Data, "company")
	eq(t, "name", str(c, "name"), "Acme")
	eq(t, "employees", dig(c, "employees"), 10.0)
	eq(t, "icp", dig(c, "idealCustomerProfile"), true)
	eq(t, "domain", str(c, "domainName", "primaryLinkUrl"), "acme.com")
	eq(t, "arr micros", dig(c, "annualRecurringRevenue", "amountMicros"), 5e9)
	eq(t, "arr code", str(c, "annualRecurringRevenue", "currencyCode"), "USD")
	eq(t, "city", str(c, "address", "addressCity"), "Paris")
	eq(t, "version", dig(c, "_version"), 1.0)
	eq(t, "createdBy.source", str(c, "createdBy", "source"), "API")
	if str(c, "createdAt") == "" {
		t.Error("createdAt missing")
	}

	// createOne with a client id, and createPerson with composites.
	id := "0190aaaa-0000-7000-8000-000000000042"
	r = ok(t, gql(t, f.h, `mutation($d: PersonCreateInput!) { createPerson(data: $d) { id name { firstName lastName } emails { primaryEmail additionalEmails } phones { primaryPhoneNumber primaryPhoneCountryCode } linkedinLink { primaryLinkUrl secondaryLinks } company { name } } }`,
		map[string]any{"d": map[string]any{"id": id, "name": map[string]any{"firstName": "Katherine", "lastName": "Johnson"},
			"emails":       map[string]any{"primaryEmail": "kj@nasa.gov", "additionalEmails": []any{"k@nasa.gov", "j@nasa.gov"}},
			"phones":       map[string]any{"primaryPhoneNumber": "5550100", "primaryPhoneCountryCode": "US"},
			"linkedinLink": map[string]any{"primaryLinkUrl": "linkedin.com/in/kj", "secondaryLinks": []any{map[string]any{"url": "nasa.gov", "label": "NASA"}}},
			"companyId":    f.delta}}))
	p := dig(r.Data, "createPerson")
	eq(t, "id", str(p, "id"), id)
	eq(t, "lastName", str(p, "name", "lastName"), "Johnson")
	eq(t, "additionalEmails", dig(p, "emails", "additionalEmails"), []any{"k@nasa.gov", "j@nasa.gov"})
	eq(t, "phone", str(p, "phones", "primaryPhoneNumber"), "5550100")
	eq(t, "secondaryLinks", dig(p, "linkedinLink", "secondaryLinks"), []any{map[string]any{"url": "nasa.gov", "label": "NASA"}})
	eq(t, "company via relation", str(p, "company", "name"), "Delta")

	r = ok(t, gql(t, f.h, `{ companies { totalCount } people { totalCount } opportunities { totalCount } }`, nil))
	eq(t, "companies", dig(r.Data, "companies", "totalCount"), 5.0)
	eq(t, "people", dig(r.Data, "people", "totalCount"), 5.0)
	eq(t, "opportunities", dig(r.Data, "opportunities", "totalCount"), 3.0)

	// The same id again is refused: BAD_USER_INPUT naming id, status 400.
	r = gql(t, f.h, `mutation { createPerson(data: {id: "`+id+`"}) { id } }`, nil)
	if r.Status != 400 || r.code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != "id" {
		t.Errorf("duplicate id: %d %s", r.Status, r.Raw)
	}
}

func TestUpsertUpdatesByIDOrUniqueField(t *testing.T) {
	f := seed(t)
	r := ok(t, gql(t, f.h, `mutation { createCompany(upsert: true, data: {name: "Acme Corp", domainName: {primaryLinkUrl: "acme.com"}}) { id name employees } }`, nil))
	eq(t, "upsert by unique domain keeps id", str(r.Data, "createCompany", "id"), f.acme)
	eq(t, "upsert renamed", str(r.Data, "createCompany", "name"), "Acme Corp")
	eq(t, "upsert kept other fields", dig(r.Data, "createCompany", "employees"), 10.0)
	r = ok(t, gql(t, f.h, `mutation { createCompanies(upsert: true, data: [{id: "`+f.beta+`", name: "Beta2"}, {name: "New"}]) { id name } }`, nil))
	eq(t, "upsert by id", str(r.Data, "createCompanies", 0, "id"), f.beta)
	eq(t, "upsert by id name", str(r.Data, "createCompanies", 0, "name"), "Beta2")
	r = ok(t, gql(t, f.h, `{ companies { totalCount } }`, nil))
	eq(t, "one new company", dig(r.Data, "companies", "totalCount"), 6.0)
}

func TestFilterOperators(t *testing.T) {
	f := seed(t)
	companies := []filterCase{
		{"id eq", `{"id":{"eq":"` + f.beta + `"}}`, []string{"Beta"}},
		{"id in", `{"id":{"in":["` + f.beta + `","` + f.gamma + `"]}}`, []string{"Beta", "Gamma"}},
		{"id neq", `{"id":{"neq":"` + f.beta + `"}}`, []string{"Acme", "Delta", "Gamma", "epsilon"}},
		{"id is NOT_NULL", `{"id":{"is":"NOT_NULL"}}`, []string{"Acme", "Beta", "Delta", "Gamma", "epsilon"}},
		{"text eq", `{"name":{"eq":"Acme"}}`, []string{"Acme"}},
		{"text neq", `{"name":{"neq":"Acme"}}`, []string{"Beta", "Delta", "Gamma", "epsilon"}},
		{"text in", `{"name":{"in":["Acme","Beta","Nope"]}}`, []string{"Acme", "Beta"}},
		{"text like is case-sensitive", `{"name":{"like":"%eta"}}`, []string{"Beta"}},
		{"text like upper misses", `{"name":{"like":"%ETA"}}`, nil},
		{"text ilike", `{"name":{"ilike":"%ETA%"}}`, []string{"Beta"}},
		{"text startsWith", `{"name":{"startsWith":"Ga"}}`, []string{"Gamma"}},
		{"text endsWith", `{"name":{"endsWith":"ta"}}`, []string{"Beta", "Delta"}},
		{"text gt", `{"name":{"gt":"Delta"}}`, []string{"Gamma", "epsilon"}},
		{"text gte", `{"name":{"gte":"Delta"}}`, []string{"Delta", "Gamma", "epsilon"}},
		{"text lt", `{"name":{"lt":"Beta"}}`, []string{"Acme"}},
		{"text lte", `{"name":{"lte":"Beta"}}`, []string{"Acme", "Beta"}},
		{"number eq", `{"employees":{"eq":50}}`, []string{"Beta"}},
		{"number neq", `{"employees":{"neq":50}}`, []string{"Acme", "Delta", "epsilon"}},
		{"number gt", `{"employees":{"gt":10}}`, []string{"Beta", "Delta"}},
		{"number gte", `{"employees":{"gte":10}}`, []string{"Acme", "Beta", "Delta"}},
		{"number lt", `{"employees":{"lt":10}}`, []string{"epsilon"}},
		{"number lte", `{"employees":{"lte":10}}`, []string{"Acme", "epsilon"}},
		{"number in", `{"employees":{"in":[5,200]}}`, []string{"Delta", "epsilon"}},
		{"number is NULL", `{"employees":{"is":"NULL"}}`, []string{"Gamma"}},
		{"number is NOT_NULL", `{"employees":{"is":"NOT_NULL"}}`, []string{"Acme", "Beta", "Delta", "epsilon"}},
		{"boolean eq", `{"idealCustomerProfile":{"eq":true}}`, []string{"Acme", "Delta"}},
		{"boolean eq false", `{"idealCustomerProfile":{"eq":false}}`, []string{"Beta", "Gamma", "epsilon"}},
		{"links subfield eq", `{"domainName":{"primaryLinkUrl":{"eq":"acme.com"}}}`, []string{"Acme"}},
		{"links subfield like", `{"domainName":{"primaryLinkUrl":{"like":"%.com"}}}`, []string{"Acme", "Delta"}},
		{"links subfield is NULL", `{"domainName":{"primaryLinkUrl":{"is":"NULL"}}}`, []string{"Gamma"}},
		{"currency amountMicros gt", `{"annualRecurringRevenue":{"amountMicros":{"gt":1000000}}}`, []string{"Acme"}},
		{"currency code eq", `{"annualRecurringRevenue":{"currencyCode":{"eq":"EUR"}}}`, []string{"Beta"}},
		{"address city", `{"address":{"addressCity":{"in":["Paris","Rome"]}}}`, []string{"Acme"}},
		{"createdAt lte far future", `{"createdAt":{"lte":"2999-01-01T00:00:00Z"}}`, []string{"Acme", "Beta", "Delta", "Gamma", "epsilon"}},
		{"createdAt gt far future", `{"createdAt":{"gt":"2999-01-01T00:00:00Z"}}`, nil},
		{"or", `{"or":[{"name":{"eq":"Acme"}},{"employees":{"gt":100}}]}`, []string{"Acme", "Delta"}},
		{"and", `{"and":[{"idealCustomerProfile":{"eq":true}},{"employees":{"lt":100}}]}`, []string{"Acme"}},
		{"not", `{"not":{"idealCustomerProfile":{"eq":true}}}`, []string{"Beta", "Gamma", "epsilon"}},
		{"nested and/or/not", `{"and":[{"or":[{"name":{"startsWith":"A"}},{"name":{"startsWith":"B"}}]},{"not":{"employees":{"gt":20}}}]}`, []string{"Acme"}},
	}
	checkFiltered(t, f.h, `query($f: CompanyFilterInput) { companies(filter: $f) { totalCount edges { node { name } } } }`, companies, "companies")

	people := []filterCase{
		{"fullName firstName eq", `{"name":{"firstName":{"eq":"Ada"}}}`, []string{"Ada"}},
		{"fullName lastName ilike", `{"name":{"lastName":{"ilike":"%OP%"}}}`, []string{"Grace"}},
		{"emails primaryEmail like", `{"emails":{"primaryEmail":{"like":"%@acme.com"}}}`, []string{"Ada", "Alan"}},
		{"emails additionalEmails like", `{"emails":{"additionalEmails":{"like":"%bletchley%"}}}`, []string{"Alan"}},
		{"relation join column eq", `{"companyId":{"eq":"` + f.acme + `"}}`, []string{"Ada", "Alan"}},
		{"relation join column is NULL", `{"companyId":{"is":"NULL"}}`, []string{"Linus"}},
		{"relation through target", `{"company":{"name":{"eq":"Beta"}}}`, []string{"Grace"}},
		{"text is NULL (empty counts)", `{"city":{"is":"NULL"}}`, []string{"Grace", "Linus"}},
		{"startsWith jobTitle", `{"jobTitle":{"startsWith":"Math"}}`, []string{"Alan"}},
	}
	checkFiltered(t, f.h, `query($f: PersonFilterInput) { people(filter: $f) { edges { node { name { firstName } } } } }`, people, "people", "name", "firstName")

	opps := []filterCase{
		{"select eq", `{"stage":{"eq":"NEW"}}`, []string{"Deal1"}},
		{"select neq", `{"stage":{"neq":"NEW"}}`, []string{"Deal2", "Deal3"}},
		{"select in", `{"stage":{"in":["MEETING","CUSTOMER"]}}`, []string{"Deal2", "Deal3"}},
		{"date-time gt", `{"closeDate":{"gt":"2025-02-01T00:00:00Z"}}`, []string{"Deal2"}},
		{"date-time eq (normalised)", `{"closeDate":{"eq":"2025-01-10T00:00:00.000Z"}}`, []string{"Deal1"}},
		{"date-time is NULL", `{"closeDate":{"is":"NULL"}}`, []string{"Deal3"}},
		{"currency gte", `{"amount":{"amountMicros":{"gte":5000}}}`, []string{"Deal2"}},
		{"uuid relation", `{"pointOfContactId":{"eq":"` + f.ada + `"}}`, []string{"Deal1"}},
	}
	checkFiltered(t, f.h, `query($f: OpportunityFilterInput) { opportunities(filter: $f) { edges { node { name } } } }`, opps, "opportunities")

	// A literal filter (not a variable) works the same.
	r := ok(t, gql(t, f.h, `{ opportunities(filter: {stage: {in: [MEETING]}}) { edges { node { name stage } } } }`, nil))
	eq(t, "literal enum filter", names(dig(r.Data, "opportunities")), []string{"Deal2"})
	eq(t, "enum output", str(r.Data, "opportunities", "edges", 0, "node", "stage"), "MEETING")
}

func TestOrderByEveryDirection(t *testing.T) {
	f := seed(t)
	cases := []struct {
		order string
		want  []string
	}{
		{`[{employees: AscNullsFirst}]`, []string{"Gamma", "epsilon", "Acme", "Beta", "Delta"}},
		{`[{employees: AscNullsLast}]`, []string{"epsilon", "Acme", "Beta", "Delta", "Gamma"}},
		{`[{employees: DescNullsFirst}]`, []string{"Gamma", "Delta", "Beta", "Acme", "epsilon"}},
		{`[{employees: DescNullsLast}]`, []string{"Delta", "Beta", "Acme", "epsilon", "Gamma"}},
		{`{employees: DescNullsLast}`, []string{"Delta", "Beta", "Acme", "epsilon", "Gamma"}},
		{`[{domainName: {primaryLinkUrl: AscNullsLast}}]`, []string{"Acme", "Beta", "Delta", "epsilon", "Gamma"}},
		{`[{domainName: {primaryLinkUrl: DescNullsFirst}}]`, []string{"Gamma", "epsilon", "Delta", "Beta", "Acme"}},
		{`[{idealCustomerProfile: DescNullsLast}, {name: AscNullsFirst}]`, []string{"Acme", "Delta", "Beta", "Gamma", "epsilon"}},
		{`[{name: DescNullsLast}]`, []string{"epsilon", "Gamma", "Delta", "Beta", "Acme"}},
		{`[]`, []string{"Acme", "Beta", "Gamma", "Delta", "epsilon"}}, // default: position (creation order)
	}
	for _, c := range cases {
		r := ok(t, gql(t, f.h, `{ companies(orderBy: `+c.order+`) { edges { node { name } } } }`, nil))
		eq(t, c.order, names(dig(r.Data, "companies")), c.want)
	}
	r := ok(t, gql(t, f.h, `{ people(orderBy: [{name: {lastName: DescNullsLast}}]) { edges { node { name { firstName } } } } }`, nil))
	eq(t, "person by lastName desc", names(dig(r.Data, "people"), "name", "firstName"), []string{"Alan", "Ada", "Grace", "Linus"})
}

func TestPaginationForwardAndBackward(t *testing.T) {
	h := native.MustNew(t)
	var all []string
	for i := 1; i <= 7; i++ {
		all = append(all, fmt.Sprintf("C%d", i))
		ok(t, gql(t, h, `mutation($n: String) { createCompany(data: {name: $n}) { id } }`, map[string]any{"n": fmt.Sprintf("C%d", i)}))
	}
	const page = `query($first: Int, $last: Int, $after: String, $before: String, $order: [CompanyOrderByInput]) {
	  companies(first: $first, last: $last, after: $after, before: $before, orderBy: $order) {
	    totalCount edges { cursor node { name } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`
	type pg struct {
		names      []string
		next, prev bool
		start, end string
	}
	get := func(vars map[string]any) pg {
		r := ok(t, gql(t, h, page, vars))
		c := dig(r.Data, "companies")
		eq(t, "totalCount is the whole set", dig(c, "totalCount"), 7.0)
		p := pg{names: names(c), next: dig(c, "pageInfo", "hasNextPage").(bool), prev: dig(c, "pageInfo", "hasPreviousPage").(bool),
			start: str(c, "pageInfo", "startCursor"), end: str(c, "pageInfo", "endCursor")}
		if edges := dig(c, "edges").([]any); len(edges) > 0 && (str(edges, 0, "cursor") != p.start || str(edges, len(edges)-1, "cursor") != p.end) {
			t.Errorf("pageInfo cursors do not match the edges: %v", c)
		}
		return p
	}
	// Forward, three at a time.
	p1 := get(map[string]any{"first": 3})
	eq(t, "page 1", p1.names, []string{"C1", "C2", "C3"})
	eq(t, "page 1 flags", []bool{p1.next, p1.prev}, []bool{true, false})
	p2 := get(map[string]any{"first": 3, "after": p1.end})
	eq(t, "page 2", p2.names, []string{"C4", "C5", "C6"})
	eq(t, "page 2 flags", []bool{p2.next, p2.prev}, []bool{true, true})
	p3 := get(map[string]any{"first": 3, "after": p2.end})
	eq(t, "page 3", p3.names, []string{"C7"})
	eq(t, "page 3 flags", []bool{p3.next, p3.prev}, []bool{false, true})

	// Backward, three at a time.
	b1 := get(map[string]any{"last": 3})
	eq(t, "last page", b1.names, []string{"C5", "C6", "C7"})
	eq(t, "last page flags", []bool{b1.next, b1.prev}, []bool{false, true})
	b2 := get(map[string]any{"last": 3, "before": b1.start})
	eq(t, "before last", b2.names, []string{"C2", "C3", "C4"})
	b3 := get(map[string]any{"last": 3, "before": b2.start})
	eq(t, "first page backward", b3.names, []string{"C1"})
	eq(t, "first page backward flags", []bool{b3.next, b3.prev}, []bool{true, false})

	// Walking a descending order forward visits everything once, in order.
	var walked []string
	vars := map[string]any{"first": 2, "order": []any{map[string]any{"name": "DescNullsLast"}}}
	for i := 0; i < 10; i++ {
		p := get(vars)
		walked = append(walked, p.names...)
		if !p.next {
			break
		}
		vars["after"] = p.end
	}
	eq(t, "descending walk", walked, []string{"C7", "C6", "C5", "C4", "C3", "C2", "C1"})

	// offset skips rows.
	r := ok(t, gql(t, h, `{ companies(first: 2, offset: 3) { edges { node { name } } pageInfo { hasPreviousPage } } }`, nil))
	eq(t, "offset", names(dig(r.Data, "companies")), []string{"C4", "C5"})
	eq(t, "offset hasPreviousPage", dig(r.Data, "companies", "pageInfo", "hasPreviousPage"), true)

	// A cursor that is not ours names the argument.
	r = gql(t, h, `{ companies(after: "bm9wZQ==") { totalCount } }`, nil)
	if r.code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != "after" || dig(r.Data, "companies") != nil {
		t.Errorf("bad cursor: %s", r.Raw)
	}
	_ = all
}

func TestNestedRelationsBothWays(t *testing.T) {
	f := seed(t)
	// MANY_TO_ONE: person.company (null when unset).
	r := ok(t, gql(t, f.h, `{ people(orderBy: [{name: {firstName: AscNullsFirst}}]) { edges { node { name { firstName } companyId company { id name } } } } }`, nil))
	byName := map[string]any{}
	for _, n := range nodes(dig(r.Data, "people")) {
		byName[str(n, "name", "firstName")] = dig(n, "company", "name")
	}
	eq(t, "person.company", byName, map[string]any{"Ada": "Acme", "Alan": "Acme", "Grace": "Beta", "Linus": nil})

	// ONE_TO_MANY: company.people as a connection with filter, orderBy, first.
	r = ok(t, gql(t, f.h, `{ company(filter: {name: {eq: "Acme"}}) {
	    all: people { totalCount edges { node { name { firstName } } } }
	    top: people(orderBy: [{name: {firstName: DescNullsLast}}], first: 1) { totalCount edges { node { name { firstName } } } pageInfo { hasNextPage } }
	    engineers: people(filter: {jobTitle: {eq: "Engineer"}}) { edges { node { name { firstName } company { name } } } }
	    opportunities(orderBy: [{name: AscNullsFirst}]) { edges { node { name pointOfContact { name { firstName } } } } }
	  } }`, nil))
	c := dig(r.Data, "company")
	eq(t, "all people", sorted(names(dig(c, "all"), "name", "firstName")), []string{"Ada", "Alan"})
	eq(t, "all totalCount", dig(c, "all", "totalCount"), 2.0)
	eq(t, "top person", names(dig(c, "top"), "name", "firstName"), []string{"Alan"})
	eq(t, "top totalCount counts the relation, not the page", dig(c, "top", "totalCount"), 2.0)
	eq(t, "top hasNextPage", dig(c, "top", "pageInfo", "hasNextPage"), true)
	eq(t, "filtered relation", names(dig(c, "engineers"), "name", "firstName"), []string{"Ada"})
	eq(t, "back to the company", str(dig(c, "engineers"), "edges", 0, "node", "company", "name"), "Acme")
	eq(t, "opportunities", names(dig(c, "opportunities")), []string{"Deal1", "Deal3"})
	eq(t, "two levels down", str(dig(c, "opportunities"), "edges", 0, "node", "pointOfContact", "name", "firstName"), "Ada")

	// Soft-deleted records leave the relation; they come back when the
	// root filter names deletedAt.
	ok(t, gql(t, f.h, `mutation { deletePerson(id: "`+f.alan+`") { id } }`, nil))
	r = ok(t, gql(t, f.h, `{ company(filter: {id: {eq: "`+f.acme+`"}}) { people { totalCount } } }`, nil))
	eq(t, "deleted person hidden", dig(r.Data, "company", "people", "totalCount"), 1.0)
	r = ok(t, gql(t, f.h, `{ companies(filter: {id: {eq: "`+f.acme+`"}, deletedAt: {is: NULL}}) { edges { node { people { totalCount } } } } }`, nil))
	eq(t, "withDeleted relation", dig(r.Data, "companies", "edges", 0, "node", "people", "totalCount"), 2.0)
}

func TestUpdateOneManyAndExpectedVersion(t *testing.T) {
	f := seed(t)
	r := ok(t, gql(t, f.h, `mutation { updateCompany(id: "`+f.acme+`", data: {employees: 11}) { name employees _version domainName { primaryLinkUrl } } }`, nil))
	u := dig(r.Data, "updateCompany")
	eq(t, "updated field", dig(u, "employees"), 11.0)
	eq(t, "other fields kept", str(u, "name"), "Acme")
	eq(t, "composite kept", str(u, "domainName", "primaryLinkUrl"), "acme.com")
	eq(t, "version", dig(u, "_version"), 2.0)

	// A partial composite update changes only the parts it names.
	r = ok(t, gql(t, f.h, `mutation { updateCompany(id: "`+f.acme+`", data: {annualRecurringRevenue: {currencyCode: "EUR"}}) { annualRecurringRevenue { amountMicros currencyCode } } }`, nil))
	eq(t, "partial composite", dig(r.Data, "updateCompany", "annualRecurringRevenue"), map[string]any{"amountMicros": 5e9, "currencyCode": "EUR"})

	before := head(t, f.h)
	r = gql(t, f.h, `mutation { updateCompany(id: "`+f.acme+`", data: {name: "Stale"}, expectedVersion: 1) { name } }`, nil)
	if r.Status != 409 || r.code() != "CONFLICT" || r.Data != nil {
		t.Errorf("stale expectedVersion: %d %s", r.Status, r.Raw)
	}
	if head(t, f.h) != before {
		t.Error("a conflict appended an event")
	}
	r = ok(t, gql(t, f.h, `mutation { updateCompany(id: "`+f.acme+`", data: {name: "Fresh"}, expectedVersion: 3) { name _version } }`, nil))
	eq(t, "current expectedVersion", dig(r.Data, "updateCompany"), map[string]any{"name": "Fresh", "_version": 4.0})

	r = ok(t, gql(t, f.h, `mutation { updateCompanies(filter: {idealCustomerProfile: {eq: true}}, data: {employees: 999}) { name employees } }`, nil))
	eq(t, "updateMany", sorted(names(map[string]any{"edges": wrapNodes(dig(r.Data, "updateCompanies"))})), []string{"Delta", "Fresh"})
	r = ok(t, gql(t, f.h, `{ companies(filter: {employees: {eq: 999}}) { totalCount } }`, nil))
	eq(t, "updateMany persisted", dig(r.Data, "companies", "totalCount"), 2.0)

	// Domain validation names the field and rule; a missing record is 404.
	r = gql(t, f.h, `mutation { updateCompany(id: "`+f.acme+`", data: {domainName: {primaryLinkUrl: "not a url"}}) { id } }`, nil)
	if r.Status != 400 || r.code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != "domainName" || r.Errors[0].Extensions["rule"] != "url" {
		t.Errorf("invalid url: %d %s", r.Status, r.Raw)
	}
	r = gql(t, f.h, `mutation { updateCompany(id: "0190aaaa-0000-7000-8000-00000000dead", data: {name: "x"}) { id } }`, nil)
	if r.Status != 404 || r.code() != "NOT_FOUND" {
		t.Errorf("missing record: %d %s", r.Status, r.Raw)
	}
}

// wrapNodes turns a list of records into connection edges (for names()).
func wrapNodes(v any) []any {
	var out []any
	for _, n := range v.([]any) {
		out = append(out, map[string]any{"node": n})
	}
	return out
}

func TestSoftDeleteFindDeletedRestoreDestroy(t *testing.T) {
	f := seed(t)
	byID := `query($id: UUID) { company(filter: {id: {eq: $id}}) { name deletedAt } }`
	deletedByID := `query($id: UUID) { company(filter: {id: {eq: $id}, deletedAt: {is: NOT_NULL}}) { name deletedAt } }`

	r := ok(t, gql(t, f.h, `mutation { deleteCompany(id: "`+f.gamma+`") { id name deletedAt } }`, nil))
	if str(r.Data, "deleteCompany", "deletedAt") == "" {
		t.Fatalf("deleteCompany did not set deletedAt: %s", r.Raw)
	}
	r = ok(t, gql(t, f.h, byID, map[string]any{"id": f.gamma}))
	if dig(r.Data, "company") != nil {
		t.Errorf("findOne returned a soft-deleted record: %s", r.Raw)
	}
	r = ok(t, gql(t, f.h, `{ companies { totalCount } }`, nil))
	eq(t, "findMany hides deleted", dig(r.Data, "companies", "totalCount"), 4.0)
	r = ok(t, gql(t, f.h, deletedByID, map[string]any{"id": f.gamma}))
	eq(t, "found via deletedAt filter", str(r.Data, "company", "name"), "Gamma")
	r = ok(t, gql(t, f.h, `{ companies(filter: {deletedAt: {is: NOT_NULL}}) { edges { node { name } } } }`, nil))
	eq(t, "list deleted", names(dig(r.Data, "companies")), []string{"Gamma"})

	r = ok(t, gql(t, f.h, `mutation { restoreCompany(id: "`+f.gamma+`") { name deletedAt } }`, nil))
	eq(t, "restored", dig(r.Data, "restoreCompany"), map[string]any{"name": "Gamma", "deletedAt": nil})

	r = ok(t, gql(t, f.h, `mutation { deleteCompanies(filter: {name: {in: ["Gamma", "Delta"]}}) { name deletedAt } }`, nil))
	if l := dig(r.Data, "deleteCompanies").([]any); len(l) != 2 || str(l, 0, "deletedAt") == "" || str(l, 1, "deletedAt") == "" {
		t.Errorf("deleteMany: %s", r.Raw)
	}
	r = ok(t, gql(t, f.h, `mutation { restoreCompanies(filter: {name: {eq: "Delta"}}) { name deletedAt } }`, nil))
	eq(t, "restoreMany", dig(r.Data, "restoreCompanies"), []any{map[string]any{"name": "Delta", "deletedAt": nil}})

	// destroyOne hard-deletes (a soft-deleted record too) and returns the record as it was.
	r = ok(t, gql(t, f.h, `mutation { destroyCompany(id: "`+f.gamma+`") { id name } }`, nil))
	eq(t, "destroyOne returns the record", str(r.Data, "destroyCompany", "name"), "Gamma")
	r = ok(t, gql(t, f.h, deletedByID, map[string]any{"id": f.gamma}))
	if dig(r.Data, "company") != nil {
		t.Errorf("destroyed record still found: %s", r.Raw)
	}
	r = ok(t, gql(t, f.h, `mutation { destroyCompanies(filter: {name: {in: ["epsilon", "Delta"]}}) { name } }`, nil))
	eq(t, "destroyMany", sorted(names(map[string]any{"edges": wrapNodes(dig(r.Data, "destroyCompanies"))})), []string{"Delta", "epsilon"})
	r = ok(t, gql(t, f.h, `{ companies(filter: {or: [{deletedAt: {is: NULL}}, {deletedAt: {is: NOT_NULL}}]}) { edges { node { name } } } }`, nil))
	eq(t, "left after destroy", sorted(names(dig(r.Data, "companies"))), []string{"Acme", "Beta"})

	r = gql(t, f.h, `mutation { destroyCompany(id: "`+f.gamma+`") { id } }`, nil)
	if r.Status != 404 || r.code() != "NOT_FOUND" {
		t.Errorf("destroying a destroyed record: %d %s", r.Status, r.Raw)
	}
}

func TestPositionFirstAndLast(t *testing.T) {
	f := seed(t)
	ok(t, gql(t, f.h, `mutation { a: createCompany(data: {name: "Top", position: "first"}) { id } b: createCompany(data: {name: "Bottom", position: "last"}) { id } }`, nil))
	ok(t, gql(t, f.h, `mutation { updateCompany(id: "`+f.beta+`", data: {position: "first"}) { id } }`, nil))
	r := ok(t, gql(t, f.h, `{ companies { edges { node { name } } } }`, nil))
	eq(t, "order by position", names(dig(r.Data, "companies")), []string{"Beta", "Top", "Acme", "Gamma", "Delta", "epsilon", "Bottom"})
}

type filterCase struct {
	name, filter string
	want         []string
}

// checkFiltered runs query with each case's filter as $f and compares the
// names found at path (under the connection conn) with the case's, and
// totalCount when the query selects it.
func checkFiltered(t *testing.T, h *native.Host, query string, cases []filterCase, conn string, path ...any) {
	t.Helper()
	for _, c := range cases {
		r := gql(t, h, query, map[string]any{"f": mustJSON(t, c.filter)})
		if r.Status != 200 || len(r.Errors) > 0 {
			t.Errorf("%s: %s", c.name, r.Raw)
			continue
		}
		got := sorted(names(dig(r.Data, conn), path...))
		if len(got) == 0 {
			got = nil
		}
		eq(t, c.name, got, c.want)
		if total := dig(r.Data, conn, "totalCount"); total != nil {
			eq(t, c.name+" totalCount", total, float64(len(c.want)))
		}
	}
}

// TestListRelationsAnswerAsPerParent: the ONE_TO_MANY connections of a
// list of records, loaded for all parents in one query (prefetchRelated),
// answer as each parent's own query does: page size, order, filter,
// hasNextPage, cursors, totalCount, soft-deleted records left out (and
// kept when the root filter names deletedAt).
func TestListRelationsAnswerAsPerParent(t *testing.T) {
	f := seed(t)
	ok(t, gql(t, f.h, `mutation { createPeople(data: [{name: {firstName: "Zed"}, companyId: "`+f.acme+`"}, {name: {firstName: "Yan"}, companyId: "`+f.acme+`"}]) { id } }`, nil))
	ok(t, gql(t, f.h, `mutation { deletePerson(id: "`+f.alan+`") { id } }`, nil))
	conns := `top: people(orderBy: [{name: {firstName: DescNullsLast}}], first: 2) { totalCount edges { cursor node { id name { firstName } } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } }
	  eng: people(filter: {jobTitle: {eq: "Engineer"}}) { edges { node { id } } }
	  opportunities { edges { node { name } } }
	  bottom: people(orderBy: [{name: {firstName: AscNullsFirst}}], last: 2) { edges { node { id } } pageInfo { hasPreviousPage startCursor } }`
	for _, rootFilter := range []string{`{}`, `{deletedAt: {is: NULL}}`} {
		list := ok(t, gql(t, f.h, `{ companies(filter: `+rootFilter+`, orderBy: [{name: AscNullsFirst}]) { edges { node { id `+conns+` } } } }`, nil))
		parents := nodes(dig(list.Data, "companies"))
		if len(parents) < 2 {
			t.Fatalf("%d companies", len(parents))
		}
		for _, p := range parents {
			id := str(p, "id")
			filter := `{id: {eq: "` + id + `"}}`
			if rootFilter != `{}` {
				filter = `{id: {eq: "` + id + `"}, deletedAt: {is: NULL}}`
			}
			one := ok(t, gql(t, f.h, `{ company(filter: `+filter+`) { id `+conns+` } }`, nil)) // one record: no list, no prefetch
			eq(t, "company "+str(p, "id")+" under "+rootFilter, jsonStr(p), jsonStr(dig(one.Data, "company")))
		}
	}
	// Colleagues share their company's rows: each reads them in order.
	r := ok(t, gql(t, f.h, `{ people { edges { node { companyId company { people(orderBy: [{name: {firstName: AscNullsFirst}}], last: 2) { edges { node { id } } } } } } } }`, nil))
	seen := map[string]string{}
	for _, n := range nodes(dig(r.Data, "people")) {
		c, page := str(n, "companyId"), jsonStr(dig(n, "company", "people"))
		if c != "" && seen[c] != "" && seen[c] != page {
			t.Errorf("company %s: %s, then %s", c, seen[c], page)
		}
		seen[c] = page
	}
}
