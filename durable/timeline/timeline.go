// Package timeline projects Twenty's timelineActivity records from the
// event stream: when the queue consumer's notice reaches the workspace
// object, each consumed record event of an object the timeline can
// target becomes a timelineActivity record ("company.created" with
// properties.after, "company.updated" with properties.diff, "company.deleted"
// with properties.before), and a noteTarget/taskTarget creation becomes
// "linked-note.created"/"linked-task.created" on the record it links.
//
// The activities are ordinary records created by commands (so the log,
// replay, D1 and subscriptions carry them); each has an id derived from
// its event, so a redelivered event creates nothing twice.
package timeline

import (
	"crypto/sha256"
	"fmt"
	"sort"

	"edgecrm/domain"
	"edgecrm/durable"
	"edgecrm/events"
	"edgecrm/host"
)

// Object is Twenty's timeline object.
const Object = "timelineActivity"

// Actor is the actor of the activities' own events.
const Actor = "system"

// Project creates the activities of evs; it reports how many events it
// appended. An activity the rules refuse (its target destroyed since) is
// skipped and logged: it must not stall the stream.
func Project(w *durable.Workspace, evs []events.Event) (int, error) {
	s := w.Schema()
	tl := s.Object(Object)
	if tl == nil {
		return 0, nil
	}
	n := 0
	for _, ev := range evs {
		for _, a := range activities(s, tl, ev) {
			id := activityID(ev.ID, a.target)
			if cur, err := w.Record(Object, id); err != nil || cur != nil {
				if err != nil {
					return n, err
				}
				continue // already projected (a redelivery)
			}
			a.data["name"], a.data["happensAt"] = a.name, ev.Time.UTC().Format("2006-01-02T15:04:05.000Z")
			if lid, ok := a.data["linkedRecordId"].(string); ok {
				if o := s.ObjectByID(a.data["linkedObjectMetadataId"].(string)); o != nil && o.LabelIdentifier != "" {
					if rec, _ := w.ReadRecord(o, lid); rec != nil {
						a.data["linkedRecordCachedName"] = rec[o.LabelIdentifier]
					}
				}
			}
			if domain.IsUUID(ev.Actor) {
				if m, _ := w.Record("workspaceMember", ev.Actor); m != nil {
					a.data["workspaceMemberId"] = ev.Actor
				}
			}
			appended, err := w.Execute(domain.RecordCommand{Kind: domain.Create, Object: Object, ID: id, Data: a.data}, Actor, "timeline:"+id)
			if err != nil {
				host.Log("warn", w.ID, map[string]any{"msg": "timeline activity skipped", "event": ev.Type, "seq": ev.Seq, "error": err.Error()})
				continue
			}
			n += len(appended)
		}
	}
	return n, nil
}

type activity struct {
	name   string
	target string // the target field's join column
	data   map[string]any
}

// activities are the timeline records event ev makes.
func activities(s *domain.Schema, tl *domain.Object, ev events.Event) []activity {
	objName, action := domain.SplitEventType(ev.Type)
	obj := s.Object(objName)
	if obj == nil || objName == Object {
		return nil
	}
	var p struct {
		ID      string         `msgpack:"id"`
		Data    map[string]any `msgpack:"data"`
		Changes map[string]any `msgpack:"changes"`
	}
	if ev.Decode(&p) != nil {
		return nil
	}
	if (objName == "noteTarget" || objName == "taskTarget") && action == domain.ActionCreated {
		return linked(s, tl, objName[:len(objName)-len("Target")], p.Data)
	}
	col := targetColumn(tl, objName)
	if col == "" {
		return nil
	}
	var props map[string]any
	switch action {
	case domain.ActionCreated:
		props = map[string]any{"after": p.Data}
	case domain.ActionUpdated:
		diff := map[string]any{}
		keys := make([]string, 0, len(p.Changes))
		for k := range p.Changes {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			diff[k] = map[string]any{"after": p.Changes[k]}
		}
		props = map[string]any{"diff": diff}
	case domain.ActionDeleted, domain.ActionRestored:
		props = map[string]any{}
	default:
		return nil // destroyed: the target is gone, and its activities with it
	}
	return []activity{{name: ev.Type, target: col, data: map[string]any{col: p.ID, "properties": props}}}
}

// linked is the activity of a note or task linked to a record:
// "linked-note.created" on the record, naming the note.
func linked(s *domain.Schema, tl *domain.Object, kind string, data map[string]any) []activity {
	linkedID, _ := data[kind+"Id"].(string)
	linkedObj := s.Object(kind)
	if linkedID == "" || linkedObj == nil {
		return nil
	}
	var out []activity
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		id, _ := data[k].(string)
		if k == kind+"Id" || id == "" || len(k) < 3 || k[len(k)-2:] != "Id" {
			continue
		}
		col := targetColumn(tl, k[:len(k)-2])
		if col == "" {
			continue
		}
		out = append(out, activity{name: "linked-" + kind + ".created", target: col, data: map[string]any{
			col: id, "linkedRecordId": linkedID, "linkedObjectMetadataId": linkedObj.ID, "properties": map[string]any{}}})
	}
	return out
}

// targetColumn is the join column of the timeline's relation to object
// name (targetCompanyId), or "" when the timeline cannot target it.
func targetColumn(tl *domain.Object, name string) string {
	for _, f := range tl.Fields {
		if f.Relation != nil && f.Relation.Type == domain.ManyToOne && f.Relation.TargetObject == name && f.Name != "workspaceMember" {
			return f.Name + "Id"
		}
	}
	return ""
}

// activityID is a UUID derived from the event and the target: the same
// event always makes the same activities.
func activityID(eventID, target string) string {
	b := sha256.Sum256([]byte("timeline\x00" + eventID + "\x00" + target))
	b[6], b[8] = b[6]&0x0f|0x50, b[8]&0x3f|0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
