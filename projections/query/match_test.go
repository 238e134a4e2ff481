package query

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"edgecrm/domain"
	"edgecrm/sqldb"
)

// Differential test: for every filter, the in-memory Matcher selects
// exactly the rows the compiled SQL selects, over the fixture (which has
// NULLs in most columns, a soft-deleted row, empty strings and arrays, LIKE
// and GLOB metacharacters).
var matcherCompanyFilters = []string{
	``, `{"name":{}}`,
	`{"name":{"eq":"Acme"}}`, `{"name":{"neq":"Acme"}}`, `{"name":{"in":["Beta","Gamma","nope"]}}`, `{"name":{"in":[]}}`,
	`{"name":{"is":"NULL"}}`, `{"name":{"is":"NOT_NULL"}}`, `{"name":{"eq":""}}`, `{"name":{"neq":""}}`,
	`{"name":{"like":"%cme%"}}`, `{"name":{"like":"A%"}}`, `{"name":{"like":"acme"}}`, `{"name":{"like":"Zeta\\_1\\%"}}`,
	`{"name":{"like":"Zeta_1_"}}`, `{"name":{"like":"%*%"}}`, `{"name":{"like":"Eta[*]Star"}}`, `{"name":{"like":"_psilon"}}`,
	`{"name":{"like":"%\\"}}`, `{"name":{"ilike":"%\\"}}`, `{"name":{"ilike":"%ACME%"}}`, `{"name":{"ilike":"a%"}}`,
	`{"name":{"ilike":"%\\%"}}`, `{"name":{"ilike":"épsilon"}}`, `{"name":{"ilike":"_PSILON"}}`, `{"name":{"ilike":""}}`,
	`{"name":{"startsWith":"a"}}`, `{"name":{"startsWith":"Eta*"}}`, `{"name":{"startsWith":"Et?"}}`, `{"name":{"startsWith":""}}`,
	`{"name":{"endsWith":"ta"}}`, `{"name":{"gt":"delta"}}`, `{"name":{"gte":"delta","lt":"theta"}}`, `{"name":{"lte":""}}`,
	`{"employees":{"eq":10}}`, `{"employees":{"eq":10.0}}`, `{"employees":{"neq":10}}`, `{"employees":{"gt":7}}`, `{"employees":{"gte":7}}`,
	`{"employees":{"lt":5}}`, `{"employees":{"lte":"5"}}`, `{"employees":{"lt":"2.5"}}`, `{"employees":{"in":[5,20]}}`, `{"employees":{"in":["5","7"]}}`,
	`{"employees":{"is":"NULL"}}`, `{"employees":{"is":"NOT_NULL"}}`, `{"position":{"lte":2}}`, `{"position":{"gt":2.5}}`,
	`{"idealCustomerProfile":{"eq":true}}`, `{"idealCustomerProfile":{"eq":"false"}}`, `{"idealCustomerProfile":{"neq":true}}`,
	`{"idealCustomerProfile":{"is":"NULL"}}`, `{"idealCustomerProfile":{"is":"NOT_NULL"}}`,
	`{"stage":{"eq":"NEW"}}`, `{"stage":{"neq":"NEW"}}`, `{"stage":{"in":["CUSTOMER","MEETING"]}}`, `{"stage":{"is":"NULL"}}`,
	`{"tags":{"containsAny":["A"]}}`, `{"tags":{"containsAny":["B","C"]}}`, `{"tags":{"containsAny":[]}}`, `{"tags":{"isEmptyArray":true}}`,
	`{"tags":{"isEmptyArray":false}}`, `{"tags":{"is":"NULL"}}`, `{"tags":{"is":"NOT_NULL"}}`, `{"not":{"tags":{"isEmptyArray":false}}}`,
	`{"not":{"tags":{"containsAny":["A"]}}}`,
	`{"aliases":{"containsIlike":"%ACME%"}}`, `{"aliases":{"containsIlike":"%group"}}`, `{"aliases":{"isEmptyArray":true}}`,
	`{"aliases":{"containsAny":["beta","x"]}}`, `{"not":{"aliases":{"containsIlike":"%a%"}}}`,
	`{"properties":{"like":"%gold%"}}`, `{"properties":{"like":"%\"x\":1%"}}`, `{"properties":{"is":"NOT_NULL"}}`, `{"properties":{"ilike":"%GOLD%"}}`,
	`{"foundedAt":{"eq":"2020-01-01T00:00:00Z"}}`, `{"foundedAt":{"eq":"2020-01-01T01:00:00+01:00"}}`,
	`{"foundedAt":{"gt":"2020-01-01T00:00:00.000Z"}}`, `{"foundedAt":{"lt":"2020-01-01"}}`, `{"foundedAt":{"gte":"2021-06-15T14:30:00+02:00"}}`,
	`{"foundedAt":{"in":["2019-03-01T00:00:00Z","2022-02-02T02:02:02.002Z"]}}`, `{"foundedAt":{"is":"NULL"}}`, `{"foundedAt":{"neq":"2020-01-01"}}`,
	`{"annualRecurringRevenue":{"amountMicros":{"gt":0}}}`, `{"annualRecurringRevenue":{"amountMicros":{"gte":"1000000"},"currencyCode":{"eq":"USD"}}}`,
	`{"annualRecurringRevenue":{"amountMicros":{"is":"NULL"}}}`, `{"annualRecurringRevenue":{"currencyCode":{"neq":"USD"}}}`,
	`{"domainName":{"primaryLinkUrl":{"eq":"acme.com"}}}`, `{"domainName":{"primaryLinkUrl":{"ilike":"%.IO"}}}`,
	`{"address":{"addressCity":{"ilike":"paris"}}}`, `{"address":{"addressCity":{"eq":"Paris"}}}`, `{"address":{"addressCity":{"is":"NULL"}}}`,
	`{"address":{"addressCity":{"eq":""}}}`, `{"address":{}}`, `{"address":{"addressCity":null}}`,
	`{"id":{"eq":"c03"}}`, `{"id":{"in":["c01","c09"]}}`, `{"id":{"neq":"c01"}}`,
	`{"or":[{"name":{"eq":"Acme"}},{"employees":{"gt":10}}]}`, `{"and":[{"employees":{"gte":7}},{"not":{"name":{"ilike":"%a%"}}}]}`,
	`{"not":{"name":{"eq":"Acme"}}}`, `{"not":{"or":[{"employees":{"is":"NULL"}},{"employees":{"lt":10}}]}}`,
	`{"or":[{"stage":{"eq":"NEW"}},{"and":[{"tags":{"containsAny":["A"]}},{"idealCustomerProfile":{"eq":true}}]}],"employees":{"gte":10}}`,
	`{"and":{"name":{"eq":"Beta"}}}`, `{"or":[]}`, `{"and":[]}`, `{"not":{}}`, `{"not":null}`, `{"or":[null,{"name":{"eq":"Beta"}}]}`,
	`{"not":{"employees":{"gt":5}}}`, `{"not":{"not":{"employees":{"gt":5}}}}`,
	`{"or":[{"employees":{"gt":5}},{"not":{"employees":{"gt":5}}}]}`,
	`{"not":{"and":[{"employees":{"gt":5}},{"stage":{"eq":"NEW"}}]}}`,
	`{"deletedAt":{"is":"NOT_NULL"}}`, `{"not":{"deletedAt":{"is":"NULL"}}}`, `{"id":{"in":["c01","c09"]},"not":{"deletedAt":{"is":"NULL"}}}`,
	`{"and":[{"or":[{"deletedAt":{"is":"NULL"}},{"deletedAt":{"is":"NOT_NULL"}}]}]}`, `{"employees":{"eq":10},"deletedAt":{}}`,
	`{"name":{"eq":"Deleted Co"}}`,
}

