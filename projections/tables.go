// Package projections turns events into SQL statements for the read models.
// The same statements feed the Durable Object's own SQLite (no table prefix)
// and D1 (tables prefixed per workspace).
package projections

import (
	"fmt"
	"strings"

	"edgecrm/domain"
	"edgecrm/projections/query"
)

// Q quotes an SQL identifier.
func Q(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// D1Prefix is the table prefix of a workspace's tables in D1. Workspace ids
// are [a-z0-9-] (checked at the edge), so the prefix is unique per workspace.
func D1Prefix(workspace string) string {
	return "w_" + strings.ReplaceAll(strings.ToLower(workspace), "-", "") + "_"
}

// DefaultOrder is the ORDER BY of obj's records when none is asked for:
// position then id, or id for an object without position (Twenty's
// timelineActivity).
func DefaultOrder(obj *domain.Object) string {
	if obj.Field("position") != nil {
		return `"position", "id"`
	}
	return `"id"`
}

// ObjectsTable is the metadata projection table (one row per object).
const ObjectsTable = "_objects"

// CreateTableDDL returns the statements creating obj's table and indexes.
func CreateTableDDL(prefix string, obj *domain.Object) []string {
	table := prefix + obj.NameSingular
	cols := []string{}
	for _, c := range obj.Columns() {
		def := Q(c.Name) + " " + string(c.SQLType())
		if c.Name == "id" {
			def += " PRIMARY KEY"
		}
		cols = append(cols, def)
	}
	cols = append(cols, `"_version" INTEGER NOT NULL DEFAULT 0`)
	stmts := []string{fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s (%s)", Q(table), strings.Join(cols, ", "))}
	stmts = append(stmts, query.IndexDDL(obj, table)...)
	return append(stmts, SearchDDL(prefix, obj)...)
}
