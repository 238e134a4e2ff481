// Package authtest holds conformance suites for auth's ports, to run against
// every implementation (the in-memory one here, the SQL one elsewhere).
package authtest

import (
	"testing"
	"time"

	"edgecrm/auth"
)

// RefreshStore checks the auth.RefreshStore contract. newStore must return an
// empty store each call. Times are whole seconds in UTC, as Sessions stores
// them.
func RefreshStore(t *testing.T, newStore func(t *testing.T) auth.RefreshStore) {
	exp := time.Date(2025, 3, 2, 12, 0, 0, 0, time.UTC)
	rec := func(id, family string) auth.RefreshRecord {
		return auth.RefreshRecord{TokenID: id, FamilyID: family, UserID: "u-" + id, WorkspaceID: "w-1", ExpiresAt: exp}
	}
	equal := func(a, b auth.RefreshRecord) bool {
		return a.TokenID == b.TokenID && a.FamilyID == b.FamilyID && a.UserID == b.UserID &&
			a.WorkspaceID == b.WorkspaceID && a.Used == b.Used && a.Revoked == b.Revoked && a.ExpiresAt.Equal(b.ExpiresAt)
	}
	mustGet := func(t *testing.T, s auth.RefreshStore, id string) auth.RefreshRecord {
		t.Helper()
		got, ok, err := s.Get(id)
		if err != nil || !ok {
			t.Fatalf("Get(%s) = %v, %v", id, ok, err)
		}
		return got
	}

	t.Run("get missing", func(t *testing.T) {
		if _, ok, err := newStore(t).Get("nope"); ok || err != nil {
			t.Fatalf("Get = %v, %v", ok, err)
		}
	})
	t.Run("put then get", func(t *testing.T) {
		s := newStore(t)
		r := rec("a", "f")
		if err := s.Put(r); err != nil {
			t.Fatal(err)
		}
		if got := mustGet(t, s, "a"); !equal(got, r) {
			t.Fatalf("got %+v, want %+v", got, r)
		}
	})
	t.Run("put replaces", func(t *testing.T) {
		s := newStore(t)
		r := rec("a", "f")
		s.Put(r)
		r.Used = true
		if err := s.Put(r); err != nil {
			t.Fatal(err)
		}
		if got := mustGet(t, s, "a"); !got.Used || got.Revoked {
			t.Fatalf("got %+v", got)
		}
	})
	t.Run("revoke family", func(t *testing.T) {
		s := newStore(t)
		for _, r := range []auth.RefreshRecord{rec("a", "f1"), rec("b", "f1"), rec("c", "f2")} {
			if err := s.Put(r); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.RevokeFamily("f1"); err != nil {
			t.Fatal(err)
		}
		for id, want := range map[string]bool{"a": true, "b": true, "c": false} {
			if got := mustGet(t, s, id); got.Revoked != want {
				t.Fatalf("%s revoked = %v, want %v", id, got.Revoked, want)
			}
		}
		if err := s.RevokeFamily("no-such-family"); err != nil {
			t.Fatalf("unknown family: %v", err)
		}
	})
}
