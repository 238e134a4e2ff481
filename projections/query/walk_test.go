package query

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"edgecrm/sqldb"
	"edgecrm/sqldb/sqldbtest"
	"edgecrm/sqldb/sqlitedb"
)

// walkRow is one company of TestBoundedWalkPagesAsAScan.
type walkRow struct {
	id        string
	name      string
	employees any // int64 or nil
}

// TestBoundedWalkPagesAsAScan: pages ordered by an indexed column (employees,
// id) and filtered on an unindexed one (name) come out as the full order
// says, whether the filter matches a few rows, one row in 100 or nearly
// all, through after and before cursors and offsets; a page the walk
// fills costs one statement, a short one two.
func TestBoundedWalkPagesAsAScan(t *testing.T) {
	s := testSchema()
	company := s.Object("company")
	db := &sqldbtest.Counting{DB: sqlitedb.MustOpen(t)}
	createTable(t, db, company, "company")
	const n = 8*walkFloor + 500 // the walk reads an eighth of them
	var all []walkRow
	var rows []row
	for i := 0; i < n; i++ {
		r := walkRow{id: fmt.Sprintf("c%05d", (i*7919)%n), name: fmt.Sprintf("C%05d", i), employees: int64((i * 37) % 1000)}
		switch {
		case i%100 == 7:
			r.name = "Medium"
		case i == 11 || i == 3000 || i == n-1:
			r.name = "Rare"
		}
		if i%50 == 3 {
			r.employees = nil
		}
		all = append(all, r)
		rows = append(rows, row{"id": r.id, "name": r.name, "employees": r.employees, "position": float64(i)})
	}
	insertRows(t, db, company, "company", rows)

	type order struct {
		orderBy string
		less    func(a, b walkRow) int
	}
	emp := func(r walkRow) (int64, bool) { v, ok := r.employees.(int64); return v, ok }
	cmpEmp := func(a, b walkRow, desc, nullsFirst bool) int {
		x, xok := emp(a)
		y, yok := emp(b)
		switch {
		case xok != yok:
			if xok == nullsFirst {
				return 1
			}
			return -1
		case x != y && desc:
			return int(y - x)
		case x != y:
			return int(x - y)
		case desc:
			return strings.Compare(b.id, a.id)
		}
		return strings.Compare(a.id, b.id)
	}
	orders := []order{
		{`[{"employees":"AscNullsLast"}]`, func(a, b walkRow) int { return cmpEmp(a, b, false, false) }},
		{`[{"employees":"AscNullsFirst"}]`, func(a, b walkRow) int { return cmpEmp(a, b, false, true) }},
		{`[{"employees":"DescNullsFirst"},{"id":"DescNullsFirst"}]`, func(a, b walkRow) int { return cmpEmp(a, b, true, true) }},
		{`[{"id":"AscNullsFirst"}]`, func(a, b walkRow) int { return strings.Compare(a.id, b.id) }},
	}
	filters := []struct {
		filter string
		match  func(walkRow) bool
	}{
		{`{"name":{"eq":"Rare"}}`, func(r walkRow) bool { return r.name == "Rare" }},
		{`{"name":{"eq":"Medium"}}`, func(r walkRow) bool { return r.name == "Medium" }},
		{`{"name":{"like":"C%"}}`, func(r walkRow) bool { return strings.HasPrefix(r.name, "C") }},
	}
	for _, o := range orders {
		for _, f := range filters {
			var want []string
			sorted := slices.Clone(all)
			slices.SortFunc(sorted, o.less)
			for _, r := range sorted {
				if f.match(r) {
					want = append(want, r.id)
				}
			}
			name := f.filter + " " + o.orderBy
			filter, orderBy := mustJSON(t, f.filter), mustOrder(t, o.orderBy)
			page := func(p Page) ([]string, PageInfo, int) {
				t.Helper()
				plan, err := Compile(s, company, "company", filter, orderBy, p)
				if err != nil {
					t.Fatal(err)
				}
				if plan.Select.Fallback == nil {
					t.Fatalf("%s: the page is not a bounded walk: %s", name, plan.Select.SQL)
				}
				db.N = 0
				res, err := plan.Select.Rows(db)
				if err != nil {
					t.Fatalf("%s: %v", plan.Select.SQL, err)
				}
				edges, info, err := plan.Edges(res.Maps())
				if err != nil {
					t.Fatal(err)
				}
				ids := make([]string, len(edges))
				for i, e := range edges {
					ids[i] = sqldb.AsString(e.Node["id"])
				}
				return ids, info, db.N
			}
			// Forward through after cursors, pages of 60 (the statements
			// each page cost: 1 when the walk filled it).
			first := 60
			var got []string
			var cost []int
			for after := ""; ; {
				ids, info, stmts := page(Page{First: &first, After: after})
				got, cost = append(got, ids...), append(cost, stmts)
				if !info.HasNextPage {
					break
				}
				after = info.EndCursor
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%s: forward pages gave %d ids, want %d\n got %.200v\nwant %.200v", name, len(got), len(want), got, want)
			}
			// The last page is short: only a scan tells that nothing follows.
			if strings.HasPrefix(f.filter, `{"name":{"like"`) && !slices.Equal(slices.Compact(slices.Clone(cost[:len(cost)-1])), []int{1}) {
				t.Errorf("%s: a page of a filter matching nearly every row cost %v statements; want 1 each but the last", name, cost)
			}
			if f.filter == `{"name":{"eq":"Rare"}}` && cost[0] != 2 {
				t.Errorf("%s: the short page cost %d statements; want 2", name, cost[0])
			}
			// Backward through before cursors, pages of 25.
			last := 25
			var back []string
			ids, info, _ := page(Page{Last: &last})
			for back = ids; info.HasPreviousPage; {
				ids, info, _ = page(Page{Last: &last, Before: info.StartCursor})
				back = append(slices.Clone(ids), back...)
			}
			if !slices.Equal(back, want) {
				t.Fatalf("%s: backward pages gave %d ids, want %d", name, len(back), len(want))
			}
			// Offsets.
			for _, off := range []int{0, 1, 40, len(want) - 2, len(want) + 3} {
				if off < 0 {
					continue
				}
				ids, _, _ := page(Page{First: &first, Offset: off})
				end := min(len(want), off+first)
				if wantPage := want[min(off, len(want)):end]; !slices.Equal(ids, wantPage) && !(len(ids) == 0 && len(wantPage) == 0) {
					t.Fatalf("%s: offset %d gave %v, want %v", name, off, ids, wantPage)
				}
			}
		}
	}
}

