package projections

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"edgecrm/domain"
	"edgecrm/events"
	"edgecrm/host"
	"edgecrm/sqldb"
)

// Twenty's timeline (timelineActivity records) is a projection of the
// record events, written with the event's own statements:
//
//   - a record event of an object the timeline targets (it has a
//     target<Name> relation to it) adds "<object>.updated" with properties
//     {diff: {<field>: {before, after}}} (before is read in SQL from the
//     row the event is about to change, so the inline tables, D1 and a
//     replay compute it from the same rows), and "<object>.created",
//     "<object>.deleted", "<object>.restored" with {} (as Twenty keeps
//     them: only updates carry a diff);
//   - a noteTarget/taskTarget created adds "linked-note.created" /
//     "linked-task.created" on the record it links, with linkedRecordId,
//     linkedObjectMetadataId and linkedRecordCachedName (the note's title,
//     read from its row);
//   - destroying a target applies the relation's onDelete to the rows
//     (domain.planDestroy plans no events for them).
//
// A row's id derives from its event and target column and rows go in with
// INSERT OR IGNORE, so every sink holds identical rows. happensAt and
// createdAt are the event's time, workspaceMemberId its actor when the
// actor is a member. As in Twenty, clients may write timelineActivity
// records too: their events are projected like any record's and add no
// activity. As in Twenty, a member's updates of a record within 10 minutes
// merge into one activity (updatedActivity).

// timelineOf returns the timeline object and its join column targeting
// object name, or "" when the timeline does not target it.
func (p *Projector) timelineOf(name string) (*domain.Object, string) {
	tl := p.Schema.Object(domain.TimelineObject)
	if tl == nil || name == domain.TimelineObject {
		return nil, ""
	}
	for _, f := range tl.Fields {
		if f.Type == domain.TypeRelation && f.Relation != nil && f.Relation.Type == domain.ManyToOne &&
			f.Relation.TargetObject == name && strings.HasPrefix(f.Name, "target") {
			return tl, f.JoinColumn()
		}
	}
	return tl, ""
}

// timelineBefore returns the timeline statements that run before record
// event ev's own: an update's activity (it reads the row before the
// change) and a destroy's onDelete.
func (p *Projector) timelineBefore(ev events.Event, obj *domain.Object, action string) ([]host.Statement, error) {
	switch action {
	case domain.ActionUpdated:
		tl, col := p.timelineOf(obj.NameSingular)
		if col == "" {
			return nil, nil
		}
		id, changes, err := recordPart(ev, "changes")
		if err != nil || len(changes) == 0 {
			return nil, err
		}
		return p.updatedActivity(tl, obj, col, ev, id, changes)
	case domain.ActionDestroyed:
		tl, _ := p.timelineOf(obj.NameSingular)
		if tl == nil {
			return nil, nil
		}
		id, _, err := recordPart(ev, "")
		if err != nil {
			return nil, err
		}
		return append(p.timelineIndexes(tl), p.timelineOnDelete(tl, obj, id)...), nil
	}
	return nil, nil
}

// timelineIndexes creates the timeline's indexes when a rebuild deferred
// them and they have not been created yet: a member's update (the merge)
// and a destroy look activities up by target, which without them would
// scan the table once per event.
func (p *Projector) timelineIndexes(tl *domain.Object) []host.Statement {
	if !p.DeferIndexes || p.timelineIndexed {
		return nil
	}
	p.timelineIndexed = true
	m, order := tableIndexes(p.Prefix, tl)
	out := make([]host.Statement, len(order))
	for i, name := range order {
		out[i] = host.Statement{SQL: m[name]}
	}
	return out
}

// timelineAfter returns the timeline statements that run after record
// event ev's own: created (and linked), deleted, restored.
func (p *Projector) timelineAfter(ev events.Event, obj *domain.Object, action string) ([]host.Statement, error) {
	switch action {
	case domain.ActionCreated:
		id, _, err := recordPart(ev, "")
		if err != nil {
			return nil, err
		}
		return p.timelineCreated(obj, []events.Event{ev}, []string{id})
	case domain.ActionDeleted, domain.ActionRestored:
		tl, col := p.timelineOf(obj.NameSingular)
		if col == "" {
			return nil, nil
		}
		id, _, err := recordPart(ev, "")
		if err != nil {
			return nil, err
		}
		head, aid, args := p.activities(tl, col).row(&ev, id)
		return append([]host.Statement{{SQL: head + " VALUES (" + placeholders(len(args)) + ")", Args: args}},
			p.searchNew(tl, []string{aid})...), nil
	}
	return nil, nil
}

