package projections

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unsafe"

	"edgecrm/domain"
	"edgecrm/events"
	"edgecrm/host"
	"edgecrm/sqldb"
)

// TimeLayout is how times are stored: ISO-8601 UTC with milliseconds, which
// sorts correctly as text.
const TimeLayout = "2006-01-02T15:04:05.000Z"

// formatTime is t in TimeLayout. The events of a batch share their time and
// every row of one writes it several times: the last one formatted is kept.
func formatTime(t time.Time) string { return formatTimeAny(t).(string) }

// formatTimeAny is formatTime boxed, once for the rows that share it (a
// value boxed into a row's map is an allocation).
func formatTimeAny(t time.Time) any {
	lastTime.Lock()
	defer lastTime.Unlock()
	if !lastTime.t.Equal(t) || lastTime.s == nil {
		lastTime.t, lastTime.s = t, t.UTC().Format(TimeLayout)
	}
	return lastTime.s
}

var lastTime struct {
	sync.Mutex
	t time.Time
	s any // a string
}

// Projector turns events into SQL for one sink. It is deterministic: the
// same events give the same statements. It tracks the schema as metadata
// events pass, so a rebuild from an empty sink needs no outside state.
type Projector struct {
	Prefix string         // table prefix: "" in the DO, D1Prefix(ws) in D1
	Schema *domain.Schema // current schema; Apply adds objects as they are created
	// DeferIndexes leaves out the secondary indexes of the tables objects
	// create and the search entries of record events: a rebuild creates
	// them once its rows are in (IndexStatements), which is faster than
	// keeping them in step row by row (FTS5 writes a segment per statement).
	DeferIndexes bool
	// Created, when set, keeps the row (column → value, as bound) of every
	// record a created event inserts, by record id: a batch create
	// renders its answer from them (StoredRow) instead of reading them.
	Created map[string]map[string]any
	// DeferSearch leaves out the search entries of created and updated
	// records (a destroyed one's still go with its row): the workspace
	// object writes them later, many in one transaction (SearchStale, in
	// durable's SettleSearch), since a lone record's entry costs most of
	// its FTS5 work at the commit.
	DeferSearch bool
	// timelineIndexed: with DeferIndexes, the timeline's indexes were
	// created early, for its lookups by target (timeline.go).
	timelineIndexed bool
	// scratchRow is the map the last created row was built in, when no
	// one keeps rows (Created nil): the next one reuses it.
	scratchRow map[string]any
}

// IndexStatements creates the secondary indexes of every object in the
// projector's schema and fills its search index from its rows (after a
// rebuild with DeferIndexes).
func (p *Projector) IndexStatements() []host.Statement {
	var out []host.Statement
	for _, o := range p.Schema.SortedObjects() {
		m, order := tableIndexes(p.Prefix, o)
		for _, name := range order {
			out = append(out, host.Statement{SQL: m[name]})
		}
		out = append(out, SearchReindexStatements(p.Prefix, o)...)
	}
	return out
}

// orFail is " OR FAIL" in a rebuild: a failing statement then keeps the
// rows it wrote before the failure, which the rebuild's transaction rolls
// back anyway, so SQLite keeps no statement journal for its multi-row
// inserts (a copy of every page they change).
func (p *Projector) orFail() string {
	if p.DeferIndexes {
		return " OR FAIL"
	}
	return ""
}

// searchNew is SearchNewStatements, none while a rebuild defers the index.
func (p *Projector) searchNew(obj *domain.Object, ids []string) []host.Statement {
	if p.DeferIndexes {
		return nil
	}
	return SearchNewStatements(p.Prefix, obj, ids)
}

// Apply returns the statements that project ev.
func (p *Projector) Apply(ev events.Event) ([]host.Statement, error) {
	ev, err := events.Upcast(ev)
	if err != nil {
		return nil, err
	}
	if ev.Type == domain.EventObjectCreated {
		var pl domain.ObjectCreated
		if err := ev.Decode(&pl); err != nil {
			return nil, err
		}
		return p.objectCreated(pl.Object)
	}
	if domain.IsMetadataEvent(ev.Type) { // object.updated/deleted, field.* (metadata_ddl.go)
		st, err := p.applyMetadata(ev)
		if err != nil {
			return nil, err
		}
		cleanup, err := p.viewCleanup(ev)
		return append(st, cleanup...), err
	}
	if domain.IsViewEvent(ev.Type) { // views.go
		return p.applyView(ev)
	}
	objName, action := domain.SplitEventType(ev.Type)
	obj := p.Schema.Object(objName)
	if obj == nil {
		return nil, fmt.Errorf("projections: event %d (%s) for unknown object", ev.Seq, ev.Type)
	}
	before, err := p.timelineBefore(ev, obj, action)
	if err != nil {
		return nil, err
	}
	stmts, err := p.applyRecord(ev, obj, action)
	if err != nil {
		return nil, err
	}
	after, err := p.timelineAfter(ev, obj, action)
	if err != nil {
		return nil, err
	}
	if p.DeferIndexes {
		return append(append(before, stmts...), after...), nil
	}
	var search []host.Statement
	if !p.DeferSearch || action == domain.ActionDestroyed {
		if search, err = SearchStatements(p.Prefix, obj, ev); err != nil {
			return nil, err
		}
	}
	if action == domain.ActionDestroyed { // the entry is found by the row's rowid
		return append(append(append(search, before...), stmts...), after...), nil
	}
	return append(append(append(before, stmts...), after...), search...), nil
}

