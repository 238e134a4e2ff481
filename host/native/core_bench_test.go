package native_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"edgecrm/host"
	"edgecrm/tests/benchdata"
)

// BenchmarkLoadBatches loads the bench's dataset (scale 0.01) through the
// dispatch path in REST batches of benchdata.LoadBatch, as the bench's load
// section does, into a new workspace each iteration; events/s is the rate
// of the whole path natively (decode, decide, append, project, flush).
func BenchmarkLoadBatches(b *testing.B) {
	h, err := newHostB()
	if err != nil {
		b.Fatal(err)
	}
	d := benchdata.Generate(0.01)
	var bodies []struct{ path, body string }
	n := 0
	for _, part := range []struct {
		plural string
		recs   []map[string]any
	}{{"companies", d.Companies}, {"people", d.People}, {"opportunities", d.Opportunities}, {"notes", d.Notes}, {"tasks", d.Tasks}} {
		for i := 0; i < len(part.recs); i += benchdata.LoadBatch {
			recs := part.recs[i:min(i+benchdata.LoadBatch, len(part.recs))]
			body, _ := json.Marshal(recs)
			bodies = append(bodies, struct{ path, body string }{"/rest/batch/" + part.plural, string(body)})
			n += len(recs)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ws := fmt.Sprintf("load-%d", i)
		for _, r := range bodies {
			resp, err := h.Fetch(ws, host.Request{Method: "POST", Path: r.path, Body: r.body})
			if err != nil || resp.Status != 201 {
				b.Fatalf("%s: %v %.300s", r.path, err, resp.Body)
			}
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkCreateCompany measures one GraphQL createCompany through the
// dispatch path natively.
func BenchmarkCreateCompany(b *testing.B) {
	h, err := newHostB()
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		body := fmt.Sprintf(`{"query":"mutation($d: CompanyCreateInput!){createCompany(data:$d){id name domainName{primaryLinkUrl} employees createdAt}}","variables":{"d":{"name":"Acme %d","domainName":{"primaryLinkUrl":"https://acme%d.com"},"employees":%d,"address":{"addressCity":"Paris"}}}}`, i, i, i)
		resp, err := h.Fetch("bench", host.Request{Method: "POST", Path: "/graphql", Body: body})
		if err != nil || resp.Status != 200 || len(resp.Body) > 0 && resp.Body[2] == 'e' {
			b.Fatalf("%v %.300s", err, resp.Body)
		}
	}
}

// BenchmarkReadCompany measures one GraphQL company by id through the
// dispatch path natively.
func BenchmarkReadCompany(b *testing.B) {
	h, err := newHostB()
	if err != nil {
		b.Fatal(err)
	}
	resp, err := h.Fetch("bench", host.Request{Method: "POST", Path: "/rest/companies", Body: `{"name":"Acme","domainName":{"primaryLinkUrl":"https://acme.com"},"employees":5}`})
	if err != nil || resp.Status != 201 {
		b.Fatalf("%v %.300s", err, resp.Body)
	}
	var created struct {
		Data struct {
			CreateCompany struct{ ID string } `json:"createCompany"`
		}
	}
	if err := json.Unmarshal([]byte(resp.Body), &created); err != nil || created.Data.CreateCompany.ID == "" {
		b.Fatalf("%v %.300s", err, resp.Body)
	}
	body := fmt.Sprintf(`{"query":"query($id: UUID!){company(filter:{id:{eq:$id}}){id name domainName{primaryLinkUrl} employees createdAt}}","variables":{"id":%q}}`, created.Data.CreateCompany.ID)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		resp, err := h.Fetch("bench", host.Request{Method: "POST", Path: "/graphql", Body: body})
		if err != nil || resp.Status != 200 || len(resp.Body) > 0 && resp.Body[2] == 'e' {
			b.Fatalf("%v %.300s", err, resp.Body)
		}
	}
}