var matcherPersonFilters = []string{
	``, `{"companyId":{"eq":"c01"}}`, `{"companyId":{"in":["c01","c03"]}}`, `{"companyId":{"is":"NULL"}}`, `{"companyId":{"neq":"c01"}}`,
	`{"company":{"name":{"eq":"Acme"}}}`, `{"company":{"id":{"eq":"c03"}}}`, `{"company":{"employees":{"gte":5}}}`,
	`{"company":{"deletedAt":{"is":"NOT_NULL"}}}`, `{"company":{}}`,
	`{"name":{"firstName":{"ilike":"%a%"}}}`, `{"name":{"firstName":{"like":"A%"}}}`,
	`{"name":{"firstName":{"eq":"Ada"},"lastName":{"eq":"Byron"}}}`, `{"or":[{"name":{"lastName":{"startsWith":"Sm"}}},{"city":{"eq":"London"}}]}`,
	`{"emails":{"primaryEmail":{"is":"NULL"}}}`, `{"emails":{"primaryEmail":{"endsWith":"@acme.com"}}}`,
	`{"emails":{"additionalEmails":{"like":"%x.org%"}}}`, `{"emails":{"additionalEmails":{"isEmptyArray":true}}}`,
	`{"emails":{"additionalEmails":{"isEmptyArray":false}}}`, `{"emails":{"additionalEmails":{"containsIlike":"ADA@%"}}}`,
	`{"emails":{"additionalEmails":{"is":"NULL"}}}`, `{"phones":{"primaryPhoneNumber":{"eq":"123"}}}`,
	`{"createdBy":{"source":{"eq":"MANUAL"}}}`, `{"createdBy":{"name":{"is":"NOT_NULL"}}}`,
	`{"deletedAt":{"is":"NOT_NULL"},"companyId":{"eq":"c01"}}`,
}

