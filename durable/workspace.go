package durable

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"edgecrm/domain"
	"edgecrm/durable/stream"
	"edgecrm/events"
	"edgecrm/host"
	"edgecrm/migrations"
	"edgecrm/projections"
	"edgecrm/sqldb"
)

// Workspace is one workspace's actor for the duration of one call. It is
// cheap to build; the schema is cached per isolate by metadata version.
type Workspace struct {
	ID     string
	DB     sqldb.DB
	Store  events.Store
	Now    func() time.Time
	schema *domain.Schema
	// metadataDirty: this call changed the metadata; a schema read now is
	// not committed yet and must not enter schemaCache (a rollback could
	// reuse its version number for different metadata).
	metadataDirty bool
	// Observer, when set, sees every appended event just before and just
	// after its inline projection, in the same transaction (real-time
	// subscriptions capture record images this way; see package realtime).
	Observer ApplyObserver
	// observe, when set, makes the Observer at the call's first append
	// (ObserveLazily): a call that appends nothing pays nothing for it.
	observe func() (ApplyObserver, error)
	// caller is the role record operations are checked against (permissions.go).
	caller *domain.Role
	// vars is the call's _state, read once by Open (see stream.Vars).
	vars *stream.Vars
	// instance names the object instance making the call (varscache.go).
	instance string
	// access: principals authorized by this instance's calls (varscache.go);
	// accessChanged: this call appended to the access log.
	access        map[string]Access
	accessChanged bool
	// created, when set, keeps the rows of the records the projector
	// creates (Projector.Created; ExecuteCreatesRows).
	created map[string]map[string]any
	// seeding: the standard objects are being created; the projector
	// takes the schema from the events it applies.
	seeding bool
}

// ObserveLazily sets the Observer to what f returns (nil: none) when the
// call first appends events.
func (w *Workspace) ObserveLazily(f func() (ApplyObserver, error)) { w.observe = f }

// ApplyObserver is told about each event appendAndProject applies. An
// error fails the command (and rolls its transaction back).
type ApplyObserver interface {
	BeforeApply(ev events.Event) error
	AfterApply(ev events.Event) error
}

// Open prepares the workspace: applies DO migrations and seeds the standard
// objects into a new workspace (as events, so they replay). An opened
// workspace costs one read: its _state, which carries the migration version
// and the initialized flag (nothing is re-run when they are current) and
// validates the cached schema.
func Open(id string, db sqldb.DB, now func() time.Time) (*Workspace, error) {
	return OpenInstance(id, db, now, "")
}

// OpenInstance is Open for a call of the object instance the host names
// (see varscache.go): when that instance's last call committed and was
// kept (KeepVars), the _state comes from memory and the call reads nothing.
func OpenInstance(id string, db sqldb.DB, now func() time.Time, instance string) (*Workspace, error) {
	if now == nil {
		now = time.Now
	}
	w := &Workspace{ID: id, DB: db, Store: &events.SQLStore{DB: db}, Now: now, instance: instance}
	vars, access, tail, ok := take(id, instance, db)
	w.access = access
	var err error
	if !ok {
		vars, err = stream.ReadVars(db)
	}
	if err != nil || vars.Migration < migrations.LatestDO() {
		if err := migrations.ApplyDO(db); err != nil {
			return nil, err
		}
		if vars, err = stream.ReadVars(db); err != nil {
			return nil, err
		}
	}
	w.vars = vars
	w.Store.(*events.SQLStore).SetHead(vars.Head)
	w.Store.(*events.SQLStore).SetTail(tail)
	if w.stateInt("initialized") == 0 {
		if err := w.seed(); err != nil {
			return nil, fmt.Errorf("durable: seeding workspace: %w", err)
		}
	} else {
		if w.stateInt("views_seeded") == 0 {
			if err := w.seedMissingViews(); err != nil {
				return nil, fmt.Errorf("durable: seeding views: %w", err)
			}
		}
		if w.stateInt(stdObjectsKey) < stdObjectsVersion {
			if err := w.seedMissingObjects(); err != nil {
				return nil, fmt.Errorf("durable: seeding standard objects: %w", err)
			}
		}
		if v := w.stateInt(searchKey); v < searchVersion {
			if err := w.upgradeSearch(v); err != nil {
				return nil, fmt.Errorf("durable: upgrading the search index: %w", err)
			}
		}
		if w.stateInt(indexesKey) < indexesVersion {
			if err := sqldb.ExecAll(db, projections.CreateIndexStatements("", w.Schema())); err != nil {
				return nil, fmt.Errorf("durable: creating indexes: %w", err)
			}
			if err := w.setState(indexesKey, indexesVersion); err != nil {
				return nil, err
			}
		}
	}
	return w, nil
}

