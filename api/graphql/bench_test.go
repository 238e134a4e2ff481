package graphql_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"edgecrm/api/graphql"
	"edgecrm/durable"
	"edgecrm/sqldb/sqlitedb"
)

// BenchmarkPeopleWithCompanies reads 1,000 people with their companies
// (composites, a MANY_TO_ONE batch) in one request.
func BenchmarkPeopleWithCompanies(b *testing.B) {
	db := sqlitedb.MustOpen(b)
	w, err := durable.Open("bench", db, time.Now)
	if err != nil {
		b.Fatal(err)
	}
	serve := serveOn(b, w)
	var companies []string
	for i := 0; i < 10; i++ {
		items := make([]string, 100)
		for j := range items {
			items[j] = fmt.Sprintf(`{name: "C%d-%d", domainName: {primaryLinkUrl: "c%d-%d.com"}}`, i, j, i, j)
		}
		var out struct {
			Data struct{ CreateCompanies []struct{ ID string } }
		}
		json.Unmarshal([]byte(serve(`mutation { createCompanies(data: [`+strings.Join(items, ",")+`]) { id } }`)), &out)
		for _, c := range out.Data.CreateCompanies {
			companies = append(companies, c.ID)
		}
	}
	for i := 0; i < 10; i++ {
		items := make([]string, 100)
		for j := range items {
			items[j] = fmt.Sprintf(`{name: {firstName: "P%d", lastName: "L%d"}, emails: {primaryEmail: "p%d-%d@x.com"}, companyId: %q}`, j, i, i, j, companies[(i*100+j)%len(companies)])
		}
		serve(`mutation { createPeople(data: [` + strings.Join(items, ",") + `]) { id } }`)
	}
	q := `{ people(first: 1000) { totalCount edges { cursor node { id name { firstName lastName } emails { primaryEmail additionalEmails } city createdAt company { id name domainName { primaryLinkUrl } } } } } }`
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		serve(q)
	}
}

// BenchmarkBuildSchema is the cost of a cold (or new metadata version) schema.
func BenchmarkBuildSchema(b *testing.B) {
	s := standardSchema()
	for i := 0; i < b.N; i++ {
		if _, err := graphql.BuildSchema(s); err != nil {
			b.Fatal(err)
		}
	}
}
