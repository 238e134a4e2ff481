package durable

import (
	"testing"
	"time"

	"edgecrm/domain"
	"edgecrm/sqldb/sqlitedb"
)

// A workspace created before favoriteFolder was a standard object gets it
// once on its next open: the object with the ids a new workspace has, its
// relation to favorite (both sides, a join column), its default views.
func TestMissingStandardObjectIsAddedOnce(t *testing.T) {
	db := sqlitedb.MustOpen(t)
	w, err := Open("old", db, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	s := w.Schema()
	ff := s.Object("favoriteFolder")
	want, wantField := ff.ID, s.Object("favorite").Field("favoriteFolder").ID
	// Make it a workspace from before favoriteFolder: remove the object, its
	// relations, its views and the flag.
	var changes []domain.Change
	for _, f := range ff.Fields {
		if f.Relation == nil {
			continue
		}
		pl := domain.FieldDeleted{ObjectID: ff.ID, Object: ff.NameSingular, FieldID: f.ID, Field: f.Name}
		if io, inv := s.InverseField(f); inv != nil {
			pl.InverseObjectID, pl.InverseObject, pl.InverseFieldID, pl.InverseField = io.ID, io.NameSingular, inv.ID, inv.Name
		}
		changes = append(changes, domain.Change{Type: domain.EventFieldDeleted, Payload: pl})
	}
	changes = append(changes, domain.Change{Type: domain.EventObjectDeleted, Payload: domain.ObjectDeleted{ObjectID: ff.ID, Object: ff.NameSingular}})
	if _, err := w.appendAndProject(changes, "system", "test"); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DELETE FROM _views WHERE object_id = '` + ff.ID + `'`, `DELETE FROM _state WHERE key = '` + stdObjectsKey + `'`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if w.Schema().Object("favoriteFolder") != nil {
		t.Fatal("the setup left favoriteFolder")
	}
	if w, err = Open("old", db, time.Now); err != nil {
		t.Fatal(err)
	}
	s = w.Schema()
	if o := s.Object("favoriteFolder"); o == nil || o.ID != want || o.Field("favorites") == nil || o.Field("name") == nil {
		t.Fatalf("favoriteFolder after the upgrade: %+v", o)
	}
	if f := s.Object("favorite").Field("favoriteFolder"); f == nil || f.ID != wantField {
		t.Fatalf("favorite.favoriteFolder after the upgrade: %+v", f)
	}
	folder := NewRecordID(time.Now())
	if _, err := w.Execute(domain.RecordCommand{Kind: domain.Create, Object: "favoriteFolder", ID: folder, Data: map[string]any{"name": "Top"}}, "t", "c1"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Execute(domain.RecordCommand{Kind: domain.Create, Object: "favorite", ID: NewRecordID(time.Now()), Data: map[string]any{"favoriteFolderId": folder}}, "t", "c2"); err != nil {
		t.Fatal(err)
	}
	views, err := w.Views()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, v := range views.Of(domain.KindView, "") {
		if v.ObjectID == want {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("favoriteFolder has %d views, want its index view", n)
	}
	head, _ := w.Store.Head()
	if w, err = Open("old", db, time.Now); err != nil {
		t.Fatal(err)
	}
	if again, _ := w.Store.Head(); again != head {
		t.Fatal("the missing object is added once")
	}
}

// A workspace whose timeline was searchable (before std_objects 2) stops
// indexing and searching it on its next open, once, through an
// object.updated event: the search tables go, a replay agrees.
func TestTimelineStopsBeingSearchedOnce(t *testing.T) {
	db := sqlitedb.MustOpen(t)
	w, err := Open("old", db, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	tl := w.Schema().Object("timelineActivity")
	// Make it a workspace from before: the timeline searchable, the flag at 1.
	was := []string{"name"}
	if _, err := w.appendAndProject([]domain.Change{{Type: domain.EventObjectUpdated, Payload: domain.ObjectUpdated{
		ObjectID: tl.ID, Object: tl.NameSingular, Set: domain.ObjectPatch{Searchable: &was}}}}, "system", "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE _state SET value = 1 WHERE key = '` + stdObjectsKey + `'`); err != nil {
		t.Fatal(err)
	}
	tables := func() int64 {
		r, err := db.Exec(`SELECT count(*) FROM sqlite_master WHERE name LIKE 'timelineActivity_fts%'`)
		if err != nil {
			t.Fatal(err)
		}
		return r.Values[0][0].(int64)
	}
	if tables() == 0 {
		t.Fatal("the setup left the timeline without search tables")
	}
	if w, err = Open("old", db, time.Now); err != nil {
		t.Fatal(err)
	}
	if s := w.Schema().Object("timelineActivity").Searchable; len(s) != 0 || tables() != 0 {
		t.Fatalf("after the upgrade: searchable %v, %d search tables", s, tables())
	}
	if _, err := w.Execute(domain.RecordCommand{Kind: domain.Create, Object: "company", ID: NewRecordID(time.Now()), Data: map[string]any{"name": "Acme"}}, "t", "c1"); err != nil {
		t.Fatal(err)
	}
	head, _ := w.Store.Head()
	if w, err = Open("old", db, time.Now); err != nil {
		t.Fatal(err)
	}
	if again, _ := w.Store.Head(); again != head {
		t.Fatal("the upgrade ran twice")
	}
	if _, _, err := w.Replay(); err != nil || tables() != 0 {
		t.Fatalf("replay: %v, %d search tables", err, tables())
	}
}
