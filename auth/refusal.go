package auth

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"edgecrm/api/apierr"
	"edgecrm/domain"
	"edgecrm/host"
)

// Codes of Error (a GraphQL error's extensions.subCode).
const (
	CodeUnauthenticated    = "unauthenticated"
	CodeTokenExpired       = "token_expired"
	CodeTokenReused        = "token_reused" // between objects only: clients see unauthenticated
	CodeForbidden          = "forbidden"
	CodeBadInput           = "bad_input"
	CodeConflict           = "conflict"
	CodeNotFound           = "not_found"
	CodeRateLimited        = "rate_limited"
	CodeUnavailable        = "unavailable"
	CodeInvalidCredentials = "invalid_credentials"
)

// Errorf builds an Error.
func Errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// As lets apierr.FromError see an *Error as the *apierr.Error of the same status.
func (e *Error) As(target any) bool {
	if t, ok := target.(**apierr.Error); ok {
		*t = apierr.NewError(e.Status, e.Message)
		return true
	}
	return false
}

// InvalidCredentials is the one answer to a failed login, whether the email
// is unknown or the password wrong.
func InvalidCredentials() *Error {
	return Errorf(401, CodeInvalidCredentials, "Invalid email or password.")
}

// TooManyLogins is the answer to a throttled login.
func TooManyLogins(wait time.Duration) *Error {
	e := Errorf(429, CodeRateLimited, "Too many failed logins: try again later.")
	e.RetryAfter = int(wait/time.Second) + 1
	return e
}

// AsError turns any error into an *Error: a token failure keeps its code,
// the access and account rules' refusals (package domain) and the API's
// errors (apierr.FromError) get the code of their status.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var fe *domain.ForbiddenError
	var xe *domain.ExistsError
	switch {
	case errors.As(err, &fe):
		code := CodeForbidden
		if fe.Code != "" {
			code = fe.Code
		}
		return Errorf(403, code, "%s", fe.Message)
	case errors.As(err, &xe):
		return Errorf(409, CodeConflict, "%s", xe.Message)
	case errors.Is(err, domain.ErrNotFound):
		return Errorf(404, CodeNotFound, "%s", err.Error())
	}
	ae := apierr.FromError(err)
	return &Error{Status: ae.Status, Code: apierr.KindOf(ae.Status).Code, Message: ae.Messages[0]}
}

// Respond renders err in the one error shape:
// {"statusCode","error","messages","code"} (Twenty's REST error shape plus
// the code), with Retry-After when the error has one.
func Respond(err error) *host.Response {
	e := AsError(err)
	r := host.JSONResponse(e.Status, map[string]any{"statusCode": e.Status, "error": apierr.KindOf(e.Status).Name, "messages": []string{e.Message}, "code": e.Code})
	if e.RetryAfter > 0 {
		r.Headers["retry-after"] = fmt.Sprint(e.RetryAfter)
	}
	return r
}

// ParseError reads an error response written by Respond (or the APIs).
func ParseError(status int, body string) *Error {
	var m struct {
		Messages []string `json:"messages"`
		Code     string   `json:"code"`
	}
	_ = json.Unmarshal([]byte(body), &m)
	e := &Error{Status: status, Code: m.Code, Message: "request failed"}
	if len(m.Messages) > 0 {
		e.Message = m.Messages[0]
	}
	if e.Code == "" {
		e.Code = AsError(apierr.NewError(status, e.Message)).Code
	}
	return e
}

// Friendly is e's GraphQL userFriendlyMessage (Twenty's own for a
// permission error, else the message).
func (e *Error) Friendly() string {
	if e.Code == domain.CodePermissionDenied {
		return domain.UserFriendlyDenied
	}
	return e.Message
}

// RefusalFor renders err for a request to path: GraphQL's error shape on
// /graphql and /metadata, the REST shape elsewhere.
func RefusalFor(path string, err error) *host.Response {
	if path != "/graphql" && path != "/metadata" {
		return Respond(err)
	}
	e := AsError(err)
	return host.JSONResponse(e.Status, map[string]any{"errors": []any{map[string]any{"message": e.Message,
		"extensions": map[string]any{"code": apierr.KindOf(e.Status).GraphQL, "subCode": e.Code, "userFriendlyMessage": e.Friendly()}}}, "data": nil})
}
