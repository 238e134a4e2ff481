package projections

import (
	"reflect"
	"testing"

	"edgecrm/domain"
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