// applyRecord returns the statements that project record event ev on obj's table.
func (p *Projector) applyRecord(ev events.Event, obj *domain.Object, action string) ([]host.Statement, error) {
	table := Q(p.Prefix + obj.NameSingular)
	at := formatTime(ev.Time)
	switch action {
	case domain.ActionCreated:
		cols, args, err := p.createdRow(obj, ev)
		if err != nil {
			return nil, err
		}
		return []host.Statement{{
			SQL:  fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", table, joinQuoted(cols), placeholders(len(cols))),
			Args: args,
		}}, nil
	case domain.ActionUpdated:
		id, changes, err := recordPart(ev, "changes")
		if err != nil {
			return nil, err
		}
		row := Flatten(obj, changes)
		row["updatedAt"] = at
		if obj.Field("updatedBy") != nil {
			setActor(row, "updatedBy", ev.Actor)
		}
		return []host.Statement{updateStmt(table, row, id)}, nil
	case domain.ActionDeleted, domain.ActionRestored:
		id, _, err := recordPart(ev, "")
		if err != nil {
			return nil, err
		}
		row := map[string]any{"updatedAt": at, "deletedAt": nil}
		if action == domain.ActionDeleted {
			row["deletedAt"] = at
		}
		return []host.Statement{updateStmt(table, row, id)}, nil
	case domain.ActionDestroyed:
		id, _, err := recordPart(ev, "")
		if err != nil {
			return nil, err
		}
		return []host.Statement{{SQL: fmt.Sprintf("DELETE FROM %s WHERE id = ?", table), Args: []any{id}}}, nil
	}
	return nil, fmt.Errorf("projections: unknown event type %q", ev.Type)
}

// recordPart reads a record event's payload (domain.RecordCreated,
// RecordUpdated, RecordRef): the record's id and the map under key ("data",
// "changes"; nil for none). The payload is decoded once per event
// (events.Event.Fields), whoever reads it: projector, search, observer.
func recordPart(ev events.Event, key string) (string, map[string]any, error) {
	f, err := ev.Fields()
	if err != nil {
		return "", nil, err
	}
	id, _ := f["id"].(string)
	part, _ := f[key].(map[string]any)
	return id, part, nil
}

// createdRow returns the columns (sorted) and values of the row a created
// event inserts.
func (p *Projector) createdRow(obj *domain.Object, ev events.Event) ([]string, []any, error) {
	return p.createdRowLike(obj, ev, nil)
}

// createdRowLike is createdRow returning prev as the columns when the row
// has exactly those (rows of a batch mostly do: no sort, no new slice).
// The inline projection (no prefix) keeps the columns and values with the
// event (events.Event.SetDerived), and a prefixed one (D1's, when the
// outbox reads the event from the log's tail) takes them: the row of an
// event does not depend on where it is written.
func (p *Projector) createdRowLike(obj *domain.Object, ev events.Event, prev []string) ([]string, []any, error) {
	if r, ok := ev.Derived().(*createdColumns); ok && p.Prefix != "" && p.Created == nil {
		return r.cols, r.args, nil
	}
	var scratch map[string]any // a row no one keeps: the last one's map, emptied
	if p.Created == nil {
		scratch = p.scratchRow
	}
	id, row, err := createdRowOf(obj, ev, scratch)
	if err != nil {
		return nil, nil, err
	}
	if p.Created == nil {
		p.scratchRow = row
	} else {
		p.Created[id] = row
	}
	cols, args := sortedColumnsLike(row, prev)
	if p.Prefix == "" {
		ev.SetDerived(&createdColumns{cols, args})
	}
	return cols, args, nil
}

// createdColumns is a created record's row: its sorted columns and values.
type createdColumns struct {
	cols []string
	args []any
}

