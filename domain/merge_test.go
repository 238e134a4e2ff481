package domain

import (
	"errors"
	"reflect"
	"testing"
)

// mergeState is fakeState plus record values (RecordData).
type mergeState struct {
	*fakeState
	data map[string]map[string]any // id → GraphQL-shaped values
}

func (s *mergeState) RecordData(object, id string) (map[string]any, error) { return s.data[id], nil }

// Given two people and a note target pointing at the second, when they are
// merged keeping the first, then: the first takes the second's city and
// email, the note target moves, the second is soft-deleted; in that order.
func TestDecideMerge(t *testing.T) {
	schema := &Schema{Objects: StandardObjects()}
	keep, dup, nt := uid(1), uid(2), uid(3)
	st := &mergeState{
		fakeState: newFakeState(schema).add("person", keep, false).add("person", dup, false).
			add("noteTarget", nt, false, "personId", dup),
		data: map[string]map[string]any{
			keep: {"name": map[string]any{"firstName": "Ada", "lastName": "Lovelace"}, "city": "",
				"emails": map[string]any{"primaryEmail": "ada@a.org", "additionalEmails": []any{}}},
			dup: {"name": map[string]any{"firstName": "Ada", "lastName": ""}, "city": "London", "jobTitle": "Countess",
				"emails": map[string]any{"primaryEmail": "ada@b.org", "additionalEmails": []any{"ada@a.org", "ada@c.org"}}},
		},
	}
	kept, merged, changes, err := DecideMerge(st, MergeCommand{Object: "person", IDs: []string{dup, keep}, Priority: 1})
	if err != nil {
		t.Fatal(err)
	}
	if kept != keep {
		t.Fatalf("kept %s, want %s", kept, keep)
	}
	want := []Change{
		{Type: "person.updated", Payload: RecordUpdated{ID: keep, Changes: map[string]any{"city": "London", "jobTitle": "Countess",
			"emails": map[string]any{"primaryEmail": "ada@a.org", "additionalEmails": []any{"ada@b.org", "ada@c.org"}}}}},
		{Type: "noteTarget.updated", Payload: RecordUpdated{ID: nt, Changes: map[string]any{"personId": keep}}},
		{Type: "person.deleted", Payload: RecordRef{ID: dup}},
	}
	if !reflect.DeepEqual(changes, want) {
		t.Fatalf("changes\n got %#v\nwant %#v", changes, want)
	}
	if merged["city"] != "London" {
		t.Fatalf("merged %v", merged)
	}

	// Refusals: too few, out of range, twice the same, deleted or missing.
	st.add("person", uid(9), true)
	for _, cmd := range []MergeCommand{
		{Object: "person", IDs: []string{keep}},
		{Object: "person", IDs: []string{keep, dup}, Priority: 2},
		{Object: "person", IDs: []string{keep, keep}},
		{Object: "person", IDs: []string{keep, uid(9)}},
		{Object: "person", IDs: []string{keep, uid(8)}},
		{Object: "nothing", IDs: []string{keep, dup}},
	} {
		_, _, ch, err := DecideMerge(st, cmd)
		var ve *ValidationError
		var nf *NotFoundError
		var uo *UnknownObjectError
		if err == nil || len(ch) != 0 || !errors.As(err, &ve) && !errors.As(err, &nf) && !errors.As(err, &uo) {
			t.Errorf("%+v: err %v, changes %v", cmd, err, ch)
		}
	}
}
