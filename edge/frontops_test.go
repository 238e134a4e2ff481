package edge_test

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// generateTransientToken answers a short-lived token of Twenty's shape,
// which no API takes as a bearer token.
func TestGenerateTransientToken(t *testing.T) {
	c := newClient(t, nil)
	ada := c.signUpAndLogIn("ada@example.com", "correct horse battery", "")
	r := c.gql(ada.Access, frontDoc(t, "auth/generateTransientToken.graphql"), nil)
	tok, _ := dig(r.Body, "data", "generateTransientToken", "transientToken", "token").(string)
	if r.Status != 200 || tok == "" {
		t.Fatalf("generateTransientToken: %d %s", r.Status, r.Raw)
	}
	r = c.gql(ada.Access, `mutation { generateTransientToken { transientToken { expiresAt } } }`, nil)
	exp, err := time.Parse(time.RFC3339, dig(r.Body, "data", "generateTransientToken", "transientToken", "expiresAt").(string))
	if err != nil || exp.Before(time.Now()) || exp.After(time.Now().Add(6*time.Minute)) {
		t.Fatalf("expiresAt: %v %s", err, r.Raw)
	}
	if r := c.gql(tok, `{ currentUser { id } }`, nil); r.Status != 401 {
		t.Fatalf("a transient token as a bearer: %d %s", r.Status, r.Raw)
	}
	if r := c.gql("", frontDoc(t, "auth/generateTransientToken.graphql"), nil); r.Status != 401 {
		t.Fatalf("anonymous: %d %s", r.Status, r.Raw)
	}
}

// getRoles answers Role.agents, always empty (no AI agents here).
func TestGetRolesAgents(t *testing.T) {
	c := newClient(t, nil)
	ada := c.signUpAndLogIn("ada@example.com", "correct horse battery", "")
	r := c.gql(ada.Access, frontDoc(t, "settings/GetRoles.graphql"), nil)
	roles, _ := dig(r.Body, "data", "getRoles").([]any)
	if r.Status != 200 || len(roles) < 2 {
		t.Fatalf("getRoles: %d %s", r.Status, r.Raw)
	}
	for _, role := range roles {
		if a, ok := dig(role, "agents").([]any); !ok || len(a) != 0 {
			t.Fatalf("agents: %s", r.Raw)
		}
	}
}

// mailToken returns the token in the last message the native host sent
// to, and how many it sent.
func (c *client) mailToken(to, marker string) (string, int) {
	c.t.Helper()
	n, tok := 0, ""
	for _, m := range c.h.Emails {
		if len(m.To) == 1 && m.To[0] == to {
			n++
			if i := strings.Index(m.Text, marker); i >= 0 {
				tok = strings.Fields(m.Text[i+len(marker):])[0]
			}
		}
	}
	if u, err := url.QueryUnescape(tok); err == nil {
		tok = u
	}
	return tok, n
}

