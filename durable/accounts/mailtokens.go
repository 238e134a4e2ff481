package accounts

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"strings"
	"time"

	"edgecrm/auth"
	"edgecrm/domain"
	"edgecrm/sqldb"
)

// Emailed tokens: password reset and email verification, as Twenty's
// (random, kept hashed, single use, expiring). A token is "<account object
// id>.<secret>", so that the operations that carry only the token
// (validatePasswordResetToken, updatePasswordViaResetToken) find the
// account object; the object keeps the secret's SHA-256.

// Mail token kinds.
const (
	MailReset  = "reset"
	MailVerify = "verify"
)

// MailTokenTTL is how long a token lasts (Twenty's
// PASSWORD_RESET_TOKEN_EXPIRES_IN and EMAIL_VERIFICATION_TOKEN_EXPIRES_IN).
var MailTokenTTL = map[string]time.Duration{MailReset: 5 * time.Minute, MailVerify: time.Hour}

// MailTokenEvery bounds the messages: one token (one email) per kind and
// minute; a request within it sends nothing, and answers as any other.
const MailTokenEvery = time.Minute

// MailTokenAccount is the account object id a mail token names.
func MailTokenAccount(token string) (string, bool) {
	id, secret, ok := strings.Cut(token, ".")
	return id, ok && ValidObjectID(id) && len(secret) == 64
}

func hashMailSecret(token string) string {
	_, secret, _ := strings.Cut(token, ".")
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// mailToken issues a token of kind for the edge to email. An unknown
// account, an address already verified, or a token issued in the last
// minute get an empty answer (nothing is sent), which the edge answers
// as it answers a sent one: the caller cannot tell accounts apart.
func (a *Account) mailToken(acct *accountRow, kind string, now time.Time) (*AccountReply, int, error) {
	ttl, ok := MailTokenTTL[kind]
	if !ok {
		return nil, 0, auth.Errorf(400, auth.CodeBadInput, "unknown token kind")
	}
	if acct == nil || kind == MailVerify && acct.Verified {
		return &AccountReply{}, 200, nil
	}
	rows, err := a.DB.Exec(`SELECT 1 FROM _mail_tokens WHERE kind = ? AND created_ms > ?`, kind, now.Add(-MailTokenEvery).UnixMilli())
	if err != nil || len(rows.Values) > 0 {
		return &AccountReply{}, 200, err
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, 0, err
	}
	token := a.ID + "." + hex.EncodeToString(b)
	// A new token replaces the kind's previous one.
	if _, err := a.DB.Exec(`INSERT OR REPLACE INTO _mail_tokens (kind, hash, created_ms, expires_ms) VALUES (?, ?, ?, ?)`,
		kind, hashMailSecret(token), now.UnixMilli(), now.Add(ttl).UnixMilli()); err != nil {
		return nil, 0, err
	}
	return &AccountReply{MailToken: token, Email: acct.Email, UserID: acct.UserID}, 200, nil
}

// useMailToken checks a token (and with spend, uses it up): a password
// reset sets the new password and revokes every session; a verification
// marks the address verified and answers a login, as a password would.
func (a *Account) useMailToken(cfg *auth.Config, acct *accountRow, spend bool, in *AccountRequest, now time.Time) (*AccountReply, int, error) {
	invalid := auth.Errorf(403, auth.CodeForbidden, "Token is invalid")
	if acct == nil || MailTokenTTL[in.Kind] == 0 {
		return nil, 0, invalid
	}
	rows, err := a.DB.Exec(`SELECT hash FROM _mail_tokens WHERE kind = ? AND expires_ms > ?`, in.Kind, now.UnixMilli())
	if err != nil {
		return nil, 0, err
	}
	if len(rows.Values) == 0 || subtle.ConstantTimeCompare([]byte(sqldb.AsString(rows.Values[0][0])), []byte(hashMailSecret(in.Token))) != 1 {
		return nil, 0, invalid
	}
	if in.Kind == MailVerify && in.Email != "" && in.Email != acct.Email {
		return nil, 0, invalid
	}
	if !spend {
		return &AccountReply{UserID: acct.UserID, Email: acct.Email}, 200, nil
	}
	if in.Kind == MailReset {
		if len(in.Password) < MinPasswordBytes || len(in.Password) > auth.MaxPasswordBytes {
			return nil, 0, auth.Errorf(400, auth.CodeBadInput, "password must be %d to %d bytes", MinPasswordBytes, auth.MaxPasswordBytes)
		}
	}
	if _, err := a.DB.Exec(`DELETE FROM _mail_tokens WHERE kind = ?`, in.Kind); err != nil {
		return nil, 0, err
	}
	if in.Kind == MailVerify {
		if err := a.execute(domain.VerifyEmail{}); err != nil {
			return nil, 0, err
		}
		return a.loginReply(cfg, acct, &AccountRequest{}, now)
	}
	hash, err := auth.HashPassword(in.Password)
	if err != nil {
		return nil, 0, auth.Errorf(400, auth.CodeBadInput, "password is not acceptable")
	}
	if err := a.execute(domain.ChangePassword{PasswordHash: hash}); err != nil {
		return nil, 0, err
	}
	if err := a.saveLoginFailures(loginThrottle{}); err != nil {
		return nil, 0, err
	}
	sessions, err := a.revokeSessions(now)
	return &AccountReply{UserID: acct.UserID, Email: acct.Email, Sessions: sessions}, 200, err
}

// revokeSessions revokes every live session of the account and names them
// (the edge revokes their access tokens in their workspaces and in KV).
func (a *Account) revokeSessions(now time.Time) ([]Session, error) {
	rows, err := a.DB.Exec(`SELECT DISTINCT family_id, workspace_id FROM _sessions WHERE revoked = 0 AND expires_at >= ?`, now.UTC().Format(time.RFC3339))
	if err != nil {
		return nil, err
	}
	var out []Session
	for _, r := range rows.Values {
		out = append(out, Session{FamilyID: sqldb.AsString(r[0]), WorkspaceID: sqldb.AsString(r[1])})
	}
	_, err = a.DB.Exec(`UPDATE _sessions SET revoked = 1`)
	return out, err
}
