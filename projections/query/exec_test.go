package query

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"edgecrm/domain"
	"edgecrm/sqldb"
)

func mustJSON(t testing.TB, s string) map[string]any {
	t.Helper()
	if s == "" {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("bad test JSON %s: %v", s, err)
	}
	return m
}

func mustOrder(t testing.TB, s string) []map[string]any {
	t.Helper()
	if s == "" {
		return nil
	}
	var l []map[string]any
	if err := json.Unmarshal([]byte(s), &l); err != nil {
		t.Fatalf("bad test JSON %s: %v", s, err)
	}
	return l
}

func ids(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Fields(s)
}

// Live companies in the default order (position AscNullsFirst, id):
// c04 c06 (NULL positions) c01 c02 c12 c03 c05 c07 c08 c10 c11; c09 is deleted.
func TestFilterOperatorsOnCompany(t *testing.T) {
	f := newFixture(t)
	cases := []struct{ filter, want string }{
		{``, "c04 c06 c01 c02 c12 c03 c05 c07 c08 c10 c11"},
		{`{"name":{}}`, "c04 c06 c01 c02 c12 c03 c05 c07 c08 c10 c11"},
		// text
		{`{"name":{"eq":"Acme"}}`, "c01"},
		{`{"name":{"neq":"Acme"}}`, "c04 c06 c02 c12 c03 c05 c07 c10 c11"},
		{`{"name":{"in":["Beta","Gamma","nope"]}}`, "c04 c03"},
		{`{"name":{"in":[]}}`, ""},
		{`{"name":{"is":"NULL"}}`, "c07 c08"}, // '' is Twenty's null equivalent for text
		{`{"name":{"is":"NOT_NULL"}}`, "c04 c06 c01 c02 c12 c03 c05 c10 c11"},
		{`{"name":{"eq":""}}`, "c07 c08"},
		{`{"name":{"like":"%cme%"}}`, "c01 c02"},
		{`{"name":{"like":"A%"}}`, "c01"},          // case-sensitive
		{`{"name":{"like":"acme"}}`, ""},           // whole-value match
		{`{"name":{"like":"Zeta\\_1\\%"}}`, "c10"}, // escaped wildcards
		{`{"name":{"like":"Zeta_1_"}}`, "c10"},
		{`{"name":{"like":"%*%"}}`, "c11"}, // GLOB metacharacter is literal
		{`{"name":{"like":"Eta[*]Star"}}`, ""},
		{`{"name":{"ilike":"%ACME%"}}`, "c01 c02"},
		{`{"name":{"ilike":"a%"}}`, "c01 c02"},
		{`{"name":{"ilike":"%\\%"}}`, "c10"},
		{`{"name":{"startsWith":"a"}}`, "c02"},
		{`{"name":{"startsWith":"Eta*"}}`, "c11"},
		{`{"name":{"startsWith":"Et?"}}`, ""},
		{`{"name":{"endsWith":"ta"}}`, "c12 c03 c05"},
		{`{"name":{"gt":"delta"}}`, "c06 c12"},
		{`{"name":{"gte":"delta","lt":"theta"}}`, "c05"}, // "Épsilon" sorts after "theta" bytewise
		// number
		{`{"employees":{"eq":10}}`, "c01 c05"},
		{`{"employees":{"neq":10}}`, "c04 c06 c12 c03 c08 c10 c11"},
		{`{"employees":{"gt":7}}`, "c04 c01 c05"},
		{`{"employees":{"gte":7}}`, "c04 c06 c01 c12 c05"},
		{`{"employees":{"lt":5}}`, "c08 c10 c11"},
		{`{"employees":{"lte":"5"}}`, "c03 c08 c10 c11"},
		{`{"employees":{"in":[5,20]}}`, "c04 c03"},
		{`{"employees":{"is":"NULL"}}`, "c02 c07"},
		{`{"employees":{"is":"NOT_NULL"}}`, "c04 c06 c01 c12 c03 c05 c08 c10 c11"},
		{`{"position":{"lte":2}}`, "c01 c02 c12"},
		// boolean
		{`{"idealCustomerProfile":{"eq":true}}`, "c06 c01 c12 c03"},
		{`{"idealCustomerProfile":{"eq":"false"}}`, "c04 c02 c07 c08"},
		{`{"idealCustomerProfile":{"neq":true}}`, "c04 c02 c07 c08"},
		{`{"idealCustomerProfile":{"is":"NULL"}}`, "c05 c10 c11"},
		// select
		{`{"stage":{"eq":"NEW"}}`, "c01 c02 c05"},
		{`{"stage":{"neq":"NEW"}}`, "c04 c06 c03"},
		{`{"stage":{"in":["CUSTOMER","MEETING"]}}`, "c04 c03"},
		{`{"stage":{"is":"NULL"}}`, "c12 c07 c08 c10 c11"},
		// multi-select (JSON array)
		{`{"tags":{"containsAny":["A"]}}`, "c06 c01"},
		{`{"tags":{"containsAny":["B","C"]}}`, "c04 c01 c03"},
		{`{"tags":{"isEmptyArray":true}}`, "c02 c12 c05 c07 c08 c10 c11"},
		{`{"tags":{"isEmptyArray":false}}`, "c04 c06 c01 c03"},
		{`{"tags":{"is":"NULL"}}`, "c02 c12 c05 c07 c08 c10 c11"},
		{`{"tags":{"is":"NOT_NULL"}}`, "c04 c06 c01 c03"},
		// array
		{`{"aliases":{"containsIlike":"%ACME%"}}`, "c01"},
		{`{"aliases":{"containsIlike":"%group"}}`, "c05"},
		{`{"aliases":{"isEmptyArray":true}}`, "c04 c06 c02 c12 c07 c08 c10 c11"},
		// raw json
		{`{"properties":{"like":"%gold%"}}`, "c01 c05"},
		{`{"properties":{"like":"%\"x\":1%"}}`, "c05"},
		{`{"properties":{"is":"NOT_NULL"}}`, "c01 c03 c05"},
		// date-time, values normalised to the stored form
		{`{"foundedAt":{"eq":"2020-01-01T00:00:00Z"}}`, "c01"},
		{`{"foundedAt":{"eq":"2020-01-01T01:00:00+01:00"}}`, "c01"},
		{`{"foundedAt":{"gt":"2020-01-01T00:00:00.000Z"}}`, "c03 c05"},
		{`{"foundedAt":{"lt":"2020-01-01"}}`, "c04"},
		{`{"foundedAt":{"gte":"2021-06-15T14:30:00+02:00"}}`, "c03 c05"},
		{`{"foundedAt":{"in":["2019-03-01T00:00:00Z","2022-02-02T02:02:02.002Z"]}}`, "c04 c05"},
		{`{"foundedAt":{"is":"NULL"}}`, "c06 c02 c12 c07 c08 c10 c11"},
		// composite subfields
		{`{"annualRecurringRevenue":{"amountMicros":{"gt":0}}}`, "c01 c03 c05"},
		{`{"annualRecurringRevenue":{"amountMicros":{"gte":"1000000"},"currencyCode":{"eq":"USD"}}}`, "c01 c05"},
		{`{"domainName":{"primaryLinkUrl":{"eq":"acme.com"}}}`, "c01"},
		{`{"domainName":{"primaryLinkUrl":{"ilike":"%.IO"}}}`, "c03"},
		{`{"address":{"addressCity":{"ilike":"paris"}}}`, "c04 c01"},
		{`{"address":{"addressCity":{"eq":"Paris"}}}`, "c01"},
		{`{"address":{"addressCity":{"is":"NULL"}}}`, "c02 c12 c05 c07 c08 c10 c11"},
		// ids
		{`{"id":{"eq":"c03"}}`, "c03"},
		{`{"id":{"in":["c01","c09"]}}`, "c01"},
		// and / or / not
		{`{"or":[{"name":{"eq":"Acme"}},{"employees":{"gt":10}}]}`, "c04 c01"},
		{`{"and":[{"employees":{"gte":7}},{"not":{"name":{"ilike":"%a%"}}}]}`, "c06"},
		{`{"not":{"name":{"eq":"Acme"}}}`, "c04 c06 c02 c12 c03 c05 c07 c10 c11"},
		{`{"not":{"or":[{"employees":{"is":"NULL"}},{"employees":{"lt":10}}]}}`, "c04 c01 c05"},
		{`{"or":[{"stage":{"eq":"NEW"}},{"and":[{"tags":{"containsAny":["A"]}},{"idealCustomerProfile":{"eq":true}}]}],"employees":{"gte":10}}`, "c01 c05"},
		{`{"and":{"name":{"eq":"Beta"}}}`, "c03"},
		{`{"or":[]}`, "c04 c06 c01 c02 c12 c03 c05 c07 c08 c10 c11"},
		// soft delete: shown once the filter mentions deletedAt anywhere
		{`{"deletedAt":{"is":"NOT_NULL"}}`, "c09"},
		{`{"not":{"deletedAt":{"is":"NULL"}}}`, "c09"},
		{`{"id":{"in":["c01","c09"]},"not":{"deletedAt":{"is":"NULL"}}}`, "c09"},
		{`{"and":[{"or":[{"deletedAt":{"is":"NULL"}},{"deletedAt":{"is":"NOT_NULL"}}]}]}`, "c04 c06 c01 c02 c12 c03 c05 c07 c08 c09 c10 c11"},
		{`{"employees":{"eq":10},"deletedAt":{}}`, "c01 c05 c09"},
		{`{"name":{"eq":"Deleted Co"}}`, ""},
	}
	f.checkFilters(t, f.company, cases)
}