// TestBoundedWalkOnlyWhereAnIndexWalkIsUnbounded: the page is a bounded
// walk only when its order leads an index other than position's and no
// ANDed condition can seek one.
func TestBoundedWalkOnlyWhereAnIndexWalkIsUnbounded(t *testing.T) {
	s := testSchema()
	for _, c := range []struct {
		object, filter, orderBy string
		bounded                 bool
	}{
		{"company", `{"name":{"eq":"x"}}`, `[{"employees":"AscNullsFirst"}]`, true},
		{"company", `{"name":{"eq":"x"}}`, `[{"employees":"DescNullsLast"},{"id":"DescNullsLast"}]`, true},
		{"company", `{"name":{"eq":"x"}}`, `[{"employees":"DescNullsLast"}]`, false}, // DESC, then id ASC: SQLite scans and sorts
		{"company", `{"name":{"ilike":"%x%"}}`, `[{"stage":"AscNullsFirst"}]`, true},
		{"company", `{"or":[{"stage":{"eq":"NEW"}},{"name":{"eq":"x"}}]}`, `[{"id":"AscNullsFirst"}]`, true},
		{"person", `{"city":{"eq":"x"}}`, `[{"companyId":"AscNullsFirst"}]`, true},
		{"company", `{"name":{"eq":"x"}}`, ``, false},                                                              // position: the rows' own order
		{"company", `{"name":{"eq":"x"}}`, `[{"position":"AscNullsFirst"}]`, false},                                // the same
		{"company", `{"name":{"eq":"x"}}`, `[{"name":"AscNullsFirst"}]`, false},                                    // no index: a scan and a sort
		{"company", ``, `[{"employees":"DescNullsLast"}]`, false},                                                  // no filter: the walk is the page
		{"company", `{"stage":{"eq":"NEW"},"name":{"eq":"x"}}`, `[{"employees":"DescNullsLast"}]`, false},          // the select's index seeks
		{"company", `{"employees":{"gt":5},"name":{"eq":"x"}}`, `[{"employees":"DescNullsLast"}]`, false},          // a range on the order's index
		{"company", `{"deletedAt":{"is":"NOT_NULL"},"name":{"eq":"x"}}`, `[{"employees":"DescNullsLast"}]`, false}, // the trash: its own plan
		{"person", `{"company":{"name":{"eq":"x"}}}`, `[{"companyId":"DescNullsLast"}]`, false},                    // a relation filter seeks companyId
		{"person", `{"companyId":{"in":["a","b"]},"city":{"eq":"x"}}`, `[{"id":"AscNullsFirst"}]`, false},          // so does the join column
	} {
		p, err := Compile(s, s.Object(c.object), c.object, mustJSON(t, c.filter), mustOrder(t, c.orderBy), Page{})
		if err != nil {
			t.Fatalf("%s %s: %v", c.filter, c.orderBy, err)
		}
		if got := p.Select.Fallback != nil; got != c.bounded {
			t.Errorf("%s %s %s: bounded %v, want %v\n%s", c.object, c.filter, c.orderBy, got, c.bounded, p.Select.SQL)
		}
	}
}

