package query

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden SQL files under testdata/")

func formatArgs(args []any) string {
	if len(args) == 0 {
		return "(none)\n"
	}
	var b strings.Builder
	for i, a := range args {
		fmt.Fprintf(&b, "%d: %T %#v\n", i+1, a, a)
	}
	return b.String()
}

func TestGoldenSQL(t *testing.T) {
	s := testSchema()
	company, person := s.Object("company"), s.Object("person")
	cur := func(row map[string]any, orderBy string) string {
		c := &compiler{schema: s, obj: company, table: "company"}
		if _, isPerson := row["companyId"]; isPerson {
			c.obj = person
		}
		terms, err := c.orderTerms(mustOrder(t, orderBy))
		if err != nil {
			t.Fatal(err)
		}
		cs, err := encodeCursor(terms, func(col string) (any, bool) { v, ok := row[col]; return v, ok })
		if err != nil {
			t.Fatal(err)
		}
		return cs
	}
	cases := []struct {
		name    string
		person  bool
		table   string
		filter  string
		orderBy string
		page    Page
	}{
		{name: "default"},
		{name: "d1_table_prefix", table: "w_ab12_company", filter: `{"name":{"eq":"Acme"}}`},
		{name: "eq_text", filter: `{"name":{"eq":"Acme"}}`},
		{name: "eq_empty_text", filter: `{"name":{"eq":""}}`},
		{name: "neq_number", filter: `{"employees":{"neq":10}}`},
		{name: "range_number_string", filter: `{"employees":{"gte":"5","lt":100}}`},
		{name: "in_select", filter: `{"stage":{"in":["NEW","MEETING"]}}`},
		{name: "in_empty", filter: `{"id":{"in":[]}}`},
		{name: "is_null_text", filter: `{"name":{"is":"NULL"}}`},
		{name: "is_not_null_number", filter: `{"employees":{"is":"NOT_NULL"}}`},
		{name: "like", filter: `{"name":{"like":"%Ac_e\\%*%"}}`},
		{name: "ilike", filter: `{"name":{"ilike":"%acme%"}}`},
		{name: "starts_ends_with", filter: `{"name":{"startsWith":"Ac*","endsWith":"[x]"}}`},
		{name: "boolean", filter: `{"idealCustomerProfile":{"eq":true}}`},
		{name: "date_time_normalised", filter: `{"foundedAt":{"gt":"2020-01-01T01:00:00+01:00"}}`},
		{name: "multi_select", filter: `{"tags":{"containsAny":["A","B"]}}`},
		{name: "is_empty_array", filter: `{"tags":{"isEmptyArray":true},"aliases":{"isEmptyArray":false}}`},
		{name: "array_contains_ilike", filter: `{"aliases":{"containsIlike":"%acme%"}}`},
		{name: "raw_json_like", filter: `{"properties":{"like":"%gold%"}}`},
		{name: "composite_currency", filter: `{"annualRecurringRevenue":{"amountMicros":{"gt":0},"currencyCode":{"eq":"USD"}}}`},
		{name: "composite_full_name", person: true, filter: `{"name":{"firstName":{"ilike":"%a%"}}}`},
		{name: "json_array_subfield_is_null", person: true, filter: `{"emails":{"additionalEmails":{"is":"NULL"}}}`},
		{name: "relation_id", person: true, filter: `{"companyId":{"eq":"c01"}}`},
		{name: "relation_nested", person: true, filter: `{"company":{"name":{"eq":"Acme"},"employees":{"gt":5}}}`},
		{name: "and_or_not", filter: `{"and":[{"or":[{"name":{"eq":"A"}},{"name":{"eq":"B"}}]},{"not":{"employees":{"lt":3}}}],"stage":{"eq":"NEW"}}`},
		{name: "not_compound", filter: `{"not":{"or":[{"employees":{"is":"NULL"}},{"employees":{"lt":10}}]}}`},
		{name: "soft_delete_mentioned", filter: `{"id":{"in":["a","b"]},"not":{"deletedAt":{"is":"NULL"}}}`},
		{name: "order_nulls_all_directions", orderBy: `[{"employees":"AscNullsFirst"},{"name":"AscNullsLast"},{"stage":"DescNullsFirst"},{"foundedAt":"DescNullsLast"}]`},
		{name: "order_composite", orderBy: `[{"annualRecurringRevenue":{"amountMicros":"DescNullsLast"}}]`},
		{name: "order_full_name_both_subfields", person: true, orderBy: `[{"name":{"lastName":"AscNullsFirst","firstName":"DescNullsLast"}}]`},
		{name: "order_id_given", orderBy: `[{"id":"DescNullsFirst"}]`},
		{name: "first_after", page: Page{First: ip(10), After: cur(map[string]any{"id": "c03", "position": 3.0}, "")}},
		{name: "first_after_null_position", page: Page{First: ip(10), After: cur(map[string]any{"id": "c04", "position": nil}, "")}},
		{name: "last_before", page: Page{Last: ip(5), Before: cur(map[string]any{"id": "c03", "position": 3.0}, "")}},
		{name: "after_before_mixed_directions",
			orderBy: `[{"employees":"DescNullsFirst"},{"name":"AscNullsLast"}]`,
			page: Page{
				First:  ip(3),
				After:  cur(map[string]any{"id": "c01", "employees": 10.0, "name": "Acme"}, `[{"employees":"DescNullsFirst"},{"name":"AscNullsLast"}]`),
				Before: cur(map[string]any{"id": "c08", "employees": 3.0, "name": nil}, `[{"employees":"DescNullsFirst"},{"name":"AscNullsLast"}]`),
			}},
		{name: "after_null_nulls_last", orderBy: `[{"employees":"AscNullsLast"}]`,
			page: Page{After: cur(map[string]any{"id": "c02", "employees": nil}, `[{"employees":"AscNullsLast"}]`)}},
		{name: "offset", page: Page{First: ip(20), Offset: 40}},
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if seen[tc.name] {
				t.Fatalf("duplicate case name")
			}
			seen[tc.name] = true
			obj := company
			if tc.person {
				obj = person
			}
			table := tc.table
			if table == "" {
				table = obj.NameSingular
			}
			p, err := Compile(s, obj, table, mustJSON(t, tc.filter), mustOrder(t, tc.orderBy), tc.page)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			fmt.Fprintf(&b, "-- object: %s, table: %s\n-- filter: %s\n-- orderBy: %s\n", obj.NameSingular, table, tc.filter, tc.orderBy)
			fmt.Fprintf(&b, "-- select (limit %d, reverse %v)\n%s\n-- args\n%s", p.Select.Limit, p.Select.Reverse, p.Select.SQL, formatArgs(p.Select.Args))
			fmt.Fprintf(&b, "-- count\n%s\n-- args\n%s", p.Count.SQL, formatArgs(p.Count.Args))
			got := b.String()
			path := filepath.Join("testdata", tc.name+".sql")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("SQL differs from %s (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", path, got, want)
			}
		})
	}
	// Every golden file belongs to a case (no stale files).
	files, _ := filepath.Glob(filepath.Join("testdata", "*.sql"))
	for _, f := range files {
		if name := strings.TrimSuffix(filepath.Base(f), ".sql"); !seen[name] {
			t.Errorf("stale golden file %s", f)
		}
	}
}

// Compiling the same input twice gives byte-identical SQL (map order must
// not leak into the output).
func TestCompileIsDeterministic(t *testing.T) {
	s := testSchema()
	filter := `{"stage":{"eq":"NEW"},"name":{"ilike":"%a%","neq":"b"},"or":[{"employees":{"gt":1}},{"tags":{"containsAny":["A"]}}],"annualRecurringRevenue":{"currencyCode":{"eq":"USD"},"amountMicros":{"gt":0}}}`
	first, err := Compile(s, s.Object("company"), "company", mustJSON(t, filter), nil, Page{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		p, err := Compile(s, s.Object("company"), "company", mustJSON(t, filter), nil, Page{})
		if err != nil {
			t.Fatal(err)
		}
		if p.Select.SQL != first.Select.SQL || fmt.Sprint(p.Select.Args) != fmt.Sprint(first.Select.Args) {
			t.Fatalf("nondeterministic SQL:\n%s\n%s", first.Select.SQL, p.Select.SQL)
		}
	}
}