func TestFilterOnPersonCompositesAndRelations(t *testing.T) {
	f := newFixture(t)
	cases := []struct{ filter, want string }{
		{``, "p1 p2 p3 p4 p6"},
		{`{"companyId":{"eq":"c01"}}`, "p1 p2"},
		{`{"companyId":{"in":["c01","c03"]}}`, "p1 p2 p3"},
		{`{"companyId":{"is":"NULL"}}`, "p4"},
		{`{"companyId":{"neq":"c01"}}`, "p3 p6"},
		{`{"company":{"name":{"eq":"Acme"}}}`, "p1 p2"},
		{`{"company":{"id":{"eq":"c03"}}}`, "p3"},
		{`{"company":{"employees":{"gte":5}}}`, "p1 p2 p3"}, // c09 (p6's) is deleted
		{`{"company":{"deletedAt":{"is":"NOT_NULL"}}}`, "p6"},
		{`{"name":{"firstName":{"ilike":"%a%"}}}`, "p1 p3 p4 p6"},
		{`{"name":{"firstName":{"like":"A%"}}}`, "p1 p6"},
		{`{"name":{"firstName":{"eq":"Ada"},"lastName":{"eq":"Byron"}}}`, "p6"},
		{`{"or":[{"name":{"lastName":{"startsWith":"Sm"}}},{"city":{"eq":"London"}}]}`, "p1 p2"},
		{`{"emails":{"primaryEmail":{"is":"NULL"}}}`, "p3 p4 p6"},
		{`{"emails":{"primaryEmail":{"endsWith":"@acme.com"}}}`, "p1 p2"},
		{`{"emails":{"additionalEmails":{"like":"%x.org%"}}}`, "p1"},
		{`{"emails":{"additionalEmails":{"isEmptyArray":true}}}`, "p2 p3 p4 p6"},
		{`{"emails":{"additionalEmails":{"is":"NULL"}}}`, "p2 p3 p4 p6"},
		{`{"phones":{"primaryPhoneNumber":{"eq":"123"}}}`, "p1"},
		{`{"createdBy":{"source":{"eq":"MANUAL"}}}`, "p1"},
		{`{"createdBy":{"name":{"is":"NOT_NULL"}}}`, "p1"},
		{`{"deletedAt":{"is":"NOT_NULL"},"companyId":{"eq":"c01"}}`, "p5"},
	}
	f.checkFilters(t, f.person, cases)
}