// TestIndexLeadsFollowIndexDDL: indexLeads names the first column of
// every index IndexDDL creates, and id.
func TestIndexLeadsFollowIndexDDL(t *testing.T) {
	for _, obj := range testSchema().Objects {
		want := map[string]bool{"id": true}
		for _, ddl := range IndexDDL(obj, "t") {
			cols := ddl[strings.Index(ddl, `"t" (`)+len(`"t" (`):]
			first := strings.Trim(strings.SplitN(strings.SplitN(cols, ",", 2)[0], ")", 2)[0], `"`)
			want[first] = true
		}
		if got := indexLeads(obj); !maps.Equal(got, want) {
			t.Errorf("%s: indexLeads %v, IndexDDL leads with %v", obj.NameSingular, got, want)
		}
	}
}

// TestWalkProbe: the walk reads its bound only when the filter's matches
// among the table's first rows say it fills the page within half of it
// (8,500 companies: a bound of 1,000 rows, so 62 matches of the first 512
// for a page of 60 and its extra row); otherwise it reads nothing and the
// scan answers. A filter whose copy would pass the parameter limit walks
// without the probe. Each page is still the page.
func TestWalkProbe(t *testing.T) {
	s := testSchema()
	company := s.Object("company")
	db := sqlitedb.MustOpen(t)
	createTable(t, db, company, "company")
	const n = 8500
	var rows []row
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("C%05d", i)
		switch {
		case i%5 == 1:
			name = "Fifth"
		case i%10 == 2 && i < 600: // 60 of the first 512, then none
			name = "Early"
		case i%100 == 7:
			name = "Hundredth"
		}
		rows = append(rows, row{"id": fmt.Sprintf("c%05d", i), "name": name, "employees": int64((i * 37) % 1000), "position": float64(i)})
	}
	insertRows(t, db, company, "company", rows)
	manyNames := []string{}
	for i := 0; i < 60; i++ {
		manyNames = append(manyNames, fmt.Sprintf(`{"name":{"eq":"C%05d"}}`, i*5))
	}
	for _, c := range []struct {
		filter string
		walks  any // the walk's LIMIT: 1000, 0, or nil for no probe
		first  int
	}{
		{`{"name":{"eq":"Fifth"}}`, int64(1000), 60},
		{`{"name":{"like":"C%"}}`, int64(1000), 60},
		{`{"name":{"eq":"Hundredth"}}`, int64(0), 60},
		{`{"name":{"eq":"Early"}}`, int64(0), 60},
		{`{"name":{"eq":"Early"}}`, int64(1000), 10}, // a page of 10 needs 22 matches
		{`{"name":{"eq":"nope"}}`, int64(0), 60},
		{`{"or":[` + strings.Join(manyNames, ",") + `]}`, nil, 60},
	} {
		plan, err := Compile(s, company, "company", mustJSON(t, c.filter), mustOrder(t, `[{"employees":"AscNullsFirst"}]`), Page{First: &c.first})
		if err != nil {
			t.Fatal(err)
		}
		sel := plan.Select
		name := fmt.Sprintf("%.60s first %d", c.filter, c.first)
		if sel.Fallback == nil {
			t.Fatalf("%s: not a bounded walk: %s", name, sel.SQL)
		}
		// The walk's LIMIT alone, with the probe's arguments.
		at := strings.Index(sel.SQL, " LIMIT (SELECT CASE")
		if (at >= 0) != (c.walks != nil) {
			t.Fatalf("%s: probe %v, want %v: %s", name, at >= 0, c.walks != nil, sel.SQL)
		}
		if at >= 0 {
			limit := sel.SQL[at+len(" LIMIT "):]
			limit = limit[:strings.LastIndex(limit, ") AS ")]
			nargs := strings.Count(limit, "?")
			got, err := db.Exec("SELECT "+limit, sel.Args[:nargs]...)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if v := got.Values[0][0]; v != c.walks {
				t.Errorf("%s: the walk reads %v rows, want %v", name, v, c.walks)
			}
		}
		res, err := sel.Rows(db)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want, err := db.Exec(sel.Fallback.SQL, sel.Fallback.Args...)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.EqualFunc(res.Values, want.Values, slices.Equal) {
			t.Errorf("%s: the page differs from the scan's", name)
		}
	}
}
