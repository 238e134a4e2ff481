package query

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"reflect"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"edgecrm/domain"
	"edgecrm/sqldb"
)

// Fuzz tests for every client input this package parses: GraphQL filters
// (JSON), the REST filter grammar, orderBy (REST and GraphQL), cursors and
// LIKE patterns (search text: search_fuzz_test.go). The properties: no
// panic; every error is a client *Error (a 400); every statement fits
// MaxParams and runs on SQLite; the Matcher agrees with the SQL and its work
// is bounded. Seeds are the tables of the other tests; testdata/fuzz holds
// the committed corpus. Run one with e.g.
//
//	go test ./projections/query -run '^$' -fuzz '^FuzzGraphQLFilter$' -fuzztime 60s

// isClientError fails t unless err is a 400 *Error.
func isClientError(t *testing.T, what string, err error) {
	t.Helper()
	var qe *Error
	if !errors.As(err, &qe) {
		t.Fatalf("%s: not a client error: %T %v", what, err, err)
	}
	if qe.Message == "" || len(qe.Message) > 1000 {
		t.Fatalf("%s: message of %d bytes", what, len(qe.Message))
	}
}

// stepBound bounds the Matcher's work on row for tree: one step per node,
// and per LIKE (len(s)+1)·(len(pattern)+2) for each string it may scan.
func stepBound(n *fnode, row map[string]any, tables map[string][]map[string]any) int {
	if n == nil {
		return 0
	}
	longest, elems := 0, 1
	for _, v := range row {
		if s, ok := v.(string); ok {
			longest = max(longest, len(s))
			elems = max(elems, len(s))
		}
	}
	b := 1
	for _, k := range n.kids {
		b += stepBound(k, row, tables)
	}
	if n.cond != nil && (n.cond.op == "like" || n.cond.op == "ilike" || n.cond.op == "containsIlike") {
		b += elems * (longest + 1) * (len(n.cond.pat.toks) + 2)
	}
	if n.rel != nil {
		for _, tr := range tables[n.rel.target.NameSingular] {
			b = max(b, 1+stepBound(n.rel.where, tr, tables))
		}
	}
	return b
}

// checkFilter runs filter through Compile, Where and NewMatcher on obj:
// they accept and refuse alike, accepted statements fit and run, and (for
// company, which has no relation filters) the Matcher selects what the SQL
// selects within its step bound.
func checkFilter(t *testing.T, f *fixture, tables map[string][]map[string]any, obj *domain.Object, filter map[string]any) {
	t.Helper()
	p, cerr := Compile(f.schema, obj, obj.NameSingular, filter, nil, Page{First: ip(100)})
	w, args, werr := Where(f.schema, obj, obj.NameSingular, filter)
	m, merr := NewMatcher(f.schema, obj, filter)
	if werr != nil {
		isClientError(t, "Where", werr)
		if merr == nil || merr.Error() != werr.Error() {
			t.Fatalf("Where: %v, NewMatcher: %v", werr, merr)
		}
		if cerr == nil && !strings.Contains(werr.Error(), "bound parameters") {
			t.Fatalf("Where refuses (%v), Compile accepts", werr)
		}
		if cerr != nil {
			isClientError(t, "Compile", cerr)
		}
		return
	}
	if cerr != nil || merr != nil {
		t.Fatalf("Where accepts; Compile: %v, NewMatcher: %v", cerr, merr)
	}
	checkStatement(t, p.Select.SQL, p.Select.Args, MaxParams)
	checkStatement(t, p.Count.SQL, p.Count.Args, MaxParams)
	checkStatement(t, w, args, MaxParams-WhereReserve)
	if _, err := p.Select.Rows(f.db); err != nil {
		t.Fatalf("select %s: %v", p.Select.SQL, err)
	}
	if _, err := f.db.Exec(p.Count.SQL, p.Count.Args...); err != nil {
		t.Fatalf("count %s: %v", p.Count.SQL, err)
	}
	q := `SELECT id FROM ` + quote(obj.NameSingular)
	if w != "" {
		q += " WHERE " + w
	}
	rows, err := f.db.Exec(q+" ORDER BY id", args...)
	if err != nil {
		t.Fatalf("where %s: %v", w, err)
	}
	var want []string
	for _, r := range rows.Values {
		want = append(want, sqldb.AsString(r[0]))
	}
	var got []string
	lookup := lookupFrom(t, tables)
	for _, r := range tables[obj.NameSingular] {
		ok, steps, err := m.match(r, lookup)
		if err != nil {
			t.Fatalf("match: %v", err)
		}
		if bound := stepBound(m.root, r, tables); steps > bound {
			t.Fatalf("matcher took %d steps on %v, bound %d", steps, r["id"], bound)
		}
		if ok {
			got = append(got, sqldb.AsString(r["id"]))
		}
	}
	sort.Strings(got)
	if obj == f.company && strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("matcher %v, SQL %v (where %s %v)", got, want, w, args)
	}
	// The same rows in id order: a bounded walk of the primary key (and
	// its probe) wherever no condition seeks an index.
	byID, err := Compile(f.schema, obj, obj.NameSingular, filter, []map[string]any{{"id": "AscNullsFirst"}}, Page{})
	if err != nil {
		t.Fatalf("Compile in id order: %v", err)
	}
	checkStatement(t, byID.Select.SQL, byID.Select.Args, MaxParams)
	page, err := byID.Select.Rows(f.db)
	if err != nil {
		t.Fatalf("select in id order %s: %v", byID.Select.SQL, err)
	}
	var inOrder []string
	for _, r := range page.Maps() {
		inOrder = append(inOrder, sqldb.AsString(r["id"]))
	}
	if strings.Join(inOrder, " ") != strings.Join(want, " ") {
		t.Fatalf("in id order %v, where %v (%s)", inOrder, want, byID.Select.SQL)
	}
}