// indexesKey is the _state key saying which secondary indexes a workspace's
// tables have: indexesVersion when they have every one query.IndexDDL
// makes at this version (1: select fields and the standard numeric sorts).
// Raise it when IndexDDL gains an index: a workspace created before then
// gets it on its next open (CREATE INDEX IF NOT EXISTS, once).
const (
	indexesKey     = "indexes"
	indexesVersion = 1
)

// searchKey is the _state key saying which layout a workspace's search
// indexes have (projections/search.go): searchVersion for the current one
// (1: an entry's rowid is its record's; 2: the index follows the log,
// search_seq says how far: search.go).
const (
	searchKey     = "search"
	searchVersion = 2
)

// upgradeSearch rebuilds every search index of a workspace made before
// the current layout, once: an object.updated event with ReindexSearch per
// searchable object, which D1 follows through the outbox (the events D1
// had not reached before them write into its old tables, which take the
// same statements, and the reindex then rewrites them whole). A large
// workspace's first call after the upgrade pays the reindex.
func (w *Workspace) upgradeSearch(from int64) error {
	if from >= 1 { // the index is whole: it follows the log from here
		return w.searchFollowsLog()
	}
	var changes []domain.Change
	for _, o := range w.Schema().SortedObjects() {
		if projections.Searchable(o) {
			changes = append(changes, domain.Change{Type: domain.EventObjectUpdated, Payload: domain.ObjectUpdated{
				ObjectID: o.ID, Object: o.NameSingular, Set: domain.ObjectPatch{ReindexSearch: true}}})
		}
	}
	if len(changes) > 0 {
		if _, err := w.appendAndProject(changes, "system", "search-upgrade"); err != nil {
			return err
		}
	}
	return w.searchFollowsLog()
}

// searchFollowsLog records that the search index, whole, reflects the log
// up to its head and follows it from there (searchVersion 2).
func (w *Workspace) searchFollowsLog() error {
	head, err := w.Store.Head()
	if err != nil {
		return err
	}
	return w.vars.SetMany(map[string]int64{searchKey: searchVersion, searchSeqKey: head})
}

// defaultViews returns obj's default views with ids derived from names (a
// standard object's) or from its id (a custom object's), so they are stable.
func defaultViews(o *domain.Object) []domain.Change {
	return domain.DefaultViews(o, func(parts ...string) string {
		if o.IsCustom {
			parts = append([]string{o.ID}, parts...)
		}
		return nameUUID(strings.Join(parts, ":"))
	})
}

// seedMissingViews gives the objects of a workspace created before views
// existed their default views, once (as Twenty seeds missing views).
func (w *Workspace) seedMissingViews() error {
	views, err := w.Views()
	if err != nil {
		return err
	}
	has := map[string]bool{}
	for _, v := range views {
		has[v.ObjectID] = true
	}
	var changes []domain.Change
	for _, o := range w.Schema().SortedObjects() {
		if !has[o.ID] {
			changes = append(changes, defaultViews(o)...)
		}
	}
	if len(changes) > 0 {
		if _, err := w.appendAndProject(changes, "system", "seed-views"); err != nil {
			return err
		}
	}
	return w.setState("views_seeded", 1)
}

// stdObjectsKey is the _state key saying which standard objects a
// workspace has: stdObjectsVersion when it has every one of this version
// (1: favoriteFolder; 2: timelineActivity not searchable); raise it when a
// standard object is added or its searchable fields change.
const (
	stdObjectsKey     = "std_objects"
	stdObjectsVersion = 2
)

// standardObjects are the standard objects with their seeded ids.
func standardObjects() []*domain.Object {
	objs := domain.StandardObjects()
	for _, o := range objs {
		if o.ID == "" {
			o.ID = nameUUID("object:" + o.NameSingular)
		}
		for _, f := range o.Fields {
			if f.ID == "" {
				f.ID = nameUUID("field:" + o.NameSingular + "." + f.Name)
			}
		}
	}
	return objs
}

