package projections_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"edgecrm/domain"
	"edgecrm/events"
	"edgecrm/projections"
	"edgecrm/sqldb"
	"edgecrm/sqldb/sqlitedb"
)

// A member's updates of a record within 10 minutes merge into one
// activity (each field keeps its first before, takes its last after), as
// Twenty's timeline does; an API key's update and one after the window
// are activities of their own. Projecting the same events into a second
// sink, or rebuilding (bulk, indexes deferred), gives the same rows.
func TestTimelineMergesAMembersUpdates(t *testing.T) {
	const member, company = "0190aaaa-0000-7000-8000-0000000000aa", "0190aaaa-0000-7000-8000-0000000000cc"
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	var log []events.Event
	add := func(typ, actor string, at time.Duration, payload any) {
		ev, err := events.New(typ, 1, t0.Add(at), actor, "c", payload)
		if err != nil {
			t.Fatal(err)
		}
		ev.Seq = int64(len(log) + 1)
		log = append(log, ev)
	}
	for _, o := range domain.StandardObjects() {
		add(domain.EventObjectCreated, "system", 0, domain.ObjectCreated{Object: o})
	}
	add("company.created", member, 0, map[string]any{"id": company, "data": map[string]any{"name": "Acme", "employees": 3}})
	add("company.updated", member, time.Minute, map[string]any{"id": company, "changes": map[string]any{"employees": 5}})
	add("company.updated", member, 2*time.Minute, map[string]any{"id": company, "changes": map[string]any{"employees": 7, "name": "Acme Inc"}})
	add("company.updated", "api", 3*time.Minute, map[string]any{"id": company, "changes": map[string]any{"employees": 8}})
	add("company.updated", member, 15*time.Minute, map[string]any{"id": company, "changes": map[string]any{"employees": 9}})

	// project applies the log event by event (inline, D1), or as a rebuild
	// does: in bulk, indexes deferred.
	project := func(rebuild bool) []map[string]any {
		db := sqlitedb.MustOpen(t)
		if _, err := db.Exec(projections.ObjectsTableDDL("")); err != nil {
			t.Fatal(err)
		}
		p := &projections.Projector{Schema: &domain.Schema{}, DeferIndexes: rebuild}
		for _, ev := range log {
			stmts, err := p.Apply(ev)
			if rebuild {
				stmts, err = p.ApplyAll([]events.Event{ev})
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := sqldb.ExecAll(db, stmts); err != nil {
				t.Fatalf("seq %d: %v", ev.Seq, err)
			}
		}
		if rebuild {
			if err := sqldb.ExecAll(db, p.IndexStatements()); err != nil {
				t.Fatal(err)
			}
		}
		rows, err := db.Exec(`SELECT id, name, workspaceMemberId, happensAt, properties, _version FROM timelineActivity WHERE targetCompanyId = ? ORDER BY createdAt, id`, company)
		if err != nil {
			t.Fatal(err)
		}
		return rows.Maps()
	}
	got := project(false)
	var summary []string
	for _, r := range got {
		var props struct {
			Diff map[string]struct{ Before, After any } `json:"diff"`
		}
		_ = json.Unmarshal([]byte(fmt.Sprint(r["properties"])), &props)
		summary = append(summary, fmt.Sprintf("%s %v %v", r["name"], r["happensAt"], props.Diff))
	}
	want := []string{
		"company.created 2026-03-01T09:00:00.000Z map[]",
		"company.updated 2026-03-01T09:01:00.000Z map[employees:{3 7} name:{Acme Acme Inc}]",
		"company.updated 2026-03-01T09:03:00.000Z map[employees:{7 8}]",
		"company.updated 2026-03-01T09:15:00.000Z map[employees:{8 9}]",
	}
	if !reflect.DeepEqual(summary, want) {
		t.Fatalf("timeline:\n%q\nwant\n%q", summary, want)
	}
	if got[1]["workspaceMemberId"] != member || got[2]["workspaceMemberId"] != nil || got[1]["_version"] != int64(2) {
		t.Fatalf("members and versions: %v", got)
	}
	if again := project(false); !reflect.DeepEqual(again, got) {
		t.Fatalf("a second sink differs:\n%v\n%v", got, again)
	}
	if rebuilt := project(true); !reflect.DeepEqual(rebuilt, got) {
		t.Fatalf("a rebuild differs:\n%v\n%v", got, rebuilt)
	}
}
