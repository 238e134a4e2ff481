// Package api serves the workspace HTTP APIs (REST, admin) from inside the
// workspace Durable Object, over durable.Workspace.
package apierr

import (
	"errors"

	"edgecrm/domain"
	"edgecrm/host"
)

// Error is the one error shape every API answers with (Twenty's REST shape,
// plus the field and rule of a validation failure).
type Error struct {
	Status   int      `json:"statusCode"`
	Name     string   `json:"error"`
	Messages []string `json:"messages"`
	Field    string   `json:"field,omitempty"`
	Rule     string   `json:"rule,omitempty"`
}

func (e *Error) Error() string { return e.Messages[0] }

// statusNames is the one status table, named as Twenty names its exceptions.
var statusNames = map[int]string{
	400: "BadRequestException",
	401: "UNAUTHENTICATED",
	402: "PaymentRequiredException",
	403: "ForbiddenException",
	404: "NotFoundException",
	405: "MethodNotAllowedException",
	501: "NotImplementedException",
	409: "ConflictException",
	413: "PayloadTooLargeException",
	422: "UnprocessableEntityException",
	429: "TooManyRequestsException",
	500: "InternalServerErrorException",
	503: "ServiceUnavailableException",
}

// Errorf builds an API error with the standard name of status.
func NewError(status int, msg string) *Error {
	return &Error{Status: status, Name: statusNames[status], Messages: []string{msg}}
}

// FromError maps domain and core errors to the status table.
func FromError(err error) *Error {
	var ae *Error
	var ve *domain.ValidationError
	var ce *domain.ConflictError
	var ue *domain.UnknownObjectError
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &ve):
		e := NewError(400, ve.Message)
		e.Field, e.Rule = ve.Field, ve.Rule
		return e
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