// seedMissingObjects gives a workspace created before a standard object
// existed (favoriteFolder) that object, its relations to the others and
// its default views, once, with the ids a new workspace gets.
func (w *Workspace) seedMissingObjects() error {
	s := w.Schema()
	std := standardObjects()
	byName, added := map[string]*domain.Object{}, map[string]bool{}
	var changes, views []domain.Change
	for _, o := range std {
		byName[o.NameSingular] = o
		if have := s.Object(o.NameSingular); have != nil {
			// Searchable fields are the standard's (no API changes them).
			if !slices.Equal(have.Searchable, o.Searchable) {
				searchable := append([]string{}, o.Searchable...)
				changes = append(changes, domain.Change{Type: domain.EventObjectUpdated, Payload: domain.ObjectUpdated{
					ObjectID: have.ID, Object: have.NameSingular, Set: domain.ObjectPatch{Searchable: &searchable}}})
			}
			continue
		}
		added[o.NameSingular] = true
		bare := *o // its relations follow, each with both sides
		bare.Fields = nil
		for _, f := range o.Fields {
			if f.Type != domain.TypeRelation {
				bare.Fields = append(bare.Fields, f)
			}
		}
		changes = append(changes, domain.Change{Type: domain.EventObjectCreated, Payload: domain.ObjectCreated{Object: &bare}})
		views = append(views, defaultViews(o)...)
	}
	for _, o := range std {
		for _, f := range o.Fields {
			if f.Relation == nil || f.Relation.Type != domain.ManyToOne || !added[o.NameSingular] && !added[f.Relation.TargetObject] {
				continue
			}
			t := byName[f.Relation.TargetObject]
			changes = append(changes, domain.Change{Type: domain.EventFieldCreated, Payload: domain.FieldCreated{ObjectID: o.ID, Object: o.NameSingular,
				Field: f, InverseObjectID: t.ID, InverseObject: t.NameSingular, Inverse: t.Field(f.Relation.TargetField)}})
		}
	}
	if len(changes) > 0 {
		if _, err := w.appendAndProject(append(changes, views...), "system", "seed-objects"); err != nil {
			return err
		}
	}
	return w.setState(stdObjectsKey, stdObjectsVersion)
}

func (w *Workspace) seed() error {
	var changes []domain.Change
	for _, o := range standardObjects() {
		changes = append(changes, domain.Change{Type: domain.EventObjectCreated, Payload: domain.ObjectCreated{Object: o}})
	}
	// Then each object's default views, with name-based ids as the objects'.
	for _, ch := range changes[:len(changes):len(changes)] {
		changes = append(changes, defaultViews(ch.Payload.(domain.ObjectCreated).Object)...)
	}
	w.seeding = true
	defer func() { w.seeding = false }()
	if _, err := w.appendAndProject(changes, "system", "seed"); err != nil {
		return err
	}
	if err := w.setState(stdObjectsKey, stdObjectsVersion); err != nil {
		return err
	}
	// A new workspace's tables have this version's indexes (indexesVersion 1),
	// and its search index reflects the log (no records yet).
	head, err := w.Store.Head()
	if err != nil {
		return err
	}
	return w.vars.SetMany(map[string]int64{"views_seeded": 1, "initialized": 1, indexesKey: indexesVersion, searchKey: searchVersion, searchSeqKey: head})
}