func TestRelationFilterUsesPrefixedTargetTable(t *testing.T) {
	f := newFixture(t)
	for _, s := range []string{
		`ALTER TABLE "company" RENAME TO "w_ws1_company"`,
		`ALTER TABLE "person" RENAME TO "w_ws1_person"`,
	} {
		if _, err := f.db.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	p, err := Compile(f.schema, f.person, "w_ws1_person", mustJSON(t, `{"company":{"name":{"ilike":"beta"}}}`), nil, Page{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.Select.SQL, `FROM "w_ws1_company"`) {
		t.Fatalf("target table not prefixed: %s", p.Select.SQL)
	}
	rows, err := p.Select.Rows(f.db)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows.Values) != 1 || sqldb.AsString(rows.Maps()[0]["id"]) != "p3" {
		t.Fatalf("got %v", rows.Maps())
	}
}

// refSort orders rows like SQL should: per term, NULL placement, then value
// (numbers numerically, strings bytewise), then the next term.
func refSort(rows []row, terms []orderTerm) []string {
	rs := append([]row(nil), rows...)
	cmp := func(a, b any) int {
		switch x := a.(type) {
		case string:
			return strings.Compare(x, b.(string))
		default:
			fa, fb := toF(a), toF(b)
			switch {
			case fa < fb:
				return -1
			case fa > fb:
				return 1
			}
			return 0
		}
	}
	sort.SliceStable(rs, func(i, j int) bool {
		for _, t := range terms {
			a, b := rs[i][t.col], rs[j][t.col]
			switch {
			case a == nil && b == nil:
				continue
			case a == nil:
				return t.nullsFirst
			case b == nil:
				return !t.nullsFirst
			}
			c := cmp(a, b)
			if t.desc {
				c = -c
			}
			if c != 0 {
				return c < 0
			}
		}
		return false
	})
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r["id"].(string)
	}
	return out
}

