package projections

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand"
	"reflect"
	"testing"

	"edgecrm/domain"
	"edgecrm/host"
)

// TestUnflattenerIsUnflatten: the batch form reads every standard object's
// row as Unflatten does.
func TestUnflattenerIsUnflatten(t *testing.T) {
	for _, obj := range domain.StandardObjects() {
		row := map[string]any{}
		for i, f := range obj.Fields {
			for _, c := range f.Columns() {
				switch c.Type {
				case domain.TypeBoolean, domain.TypeNumber, domain.TypeNumeric, domain.TypePosition:
					row[c.Name] = int64(i)
				case domain.TypeRawJSON, domain.TypeArray, domain.TypeMultiSelect:
					row[c.Name] = `["a"]`
				default:
					row[c.Name] = c.Name
				}
			}
		}
		if got, want := NewUnflattener(obj).Unflatten(row), Unflatten(obj, row); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %v, want %v", obj.NameSingular, got, want)
		}
	}
}

// TestRecordJSONIsUnflattenEncoded: RecordJSON writes, for every standard
// object, the bytes host.AppendJSON writes for Unflatten's record without
// the hidden fields, whatever the values (absent, NULL, numbers stored as
// integers or floats, JSON texts, strings needing escapes).
func TestRecordJSONIsUnflattenEncoded(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	values := []func() any{
		func() any { return nil },
		func() any { return int64(rng.Intn(2000) - 1000) },
		func() any { return rng.NormFloat64() * 1e6 },
		func() any { return `{"b":[1,"x"],"a":{"z":null,"y":true}}` },
		func() any { return `["a","b"]` },
		func() any { return `not json` },
		func() any { return "Zoë \"Müller\" <a&b>\n\u2028" },
		func() any { return fmt.Sprintf("%x", rng.Int63()) },
	}
	for _, obj := range domain.StandardObjects() {
		fields := NewUnflattener(obj).fields
		for i := 0; i < 50; i++ {
			row := map[string]any{}
			for _, f := range obj.Fields {
				for _, c := range f.Columns() {
					if rng.Intn(5) > 0 {
						row[c.Name] = values[rng.Intn(len(values))]()
					}
				}
			}
			hidden := map[string]bool{}
			for _, f := range fields {
				if rng.Intn(8) == 0 {
					hidden[f.name] = true
				}
			}
			rec := Unflatten(obj, row)
			for name := range hidden {
				delete(rec, name)
			}
			want, err := host.AppendJSON(nil, rec)
			if err != nil {
				t.Fatal(err)
			}
			got, err := NewRecordJSON(obj, hidden).Append(nil, row)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Fatalf("%s:\n got %s\nwant %s", obj.NameSingular, got, want)
			}
		}
	}
	list, err := NewRecordJSON(domain.StandardObjects()[0], nil).List([]map[string]any{{}, {"id": "a"}})
	if err != nil || !json.Valid(list) || list[0] != '[' {
		t.Fatalf("List: %s %v", list, err)
	}
	if b, _ := json.Marshal(map[string]any{"x": list}); !bytes.HasPrefix(b, []byte(`{"x":[{`)) {
		t.Fatalf("encoding/json does not embed RawJSON: %s", b)
	}
}

// TestRecordJSONForKeepsOnePerObject: the writer of an object with
// nothing hidden is built once; with hidden fields, or for an edited copy
// of the object (a schema edit copies it), it is built for the call.
func TestRecordJSONForKeepsOnePerObject(t *testing.T) {
	obj := domain.StandardObjects()[0]
	if RecordJSONFor(obj, nil) != RecordJSONFor(obj, map[string]bool{}) {
		t.Fatal("built twice for the same object")
	}
	hidden := map[string]bool{"id": true}
	if w := RecordJSONFor(obj, hidden); w == RecordJSONFor(obj, nil) || len(w.fields) >= len(RecordJSONFor(obj, nil).fields) {
		t.Fatal("hidden fields were written")
	}
	edited := *obj
	edited.Fields = obj.Fields[:1]
	if w := RecordJSONFor(&edited, nil); len(w.fields) != 1 {
		t.Fatalf("an edited copy writes %d fields, want 1", len(w.fields))
	}
}
