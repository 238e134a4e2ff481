// Package apierr is the one error taxonomy of every API: one status table
// (Kinds) from which the REST body ({statusCode, error, messages}), the
// GraphQL extensions.code (Twenty's codes) and the WebSocket close code
// are all rendered, and FromError, which maps the domain's typed errors
// (and those of projections/query) onto it. Packages keep their own typed
// errors; this package says what they mean on the wire.
package apierr

import (
	"errors"

	"edgecrm/domain"
	"edgecrm/host"
	"edgecrm/projections/query"
)

// Kind is one row of the status table.
type Kind struct {
	Status  int
	Name    string // REST "error": Twenty's exception name
	GraphQL string // GraphQL extensions.code (Twenty's ErrorCode names)
	Code    string // machine code (the auth API's "code", GraphQL "subCode")
}

// Kinds is the status table.
var Kinds = map[int]Kind{
	400: {400, "BadRequestException", "BAD_USER_INPUT", "bad_input"},
	401: {401, "UNAUTHENTICATED", "UNAUTHENTICATED", "unauthenticated"},
	402: {402, "PaymentRequiredException", "PAYMENT_REQUIRED", "payment_required"},
	403: {403, "ForbiddenException", "FORBIDDEN", "forbidden"},
	404: {404, "NotFoundException", "NOT_FOUND", "not_found"},
	405: {405, "MethodNotAllowedException", "METHOD_NOT_ALLOWED", "method_not_allowed"},
	406: {406, "NotAcceptableException", "BAD_USER_INPUT", "not_acceptable"},
	408: {408, "RequestTimeoutException", "TIMEOUT", "timeout"},
	409: {409, "ConflictException", "CONFLICT", "conflict"},
	413: {413, "PayloadTooLargeException", "PAYLOAD_TOO_LARGE", "too_large"},
	422: {422, "UnprocessableEntityException", "BAD_USER_INPUT", "unprocessable"},
	429: {429, "TooManyRequestsException", "TOO_MANY_REQUESTS", "rate_limited"},
	500: {500, "InternalServerErrorException", "INTERNAL_SERVER_ERROR", "internal"},
	501: {501, "NotImplementedException", "INTERNAL_SERVER_ERROR", "not_implemented"},
	503: {503, "ServiceUnavailableException", "SERVICE_UNAVAILABLE", "unavailable"},
}

// KindOf is status's row; a status the table lacks reads as 500's row
// (keeping its own status).
func KindOf(status int) Kind {
	if k, ok := Kinds[status]; ok {
		return k
	}
	k := Kinds[500]
	k.Status = status
	return k
}

// CloseCode is the WebSocket close code for status: 4000 + status, as
// graphql-transport-ws numbers its closes (4400 bad message, 4401
// unauthorized, 4403 forbidden, 4406 subprotocol not acceptable, 4408
// init timeout, 4409 subscriber exists, 4429 too many init requests,
// 4500 internal error).
func CloseCode(status int) int { return 4000 + KindOf(status).Status }

// GraphQL codes for failures before execution (no status of their own).
const (
	CodeParseFailed      = "GRAPHQL_PARSE_FAILED"
	CodeValidationFailed = "GRAPHQL_VALIDATION_FAILED"
)

// Error is the one error shape every API answers with (Twenty's REST shape,
// plus the field and rule of a validation failure).
type Error struct {
	Status   int      `json:"statusCode"`
	Name     string   `json:"error"`
	Messages []string `json:"messages"`
	Field    string   `json:"field,omitempty"`
	Rule     string   `json:"rule,omitempty"`
	Code     string   `json:"code,omitempty"` // Twenty's exception code (PERMISSION_DENIED), as its REST body
}

func (e *Error) Error() string { return e.Messages[0] }

// NewError builds an API error with the standard name of status.
func NewError(status int, msg string) *Error {
	return &Error{Status: status, Name: KindOf(status).Name, Messages: []string{msg}}
}

// BadInput is a 400 naming the input field at fault.
func BadInput(field, msg string) *Error {
	e := NewError(400, msg)
	e.Field = field
	return e
}

// statusError is an error that knows its HTTP status (auth.Error, whose
// package renders refusals with this table and so cannot be imported here).
type statusError interface {
	error
	HTTPStatus() int
}

// FromError maps domain, query, token (auth) and API errors to the status table; any
// other error is a 500 "internal error" (its text is for logs only).
func FromError(err error) *Error {
	var ae *Error
	var ve *domain.ValidationError
	var ce *domain.ConflictError
	var ue *domain.UnknownObjectError
	var qe *query.Error
	var se statusError
	var fe *domain.ForbiddenError
	var xe *domain.ExistsError
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &ve):
		e := NewError(400, ve.Message)
		e.Field, e.Rule = ve.Field, ve.Rule
		return e
	case errors.As(err, &qe):
		return BadInput(qe.Field, qe.Message)
	case errors.Is(err, query.ErrTooManyRows):
		return NewError(413, err.Error())
	case errors.As(err, &se):
		return NewError(se.HTTPStatus(), err.Error())
	case errors.As(err, &fe):
		e := NewError(403, fe.Message)
		e.Code = fe.Code
		return e
	case errors.As(err, &xe):
		return NewError(409, xe.Message)
	case errors.As(err, &ce):
		return NewError(409, ce.Error())
	case errors.As(err, &ue):
		return NewError(400, ue.Error())
	case errors.Is(err, domain.ErrNotFound):
		return NewError(404, "Record not found")
	}
	return NewError(500, "internal error")
}

// ErrorResponse renders err.
func ErrorResponse(err error) *host.Response {
	e := FromError(err)
	return host.JSONResponse(e.Status, e)
}