func toF(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int64:
		return float64(x)
	}
	panic(fmt.Sprintf("not a number: %T", v))
}

func liveCompanies() []row {
	var out []row
	for _, r := range companyRows() {
		if r["deletedAt"] == nil {
			out = append(out, r)
		}
	}
	return out
}

var orderCases = []string{
	``,
	`[{"employees":"AscNullsFirst"}]`,
	`[{"employees":"AscNullsLast"}]`,
	`[{"employees":"DescNullsFirst"}]`,
	`[{"employees":"DescNullsLast"}]`,
	`[{"position":"DescNullsLast"}]`,
	`[{"employees":"DescNullsFirst"},{"name":"AscNullsLast"}]`,
	`[{"annualRecurringRevenue":{"amountMicros":"AscNullsLast"}},{"stage":"DescNullsFirst"}]`,
	`[{"idealCustomerProfile":"AscNullsLast"},{"position":"DescNullsFirst"}]`,
	`[{"tags":"DescNullsLast"},{"employees":"AscNullsFirst"},{"id":"DescNullsLast"}]`,
	`[{"name":"AscNullsFirst"}]`,
}

func termsFor(t *testing.T, f *fixture, orderBy string) []orderTerm {
	c := &compiler{schema: f.schema, obj: f.company, table: "company"}
	terms, err := c.orderTerms(mustOrder(t, orderBy))
	if err != nil {
		t.Fatal(err)
	}
	return terms
}

