package query

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"edgecrm/domain"
	"edgecrm/sqldb"
	"edgecrm/sqldb/sqlitedb"
)

// The test schema: its own company and person (independent of domain's
// placeholder standard objects), with one field of most types.

func systemFields() []*domain.Field {
	return []*domain.Field{
		{Name: "id", Type: domain.TypeUUID, IsSystem: true},
		{Name: "createdAt", Type: domain.TypeDateTime, IsSystem: true},
		{Name: "updatedAt", Type: domain.TypeDateTime, IsSystem: true},
		{Name: "deletedAt", Type: domain.TypeDateTime, IsSystem: true, IsNullable: true},
		{Name: "position", Type: domain.TypePosition, IsSystem: true},
		{Name: "createdBy", Type: domain.TypeActor, IsSystem: true},
	}
}

func testSchema() *domain.Schema {
	company := &domain.Object{NameSingular: "company", NamePlural: "companies", Fields: append(systemFields(),
		&domain.Field{Name: "name", Type: domain.TypeText, IsNullable: true},
		&domain.Field{Name: "domainName", Type: domain.TypeLinks, IsNullable: true, IsUnique: true},
		&domain.Field{Name: "employees", Type: domain.TypeNumber, IsNullable: true},
		&domain.Field{Name: "idealCustomerProfile", Type: domain.TypeBoolean, IsNullable: true},
		&domain.Field{Name: "annualRecurringRevenue", Type: domain.TypeCurrency, IsNullable: true},
		&domain.Field{Name: "tags", Type: domain.TypeMultiSelect, IsNullable: true,
			Options: []domain.SelectOption{{Value: "A"}, {Value: "B"}, {Value: "C"}}},
		&domain.Field{Name: "aliases", Type: domain.TypeArray, IsNullable: true},
		&domain.Field{Name: "properties", Type: domain.TypeRawJSON, IsNullable: true},
		&domain.Field{Name: "stage", Type: domain.TypeSelect, IsNullable: true,
			Options: []domain.SelectOption{{Value: "NEW"}, {Value: "MEETING"}, {Value: "PROPOSAL"}, {Value: "CUSTOMER"}}},
		&domain.Field{Name: "foundedAt", Type: domain.TypeDateTime, IsNullable: true},
		&domain.Field{Name: "address", Type: domain.TypeAddress, IsNullable: true},
		&domain.Field{Name: "people", Type: domain.TypeRelation, IsNullable: true,
			Relation: &domain.Relation{Type: domain.OneToMany, TargetObject: "person", TargetField: "company"}},
	)}
	person := &domain.Object{NameSingular: "person", NamePlural: "people", Fields: append(systemFields(),
		&domain.Field{Name: "name", Type: domain.TypeFullName, IsNullable: true},
		&domain.Field{Name: "emails", Type: domain.TypeEmails, IsNullable: true},
		&domain.Field{Name: "phones", Type: domain.TypePhones, IsNullable: true},
		&domain.Field{Name: "city", Type: domain.TypeText, IsNullable: true},
		&domain.Field{Name: "company", Type: domain.TypeRelation, IsNullable: true,
			Relation: &domain.Relation{Type: domain.ManyToOne, TargetObject: "company", TargetField: "people", OnDelete: domain.OnDeleteSetNull}},
	)}
	return &domain.Schema{Version: 1, Objects: []*domain.Object{company, person}}
}

type row = map[string]any