// nameUUID derives a stable UUID from a name (metadata ids must not change
// across replays).
func nameUUID(name string) string {
	h := sha256.Sum256([]byte(name))
	h[6] = h[6]&0x0f | 0x50
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// NewRecordID returns a time-ordered id (a ULID rendered as a UUID).
func NewRecordID(now time.Time) string {
	id, err := events.NewULID(now)
	if err != nil {
		panic(err) // as ulid.MustNew: a clock past the year 10889 or no randomness
	}
	return domain.FormatUUID(id)
}

// schemaCache keeps decoded schemas per workspace in this isolate's memory,
// keyed by the metadata version (the seq of the last metadata event) and
// that event's ULID: a seq can come back after a rollback, or in another
// database with the same workspace id (a reset workspace, tests), an event
// id cannot. Every call checks the key against storage, so the cache is
// only ever a shortcut: a fresh Go instance (an object woken after
// eviction) starts empty and loads the schema from _objects.
var schemaCache = map[string]struct {
	version int64
	event   string
	schema  *domain.Schema
}{}

// ResetSchemaCache forgets every cached schema, as a fresh Go instance
// starts (tests use it to simulate a wake after eviction).
func ResetSchemaCache() {
	schemaCache = map[string]struct {
		version int64
		event   string
		schema  *domain.Schema
	}{}
}

// Schema returns the workspace's current metadata.
func (w *Workspace) Schema() *domain.Schema {
	if w.schema != nil {
		return w.schema
	}
	v, event := w.vars.Int("metadata_version"), w.vars.MetadataEvent
	if c, ok := schemaCache[w.ID]; ok && !w.metadataDirty && c.version == v && c.event == event {
		w.schema = c.schema
		return w.schema
	}
	s, err := projections.LoadSchema(w.DB, "")
	if err != nil {
		panic(fmt.Sprintf("durable: loading schema: %v", err))
	}
	s.Version = int(v)
	if !w.metadataDirty {
		schemaCache[w.ID] = struct {
			version int64
			event   string
			schema  *domain.Schema
		}{v, event, s}
	}
	w.schema = s
	return s
}

// Record implements domain.State from the inline read model.
func (w *Workspace) Record(object, id string) (*domain.RecordState, error) {
	if w.Schema().Object(object) == nil {
		return nil, nil
	}
	rows, err := w.DB.Exec(fmt.Sprintf(`SELECT "_version", "deletedAt" FROM %s WHERE id = ?`, projections.Q(object)), id)
	if err != nil {
		return nil, err
	}
	if len(rows.Values) == 0 {
		return nil, nil
	}
	return &domain.RecordState{Version: sqldb.AsInt(rows.Values[0][0]), Deleted: rows.Values[0][1] != nil}, nil
}

// Referencing implements domain.State in one statement for up to
// sqldb.MaxParams refs: a row of one column per join column, the JSON
// array of its ids (a subquery on the relation index each). Not a UNION
// ALL: Durable Object SQLite refuses more than a few compound terms.
func (w *Workspace) Referencing(refs []domain.JoinRef, id string) ([][]string, error) {
	out := make([][]string, len(refs))
	var cols []string
	var args []any
	var at []int // the ref of each column
	run := func() error {
		if len(cols) == 0 {
			return nil
		}
		rows, err := w.DB.Exec("SELECT "+strings.Join(cols, ", "), args...)
		if err != nil {
			return err
		}
		if len(rows.Values) != 1 {
			return fmt.Errorf("durable: referencing records: %d rows", len(rows.Values))
		}
		for k, v := range rows.Values[0] {
			var ids []string
			if err := json.Unmarshal([]byte(sqldb.AsString(v)), &ids); err != nil {
				return fmt.Errorf("durable: referencing records: %w", err)
			}
			slices.Sort(ids)
			out[at[k]] = ids
		}
		cols, args, at = cols[:0], args[:0], at[:0]
		return nil
	}
	for i, ref := range refs {
		obj := w.Schema().Object(ref.Object)
		if obj == nil {
			continue
		}
		known := false
		for _, c := range obj.Columns() {
			known = known || (c.Name == ref.JoinColumn && c.Field.Type == domain.TypeRelation)
		}
		if !known {
			return nil, fmt.Errorf("durable: %s has no join column %q", ref.Object, ref.JoinColumn)
		}
		if len(args) == sqldb.MaxParams {
			if err := run(); err != nil {
				return nil, err
			}
		}
		cols = append(cols, fmt.Sprintf(`(SELECT json_group_array(id) FROM %s WHERE %s = ?)`, projections.Q(ref.Object), projections.Q(ref.JoinColumn)))
		args, at = append(args, id), append(at, i)
	}
	if err := run(); err != nil {
		return nil, err
	}
	return out, nil
}

// Positions implements domain.State: the range of object's numeric
// positions in the inline read model.
func (w *Workspace) Positions(object string) (domain.PositionRange, error) {
	obj := w.Schema().Object(object)
	if obj == nil || obj.Field("position") == nil {
		return domain.PositionRange{}, nil
	}
	// Numbers only (NULL and text fall outside any numeric range), each end
	// read from the (position, id) index: an aggregate over the whole
	// table scanned every row (10 ms a create on 100,000 people).
	t := projections.Q(object)
	rows, err := w.DB.Exec(fmt.Sprintf(`SELECT (SELECT min("position") FROM %s WHERE "position" BETWEEN -9e999 AND 9e999),
		(SELECT max("position") FROM %s WHERE "position" BETWEEN -9e999 AND 9e999)`, t, t))
	if err != nil || len(rows.Values) == 0 || rows.Values[0][0] == nil {
		return domain.PositionRange{}, err
	}
	return domain.PositionRange{Min: asFloat(rows.Values[0][0]), Max: asFloat(rows.Values[0][1]), Any: true}, nil
}

// asFloat reads a REAL column value (an integral REAL may come back as int64).
func asFloat(v any) float64 {
	if i, ok := v.(int64); ok {
		return float64(i)
	}
	f, _ := v.(float64)
	return f
}

var _ domain.State = (*Workspace)(nil)

// Execute decides cmd and, if accepted, appends its events and projects
// them inline. The caller runs it inside a storage transaction.
func (w *Workspace) Execute(cmd domain.RecordCommand, actor, commandID string) ([]events.Event, error) {
	changes, err := domain.Decide(w, cmd)
	if err != nil {
		return nil, err
	}
	return w.appendAndProject(changes, actor, commandID)
}

// ExecuteRow is Execute also returning, for a create whose one event is
// its record's, that record's row as SELECT * would read it
// (projections.StoredRow), so the caller answers without reading it back;
// nil otherwise, or when the row might read back otherwise.
func (w *Workspace) ExecuteRow(cmd domain.RecordCommand, actor, commandID string) ([]events.Event, map[string]any, error) {
	if cmd.Kind != domain.Create {
		evs, err := w.Execute(cmd, actor, commandID)
		return evs, nil, err
	}
	w.created = map[string]map[string]any{}
	defer func() { w.created = nil }()
	evs, err := w.Execute(cmd, actor, commandID)
	obj := w.Schema().Object(cmd.Object)
	if err != nil || len(evs) != 1 || obj == nil {
		return evs, nil, err
	}
	row, ok := projections.StoredRow(obj, w.created[cmd.ID])
	if !ok || row["deletedAt"] != nil {
		return evs, nil, nil
	}
	return evs, row, nil
}

// appendAndProject appends changes to the log and applies them to the
// inline projection, in the caller's transaction.
func (w *Workspace) appendAndProject(changes []domain.Change, actor, commandID string) ([]events.Event, error) {
	evs, err := stream.Events(changes, w.Now(), actor, commandID)
	if err != nil {
		return nil, err
	}
	if f := w.observe; f != nil {
		w.observe = nil
		if w.Observer, err = f(); err != nil {
			return nil, err
		}
	}
	p := &projections.Projector{Schema: w.schemaForProjection(), Created: w.created, DeferSearch: true}
	metadataChanged := false
	keep, err := w.updateTriggers(evs)
	if err != nil {
		return nil, err
	}
	project := func(ev events.Event) error {
		if err := w.keepBefore(keep, ev); err != nil {
			return err
		}
		if w.Observer != nil {
			if err := w.Observer.BeforeApply(ev); err != nil {
				return err
			}
		}
		if err := stream.Apply(p.Apply).Exec(w.DB)(ev); err != nil {
			return err
		}
		if w.Observer != nil {
			if err := w.Observer.AfterApply(ev); err != nil {
				return err
			}
		}
		metadataChanged = metadataChanged || domain.IsMetadataEvent(ev.Type)
		return nil
	}
	appended, err := w.Records().AppendAll(evs, func(evs []events.Event) error {
		if w.Observer != nil || len(evs) == 1 || len(keep) > 0 {
			// The observer (and keepBefore) reads each record around its own statements.
			for _, ev := range evs {
				if err := project(ev); err != nil {
					return err
				}
			}
			return nil
		}
		for _, ev := range evs {
			metadataChanged = metadataChanged || domain.IsMetadataEvent(ev.Type)
		}
		st, err := p.ApplyAll(evs)
		if err != nil {
			return err
		}
		if err := sqldb.ExecAll(w.DB, st); err != nil {
			return fmt.Errorf("durable: projecting seq %d-%d: %w", evs[0].Seq, evs[len(evs)-1].Seq, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if metadataChanged {
		last := appended[len(appended)-1].Seq
		if err := w.setState("metadata_version", last); err != nil {
			return nil, err
		}
		w.schema = nil
		w.metadataDirty = true
	}
	return appended, nil
}

func (w *Workspace) schemaForProjection() *domain.Schema {
	if w.seeding {
		// The schema comes from the events being applied.
		return &domain.Schema{}
	}
	s := w.Schema()
	// Copy so the projector's additions do not leak into the cache.
	return &domain.Schema{Version: s.Version, Objects: append([]*domain.Object(nil), s.Objects...)}
}

// ReadRecord returns the GraphQL-shaped record, or nil if it does not exist.
func (w *Workspace) ReadRecord(obj *domain.Object, id string) (map[string]any, error) {
	row, err := w.ReadRow(obj, id)
	if row == nil || err != nil {
		return nil, err
	}
	return projections.Unflatten(obj, row), nil
}

// ReadRow returns the record's row (column → value), or nil if it does
// not exist.
func (w *Workspace) ReadRow(obj *domain.Object, id string) (map[string]any, error) {
	rows, err := w.DB.Exec(fmt.Sprintf(`SELECT * FROM %s WHERE id = ?`, projections.Q(obj.NameSingular)), id)
	if err != nil {
		return nil, err
	}
	if m := rows.Maps(); len(m) > 0 {
		return m[0], nil
	}
	return nil, nil
}

func (w *Workspace) stateInt(key string) int64 { return w.vars.Int(key) }

func (w *Workspace) setState(key string, v int64) error { return w.vars.Set(key, v) }

// Vars is the call's _state, for the workspace's other streams.
func (w *Workspace) Vars() *stream.Vars { return w.vars }

// Replay rebuilds the inline projection from the log and resets the D1
// projection so the outbox rebuilds it too. It returns the D1 statements
// that empty the workspace's D1 tables (run before the next flush).
func (w *Workspace) Replay() (int64, []host.Statement, error) {
	old := w.Schema()
	schema, last, err := projections.Rebuild(w.DB, w.Store, "")
	if err != nil {
		return 0, nil, err
	}
	// Drop D1 tables of every object known before or after the replay.
	all := &domain.Schema{Objects: append(append([]*domain.Object(nil), old.Objects...), schema.Objects...)}
	prefix := projections.D1Prefix(w.ID)
	drop := []host.Statement{{SQL: projections.ObjectsTableDDL(prefix)}}
	seen := map[string]bool{}
	for _, o := range all.SortedObjects() {
		if !seen[o.NameSingular] {
			seen[o.NameSingular] = true
			drop = append(drop, projections.DropObjectStatements(prefix, o)...)
		}
	}
	drop = append(drop,
		host.Statement{SQL: "DELETE FROM " + projections.Q(prefix+projections.ObjectsTable)},
		host.Statement{SQL: projections.ViewsTableDDL(prefix)},
		host.Statement{SQL: "DELETE FROM " + projections.Q(prefix+projections.ViewsTable)})
	reset, err := w.Records().ResetD1()
	if err != nil {
		return 0, nil, err
	}
	drop = append(drop, reset)
	w.schema = nil
	delete(schemaCache, w.ID)
	if err := w.setState(searchSeqKey, last); err != nil { // the rebuild indexed every record
		return 0, nil, err
	}
	return last, drop, nil
}

// updateTriggers returns the objects whose updates among evs a
// DATABASE_EVENT trigger watches (<object>.updated or .upserted): their
// update events keep the values they replace (keepBefore), which the
// trigger's properties.before shows. Nil when evs hold no update.
func (w *Workspace) updateTriggers(evs []events.Event) (map[string]bool, error) {
	updates := false
	for _, ev := range evs {
		if _, a := domain.SplitEventType(ev.Type); a == domain.ActionUpdated {
			updates = true
			break
		}
	}
	if !updates {
		return nil, nil
	}
	rows, err := w.DB.Exec(`SELECT event_name FROM _wf_triggers WHERE type = 'DATABASE_EVENT'`)
	if err != nil {
		return nil, err
	}
	keep := map[string]bool{}
	for _, r := range rows.Values {
		if obj, a := domain.SplitEventType(sqldb.AsString(r[0])); a == domain.ActionUpdated || a == "upserted" {
			keep[obj] = true
		}
	}
	return keep, nil
}

// keepBefore stores, for an update event of an object in keep, the
// record as it is before the event applies (_wf_before, until the notice
// of the event starts its runs).
func (w *Workspace) keepBefore(keep map[string]bool, ev events.Event) error {
	name, action := domain.SplitEventType(ev.Type)
	if !keep[name] || action != domain.ActionUpdated {
		return nil
	}
	obj := w.Schema().Object(name)
	var p domain.RecordUpdated
	if obj == nil || ev.Decode(&p) != nil {
		return nil
	}
	rec, err := w.ReadRecord(obj, p.ID)
	if err != nil || rec == nil {
		return err
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	_, err = w.DB.Exec(`INSERT OR REPLACE INTO _wf_before (seq, before) VALUES (?, ?)`, ev.Seq, string(b))
	return err
}
