package migrations_test

import (
	"fmt"
	"testing"

	"edgecrm/migrations"
	"edgecrm/sqldb"
	"edgecrm/sqldb/sqlitedb"
)

func columns(t *testing.T, db sqldb.DB, table string) string {
	t.Helper()
	rows, err := db.Exec(fmt.Sprintf(`SELECT name, type, "notnull", pk FROM pragma_table_info('%s') ORDER BY cid`, table))
	if err != nil || len(rows.Values) == 0 {
		t.Fatalf("%s: %v %v", table, rows, err)
	}
	return fmt.Sprint(rows.Values)
}

// Every event log (a workspace's records and access, an account's) comes
// from the one DDL, so events.SQLStore reads them all.
func TestEventLogsShareOneShape(t *testing.T) {
	ws, acct := sqlitedb.MustOpen(t, migrations.ApplyDO), sqlitedb.MustOpen(t, migrations.ApplyAccount)
	records := columns(t, ws, "_events")
	for name, got := range map[string]string{"access": columns(t, ws, "_auth_events"), "account": columns(t, acct, "_events")} {
		if got != records {
			t.Errorf("%s log %s, records log %s", name, got, records)
		}
	}
	// Applying again changes nothing.
	if err := migrations.ApplyDO(ws); err != nil {
		t.Fatal(err)
	}
}
