package durable_test

import (
	"testing"
	"time"

	"edgecrm/domain"
	"edgecrm/durable"
	"edgecrm/events"
	"edgecrm/sqldb/sqlitedb"
)

// A workspace created before views existed gets its objects' default views
// once, on its next call; a new workspace gets them with its seed.
func TestMissingViewsAreSeededOnce(t *testing.T) {
	db := sqlitedb.MustOpen(t)
	w, err := durable.Open("old", db, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	views, err := w.Views()
	if err != nil {
		t.Fatal(err)
	}
	want := len(views)
	if want == 0 {
		t.Fatal("a new workspace has its default views")
	}
	// Make it a workspace from before views: the seed's view events are the
	// tail of its log; drop them, their projection and the flag.
	for _, q := range []string{`DELETE FROM _events WHERE type LIKE 'view%'`, `DELETE FROM _views`, `DELETE FROM _state WHERE key = 'views_seeded'`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	head, _ := (&events.SQLStore{DB: db}).Head()
	if w, err = durable.Open("old", db, time.Now); err != nil {
		t.Fatal(err)
	}
	if views, _ = w.Views(); len(views) != want {
		t.Fatalf("after the upgrade: %d view items, want %d", len(views), want)
	}
	for _, o := range w.Schema().Objects {
		found := false
		for _, v := range views.Of(domain.KindView, "") {
			found = found || (v.ObjectID == o.ID && v.Body["key"] == "INDEX")
		}
		if !found {
			t.Errorf("%s has no index view", o.NameSingular)
		}
	}
	after, _ := (&events.SQLStore{DB: db}).Head()
	if after <= head {
		t.Fatal("the views were seeded as events")
	}
	if _, err = durable.Open("old", db, time.Now); err != nil {
		t.Fatal(err)
	}
	if again, _ := (&events.SQLStore{DB: db}).Head(); again != after {
		t.Fatal("missing views are seeded once")
	}
}