// Password reset, as Twenty's frontend runs it: the link is emailed (an
// unknown address answers the same and gets nothing; one mail a minute),
// the token validates, sets the new password once, and every session of
// the account ends.
func TestPasswordReset(t *testing.T) {
	c := newClient(t, nil)
	ada := c.signUpAndLogIn("ada@example.com", "correct horse battery", "")
	link := frontDoc(t, "auth/EmailPasswordResetLink.graphql")
	for _, email := range []string{"nobody@example.com", "Ada@Example.com", "ada@example.com"} {
		r := c.gql("", link, map[string]any{"email": email})
		if r.Status != 200 || dig(r.Body, "data", "emailPasswordResetLink", "success") != true {
			t.Fatalf("emailPasswordResetLink(%s): %d %s", email, r.Status, r.Raw)
		}
	}
	if _, n := c.mailToken("nobody@example.com", "/reset-password/"); n != 0 {
		t.Fatalf("an unknown address got %d mails", n)
	}
	token, n := c.mailToken("ada@example.com", "/reset-password/")
	if n != 1 || token == "" {
		t.Fatalf("ada's mails: %d (one a minute), token %q", n, token)
	}

	validate := frontDoc(t, "auth/ValidatePasswordResetToken.graphql")
	r := c.gql("", validate, map[string]any{"token": token})
	if r.Status != 200 || dig(r.Body, "data", "validatePasswordResetToken", "email") != "ada@example.com" ||
		dig(r.Body, "data", "validatePasswordResetToken", "hasPassword") != true {
		t.Fatalf("validatePasswordResetToken: %d %s", r.Status, r.Raw)
	}
	forged := token[:len(token)-1] + map[bool]string{true: "0", false: "1"}[token[len(token)-1] != '0']
	if r := c.gql("", validate, map[string]any{"token": forged}); r.Status != 403 {
		t.Fatalf("a forged token: %d %s", r.Status, r.Raw)
	}

	update := frontDoc(t, "auth/UpdatePasswordViaResetToken.graphql")
	if r := c.gql("", update, map[string]any{"token": token, "newPassword": "short"}); r.Status != 400 {
		t.Fatalf("a short password: %d %s", r.Status, r.Raw)
	}
	r = c.gql("", update, map[string]any{"token": token, "newPassword": "a brand new passphrase"})
	if r.Status != 200 || dig(r.Body, "data", "updatePasswordViaResetToken", "success") != true {
		t.Fatalf("updatePasswordViaResetToken: %d %s", r.Status, r.Raw)
	}
	if r := c.gql("", update, map[string]any{"token": token, "newPassword": "yet another passphrase"}); r.Status != 403 {
		t.Fatalf("the token twice: %d %s", r.Status, r.Raw)
	}
	if r := c.login("ada@example.com", "correct horse battery"); r.Status != 401 {
		t.Fatalf("the old password: %d %s", r.Status, r.Raw)
	}
	if r := c.login("ada@example.com", "a brand new passphrase"); r.Status != 200 {
		t.Fatalf("the new password: %d %s", r.Status, r.Raw)
	}
	if r := c.gql(ada.Access, `{ currentUser { id } }`, nil); r.Status != 401 {
		t.Fatalf("the old session's access token: %d %s", r.Status, r.Raw)
	}
	if r := c.gql("", renewQ, map[string]any{"appToken": ada.Refresh}); r.Status != 401 {
		t.Fatalf("the old session's refresh token: %d %s", r.Status, r.Raw)
	}
}

// Email verification: the link is emailed to the account's address (not
// to an unknown one), and its token verifies the address and signs in, at
// most once; checkUserExists then reports it verified.
func TestEmailVerification(t *testing.T) {
	c := newClient(t, nil)
	c.signUpAndLogIn("ada@example.com", "correct horse battery", "")
	resend := frontDoc(t, "auth/ResendEmailVerificationToken.graphql")
	for _, email := range []string{"nobody@example.com", "ada@example.com"} {
		r := c.gql("", resend, map[string]any{"email": email, "origin": "https://app.example.com"})
		if r.Status != 200 || dig(r.Body, "data", "resendEmailVerificationToken", "success") != true {
			t.Fatalf("resendEmailVerificationToken(%s): %d %s", email, r.Status, r.Raw)
		}
	}
	if _, n := c.mailToken("nobody@example.com", "emailVerificationToken="); n != 0 {
		t.Fatalf("an unknown address got %d mails", n)
	}
	token, n := c.mailToken("ada@example.com", "emailVerificationToken=")
	if n != 1 || token == "" || !strings.Contains(c.h.Emails[len(c.h.Emails)-1].Text, "https://app.example.com/verify-email?") {
		t.Fatalf("ada's mails: %d %v", n, c.h.Emails)
	}
	login := frontDoc(t, "auth/GetLoginTokenFromEmailVerificationToken.graphql")
	vars := map[string]any{"emailVerificationToken": token, "email": "nobody@example.com", "origin": "https://app.example.com"}
	if r := c.gql("", login, vars); r.Status != 403 {
		t.Fatalf("another address: %d %s", r.Status, r.Raw)
	}
	vars["email"] = "ada@example.com"
	r := c.gql("", login, vars)
	lt, _ := dig(r.Body, "data", "getLoginTokenFromEmailVerificationToken", "loginToken", "token").(string)
	if r.Status != 200 || lt == "" {
		t.Fatalf("getLoginTokenFromEmailVerificationToken: %d %s", r.Status, r.Raw)
	}
	s := c.tokens(lt)
	if me := c.gql(s.Access, `{ currentUser { email } }`, nil); dig(me.Body, "data", "currentUser", "email") != "ada@example.com" {
		t.Fatalf("the session: %s", me.Raw)
	}
	if r := c.gql("", login, vars); r.Status != 403 {
		t.Fatalf("the token twice: %d %s", r.Status, r.Raw)
	}
	exists := c.gql("", `query($e: String!) { checkUserExists(email: $e) { isEmailVerified } }`, map[string]any{"e": "ada@example.com"})
	if dig(exists.Body, "data", "checkUserExists", "isEmailVerified") != true {
		t.Fatalf("checkUserExists: %s", exists.Raw)
	}
	// Verified: nothing more is sent.
	c.gql("", resend, map[string]any{"email": "ada@example.com", "origin": "https://app.example.com"})
	if _, n := c.mailToken("ada@example.com", "emailVerificationToken="); n != 1 {
		t.Fatalf("mails after verification: %d", n)
	}
}

