package query

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"edgecrm/domain"
)

var testObjectNoSystem = domain.Object{NameSingular: "thing", Fields: []*domain.Field{
	{Name: "id", Type: domain.TypeUUID}, {Name: "label", Type: domain.TypeText},
}}

func TestParseRESTFilter(t *testing.T) {
	cases := []struct{ in, want string }{
		// Twenty's parse-filter.util.spec.ts
		{`and(fieldNumber[eq]:1,fieldNumber[eq]:2)`,
			`{"and":[{"fieldNumber":{"eq":"1"}},{"fieldNumber":{"eq":"2"}}]}`},
		{`and(fieldNumber[eq]:1,or(fieldNumber[eq]:2,fieldNumber[eq]:3))`,
			`{"and":[{"fieldNumber":{"eq":"1"}},{"or":[{"fieldNumber":{"eq":"2"}},{"fieldNumber":{"eq":"3"}}]}]}`},
		{`and(fieldNumber[eq]:1,or(fieldNumber[eq]:2,fieldNumber[eq]:3,and(fieldNumber[eq]:6,fieldNumber[eq]:7)),or(fieldNumber[eq]:4,fieldNumber[eq]:5))`,
			`{"and":[{"fieldNumber":{"eq":"1"}},{"or":[{"fieldNumber":{"eq":"2"}},{"fieldNumber":{"eq":"3"}},{"and":[{"fieldNumber":{"eq":"6"}},{"fieldNumber":{"eq":"7"}}]}]},{"or":[{"fieldNumber":{"eq":"4"}},{"fieldNumber":{"eq":"5"}}]}]}`},
		{`and(fieldText[gt]:"val,ue",or(fieldNumber[is]:NOT_NULL,not(fieldText[startsWith]:"val"),and(fieldNumber[eq]:6,fieldText[ilike]:"%val%")),or(fieldNumber[eq]:4,fieldText[is]:NULL))`,
			`{"and":[{"fieldText":{"gt":"val,ue"}},{"or":[{"fieldNumber":{"is":"NOT_NULL"}},{"not":{"fieldText":{"startsWith":"val"}}},{"and":[{"fieldNumber":{"eq":"6"}},{"fieldText":{"ilike":"%val%"}}]}]},{"or":[{"fieldNumber":{"eq":"4"}},{"fieldText":{"is":"NULL"}}]}]}`},
		{`and(fieldNumber[eq]:1,not(fieldNumber[eq]:2))`,
			`{"and":[{"fieldNumber":{"eq":"1"}},{"not":{"fieldNumber":{"eq":"2"}}}]}`},
		// parse-filter-content.util.spec.ts
		{`and(fieldNumber[in]:[1,2],fieldNumber[eq]:4)`, `{"and":[{"fieldNumber":{"in":["1","2"]}},{"fieldNumber":{"eq":"4"}}]}`},
		{`and(fieldText[eq]:'val,ue')`, `{"and":[{"fieldText":{"eq":"val,ue"}}]}`},
		// The contract's examples; a bare condition list gets the default and().
		{`name[eq]:"Acme"`, `{"and":[{"name":{"eq":"Acme"}}]}`},
		{`position[lte]:1`, `{"and":[{"position":{"lte":"1"}}]}`},
		{`field[in]:["a","b"]`, `{"and":[{"field":{"in":["a","b"]}}]}`},
		{`field[is]:NULL`, `{"and":[{"field":{"is":"NULL"}}]}`},
		{`phones.primaryPhoneNumber[eq]:"123"`, `{"and":[{"phones":{"primaryPhoneNumber":{"eq":"123"}}}]}`},
		{`and(a[eq]:1,or(b[gt]:"x",not(c[startsWith]:"v")))`,
			`{"and":[{"a":{"eq":"1"}},{"or":[{"b":{"gt":"x"}},{"not":{"c":{"startsWith":"v"}}}]}]}`},
		{`a[eq]:1,b[neq]:"2"`, `{"and":[{"a":{"eq":"1"}},{"b":{"neq":"2"}}]}`},
		{`or(a[eq]:1,b[eq]:2)`, `{"or":[{"a":{"eq":"1"}},{"b":{"eq":"2"}}]}`},
		{`not(a[eq]:1)`, `{"not":{"a":{"eq":"1"}}}`},
		{`or(a[eq]:1),b[eq]:2`, `{"and":[{"or":[{"a":{"eq":"1"}}]},{"b":{"eq":"2"}}]}`},
		// Odds and ends: spaces, quotes inside values, parentheses in bare values, empty lists.
		{` and( a[eq]:1 , b[eq]: "x y" ) `, `{"and":[{"a":{"eq":"1"}},{"b":{"eq":"x y"}}]}`},
		{`name[eq]:"say \"hi\", ok"`, `{"and":[{"name":{"eq":"say \"hi\", ok"}}]}`},
		{`name[eq]:Acme (US)`, `{"and":[{"name":{"eq":"Acme (US)"}}]}`},
		{`name[like]:"100\%"`, `{"and":[{"name":{"like":"100\\%"}}]}`},
		{`tags[containsAny]:[]`, `{"and":[{"tags":{"containsAny":[]}}]}`},
		{`order[eq]:1`, `{"and":[{"order":{"eq":"1"}}]}`},
		{`createdAt[gte]:2024-01-01T00:00:00Z`, `{"and":[{"createdAt":{"gte":"2024-01-01T00:00:00Z"}}]}`},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseRESTFilter(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			var want map[string]any
			if err := json.Unmarshal([]byte(tc.want), &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				g, _ := json.Marshal(got)
				t.Errorf("got  %s\nwant %s", g, tc.want)
			}
		})
	}
	if m, err := ParseRESTFilter("  "); m != nil || err != nil {
		t.Errorf("empty filter: %v %v", m, err)
	}
}