// createdRowOf returns the id and row of created event ev of obj: from its
// fields when they are decoded (a command's events are built with them),
// else straight from its payload (a replay reads them: no map of the data
// is built, the decoding half of a replay's Go work).
// The row is written into scratch (emptied) when it is not nil.
func createdRowOf(obj *domain.Object, ev events.Event, scratch map[string]any) (string, map[string]any, error) {
	if f, ok := ev.Decoded(); ok {
		id, _ := f["id"].(string)
		data, _ := f["data"].(map[string]any)
		return id, newRow(obj, ev, id, data), nil
	}
	clear(scratch)
	fl := flattener{plan: flatPlanOf(obj), row: scratch}
	id, err := ev.WalkPart("data", &fl)
	if err != nil {
		return "", nil, err
	}
	fl.Begin(0) // no data: an empty row
	return id, finishRow(obj, ev, id, fl.row), nil
}

// newRow is the row of a record id of obj with data, created by ev.
func newRow(obj *domain.Object, ev events.Event, id string, data map[string]any) map[string]any {
	return finishRow(obj, ev, id, Flatten(obj, data))
}

// finishRow completes row, a created record's data flattened: what the
// projector generates (defaults, id, times, position, actor, version).
func finishRow(obj *domain.Object, ev events.Event, id string, row map[string]any) map[string]any {
	at := formatTimeAny(ev.Time)
	plan := flatPlanOf(obj) // has every field's name
	generatedDefaults(obj, row, id, ev.Time)
	row["id"] = id
	row["createdAt"] = at
	row["updatedAt"] = at
	if _, ok := row["position"]; !ok {
		if _, has := plan["position"]; has {
			row["position"] = float64(ev.Seq)
		}
	}
	if _, has := plan["createdBy"]; has { // not on every object (timelineActivity)
		var actor any = ev.Actor // boxed once for its (up to) four columns
		setActor(row, "createdBy", actor)
		setActor(row, "updatedBy", actor)
	}
	row["_version"] = int64(1)
	return row
}

// ApplyAll returns the statements that project evs, in order. A run of
// consecutive creates of one object (a batch create, a replay) becomes
// multi-row inserts within the parameter limit, with its search entries
// written in bulk; every other event projects as Apply does.
func (p *Projector) ApplyAll(evs []events.Event) ([]host.Statement, error) {
	var out []host.Statement
	for i := 0; i < len(evs); {
		obj, run, err := p.createRun(evs[i:])
		if err != nil {
			return nil, err
		}
		if len(run) < 2 {
			st, err := p.Apply(evs[i])
			if err != nil {
				return nil, err
			}
			out = append(out, st...)
			i++
			continue
		}
		st, err := p.bulkCreate(obj, run)
		if err != nil {
			return nil, err
		}
		out = append(out, st...)
		i += len(run)
	}
	return out, nil
}

// createRun returns the leading run of evs that creates records of one
// known object (upcast), or no run. The run is a part of evs unless an
// event in it upcasts to another type or version.
func (p *Projector) createRun(evs []events.Event) (*domain.Object, []events.Event, error) {
	var obj *domain.Object
	var upcast []events.Event // the run so far, once an event in it changed
	n := 0
	for i, ev := range evs {
		up, err := events.Upcast(ev)
		if err != nil {
			return nil, nil, err
		}
		if domain.IsMetadataEvent(up.Type) || up.Type == domain.EventObjectCreated {
			break
		}
		name, action := domain.SplitEventType(up.Type)
		if action != domain.ActionCreated || (obj != nil && name != obj.NameSingular) {
			break
		}
		if obj == nil {
			if obj = p.Schema.Object(name); obj == nil {
				break
			}
		}
		if upcast == nil && (up.Type != ev.Type || up.SchemaVersion != ev.SchemaVersion) {
			upcast = slices.Clone(evs[:i])
		}
		if upcast != nil {
			upcast = append(upcast, up)
		}
		n = i + 1
	}
	if upcast != nil {
		return obj, upcast, nil
	}
	return obj, evs[:n:n], nil
}