func FuzzGraphQLFilter(f *testing.F) {
	for _, s := range append(append([]string{}, matcherCompanyFilters...), matcherPersonFilters...) {
		f.Add(s)
	}
	fx := newFixture(f)
	tables := fx.tables(f)
	f.Fuzz(func(t *testing.T, in string) {
		var filter map[string]any
		if json.Unmarshal([]byte(in), &filter) != nil {
			return
		}
		checkFilter(t, fx, tables, fx.company, filter)
		checkFilter(t, fx, tables, fx.person, filter)
	})
}

func FuzzRESTFilter(f *testing.F) {
	for _, s := range []string{
		`name[eq]:"Acme"`, `and(employees[gte]:7,not(name[ilike]:"%a%"))`, `annualRecurringRevenue.amountMicros[gt]:0`,
		`idealCustomerProfile[eq]:true,position[lte]:2`, `tags[containsAny]:["A","C"]`, `employees[in]:[5,20]`, `name[is]:NULL`,
		`deletedAt[is]:NOT_NULL`, `foundedAt[gte]:2021-01-01T00:00:00Z`, `phones.primaryPhoneNumber[eq]:"123"`,
		`or(companyId[eq]:c03,name.lastName[startsWith]:"Sm")`, `name[eq]:"say \"hi\", ok"`, `name[eq]:Acme (US)`,
		`name[like]:"100\%"`, `tags[containsAny]:[]`, `aliases[containsIlike]:"%ACME%"`, `company.name[eq]:Acme`,
		`not(not(not(employees[gt]:1)))`, `name[eq]:'val,ue'`, `and(a[eq]:1`, `name[in]:["a" "b"]`,
	} {
		f.Add(s)
	}
	fx := newFixture(f)
	tables := fx.tables(f)
	f.Fuzz(func(t *testing.T, in string) {
		filter, err := ParseRESTFilter(in)
		if err != nil {
			isClientError(t, "ParseRESTFilter", err)
			return
		}
		checkFilter(t, fx, tables, fx.company, filter)
		checkFilter(t, fx, tables, fx.person, filter)
	})
}

// checkOrder compiles orderBy for company: a client error, or an order
// whose pages (3 rows at a time, forward and backward, by cursor) put
// together give the single-page result.
func checkOrder(t *testing.T, f *fixture, orderBy []map[string]any) {
	t.Helper()
	page := func(pg Page) ([]string, PageInfo) {
		p, err := Compile(f.schema, f.company, "company", nil, orderBy, pg)
		if err != nil {
			t.Fatalf("compile %+v: %v", pg, err)
		}
		checkStatement(t, p.Select.SQL, p.Select.Args, MaxParams)
		rows, err := p.Select.Rows(f.db)
		if err != nil {
			t.Fatalf("select %s: %v", p.Select.SQL, err)
		}
		edges, info, err := p.Edges(rows.Maps())
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, e := range edges {
			ids = append(ids, sqldb.AsString(e.Node["id"]))
		}
		return ids, info
	}
	if _, err := Compile(f.schema, f.company, "company", nil, orderBy, Page{}); err != nil {
		isClientError(t, "Compile", err)
		return
	}
	all, _ := page(Page{First: ip(100)})
	var fwd, back []string
	var info PageInfo
	for i := 0; i == 0 || info.HasNextPage; i++ {
		if i > len(all) {
			t.Fatal("forward pagination does not end")
		}
		var ids []string
		ids, info = page(Page{First: ip(3), After: info.EndCursor})
		fwd = append(fwd, ids...)
	}
	info = PageInfo{}
	for i := 0; i == 0 || info.HasPreviousPage; i++ {
		if i > len(all) {
			t.Fatal("backward pagination does not end")
		}
		var ids []string
		ids, info = page(Page{Last: ip(3), Before: info.StartCursor})
		back = append(ids, back...)
	}
	if !reflect.DeepEqual(fwd, all) || !reflect.DeepEqual(back, all) {
		t.Fatalf("pages forward %v, backward %v, one page %v", fwd, back, all)
	}
}

