package projections

import (
	"reflect"
	"testing"
	"time"

	"edgecrm/domain"
	"edgecrm/events"
)

// TestWalkedRowIsFlattened: a created event read back from the log (its
// payload walked, no map of its data built) gives the row its decoded
// fields give (Flatten), for every kind of value a record's data holds:
// composites given, null, partial, empty or not a map, arrays and JSON in
// subfields, join columns, relation fields and unknown keys.
func TestWalkedRowIsFlattened(t *testing.T) {
	schema := &domain.Schema{Objects: domain.StandardObjects()}
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	const id = "0190aaaa-0000-7000-8000-0000000000bb"
	cases := []struct {
		object string
		data   map[string]any
	}{
		{"person", map[string]any{
			"name":      map[string]any{"firstName": "Ana", "lastName": "Lima"},
			"emails":    map[string]any{"primaryEmail": "ana@example.com", "additionalEmails": []any{"a@x.io", "b@y.io"}},
			"city":      "Porto",
			"jobTitle":  nil,
			"companyId": "0190aaaa-0000-7000-8000-0000000000cc",
			"company":   map[string]any{"id": "ignored"},
			"unknown":   int64(3),
		}},
		{"person", map[string]any{"name": nil, "emails": map[string]any{}, "phones": "not a map"}},
		{"person", map[string]any{"name": map[string]any{"firstName": "Zé", "bogus": true}}},
		{"company", map[string]any{
			"name":                   "Acme",
			"employees":              int64(250),
			"idealCustomerProfile":   true,
			"domainName":             map[string]any{"primaryLinkUrl": "https://acme.com", "secondaryLinks": []any{map[string]any{"url": "https://acme.io", "label": "io"}}},
			"annualRecurringRevenue": map[string]any{"amountMicros": 1.5e12, "currencyCode": "EUR"},
			"address":                map[string]any{"addressCity": "Lisbon", "addressLat": 38.7},
			"position":               float64(7),
		}},
		{"company", map[string]any{}},
		{"company", nil},
	}
	for i, c := range cases {
		obj := schema.Object(c.object)
		ev, err := events.New(c.object+".created", 1, at, "api", "cmd", domain.RecordCreated{ID: id, Data: c.data})
		if err != nil {
			t.Fatal(err)
		}
		ev.Seq = 42
		gotID, got, err := createdRowOf(obj, ev, map[string]any{"stale": 1})
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		fields, err := ev.Fields()
		if err != nil {
			t.Fatal(err)
		}
		data, _ := fields["data"].(map[string]any)
		if want := newRow(obj, ev, id, data); gotID != id || !reflect.DeepEqual(got, want) {
			t.Errorf("case %d: walked %s\n%v\nflattened\n%v", i, gotID, got, want)
		}
		if i == 1 { // a composite given null clears its columns; one given a non-map, none
			v, ok := got["nameFirstName"]
			_, phones := got["phonesPrimaryPhoneNumber"]
			if !ok || v != nil || phones {
				t.Errorf("null name, phones not a map: %v", got)
			}
		}
	}
}
