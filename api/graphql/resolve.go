package graphql

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"

	"edgecrm/api/gql"
	"edgecrm/domain"
	"edgecrm/durable"
	"edgecrm/host"
	"edgecrm/projections"
	"edgecrm/projections/query"
	"edgecrm/sqldb"
)

// executor runs one operation. It is used by one goroutine for one request.
type executor struct {
	*gql.Executor // the one executor: this package supplies its resolvers
	w             *durable.Workspace
	c             *Compiled
	schema        *ast.Schema
	meta          *domain.Schema

	// cache holds rows loaded by id, per object (nil: no such record). It
	// is dropped before each mutation field, so reads after a write are fresh.
	cache map[string]map[string]sqldb.Row
	// hidden: per object, the fields the caller may not read (permissions).
	hidden map[string]map[string]bool

	actor, commandID            string
	appended, firstSeq, lastSeq int64
	effects                     []host.Effect // a workflow run's alarm (workflows.go)

	rowsRead int // rows materialised so far (MaxRowsPerRequest)

	// Per request: composite fields' columns, objects' join columns,
	// objects' aggregate fields.
	cols  map[*domain.Field][]domain.Column
	joins map[*domain.Object]map[string]bool
	aggs  map[*domain.Object][]query.Aggregate
	plans map[planKey]*connection // relatedMany
	// related: rows of ONE_TO_MANY connections loaded for a list of parents
	// (prefetchRelated). Dropped with cache before each mutation field.
	related map[relKey][]sqldb.Row
	// searchCols: per object, the columns of its searchVector.
	searchCols map[*domain.Object]searchCols
}

type searchCols struct {
	searchable bool
	cols       []domain.Column
}

// MaxRowsPerRequest bounds the rows one request may materialise across all
// its connections and relations (nested connections multiply: 100 companies
// × 10,000 people each). Past it the field fails with PAYLOAD_TOO_LARGE.
var MaxRowsPerRequest = 100000

func (e *executor) charge(n int) error {
	e.rowsRead += n
	if e.rowsRead > MaxRowsPerRequest {
		return fmt.Errorf("%w: the request reads more than %d rows; ask for smaller pages or fewer nested connections", query.ErrTooManyRows, MaxRowsPerRequest)
	}
	return nil
}

// table is the DO table holding obj's records (the DO names tables after
// objects; D1 prefixes them per workspace).
func table(obj *domain.Object) string { return obj.NameSingular }

// rootValue resolves Query and Mutation fields.
type rootValue struct{}

func (rootValue) resolveField(e *executor, f *ast.Field, args map[string]any) (any, error) {
	if v, ok := gql.Introspect(e.schema, f, args); ok {
		return v, nil
	}
	rf, ok := e.c.roots[f.Name]
	if !ok {
		return nil, fmt.Errorf("no resolver for root field %q", f.Name)
	}
	if rf.op == opSearch {
		return e.search(args)
	}
	if rf.op == opWorkflow {
		return e.workflow(f.Name, args)
	}
	obj := e.meta.Object(rf.object)
	if obj == nil {
		return nil, &domain.UnknownObjectError{Name: rf.object}
	}
	if err := e.w.Allow(obj, rootAction(rf.op)); err != nil {
		return nil, err
	}
	switch rf.op {
	case opFindMany:
		return e.findMany(obj, args, nil, mentionsDeletedAt(args["filter"]), f)
	case opFindOne:
		return e.findOne(obj, args)
	case opGroupBy:
		return e.groupBy(obj, args, f)
	case opDuplicates:
		return e.duplicates(obj, args)
	case opMerge:
		return e.merge(obj, args)
	}
	return e.mutate(rf.op, obj, args)
}

// --- records ---------------------------------------------------------------

// record is one record of obj as the executor sees it: the table row,
// each field read from its columns as it is resolved.
type record struct {
	obj *domain.Object
	row sqldb.Row
	// withDeleted makes relations include soft-deleted records (the root
	// filter named deletedAt).
	withDeleted bool
}

