package domain

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"testing"
)

// fakeState is an in-memory domain.State: records by object and id, each
// with its join columns.
type fakeState struct {
	schema    *Schema
	records   map[string]map[string]*fakeRecord
	positions map[string]PositionRange // by object
}

type fakeRecord struct {
	deleted bool
	joins   map[string]string // join column → target id
}

func newFakeState(schema *Schema) *fakeState {
	return &fakeState{schema: schema, records: map[string]map[string]*fakeRecord{}}
}

// add stores a record; joins alternate join column and target id.
func (s *fakeState) add(object, id string, deleted bool, joins ...string) *fakeState {
	if s.records[object] == nil {
		s.records[object] = map[string]*fakeRecord{}
	}
	r := &fakeRecord{deleted: deleted, joins: map[string]string{}}
	for i := 0; i+1 < len(joins); i += 2 {
		r.joins[joins[i]] = joins[i+1]
	}
	s.records[object][id] = r
	return s
}

func (s *fakeState) Schema() *Schema { return s.schema }

func (s *fakeState) Record(object, id string) (*RecordState, error) {
	r := s.records[object][id]
	if r == nil {
		return nil, nil
	}
	return &RecordState{Version: 1, Deleted: r.deleted}, nil
}

func (s *fakeState) Referencing(refs []JoinRef, id string) ([][]string, error) {
	out := make([][]string, len(refs))
	for i, ref := range refs {
		for rid, r := range s.records[ref.Object] {
			if r.joins[ref.JoinColumn] == id {
				out[i] = append(out[i], rid)
			}
		}
		sort.Strings(out[i])
	}
	return out, nil
}

func (s *fakeState) Positions(object string) (PositionRange, error) { return s.positions[object], nil }

// uid returns a deterministic UUID numbered n.
func uid(n int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n) }

// relationSchema is the standard objects plus test objects for the onDelete
// behaviours the standard relations lack: invoice.company and invoice.folder
// are RESTRICT,
// folder.parent points at folder itself (CASCADE), and tag.folder has no
// onDelete on either side (SET_NULL by default).
func relationSchema() *Schema {
	objs := StandardObjects()
	invoice := &Object{NameSingular: "invoice", NamePlural: "invoices", IsCustom: true, IsActive: true,
		Fields: append(SystemFields(),
			&Field{Name: "company", Type: TypeRelation, IsNullable: true,
				Relation: &Relation{Type: ManyToOne, TargetObject: "company", TargetField: "invoices", OnDelete: OnDeleteRestrict}},
			&Field{Name: "folder", Type: TypeRelation, IsNullable: true,
				Relation: &Relation{Type: ManyToOne, TargetObject: "folder", TargetField: "invoices", OnDelete: OnDeleteRestrict}})}
	folder := &Object{NameSingular: "folder", NamePlural: "folders", IsCustom: true, IsActive: true,
		Fields: append(SystemFields(),
			&Field{Name: "parent", Type: TypeRelation, IsNullable: true,
				Relation: &Relation{Type: ManyToOne, TargetObject: "folder", TargetField: "children", OnDelete: OnDeleteCascade}},
			&Field{Name: "children", Type: TypeRelation, IsNullable: true,
				Relation: &Relation{Type: OneToMany, TargetObject: "folder", TargetField: "parent"}})}
	tag := &Object{NameSingular: "tag", NamePlural: "tags", IsCustom: true, IsActive: true,
		Fields: append(SystemFields(),
			&Field{Name: "folder", Type: TypeRelation, IsNullable: true,
				Relation: &Relation{Type: ManyToOne, TargetObject: "folder", TargetField: "tags"}})}
	for _, o := range []*Object{invoice, folder, tag} {
		AssignIDs(o)
	}
	return &Schema{Objects: append(objs, invoice, folder, tag)}
}

func updated(object, id string, cols ...string) Change {
	set := map[string]any{}
	for _, c := range cols {
		set[c] = nil
	}
	return Change{Type: object + ".updated", Payload: RecordUpdated{ID: id, Changes: set}}
}

func destroyed(object, id string) Change {
	return Change{Type: object + ".destroyed", Payload: RecordRef{ID: id}}
}

