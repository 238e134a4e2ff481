package auth

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// RefreshRecord is the server-side state of one refresh token.
type RefreshRecord struct {
	TokenID     string // the token's jti
	FamilyID    string // one family per login session; rotation keeps it
	UserID      string
	WorkspaceID string
	Used        bool // rotated already: presenting it again is reuse
	Revoked     bool // family revoked (logout or reuse)
	ExpiresAt   time.Time
}

// RefreshStore keeps refresh-token records. Implementations need not be safe
// for concurrent use when their caller serializes (a Durable Object does);
// Sessions calls it from one goroutine per call and expects the calls of one
// Rotate to run in one transaction when the store has them.
type RefreshStore interface {
	// Get returns the record with this token id; ok is false when there is
	// none.
	Get(tokenID string) (rec RefreshRecord, ok bool, err error)
	// Put inserts rec, or replaces the record with the same TokenID.
	Put(rec RefreshRecord) error
	// RevokeFamily sets Revoked on every record of the family (none is no
	// error).
	RevokeFamily(familyID string) error
}

// Default lifetimes. Twenty's defaults are 30 minutes and 60 days; edgecrm's
// sessions last 24 hours.
const (
	DefaultAccessTTL  = 30 * time.Minute
	DefaultRefreshTTL = 24 * time.Hour
)

// Sessions issues access/refresh pairs and rotates refresh tokens with reuse
// detection: each refresh token is good for one rotation; presenting it a
// second time revokes its whole family (every token of that login), so a
// stolen and a legitimate copy cannot both go on.
type Sessions struct {
	Keys       *Keys
	AccessTTL  time.Duration // DefaultAccessTTL when 0
	RefreshTTL time.Duration // DefaultRefreshTTL when 0; each rotation starts a new one
}

func (s *Sessions) ttls() (access, refresh time.Duration) {
	access, refresh = s.AccessTTL, s.RefreshTTL
	if access == 0 {
		access = DefaultAccessTTL
	}
	if refresh == 0 {
		refresh = DefaultRefreshTTL
	}
	return access, refresh
}

// Start opens a session (a new refresh family) for the user, workspace,
// workspace member and account named in who (other fields are ignored), records its
// refresh token in store and returns the pair.
func (s *Sessions) Start(store RefreshStore, who Claims, now time.Time) (refresh, access Issued, err error) {
	base := Claims{UserID: who.UserID, WorkspaceID: who.WorkspaceID, WorkspaceMemberID: who.WorkspaceMemberID, Account: who.Account}
	return s.issuePair(store, base, NewID(), now)
}

// Rotate exchanges a presented refresh token for a new pair in the same
// family and marks the presented one used.
//
// Errors: ErrTokenExpired or ErrInvalidToken from verification, or when the
// store does not know the token or disagrees with it; ErrTokenRevoked when
// its family was revoked; ErrTokenReused (after revoking the family) when it
// was used before. All of these are 401s. Other errors come from the store.
//
// ErrTokenReused follows a write (the revocation) that must be committed: a
// caller running Rotate in a transaction must not roll back on it.
func (s *Sessions) Rotate(store RefreshStore, presented string, now time.Time) (refresh, access Issued, err error) {
	c, err := s.Keys.Verify(presented, TokenRefresh, now)
	if err != nil {
		return Issued{}, Issued{}, err
	}
	rec, ok, err := store.Get(c.TokenID)
	if err != nil {
		return Issued{}, Issued{}, fmt.Errorf("auth: refresh store: %w", err)
	}
	if !ok {
		return Issued{}, Issued{}, invalidf("unknown refresh token")
	}
	if rec.FamilyID != c.FamilyID || rec.UserID != c.UserID || rec.WorkspaceID != c.WorkspaceID {
		return Issued{}, Issued{}, invalidf("refresh token does not match its record")
	}
	if rec.Revoked {
		return Issued{}, Issued{}, ErrTokenRevoked
	}
	if rec.Used {
		if err := store.RevokeFamily(rec.FamilyID); err != nil {
			return Issued{}, Issued{}, fmt.Errorf("auth: refresh store: %w", err)
		}
		return Issued{}, Issued{}, ErrTokenReused
	}
	if !now.Before(rec.ExpiresAt) {
		return Issued{}, Issued{}, expiredf("refresh record expired at %v", rec.ExpiresAt)
	}
	base := Claims{UserID: c.UserID, WorkspaceID: c.WorkspaceID, WorkspaceMemberID: c.WorkspaceMemberID, Account: c.Account}
	refresh, access, err = s.issuePair(store, base, c.FamilyID, now)
	if err != nil {
		return Issued{}, Issued{}, err
	}
	// The new record is stored before the old is marked used: a failure in
	// between leaves an unreturned token behind, never a locked-out user.
	rec.Used = true
	if err := store.Put(rec); err != nil {
		return Issued{}, Issued{}, fmt.Errorf("auth: refresh store: %w", err)
	}
	return refresh, access, nil
}