func newRecord(obj *domain.Object, row sqldb.Row, withDeleted bool) *record {
	return &record{obj: obj, row: row, withDeleted: withDeleted}
}

func (r *record) id() string { return sqldb.AsString(r.row.Get("id")) }

// ref is the id a MANY_TO_ONE join column holds ("" for none).
func (r *record) ref(f *domain.Field) string { return sqldb.AsString(r.row.Get(f.JoinColumn())) }

// value is field fd of the record as projections.Unflatten reads it,
// without unflattening the whole row: a composite resolves its subfields
// from their columns as they are selected.
func (r *record) value(e *executor, fd *domain.Field) any {
	switch {
	case fd.Type == domain.TypeRelation:
		return nil
	case domain.IsComposite(fd.Type):
		cols := e.columns(fd)
		if len(cols) == 0 {
			return nil
		}
		return composite{row: r.row, cols: cols}
	}
	return projections.ReadValue(fd.Type, r.row.Get(fd.Name))
}

// composite is a composite field's value: its subfields' columns of a row.
type composite struct {
	row  sqldb.Row
	cols []domain.Column
}

func (c composite) resolveField(_ *executor, f *ast.Field, _ map[string]any) (any, error) {
	for _, col := range c.cols {
		if col.Subfield == f.Name {
			return projections.ReadValue(col.Type, c.row.Get(col.Name)), nil
		}
	}
	return nil, nil
}

// columns is fd.Columns(), once per request (it allocates).
func (e *executor) columns(fd *domain.Field) []domain.Column {
	cols, ok := e.cols[fd]
	if !ok {
		if e.cols == nil {
			e.cols = map[*domain.Field][]domain.Column{}
		}
		cols = fd.Columns()
		e.cols[fd] = cols
	}
	return cols
}

// joinColumn reports whether name is the join column of one of obj's
// MANY_TO_ONE relations (companyId), once per request and object.
func (e *executor) joinColumn(obj *domain.Object, name string) bool {
	joins, ok := e.joins[obj]
	if !ok {
		joins = map[string]bool{}
		for _, f := range obj.Fields {
			if manyToOne(f) {
				joins[f.JoinColumn()] = true
			}
		}
		if e.joins == nil {
			e.joins = map[*domain.Object]map[string]bool{}
		}
		e.joins[obj] = joins
	}
	return joins[name]
}

func (r *record) resolveField(e *executor, f *ast.Field, args map[string]any) (any, error) {
	switch f.Name {
	case "_version":
		return sqldb.AsInt(r.row.Get("_version")), nil
	case "searchVector":
		sc, ok := e.searchCols[r.obj]
		if !ok {
			if e.searchCols == nil {
				e.searchCols = map[*domain.Object]searchCols{}
			}
			sc = searchCols{projections.Searchable(r.obj), projections.SearchColumns(r.obj)}
			e.searchCols[r.obj] = sc
		}
		if !sc.searchable {
			return nil, nil
		}
		return projections.SearchDocumentOf(sc.cols, r.row.Get), nil
	}
	fd := r.obj.Field(f.Name)
	if e.hiddenField(r.obj, f.Name) {
		return nil, nil // a field without read permission is not returned
	}
	switch {
	case fd == nil: // a join column (companyId)
		if e.joinColumn(r.obj, f.Name) {
			return r.row.Get(f.Name), nil
		}
		return nil, nil
	case manyToOne(fd):
		target := e.meta.Object(fd.Relation.TargetObject)
		id := r.ref(fd)
		if target == nil || id == "" {
			return nil, nil
		}
		return e.loadOne(target, id, r.withDeleted)
	case oneToMany(fd):
		target := e.meta.Object(fd.Relation.TargetObject)
		if target == nil {
			return nil, nil
		}
		back := target.Field(fd.Relation.TargetField)
		if back == nil || !manyToOne(back) {
			return nil, fmt.Errorf("relation %s.%s has no MANY_TO_ONE inverse %s.%s", r.obj.NameSingular, fd.Name, target.NameSingular, fd.Relation.TargetField)
		}
		return e.relatedMany(target, back.JoinColumn(), r.id(), args, r.withDeleted, f)
	}
	return r.value(e, fd), nil
}