func TestParseRESTFilterErrors(t *testing.T) {
	for _, in := range []string{
		`name[foo]:1`,
		`name:1`,
		`name[eq]1`,
		`name[eq]:`,
		`[eq]:1`,
		`not(a[eq]:1,b[eq]:2)`,
		`and(a[eq]:1`,
		`a[eq]:1)`,
		`name[in]:"x"`,
		`name[in]:["a" "b"]`,
		`name[eq]:"open`,
		`a..b[eq]:1`,
	} {
		_, err := ParseRESTFilter(in)
		var qe *Error
		if !errors.As(err, &qe) || qe.Field != "filter" || !strings.HasPrefix(qe.Message, "'filter' invalid") {
			t.Errorf("%s: want a filter *Error, got %v", in, err)
		}
	}
}

func TestParseRESTOrderBy(t *testing.T) {
	cases := []struct{ in, want string }{
		{`position[DescNullsLast],name.firstName[AscNullsLast]`, `[{"position":"DescNullsLast"},{"name":{"firstName":"AscNullsLast"}}]`},
		{`fieldNumber[AscNullsFirst],fieldText[DescNullsLast]`, `[{"fieldNumber":"AscNullsFirst"},{"fieldText":"DescNullsLast"}]`},
		{`fieldNumber`, `[{"fieldNumber":"AscNullsFirst"}]`},
		{`fieldCurrency.amountMicros`, `[{"fieldCurrency":{"amountMicros":"AscNullsFirst"}}]`},
		{`fieldCurrency.amountMicros[DescNullsLast],fieldText.label[AscNullsLast]`, `[{"fieldCurrency":{"amountMicros":"DescNullsLast"}},{"fieldText":{"label":"AscNullsLast"}}]`},
		{``, `null`},
	}
	for _, tc := range cases {
		got, err := ParseRESTOrderBy(tc.in)
		if err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		var want []map[string]any
		if err := json.Unmarshal([]byte(tc.want), &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			g, _ := json.Marshal(got)
			t.Errorf("%s: got %s want %s", tc.in, g, tc.want)
		}
	}
	_, err := ParseRESTOrderBy(`fieldText[invalid]`)
	var qe *Error
	if !errors.As(err, &qe) || qe.Message != "'order_by' direction 'invalid' invalid. Allowed values are 'AscNullsFirst', 'AscNullsLast', 'DescNullsFirst', 'DescNullsLast'. eg: ?order_by=field_1[AscNullsFirst],field_2[DescNullsLast],field_3" {
		t.Errorf("invalid direction: %v", err)
	}
	if _, err := ParseRESTOrderBy(`name[AscNullsFirst`); err == nil {
		t.Error("unclosed bracket accepted")
	}
}

// A REST filter and its GraphQL twin select the same rows.
func TestRESTFilterMatchesGraphQLFilter(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		person      bool
		rest, gql   string
		order, want string
	}{
		{false, `name[eq]:"Acme"`, `{"name":{"eq":"Acme"}}`, ``, "c01"},
		{false, `and(employees[gte]:7,not(name[ilike]:"%a%"))`, `{"and":[{"employees":{"gte":7}},{"not":{"name":{"ilike":"%a%"}}}]}`, ``, "c06"},
		{false, `annualRecurringRevenue.amountMicros[gt]:0`, `{"annualRecurringRevenue":{"amountMicros":{"gt":0}}}`, ``, "c01 c03 c05"},
		{false, `idealCustomerProfile[eq]:true,position[lte]:2`, `{"idealCustomerProfile":{"eq":true},"position":{"lte":2}}`, ``, "c01 c12"},
		{false, `tags[containsAny]:["A","C"]`, `{"tags":{"containsAny":["A","C"]}}`, ``, "c04 c06 c01"},
		{false, `employees[in]:[5,20]`, `{"employees":{"in":[5,20]}}`, ``, "c04 c03"},
		{false, `name[is]:NULL`, `{"name":{"is":"NULL"}}`, ``, "c07 c08"},
		{false, `deletedAt[is]:NOT_NULL`, `{"deletedAt":{"is":"NOT_NULL"}}`, ``, "c09"},
		{false, `foundedAt[gte]:2021-01-01T00:00:00Z`, `{"foundedAt":{"gte":"2021-01-01T00:00:00.000Z"}}`, `employees[DescNullsLast]`, "c05 c03"},
		{true, `phones.primaryPhoneNumber[eq]:"123"`, `{"phones":{"primaryPhoneNumber":{"eq":"123"}}}`, ``, "p1"},
		{true, `or(companyId[eq]:c03,name.lastName[startsWith]:"Sm")`, `{"or":[{"companyId":{"eq":"c03"}},{"name":{"lastName":{"startsWith":"Sm"}}}]}`, `name.firstName[AscNullsLast]`, "p2 p3"}, // "Bob" < "alan" bytewise,
	}
	for _, tc := range cases {
		t.Run(tc.rest, func(t *testing.T) {
			obj := f.company
			if tc.person {
				obj = f.person
			}
			rf, err := ParseRESTFilter(tc.rest)
			if err != nil {
				t.Fatal(err)
			}
			ro, err := ParseRESTOrderBy(tc.order)
			if err != nil {
				t.Fatal(err)
			}
			got, _, _ := f.run(t, obj, rf, ro, Page{})
			twin, _, _ := f.run(t, obj, mustJSON(t, tc.gql), ro, Page{})
			if !reflect.DeepEqual(got, ids(tc.want)) || !reflect.DeepEqual(twin, ids(tc.want)) {
				t.Errorf("REST %v, GraphQL %v, want %s", got, twin, tc.want)
			}
		})
	}
}
