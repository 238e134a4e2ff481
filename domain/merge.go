package domain

import (
	"fmt"
	"reflect"
)

// MergeCommand merges records of one object into one (Twenty's
// merge<Objects>): the record at Priority is kept; each of its fields
// that is empty takes the value of the first other record (in IDs order)
// that has one, and an EMAILS field also gathers the others' addresses into
// additionalEmails; every record pointing at a merged record (any
// MANY_TO_ONE relation, soft-deleted pointers included) is moved to the
// kept one; the other records are soft-deleted.
type MergeCommand struct {
	Object   string
	IDs      []string
	Priority int // index in IDs of the record kept (conflictPriorityIndex)
}

// MaxMergeRecords bounds the records of one merge.
var MaxMergeRecords = 10

// MergeState is the read side a merge needs beyond State: a record's
// current values, GraphQL-shaped (join columns by name, composites as
// objects), nil when it does not exist.
type MergeState interface {
	State
	RecordData(object, id string) (map[string]any, error)
}

// mergeExcluded are the fields a merge never copies: the kept record keeps
// its identity, timestamps, authorship and position.
var mergeExcluded = map[string]bool{
	"id": true, "createdAt": true, "updatedAt": true, "deletedAt": true,
	"createdBy": true, "updatedBy": true, "position": true,
}

// DecideMerge validates cmd and returns the kept record's id, the changes
// to its fields (the merged values, GraphQL-shaped) and the events: one
// `<obj>.updated` for the kept record (when a field changes), one
// `<other>.updated` per pointing record moved (its join column), one
// `<obj>.deleted` per merged record, in that order.
func DecideMerge(st MergeState, cmd MergeCommand) (keptID string, merged map[string]any, changes []Change, err error) {
	schema := st.Schema()
	obj := schema.Object(cmd.Object)
	if obj == nil {
		return "", nil, nil, &UnknownObjectError{Name: cmd.Object}
	}
	if len(cmd.IDs) < 2 || len(cmd.IDs) > MaxMergeRecords {
		return "", nil, nil, &ValidationError{Field: "ids", Rule: "count", Message: fmt.Sprintf("a merge takes 2 to %d records, got %d", MaxMergeRecords, len(cmd.IDs))}
	}
	if cmd.Priority < 0 || cmd.Priority >= len(cmd.IDs) {
		return "", nil, nil, &ValidationError{Field: "conflictPriorityIndex", Rule: "range", Message: fmt.Sprintf("conflictPriorityIndex %d is not an index of ids (0 to %d)", cmd.Priority, len(cmd.IDs)-1)}
	}
	seen := map[string]bool{}
	data := make([]map[string]any, len(cmd.IDs))
	for i, id := range cmd.IDs {
		if !IsUUID(id) {
			return "", nil, nil, &ValidationError{Field: "ids", Rule: "uuid", Message: fmt.Sprintf("id %q is not a UUID", id)}
		}
		if seen[id] {
			return "", nil, nil, &ValidationError{Field: "ids", Rule: "unique", Message: fmt.Sprintf("id %s is given twice", id)}
		}
		seen[id] = true
		cur, err := st.Record(obj.NameSingular, id)
		if err != nil {
			return "", nil, nil, err
		}
		if cur == nil || cur.Deleted {
			return "", nil, nil, &NotFoundError{Object: obj.NameSingular, ID: id}
		}
		if data[i], err = st.RecordData(obj.NameSingular, id); err != nil {
			return "", nil, nil, err
		}
	}
	keptID = cmd.IDs[cmd.Priority]
	kept := data[cmd.Priority]
	others := make([]map[string]any, 0, len(data)-1)
	otherIDs := make([]string, 0, len(data)-1)
	for i, d := range data {
		if i != cmd.Priority {
			others = append(others, d)
			otherIDs = append(otherIDs, cmd.IDs[i])
		}
	}

	merged = map[string]any{}
	for _, f := range obj.Fields {
		key := f.Name
		if f.Type == TypeRelation {
			if f.Relation == nil || f.Relation.Type != ManyToOne {
				continue
			}
			key = f.JoinColumn()
		}
		if mergeExcluded[key] || len(f.Columns()) == 0 {
			continue
		}
		v := kept[key]
		if emptyValue(f, v) {
			for _, o := range others {
				if !emptyValue(f, o[key]) {
					v = o[key]
					break
				}
			}
		}
		if f.Type == TypeEmails {
			v = mergeEmails(v, key, others)
		}
		if !reflect.DeepEqual(v, kept[key]) {
			merged[key] = v
		}
	}
	if len(merged) > 0 {
		if err := ValidateData(schema, obj, merged, false); err != nil {
			return "", nil, nil, err
		}
		if merged, err = NormalizeData(st, obj, merged); err != nil {
			return "", nil, nil, err
		}
		changes = append(changes, Change{Type: EventType(obj.NameSingular, ActionUpdated), Payload: RecordUpdated{ID: keptID, Changes: merged}})
	}
	rels := pointingRelations(schema, obj)
	// Per relation, then per merged record, as the events have always come.
	byOther := make([][][]string, len(otherIDs))
	for j, other := range otherIDs {
		if len(rels) > 0 {
			refs, err := st.Referencing(joinRefs(rels), other)
			if err != nil {
				return "", nil, nil, err
			}
			byOther[j] = refs
		}
	}
	for i, rel := range rels {
		for j := range otherIDs {
			for _, id := range byOther[j][i] {
				changes = append(changes, Change{Type: EventType(rel.From.NameSingular, ActionUpdated),
					Payload: RecordUpdated{ID: id, Changes: map[string]any{rel.Field.JoinColumn(): keptID}}})
			}
		}
	}
	for _, other := range otherIDs {
		changes = append(changes, Change{Type: EventType(obj.NameSingular, ActionDeleted), Payload: RecordRef{ID: other}})
	}
	return keptID, merged, changes, nil
}

// emptyValue reports whether a field's value counts as empty for a merge:
// null, "", an empty list, or a composite whose scalar parts are all empty.
func emptyValue(f *Field, v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		if !IsComposite(f.Type) {
			return len(x) == 0
		}
		for _, s := range Subfields(f.Type) {
			if s.Type == TypeRawJSON || f.Type == TypeCurrency && s.Name == "currencyCode" || f.Type == TypeActor {
				continue
			}
			if !emptyValue(&Field{Type: s.Type}, x[s.Name]) {
				return false
			}
		}
		return true
	}
	return false
}

// mergeEmails adds the other records' addresses (primary and additional)
// to v's additionalEmails, without repeating v's primary or any address.
func mergeEmails(v any, key string, others []map[string]any) any {
	m, _ := v.(map[string]any)
	primary, _ := m["primaryEmail"].(string)
	have := map[string]bool{primary: true, "": true}
	var extra []any
	add := func(list any) {
		l, _ := list.([]any)
		for _, e := range l {
			if s, ok := e.(string); ok && !have[s] {
				have[s] = true
				extra = append(extra, s)
			}
		}
	}
	add(m["additionalEmails"])
	before := len(extra)
	for _, o := range others {
		if om, ok := o[key].(map[string]any); ok {
			add([]any{om["primaryEmail"]})
			add(om["additionalEmails"])
		}
	}
	if len(extra) == before || primary == "" && len(extra) == 0 {
		return v
	}
	out := map[string]any{"primaryEmail": m["primaryEmail"], "additionalEmails": extra}
	if primary == "" { // the first address becomes the primary
		out["primaryEmail"], out["additionalEmails"] = extra[0], extra[1:]
	}
	return out
}