// loadOne returns the record id of obj (from the cache when prefetched),
// or nil when it does not exist or is soft-deleted and !withDeleted.
func (e *executor) loadOne(obj *domain.Object, id string, withDeleted bool) (any, error) {
	row, ok := e.cached(obj, id)
	if !ok {
		if err := e.loadRows(obj, []string{id}); err != nil {
			return nil, err
		}
		row, _ = e.cached(obj, id)
	}
	if row.IsZero() || row.Get("deletedAt") != nil && !withDeleted {
		return nil, nil
	}
	return newRecord(obj, row, withDeleted), nil
}

func (e *executor) cached(obj *domain.Object, id string) (sqldb.Row, bool) {
	m := e.cache[obj.NameSingular]
	row, ok := m[id]
	return row, ok
}

// maxParams bounds the bound parameters per statement (DO SQLite and D1
// allow 100).
const maxParams = 90

// loadRows loads the records ids of obj into the cache with IN queries.
func (e *executor) loadRows(obj *domain.Object, ids []string) error {
	if e.cache == nil {
		e.cache = map[string]map[string]sqldb.Row{}
	}
	m := e.cache[obj.NameSingular]
	if m == nil {
		m = map[string]sqldb.Row{}
		e.cache[obj.NameSingular] = m
	}
	for len(ids) > 0 {
		n := min(len(ids), maxParams)
		chunk := ids[:n]
		ids = ids[n:]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
			m[id] = sqldb.Row{}
		}
		rows, err := e.w.DB.Exec(fmt.Sprintf(`SELECT * FROM %s WHERE "id" IN (%s)`, projections.Q(table(obj)),
			strings.TrimSuffix(strings.Repeat("?, ", len(chunk)), ", ")), args...)
		if err != nil {
			return err
		}
		for _, row := range rows.Records() {
			m[sqldb.AsString(row.Get("id"))] = row
		}
		if err := e.charge(len(rows.Values)); err != nil {
			return err
		}
	}
	return nil
}

// prefetch batch-loads, for a list about to be completed, the MANY_TO_ONE
// targets its records' selections ask for (one IN query per relation
// instead of one query per record), recursively.
func (e *executor) prefetch(typeName string, items []any, fields []*ast.Field) {
	ti, ok := e.c.types[typeName]
	if !ok || len(items) == 0 || e.Fatal != nil {
		return
	}
	def := e.schema.Types[typeName]
	switch ti.role {
	case roleEdge:
		var nodes []*record
		for _, it := range items {
			if ed, ok := it.(*edge); ok {
				nodes = append(nodes, ed.node)
			}
		}
		var nodeFields []*ast.Field
		for _, g := range e.Groups(def, fields) {
			if g.Fields[0].Name == "node" {
				nodeFields = append(nodeFields, g.Fields...)
			}
		}
		if obj := e.meta.Object(ti.object); obj != nil && len(nodeFields) > 0 {
			e.prefetchRecords(obj, nodes, nodeFields)
		}
	case roleRecord:
		var recs []*record
		for _, it := range items {
			if r, ok := it.(*record); ok {
				recs = append(recs, r)
			}
		}
		if obj := e.meta.Object(ti.object); obj != nil {
			e.prefetchRecords(obj, recs, fields)
		}
	}
}