// bulkCreate projects creates of obj: rows with the same columns share
// multi-row inserts; then the search entries of all of them.
func (p *Projector) bulkCreate(obj *domain.Object, evs []events.Event) ([]host.Statement, error) {
	table := Q(p.Prefix + obj.NameSingular)
	var order []string
	groups := map[string][][]any{}
	heads := map[string]string{}
	ids := make([]string, len(evs))
	var prev []string
	key := ""
	for i, ev := range evs {
		cols, args, err := p.createdRowLike(obj, ev, prev)
		if err != nil {
			return nil, err
		}
		ids[i], _ = args[sort.SearchStrings(cols, "id")].(string)
		if len(cols) == 0 || len(prev) == 0 || &cols[0] != &prev[0] {
			key, prev = strings.Join(cols, ","), cols
		}
		if _, ok := groups[key]; !ok {
			order = append(order, key)
			heads[key] = fmt.Sprintf("INSERT%s INTO %s (%s)", p.orFail(), table, joinQuoted(cols))
		}
		groups[key] = append(groups[key], args)
	}
	var out []host.Statement
	for _, key := range order {
		out = append(out, sqldb.InsertRows(heads[key], groups[key])...)
	}
	if !p.DeferIndexes && !p.DeferSearch {
		out = append(out, SearchCreatedStatements(p.Prefix, obj, ids)...)
	}
	tl, err := p.timelineCreated(obj, evs, ids)
	if err != nil {
		return nil, err
	}
	return append(out, tl...), nil
}

func (p *Projector) objectCreated(obj *domain.Object) ([]host.Statement, error) {
	if p.Schema == nil {
		p.Schema = &domain.Schema{}
	}
	if p.Schema.Object(obj.NameSingular) == nil {
		p.Schema.Objects = append(p.Schema.Objects, obj)
	}
	body, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	var out []host.Statement
	for _, ddl := range CreateTableDDL(p.Prefix, obj) {
		if p.DeferIndexes && indexName(ddl) != "" {
			continue
		}
		out = append(out, host.Statement{SQL: ddl})
	}
	out = append(out, host.Statement{
		SQL:  fmt.Sprintf("INSERT OR REPLACE INTO %s (id, name, body) VALUES (?, ?, ?)", Q(p.Prefix+ObjectsTable)),
		Args: []any{obj.ID, obj.NameSingular, string(body)},
	})
	return out, nil
}

// ObjectsTableDDL creates the metadata projection table of a sink.
func ObjectsTableDDL(prefix string) string {
	return fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, body TEXT NOT NULL)", Q(prefix+ObjectsTable))
}

func updateStmt(table string, row map[string]any, id string) host.Statement {
	cols, args := sortedColumns(row)
	sets := make([]string, len(cols))
	for i, c := range cols {
		sets[i] = Q(c) + " = ?"
	}
	return host.Statement{
		SQL:  fmt.Sprintf(`UPDATE %s SET %s, "_version" = "_version" + 1 WHERE id = ?`, table, strings.Join(sets, ", ")),
		Args: append(args, id),
	}
}

// setActor fills an ACTOR field's columns of row from the event's actor
// (a string, boxed once by the caller for all the columns it fills).
func setActor(row map[string]any, field string, actor any) {
	cols := actorCols[field]
	if cols == [3]string{} { // not one of the two the projector writes
		cols = [3]string{field + "Source", field + "Name", field + "WorkspaceMemberId"}
	}
	row[cols[0]], row[cols[1]], row[cols[2]] = "API", actor, nil
	if s, _ := actor.(string); domain.IsUUID(s) {
		row[cols[0]], row[cols[2]] = "MANUAL", actor
	}
}

// actorCols are the columns of the ACTOR fields every row has, built once.
var actorCols = map[string][3]string{
	"createdBy": {"createdBySource", "createdByName", "createdByWorkspaceMemberId"},
	"updatedBy": {"updatedBySource", "updatedByName", "updatedByWorkspaceMemberId"},
}

// Flatten maps GraphQL-shaped data to column values: composites split into
// subfield columns (only the subfields given), JSON parts and arrays encoded
// as JSON text, booleans as 0/1. Unknown keys are dropped (Decide validated).
func Flatten(obj *domain.Object, data map[string]any) map[string]any {
	f := flattener{plan: flatPlanOf(obj)}
	f.Begin(len(data))
	for k, v := range data {
		if m, ok := v.(map[string]any); ok && f.Split(k) {
			for sub, sv := range m {
				f.Value(k, sub, sv)
			}
			continue
		}
		f.Value(k, "", v)
	}
	return f.row
}

// flatPlan is how a record's data keys map to its object's columns, built
// once per object (flatPlans): looking each key's field up, and naming a
// composite's columns, cost more than the rest of a row.
type flatPlan map[string]flatKey

// flatKey is one data key: a scalar field (its type), a composite (its
// subfields and their columns), a MANY_TO_ONE join column given by name
// (stored as is) or a relation field (nothing stored).
type flatKey struct {
	typ      domain.FieldType
	subs     []domain.Subfield
	cols     []string
	join     bool
	relation bool
}

