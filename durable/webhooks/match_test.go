package webhooks

import (
	"regexp"
	"testing"
)

func TestValidOperationAgreesWithRegexp(t *testing.T) {
	re := regexp.MustCompile(`^([A-Za-z][A-Za-z0-9]*|\*)\.([a-z]+|\*)$`)
	for _, op := range []string{"*.*", "company.created", "Company2.updated", "*.created", "company.*", "2c.created", "c.Created", "c.", ".c", "c.c.c", "**.*", "*.**", "c", ""} {
		if got, want := validOperation(op), re.MatchString(op); got != want {
			t.Errorf("validOperation(%q) = %v, regexp says %v", op, got, want)
		}
	}
}
