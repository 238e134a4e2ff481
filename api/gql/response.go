package gql

import (
	"errors"

	"edgecrm/api/apierr"
	"edgecrm/domain"
	"edgecrm/durable"
	"edgecrm/host"

	"github.com/vektah/gqlparser/v2/ast"
)

// Error is one entry of a response's "errors". Status is the HTTP status it
// maps to; it is not rendered.
type Error struct {
	Message    string         `json:"message"`
	Locations  []Location     `json:"locations,omitempty"`
	Path       []any          `json:"path,omitempty"`
	Extensions map[string]any `json:"extensions,omitempty"`
	Status     int            `json:"-"`
}

// Location is a line and column of the request's document.
type Location struct {
	Line   int `json:"line"`
	Column int `json:"column"`
}

// NewError is an error with extensions.code (the status table's GraphQL
// code when code is empty) and extensions.statusCode.
func NewError(status int, code, msg string) *Error {
	if code == "" {
		code = apierr.KindOf(status).GraphQL
	}
	return &Error{Message: msg, Status: status, Extensions: map[string]any{"code": code, "statusCode": status}}
}

// CodeQueryTooComplex is the code of a document the cost model refuses
// (Twenty's code for a document that does not validate).
const CodeQueryTooComplex = apierr.CodeValidationFailed

// FromError renders err by the status table (apierr.FromError), with the
// input field and rule of a validation failure in extensions.field and
// extensions.rule. It returns nil for an internal error: the request then
// fails as a whole (500, rolled back), its text only logged.
func FromError(err error) *Error {
	ae := apierr.FromError(err)
	if ae.Status >= 500 {
		return nil
	}
	msg := ae.Messages[0]
	if errors.Is(err, domain.ErrNotFound) {
		msg = err.Error() // GraphQL names what was not found; REST does not
	}
	e := NewError(ae.Status, "", msg)
	if ae.Field != "" {
		e.Extensions["field"] = ae.Field
	}
	if ae.Rule != "" {
		e.Extensions["rule"] = ae.Rule
	}
	if ae.Code == domain.CodePermissionDenied { // Twenty's permission error extensions
		e.Extensions["subCode"], e.Extensions["userFriendlyMessage"] = ae.Code, domain.UserFriendlyDenied
	}
	return e
}

// KeyReused is the error answering a reused idempotency key (422, Twenty's
// BAD_USER_INPUT code), or nil when err is something else.
func KeyReused(err error) *Error {
	var ke *durable.KeyReusedError
	if errors.As(err, &ke) {
		return NewError(422, "BAD_USER_INPUT", ke.Error())
	}
	return nil
}

// At sets e's path (a copy of path) and, when f has a position, its
// location; it returns e.
func (e *Error) At(f *ast.Field, path []any) *Error {
	e.Path = append([]any(nil), path...)
	if f != nil && f.Position != nil {
		e.Locations = []Location{{Line: f.Position.Line, Column: f.Position.Column}}
	}
	return e
}

// Status is the HTTP status of a request that failed with errs: the highest
// of theirs, at least 400.
func Status(errs []*Error) int {
	status := 400
	for _, e := range errs {
		status = max(status, e.Status)
	}
	return status
}

// Respond renders an executed operation, {"data": data, "errors": errs}
// ("errors" only when there are some), as a JSON response with status.
func Respond(status int, data any, errs []*Error) *host.Response {
	body := NewObject(2)
	body.Set("data", data)
	if len(errs) > 0 {
		body.Set("errors", errs)
	}
	return render(status, body)
}

// RespondErrors renders a request that never executed, {"errors": errs},
// with Status(errs).
func RespondErrors(errs ...*Error) *host.Response {
	body := NewObject(1)
	body.Set("errors", errs)
	return render(Status(errs), body)
}

func render(status int, body *Object) *host.Response {
	text, err := host.Encode(func(b []byte) ([]byte, error) { return appendJSON(b, body) })
	if err != nil {
		return host.JSONResponse(500, apierr.NewError(500, "response encoding failed"))
	}
	return &host.Response{Status: status, Headers: map[string]string{"content-type": "application/json"}, Body: text}
}

// Object is a JSON object that keeps its keys in insertion order (a
// response follows its selection's order). Keys must be unique (Set
// appends): CollectFields groups fields by key.
type Object struct {
	keys []string
	vals []any
}

// NewObject is an empty Object with room for size keys.
func NewObject(size int) *Object {
	return &Object{keys: make([]string, 0, size), vals: make([]any, 0, size)}
}

// Set appends key k with value v.
func (o *Object) Set(k string, v any) {
	o.keys = append(o.keys, k)
	o.vals = append(o.vals, v)
}

// Get is the value of key k (nil when absent).
func (o *Object) Get(k string) any {
	for i, key := range o.keys {
		if key == k {
			return o.vals[i]
		}
	}
	return nil
}

func (o *Object) MarshalJSON() ([]byte, error) { return appendJSON(nil, o) }

// appendJSON encodes a response value in one pass (json.Marshal would
// re-validate every nested Object's output); it writes what json.Marshal
// would (host.AppendJSON for the other values).
func appendJSON(b []byte, v any) ([]byte, error) {
	var err error
	switch x := v.(type) {
	case *Object:
		if x == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '{')
		for i, k := range x.keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(host.AppendString(b, k), ':')
			if b, err = appendJSON(b, x.vals[i]); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendJSON(b, e); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	}
	return host.AppendJSON(b, v)
}
