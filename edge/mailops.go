package edge

import (
	"net/url"
	"time"

	"edgecrm/auth"
	"edgecrm/durable/accounts"
	"edgecrm/host"
)

// Password reset and email verification (Twenty's operations, public):
// the account object issues a token, the edge emails it through the
// send_email binding; the token then resets the password or verifies the
// address and signs in. An unknown address is answered as a known one and
// stores nothing. Tokens never enter a log line.
const (
	OpResendEmailVerification       = "resendEmailVerificationToken"
	OpEmailPasswordResetLink        = "emailPasswordResetLink"
	OpValidatePasswordResetToken    = "validatePasswordResetToken"
	OpUpdatePasswordViaResetToken   = "updatePasswordViaResetToken"
	OpLoginFromEmailVerification    = "getLoginTokenFromEmailVerificationToken"
	OpAgnosticFromEmailVerification = "getWorkspaceAgnosticTokenFromEmailVerificationToken"
)

// Configuration: where the emailed links point, and the sender.
const (
	EnvFrontendURL = "FRONTEND_URL" // Twenty's frontend; http://localhost:3001 unset
	EnvEmailFrom   = "EMAIL_FROM"
)

// startMail validates a mail operation's arguments (startPublic's part).
func startMail(f *flow, args map[string]any) *host.Output {
	switch f.Op {
	case OpResendEmailVerification, OpEmailPasswordResetLink:
		raw, err := mustString(args, "email")
		if err == nil {
			f.Email, err = auth.NormalizeEmail(raw)
		}
		if err != nil {
			return rejectUnauthenticated(f, err)
		}
		f.Args, f.Next = map[string]any{"origin": optString(args, "origin")}, "mail.start"
		return ipLimit(f)
	}
	name := "emailVerificationToken"
	if f.Op == OpValidatePasswordResetToken || f.Op == OpUpdatePasswordViaResetToken {
		name = "passwordResetToken"
	}
	token, err := mustString(args, name)
	if err != nil {
		return rejectUnauthenticated(f, err)
	}
	acct, ok := accounts.MailTokenAccount(token)
	if !ok {
		return rejectUnauthenticated(f, auth.Errorf(403, auth.CodeForbidden, "Token is invalid"))
	}
	if raw := optString(args, "email"); raw != "" {
		if f.Email, err = auth.NormalizeEmail(raw); err != nil {
			return rejectUnauthenticated(f, err)
		}
	}
	f.Reply, f.Session = &accounts.AccountReply{Account: acct}, f.Op == OpAgnosticFromEmailVerification
	f.Sealed, f.Next = seal(credentials{Token: token, Password: optString(args, "newPassword")}), "mail.use"
	return ipLimit(f)
}

func mailKind(op string) string {
	if op == OpResendEmailVerification || op == OpLoginFromEmailVerification || op == OpAgnosticFromEmailVerification {
		return accounts.MailVerify
	}
	return accounts.MailReset
}

func stepMailStart(f *flow, _ host.ResumeInput) (*host.Output, error) {
	e := doFetch(NSAccount, accounts.AccountObjectName(f.Email), "", accounts.PathMailToken, accounts.AccountRequest{Kind: mailKind(f.Op)})
	e.Resume = resume(f, "mail.issued")
	return &host.Output{Effects: []host.Effect{e}}, nil
}

// stepMailIssued answers {success: true} whatever the account object
// decided, and emails the token when it issued one.
func stepMailIssued(f *flow, in host.ResumeInput) (*host.Output, error) {
	var reply accounts.AccountReply
	if err := doResult(in, &reply); err != nil {
		return nil, err
	}
	out := data(f, map[string]any{"success": true})
	if reply.MailToken == "" {
		return out, nil
	}
	env := auth.Current().Env
	base, from := env[EnvFrontendURL], env[EnvEmailFrom]
	if base == "" {
		base = "http://localhost:3001"
	}
	if from == "" {
		from = "noreply@edgecrm.dev"
	}
	m := &host.Email{From: from, To: []string{reply.Email}}
	if f.Op == OpEmailPasswordResetLink {
		m.Subject = "Action Needed to Reset Password"
		m.Text = "Reset your password with this link, valid for 5 minutes:\n\n" + base + "/reset-password/" + reply.MailToken + "\n"
	} else {
		if o, _ := f.Args["origin"].(string); o != "" {
			if u, err := url.Parse(o); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
				base = u.Scheme + "://" + u.Host
			}
		}
		q := "email=" + url.QueryEscape(reply.Email) + "&emailVerificationToken=" + url.QueryEscape(reply.MailToken)
		m.Subject = "Please confirm your email"
		m.Text = "Confirm your email address with this link, valid for 1 hour:\n\n" + base + "/verify-email?" + q + "\n"
	}
	out.Effects = append(out.Effects, background(host.Effect{Kind: host.EffectEmail, Email: m}))
	return out, nil
}

func stepMailUse(f *flow, _ host.ResumeInput) (*host.Output, error) {
	var cr credentials
	if err := unseal(f.Sealed, &cr); err != nil {
		return nil, err
	}
	f.Sealed = ""
	path := accounts.PathMailUse
	if f.Op == OpValidatePasswordResetToken {
		path = accounts.PathMailCheck
	}
	e := doFetch(NSAccount, "", f.Reply.Account, path, accounts.AccountRequest{Kind: mailKind(f.Op), Token: cr.Token, Password: cr.Password, Email: f.Email})
	e.Resume = resume(f, "mail.used")
	return &host.Output{Effects: []host.Effect{e}}, nil
}

func stepMailUsed(f *flow, in host.ResumeInput) (*host.Output, error) {
	var reply accounts.AccountReply
	if err := doResult(in, &reply); err != nil {
		return nil, err
	}
	switch f.Op {
	case OpValidatePasswordResetToken:
		return data(f, map[string]any{"id": reply.UserID, "email": reply.Email, "hasPassword": true}), nil
	case OpUpdatePasswordViaResetToken:
		return revokeSessions(data(f, map[string]any{"success": true}), reply.Sessions), nil
	}
	f.Reply = &reply
	if reply.Bootstrap {
		return bootstrap(f), nil
	}
	return loginAnswer(f, &reply), nil
}

// revokeSessions adds to out the background revocation of sessions (their
// access tokens) in their workspaces and at the edge (KV).
func revokeSessions(out *host.Output, sessions []accounts.Session) *host.Output {
	cfg := auth.Current()
	until := Now().Add(cfg.AccessTTL).UTC().Format(time.RFC3339)
	ttl := max(int(cfg.AccessTTL/time.Second), 60)
	for _, s := range sessions {
		if validWorkspace(s.WorkspaceID) {
			out.Effects = append(out.Effects, background(doFetch(NSWorkspace, s.WorkspaceID, "", accounts.PathRevokeSession,
				accounts.AccessRequest{FamilyID: s.FamilyID, ExpiresAt: until})))
		}
		out.Effects = append(out.Effects, background(host.Effect{Kind: host.EffectKVPut, Key: auth.DenyKey(s.FamilyID), Value: "1", TTL: ttl}))
	}
	if len(sessions) > 0 {
		ForgetVerified()
	}
	return out
}
