package sqlitedb_test

import (
	"testing"

	"edgecrm/sqldb/sqldbtest"
	"edgecrm/sqldb/sqlitedb"
)

func TestConformance(t *testing.T) {
	for _, f := range sqldbtest.Check(sqlitedb.MustOpen(t)) {
		t.Error(f)
	}
}