// companyRows: ties on position and employees, NULLs in most columns, one
// soft-deleted row (c09), LIKE/GLOB metacharacters in names.
func companyRows() []row {
	return []row{
		{"id": "c01", "position": 1.0, "name": "Acme", "employees": 10.0, "idealCustomerProfile": int64(1),
			"annualRecurringRevenueAmountMicros": 5e9, "annualRecurringRevenueCurrencyCode": "USD",
			"tags": `["A","B"]`, "aliases": `["acme inc","ACME"]`, "properties": `{"tier":"gold"}`, "stage": "NEW",
			"foundedAt": "2020-01-01T00:00:00.000Z", "domainNamePrimaryLinkUrl": "acme.com", "addressAddressCity": "Paris"},
		{"id": "c02", "position": 2.0, "name": "acme labs", "idealCustomerProfile": int64(0), "tags": `[]`, "stage": "NEW"},
		{"id": "c03", "position": 3.0, "name": "Beta", "employees": 5.0, "idealCustomerProfile": int64(1),
			"annualRecurringRevenueAmountMicros": 1e6, "annualRecurringRevenueCurrencyCode": "EUR",
			"tags": `["B"]`, "aliases": `["beta"]`, "properties": `{"tier":"silver"}`, "stage": "CUSTOMER",
			"foundedAt": "2021-06-15T12:30:00.000Z", "domainNamePrimaryLinkUrl": "beta.io", "addressAddressCity": "Berlin"},
		{"id": "c04", "name": "Gamma", "employees": 20.0, "idealCustomerProfile": int64(0),
			"annualRecurringRevenueAmountMicros": 0.0, "annualRecurringRevenueCurrencyCode": "USD",
			"tags": `["C"]`, "aliases": `[]`, "stage": "MEETING",
			"foundedAt": "2019-03-01T00:00:00.000Z", "domainNamePrimaryLinkUrl": "gamma.dev", "addressAddressCity": "paris"},
		{"id": "c05", "position": 3.0, "name": "delta", "employees": 10.0,
			"annualRecurringRevenueAmountMicros": 2.5e6, "annualRecurringRevenueCurrencyCode": "USD",
			"aliases": `["delta group"]`, "properties": `{"tier":"gold","x":1}`, "stage": "NEW",
			"foundedAt": "2022-02-02T02:02:02.002Z"},
		{"id": "c06", "name": "Épsilon", "employees": 7.0, "idealCustomerProfile": int64(1),
			"tags": `["A"]`, "stage": "PROPOSAL", "domainNamePrimaryLinkUrl": "epsilon.fr", "addressAddressCity": "Lyon"},
		{"id": "c07", "position": 5.0, "name": "", "idealCustomerProfile": int64(0), "addressAddressCity": ""},
		{"id": "c08", "position": 6.0, "employees": 3.0, "idealCustomerProfile": int64(0)},
		{"id": "c09", "position": 7.0, "name": "Deleted Co", "employees": 10.0, "tags": `["A"]`,
			"deletedAt": "2024-01-01T00:00:00.000Z"},
		{"id": "c10", "position": 8.0, "name": "Zeta_1%", "employees": 1.0},
		{"id": "c11", "position": 9.0, "name": "Eta*Star", "employees": 2.0},
		{"id": "c12", "position": 2.0, "name": "theta", "employees": 7.0, "idealCustomerProfile": int64(1)},
	}
}

func personRows() []row {
	return []row{
		{"id": "p1", "position": 1.0, "nameFirstName": "Ada", "nameLastName": "Lovelace", "companyId": "c01",
			"emailsPrimaryEmail": "ada@acme.com", "emailsAdditionalEmails": `["ada@x.org"]`, "phonesPrimaryPhoneNumber": "123",
			"city": "London", "createdBySource": "MANUAL", "createdByName": "Admin"},
		{"id": "p2", "position": 2.0, "nameFirstName": "Bob", "nameLastName": "Smith", "companyId": "c01",
			"emailsPrimaryEmail": "bob@acme.com", "emailsAdditionalEmails": `[]`, "phonesPrimaryPhoneNumber": "456",
			"createdBySource": "API"},
		{"id": "p3", "position": 3.0, "nameFirstName": "alan", "nameLastName": "turing", "companyId": "c03"},
		{"id": "p4", "position": 4.0, "nameFirstName": "Grace", "nameLastName": "Hopper"},
		{"id": "p5", "position": 5.0, "nameFirstName": "Gone", "nameLastName": "Away", "companyId": "c01",
			"deletedAt": "2024-02-02T00:00:00.000Z"},
		{"id": "p6", "position": 6.0, "nameFirstName": "Ada", "nameLastName": "Byron", "companyId": "c09"},
	}
}

