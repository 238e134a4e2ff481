package query

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// checkStatement fails unless a statement the compiler emitted fits the
// platform: at most max parameters, one per placeholder.
func checkStatement(t testing.TB, sql string, args []any, max int) {
	t.Helper()
	if len(args) > max {
		t.Fatalf("%d parameters (max %d): %s", len(args), max, sql)
	}
	if n := strings.Count(sql, "?"); n != len(args) {
		t.Fatalf("%d placeholders, %d arguments: %s", n, len(args), sql)
	}
}

func eqConds(n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = map[string]any{"name": map[string]any{"neq": fmt.Sprint("n", i)}}
	}
	return out
}

func nestNot(depth int) map[string]any {
	m := map[string]any{"employees": map[string]any{"gt": 1}}
	for i := 0; i < depth; i++ {
		m = map[string]any{"not": m}
	}
	return m
}

func nestRelation(depth int) map[string]any {
	// and(...) levels around one condition, the innermost through a relation.
	m := map[string]any{"company": map[string]any{"name": map[string]any{"eq": "Acme"}}}
	for i := 1; i < depth; i++ {
		m = map[string]any{"or": []any{m}}
	}
	return m
}

// Issue 9, defect 10: every statement the compiler emits carries at most
// MaxParams parameters (Where: MaxParams-WhereReserve), and one that would
// need more, or nests too deeply, is a 400 naming the limit. Each accepted
// statement runs on SQLite.
func TestStatementsStayWithinParamLimit(t *testing.T) {
	f := newFixture(t)
	ids := make([]any, 5000)
	for i := range ids {
		ids[i] = fmt.Sprintf("c%02d", i%12+1)
	}
	// 8 order fields (+ id): a cursor costs 9·10/2+1 = 46 parameters.
	order8 := `[{"employees":"DescNullsFirst"},{"name":"AscNullsLast"},{"stage":"AscNullsFirst"},{"foundedAt":"DescNullsLast"},` +
		`{"idealCustomerProfile":"AscNullsFirst"},{"createdAt":"AscNullsFirst"},{"updatedAt":"DescNullsFirst"},{"position":"AscNullsLast"}]`
	// 13 order fields (+ id): a cursor costs 14·15/2+1 = 106.
	order13 := strings.TrimSuffix(order8, "]") + `,{"tags":"AscNullsFirst"},{"aliases":"AscNullsFirst"},{"properties":"AscNullsLast"},` +
		`{"annualRecurringRevenue":{"amountMicros":"DescNullsFirst","currencyCode":"AscNullsFirst"}}]`
	cursorFor := func(order string) string {
		p, err := Compile(f.schema, f.company, "company", nil, mustOrder(t, order), Page{})
		if err != nil {
			t.Fatal(err)
		}
		c, err := p.Cursor(map[string]any{"id": "c05", "employees": 10.0, "name": "delta", "stage": "NEW", "foundedAt": "2022-02-02T02:02:02.002Z",
			"idealCustomerProfile": int64(1), "createdAt": "2022-01-01T00:00:00.000Z", "updatedAt": "2022-01-01T00:00:00.000Z", "position": 3.0,
			"tags": `["A"]`, "aliases": `["delta group"]`, "properties": `{}`,
			"annualRecurringRevenueAmountMicros": 2.5e6, "annualRecurringRevenueCurrencyCode": "USD"})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	cur8, cur13 := cursorFor(order8), cursorFor(order13)
	cases := []struct {
		name    string
		person  bool
		filter  map[string]any
		order   string
		page    Page
		refuse  string // field of the expected *Error; "" accepted everywhere
		where   string // field of Where's *Error when it differs from refuse ("ok": accepted)
		message string
	}{
		{name: "in list of 5000 ids is one parameter", filter: map[string]any{"id": map[string]any{"in": ids}}},
		{name: "containsAny of 5000 values", filter: map[string]any{"tags": map[string]any{"containsAny": ids}}},
		{name: "90 conditions", filter: map[string]any{"and": eqConds(90)}},
		{name: "95 conditions: Compile yes, Where leaves room for its caller", filter: map[string]any{"or": eqConds(95)},
			where: "filter", message: "more than the 90 it may use"},
		{name: "101 conditions", filter: map[string]any{"and": eqConds(101)}, refuse: "filter", message: "more than 100 conditions"},
		{name: "8 order fields between two cursors", order: order8, page: Page{First: ip(5), After: cur8, Before: cur8}},
		{name: "8 order fields, two cursors and a filter", filter: map[string]any{"and": eqConds(10)}, order: order8,
			page: Page{After: cur8, Before: cur8}, refuse: "orderBy", where: "ok", message: "the query needs 101 bound parameters"},
		{name: "13 order fields after a cursor", order: order13, page: Page{First: ip(5), After: cur13},
			refuse: "orderBy", where: "ok", message: "at most 100 per statement"},
		{name: "not nested 32 deep", filter: nestNot(32)},
		{name: "not nested 33 deep", filter: nestNot(33), refuse: "not", message: "more than 32 levels deep"},
		{name: "relation at depth 32", person: true, filter: nestRelation(32)},
		{name: "relation at depth 33", person: true, filter: nestRelation(33), refuse: "company", message: "more than 32 levels deep"},
		{name: "long pattern", filter: map[string]any{"name": map[string]any{"like": strings.Repeat("%", MaxPatternBytes+1)}},
			refuse: "name", message: "the maximum is 10000"},
		{name: "longest pattern", filter: map[string]any{"name": map[string]any{"like": strings.Repeat("[", MaxPatternBytes)}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj := f.company
			if tc.person {
				obj = f.person
			}
			expect := func(what string, err error, field string) bool {
				t.Helper()
				if field == "" {
					if err != nil {
						t.Fatalf("%s: %v", what, err)
					}
					return true
				}
				var qe *Error
				if !errors.As(err, &qe) || qe.Field != field || !strings.Contains(qe.Message, tc.message) {
					t.Fatalf("%s: want a 400 on %q containing %q, got %v", what, field, tc.message, err)
				}
				return false
			}
			p, err := Compile(f.schema, obj, obj.NameSingular, tc.filter, mustOrder(t, tc.order), tc.page)
			if expect("Compile", err, tc.refuse) {
				checkStatement(t, p.Select.SQL, p.Select.Args, MaxParams)
				checkStatement(t, p.Count.SQL, p.Count.Args, MaxParams)
				if _, err := p.Select.Rows(f.db); err != nil {
					t.Fatalf("select: %v", err)
				}
			}
			whereField := tc.refuse
			switch tc.where {
			case "ok":
				whereField = ""
			case "":
			default:
				whereField = tc.where
			}
			w, args, err := Where(f.schema, obj, obj.NameSingular, tc.filter)
			if expect("Where", err, whereField) {
				checkStatement(t, w, args, MaxParams-WhereReserve)
				if _, err := f.db.Exec(`SELECT count(*) FROM `+quote(obj.NameSingular)+` WHERE `+w, args...); err != nil {
					t.Fatalf("where: %v", err)
				}
			}
			m, err := NewMatcher(f.schema, obj, tc.filter)
			if expect("NewMatcher", err, whereField) {
				if _, err := m.Match(map[string]any{"id": "x", "employees": 3.0, "companyId": "c01"}, lookupFrom(t, map[string][]map[string]any{"company": companyRows()})); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// The REST grammar bounds its own nesting (its parser recurses).
func TestRESTFilterDepth(t *testing.T) {
	nest := func(n int) string {
		return strings.Repeat("not(", n) + "employees[gt]:1" + strings.Repeat(")", n)
	}
	f, err := ParseRESTFilter(nest(MaxFilterDepth))
	if err != nil {
		t.Fatal(err)
	}
	s := testSchema()
	if _, err := Compile(s, s.Object("company"), "company", f, nil, Page{}); err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{nest(MaxFilterDepth + 1), nest(100000), strings.Repeat("and(", 100000)} {
		_, err := ParseRESTFilter(in)
		var qe *Error
		if !errors.As(err, &qe) || qe.Field != "filter" || !strings.Contains(qe.Message, "more than 32 levels deep") {
			t.Errorf("%d bytes: %v", len(in), err)
		}
		if len(qe.Message) > 400 {
			t.Errorf("error message of %d bytes", len(qe.Message))
		}
	}
}

// Every golden case's statements fit too.
func TestGoldenStatementsWithinParamLimit(t *testing.T) {
	s := testSchema()
	for _, filter := range append(append([]string{}, matcherCompanyFilters...), `{"id":{"in":[]}}`) {
		var m map[string]any
		if filter != "" {
			if err := json.Unmarshal([]byte(filter), &m); err != nil {
				t.Fatal(err)
			}
		}
		p, err := Compile(s, s.Object("company"), "company", m, nil, Page{})
		if err != nil {
			t.Fatal(err)
		}
		checkStatement(t, p.Select.SQL, p.Select.Args, MaxParams)
	}
}