var flatPlans perObject[flatPlan]

func flatPlanOf(obj *domain.Object) flatPlan {
	return flatPlans.get(obj, "", func() flatPlan {
		p := flatPlan{}
		for _, f := range obj.Fields {
			if f.Type == domain.TypeRelation && f.Relation != nil && f.Relation.Type == domain.ManyToOne {
				p[f.JoinColumn()] = flatKey{join: true}
			}
		}
		seen := map[string]bool{} // a field is found by its first name (Object.Field)
		for _, f := range obj.Fields {
			if seen[f.Name] {
				continue
			}
			seen[f.Name] = true
			switch subs := domain.Subfields(f.Type); {
			case subs != nil:
				p[f.Name] = flatKey{subs: subs, cols: f.SubfieldColumns()}
			case f.Type == domain.TypeRelation:
				p[f.Name] = flatKey{relation: true}
			default:
				p[f.Name] = flatKey{typ: f.Type}
			}
		}
		return p
	})
}

// flattener writes a record's data into its row one entry at a time:
// Flatten's loop, and (as an events.PartWalker) a replayed created event's
// data read straight from its payload, with no map of the data built.
type flattener struct {
	plan flatPlan
	row  map[string]any
}

// Begin makes the row, unless the flattener has one.
func (f *flattener) Begin(n int) {
	if f.row == nil {
		f.row = make(map[string]any, 2*n+12) // composites split; newRow adds about 12
	}
}

func (f *flattener) Split(key string) bool { return f.plan[key].subs != nil }

// Value stores data entry key (sub "") or entry sub of composite key's map:
// a composite given null has all its columns null; one given anything but
// a map, none.
func (f *flattener) Value(key, sub string, v any) {
	k, ok := f.plan[key]
	switch {
	case !ok || k.relation:
	case k.join:
		f.row[key] = v
	case k.subs == nil:
		f.row[key] = columnValue(k.typ, v)
	case sub == "":
		if v == nil {
			for _, c := range k.cols {
				f.row[c] = nil
			}
		}
	default:
		for i, s := range k.subs {
			if s.Name == sub {
				f.row[k.cols[i]] = columnValue(s.Type, v)
				break
			}
		}
	}
}

func joinField(obj *domain.Object, col string) *domain.Field {
	for _, f := range obj.Fields {
		if f.Type == domain.TypeRelation && f.Relation != nil && f.Relation.Type == domain.ManyToOne && f.JoinColumn() == col {
			return f
		}
	}
	return nil
}

func columnValue(t domain.FieldType, v any) any {
	if v == nil {
		return nil
	}
	switch t {
	case domain.TypeBoolean:
		if b, ok := v.(bool); ok && b {
			return int64(1)
		}
		return int64(0)
	case domain.TypeRawJSON, domain.TypeArray, domain.TypeMultiSelect:
		return encodeJSON(v)
	case domain.TypeDateTime:
		// Stored in one layout so text comparison and sorting are correct.
		if s, ok := v.(string); ok {
			if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
				return t.UTC().Format(TimeLayout)
			}
		}
	}
	switch x := v.(type) {
	case int8:
		return int64(x)
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case int:
		return int64(x)
	case uint8:
		return int64(x)
	case uint16:
		return int64(x)
	case uint32:
		return int64(x)
	case uint64:
		return int64(x)
	case float32:
		return float64(x)
	case map[string]any, []any:
		return encodeJSON(x)
	}
	return v
}

// encodeJSON is v as json.Marshal encodes it (host.AppendJSON: the same
// bytes, without reflection for a record's maps and lists).
func encodeJSON(v any) string {
	b, err := host.AppendJSON(nil, v)
	if err != nil {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

func sortedColumns(row map[string]any) ([]string, []any) {
	return sortedColumnsLike(row, nil)
}

// sortedColumnsLike is sortedColumns, with prev (sorted) as the columns
// when row has exactly those.
func sortedColumnsLike(row map[string]any, prev []string) ([]string, []any) {
	if len(prev) > 0 && len(prev) == len(row) {
		args := make([]any, len(prev))
		same := true
		for i, c := range prev {
			v, ok := row[c]
			if !ok {
				same = false
				break
			}
			args[i] = v
		}
		if same {
			return prev, args
		}
	}
	cols := make([]string, 0, len(row))
	for c := range row {
		cols = append(cols, c)
	}
	slices.Sort(cols)
	args := make([]any, len(cols))
	for i, c := range cols {
		args[i] = row[c]
	}
	return cols, args
}

func joinQuoted(cols []string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = Q(c)
	}
	return strings.Join(q, ", ")
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
