package query

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"edgecrm/domain"
	"edgecrm/sqldb"
)

// explain returns the EXPLAIN QUERY PLAN details of a compiled SELECT.
func explain(t *testing.T, f *fixture, obj *domain.Object, filter, orderBy string, page Page) string {
	t.Helper()
	p, err := Compile(f.schema, obj, obj.NameSingular, mustJSON(t, filter), mustOrder(t, orderBy), page)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.db.Exec("EXPLAIN QUERY PLAN "+p.Select.SQL, p.Select.Args...)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, m := range rows.Maps() {
		lines = append(lines, sqldb.AsString(m["detail"]))
	}
	return strings.Join(lines, "\n")
}

// bulk adds enough rows that a full scan would be a poor plan.
func bulk(t *testing.T, f *fixture) {
	for i := 0; i < 300; i++ {
		_, err := f.db.Exec(`INSERT INTO "company" ("id","position","name","employees") VALUES (?,?,?,?)`,
			fmt.Sprintf("b%04d", i), float64(i%50), fmt.Sprintf("bulk %d", i), float64(i))
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.db.Exec(`INSERT INTO "person" ("id","position","companyId") VALUES (?,?,?)`,
			fmt.Sprintf("q%04d", i), float64(i), fmt.Sprintf("b%04d", i%40))
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestQueryPlansUseIndexes(t *testing.T) {
	f := newFixture(t)
	bulk(t, f)
	cursor := func(obj *domain.Object) string {
		p, err := Compile(f.schema, obj, obj.NameSingular, nil, nil, Page{})
		if err != nil {
			t.Fatal(err)
		}
		c, err := p.Cursor(map[string]any{"id": "b0100", "position": 10.0})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	cases := []struct {
		name          string
		obj           *domain.Object
		filter, order string
		page          Page
		wantIndex     string // substring of the plan
	}{
		{"id equality", f.company, `{"id":{"eq":"c03"}}`, ``, Page{}, "(id=?)"},
		{"unique column equality", f.company, `{"domainName":{"primaryLinkUrl":{"eq":"acme.com"}}}`, ``, Page{},
			`INDEX company__by_domainNamePrimaryLinkUrl (domainNamePrimaryLinkUrl=?)`},
		{"relation id", f.person, `{"companyId":{"eq":"b0001"}}`, ``, Page{}, `INDEX person__by_companyId (companyId=?)`},
		{"relation id in", f.person, `{"companyId":{"in":["b0001","b0002"]}}`, ``, Page{}, `INDEX person__by_companyId (companyId=?)`},
		{"default order", f.company, ``, ``, Page{First: ip(20)}, `SCAN company USING INDEX company__by_position`},
		{"default order backward", f.company, ``, ``, Page{Last: ip(20)}, `SCAN company USING INDEX company__by_position`},
		{"default order after cursor", f.company, ``, ``, Page{First: ip(20), After: cursor(f.company)},
			`SEARCH company USING INDEX company__by_position (position>?)`},
		// Rows before a cursor include the NULL positions, which is no single
		// range; the index is still walked (backward, no sort).
		{"default order before cursor", f.company, ``, ``, Page{Last: ip(20), Before: cursor(f.company)},
			`SCAN company USING INDEX company__by_position`},
		{"explicit position order", f.company, ``, `[{"position":"AscNullsFirst"}]`, Page{}, `SCAN company USING INDEX company__by_position`},
		{"relation id, custom order", f.person, `{"companyId":{"eq":"b0001"}}`, `[{"city":"DescNullsLast"}]`, Page{}, `INDEX person__by_companyId (companyId=?)`},
		{"relation filter", f.person, `{"company":{"name":{"eq":"Acme"}}}`, ``, Page{}, `INDEX person__by_companyId (companyId=?)`},
		{"deleted at", f.company, `{"deletedAt":{"eq":"2024-01-01T00:00:00Z"}}`, ``, Page{}, `INDEX company__by_deletedAt (deletedAt=?)`},
		// The trash: the partial deletedAt index holds just the deleted rows,
		// which are sorted, instead of a walk of the order's index through
		// every live row.
		{"deleted", f.company, `{"deletedAt":{"is":"NOT_NULL"}}`, ``, Page{}, `SEARCH company USING INDEX company__by_deletedAt`},
		{"deleted, by name", f.company, `{"and":[{"deletedAt":{"gt":"2024-01-01T00:00:00Z"}},{"employees":{"gt":1}}]}`, `[{"name":"AscNullsFirst"}]`, Page{},
			`SEARCH company USING INDEX company__by_deletedAt (deletedAt>?)`},
		// A later page of the trash: the cursor's bound on position would
		// otherwise pick the position index, a walk through every live row.
		{"deleted, after cursor", f.company, `{"deletedAt":{"is":"NOT_NULL"}}`, ``, Page{First: ip(20), After: cursor(f.company)},
			`SEARCH company USING INDEX company__by_deletedAt`},
		{"deleted, before cursor", f.company, `{"deletedAt":{"is":"NOT_NULL"}}`, ``, Page{Last: ip(20), Before: cursor(f.company)},
			`SEARCH company USING INDEX company__by_deletedAt`},
		{"select field, by position", f.company, `{"stage":{"eq":"NEW"}}`, ``, Page{}, `INDEX company__sel_stage (stage=?)`},
		{"numeric range, by it descending", f.company, `{"employees":{"gt":100}}`, `[{"employees":"DescNullsLast"}]`, Page{},
			`INDEX company__sort_employees (employees>?)`},
		// The keyset's OR branches filter the index walk: no index search
		// per branch, merged and sorted (MULTI-INDEX OR).
		{"numeric descending after cursor", f.company, ``, `[{"employees":"DescNullsLast"}]`, Page{First: ip(20), After: employeesCursor(t, f)},
			`SCAN company USING INDEX company__sort_employees`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			plan := explain(t, f, tc.obj, tc.filter, tc.order, tc.page)
			if !strings.Contains(plan, tc.wantIndex) {
				t.Errorf("plan does not use %q:\n%s", tc.wantIndex, plan)
			}
			if strings.Contains(plan, "SCAN "+tc.obj.NameSingular+"\n") || strings.HasSuffix(plan, "SCAN "+tc.obj.NameSingular) {
				t.Errorf("plan scans the whole table:\n%s", plan)
			}
			if strings.Contains(plan, "MULTI-INDEX OR") {
				t.Errorf("plan merges an index search per OR branch:\n%s", plan)
			}
			if strings.HasPrefix(tc.name, "default order") || tc.name == "relation id" || strings.HasPrefix(tc.name, "explicit") || strings.HasPrefix(tc.name, "select") {
				if strings.Contains(plan, "TEMP B-TREE") {
					t.Errorf("plan sorts instead of walking the index:\n%s", plan)
				}
			}
		})
	}
}

func employeesCursor(t *testing.T, f *fixture) string {
	p, err := Compile(f.schema, f.company, "company", nil, mustOrder(t, `[{"employees":"DescNullsLast"}]`), Page{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := p.Cursor(map[string]any{"id": "b0100", "employees": 150.0})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestCountsReadIndexesAlone: a count filtered on a select field or a
// sorted numeric column reads its index only (deletedAt is in it).
func TestCountsReadIndexesAlone(t *testing.T) {
	f := newFixture(t)
	bulk(t, f)
	for filter, index := range map[string]string{
		`{"stage":{"eq":"NEW"}}`:    "COVERING INDEX company__sel_stage (stage=?)",
		`{"employees":{"gte":100}}`: "COVERING INDEX company__sort_employees (employees>?)",
	} {
		p, err := Compile(f.schema, f.company, "company", mustJSON(t, filter), nil, Page{})
		if err != nil {
			t.Fatal(err)
		}
		rows, err := f.db.Exec("EXPLAIN QUERY PLAN "+p.Count.SQL, p.Count.Args...)
		if err != nil {
			t.Fatal(err)
		}
		if plan := fmt.Sprint(rows.Values); !strings.Contains(plan, index) {
			t.Errorf("count %s: plan %s, want %s", filter, plan, index)
		}
	}
}

func TestIndexDDL(t *testing.T) {
	s := testSchema()
	got := strings.Join(IndexDDL(s.Object("person"), "w_x_person"), "\n")
	want := strings.Join([]string{
		`CREATE INDEX IF NOT EXISTS "w_x_person__by_position" ON "w_x_person" ("position", "id")`,
		`CREATE INDEX IF NOT EXISTS "w_x_person__by_deletedAt" ON "w_x_person" ("deletedAt") WHERE "deletedAt" IS NOT NULL`,
		`CREATE INDEX IF NOT EXISTS "w_x_person__by_companyId" ON "w_x_person" ("companyId", "position", "id") WHERE "companyId" IS NOT NULL`,
	}, "\n")
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	got = strings.Join(IndexDDL(s.Object("company"), "company"), "\n")
	for _, want := range []string{
		`CREATE INDEX IF NOT EXISTS "company__sel_stage" ON "company" ("stage", "position", "id", "deletedAt")`,
		`CREATE INDEX IF NOT EXISTS "company__sort_employees" ON "company" ("employees", "id", "deletedAt")`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("company's indexes lack %s:\n%s", want, got)
		}
	}
	bare := &domain.Object{NameSingular: "note", Fields: []*domain.Field{{Name: "id", Type: domain.TypeUUID}, {Name: "title", Type: domain.TypeText, IsUnique: true}}}
	got = strings.Join(IndexDDL(bare, "note"), "\n")
	if got != `CREATE INDEX IF NOT EXISTS "note__by_title" ON "note" ("title")` {
		t.Errorf("object without position/deletedAt: %s", got)
	}
}

// TestDeletedOnly: only a conjunction that NULL never meets on deletedAt
// counts as a filter of deleted rows (the + it adds to the order changes
// the plan, never the rows).
func TestDeletedOnly(t *testing.T) {
	s := testSchema()
	for filter, want := range map[string]bool{
		`{"deletedAt":{"is":"NOT_NULL"}}`:                                            true,
		`{"deletedAt":{"eq":"2024-01-01T00:00:00Z"}}`:                                true,
		`{"and":[{"name":{"eq":"x"}},{"deletedAt":{"lte":"2024-01-01T00:00:00Z"}}]}`: true,
		`{"deletedAt":{"is":"NULL"}}`:                                                false,
		`{"or":[{"deletedAt":{"is":"NOT_NULL"}},{"name":{"eq":"x"}}]}`:               false,
		`{"not":{"deletedAt":{"is":"NULL"}}}`:                                        false,
		`{"name":{"eq":"x"}}`:                                                        false,
	} {
		_, tree, err := compileWhere(s, s.Object("company"), "company", mustJSON(t, filter), MaxParams)
		if err != nil {
			t.Fatal(err)
		}
		if got := deletedOnly(tree); got != want {
			t.Errorf("%s: deletedOnly %v, want %v", filter, got, want)
		}
	}
}

// TestByIDIsCompile: the kept plan, bound to an id, is the plan Compile
// makes for that id, and each object (or copy of one) keeps its own.
func TestByIDIsCompile(t *testing.T) {
	s := testSchema()
	one := 1
	for _, obj := range s.Objects {
		for _, id := range []string{"0190aaaa-0000-7000-8000-000000000001", "x", byIDPlaceholder, "0190aaaa-0000-7000-8000-000000000001"} {
			want, err := Compile(s, obj, "w_"+obj.NameSingular, map[string]any{"id": map[string]any{"eq": id}}, nil, Page{First: &one})
			if err != nil {
				t.Fatal(err)
			}
			got, err := ByID(obj, "w_"+obj.NameSingular, id)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Select, want.Select) || !reflect.DeepEqual(got.Count, want.Count) {
				t.Errorf("%s %q: ByID %+v %+v, Compile %+v %+v", obj.NameSingular, id, got.Select, got.Count, want.Select, want.Count)
			}
		}
	}
	// A copy without deletedAt (a schema edit) gets its own plan.
	c := *s.Object("company")
	c.Fields = slices.DeleteFunc(slices.Clone(c.Fields), func(f *domain.Field) bool { return f.Name == "deletedAt" })
	p, err := ByID(&c, "w_company", "x")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(p.Select.SQL, "deletedAt") {
		t.Errorf("the copy's plan is the original's: %s", p.Select.SQL)
	}
}
