package apierr_test

import (
	"errors"
	"fmt"
	"testing"

	"edgecrm/api/apierr"
	"edgecrm/auth"
	"edgecrm/domain"
	"edgecrm/projections/query"
)

// One table renders every surface: REST name, GraphQL code, close code.
func TestOneStatusTable(t *testing.T) {
	tests := []struct {
		err         error
		status      int
		name, gql   string
		close       int
		field, rule string
	}{
		{&domain.ValidationError{Field: "name", Rule: "required", Message: "name is required"}, 400, "BadRequestException", "BAD_USER_INPUT", 4400, "name", "required"},
		{&query.Error{Field: "first", Message: "bad"}, 400, "BadRequestException", "BAD_USER_INPUT", 4400, "first", ""},
		{fmt.Errorf("x: %w", query.ErrTooManyRows), 413, "PayloadTooLargeException", "PAYLOAD_TOO_LARGE", 4413, "", ""},
		{fmt.Errorf("wrapped: %w", auth.ErrTokenExpired), 401, "UNAUTHENTICATED", "UNAUTHENTICATED", 4401, "", ""},
		{apierr.NewError(403, "no"), 403, "ForbiddenException", "FORBIDDEN", 4403, "", ""},
		{fmt.Errorf("gone: %w", domain.ErrNotFound), 404, "NotFoundException", "NOT_FOUND", 4404, "", ""},
		{&domain.ConflictError{}, 409, "ConflictException", "CONFLICT", 4409, "", ""},
		{errors.New("disk on fire"), 500, "InternalServerErrorException", "INTERNAL_SERVER_ERROR", 4500, "", ""},
	}
	for _, tt := range tests {
		e := apierr.FromError(tt.err)
		k := apierr.KindOf(e.Status)
		if e.Status != tt.status || e.Name != tt.name || k.GraphQL != tt.gql || apierr.CloseCode(e.Status) != tt.close || e.Field != tt.field || e.Rule != tt.rule {
			t.Errorf("%v: got %+v %+v close %d", tt.err, e, k, apierr.CloseCode(e.Status))
		}
	}
	if e := apierr.FromError(errors.New("secret detail")); e.Messages[0] != "internal error" {
		t.Errorf("internal error text leaks: %v", e.Messages)
	}
	if k := apierr.KindOf(418); k.Status != 418 || k.GraphQL != "INTERNAL_SERVER_ERROR" {
		t.Errorf("unknown status: %+v", k)
	}
}