// The workspace-agnostic form answers a session and the workspaces.
func TestEmailVerificationSession(t *testing.T) {
	c := newClient(t, nil)
	c.signUpAndLogIn("ada@example.com", "correct horse battery", "")
	c.gql("", frontDoc(t, "auth/ResendEmailVerificationToken.graphql"), map[string]any{"email": "ada@example.com", "origin": "http://localhost:3001"})
	token, _ := c.mailToken("ada@example.com", "emailVerificationToken=")
	r := c.gql("", frontDoc(t, "auth/GetWorkspaceAgnosticTokenFromEmailVerificationToken.graphql"),
		map[string]any{"emailVerificationToken": token, "email": "ada@example.com"})
	access, _ := dig(r.Body, "data", "getWorkspaceAgnosticTokenFromEmailVerificationToken", "tokens", "accessOrWorkspaceAgnosticToken", "token").(string)
	ws, _ := dig(r.Body, "data", "getWorkspaceAgnosticTokenFromEmailVerificationToken", "availableWorkspaces", "availableWorkspacesForSignIn").([]any)
	if r.Status != 200 || access == "" || len(ws) != 1 {
		t.Fatalf("getWorkspaceAgnosticTokenFromEmailVerificationToken: %d %s", r.Status, r.Raw)
	}
	if me := c.gql(access, `{ currentUser { email } }`, nil); dig(me.Body, "data", "currentUser", "email") != "ada@example.com" {
		t.Fatalf("the session: %s", me.Raw)
	}
}

// invite has admin invite email into their workspace, who signs up with it.
func (c *client) invite(admin session, email string) session {
	c.t.Helper()
	r := c.gql(admin.Access, `mutation($e: [String!]!) { sendInvitations(emails: $e) { result { personalInviteToken } } }`, map[string]any{"e": []any{email}})
	res, _ := dig(r.Body, "data", "sendInvitations", "result").([]any)
	if len(res) != 1 {
		c.t.Fatalf("sendInvitations: %s", r.Raw)
	}
	s := c.signUpAndLogIn(email, "a member's password", dig(res[0], "personalInviteToken").(string))
	s.Email = email
	return s
}

