package metadata

import (
	"fmt"
	"strings"

	"edgecrm/domain"
	"edgecrm/projections"
	"edgecrm/sqldb"
)

// The members of object metadata Twenty's frontend reads besides the
// objects and fields themselves: how a record opens, the fields its search
// vector is built from, live record counts and the fields that are mostly
// empty (the settings pages' hints). All are derived from the schema and
// the object tables; nothing here is stored.
const objectFrontSDL = `
extend type Object {
  openRecordIn: ViewOpenRecordIn!
  searchFieldMetadataList: [SearchFieldMetadata!]!
}

type SearchFieldMetadata {
  id: UUID!
  fieldMetadataId: UUID!
  tsVectorFieldMetadataId: UUID!
  position: Float!
  createdAt: DateTime!
  updatedAt: DateTime!
}

type ObjectRecordCount {
  objectNamePlural: String!
  totalCount: Int!
}

extend type Query {
  objectRecordCounts: [ObjectRecordCount!]!
  mostlyEmptyFieldMetadataIds(objectMetadataId: UUID!): [UUID!]!
}
`

// mostlyEmptyShare is the share of live records a field must be empty in
// to be called mostly empty (Twenty flags 95% empty, not 50%).
const mostlyEmptyShare = 0.9

// frontField resolves the members above on an object; ok is false
// for any other member.
func (n *objectNode) frontField(x *execution, name string) (any, bool) {
	switch name {
	case "openRecordIn":
		return "SIDE_PANEL", true
	case "searchFieldMetadataList":
		at := x.createdAt(n.o.ID)
		vector := domain.DeterministicID("searchVector", n.o.ID)
		out := []any{}
		for i, s := range n.o.Searchable {
			f := n.o.Field(s)
			if f == nil {
				continue
			}
			out = append(out, map[string]any{"id": domain.DeterministicID("searchField", n.o.ID, f.ID),
				"fieldMetadataId": f.ID, "tsVectorFieldMetadataId": vector, "position": float64(i),
				"createdAt": at, "updatedAt": at})
		}
		return out, true
	}
	return nil, false
}

// objectFrontQuery answers the root queries above; ok is false for others.
func objectFrontQuery(x *execution, name string, args map[string]any) (any, bool, error) {
	switch name {
	case "objectRecordCounts":
		v, err := x.recordCounts()
		return v, true, err
	case "mostlyEmptyFieldMetadataIds":
		id, _ := args["objectMetadataId"].(string)
		o := x.meta().ObjectByID(id)
		if o == nil {
			return nil, true, &domain.MetadataNotFoundError{Kind: "object", ID: id}
		}
		v, err := x.mostlyEmpty(o)
		return v, true, err
	}
	return nil, false, nil
}

// recordCounts counts each object's live records in one statement: one
// row of scalar subqueries (workerd's SQLite refuses a compound SELECT of
// more than a few terms, so not a UNION).
func (x *execution) recordCounts() ([]any, error) {
	objs := x.meta().SortedObjects()
	if len(objs) == 0 {
		return []any{}, nil
	}
	parts := make([]string, len(objs))
	for i, o := range objs {
		parts[i] = fmt.Sprintf(`(SELECT COUNT(*) FROM %s WHERE "deletedAt" IS NULL)`, projections.Q(o.NameSingular))
	}
	rows, err := x.w.DB.Exec("SELECT " + strings.Join(parts, ", "))
	if err != nil {
		return nil, err
	}
	if len(rows.Values) != 1 {
		return nil, fmt.Errorf("metadata: record counts: %d rows", len(rows.Values))
	}
	out := make([]any, len(objs))
	for i, o := range objs {
		out[i] = map[string]any{"objectNamePlural": o.NamePlural, "totalCount": sqldb.AsInt(rows.Values[0][i])}
	}
	return out, nil
}

// mostlyEmpty lists o's active, non-system fields (the label identifier
// aside) that are empty in at least mostlyEmptyShare of its live records,
// counted in one statement. An object without records has none.
func (x *execution) mostlyEmpty(o *domain.Object) ([]any, error) {
	var fields []*domain.Field
	var sums []string
	for _, f := range o.Fields {
		var cols []domain.Column
		for _, c := range f.Columns() {
			if c.Subfield != "currencyCode" { // has a default even when the amount is empty
				cols = append(cols, c)
			}
		}
		if f.Inactive || f.IsSystem || f.Name == o.LabelIdentifier || len(cols) == 0 {
			continue
		}
		empty := make([]string, len(cols))
		for i, c := range cols {
			q := projections.Q(c.Name)
			empty[i] = fmt.Sprintf(`(%s IS NULL OR %s IN ('', '[]', '{}'))`, q, q)
		}
		fields = append(fields, f)
		sums = append(sums, fmt.Sprintf(`SUM(CASE WHEN %s THEN 1 ELSE 0 END)`, strings.Join(empty, " AND ")))
	}
	out := []any{}
	if len(fields) == 0 {
		return out, nil
	}
	rows, err := x.w.DB.Exec(fmt.Sprintf(`SELECT COUNT(*), %s FROM %s WHERE "deletedAt" IS NULL`,
		strings.Join(sums, ", "), projections.Q(o.NameSingular)))
	if err != nil || len(rows.Values) == 0 {
		return out, err
	}
	r := rows.Values[0]
	total := sqldb.AsInt(r[0])
	if total == 0 {
		return out, nil
	}
	for i, f := range fields {
		if float64(sqldb.AsInt(r[i+1])) >= mostlyEmptyShare*float64(total) {
			out = append(out, f.ID)
		}
	}
	return out, nil
}
