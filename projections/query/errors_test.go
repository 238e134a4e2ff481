package query

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

func TestFilterAndOrderErrors(t *testing.T) {
	s := testSchema()
	cases := []struct {
		person         bool
		filter, order  string
		table          string
		field, message string // message: substring
	}{
		{filter: `{"nmae":{"eq":"x"}}`, field: "nmae", message: `unknown field "nmae" on object company`},
		{filter: `{"or":[{"and":[{"nmae":{"eq":"x"}}]}]}`, field: "nmae", message: `unknown field "nmae" on object company`},
		{person: true, filter: `{"name":{"firstNme":{"eq":"x"}}}`, field: "name.firstNme", message: `unknown subfield "firstNme" of field "name" (FULL_NAME) on object person`},
		{person: true, filter: `{"company":{"nmae":{"eq":"x"}}}`, field: "company.nmae", message: `unknown field "nmae" on object company`},
		{person: true, filter: `{"company":{"name":{"eq":"x"}}}`, table: "people_tbl", field: "company", message: `is not named <prefix>person`},
		{filter: `{"people":{"city":{"eq":"x"}}}`, field: "people", message: `one-to-many relation "people"`},
		{filter: `{"employees":{"like":"1%"}}`, field: "employees", message: `operator "like" is not supported on field "employees" (NUMBER) of object company`},
		{filter: `{"tags":{"eq":"A"}}`, field: "tags", message: `operator "eq" is not supported`},
		{filter: `{"idealCustomerProfile":{"gt":true}}`, field: "idealCustomerProfile", message: `operator "gt" is not supported`},
		{filter: `{"name":{"regex":"x"}}`, field: "name", message: `operator "regex" is not supported`},
		{filter: `{"annualRecurringRevenue":{"amountMicros":{"ilike":"1"}}}`, field: "annualRecurringRevenue.amountMicros", message: `operator "ilike"`},
		{filter: `{"employees":{"gt":"abc"}}`, field: "employees", message: `expected a number, got "abc"`},
		{filter: `{"employees":{"in":[1,"x"]}}`, field: "employees", message: `expected a list of a number, got "x"`},
		{filter: `{"idealCustomerProfile":{"eq":"yes"}}`, field: "idealCustomerProfile", message: `expected a boolean`},
		{filter: `{"foundedAt":{"eq":"yesterday"}}`, field: "foundedAt", message: `expected an ISO 8601 date-time string`},
		{filter: `{"name":{"eq":5}}`, field: "name", message: `expected a string, got 5`},
		{filter: `{"name":{"eq":null}}`, field: "name", message: `expected a string, got null`},
		{filter: `{"name":{"in":"x"}}`, field: "name", message: `expected a list`},
		{filter: `{"name":{"is":"EMPTY"}}`, field: "name", message: `expected NULL or NOT_NULL`},
		{filter: `{"tags":{"isEmptyArray":"maybe"}}`, field: "tags", message: `expected a boolean`},
		{filter: `{"name":"Acme"}`, field: "name", message: `must be an object of operators`},
		{filter: `{"and":"x"}`, field: "and", message: `and must be a list of filter objects`},
		{filter: `{"not":[{"name":{"eq":"x"}}]}`, field: "not", message: `not must be a filter object`},
		{order: `[{"nmae":"AscNullsFirst"}]`, field: "nmae", message: `unknown field "nmae" on object company`},
		{order: `[{"name":"Ascending"}]`, field: "name", message: `invalid orderBy direction "Ascending" for "name"`},
		{order: `[{"name":"AscNullsFirst","employees":"AscNullsLast"}]`, field: "orderBy", message: `exactly one field`},
		{order: `[{"annualRecurringRevenue":"AscNullsFirst"}]`, field: "annualRecurringRevenue", message: `names its subfields`},
		{order: `[{"annualRecurringRevenue":{"amount":"AscNullsFirst"}}]`, field: "annualRecurringRevenue.amount", message: `unknown subfield "amount"`},
		{person: true, order: `[{"company":"AscNullsFirst"}]`, field: "company", message: `order by "companyId"`},
	}
	for _, tc := range cases {
		t.Run(tc.filter+tc.order, func(t *testing.T) {
			obj := s.Object("company")
			if tc.person {
				obj = s.Object("person")
			}
			table := tc.table
			if table == "" {
				table = obj.NameSingular
			}
			_, err := Compile(s, obj, table, mustJSON(t, tc.filter), mustOrder(t, tc.order), Page{})
			var qe *Error
			if !errors.As(err, &qe) {
				t.Fatalf("want *Error, got %T %v", err, err)
			}
			if qe.Field != tc.field || !strings.Contains(qe.Message, tc.message) {
				t.Errorf("got Field %q Message %q; want Field %q, message containing %q", qe.Field, qe.Message, tc.field, tc.message)
			}
		})
	}
}