var orderSeeds = []string{
	`position[DescNullsLast],name[AscNullsLast]`, `employees`, `annualRecurringRevenue.amountMicros[DescNullsFirst]`,
	`employees[DescNullsFirst],name[AscNullsLast]`, `idealCustomerProfile[AscNullsLast],position[DescNullsFirst]`,
	`tags[DescNullsLast],employees,id[DescNullsLast]`, `name[AscNullsFirst`, `name[Up]`, `a..b`, `,,`,
}

func FuzzRESTOrderBy(f *testing.F) {
	for _, s := range orderSeeds {
		f.Add(s)
	}
	fx := newFixture(f)
	f.Fuzz(func(t *testing.T, in string) {
		orderBy, err := ParseRESTOrderBy(in)
		if err != nil {
			isClientError(t, "ParseRESTOrderBy", err)
			return
		}
		checkOrder(t, fx, orderBy)
	})
}

func FuzzGraphQLOrderBy(f *testing.F) {
	for _, s := range orderCases {
		f.Add(s)
	}
	f.Add(`[{"annualRecurringRevenue":{"currencyCode":"AscNullsLast","amountMicros":"DescNullsFirst"}}]`)
	f.Add(`[{"name":"AscNullsFirst","employees":"AscNullsLast"}]`)
	f.Add(`[{},{"id":"DescNullsFirst"}]`)
	fx := newFixture(f)
	f.Fuzz(func(t *testing.T, in string) {
		var orderBy []map[string]any
		if json.Unmarshal([]byte(in), &orderBy) != nil {
			return
		}
		checkOrder(t, fx, orderBy)
	})
}

func FuzzCursor(f *testing.F) {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	for _, s := range []string{
		b64(`{"position":1,"id":"c01"}`), b64(`{"position":null,"id":"c01"}`), b64(`{"position":"one","id":"c01"}`),
		b64(`{"position":1e400,"id":"c01"}`), b64(`{"position":1,"id":"c01","employees":true}`), b64(`[1]`), "!!", "",
		base64.RawURLEncoding.EncodeToString([]byte(`{"position":1.5,"id":"c01","extra":true}`)),
	} {
		f.Add(s, uint8(0))
	}
	orders := []string{``, `[{"employees":"DescNullsFirst"},{"name":"AscNullsLast"}]`, `[{"idealCustomerProfile":"AscNullsLast"}]`}
	fx := newFixture(f)
	f.Fuzz(func(t *testing.T, cursor string, which uint8) {
		order := mustOrder(t, orders[int(which)%len(orders)])
		for _, pg := range []Page{{After: cursor}, {Before: cursor}, {After: cursor, Before: cursor, Last: ip(2)}} {
			p, err := Compile(fx.schema, fx.company, "company", nil, order, pg)
			if err != nil {
				isClientError(t, "Compile", err)
				continue
			}
			checkStatement(t, p.Select.SQL, p.Select.Args, MaxParams)
			rows, err := p.Select.Rows(fx.db)
			if err != nil {
				t.Fatalf("select %s %v: %v", p.Select.SQL, p.Select.Args, err)
			}
			if _, _, err := p.Edges(rows.Maps()); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// The LIKE matcher agrees with SQLite and stays within its step bound.
func FuzzLike(f *testing.F) {
	for _, c := range [][2]string{
		{"a%c", "abbbc"}, {"_", "é"}, {"a\\%", "a%"}, {"a\\", "a\\"}, {"%[x]%", "a[x]b"}, {"%a%a%a%a%a%a%b", strings.Repeat("a", 40)},
		{"%ab%ab", "aabab"}, {"É", "é"}, {"%\\%%", "50%"},
	} {
		f.Add(c[0], c[1], false)
		f.Add(c[0], c[1], true)
	}
	db := memDB(f)
	f.Fuzz(func(t *testing.T, pattern, s string, ilike bool) {
		if len(pattern) > 100 || len(s) > 300 || strings.IndexByte(pattern, 0) >= 0 {
			return // short inputs fuzz faster; NUL is refused by the filter parser
		}
		if !utf8.ValidString(pattern) || !utf8.ValidString(s) {
			return // SQLite and Go decode invalid UTF-8 differently; stored text is valid
		}
		p := parseLike(pattern, ilike)
		got, steps := p.match(s)
		if bound := (len(s) + 1) * (len(p.toks) + 2); steps > bound {
			t.Fatalf("%d steps, bound %d", steps, bound)
		}
		if want := sqliteLike(t, db, pattern, s, ilike); got != want {
			t.Fatalf("%q ~ %q (ilike=%v): matcher %v, SQLite %v", s, pattern, ilike, got, want)
		}
	})
}
