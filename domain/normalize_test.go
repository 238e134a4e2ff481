package domain

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestDecideNormalisesInput: each input form an API may decode a value to
// gives the same canonical value in the event.
func TestDecideNormalisesInput(t *testing.T) {
	st := newFakeState(relationSchema())
	st.positions = map[string]PositionRange{"company": {Min: -2, Max: 40, Any: true}}
	cases := []struct {
		name   string
		object string
		in     map[string]any
		want   map[string]any
	}{
		{"NUMBER json.Number", "company",
			map[string]any{"employees": json.Number("12")}, map[string]any{"employees": 12.0}},
		{"NUMBER int64", "company", map[string]any{"employees": int64(12)}, map[string]any{"employees": 12.0}},
		{"NUMBER decimal json.Number", "company", map[string]any{"employees": json.Number("12.5")}, map[string]any{"employees": 12.5}},
		{"NUMBER Go int", "company", map[string]any{"employees": 3}, map[string]any{"employees": 3.0}},
		{"POSITION number", "company", map[string]any{"position": json.Number("7")}, map[string]any{"position": 7.0}},
		{"POSITION first", "company", map[string]any{"position": "first"}, map[string]any{"position": -3.0}},
		{"POSITION last", "company", map[string]any{"position": "last"}, map[string]any{"position": 41.0}},
		{"POSITION with no positioned record", "person", map[string]any{"position": "last"}, map[string]any{"position": 0.0}},
		{"NUMERIC integer forms", "company",
			map[string]any{"annualRecurringRevenue": map[string]any{"amountMicros": json.Number("1500000000000"), "currencyCode": "EUR"}},
			map[string]any{"annualRecurringRevenue": map[string]any{"amountMicros": int64(1500000000000), "currencyCode": "EUR"}}},
		{"NUMERIC exponent", "company",
			map[string]any{"annualRecurringRevenue": map[string]any{"amountMicros": 1.5e12}},
			map[string]any{"annualRecurringRevenue": map[string]any{"amountMicros": int64(1500000000000)}}},
		{"NUMERIC string", "company",
			map[string]any{"annualRecurringRevenue": map[string]any{"amountMicros": "1500000000000"}},
			map[string]any{"annualRecurringRevenue": map[string]any{"amountMicros": int64(1500000000000)}}},
		{"NUMERIC decimal string", "company",
			map[string]any{"address": map[string]any{"addressLat": "48.8566", "addressLng": json.Number("2.0"), "addressCity": "Paris"}},
			map[string]any{"address": map[string]any{"addressLat": 48.8566, "addressLng": int64(2), "addressCity": "Paris"}}},
		{"NUMERIC keeps every digit of a big integer", "company",
			map[string]any{"annualRecurringRevenue": map[string]any{"amountMicros": json.Number("9007199254740993")}},
			map[string]any{"annualRecurringRevenue": map[string]any{"amountMicros": int64(9007199254740993)}}},
		{"DATE_TIME with an offset", "task", map[string]any{"dueAt": "2024-05-05T14:00:00+02:00"}, map[string]any{"dueAt": "2024-05-05T12:00:00.000Z"}},
		{"DATE_TIME with nanoseconds", "task", map[string]any{"dueAt": "2024-05-05T12:00:00.123456789Z"}, map[string]any{"dueAt": "2024-05-05T12:00:00.123Z"}},
		{"DATE_TIME canonical", "task", map[string]any{"dueAt": "2024-05-05T12:00:00.000Z"}, map[string]any{"dueAt": "2024-05-05T12:00:00.000Z"}},
		{"DATE_TIME null", "task", map[string]any{"dueAt": nil}, map[string]any{"dueAt": nil}},
		{"RAW_JSON numbers by value, typed containers", "timelineActivity",
			map[string]any{"properties": map[string]any{"a": json.Number("1.0"), "b": []string{"x"}, "c": map[string]int{"d": 2}, "e": 0.5}},
			map[string]any{"properties": map[string]any{"a": int64(1), "b": []any{"x"}, "c": map[string]any{"d": int64(2)}, "e": 0.5}}},
		{"RAW_JSON parts of composites", "person",
			map[string]any{"emails": map[string]any{"additionalEmails": []string{"a@b.co"}}},
			map[string]any{"emails": map[string]any{"additionalEmails": []any{"a@b.co"}}}},
		{"TEXT, BOOLEAN, SELECT and relation ids unchanged", "company",
			map[string]any{"name": "12", "idealCustomerProfile": true, "accountOwnerId": nil},
			map[string]any{"name": "12", "idealCustomerProfile": true, "accountOwnerId": nil}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := deepCopyJSON(c.in)
			got, err := Decide(st, RecordCommand{Kind: Create, Object: c.object, ID: uid(50), Data: c.in})
			if err != nil {
				t.Fatal(err)
			}
			data := got[0].Payload.(RecordCreated).Data
			for k, want := range c.want {
				if !reflect.DeepEqual(data[k], want) {
					t.Errorf("%s = %#v, want %#v", k, data[k], want)
				}
			}
			if !reflect.DeepEqual(c.in, before) {
				t.Errorf("Decide modified its input: %#v, was %#v", c.in, before)
			}
		})
	}
}

// TestNormalisedDefaults: a metadata default is stored normalised, so a
// record that takes it carries the same value as one that gives it.
func TestNormalisedDefaults(t *testing.T) {
	s := &Schema{Objects: StandardObjects()}
	company := s.Object("company")
	cases := []struct {
		name string
		typ  FieldType
		def  any
		want any
	}{
		{"number", TypeNumber, int64(3), 3.0},
		{"date-time", TypeDateTime, "2024-01-01T01:00:00+01:00", "2024-01-01T00:00:00.000Z"},
		{"generated date-time", TypeDateTime, "now", "now"},
		{"currency", TypeCurrency, map[string]any{"amountMicros": 5.0, "currencyCode": "EUR"},
			map[string]any{"amountMicros": int64(5), "currencyCode": "EUR"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			changes, err := DecideMetadata(s, CreateField{ObjectID: company.ID, Name: "x" + string(c.typ[:2]), Label: "X", Type: c.typ, DefaultValue: c.def},
				func() string { return uid(60) })
			if err != nil {
				t.Fatal(err)
			}
			if got := changes[0].Payload.(FieldCreated).Field.DefaultValue; !reflect.DeepEqual(got, c.want) {
				t.Fatalf("default %#v, want %#v", got, c.want)
			}
		})
	}
}

func deepCopyJSON(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if sub, ok := v.(map[string]any); ok {
			v = deepCopyJSON(sub)
		}
		out[k] = v
	}
	return out
}
