package projections

import (
	"encoding/json"

	"edgecrm/domain"
	"edgecrm/sqldb"
)

// Unflatten turns a table row (column → value) back into a GraphQL-shaped
// record: composites as objects, JSON parts decoded, booleans as bools,
// MANY_TO_ONE relations as `<field>Id`.
func Unflatten(obj *domain.Object, row map[string]any) map[string]any {
	rec := map[string]any{}
	for _, f := range obj.Fields {
		cols := f.Columns()
		if len(cols) == 0 {
			continue
		}
		if f.Type == domain.TypeRelation {
			rec[cols[0].Name] = row[cols[0].Name]
			continue
		}
		if domain.IsComposite(f.Type) {
			m := map[string]any{}
			for _, c := range cols {
				m[c.Subfield] = readValue(c.Type, row[c.Name])
			}
			rec[f.Name] = m
			continue
		}
		rec[f.Name] = readValue(f.Type, row[f.Name])
	}
	return rec
}

func readValue(t domain.FieldType, v any) any {
	if v == nil {
		switch t {
		case domain.TypeMultiSelect, domain.TypeArray:
			return nil
		}
		return nil
	}
	switch t {
	case domain.TypeBoolean:
		return sqldb.AsInt(v) != 0
	case domain.TypeRawJSON, domain.TypeArray, domain.TypeMultiSelect:
		var out any
		if err := json.Unmarshal([]byte(sqldb.AsString(v)), &out); err != nil {
			return sqldb.AsString(v)
		}
		return out
	case domain.TypeNumber, domain.TypeNumeric, domain.TypePosition:
		switch x := v.(type) {
		case int64:
			return float64(x)
		}
	}
	return v
}