func TestDecideDestroyAppliesOnDelete(t *testing.T) {
	company, person, person2, opp, note, nt1, nt2, att, fav := uid(1), uid(2), uid(3), uid(4), uid(5), uid(6), uid(7), uid(8), uid(9)
	cases := []struct {
		name   string
		given  func(*fakeState)
		object string
		id     string
		want   []Change
		rule   string // expected ValidationError rule when refused
	}{
		{
			name:   "nothing points at it",
			given:  func(s *fakeState) { s.add("company", company, false) },
			object: "company", id: company,
			want: []Change{destroyed("company", company)},
		},
		{
			name: "company → people SET_NULL, soft-deleted people included",
			given: func(s *fakeState) {
				s.add("company", company, false).
					add("person", person, false, "companyId", company).
					add("person", person2, true, "companyId", company)
			},
			object: "company", id: company,
			want: []Change{updated("person", person, "companyId"), updated("person", person2, "companyId"), destroyed("company", company)},
		},
		{
			name: "one record losing two links gets one update",
			given: func(s *fakeState) {
				s.add("company", company, false).
					add("person", person, false, "companyId", company).
					add("opportunity", opp, false, "companyId", company, "pointOfContactId", person)
			},
			object: "company", id: company,
			want: []Change{updated("opportunity", opp, "companyId"), updated("person", person, "companyId"), destroyed("company", company)},
		},
		{
			name: "note → noteTargets CASCADE, attachments SET_NULL",
			given: func(s *fakeState) {
				s.add("note", note, false).
					add("noteTarget", nt1, false, "noteId", note, "personId", person).
					add("noteTarget", nt2, true, "noteId", note).
					add("attachment", att, false, "noteId", note).
					add("person", person, false)
			},
			object: "note", id: note,
			want: []Change{updated("attachment", att, "noteId"), destroyed("noteTarget", nt1), destroyed("noteTarget", nt2), destroyed("note", note)},
		},
		{
			name: "cascade recurses: person → noteTarget, favorite; opportunity keeps a nulled link",
			given: func(s *fakeState) {
				s.add("person", person, false).
					add("noteTarget", nt1, false, "personId", person, "noteId", note).
					add("note", note, false).
					add("favorite", fav, false, "personId", person).
					add("opportunity", opp, false, "pointOfContactId", person)
			},
			object: "person", id: person,
			want: []Change{updated("opportunity", opp, "pointOfContactId"), destroyed("favorite", fav), destroyed("noteTarget", nt1), destroyed("person", person)},
		},
		{
			name: "RESTRICT refuses while an invoice points at the company",
			given: func(s *fakeState) {
				s.add("company", company, false).add("invoice", uid(20), false, "companyId", company)
			},
			object: "company", id: company, rule: RuleRestrict,
		},
		{
			name: "RESTRICT counts soft-deleted records",
			given: func(s *fakeState) {
				s.add("company", company, false).add("invoice", uid(20), true, "companyId", company)
			},
			object: "company", id: company, rule: RuleRestrict,
		},
		{
			name: "RESTRICT met deep in a cascade refuses the whole destroy",
			given: func(s *fakeState) {
				s.add("folder", uid(40), false).
					add("folder", uid(41), false, "parentId", uid(40)).
					add("invoice", uid(21), false, "folderId", uid(41))
			},
			object: "folder", id: uid(40), rule: RuleRestrict,
		},
		{
			name: "self relation: a folder tree cascades leaves first, tags SET_NULL by default",
			given: func(s *fakeState) {
				s.add("folder", uid(40), false).
					add("folder", uid(41), false, "parentId", uid(40)).
					add("folder", uid(42), false, "parentId", uid(41)).
					add("tag", uid(50), false, "folderId", uid(42))
			},
			object: "folder", id: uid(40),
			want: []Change{updated("tag", uid(50), "folderId"), destroyed("folder", uid(42)), destroyed("folder", uid(41)), destroyed("folder", uid(40))},
		},
		{
			name: "self relation: a record pointing at itself goes with it",
			given: func(s *fakeState) {
				s.add("folder", uid(40), false, "parentId", uid(40))
			},
			object: "folder", id: uid(40),
			want: []Change{destroyed("folder", uid(40))},
		},
		{
			name: "a SET_NULL record destroyed by the same cascade is not updated",
			given: func(s *fakeState) {
				// attachment points at the note (SET_NULL) and at the person (CASCADE);
				// destroying the person destroys the attachment; the note stays.
				s.add("person", person, false).
					add("attachment", att, false, "personId", person, "noteId", note).
					add("note", note, false)
			},
			object: "person", id: person,
			want: []Change{destroyed("attachment", att), destroyed("person", person)},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := newFakeState(relationSchema())
			c.given(st)
			got, err := Decide(st, RecordCommand{Kind: Destroy, Object: c.object, ID: c.id})
			if c.rule != "" {
				var ve *ValidationError
				if !errors.As(err, &ve) || ve.Rule != c.rule {
					t.Fatalf("err = %v (%#v), want rule %s", err, err, c.rule)
				}
				if got != nil {
					t.Fatalf("refused destroy returned changes %v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("changes\n got %v\nwant %v", got, c.want)
			}
		})
	}
}

func TestDecideDestroyRestrictMessageNamesRelation(t *testing.T) {
	st := newFakeState(relationSchema())
	st.add("company", uid(1), false).add("invoice", uid(2), false, "companyId", uid(1))
	_, err := Decide(st, RecordCommand{Kind: Destroy, Object: "company", ID: uid(1)})
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Field != "invoice.company" {
		t.Fatalf("err = %v, want field invoice.company", err)
	}
	for _, want := range []string{"invoice.company", "RESTRICT", uid(2)} {
		if !contains(ve.Message, want) {
			t.Errorf("message %q does not mention %q", ve.Message, want)
		}
	}
}

func TestDecideDestroyCascadeLimit(t *testing.T) {
	defer func(n int) { MaxDestroyCascade = n }(MaxDestroyCascade)
	MaxDestroyCascade = 3
	st := newFakeState(relationSchema())
	st.add("note", uid(1), false)
	for i := 0; i < 3; i++ {
		st.add("noteTarget", uid(10+i), false, "noteId", uid(1))
	}
	_, err := Decide(st, RecordCommand{Kind: Destroy, Object: "note", ID: uid(1)})
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Rule != RuleCascadeLimit {
		t.Fatalf("err = %v, want %s", err, RuleCascadeLimit)
	}
}

func TestDecideSoftDeleteAndRestoreDoNotCascade(t *testing.T) {
	st := newFakeState(relationSchema())
	st.add("note", uid(1), false).add("noteTarget", uid(2), false, "noteId", uid(1)).
		add("invoice", uid(3), false, "companyId", uid(4)).add("company", uid(4), false)
	for _, c := range []struct {
		kind   Kind
		object string
		id     string
		want   string
	}{
		{Delete, "note", uid(1), "note.deleted"},
		{Restore, "note", uid(1), "note.restored"},
		{Delete, "company", uid(4), "company.deleted"}, // RESTRICT does not apply to soft delete
	} {
		got, err := Decide(st, RecordCommand{Kind: c.kind, Object: c.object, ID: c.id})
		if err != nil {
			t.Fatal(err)
		}
		if want := []Change{{Type: c.want, Payload: RecordRef{ID: c.id}}}; !reflect.DeepEqual(got, want) {
			t.Fatalf("%s %s: %v, want %v", c.kind, c.object, got, want)
		}
	}
}

func TestDecideRefusals(t *testing.T) {
	st := newFakeState(relationSchema())
	st.add("company", uid(1), false).add("company", uid(2), true)
	cases := []struct {
		name string
		cmd  RecordCommand
		want func(error) bool
	}{
		{"destroy missing", RecordCommand{Kind: Destroy, Object: "company", ID: uid(9)},
			func(err error) bool { return errors.Is(err, ErrNotFound) }},
		{"unknown object", RecordCommand{Kind: Destroy, Object: "spaceship", ID: uid(1)},
			func(err error) bool { var e *UnknownObjectError; return errors.As(err, &e) }},
		{"bad id", RecordCommand{Kind: Destroy, Object: "company", ID: "nope"},
			func(err error) bool { var e *ValidationError; return errors.As(err, &e) && e.Rule == RuleUUID }},
		{"relation to a missing record", RecordCommand{Kind: Create, Object: "person", ID: uid(3), Data: map[string]any{"companyId": uid(9)}},
			func(err error) bool { var e *ValidationError; return errors.As(err, &e) && e.Rule == "relation" }},
		{"stale version", RecordCommand{Kind: Update, Object: "company", ID: uid(1), Data: map[string]any{"name": "x"}, ExpectedVersion: ptr(int64(5))},
			func(err error) bool { var e *ConflictError; return errors.As(err, &e) }},
	}
	for _, c := range cases {
		got, err := Decide(st, c.cmd)
		if err == nil || !c.want(err) || got != nil {
			t.Errorf("%s: changes %v, err %v", c.name, got, err)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