func (e *executor) prefetchRecords(obj *domain.Object, recs []*record, fields []*ast.Field) {
	def := e.schema.Types[typeNameOf(obj)]
	if def == nil || len(recs) == 0 {
		return
	}
	for _, g := range e.Groups(def, fields) {
		fd := obj.Field(g.Fields[0].Name)
		if fd != nil && oneToMany(fd) {
			e.prefetchRelated(obj, fd, recs, g.Fields[0])
			continue
		}
		if fd == nil || !manyToOne(fd) {
			continue
		}
		target := e.meta.Object(fd.Relation.TargetObject)
		if target == nil {
			continue
		}
		var missing []string
		seen := map[string]bool{}
		for _, r := range recs {
			id := r.ref(fd)
			if id == "" || seen[id] {
				continue
			}
			seen[id] = true
			if _, ok := e.cached(target, id); !ok {
				missing = append(missing, id)
			}
		}
		if err := e.loadRows(target, missing); err != nil {
			if !errors.Is(err, query.ErrTooManyRows) {
				e.Fail(err)
			}
			return // the fields report the error as they resolve
		}
		var targets []*record
		for id := range seen {
			if row, _ := e.cached(target, id); !row.IsZero() {
				targets = append(targets, newRecord(target, row, recs[0].withDeleted))
			}
		}
		e.prefetchRecords(target, targets, g.Fields)
	}
}

// prefetchRelated loads, for a list of records about to be completed, the
// pages of the ONE_TO_MANY connection f of all of them in one partitioned
// query per chunk of parents (instead of one query per parent); the
// connections then take their rows from e.related. Anything unusual (a
// cursor, an error) is left to the connections' own queries, which report it.
func (e *executor) prefetchRelated(obj *domain.Object, fd *domain.Field, recs []*record, f *ast.Field) {
	target := e.meta.Object(fd.Relation.TargetObject)
	if target == nil || f.Definition == nil || e.hiddenField(obj, fd.Name) {
		return
	}
	back := target.Field(fd.Relation.TargetField)
	if back == nil || !manyToOne(back) {
		return
	}
	var args map[string]any
	if len(f.Definition.Arguments) > 0 {
		args = f.ArgumentMap(e.Vars)
	}
	withDeleted := recs[0].withDeleted
	v, err := e.findMany(target, args, nil, withDeleted, f)
	if err != nil {
		return
	}
	plan, col := v.(*connection).plan, back.JoinColumn()
	var ids []any
	seen := map[string]bool{}
	for _, r := range recs {
		id := r.id()
		k := relKey{f: f, parent: id, withDeleted: r.withDeleted}
		if _, done := e.related[k]; done || seen[id] || r.withDeleted != withDeleted {
			continue
		}
		seen[id] = true
		ids = append(ids, id)
	}
	if e.related == nil {
		e.related = map[relKey][]sqldb.Row{}
	}
	const chunk = 50 // parents per statement (with the filter's, under the parameters' bound)
	for len(ids) > 0 {
		part := ids[:min(chunk, len(ids))]
		ids = ids[len(part):]
		st, ok := plan.Partitioned(col, part)
		if !ok {
			return
		}
		rows, err := e.w.DB.Exec(st.SQL, st.Args...)
		if err != nil || e.charge(len(rows.Values)) != nil {
			return
		}
		for _, id := range part {
			e.related[relKey{f: f, parent: id.(string), withDeleted: withDeleted}] = nil // loaded, maybe none
		}
		for _, row := range rows.Records() {
			k := relKey{f: f, parent: sqldb.AsString(row.Get(col)), withDeleted: withDeleted}
			e.related[k] = append(e.related[k], row)
		}
	}
}

// relKey names the rows of connection field f of one parent record.
type relKey struct {
	f           *ast.Field
	parent      string
	withDeleted bool
}

// --- reads -----------------------------------------------------------------

// connection is a findMany result; its parts load when selected.
type connection struct {
	obj         *domain.Object
	plan        *query.Plan
	withDeleted bool

	loaded bool
	edges  []any
	info   query.PageInfo
	// rows, when preloaded, are the page's rows as Select fetches them
	// (prefetchRelated); load uses them instead of running Select.
	rows      []sqldb.Row
	preloaded bool

	// aggs are the aggregate fields the request selects on this connection;
	// the first one resolved computes them all in one statement (a group
	// of a groupBy has them from the GROUP BY already).
	aggs      []query.Aggregate
	aggValues map[string]any
}