func TestOrderingMatchesReference(t *testing.T) {
	f := newFixture(t)
	// Hand-checked expectations for the four NULL placements.
	hand := map[string]string{
		``:                                 "c04 c06 c01 c02 c12 c03 c05 c07 c08 c10 c11",
		`[{"employees":"AscNullsFirst"}]`:  "c02 c07 c10 c11 c08 c03 c06 c12 c01 c05 c04",
		`[{"employees":"AscNullsLast"}]`:   "c10 c11 c08 c03 c06 c12 c01 c05 c04 c02 c07",
		`[{"employees":"DescNullsFirst"}]`: "c02 c07 c04 c01 c05 c06 c12 c03 c08 c11 c10",
		`[{"employees":"DescNullsLast"}]`:  "c04 c01 c05 c06 c12 c03 c08 c11 c10 c02 c07",
	}
	for _, oc := range orderCases {
		t.Run(oc, func(t *testing.T) {
			want := refSort(liveCompanies(), termsFor(t, f, oc))
			if h, ok := hand[oc]; ok && !reflect.DeepEqual(want, ids(h)) {
				t.Fatalf("reference sorter disagrees with hand-computed order: %v vs %s", want, h)
			}
			got, info, _ := f.run(t, f.company, nil, mustOrder(t, oc), Page{})
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got  %v\nwant %v", got, want)
			}
			if info.HasNextPage || info.HasPreviousPage {
				t.Errorf("single page has pageInfo %+v", info)
			}
		})
	}
}

func TestPaginationForwardAndBackward(t *testing.T) {
	f := newFixture(t)
	for _, oc := range orderCases {
		want := refSort(liveCompanies(), termsFor(t, f, oc))
		for _, size := range []int{1, 2, 3, 4, 11} {
			t.Run(fmt.Sprintf("%s/forward%d", oc, size), func(t *testing.T) {
				var all []string
				after := ""
				for pageNo := 0; ; pageNo++ {
					if pageNo > len(want) {
						t.Fatal("pagination does not end")
					}
					got, info, total := f.run(t, f.company, nil, mustOrder(t, oc), Page{First: ip(size), After: after})
					if total != int64(len(want)) {
						t.Fatalf("totalCount %d", total)
					}
					all = append(all, got...)
					if info.HasPreviousPage != (pageNo > 0) {
						t.Errorf("page %d: hasPreviousPage %v", pageNo, info.HasPreviousPage)
					}
					if info.HasNextPage != (len(all) < len(want)) {
						t.Fatalf("page %d: hasNextPage %v after %v", pageNo, info.HasNextPage, all)
					}
					if !info.HasNextPage {
						break
					}
					after = info.EndCursor
				}
				if !reflect.DeepEqual(all, want) {
					t.Errorf("pages %v\nwant  %v", all, want)
				}
			})
			t.Run(fmt.Sprintf("%s/backward%d", oc, size), func(t *testing.T) {
				var all []string
				before := ""
				for pageNo := 0; ; pageNo++ {
					if pageNo > len(want) {
						t.Fatal("pagination does not end")
					}
					got, info, _ := f.run(t, f.company, nil, mustOrder(t, oc), Page{Last: ip(size), Before: before})
					all = append(append([]string(nil), got...), all...)
					if info.HasNextPage != (pageNo > 0) {
						t.Errorf("page %d: hasNextPage %v", pageNo, info.HasNextPage)
					}
					if info.HasPreviousPage != (len(all) < len(want)) {
						t.Fatalf("page %d: hasPreviousPage %v after %v", pageNo, info.HasPreviousPage, all)
					}
					if !info.HasPreviousPage {
						break
					}
					before = info.StartCursor
				}
				if !reflect.DeepEqual(all, want) {
					t.Errorf("pages %v\nwant  %v", all, want)
				}
			})
		}
		// Every window between two cursors, both directions.
		t.Run(oc+"/between", func(t *testing.T) {
			_, cursors := allCursors(t, f, oc)
			for i := range want {
				for j := i + 1; j < len(want); j++ {
					mid := want[i+1 : j]
					got, _, _ := f.run(t, f.company, nil, mustOrder(t, oc), Page{After: cursors[i], Before: cursors[j], First: ip(100)})
					if !reflect.DeepEqual(got, append([]string{}, mid...)) {
						t.Fatalf("after %s before %s: got %v want %v", want[i], want[j], got, mid)
					}
					got, _, _ = f.run(t, f.company, nil, mustOrder(t, oc), Page{After: cursors[i], Before: cursors[j], Last: ip(2)})
					tail := mid
					if len(tail) > 2 {
						tail = tail[len(tail)-2:]
					}
					if !reflect.DeepEqual(got, append([]string{}, tail...)) {
						t.Fatalf("after %s before %s last 2: got %v want %v", want[i], want[j], got, tail)
					}
				}
			}
		})
	}
}

