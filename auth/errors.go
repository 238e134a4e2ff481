package auth

import (
	"errors"
	"fmt"
)

// Error is an authentication failure: an HTTP status, a machine-readable
// code and a message that is safe to show a client (apierr.FromError
// renders it by the one status table). Failures returned by this package wrap one of the sentinels below
// (test with errors.Is; recover the shape with errors.As on **Error). The
// wrapping error's text adds a reason meant for logs, not for clients.
//
// It is also the shape of every refusal of the auth flows (sign-up, login,
// sessions, access operations): Errorf builds one, Respond and RefusalFor
// render it, and apierr.FromError sees it as the *apierr.Error of its
// status (As).
type Error struct {
	Status     int    // HTTP status (401)
	Code       string // machine code, e.g. "token_expired"
	Message    string // client-safe message
	RetryAfter int    // seconds; adds a Retry-After header when > 0
}

func (e *Error) Error() string { return e.Message }

// HTTPStatus is the status the error answers with.
func (e *Error) HTTPStatus() int { return e.Status }

var (
	// ErrTokenExpired: the token is authentic and well-formed but its exp
	// has passed (leeway 0). Maps to 401 token_expired.
	ErrTokenExpired = &Error{Status: 401, Code: CodeTokenExpired, Message: "Token has expired."}

	// ErrInvalidToken: any other reason to refuse a token (malformed, wrong
	// algorithm, unknown kid, bad signature, wrong issuer, audience or type,
	// missing claims, revoked or reused). Maps to 401 unauthenticated.
	ErrInvalidToken = &Error{Status: 401, Code: CodeUnauthenticated, Message: "Invalid token."}

	// ErrTokenReused: a refresh token that was already rotated was
	// presented again; its whole family has been revoked. Wraps
	// ErrInvalidToken.
	ErrTokenReused = fmt.Errorf("%w (refresh token reused: session family revoked)", ErrInvalidToken)

	// ErrTokenRevoked: the refresh token's family was revoked (logout or
	// reuse). Wraps ErrInvalidToken.
	ErrTokenRevoked = fmt.Errorf("%w (refresh token revoked)", ErrInvalidToken)
)

// Password errors. They describe bad input (400 on sign-up, a refused login
// otherwise) and never contain the password.
var (
	ErrEmptyPassword   = errors.New("password must not be empty")
	ErrPasswordTooLong = fmt.Errorf("password must be at most %d bytes", MaxPasswordBytes)
	// ErrMalformedHash: a stored password hash is not a PHC argon2id string
	// this package accepts; the wrapping error names the rule broken.
	ErrMalformedHash = errors.New("malformed argon2id PHC hash")
)

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w ("+format+")", append([]any{ErrInvalidToken}, args...)...)
}

func expiredf(format string, args ...any) error {
	return fmt.Errorf("%w ("+format+")", append([]any{ErrTokenExpired}, args...)...)
}
