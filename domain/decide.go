package domain

import (
	"fmt"
	"sort"
)

// Decide turns a command into the events to append, or refuses it. It is
// deterministic and pure: the caller supplies state and the new record id.
// A refused command yields no changes. Record data is taken as any API
// decoded it, validated, then normalised (NormalizeData): the events do not
// depend on the API that carried the command.
func Decide(st State, cmd RecordCommand) ([]Change, error) {
	schema := st.Schema()
	obj := schema.Object(cmd.Object)
	if obj == nil {
		return nil, &UnknownObjectError{Name: cmd.Object}
	}
	if !IsUUID(cmd.ID) {
		return nil, &ValidationError{Field: "id", Rule: "uuid", Message: fmt.Sprintf("id %q is not a UUID", cmd.ID)}
	}
	var cur *RecordState
	var err error
	if cmd.Kind != Create || !cmd.Generated {
		if cur, err = st.Record(obj.NameSingular, cmd.ID); err != nil {
			return nil, err
		}
	}
	switch cmd.Kind {
	case Create:
		if cur != nil {
			return nil, &ValidationError{Field: "id", Rule: "unique", Message: fmt.Sprintf("%s %s already exists", obj.NameSingular, cmd.ID)}
		}
		data := withDefaults(obj, withoutKey(cmd.Data, "id"))
		if err := ValidateData(schema, obj, data, true); err != nil {
			return nil, err
		}
		if data, err = normalizeInto(st, obj, data, data); err != nil { // data is Decide's copy
			return nil, err
		}
		if err := checkRelations(st, obj, data); err != nil {
			return nil, err
		}
		return []Change{{Type: EventType(obj.NameSingular, ActionCreated), Payload: RecordCreated{ID: cmd.ID, Data: data}}}, nil
	case Update:
		if cur == nil {
			return nil, &NotFoundError{Object: obj.NameSingular, ID: cmd.ID}
		}
		if cmd.ExpectedVersion != nil && *cmd.ExpectedVersion != cur.Version {
			return nil, &ConflictError{ID: cmd.ID, Expected: *cmd.ExpectedVersion, Actual: cur.Version}
		}
		data := withoutKey(cmd.Data, "id")
		if err := ValidateData(schema, obj, data, false); err != nil {
			return nil, err
		}
		if data, err = normalizeInto(st, obj, data, data); err != nil { // data is Decide's copy
			return nil, err
		}
		if err := checkRelations(st, obj, data); err != nil {
			return nil, err
		}
		return []Change{{Type: EventType(obj.NameSingular, ActionUpdated), Payload: RecordUpdated{ID: cmd.ID, Changes: data}}}, nil
	case Delete, Restore:
		// Soft delete and restore touch only the record itself: like Twenty,
		// they do not cascade (records pointing at it keep their link).
		if cur == nil {
			return nil, &NotFoundError{Object: obj.NameSingular, ID: cmd.ID}
		}
		action := map[Kind]string{Delete: ActionDeleted, Restore: ActionRestored}[cmd.Kind]
		return []Change{{Type: EventType(obj.NameSingular, action), Payload: RecordRef{ID: cmd.ID}}}, nil
	case Destroy:
		if cur == nil {
			return nil, &NotFoundError{Object: obj.NameSingular, ID: cmd.ID}
		}
		return planDestroy(st, obj, cmd.ID)
	}
	return nil, fmt.Errorf("domain: unknown command kind %q", cmd.Kind)
}

// checkRelations refuses a MANY_TO_ONE id that does not name an existing
// record of the target object.
func checkRelations(st State, obj *Object, data map[string]any) error {
	var buf [48]string // the keys of most records, without an allocation
	keys := buf[:0]
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		f := relationByJoinColumn(obj, k)
		if f == nil || data[k] == nil {
			continue
		}
		id, _ := data[k].(string)
		target, err := st.Record(f.Relation.TargetObject, id)
		if err != nil {
			return err
		}
		if target == nil {
			return &ValidationError{Field: k, Rule: "relation", Message: fmt.Sprintf("%s: no %s with id %q", k, f.Relation.TargetObject, id)}
		}
	}
	return nil
}

func relationByJoinColumn(obj *Object, col string) *Field {
	for _, f := range obj.Fields {
		if f.Type == TypeRelation && f.Relation != nil && f.Relation.Type == ManyToOne && f.JoinColumn() == col {
			return f
		}
	}
	return nil
}

func withoutKey(m map[string]any, key string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if k != key {
			out[k] = v
		}
	}
	return out
}

// withDefaults adds each absent field's default value, so the created event
// carries the record's whole initial state. Generated defaults ("now",
// "uuid") are left out: the projector fills them from the event (its time,
// an id derived from the record's), which Decide, being pure, cannot know.
func withDefaults(obj *Object, data map[string]any) map[string]any {
	for _, f := range obj.Fields {
		if f.DefaultValue == nil || f.IsSystem || f.Type == TypeRelation || IsGeneratedDefault(f) {
			continue
		}
		if _, ok := data[f.Name]; !ok {
			data[f.Name] = f.DefaultValue
		}
	}
	return data
}

// IsGeneratedDefault reports whether f's default is computed at creation
// ("now" for DATE_TIME and DATE, "uuid" for UUID) rather than a constant.
func IsGeneratedDefault(f *Field) bool {
	s, ok := f.DefaultValue.(string)
	return ok && (s == "now" && (f.Type == TypeDateTime || f.Type == TypeDate) || s == "uuid" && f.Type == TypeUUID)
}