func allCursors(t *testing.T, f *fixture, oc string) ([]string, []string) {
	p, err := Compile(f.schema, f.company, "company", nil, mustOrder(t, oc), Page{})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := p.Select.Rows(f.db)
	if err != nil {
		t.Fatal(err)
	}
	edges, _, err := p.Edges(rows.Maps())
	if err != nil {
		t.Fatal(err)
	}
	var idl, curs []string
	for _, e := range edges {
		idl = append(idl, e.Node["id"].(string))
		curs = append(curs, e.Cursor)
	}
	return idl, curs
}

func TestPaginationWithFilterOffsetAndDefaults(t *testing.T) {
	f := newFixture(t)
	filter := mustJSON(t, `{"employees":{"is":"NOT_NULL"}}`)
	order := mustOrder(t, `[{"employees":"DescNullsLast"}]`)
	// c04 c01 c05 c06 c12 c03 c08 c11 c10
	got, info, total := f.run(t, f.company, filter, order, Page{First: ip(3), Offset: 2})
	if want := ids("c05 c06 c12"); !reflect.DeepEqual(got, want) || total != 9 || !info.HasNextPage || !info.HasPreviousPage {
		t.Errorf("offset page %v %+v total %d", got, info, total)
	}
	got, info, _ = f.run(t, f.company, filter, order, Page{Last: ip(2)})
	if want := ids("c11 c10"); !reflect.DeepEqual(got, want) || info.HasNextPage || !info.HasPreviousPage {
		t.Errorf("last page %v %+v", got, info)
	}
	got, info, _ = f.run(t, f.company, filter, order, Page{First: ip(0)})
	if len(got) != 0 || !info.HasNextPage || info.StartCursor != "" {
		t.Errorf("first 0: %v %+v", got, info)
	}
	// before without first/last pages backward with the default size.
	_, curs := allCursors(t, f, "")
	got, info, _ = f.run(t, f.company, nil, nil, Page{Before: curs[3]})
	if want := ids("c04 c06 c01"); !reflect.DeepEqual(got, want) || !info.HasNextPage || info.HasPreviousPage {
		t.Errorf("before only: %v %+v", got, info)
	}
	// A cursor stays usable when only the direction changes.
	_, curs = allCursors(t, f, `[{"employees":"AscNullsFirst"}]`)
	got, _, _ = f.run(t, f.company, nil, order, Page{After: curs[len(curs)-1], First: ip(2)}) // after c04, desc
	if want := ids("c01 c05"); !reflect.DeepEqual(got, want) {
		t.Errorf("cursor across directions: %v", got)
	}
}

func TestPersonPaginationOnRelationLookup(t *testing.T) {
	f := newFixture(t)
	filter := mustJSON(t, `{"companyId":{"eq":"c01"}}`)
	got, info, total := f.run(t, f.person, filter, nil, Page{First: ip(1)})
	if !reflect.DeepEqual(got, ids("p1")) || !info.HasNextPage || total != 2 {
		t.Fatalf("%v %+v %d", got, info, total)
	}
	got, info, _ = f.run(t, f.person, filter, nil, Page{First: ip(1), After: info.EndCursor})
	if !reflect.DeepEqual(got, ids("p2")) || info.HasNextPage || !info.HasPreviousPage {
		t.Fatalf("%v %+v", got, info)
	}
}