func (c *connection) resolveField(e *executor, f *ast.Field, _ map[string]any) (any, error) {
	switch f.Name {
	case "totalCount":
		if v, ok := c.aggValues["totalCount"]; ok {
			return v, nil
		}
		rows, err := e.w.DB.Exec(c.plan.Count.SQL, c.plan.Count.Args...)
		if err != nil {
			return nil, err
		}
		return rows.Int(), nil
	case "edges", "pageInfo":
		if err := c.load(e); err != nil {
			return nil, err
		}
		if f.Name == "edges" {
			return c.edges, nil
		}
		if err := c.cursors(); err != nil {
			return nil, err
		}
		return map[string]any{
			"hasNextPage":     c.info.HasNextPage,
			"hasPreviousPage": c.info.HasPreviousPage,
			"startCursor":     nilIfEmpty(c.info.StartCursor),
			"endCursor":       nilIfEmpty(c.info.EndCursor),
		}, nil
	}
	if a, ok := query.FindAggregate(c.obj, f.Name); ok {
		if a.Field != nil && e.hiddenField(c.obj, a.Field.Name) {
			return nil, domain.DeniedRead(c.obj, a.Field.Name)
		}
		if v, done := c.aggValues[a.Name]; done {
			return v, nil
		}
		aggs := c.aggs
		if !containsAggregate(aggs, a.Name) {
			aggs = append(aggs[:len(aggs):len(aggs)], a)
		}
		st := c.plan.Aggregates(aggs)
		rows, err := e.w.DB.Exec(st.SQL, st.Args...)
		if err != nil {
			return nil, err
		}
		if m := rows.Maps(); len(m) == 1 {
			c.aggValues = m[0]
		}
		return c.aggValues[a.Name], nil
	}
	return nil, fmt.Errorf("unknown connection field %q", f.Name)
}

func (c *connection) load(e *executor) error {
	if c.loaded {
		return nil
	}
	nodes := c.rows
	if !c.preloaded { // (preloaded rows were charged when loaded)
		rows, err := c.plan.Select.Rows(e.w.DB)
		if err != nil {
			return err
		}
		if err := e.charge(len(rows.Values)); err != nil {
			return err
		}
		nodes = rows.Records()
	}
	n, info := c.plan.Trim(len(nodes))
	nodes = nodes[:n]
	if c.plan.Select.Reverse {
		nodes = slices.Clone(nodes) // preloaded rows are shared: another connection may read them
		slices.Reverse(nodes)
	}
	c.edges = make([]any, len(nodes))
	recs := make([]record, len(nodes)) // one allocation for the page
	for i, row := range nodes {
		recs[i] = record{obj: c.obj, row: row, withDeleted: c.withDeleted}
		c.edges[i] = &edge{plan: c.plan, node: &recs[i]}
	}
	c.info, c.loaded = info, true
	return nil
}

// cursors fills pageInfo's cursors (built only when pageInfo is selected).
func (c *connection) cursors() error {
	if n := len(c.edges); n > 0 && c.info.StartCursor == "" {
		var err error
		if c.info.StartCursor, err = c.plan.CursorBy(c.edges[0].(*edge).node.row.Lookup); err != nil {
			return err
		}
		if c.info.EndCursor, err = c.plan.CursorBy(c.edges[n-1].(*edge).node.row.Lookup); err != nil {
			return err
		}
	}
	return nil
}

// edge is an edge of a connection; its cursor is built when selected.
type edge struct {
	plan *query.Plan
	node *record
}

