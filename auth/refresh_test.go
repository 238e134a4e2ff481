package auth

import (
	"errors"
	"testing"
	"time"
)

func TestRefreshRotation(t *testing.T) {
	keys := testKeys(t)
	s := &Sessions{Keys: keys, AccessTTL: 10 * time.Minute, RefreshTTL: 24 * time.Hour}
	store := NewMemRefreshStore()
	who := Claims{UserID: "u-1", WorkspaceID: "w-1", WorkspaceMemberID: "m-1"}

	r1, a1, err := s.Start(store, who, t0)
	if err != nil {
		t.Fatal(err)
	}
	if a1.Claims.Type != TokenAccess || r1.Claims.Type != TokenRefresh || !a1.ExpiresAt.Equal(t0.Add(10*time.Minute)) || !r1.ExpiresAt.Equal(t0.Add(24*time.Hour)) {
		t.Fatalf("start: %+v %+v", r1, a1)
	}
	if _, err := keys.Verify(a1.Token, TokenAccess, t0); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Rotate(store, a1.Token, t0); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("rotating an access token: %v", err)
	}

	now := t0.Add(time.Hour)
	r2, a2, err := s.Rotate(store, r1.Token, now)
	if err != nil {
		t.Fatal(err)
	}
	if r2.Claims.FamilyID != r1.Claims.FamilyID || r2.Claims.TokenID == r1.Claims.TokenID {
		t.Fatalf("rotation must keep the family and change the jti: %+v -> %+v", r1.Claims, r2.Claims)
	}
	if a2.Claims.WorkspaceMemberID != "m-1" || a2.Claims.UserID != "u-1" || !r2.ExpiresAt.Equal(now.Add(24*time.Hour)) {
		t.Fatalf("rotated: %+v %+v", r2, a2)
	}
	if rec, _, _ := store.Get(r1.Claims.TokenID); !rec.Used || rec.Revoked {
		t.Fatalf("old record after rotation: %+v", rec)
	}

	// Another login of the same user is another family.
	other, _, err := s.Start(store, who, now)
	if err != nil {
		t.Fatal(err)
	}

	// r1 again: reuse. The family (r1, r2) is revoked; the other is not.
	if _, _, err := s.Rotate(store, r1.Token, now); !errors.Is(err, ErrTokenReused) || !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("reuse: %v", err)
	}
	for _, id := range []string{r1.Claims.TokenID, r2.Claims.TokenID} {
		if rec, _, _ := store.Get(id); !rec.Revoked {
			t.Fatalf("record %s not revoked", id)
		}
	}
	if _, _, err := s.Rotate(store, r2.Token, now); !errors.Is(err, ErrTokenRevoked) {
		t.Fatalf("rotating the newest token of a revoked family: %v", err)
	}
	r3, _, err := s.Rotate(store, other.Token, now)
	if err != nil {
		t.Fatalf("other family: %v", err)
	}

	// Logout revokes the family.
	if err := s.Revoke(store, r3.Token, now); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Rotate(store, r3.Token, now); !errors.Is(err, ErrTokenRevoked) {
		t.Fatalf("after logout: %v", err)
	}
}

func TestRefreshRotationRefusals(t *testing.T) {
	keys := testKeys(t)
	s := &Sessions{Keys: keys}
	who := Claims{UserID: "u-1", WorkspaceID: "w-1"}

	t.Run("expired", func(t *testing.T) {
		store := NewMemRefreshStore()
		r, _, _ := s.Start(store, who, t0)
		if _, _, err := s.Rotate(store, r.Token, t0.Add(DefaultRefreshTTL)); !errors.Is(err, ErrTokenExpired) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("unknown to the store", func(t *testing.T) {
		r, _, _ := s.Start(NewMemRefreshStore(), who, t0)
		if _, _, err := s.Rotate(NewMemRefreshStore(), r.Token, t0); !errors.Is(err, ErrInvalidToken) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("record disagrees", func(t *testing.T) {
		store := NewMemRefreshStore()
		r, _, _ := s.Start(store, who, t0)
		rec, _, _ := store.Get(r.Claims.TokenID)
		rec.UserID = "u-2"
		store.Put(rec)
		if _, _, err := s.Rotate(store, r.Token, t0); !errors.Is(err, ErrInvalidToken) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("record expired earlier than token", func(t *testing.T) {
		store := NewMemRefreshStore()
		r, _, _ := s.Start(store, who, t0)
		rec, _, _ := store.Get(r.Claims.TokenID)
		rec.ExpiresAt = t0.Add(time.Minute)
		store.Put(rec)
		if _, _, err := s.Rotate(store, r.Token, t0.Add(time.Minute)); !errors.Is(err, ErrTokenExpired) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("store failure", func(t *testing.T) {
		r, _, _ := s.Start(NewMemRefreshStore(), who, t0)
		_, _, err := s.Rotate(failingStore{}, r.Token, t0)
		if err == nil || errors.Is(err, ErrInvalidToken) {
			t.Fatalf("err = %v, want a storage error", err)
		}
	})
	t.Run("prune", func(t *testing.T) {
		store := NewMemRefreshStore()
		s.Start(store, who, t0)
		s.Start(store, who, t0.Add(time.Hour))
		store.Prune(t0.Add(DefaultRefreshTTL))
		if store.Len() != 1 {
			t.Fatalf("Len = %d", store.Len())
		}
	})
}

type failingStore struct{}

var errDown = errors.New("storage down")

func (failingStore) Get(string) (RefreshRecord, bool, error) { return RefreshRecord{}, false, errDown }
func (failingStore) Put(RefreshRecord) error                 { return errDown }
func (failingStore) RevokeFamily(string) error               { return errDown }
