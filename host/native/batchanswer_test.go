package native_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"edgecrm/host/native"
)

// A batch create answers from the rows it projected: each record as a
// read of it afterwards returns it (REST at depth 0 and 1, GraphQL with
// composites, numbers, booleans, position, actors and searchVector).
func TestBatchCreateAnswersAsRead(t *testing.T) {
	h := native.MustNew(t)
	status, m := do(t, h, "POST", "/rest/batch/companies", `[
		{"name":"Acme","employees":12,"idealCustomerProfile":true,"position":2.5,
		 "address":{"addressCity":"Paris","addressLat":48.8566,"addressLng":2.3522},
		 "annualRecurringRevenue":{"amountMicros":5000000000,"currencyCode":"EUR"},
		 "domainName":{"primaryLinkUrl":"https://acme.com","secondaryLinks":[{"url":"https://b.com","label":"b"}]}},
		{"name":"Globex","employees":0},
		{"name":"Unicode é 漢字 <b>"}]`)
	if status != 201 {
		t.Fatalf("batch: %d %v", status, m)
	}
	companies := m["data"].(map[string]any)["createCompanies"].([]any)
	for _, c := range companies {
		c := c.(map[string]any)
		if _, got := do(t, h, "GET", "/rest/companies/"+c["id"].(string), ""); !reflect.DeepEqual(record(got, "company"), c) {
			t.Fatalf("answer\n%v\nread\n%v", c, record(got, "company"))
		}
	}
	acme := companies[0].(map[string]any)["id"].(string)
	status, m = do(t, h, "POST", "/rest/batch/people?depth=1", fmt.Sprintf(`[
		{"name":{"firstName":"Ada","lastName":"L"},"companyId":%q,"emails":{"primaryEmail":"ada@x.com","additionalEmails":["a@y.com"]}},
		{"name":{"firstName":"Bob"},"city":"Lyon"}]`, acme))
	if status != 201 {
		t.Fatalf("people: %d %v", status, m)
	}
	for _, p := range m["data"].(map[string]any)["createPeople"].([]any) {
		p := p.(map[string]any)
		if _, got := do(t, h, "GET", "/rest/people/"+p["id"].(string)+"?depth=1", ""); !reflect.DeepEqual(record(got, "person"), p) {
			t.Fatalf("answer\n%v\nread\n%v", p, record(got, "person"))
		}
	}

	const sel = `id name employees idealCustomerProfile position createdAt updatedAt deletedAt searchVector
		createdBy { source name workspaceMemberId } address { addressCity addressLat addressLng }
		annualRecurringRevenue { amountMicros currencyCode } domainName { primaryLinkUrl secondaryLinks }`
	body, _ := json.Marshal(map[string]any{
		"query": `mutation($d: [CompanyCreateInput!]!) { createCompanies(data: $d) { ` + sel + ` } }`,
		"variables": map[string]any{"d": []any{
			map[string]any{"name": "Initech", "employees": 7, "address": map[string]any{"addressCity": "Austin", "addressLat": 30.27}},
			map[string]any{"name": "Hooli", "idealCustomerProfile": true, "annualRecurringRevenue": map[string]any{"amountMicros": 12, "currencyCode": "USD"}},
		}},
	})
	status, m = do(t, h, "POST", "/graphql", string(body))
	created, _ := m["data"].(map[string]any)["createCompanies"].([]any)
	if status != 200 || len(created) != 2 {
		t.Fatalf("createCompanies: %d %v", status, m)
	}
	for _, c := range created {
		c := c.(map[string]any)
		q, _ := json.Marshal(map[string]any{"query": `query($id: UUID!) { company(filter: {id: {eq: $id}}) { ` + sel + ` } }`, "variables": map[string]any{"id": c["id"]}})
		if _, got := do(t, h, "POST", "/graphql", string(q)); !reflect.DeepEqual(got["data"].(map[string]any)["company"], c) {
			t.Fatalf("answer\n%v\nread\n%v", c, got)
		}
	}
}

// A single create answers from the row it projected too (ExecuteRow), as
// a read afterwards returns the record; a value that might read back
// otherwise (a whole-number REAL in a searchable field) is read instead,
// with the same answer.
func TestSingleCreateAnswersAsRead(t *testing.T) {
	h := native.MustNew(t)
	var ids []string
	for _, body := range []string{
		`{"name":"Acme","employees":12,"idealCustomerProfile":true,"position":2.5,
		  "address":{"addressCity":"Paris","addressLat":48.8566,"addressLng":2.3522},
		  "annualRecurringRevenue":{"amountMicros":5000000000,"currencyCode":"EUR"},
		  "domainName":{"primaryLinkUrl":"https://acme.com","secondaryLinks":[{"url":"https://b.com","label":"b"}]}}`,
		`{"name":"Unicode é 漢字 <b>","employees":0,"position":"first"}`,
	} {
		status, m := do(t, h, "POST", "/rest/companies", body)
		if status != 201 {
			t.Fatalf("create: %d %v", status, m)
		}
		c := record(m, "createCompany")
		if _, got := do(t, h, "GET", "/rest/companies/"+c["id"].(string), ""); !reflect.DeepEqual(record(got, "company"), c) {
			t.Fatalf("answer\n%v\nread\n%v", c, record(got, "company"))
		}
		ids = append(ids, c["id"].(string))
	}
	status, m := do(t, h, "POST", "/rest/people?depth=1", fmt.Sprintf(`{"name":{"firstName":"Ada","lastName":"L"},"companyId":%q,"emails":{"primaryEmail":"ada@x.com","additionalEmails":["a@y.com"]}}`, ids[0]))
	if status != 201 {
		t.Fatalf("person: %d %v", status, m)
	}
	p := record(m, "createPerson")
	if p["company"].(map[string]any)["name"] != "Acme" {
		t.Fatalf("depth 1: %v", p)
	}
	if _, got := do(t, h, "GET", "/rest/people/"+p["id"].(string)+"?depth=1", ""); !reflect.DeepEqual(record(got, "person"), p) {
		t.Fatalf("answer\n%v\nread\n%v", p, record(got, "person"))
	}

	const sel = `id name employees idealCustomerProfile position createdAt updatedAt deletedAt searchVector
		createdBy { source name workspaceMemberId } address { addressCity addressLat addressLng }
		annualRecurringRevenue { amountMicros currencyCode } domainName { primaryLinkUrl secondaryLinks }`
	for _, d := range []map[string]any{
		{"name": "Initech", "employees": 7, "address": map[string]any{"addressCity": "Austin", "addressLat": 30.27}},
		{"name": "Hooli", "idealCustomerProfile": true, "position": "first", "annualRecurringRevenue": map[string]any{"amountMicros": 12, "currencyCode": "USD"}},
	} {
		body, _ := json.Marshal(map[string]any{"query": `mutation($d: CompanyCreateInput!) { createCompany(data: $d) { ` + sel + ` } }`, "variables": map[string]any{"d": d}})
		status, m := do(t, h, "POST", "/graphql", string(body))
		c, _ := m["data"].(map[string]any)["createCompany"].(map[string]any)
		if status != 200 || c == nil {
			t.Fatalf("createCompany: %d %v", status, m)
		}
		q, _ := json.Marshal(map[string]any{"query": `query($id: UUID!) { company(filter: {id: {eq: $id}}) { ` + sel + ` } }`, "variables": map[string]any{"id": c["id"]}})
		if _, got := do(t, h, "POST", "/graphql", string(q)); !reflect.DeepEqual(got["data"].(map[string]any)["company"], c) {
			t.Fatalf("answer\n%v\nread\n%v", c, got)
		}
	}
}