func (ed *edge) resolveField(_ *executor, f *ast.Field, _ map[string]any) (any, error) {
	switch f.Name {
	case "node":
		return ed.node, nil
	case "cursor":
		return ed.plan.CursorBy(ed.node.row.Lookup)
	}
	return nil, fmt.Errorf("unknown edge field %q", f.Name)
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// includeDeleted is a filter that mentions deletedAt without constraining
// it, which turns off the compiler's soft-delete rule.
func includeDeleted() map[string]any {
	return map[string]any{"or": []any{
		map[string]any{"deletedAt": map[string]any{"is": "NULL"}},
		map[string]any{"deletedAt": map[string]any{"is": "NOT_NULL"}},
	}}
}

// mentionsDeletedAt reports whether a filter names deletedAt anywhere.
func mentionsDeletedAt(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		for k, sub := range x {
			if k == "deletedAt" || mentionsDeletedAt(sub) {
				return true
			}
		}
	case []any:
		for _, sub := range x {
			if mentionsDeletedAt(sub) {
				return true
			}
		}
	}
	return false
}

// andFilters combines filters (nil ones dropped).
func andFilters(fs ...map[string]any) map[string]any {
	var live []any
	for _, f := range fs {
		if len(f) > 0 {
			live = append(live, f)
		}
	}
	switch len(live) {
	case 0:
		return nil
	case 1:
		return live[0].(map[string]any)
	}
	return map[string]any{"and": live}
}

func filterArg(v any) (map[string]any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case map[string]any:
		return x, nil
	}
	return nil, badInput("filter must be an object")
}

// recordFilter reads a filter over obj's records and replaces its
// searchVector conditions (Twenty's TSVectorFilter: {search: "text"}), at
// the top level and inside and/or/not, by the ids obj's search index
// matches (as search finds them, soft-deleted ones included: the filter's
// own rule decides). An empty search constrains nothing.
func (e *executor) recordFilter(obj *domain.Object, v any) (map[string]any, error) {
	filter, err := filterArg(v)
	if err != nil || filter == nil {
		return filter, err
	}
	if err := e.w.AllowQuery(obj, filter, nil); err != nil {
		return nil, err
	}
	return e.resolveSearchVector(obj, filter)
}

func (e *executor) resolveSearchVector(obj *domain.Object, filter map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(filter))
	var extra map[string]any
	for k, sub := range filter {
		switch k {
		case "searchVector":
			cond, err := e.searchCondition(obj, sub)
			if err != nil {
				return nil, err
			}
			extra = cond
		case "and", "or":
			list, ok := sub.([]any)
			if !ok {
				out[k] = sub // the compiler reports the shape
				continue
			}
			items := make([]any, len(list))
			for i, it := range list {
				m, ok := it.(map[string]any)
				if !ok {
					items[i] = it
					continue
				}
				r, err := e.resolveSearchVector(obj, m)
				if err != nil {
					return nil, err
				}
				items[i] = r
			}
			out[k] = items
		case "not":
			m, ok := sub.(map[string]any)
			if !ok {
				out[k] = sub
				continue
			}
			r, err := e.resolveSearchVector(obj, m)
			if err != nil {
				return nil, err
			}
			out[k] = r
		default:
			out[k] = sub
		}
	}
	if extra == nil {
		return out, nil
	}
	if len(out) == 0 {
		return extra, nil
	}
	return map[string]any{"and": []any{out, extra}}, nil
}

// searchCondition turns {search: text} into {id: {in: [...]}} (nil when
// the text has no words).
func (e *executor) searchCondition(obj *domain.Object, v any) (map[string]any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, badInput("searchVector filter must be an object like {search: \"text\"}")
	}
	for k := range m {
		if k != "search" {
			return nil, badInput("searchVector filter supports only search, not %s", k)
		}
	}
	text, ok := m["search"].(string)
	if !ok && m["search"] != nil {
		return nil, badInput("searchVector.search must be a string")
	}
	if strings.TrimSpace(text) == "" {
		return nil, nil
	}
	search, readable := e.searchFor(obj)
	hits, err := search(e.w.DB, readable, table(obj), text, "1 = 1", nil, projections.MaxSearchLimit)
	if err != nil {
		return nil, err
	}
	if err := e.charge(len(hits)); err != nil {
		return nil, err
	}
	ids := make([]any, len(hits))
	for i, h := range hits {
		ids[i] = h.Row["id"]
	}
	return map[string]any{"id": map[string]any{"in": ids}}, nil
}

