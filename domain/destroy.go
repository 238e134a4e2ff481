package domain

import (
	"fmt"
	"sort"
)

// RuleRestrict is the ValidationError rule of a destroy refused because an
// onDelete RESTRICT relation still points at the record.
const RuleRestrict = "on_delete_restrict"

// RuleCascadeLimit is the ValidationError rule of a destroy whose cascade
// would remove more than MaxDestroyCascade records.
const RuleCascadeLimit = "cascade_limit"

// MaxDestroyCascade bounds the records one destroy may remove (the record
// itself plus everything CASCADE relations take with it), so one command
// stays one reasonably sized transaction.
var MaxDestroyCascade = 10000

// InverseRelation is a MANY_TO_ONE field of From pointing at some target
// object; OnDelete is what destroying the target does to From's records.
type InverseRelation struct {
	From     *Object
	Field    *Field // the MANY_TO_ONE side, owner of the join column
	OnDelete OnDelete
}

// Name is "<object>.<field>" of the MANY_TO_ONE side.
func (r InverseRelation) Name() string { return r.From.NameSingular + "." + r.Field.Name }

// InverseRelations returns every MANY_TO_ONE relation (of any object in
// schema) that targets target, ordered by object then field name. OnDelete
// is taken from the MANY_TO_ONE side, else from its ONE_TO_MANY inverse on
// target, else SET_NULL (Twenty's default).
func InverseRelations(schema *Schema, target *Object) []InverseRelation {
	var out []InverseRelation
	for _, o := range schema.Objects {
		for _, f := range o.Fields {
			if f.Type != TypeRelation || f.Relation == nil || f.Relation.Type != ManyToOne || f.Relation.TargetObject != target.NameSingular {
				continue
			}
			od := f.Relation.OnDelete
			if od == "" {
				if inv := target.Field(f.Relation.TargetField); inv != nil && inv.Relation != nil {
					od = inv.Relation.OnDelete
				}
			}
			if od == "" {
				od = OnDeleteSetNull
			}
			out = append(out, InverseRelation{From: o, Field: f, OnDelete: od})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].From.NameSingular != out[j].From.NameSingular {
			return out[i].From.NameSingular < out[j].From.NameSingular
		}
		return out[i].Field.Name < out[j].Field.Name
	})
	return out
}

// TimelineObject is Twenty's timelineActivity. Its rows are a projection
// of the record events (projections/timeline.go), which also applies the
// onDelete of its target relations when a target is destroyed: a destroy
// plans no events for them.
const TimelineObject = "timelineActivity"

type recordKey struct{ object, id string }

// planDestroy applies onDelete of every relation pointing at the destroyed
// record: RESTRICT refuses the whole command if any record (soft-deleted or
// not) still points at it; CASCADE destroys the pointing records too,
// recursively; SET_NULL clears their join column. The changes are, in order:
// one `<obj>.updated` per record whose join columns are cleared (records
// destroyed by the same command excepted), then the `<obj>.destroyed` events,
// dependents before the records they point at, the requested record last.
func planDestroy(st State, obj *Object, id string) ([]Change, error) {
	schema := st.Schema()
	destroyed := map[recordKey]bool{}
	var destroyOrder []recordKey
	nulls := map[recordKey][]string{}
	var nullOrder []recordKey

	inverse := map[string][]InverseRelation{}
	var visit func(o *Object, id string) error
	visit = func(o *Object, id string) error {
		k := recordKey{o.NameSingular, id}
		if destroyed[k] {
			return nil
		}
		destroyed[k] = true
		if len(destroyed) > MaxDestroyCascade {
			return &ValidationError{Field: "id", Rule: RuleCascadeLimit, Message: fmt.Sprintf(
				"destroying %s %s would remove more than %d records through onDelete CASCADE relations; destroy the dependent records first",
				obj.NameSingular, id, MaxDestroyCascade)}
		}
		rels, ok := inverse[o.NameSingular]
		if !ok {
			rels = pointingRelations(schema, o)
			inverse[o.NameSingular] = rels
		}
		var refs [][]string
		if len(rels) > 0 {
			var err error
			if refs, err = st.Referencing(joinRefs(rels), id); err != nil {
				return err
			}
		}
		for i, rel := range rels {
			ids := refs[i]
			if rel.From.NameSingular == o.NameSingular {
				ids = without(ids, id) // a record pointing at itself goes with it
			}
			if len(ids) == 0 {
				continue
			}
			switch rel.OnDelete {
			case OnDeleteRestrict:
				return &ValidationError{Field: rel.Name(), Rule: RuleRestrict, Message: fmt.Sprintf(
					"cannot destroy %s %s: %d %s record(s) still point at it through relation %s (onDelete RESTRICT), e.g. %s",
					o.NameSingular, id, len(ids), rel.From.NameSingular, rel.Name(), ids[0])}
			case OnDeleteCascade:
				for _, rid := range ids {
					if err := visit(rel.From, rid); err != nil {
						return err
					}
				}
			default: // SET_NULL
				for _, rid := range ids {
					rk := recordKey{rel.From.NameSingular, rid}
					if _, seen := nulls[rk]; !seen {
						nullOrder = append(nullOrder, rk)
					}
					nulls[rk] = append(nulls[rk], rel.Field.JoinColumn())
				}
			}
		}
		destroyOrder = append(destroyOrder, k)
		return nil
	}
	if err := visit(obj, id); err != nil {
		return nil, err
	}

	var changes []Change
	for _, k := range nullOrder {
		if destroyed[k] {
			continue
		}
		set := map[string]any{}
		for _, col := range nulls[k] {
			set[col] = nil
		}
		changes = append(changes, Change{Type: EventType(k.object, ActionUpdated), Payload: RecordUpdated{ID: k.id, Changes: set}})
	}
	for _, k := range destroyOrder {
		changes = append(changes, Change{Type: EventType(k.object, ActionDestroyed), Payload: RecordRef{ID: k.id}})
	}
	return changes, nil
}

func without(ids []string, id string) []string {
	out := ids[:0:0]
	for _, x := range ids {
		if x != id {
			out = append(out, x)
		}
	}
	return out
}