// timelineCreated returns the activities of evs, created events of obj
// (a run of them in a bulk projection) whose records are ids: plain rows
// as multi-row inserts, linked notes and tasks one INSERT ... SELECT each,
// then their search entries.
func (p *Projector) timelineCreated(obj *domain.Object, evs []events.Event, ids []string) ([]host.Statement, error) {
	tl, col := p.timelineOf(obj.NameSingular)
	if tl == nil {
		return nil, nil
	}
	kind := linkedKind(obj.NameSingular)
	if col == "" && kind == "" {
		return nil, nil
	}
	var out []host.Statement
	var aids []string
	var head string
	var rows [][]any
	var plain *activities
	if col != "" {
		plain = p.activities(tl, col)
	}
	for i := range evs {
		ev, id := evs[i], ids[i]
		if col != "" {
			h, aid, args := plain.row(&evs[i], id)
			head = h // every activity row has the same columns
			rows = append(rows, args)
			aids = append(aids, aid)
		}
		if kind != "" {
			_, data, err := recordPart(ev, "data")
			if err != nil {
				return nil, err
			}
			st, lids := p.linkedActivities(tl, obj, kind, ev, data)
			out = append(out, st...)
			aids = append(aids, lids...)
		}
	}
	if len(rows) > 0 {
		out = append(sqldb.InsertRows(head, rows), out...)
	}
	return append(out, p.searchNew(tl, aids)...), nil
}

// activities builds the plain activities of one timeline through one
// join column: those without properties or extra columns
// ("<object>.created", ".deleted", ".restored"). A row is activityRow's,
// built from a template kept per timeline object and column
// (activityShape): building each from its map (Flatten, the defaults,
// sorting the columns) cost a create more Go work than the record's own
// row. An event of the last one's type, time and actor (the next of a
// batch) copies its row, values already boxed.
type activities struct {
	p        *Projector
	tl       *domain.Object
	col      string
	shape    *activityShape
	last     *events.Event
	lastArgs []any
}

func (p *Projector) activities(tl *domain.Object, col string) *activities {
	shape := activityShapes.get(tl, p.Prefix+"\x00"+col, func() *activityShape { return newActivityShape(p.Prefix, tl, col) })
	return &activities{p: p, tl: tl, col: col, shape: shape}
}

// row returns the INSERT head (up to VALUES), id and values of ev's
// activity on record target.
func (a *activities) row(ev *events.Event, target string) (string, string, []any) {
	s, aid := a.shape, timelineID(*ev, a.col)
	if s.tmpl == nil { // the timeline's rows vary beyond the template
		_, row := activityRow(a.tl, *ev, ev.Type, a.col, target, map[string]any{}, nil)
		cols, args := sortedColumns(row)
		return fmt.Sprintf("INSERT OR IGNORE INTO %s (%s)", Q(a.p.Prefix+a.tl.NameSingular), joinQuoted(cols)), aid, args
	}
	set := func(args []any, i int, v any) {
		if i >= 0 {
			args[i] = v
		}
	}
	var args []any
	if l := a.last; l != nil && ev.Type == l.Type && ev.Actor == l.Actor && ev.Time.Equal(l.Time) {
		args = slices.Clone(a.lastArgs)
	} else {
		args = slices.Clone(s.tmpl)
		set(args, s.name, ev.Type)
		at := formatTimeAny(ev.Time)
		set(args, s.happensAt, at)
		set(args, s.createdAt, at)
		set(args, s.updatedAt, at)
		if s.member >= 0 && domain.IsUUID(ev.Actor) {
			args[s.member] = ev.Actor
		}
	}
	set(args, s.id, aid)
	set(args, s.target, target)
	if s.position >= 0 {
		args[s.position] = float64(ev.Seq)
	}
	a.last, a.lastArgs = ev, args
	return s.head, aid, args
}