func orderByArg(v any) ([]map[string]any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case map[string]any:
		return []map[string]any{x}, nil
	case []any:
		out := make([]map[string]any, 0, len(x))
		for _, it := range x {
			if it == nil {
				continue
			}
			m, ok := it.(map[string]any)
			if !ok {
				return nil, badInput("orderBy items must be objects")
			}
			out = append(out, m)
		}
		return out, nil
	}
	return nil, badInput("orderBy must be a list of objects")
}

func intArg(v any) (*int, error) {
	switch n := v.(type) {
	case nil:
		return nil, nil
	case int64:
		i := int(n)
		return &i, nil
	case int:
		return &n, nil
	case float64:
		i := int(n)
		return &i, nil
	}
	return nil, badInput("expected an integer, got %v", v)
}

// pageArgs reads first/last/before/after/offset.
func pageArgs(args map[string]any) (query.Page, error) {
	var p query.Page
	var err error
	if p.First, err = intArg(args["first"]); err != nil {
		return p, err
	}
	if p.Last, err = intArg(args["last"]); err != nil {
		return p, err
	}
	if off, err := intArg(args["offset"]); err != nil {
		return p, err
	} else if off != nil {
		p.Offset = *off
	}
	p.After, _ = args["after"].(string)
	p.Before, _ = args["before"].(string)
	return p, nil
}

// findMany compiles a connection over obj; scope (a relation's join) is
// ANDed to the client's filter; withDeleted lifts the soft-delete rule.
// f is the connection field (nil when none): its selected aggregates are
// computed together.
func (e *executor) findMany(obj *domain.Object, args map[string]any, scope map[string]any, withDeleted bool, f *ast.Field) (any, error) {
	filter, err := e.recordFilter(obj, args["filter"])
	if err != nil {
		return nil, err
	}
	orderBy, err := orderByArg(args["orderBy"])
	if err == nil {
		err = e.w.AllowQuery(obj, nil, orderBy)
	}
	if err != nil {
		return nil, err
	}
	page, err := pageArgs(args)
	if err != nil {
		return nil, err
	}
	var extra map[string]any
	if withDeleted && !mentionsDeletedAt(filter) {
		extra = includeDeleted()
	}
	plan, err := query.Compile(e.meta, obj, table(obj), andFilters(filter, scope, extra), orderBy, page)
	if err != nil {
		return nil, err
	}
	return &connection{obj: obj, plan: plan, withDeleted: withDeleted || mentionsDeletedAt(filter), aggs: e.selectedAggregates(obj, f)}, nil
}

// relatedMany is the connection of the target records whose join column
// holds id (a ONE_TO_MANY relation of one parent). Every parent of a list
// shares the field and its arguments: the plan is compiled once per
// request with a placeholder id, then bound to each parent's.
func (e *executor) relatedMany(target *domain.Object, joinCol, id string, args map[string]any, withDeleted bool, f *ast.Field) (any, error) {
	key := planKey{f: f, obj: target, joinCol: joinCol, withDeleted: withDeleted}
	cached, ok := e.plans[key]
	if !ok {
		v, err := e.findMany(target, args, map[string]any{joinCol: map[string]any{"eq": placeholderID}}, withDeleted, f)
		if err != nil {
			return nil, err
		}
		cached = v.(*connection)
		if _, n := cached.plan.WithArg(placeholderID, placeholderID); n != 1 {
			cached = nil // the id is not one bound argument: compile per parent
		}
		if e.plans == nil {
			e.plans = map[planKey]*connection{}
		}
		e.plans[key] = cached
	}
	if cached == nil {
		return e.findMany(target, args, map[string]any{joinCol: map[string]any{"eq": id}}, withDeleted, f)
	}
	c := *cached
	c.plan, _ = cached.plan.WithArg(placeholderID, id)
	c.rows, c.preloaded = e.related[relKey{f: f, parent: id, withDeleted: withDeleted}]
	return &c, nil
}

