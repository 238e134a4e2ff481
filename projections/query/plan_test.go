package query

import (
	"fmt"
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
		{"deleted at", f.company, `{"deletedAt":{"eq":"2024-01-01T00:00:00Z"}}`, ``, Page{}, `INDEX company__by_deletedAt (deletedAt=?)`},
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
			if strings.HasPrefix(tc.name, "default order") || tc.name == "relation id" || strings.HasPrefix(tc.name, "explicit") {
				if strings.Contains(plan, "TEMP B-TREE") {
					t.Errorf("plan sorts instead of walking the index:\n%s", plan)
				}
			}
		})
	}
}

func TestIndexDDL(t *testing.T) {
	s := testSchema()
	got := strings.Join(IndexDDL(s.Object("person"), "w_x_person"), "\n")
	want := strings.Join([]string{
		`CREATE INDEX IF NOT EXISTS "w_x_person__by_position" ON "w_x_person" ("position", "id")`,
		`CREATE INDEX IF NOT EXISTS "w_x_person__by_deletedAt" ON "w_x_person" ("deletedAt")`,
		`CREATE INDEX IF NOT EXISTS "w_x_person__by_companyId" ON "w_x_person" ("companyId", "position", "id")`,
	}, "\n")
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	bare := &domain.Object{NameSingular: "note", Fields: []*domain.Field{{Name: "id", Type: domain.TypeUUID}, {Name: "title", Type: domain.TypeText, IsUnique: true}}}
	got = strings.Join(IndexDDL(bare, "note"), "\n")
	if got != `CREATE INDEX IF NOT EXISTS "note__by_title" ON "note" ("title")` {
		t.Errorf("object without position/deletedAt: %s", got)
	}
}