// activityShape is a plain activity's columns, where what varies from one
// to the next goes (-1: not a column), and the values of the rest.
type activityShape struct {
	head                                                                string
	tmpl                                                                []any // nil: no template (generated defaults)
	id, target, name, happensAt, createdAt, updatedAt, member, position int
}

var activityShapes perObject[*activityShape]

func newActivityShape(prefix string, tl *domain.Object, col string) *activityShape {
	// Two activities that differ in everything the template replaces: any
	// other column that differs (a generated default, the actor's columns)
	// means no template.
	a := events.Event{Seq: 1, ID: "a", Type: "x.created", Time: time.Unix(0, 0)}
	b := events.Event{Seq: 2, ID: "b", Type: "y.deleted", Time: time.Unix(3600, 0), Actor: domain.DeterministicID("actor")}
	_, rowA := activityRow(tl, a, a.Type, col, "a", map[string]any{}, nil)
	_, rowB := activityRow(tl, b, b.Type, col, "b", map[string]any{}, nil)
	cols, args := sortedColumns(rowA)
	s := &activityShape{
		head: fmt.Sprintf("INSERT OR IGNORE INTO %s (%s)", Q(prefix+tl.NameSingular), joinQuoted(cols)),
		id:   slices.Index(cols, "id"), target: slices.Index(cols, col), name: slices.Index(cols, "name"),
		happensAt: slices.Index(cols, "happensAt"), createdAt: slices.Index(cols, "createdAt"), updatedAt: slices.Index(cols, "updatedAt"),
		member: slices.Index(cols, "workspaceMemberId"), position: slices.Index(cols, "position"),
	}
	varies := []int{s.id, s.target, s.name, s.happensAt, s.createdAt, s.updatedAt, s.member, s.position}
	if len(rowB) != len(rowA) {
		return &activityShape{}
	}
	for i, c := range cols {
		if vb, ok := rowB[c]; !ok || !slices.Contains(varies, i) && !reflect.DeepEqual(args[i], vb) {
			return &activityShape{}
		}
	}
	s.tmpl = args
	return s
}

// linkedKind is "note" for noteTarget, "task" for taskTarget, else "".
func linkedKind(object string) string {
	switch object {
	case "noteTarget":
		return "note"
	case "taskTarget":
		return "task"
	}
	return ""
}

// linkedActivities returns, for a noteTarget/taskTarget created with data,
// one "linked-<kind>.created" activity per record it links (Twenty's
// timeline shows the note on the company it was attached to).
func (p *Projector) linkedActivities(tl, target *domain.Object, kind string, ev events.Event, data map[string]any) ([]host.Statement, []string) {
	linked := p.Schema.Object(kind)
	linkedID, _ := data[kind+"Id"].(string)
	if linked == nil || linkedID == "" {
		return nil, nil
	}
	name := "''"
	if f := linked.Field(linked.LabelIdentifier); f != nil && len(f.Columns()) == 1 && f.Type != domain.TypeRelation {
		name = "r." + Q(f.Name)
	}
	var out []host.Statement
	var ids []string
	for _, f := range target.Fields {
		if f.Type != domain.TypeRelation || f.Relation == nil || f.Relation.Type != domain.ManyToOne || f.Name == kind {
			continue
		}
		rid, _ := data[f.JoinColumn()].(string)
		_, col := p.timelineOf(f.Relation.TargetObject)
		if rid == "" || col == "" {
			continue
		}
		aid, row := activityRow(tl, ev, "linked-"+kind+"."+domain.ActionCreated, col, rid, map[string]any{},
			map[string]any{"linkedRecordId": linkedID, "linkedObjectMetadataId": linked.ID})
		out = append(out, insertSelect(p.Prefix+tl.NameSingular, row,
			map[string]string{"linkedRecordCachedName": "COALESCE(" + name + ", ?)"}, p.Prefix+linked.NameSingular, linkedID, "", nil))
		ids = append(ids, aid)
	}
	return out, ids
}