func TestPersonOrderByFullNamePaged(t *testing.T) {
	f := newFixture(t)
	order := mustOrder(t, `[{"name":{"lastName":"AscNullsFirst","firstName":"DescNullsLast"}}]`)
	want := ids("p3 p4 p2 p6 p1") // firstName desc bytewise, then lastName
	var all []string
	after := ""
	for i := 0; i < 5; i++ {
		got, info, _ := f.run(t, f.person, nil, order, Page{First: ip(2), After: after})
		all = append(all, got...)
		if !info.HasNextPage {
			break
		}
		after = info.EndCursor
	}
	if !reflect.DeepEqual(all, want) {
		t.Errorf("got %v want %v", all, want)
	}
	// A trailing escape character in an ilike pattern is not an SQL error.
	if got, _, _ := f.run(t, f.person, mustJSON(t, `{"city":{"ilike":"London\\"}}`), nil, Page{}); len(got) != 0 {
		t.Errorf("trailing escape: %v", got)
	}
}

// checkFilters runs each filter on obj and compares the ids found, in order,
// and totalCount with the case's (space-separated ids).
func (f *fixture) checkFilters(t *testing.T, obj *domain.Object, cases []struct{ filter, want string }) {
	for _, tc := range cases {
		t.Run(tc.filter, func(t *testing.T) {
			got, _, total := f.run(t, obj, mustJSON(t, tc.filter), nil, Page{})
			want := ids(tc.want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
			if total != int64(len(want)) {
				t.Errorf("totalCount %d, want %d", total, len(want))
			}
			// In id order the same rows, through a bounded walk of the
			// primary key wherever no condition seeks an index.
			byID, _, _ := f.run(t, obj, mustJSON(t, tc.filter), mustOrder(t, `[{"id":"AscNullsFirst"}]`), Page{})
			if want = slices.Sorted(slices.Values(want)); !slices.Equal(byID, want) {
				t.Errorf("in id order got %v, want %v", byID, want)
			}
		})
	}
}

// TestTrashPagination: the deleted rows alone (the trash: the keyset's
// columns carry a unary +, so the rows come from the deletedAt index) page
// forward and backward in every order as the reference sorts them.
func TestTrashPagination(t *testing.T) {
	f := newFixture(t)
	trash := map[string]bool{"c02": true, "c04": true, "c05": true, "c07": true, "c09": true, "c11": true, "c12": true}
	var rows []row
	for i, r := range companyRows() {
		if !trash[r["id"].(string)] {
			continue
		}
		if r["deletedAt"] == nil {
			r["deletedAt"] = fmt.Sprintf("2024-02-%02dT00:00:00.000Z", 1+i%3) // ties too
		}
		if _, err := f.db.Exec(`UPDATE company SET "deletedAt" = ? WHERE id = ?`, r["deletedAt"], r["id"]); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r)
	}
	filter := mustJSON(t, `{"deletedAt":{"is":"NOT_NULL"}}`)
	for _, oc := range append(orderCases, `[{"deletedAt":"DescNullsLast"}]`) {
		want := refSort(rows, termsFor(t, f, oc))
		for _, size := range []int{1, 2, 3} {
			var fwd, back []string
			after, before := "", ""
			for n := 0; ; n++ {
				if n > len(want) {
					t.Fatalf("%s: forward pagination does not end", oc)
				}
				got, info, total := f.run(t, f.company, filter, mustOrder(t, oc), Page{First: ip(size), After: after})
				if total != int64(len(want)) {
					t.Fatalf("%s: totalCount %d, want %d", oc, total, len(want))
				}
				if fwd = append(fwd, got...); !info.HasNextPage {
					break
				}
				after = info.EndCursor
			}
			for n := 0; ; n++ {
				if n > len(want) {
					t.Fatalf("%s: backward pagination does not end", oc)
				}
				got, info, _ := f.run(t, f.company, filter, mustOrder(t, oc), Page{Last: ip(size), Before: before})
				if back = append(append([]string(nil), got...), back...); !info.HasPreviousPage {
					break
				}
				before = info.StartCursor
			}
			if !reflect.DeepEqual(fwd, want) || !reflect.DeepEqual(back, want) {
				t.Errorf("%s, pages of %d: forward %v backward %v, want %v", oc, size, fwd, back, want)
			}
		}
	}
}
