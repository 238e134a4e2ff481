package projections

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"edgecrm/domain"
	"edgecrm/events"
)

// TestPlainActivityIsActivityRow: an activity built from its timeline's
// template (plainActivity) has the columns and values activityRow gives,
// for members and other actors, at any time and seq, in the inline tables
// and D1's (a prefix), the next event of a batch (its row copied from the
// last) included; and a timeline whose rows vary beyond the template (a
// generated default) gets activityRow's rows.
func TestPlainActivityIsActivityRow(t *testing.T) {
	standard := &domain.Schema{Objects: domain.StandardObjects()}
	withDefault := &domain.Schema{Objects: domain.StandardObjects()}
	for i, o := range withDefault.Objects {
		if o.NameSingular == domain.TimelineObject {
			c := *o
			c.Fields = append(append([]*domain.Field(nil), o.Fields...),
				&domain.Field{Name: "seenAt", Type: domain.TypeDateTime, DefaultValue: "now"})
			withDefault.Objects[i] = &c
		}
	}
	at := time.Date(2026, 3, 1, 9, 0, 0, 123e6, time.UTC)
	evs := []events.Event{
		{Seq: 7, ID: "01J0000000000000000000000A", Type: "company.created", Time: at, Actor: "0190aaaa-0000-7000-8000-0000000000aa"},
		{Seq: 8, ID: "01J0000000000000000000000D", Type: "company.created", Time: at, Actor: "0190aaaa-0000-7000-8000-0000000000aa"},
		{Seq: 9, ID: "01J0000000000000000000000B", Type: "company.deleted", Time: at.Add(time.Hour), Actor: "api-key"},
		{Seq: 10, ID: "01J0000000000000000000000C", Type: "person.restored", Time: at.Add(2 * time.Hour), Actor: "system"},
	}
	for _, schema := range []*domain.Schema{standard, withDefault} {
		for _, prefix := range []string{"", "ws_x_"} {
			p := &Projector{Prefix: prefix, Schema: schema}
			tl, col := p.timelineOf("company")
			if s := newActivityShape(prefix, tl, col); (s.tmpl != nil) != (schema == standard) {
				t.Fatalf("template kept: %v, want it only for the standard timeline", s.tmpl != nil)
			}
			made := map[string]*activities{}
			for i, ev := range evs {
				obj, _ := domain.SplitEventType(ev.Type)
				tl, col := p.timelineOf(obj)
				if col == "" {
					t.Fatalf("the timeline has no target column for %s", obj)
				}
				if made[col] == nil {
					made[col] = p.activities(tl, col)
				}
				target := fmt.Sprintf("0190aaaa-0000-7000-8000-0000000000c%d", i)
				head, aid, args := made[col].row(&evs[i], target)
				wantID, row := activityRow(tl, ev, ev.Type, col, target, map[string]any{}, nil)
				cols, want := sortedColumns(row)
				wantHead := "INSERT OR IGNORE INTO " + Q(prefix+tl.NameSingular) + " (" + joinQuoted(cols) + ")"
				if head != wantHead || aid != wantID || !reflect.DeepEqual(args, want) {
					t.Errorf("%s (prefix %q):\n got %s %s %v\nwant %s %s %v", ev.Type, prefix, head, aid, args, wantHead, wantID, want)
				}
			}
		}
	}
}