// mergeWindow: as Twenty does, a member's update of a record merges into
// the activity of their previous update of it when that one is younger
// (by its createdAt, the first update's time) than this.
const mergeWindow = 10 * time.Minute

// updatedActivity is the "<object>.updated" activity of record id's
// changes: properties.diff holds each changed field's value after (from
// the event) and before (from the row, as the record APIs render it). A
// member's update within mergeWindow of their previous one merges into its
// activity (a field already in the diff keeps its first before); updates
// by API keys are never merged (Twenty matches no null member).
func (p *Projector) updatedActivity(tl, obj *domain.Object, col string, ev events.Event, id string, changes map[string]any) ([]host.Statement, error) {
	keys := make([]string, 0, len(changes))
	for k := range changes {
		if isFieldName(k) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	if len(keys) == 0 {
		return nil, nil
	}
	diff := map[string]any{}
	set := "json_set(?"
	for _, k := range keys {
		diff[k] = map[string]any{"before": nil, "after": changes[k]}
		if expr := jsonExpr(obj, k, "r"); expr != "" {
			set += fmt.Sprintf(", '$.diff.%s.before', %s", k, expr)
		}
	}
	aid, row := activityRow(tl, ev, ev.Type, col, id, map[string]any{"diff": diff}, nil)
	table, from := p.Prefix+tl.NameSingular, p.Prefix+obj.NameSingular
	var out []host.Statement
	cond, condArgs := "", []any(nil)
	if member := row["workspaceMemberId"]; member != nil {
		out = p.timelineIndexes(tl)
		recent := fmt.Sprintf(`SELECT id FROM %s WHERE %s = ? AND name = ? AND workspaceMemberId = ? AND createdAt > ? ORDER BY createdAt DESC LIMIT 1`, Q(table), Q(col))
		condArgs = []any{id, ev.Type, member, ev.Time.Add(-mergeWindow).UTC().Format(TimeLayout)}
		merge := "json_set(a.properties"
		var args []any
		for _, k := range keys {
			before := jsonExpr(obj, k, "r")
			if before == "" {
				before = "NULL"
			}
			path := fmt.Sprintf("'$.diff.%s'", k)
			merge += fmt.Sprintf(", %s, json_object('before', CASE WHEN json_type(a.properties, %s) IS NULL THEN %s ELSE json(a.properties -> '$.diff.%s.before') END, 'after', json(?))",
				path, path, before, k)
			b, err := json.Marshal(changes[k])
			if err != nil {
				return nil, err
			}
			args = append(args, string(b))
		}
		out = append(out, host.Statement{
			SQL: fmt.Sprintf(`UPDATE %s AS a SET properties = %s), "updatedAt" = ?, "_version" = a."_version" + 1 FROM (SELECT * FROM %s WHERE id = ?) AS r WHERE a.id = (%s)`,
				Q(table), merge, Q(from), recent),
			Args: append(append(args, row["updatedAt"], id), condArgs...),
		})
		cond = "NOT EXISTS (" + recent + ")"
	}
	out = append(out, insertSelect(table, row, map[string]string{"properties": set + ")"}, from, id, cond, condArgs))
	return append(out, p.searchNew(tl, []string{aid})...), nil
}

// jsonExpr is the SQL expression of field (or join column) k of obj's row
// (as table alias) as JSON in the shape the record APIs give it
// (Unflatten), or "".
func jsonExpr(obj *domain.Object, k, alias string) string {
	f := obj.Field(k)
	if f == nil {
		if joinField(obj, k) != nil {
			return alias + "." + Q(k)
		}
		return ""
	}
	cols := f.Columns()
	if f.Type == domain.TypeRelation || len(cols) == 0 {
		return ""
	}
	if !domain.IsComposite(f.Type) {
		return columnJSON(cols[0], alias)
	}
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = fmt.Sprintf("'%s', %s", c.Subfield, columnJSON(c, alias))
	}
	return "json_object(" + strings.Join(parts, ", ") + ")"
}