// lookupFrom serves rows of the fixture's tables (as JSON-decoded images are
// served in production: numbers as json.Number).
func lookupFrom(t *testing.T, tables map[string][]map[string]any) RowLookup {
	return func(object, id string) (map[string]any, error) {
		for _, r := range tables[object] {
			if sqldb.AsString(r["id"]) == id {
				return r, nil
			}
		}
		return nil, nil
	}
}

// asImage round-trips a row through JSON, as stored event images are.
func asImage(t *testing.T, r map[string]any) map[string]any {
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out map[string]any
	if err := dec.Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestMatcherAgreesWithSQL(t *testing.T) {
	f := newFixture(t)
	tables := f.tables(t)
	images := map[string][]map[string]any{}
	for name, rows := range tables {
		for _, r := range rows {
			images[name] = append(images[name], asImage(t, r))
		}
	}
	check := func(t *testing.T, obj *domain.Object, filter string) {
		fm := mustJSON(t, filter)
		w, args, err := Where(f.schema, obj, obj.NameSingular, fm)
		if err != nil {
			t.Fatal(err)
		}
		q := fmt.Sprintf(`SELECT id FROM %s`, quote(obj.NameSingular))
		if w != "" {
			q += " WHERE " + w
		}
		rows, err := f.db.Exec(q+" ORDER BY id", args...)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, r := range rows.Values {
			want = append(want, sqldb.AsString(r[0]))
		}
		m, err := NewMatcher(f.schema, obj, fm)
		if err != nil {
			t.Fatal(err)
		}
		for name, set := range map[string]map[string][]map[string]any{"rows": tables, "images": images} {
			var got []string
			for _, r := range set[obj.NameSingular] {
				ok, err := m.Match(r, lookupFrom(t, set))
				if err != nil {
					t.Fatal(err)
				}
				if ok {
					got = append(got, sqldb.AsString(r["id"]))
				}
			}
			sort.Strings(got)
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("%s: matcher %v, SQL %v", name, got, want)
			}
		}
	}
	for _, fl := range matcherCompanyFilters {
		t.Run("company "+fl, func(t *testing.T) { check(t, f.company, fl) })
	}
	for _, fl := range matcherPersonFilters {
		t.Run("person "+fl, func(t *testing.T) { check(t, f.person, fl) })
	}
}

func TestMatcherRejectsWhatTheCompilerRejects(t *testing.T) {
	f := newFixture(t)
	for _, fl := range []string{
		`{"nope":{"eq":1}}`, `{"name":{"containsAny":["x"]}}`, `{"employees":{"eq":"ten"}}`, `{"not":[1]}`,
		`{"or":{"name":1}}`, `{"address":{"nope":{"eq":"x"}}}`, `{"people":{"name":{"eq":"x"}}}`, `{"name":{"is":"EMPTY"}}`,
	} {
		_, _, werr := Where(f.schema, f.company, "company", mustJSON(t, fl))
		_, merr := NewMatcher(f.schema, f.company, mustJSON(t, fl))
		if werr == nil || merr == nil || werr.Error() != merr.Error() {
			t.Errorf("%s: Where %v, NewMatcher %v", fl, werr, merr)
		}
	}
}

func TestLikePatterns(t *testing.T) {
	cases := []struct {
		pat, s string
		ilike  bool
		want   bool
	}{
		{"a%c", "abbbc", false, true},
		{"a%c", "ABBBC", false, false},
		{"a%c", "ABBBC", true, true},
		{"_", "é", false, true},
		{"%", "", false, true},
		{"a\\%", "a%", true, true},
		{"a\\%", "ab", true, false},
		{"a\\", "a\\", false, true},
		{"a\\", "a\\", true, false},
		{"É", "é", true, false}, // ASCII folding only
	}
	for _, c := range cases {
		if got, _ := parseLike(c.pat, c.ilike).match(c.s); got != c.want {
			t.Errorf("%q ~ %q (ilike=%v) = %v, want %v", c.s, c.pat, c.ilike, got, c.want)
		}
	}
}