// deleteCurrentWorkspace (admins only): every member and API key loses
// access at once; the admin can sign in again, into a new workspace.
func TestDeleteCurrentWorkspace(t *testing.T) {
	c := newClient(t, nil)
	admin := c.signUpAndLogIn("ada@example.com", "correct horse battery", "")
	member := c.invite(admin, "bob@example.com")
	pending := c.gql(admin.Access, `mutation { sendInvitations(emails: ["late@example.com"]) { result { personalInviteToken } } }`, nil)
	late, _ := dig(pending.Body, "data", "sendInvitations", "result").([]any)
	key := c.gql(admin.Access, `mutation { createApiKey(input: {name: "k"}) { id } }`, nil)
	tok := c.gql(admin.Access, `mutation($id: UUID!) { generateApiKeyToken(apiKeyId: $id, expiresAt: "2999-01-01T00:00:00Z") { token } }`,
		map[string]any{"id": dig(key.Body, "data", "createApiKey", "id")})
	apiKey, _ := dig(tok.Body, "data", "generateApiKeyToken", "token").(string)
	for _, bearer := range []string{admin.Access, member.Access, apiKey} {
		if r := c.do("GET", "/rest/companies", bearer, ""); r.Status != 200 {
			t.Fatalf("before: %d %s", r.Status, r.Raw)
		}
	}
	doc := frontDoc(t, "workspace/DeleteCurrentWorkspace.graphql")
	if r := c.gql(member.Access, doc, nil); r.Status != 403 {
		t.Fatalf("a member deletes the workspace: %d %s", r.Status, r.Raw)
	}
	r := c.gql(admin.Access, doc, nil)
	if r.Status != 200 || dig(r.Body, "data", "deleteCurrentWorkspace", "id") != admin.Workspace {
		t.Fatalf("deleteCurrentWorkspace: %d %s", r.Status, r.Raw)
	}
	for _, bearer := range []string{admin.Access, member.Access, apiKey} {
		if r := c.do("GET", "/rest/companies", bearer, ""); r.Status != 401 {
			t.Fatalf("after: %d %s", r.Status, r.Raw)
		}
	}
	// A pending invitation does not outlive the workspace.
	if r := c.gql("", signUpQ, map[string]any{"email": "late@example.com", "password": "late password",
		"workspacePersonalInviteToken": dig(late[0], "personalInviteToken")}); r.Status != 403 {
		t.Fatalf("joining the deleted workspace: %d %s", r.Status, r.Raw)
	}
	// Signing in again gives the admin a new, empty workspace.
	lt, _ := dig(c.login("ada@example.com", "correct horse battery").Body, "data", "getLoginTokenFromCredentials", "loginToken", "token").(string)
	if lt == "" {
		t.Fatal("no login after the deletion")
	}
	again := c.tokens(lt)
	if ws := mustClaims(t, again.Access).WorkspaceID; ws == admin.Workspace {
		t.Fatalf("signed in to the deleted workspace %s", ws)
	}
}

// deleteUser: refused to the only admin of a workspace with other members;
// otherwise the user leaves every workspace (the one they are alone in is
// deleted), their sessions end, and they sign in no more.
func TestDeleteUserAccount(t *testing.T) {
	c := newClient(t, nil)
	doc := frontDoc(t, "users/DeleteUserAccount.graphql")
	carol := c.signUpAndLogIn("carol@example.com", "carol's password", "")
	c.invite(carol, "dave@example.com")
	if r := c.gql(carol.Access, doc, nil); r.Status != 400 || !strings.Contains(r.Raw, "only admin") {
		t.Fatalf("the only admin: %d %s", r.Status, r.Raw)
	}
	if r := c.do("GET", "/rest/companies", carol.Access, ""); r.Status != 200 {
		t.Fatalf("carol after the refusal: %d %s", r.Status, r.Raw)
	}

	ada := c.signUpAndLogIn("ada@example.com", "correct horse battery", "")
	inCarols := c.invite(carol, "erin@example.com")
	r := c.gql(inCarols.Access, doc, nil)
	if r.Status != 200 || dig(r.Body, "data", "deleteUser", "id") != mustClaims(t, inCarols.Access).UserID {
		t.Fatalf("deleteUser: %d %s", r.Status, r.Raw)
	}
	members := c.gql(carol.Access, `{ getRoles { workspaceMembers { userEmail } } }`, nil)
	if strings.Contains(members.Raw, "erin@example.com") || !strings.Contains(members.Raw, "dave@example.com") {
		t.Fatalf("carol's members: %s", members.Raw)
	}
	if r := c.do("GET", "/rest/companies", inCarols.Access, ""); r.Status != 401 {
		t.Fatalf("erin's token: %d %s", r.Status, r.Raw)
	}
	if r := c.login("erin@example.com", "a member's password"); r.Status != 401 {
		t.Fatalf("erin signs in: %d %s", r.Status, r.Raw)
	}

	// Alone in her workspace: it goes with her.
	r = c.gql(ada.Access, doc, nil)
	if r.Status != 200 {
		t.Fatalf("deleteUser (alone): %d %s", r.Status, r.Raw)
	}
	if r := c.do("GET", "/rest/companies", ada.Access, ""); r.Status != 401 {
		t.Fatalf("ada's token: %d %s", r.Status, r.Raw)
	}
	// The address can sign up again, as a new user.
	again := c.signUpAndLogIn("ada@example.com", "another passphrase", "")
	if again.Workspace == ada.Workspace || mustClaims(t, again.Access).UserID == mustClaims(t, ada.Access).UserID {
		t.Fatalf("the new account reuses the old: %v", again)
	}
}