func columnJSON(c domain.Column, alias string) string {
	col := alias + "." + Q(c.Name)
	switch c.Type {
	case domain.TypeBoolean:
		return fmt.Sprintf("json(CASE WHEN %s IS NULL THEN NULL WHEN %s THEN 'true' ELSE 'false' END)", col, col)
	case domain.TypeRawJSON, domain.TypeArray, domain.TypeMultiSelect:
		return fmt.Sprintf("json(%s)", col)
	}
	return col
}

// timelineOnDelete applies the onDelete of the timeline's relations to
// obj when record id is destroyed: CASCADE deletes the activities (and
// their search entries), anything else clears the join column.
func (p *Projector) timelineOnDelete(tl, obj *domain.Object, id string) []host.Statement {
	table := p.Prefix + tl.NameSingular
	var out []host.Statement
	for _, rel := range domain.InverseRelations(p.Schema, obj) {
		if rel.From.NameSingular != tl.NameSingular {
			continue
		}
		col := Q(rel.Field.JoinColumn())
		if rel.OnDelete != domain.OnDeleteCascade {
			out = append(out, host.Statement{SQL: fmt.Sprintf("UPDATE %s SET %s = NULL WHERE %s = ?", Q(table), col, col), Args: []any{id}})
			continue
		}
		if Searchable(tl) {
			rowids := fmt.Sprintf("(SELECT _rowid_ FROM %s WHERE %s = ?)", Q(table), col)
			out = append(out,
				host.Statement{SQL: fmt.Sprintf("DELETE FROM %s WHERE rowid IN %s", Q(FTSTable(table)), rowids), Args: []any{id}},
				host.Statement{SQL: fmt.Sprintf("DELETE FROM %s WHERE rid IN %s", Q(FTSIDsTable(table)), rowids), Args: []any{id}})
		}
		out = append(out, host.Statement{SQL: fmt.Sprintf("DELETE FROM %s WHERE %s = ?", Q(table), col), Args: []any{id}})
	}
	return out
}

// timelineID names the activity event ev makes through join column col:
// the same on every replay, and in the order of the events' times, so the
// timeline's id index grows at its end (domain.TimeOrderedID).
func timelineID(ev events.Event, col string) string {
	return domain.TimeOrderedID(ev.Time, "timeline", ev.ID, col)
}

// activityRow returns the id and row of the activity name that event ev
// makes on record target (through join column col).
func activityRow(tl *domain.Object, ev events.Event, name, col, target string, props map[string]any, extra map[string]any) (string, map[string]any) {
	id := timelineID(ev, col)
	data := map[string]any{
		"name": name, "happensAt": formatTime(ev.Time), "properties": props, col: target,
		"linkedRecordCachedName": "", "workspaceMemberId": nil,
	}
	if domain.IsUUID(ev.Actor) {
		data["workspaceMemberId"] = ev.Actor
	}
	for k, v := range extra {
		data[k] = v
	}
	return id, newRow(tl, ev, id, data)
}

// insertSelect inserts row, reading from table's record id (alias r)
// when cond (with condArgs) holds: each column of exprs is computed by its
// SQL expression, whose one parameter is the row's value. No record, no
// row.
func insertSelect(table string, row map[string]any, exprs map[string]string, from, id, cond string, condArgs []any) host.Statement {
	cols, args := sortedColumns(row)
	sel := make([]string, len(cols))
	for i, c := range cols {
		sel[i] = "?"
		if e, ok := exprs[c]; ok {
			sel[i] = e
		}
	}
	where := "r.id = ?"
	if cond != "" {
		where += " AND " + cond
	}
	return host.Statement{
		SQL: fmt.Sprintf("INSERT OR IGNORE INTO %s (%s) SELECT %s FROM %s AS r WHERE %s",
			Q(table), joinQuoted(cols), strings.Join(sel, ", "), Q(from), where),
		Args: append(append(args, id), condArgs...),
	}
}

// isFieldName is ^[A-Za-z_][A-Za-z0-9_]*$.
func isFieldName(k string) bool {
	word := func(c byte) bool { return domain.IsAlnum(c) || c == '_' }
	return domain.Span(k, 1, len(k), func(c byte) bool { return domain.IsLetter(c) || c == '_' }, word)
}