// createTable creates obj's table the way the projector does (columns from
// obj.Columns(), id primary key, _version) plus IndexDDL.
func createTable(t testing.TB, db sqldb.DB, obj *domain.Object, table string) {
	t.Helper()
	var cols []string
	for _, c := range obj.Columns() {
		def := quote(c.Name) + " " + string(c.SQLType())
		if c.Name == "id" {
			def += " PRIMARY KEY"
		}
		cols = append(cols, def)
	}
	cols = append(cols, `"_version" INTEGER NOT NULL DEFAULT 0`)
	stmts := append([]string{fmt.Sprintf("CREATE TABLE %s (%s)", quote(table), strings.Join(cols, ", "))}, IndexDDL(obj, table)...)
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func insertRows(t testing.TB, db sqldb.DB, obj *domain.Object, table string, rows []row) {
	t.Helper()
	known := map[string]bool{}
	for _, c := range obj.Columns() {
		known[c.Name] = true
	}
	for _, r := range rows {
		var names, marks []string
		var args []any
		keys := make([]string, 0, len(r))
		for k := range r {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if !known[k] {
				t.Fatalf("fixture column %q is not a column of %s", k, obj.NameSingular)
			}
			names = append(names, quote(k))
			marks = append(marks, "?")
			args = append(args, r[k])
		}
		q := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", quote(table), strings.Join(names, ", "), strings.Join(marks, ", "))
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

type fixture struct {
	db      *sqlitedb.DB
	schema  *domain.Schema
	company *domain.Object
	person  *domain.Object
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	db := sqlitedb.MustOpen(t)
	s := testSchema()
	f := &fixture{db: db, schema: s, company: s.Object("company"), person: s.Object("person")}
	createTable(t, db, f.company, "company")
	createTable(t, db, f.person, "person")
	insertRows(t, db, f.company, "company", companyRows())
	insertRows(t, db, f.person, "person", personRows())
	return f
}

// tables returns the fixture's rows as the database returns them, by object.
func (f *fixture) tables(t testing.TB) map[string][]map[string]any {
	t.Helper()
	out := map[string][]map[string]any{}
	for _, obj := range []*domain.Object{f.company, f.person} {
		rows, err := f.db.Exec(fmt.Sprintf(`SELECT * FROM %s ORDER BY id`, quote(obj.NameSingular)))
		if err != nil {
			t.Fatal(err)
		}
		out[obj.NameSingular] = rows.Maps()
	}
	return out
}

// run compiles and executes a findMany and returns the edges' ids and pageInfo.
func (f *fixture) run(t testing.TB, obj *domain.Object, filter map[string]any, orderBy []map[string]any, page Page) ([]string, PageInfo, int64) {
	t.Helper()
	p, err := Compile(f.schema, obj, obj.NameSingular, filter, orderBy, page)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	rows, err := p.Select.Rows(f.db)
	if err != nil {
		t.Fatalf("select %s %v: %v", p.Select.SQL, p.Select.Args, err)
	}
	edges, info, err := p.Edges(rows.Maps())
	if err != nil {
		t.Fatal(err)
	}
	cnt, err := f.db.Exec(p.Count.SQL, p.Count.Args...)
	if err != nil {
		t.Fatalf("count %s: %v", p.Count.SQL, err)
	}
	ids := make([]string, len(edges))
	for i, e := range edges {
		ids[i] = sqldb.AsString(e.Node["id"])
	}
	return ids, info, cnt.Int()
}

func ip(n int) *int { return &n }