// Revoke ends the session a refresh token belongs to (logout): it revokes
// the token's family. The token must verify (an expired one cannot).
func (s *Sessions) Revoke(store RefreshStore, presented string, now time.Time) error {
	c, err := s.Keys.Verify(presented, TokenRefresh, now)
	if err != nil {
		return err
	}
	if err := store.RevokeFamily(c.FamilyID); err != nil {
		return fmt.Errorf("auth: refresh store: %w", err)
	}
	return nil
}

func (s *Sessions) issuePair(store RefreshStore, base Claims, family string, now time.Time) (refresh, access Issued, err error) {
	if s.Keys == nil {
		return Issued{}, Issued{}, errors.New("auth: Sessions without Keys")
	}
	accessTTL, refreshTTL := s.ttls()
	rc := base
	rc.Type, rc.FamilyID = TokenRefresh, family
	if refresh, err = s.Keys.Issue(rc, refreshTTL, now); err != nil {
		return Issued{}, Issued{}, err
	}
	ac := base
	ac.Type, ac.FamilyID = TokenAccess, family // sign-out revokes access tokens by family
	if access, err = s.Keys.Issue(ac, accessTTL, now); err != nil {
		return Issued{}, Issued{}, err
	}
	rec := RefreshRecord{
		TokenID:     refresh.Claims.TokenID,
		FamilyID:    family,
		UserID:      base.UserID,
		WorkspaceID: base.WorkspaceID,
		ExpiresAt:   refresh.ExpiresAt,
	}
	if err := store.Put(rec); err != nil {
		return Issued{}, Issued{}, fmt.Errorf("auth: refresh store: %w", err)
	}
	return refresh, access, nil
}

// MemRefreshStore is an in-memory RefreshStore, for tests and tools. Safe for
// concurrent use.
type MemRefreshStore struct {
	mu   sync.Mutex
	recs map[string]RefreshRecord
}

var _ RefreshStore = (*MemRefreshStore)(nil)

// NewMemRefreshStore returns an empty store.
func NewMemRefreshStore() *MemRefreshStore {
	return &MemRefreshStore{recs: map[string]RefreshRecord{}}
}

func (m *MemRefreshStore) Get(tokenID string) (RefreshRecord, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	rec, ok := m.recs[tokenID]
	return rec, ok, nil
}

func (m *MemRefreshStore) Put(rec RefreshRecord) error {
	if rec.TokenID == "" {
		return errors.New("auth: refresh record without TokenID")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.recs[rec.TokenID] = rec
	return nil
}

func (m *MemRefreshStore) RevokeFamily(familyID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, rec := range m.recs {
		if rec.FamilyID == familyID {
			rec.Revoked = true
			m.recs[id] = rec
		}
	}
	return nil
}

// Prune deletes records expired at now.
func (m *MemRefreshStore) Prune(now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, rec := range m.recs {
		if !now.Before(rec.ExpiresAt) {
			delete(m.recs, id)
		}
	}
}

// Len is the number of records held.
func (m *MemRefreshStore) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.recs)
}
