package durable

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"edgecrm/domain"
	"edgecrm/sqldb/sqldbtest"
	"edgecrm/sqldb/sqlitedb"
)

// TestReferencingReadsEveryJoinColumnAtOnce: the ids pointing at a record
// through several join columns come from one statement per 100 columns,
// each list in ascending id order, soft-deleted records included.
func TestReferencingReadsEveryJoinColumnAtOnce(t *testing.T) {
	db := &sqldbtest.Counting{DB: sqlitedb.MustOpen(t)}
	w, err := Open("refs", db, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	exec := func(cmd domain.RecordCommand) {
		if _, err := w.Execute(cmd, "api", fmt.Sprint("c", time.Now().UnixNano())); err != nil {
			t.Fatal(err)
		}
	}
	company, other := NewRecordID(time.Now()), NewRecordID(time.Now())
	exec(domain.RecordCommand{Kind: domain.Create, Object: "company", ID: company, Data: map[string]any{"name": "Acme"}})
	exec(domain.RecordCommand{Kind: domain.Create, Object: "company", ID: other, Data: map[string]any{"name": "Other"}})
	var people []string
	for i := 0; i < 3; i++ {
		id := NewRecordID(time.Now())
		people = append(people, id)
		exec(domain.RecordCommand{Kind: domain.Create, Object: "person", ID: id, Data: map[string]any{"companyId": company}})
	}
	exec(domain.RecordCommand{Kind: domain.Create, Object: "person", ID: NewRecordID(time.Now()), Data: map[string]any{"companyId": other}})
	exec(domain.RecordCommand{Kind: domain.Delete, Object: "person", ID: people[1]})
	opp := NewRecordID(time.Now())
	exec(domain.RecordCommand{Kind: domain.Create, Object: "opportunity", ID: opp, Data: map[string]any{"name": "Deal", "companyId": company}})
	slices.Sort(people)

	refs := []domain.JoinRef{{Object: "person", JoinColumn: "companyId"}, {Object: "opportunity", JoinColumn: "companyId"}, {Object: "noObject", JoinColumn: "companyId"}}
	for len(refs) < 150 { // past one statement's parameters
		refs = append(refs, domain.JoinRef{Object: "person", JoinColumn: "companyId"})
	}
	db.N = 0
	got, err := w.Referencing(refs, company)
	if err != nil {
		t.Fatal(err)
	}
	if db.N != 2 {
		t.Errorf("%d statements for %d join columns, want 2", db.N, len(refs))
	}
	for i, ids := range got {
		want := people
		switch refs[i].Object {
		case "opportunity":
			want = []string{opp}
		case "noObject":
			want = nil
		}
		if !slices.Equal(ids, want) {
			t.Fatalf("ref %d (%v): %v, want %v", i, refs[i], ids, want)
		}
	}
	if _, err := w.Referencing([]domain.JoinRef{{Object: "person", JoinColumn: "city"}}, company); err == nil {
		t.Fatal("a column that is no join column was read")
	}
}