func TestRelationFilterWithoutSchema(t *testing.T) {
	s := testSchema()
	_, err := Compile(nil, s.Object("person"), "person", mustJSON(t, `{"company":{"name":{"eq":"x"}}}`), nil, Page{})
	var qe *Error
	if !errors.As(err, &qe) || qe.Field != "company" {
		t.Fatalf("got %v", err)
	}
	// The join column needs no schema.
	if _, err := Compile(nil, s.Object("person"), "person", mustJSON(t, `{"companyId":{"eq":"x"}}`), nil, Page{}); err != nil {
		t.Fatal(err)
	}
}

func TestPageErrors(t *testing.T) {
	s := testSchema()
	company := s.Object("company")
	compile := func(p Page) error {
		_, err := Compile(s, company, "company", nil, nil, p)
		return err
	}
	if err := compile(Page{First: ip(MaxPageSize)}); err != nil {
		t.Errorf("first = max: %v", err)
	}
	for _, p := range []Page{{First: ip(MaxPageSize + 1)}, {Last: ip(1 << 30)}} {
		err := compile(p)
		if !errors.Is(err, ErrTooManyRows) {
			t.Errorf("%+v: want ErrTooManyRows, got %v", p, err)
		}
		var qe *Error
		if errors.As(err, &qe) {
			t.Errorf("too many rows must not be a 400 *Error")
		}
	}
	for _, tc := range []struct {
		p     Page
		field string
	}{
		{Page{First: ip(1), Last: ip(1)}, "first"},
		{Page{First: ip(-1)}, "first"},
		{Page{Last: ip(-5)}, "last"},
		{Page{Offset: -1}, "offset"},
	} {
		var qe *Error
		if err := compile(tc.p); !errors.As(err, &qe) || qe.Field != tc.field {
			t.Errorf("%+v: got %v", tc.p, err)
		}
	}
}

func TestInvalidCursors(t *testing.T) {
	s := testSchema()
	company := s.Object("company")
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	cases := []struct {
		cursor, order string
	}{
		{"!!!not base64!!!", ""},
		{b64("not json"), ""},
		{b64(`[1,2]`), ""},
		{b64(`null`), ""},
		{b64(`{"id":"c01"}`), ""},                                        // no position
		{b64(`{"position":1}`), ""},                                      // no id
		{b64(`{"position":1,"id":null}`), ""},                            // null id
		{b64(`{"position":"one","id":"c01"}`), ""},                       // position is a number column
		{b64(`{"position":1,"id":7}`), ""},                               // id is text
		{b64(`{"position":{"x":1},"id":"c01"}`), ""},                     // not a scalar
		{b64(`{"position":1,"id":"c01"}`), `[{"name":"AscNullsFirst"}]`}, // issued for another order
	}
	for _, tc := range cases {
		for _, arg := range []string{"after", "before"} {
			p := Page{After: tc.cursor}
			if arg == "before" {
				p = Page{Before: tc.cursor}
			}
			_, err := Compile(s, company, "company", nil, mustOrder(t, tc.order), p)
			var qe *Error
			if !errors.As(err, &qe) {
				t.Errorf("%s %s: want *Error, got %v", arg, tc.cursor, err)
				continue
			}
			if qe.Field != arg || !strings.HasPrefix(qe.Message, "Invalid cursor") {
				t.Errorf("%s %s: got %+v", arg, tc.cursor, qe)
			}
		}
	}
	// Good cursors in every base64 flavour.
	for _, c := range []string{
		b64(`{"position":1,"id":"c01"}`),
		base64.RawURLEncoding.EncodeToString([]byte(`{"position":1.5,"id":"c01","extra":true}`)),
		b64(`{"position":null,"id":"c01"}`),
	} {
		if _, err := Compile(s, company, "company", nil, nil, Page{After: c}); err != nil {
			t.Errorf("%s: %v", c, err)
		}
	}
}

func TestWhere(t *testing.T) {
	f := newFixture(t)
	w, args, err := Where(f.schema, f.company, "company", mustJSON(t, `{"employees":{"gte":10}}`))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.db.Exec(`SELECT "id" FROM "company" WHERE `+w+` ORDER BY "id"`, args...)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range rows.Maps() {
		got = append(got, m["id"].(string))
	}
	if strings.Join(got, " ") != "c01 c04 c05" {
		t.Errorf("got %v", got)
	}
	w, args, err = Where(f.schema, &testObjectNoSystem, "thing", nil)
	if err != nil || w != "" || len(args) != 0 {
		t.Errorf("object without deletedAt and no filter: %q %v %v", w, args, err)
	}
}
