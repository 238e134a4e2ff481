// Package client is a small Go client of edgecrm's authentication API
// (Twenty's GraphQL operations on /metadata): sign up, log in, renew, sign
// out, and authenticated requests with the Bearer token. crmctl, the
// end-to-end tests and the benchmarks use it. Native only (net/http).
package client

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Client talks to one deployment.
type Client struct {
	Base string // e.g. http://127.0.0.1:8787
	HTTP *http.Client
	// Header is added to every request (tests: cf-connecting-ip).
	Header http.Header
}

// New returns a client of base.
func New(base string) *Client {
	return &Client{Base: strings.TrimRight(base, "/"), HTTP: &http.Client{Timeout: 60 * time.Second}}
}

// Session is a signed-in user in one workspace.
type Session struct {
	Email        string
	Workspace    string
	AccessToken  string
	RefreshToken string
}

// Error is a refused GraphQL operation.
type Error struct {
	Status  int
	Code    string // extensions.subCode: token_expired, invalid_credentials, ...
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

// GraphQL posts one operation to path (/metadata or /graphql) with token
// (may be empty) and decodes data into out.
func (c *Client) GraphQL(path, token, query string, vars map[string]any, out any) error {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	status, raw, err := c.Do("POST", path, token, string(body))
	if err != nil {
		return err
	}
	var r struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct {
			Message    string `json:"message"`
			Extensions struct {
				SubCode string `json:"subCode"`
				Code    string `json:"code"`
			} `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return &Error{Status: status, Code: "bad_response", Message: fmt.Sprintf("not JSON: %.200s", raw)}
	}
	if len(r.Errors) > 0 {
		code := r.Errors[0].Extensions.SubCode
		if code == "" {
			code = r.Errors[0].Extensions.Code
		}
		return &Error{Status: status, Code: code, Message: r.Errors[0].Message}
	}
	if status != 200 {
		return &Error{Status: status, Code: "http", Message: fmt.Sprintf("%.200s", raw)}
	}
	if out != nil {
		return json.Unmarshal(r.Data, out)
	}
	return nil
}

// Do sends a request with an optional Bearer token and returns the status
// and body.
func (c *Client) Do(method, path, token, body string) (int, []byte, error) {
	var rd io.Reader
	if body != "" {
		rd = bytes.NewBufferString(body)
	}
	req, err := http.NewRequest(method, c.Base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("content-type", "application/json")
	for k, vs := range c.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if token != "" {
		req.Header.Set("authorization", "Bearer "+token)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, raw, err
}

// Operations, as Twenty's front end sends them.
const (
	SignUpMutation = `mutation SignUp($email: String!, $password: String!, $workspacePersonalInviteToken: String) {
  signUp(email: $email, password: $password, workspacePersonalInviteToken: $workspacePersonalInviteToken) {
    loginToken { token expiresAt } workspace { id } } }`
	LoginMutation = `mutation GetLoginTokenFromCredentials($email: String!, $password: String!, $origin: String!) {
  getLoginTokenFromCredentials(email: $email, password: $password, origin: $origin) { loginToken { token expiresAt } } }`
	TokensMutation = `mutation GetAuthTokensFromLoginToken($loginToken: String!, $origin: String!) {
  getAuthTokensFromLoginToken(loginToken: $loginToken, origin: $origin) {
    tokens { accessOrWorkspaceAgnosticToken { token expiresAt } refreshToken { token expiresAt } } } }`
	RenewMutation = `mutation RenewToken($appToken: String!) {
  renewToken(appToken: $appToken) { tokens { accessOrWorkspaceAgnosticToken { token expiresAt } refreshToken { token expiresAt } } } }`
	SignOutMutation = `mutation SignOut($refreshToken: String) { signOut(refreshToken: $refreshToken) }`
)

type tokenPair struct {
	Tokens struct {
		Access  struct{ Token string } `json:"accessOrWorkspaceAgnosticToken"`
		Refresh struct{ Token string } `json:"refreshToken"`
	} `json:"tokens"`
}

// SignUp creates a user and a workspace (or joins the invitation's) and
// signs in.
func (c *Client) SignUp(email, password, invite string) (*Session, error) {
	vars := map[string]any{"email": email, "password": password}
	if invite != "" {
		vars["workspacePersonalInviteToken"] = invite
	}
	var out struct {
		SignUp struct {
			LoginToken struct{ Token string } `json:"loginToken"`
			Workspace  struct{ ID string }    `json:"workspace"`
		} `json:"signUp"`
	}
	if err := c.GraphQL("/metadata", "", SignUpMutation, vars, &out); err != nil {
		return nil, err
	}
	s, err := c.Exchange(out.SignUp.LoginToken.Token)
	if err != nil {
		return nil, err
	}
	s.Email, s.Workspace = email, out.SignUp.Workspace.ID
	return s, nil
}

// LoginToken asks for a login token with credentials.
func (c *Client) LoginToken(email, password string) (string, error) {
	var out struct {
		R struct {
			LoginToken struct{ Token string } `json:"loginToken"`
		} `json:"getLoginTokenFromCredentials"`
	}
	if err := c.GraphQL("/metadata", "", LoginMutation, map[string]any{"email": email, "password": password, "origin": c.Base}, &out); err != nil {
		return "", err
	}
	return out.R.LoginToken.Token, nil
}

// Exchange turns a login token into a session.
func (c *Client) Exchange(loginToken string) (*Session, error) {
	var out struct {
		R tokenPair `json:"getAuthTokensFromLoginToken"`
	}
	if err := c.GraphQL("/metadata", "", TokensMutation, map[string]any{"loginToken": loginToken, "origin": c.Base}, &out); err != nil {
		return nil, err
	}
	a := out.R.Tokens.Access.Token
	return &Session{Workspace: WorkspaceOf(a), AccessToken: a, RefreshToken: out.R.Tokens.Refresh.Token}, nil
}

// WorkspaceOf reads the workspace id an access token names (unverified: for
// display and routing of admin calls, never for trust).
func WorkspaceOf(token string) string {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return ""
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var p struct {
		WorkspaceID string `json:"workspaceId"`
	}
	_ = json.Unmarshal(raw, &p)
	return p.WorkspaceID
}

// Login signs in with credentials (both steps).
func (c *Client) Login(email, password string) (*Session, error) {
	lt, err := c.LoginToken(email, password)
	if err != nil {
		return nil, err
	}
	s, err := c.Exchange(lt)
	if err != nil {
		return nil, err
	}
	s.Email = email
	return s, nil
}

// Renew rotates the session's refresh token (renewToken).
func (c *Client) Renew(s *Session) (*Session, error) {
	var out struct {
		R tokenPair `json:"renewToken"`
	}
	if err := c.GraphQL("/metadata", "", RenewMutation, map[string]any{"appToken": s.RefreshToken}, &out); err != nil {
		return nil, err
	}
	return &Session{Email: s.Email, Workspace: s.Workspace, AccessToken: out.R.Tokens.Access.Token, RefreshToken: out.R.Tokens.Refresh.Token}, nil
}

// SignOut ends the session.
func (c *Client) SignOut(s *Session) error {
	return c.GraphQL("/metadata", s.AccessToken, SignOutMutation, map[string]any{"refreshToken": s.RefreshToken}, nil)
}

// SignUpOrLogin signs up, or logs in when the email is already registered.
func (c *Client) SignUpOrLogin(email, password string) (*Session, error) {
	s, err := c.SignUp(email, password, "")
	if e, ok := err.(*Error); ok && e.Status == 409 {
		return c.Login(email, password)
	}
	return s, err
}