// placeholderID stands for a parent's id in a plan compiled once
// (relatedMany).
const placeholderID = "9d3f6c52-0b7e-4c1a-8f2d-5e4b3a291c07"

type planKey struct {
	f           *ast.Field
	obj         *domain.Object
	joinCol     string
	withDeleted bool
}

// selectedAggregates lists the aggregate fields f selects (through
// fragments too), once each, in the schema's order.
func (e *executor) selectedAggregates(obj *domain.Object, f *ast.Field) []query.Aggregate {
	if f == nil {
		return nil
	}
	var names map[string]bool
	var walk func(ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				switch s.Name {
				case "edges", "pageInfo", "totalCount", "__typename": // most selections: no map
				default:
					if names == nil {
						names = map[string]bool{}
					}
					names[s.Name] = true
				}
			case *ast.InlineFragment:
				walk(s.SelectionSet)
			case *ast.FragmentSpread:
				if s.Definition != nil {
					walk(s.Definition.SelectionSet)
				}
			}
		}
	}
	walk(f.SelectionSet)
	if names == nil {
		return nil
	}
	var out []query.Aggregate
	for _, a := range e.aggregates(obj) {
		if names[a.Name] {
			out = append(out, a)
		}
	}
	return out
}

// aggregates is query.Aggregates(obj), once per request.
func (e *executor) aggregates(obj *domain.Object) []query.Aggregate {
	aggs, ok := e.aggs[obj]
	if !ok {
		if e.aggs == nil {
			e.aggs = map[*domain.Object][]query.Aggregate{}
		}
		aggs = query.Aggregates(obj)
		e.aggs[obj] = aggs
	}
	return aggs
}

func containsAggregate(aggs []query.Aggregate, name string) bool {
	for _, a := range aggs {
		if a.Name == name {
			return true
		}
	}
	return false
}

// findOne returns the first record matching the (required) filter, or nil.
func (e *executor) findOne(obj *domain.Object, args map[string]any) (any, error) {
	filter, err := e.recordFilter(obj, args["filter"])
	if err != nil {
		return nil, err
	}
	var plan *query.Plan
	if id, ok := idEq(filter); ok {
		plan, err = query.ByID(obj, table(obj), id)
	} else {
		one := 1
		plan, err = query.Compile(e.meta, obj, table(obj), filter, nil, query.Page{First: &one})
	}
	if err != nil {
		return nil, err
	}
	rows, err := plan.Select.Rows(e.w.DB)
	if err != nil {
		return nil, err
	}
	m := rows.Records()
	if len(m) == 0 {
		return nil, nil
	}
	return newRecord(obj, m[0], mentionsDeletedAt(filter)), nil
}

// idEq returns id when filter is exactly {id: {eq: id}} (a findOne by id).
func idEq(filter map[string]any) (string, bool) {
	if len(filter) != 1 {
		return "", false
	}
	m, ok := filter["id"].(map[string]any)
	if !ok || len(m) != 1 {
		return "", false
	}
	id, ok := m["eq"].(string)
	return id, ok
}

// rootAction is the record permission a root operation needs (Twenty's:
// creating and merging need update, restoring needs soft delete).
func rootAction(op rootOp) string {
	switch op {
	case opFindMany, opFindOne, opGroupBy, opDuplicates:
		return domain.ActRead
	case opDeleteOne, opDeleteMany, opRestoreOne, opRestoreMany:
		return domain.ActSoftDelete
	case opDestroyOne, opDestroyMany:
		return domain.ActDestroy
	}
	return domain.ActUpdate
}

// hiddenField reports whether the caller may not read the field (or join
// column) name of obj.
func (e *executor) hiddenField(obj *domain.Object, name string) bool {
	if e.hidden == nil {
		e.hidden = map[string]map[string]bool{}
	}
	h, ok := e.hidden[obj.NameSingular]
	if !ok {
		h = e.w.HiddenFields(obj)
		e.hidden[obj.NameSingular] = h
	}
	return h[name]
}
