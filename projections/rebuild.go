package projections

import (
	"encoding/json"
	"fmt"

	"edgecrm/domain"
	"edgecrm/events"
	"edgecrm/host"
	"edgecrm/sqldb"
)

// LoadSchema reads the metadata projection of a sink.
func LoadSchema(db sqldb.DB, prefix string) (*domain.Schema, error) {
	rows, err := db.Exec(fmt.Sprintf("SELECT body FROM %s ORDER BY name", Q(prefix+ObjectsTable)))
	if err != nil {
		return nil, err
	}
	s := &domain.Schema{}
	for _, r := range rows.Values {
		var o domain.Object
		if err := json.Unmarshal([]byte(sqldb.AsString(r[0])), &o); err != nil {
			return nil, fmt.Errorf("projections: bad object metadata: %w", err)
		}
		s.Objects = append(s.Objects, &o)
	}
	return s, nil
}

// DropStatements returns the statements that empty a sink's projection:
// every object table of schema and the metadata and view tables.
func DropStatements(prefix string, schema *domain.Schema) []host.Statement {
	var out []host.Statement
	for _, o := range schema.SortedObjects() {
		out = append(out, DropObjectStatements(prefix, o)...)
	}
	out = append(out, host.Statement{SQL: "DELETE FROM " + Q(prefix+ObjectsTable)},
		host.Statement{SQL: ViewsTableDDL(prefix)}, host.Statement{SQL: "DELETE FROM " + Q(prefix+ViewsTable)})
	return out
}

// DropObjectStatements drops obj's table and its search tables.
func DropObjectStatements(prefix string, obj *domain.Object) []host.Statement {
	return append([]host.Statement{{SQL: "DROP TABLE IF EXISTS " + Q(prefix+obj.NameSingular)}}, SearchDropStatements(prefix, obj)...)
}

// Rebuild empties the projection in db and re-applies the whole log, in
// chunks. It returns the schema the log produces and the last seq applied.
func Rebuild(db sqldb.DB, store events.Store, prefix string) (*domain.Schema, int64, error) {
	current, err := LoadSchema(db, prefix)
	if err != nil {
		return nil, 0, err
	}
	if err := sqldb.ExecAll(db, DropStatements(prefix, current)); err != nil {
		return nil, 0, err
	}
	p := &Projector{Prefix: prefix, Schema: &domain.Schema{}, DeferIndexes: true}
	last, err := events.ReplayChunks(store, func(evs []events.Event) error {
		stmts, err := p.ApplyAll(evs)
		if err != nil {
			return err
		}
		if err := sqldb.ExecAll(db, stmts); err != nil {
			return fmt.Errorf("projections: replay seq %d-%d: %w", evs[0].Seq, evs[len(evs)-1].Seq, err)
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	if err := sqldb.ExecAll(db, p.IndexStatements()); err != nil {
		return nil, 0, err
	}
	return p.Schema, last, nil
}
