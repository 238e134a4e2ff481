package accounts

import (
	"strings"
	"testing"
	"time"

	"edgecrm/auth"
	"edgecrm/auth/authtest"
	"edgecrm/domain"
	"edgecrm/migrations"
	"edgecrm/sqldb"
	"edgecrm/sqldb/sqlitedb"
)

func TestRefreshStoreConformance(t *testing.T) {
	authtest.RefreshStore(t, func(t *testing.T) auth.RefreshStore {
		return &refreshStore{sqlitedb.MustOpen(t, migrations.ApplyAccount)}
	})
}

// The dummy hash must cost what a real one costs.
func TestDummyHashUsesDefaultParams(t *testing.T) {
	if auth.NeedsRehash(dummyHash, auth.DefaultParams) {
		t.Fatal("dummyHash was not made with auth.DefaultParams: regenerate it")
	}
	if ok, err := auth.VerifyPassword(dummyHash, "anything"); ok || err != nil {
		t.Fatalf("dummy hash verified: %v %v", ok, err)
	}
}

// A mail token expires (5 minutes for a reset), one is issued a minute,
// a new one replaces the old, and the object keeps only its hash.
func TestMailTokenLifetime(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	a, err := OpenAccount("acct-test-1", sqlitedb.MustOpen(t, migrations.ApplyAccount), func() time.Time { return t0 })
	if err != nil {
		t.Fatal(err)
	}
	if err := a.execute(domain.CreateAccount{UserID: "u1", Email: "ada@example.com", PasswordHash: "x", WorkspaceID: "w1", MemberID: "m1"}); err != nil {
		t.Fatal(err)
	}
	acct, _ := a.account()
	r, _, err := a.mailToken(acct, MailReset, t0)
	if err != nil || r.MailToken == "" {
		t.Fatalf("mailToken: %v %v", r, err)
	}
	first := r.MailToken
	if id, ok := MailTokenAccount(first); !ok || id != a.ID {
		t.Fatalf("token names %q", id)
	}
	if rows, _ := a.DB.Exec(`SELECT hash FROM _mail_tokens`); len(rows.Values) != 1 || strings.Contains(first, sqldb.AsString(rows.Values[0][0])) {
		t.Fatal("the object keeps the token itself")
	}
	check := func(tok string, at time.Time) error {
		_, _, err := a.useMailToken(nil, acct, false, &AccountRequest{Kind: MailReset, Token: tok}, at)
		return err
	}
	if err := check(first, t0.Add(4*time.Minute)); err != nil {
		t.Fatalf("at 4 minutes: %v", err)
	}
	if err := check(first, t0.Add(5*time.Minute)); err == nil {
		t.Fatal("good at 5 minutes")
	}
	if r, _, _ := a.mailToken(acct, MailReset, t0.Add(30*time.Second)); r.MailToken != "" {
		t.Fatal("a second token within the minute")
	}
	r, _, _ = a.mailToken(acct, MailReset, t0.Add(time.Minute))
	if r.MailToken == "" || check(first, t0.Add(61*time.Second)) == nil || check(r.MailToken, t0.Add(61*time.Second)) != nil {
		t.Fatal("a new token replaces the old one")
	}
}
