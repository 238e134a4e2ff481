package rest

import (
	"edgecrm/durable/backpressure"

	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"edgecrm/api/apierr"
	"edgecrm/domain"
	"edgecrm/durable"
	"edgecrm/events"
	"edgecrm/host"
	"edgecrm/projections"
	"edgecrm/projections/query"
	"edgecrm/sqldb"
)

// MaxBodyBytes is the largest request body the APIs accept.
const MaxBodyBytes = 1 << 20

// MaxBatchCreate is the most records one POST /rest/batch/<objects> may
// create. Twenty's QUERY_MAX_RECORDS has been 60, then 100, then 10,000.
// 200 pays the per-request costs once per 200 records while one batch
// holds the object (and every other user of the workspace) for well under
// 100 ms; 1,000 loaded about 1.5x faster but held it for 350-500 ms.
var MaxBatchCreate = 200

// MaxBulkRecords is the most records one filtered bulk update, delete or
// restore may touch (more is 413).
var MaxBulkRecords = query.MaxPageSize

// nestedLimit caps each ONE_TO_MANY array nested at depth ≥ 1, per parent
// record (Twenty's default page size).
const nestedLimit = query.DefaultPageSize

// maxInParams is how many ids one IN (...) list binds (DO storage and D1
// allow 100 bound parameters per statement).
const maxInParams = 90

// Result is a handled request: the response and what it appended.
type Result struct {
	Response *host.Response
	Appended int64 // number of events appended
	FirstSeq int64
	LastSeq  int64
	Effects  []host.Effect // what else the request asks of the host (a workflow run's alarm)
}

// ServeREST handles Twenty's REST API:
//
//	GET    /rest/<objects>                 list: filter, order_by, limit, starting_after, ending_before, depth
//	POST   /rest/<objects>                 create one (201)
//	POST   /rest/batch/<objects>           create many in one transaction (201)
//	PATCH  /rest/<objects>?filter=...      update every match (PUT is an alias)
//	DELETE /rest/<objects>?filter=...      soft-delete every match (soft_delete=false destroys)
//	PATCH  /rest/<objects>/restore?filter= restore every soft-deleted match
//	GET    /rest/<objects>/<id>            find one (depth)
//	PATCH  /rest/<objects>/<id>            update one (PUT is an alias; If-Match: expected version)
//	DELETE /rest/<objects>/<id>            soft delete (soft_delete=false destroys, applying onDelete)
//	PATCH  /rest/<objects>/<id>/restore    restore
//	POST   /rest/<objects>/merge           merge {ids, conflictPriorityIndex, dryRun} (domain.MergeCommand)
//
// Writes honour the Idempotency-Key (or X-Command-Id) header: a repeated key
// answers the stored response and appends nothing.
func ServeREST(w *durable.Workspace, req *host.Request) (*Result, error) {
	res, err := serveREST(w, req)
	return res, restError(err)
}

func serveREST(w *durable.Workspace, req *host.Request) (*Result, error) {
	parts := strings.Split(strings.Trim(strings.TrimPrefix(req.Path, "/rest"), "/"), "/")
	if len(parts) == 0 || parts[0] == "" {
		return nil, apierr.NewError(404, "no object in path: use /rest/<objects>, eg: /rest/companies")
	}
	batch := parts[0] == "batch" && len(parts) > 1
	if batch {
		parts = parts[1:]
	}
	obj, err := objectByPlural(w.Schema(), parts[0])
	if err != nil {
		return nil, err
	}
	act := restAction(req.Method, parts)
	if req.Method == "DELETE" && queryValues(req.Query).Get("soft_delete") == "false" {
		act = domain.ActDestroy
	}
	if err := w.Allow(obj, act); err != nil {
		return nil, err
	}
	r := &restRequest{w: w, req: req, obj: obj, q: queryValues(req.Query)}
	m := req.Method
	update := m == "PATCH" || m == "PUT"
	switch {
	case batch && len(parts) == 1 && m == "POST":
		return r.createMany()
	case batch:
		return nil, apierr.NewError(405, fmt.Sprintf("%s %s is not supported: batch only creates (POST /rest/batch/%s)", m, req.Path, obj.NamePlural))
	case len(parts) == 1 && m == "GET":
		return r.findMany()
	case len(parts) == 1 && m == "POST":
		return r.createOne()
	case len(parts) == 1 && update:
		return r.updateMany()
	case len(parts) == 1 && m == "DELETE":
		return r.deleteMany()
	case len(parts) == 2 && parts[1] == "restore" && m == "PATCH":
		return r.restoreMany()
	case len(parts) == 2 && parts[1] == "merge" && m == "POST":
		return r.merge()
	case len(parts) == 2 && m == "GET":
		return r.findOne(parts[1])
	case len(parts) == 2 && update:
		return r.updateOne(parts[1])
	case len(parts) == 2 && m == "DELETE":
		return r.deleteOne(parts[1])
	case len(parts) == 3 && parts[2] == "restore" && m == "PATCH":
		return r.restoreOne(parts[1])
	}
	return nil, apierr.NewError(405, fmt.Sprintf("%s %s is not supported", m, req.Path))
}

// restAction is the record permission a REST call needs (as rootAction).
func restAction(method string, parts []string) string {
	switch {
	case method == "GET":
		return domain.ActRead
	case method == "DELETE" || parts[len(parts)-1] == "restore":
		return domain.ActSoftDelete
	}
	return domain.ActUpdate
}

// objectByPlural resolves the path's object the way Twenty does, with its
// error message (and a hint when the singular name was used).
func objectByPlural(schema *domain.Schema, name string) (*domain.Object, error) {
	if o := schema.ObjectByPlural(name); o != nil {
		return o, nil
	}
	hint := "eg: companies"
	if o := schema.Object(name); o != nil {
		hint = fmt.Sprintf("Did you mean '%s'?", o.NamePlural)
	}
	return nil, apierr.NewError(400, fmt.Sprintf("object '%s' not found. %s", name, hint))
}

// restError maps the query compiler's errors to the status table (400 for a
// bad filter, order, cursor or page; 413 for too many rows).
func restError(err error) error {
	if err == nil {
		return nil
	}
	var qe *query.Error
	if errors.As(err, &qe) {
		e := apierr.NewError(400, qe.Message)
		e.Field = qe.Field
		return e
	}
	if errors.Is(err, query.ErrTooManyRows) {
		return apierr.NewError(413, err.Error())
	}
	return err
}

type restRequest struct {
	w   *durable.Workspace
	req *host.Request
	obj *domain.Object
	q   url.Values
}

func (r *restRequest) table() string { return r.obj.NameSingular }

// actor is who the events of this request are recorded as.
func (r *restRequest) actor() string {
	if r.req.Actor != "" {
		return r.req.Actor
	}
	return "api"
}

// ---- reads ----

func (r *restRequest) findMany() (*Result, error) {
	depth, err := r.depth()
	if err != nil {
		return nil, err
	}
	filter, err := query.ParseRESTFilter(r.q.Get("filter"))
	if err != nil {
		return nil, err
	}
	orderBy, err := query.ParseRESTOrderBy(r.q.Get("order_by"))
	if err == nil {
		err = r.w.AllowQuery(r.obj, filter, orderBy)
	}
	if err != nil {
		return nil, err
	}
	limit, err := r.limit()
	if err != nil {
		return nil, err
	}
	page := query.Page{After: r.q.Get("starting_after"), Before: r.q.Get("ending_before")}
	if page.Before != "" {
		page.Last = &limit
	} else {
		page.First = &limit
	}
	schema := r.w.Schema()
	plan, err := query.Compile(schema, r.obj, r.table(), filter, orderBy, page)
	if err != nil {
		return nil, err
	}
	rows, err := plan.Select.Rows(r.w.DB)
	if err != nil {
		return nil, err
	}
	nodes, info, err := plan.Nodes(rows.Maps())
	if err != nil {
		return nil, err
	}
	count, err := r.w.DB.Exec(plan.Count.SQL, plan.Count.Args...)
	if err != nil {
		return nil, err
	}
	recs, err := r.records(nodes, depth)
	if err != nil {
		return nil, err
	}
	return &Result{Response: host.JSONResponse(200, map[string]any{
		"data": map[string]any{r.obj.NamePlural: recs},
		"pageInfo": map[string]any{
			"hasNextPage":     info.HasNextPage,
			"hasPreviousPage": info.HasPreviousPage,
			"startCursor":     nullIfEmpty(info.StartCursor),
			"endCursor":       nullIfEmpty(info.EndCursor),
		},
		"totalCount": count.Int(),
	})}, nil
}

func (r *restRequest) findOne(id string) (*Result, error) {
	depth, err := r.depth()
	if err != nil {
		return nil, err
	}
	if err := checkID(id); err != nil {
		return nil, err
	}
	row, err := r.w.ReadRow(r.obj, id)
	if err != nil {
		return nil, err
	}
	// Like findMany, a soft-deleted record is hidden unless the request's
	// filter mentions deletedAt.
	if row == nil || row["deletedAt"] != nil && !strings.Contains(r.q.Get("filter"), "deletedAt") {
		return nil, apierr.NewError(404, "Record not found")
	}
	rec, err := r.record(row, depth)
	if err != nil {
		return nil, err
	}
	return &Result{Response: host.JSONResponse(200, map[string]any{"data": map[string]any{r.obj.NameSingular: rec}})}, nil
}

// depth parses ?depth= (0 when absent, like current Twenty).
func (r *restRequest) depth() (int, error) {
	s := r.q.Get("depth")
	if s == "" {
		return 0, nil
	}
	switch s {
	case "0", "1", "2":
		return int(s[0] - '0'), nil
	}
	return 0, apierr.NewError(400, fmt.Sprintf("'depth=%s' parameter invalid. Allowed values are 0, 1, 2", s))
}

// limit parses ?limit= (60 when absent; more than 10,000 is 413).
func (r *restRequest) limit() (int, error) {
	s := r.q.Get("limit")
	if s == "" {
		return query.DefaultPageSize, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		e := apierr.NewError(400, fmt.Sprintf("limit '%s' is invalid. Should be an integer", s))
		e.Field = "limit"
		return 0, e
	}
	if n > query.MaxPageSize {
		e := apierr.NewError(413, fmt.Sprintf("limit %d is more than the maximum of %d records per request", n, query.MaxPageSize))
		e.Field = "limit"
		return 0, e
	}
	return n, nil
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func checkID(id string) error {
	if !domain.IsUUID(id) {
		e := apierr.NewError(400, fmt.Sprintf("'%s' is not a valid record id: expected a UUID", id))
		e.Field, e.Rule = "id", domain.RuleUUID
		return e
	}
	return nil
}

// expand nests related records into recs (GraphQL-shaped records of obj),
// depth levels deep: each MANY_TO_ONE relation as the target record (null
// when unset, missing or soft-deleted) under the field's name, each
// ONE_TO_MANY relation as an array of the live records pointing at the
// record (at most nestedLimit, in position order). Nested records are
// expanded depth-1 levels further. At every level the fields the caller may
// not read are left out (relations to objects it may not read too).
func (r *restRequest) expand(obj *domain.Object, recs []map[string]any, depth int) error {
	hidden := r.w.HiddenFields(obj)
	defer func() {
		for _, rec := range recs {
			for name := range hidden {
				delete(rec, name)
			}
		}
	}()
	if depth <= 0 || len(recs) == 0 {
		return nil
	}
	db, schema := r.w.DB, r.w.Schema()
	for _, f := range obj.Fields {
		if f.Type != domain.TypeRelation || f.Relation == nil || hidden[f.Name] {
			continue
		}
		target := schema.Object(f.Relation.TargetObject)
		if target == nil {
			continue
		}
		switch f.Relation.Type {
		case domain.ManyToOne:
			col := f.JoinColumn()
			var ids []string
			seen := map[string]bool{}
			for _, rec := range recs {
				if id, ok := rec[col].(string); ok && id != "" && !seen[id] {
					seen[id] = true
					ids = append(ids, id)
				}
			}
			rows, err := fetchRelated(db, target, "id", ids, 0)
			if err != nil {
				return err
			}
			nested := unflattenAll(target, rows)
			if err := r.expand(target, nested, depth-1); err != nil {
				return err
			}
			byID := make(map[string]map[string]any, len(nested))
			for _, n := range nested {
				byID[sqldb.AsString(n["id"])] = n
			}
			for _, rec := range recs {
				id, _ := rec[col].(string)
				if n, ok := byID[id]; ok {
					rec[f.Name] = n
				} else {
					rec[f.Name] = nil
				}
			}
		case domain.OneToMany:
			inverse := target.Field(f.Relation.TargetField)
			if inverse == nil || inverse.Relation == nil || inverse.Relation.Type != domain.ManyToOne {
				continue
			}
			col := inverse.JoinColumn()
			ids := make([]string, 0, len(recs))
			for _, rec := range recs {
				ids = append(ids, sqldb.AsString(rec["id"]))
			}
			rows, err := fetchRelated(db, target, col, ids, nestedLimit)
			if err != nil {
				return err
			}
			nested := unflattenAll(target, rows)
			if err := r.expand(target, nested, depth-1); err != nil {
				return err
			}
			byParent := map[string][]map[string]any{}
			for _, n := range nested {
				p := sqldb.AsString(n[col])
				byParent[p] = append(byParent[p], n)
			}
			for _, rec := range recs {
				list := byParent[sqldb.AsString(rec["id"])]
				if list == nil {
					list = []map[string]any{}
				}
				rec[f.Name] = list
			}
		}
	}
	return nil
}

// fetchRelated reads the live rows of obj whose column col is one of
// values, in chunks that respect the bound-parameter limit, in (position,
// id) order; perValue > 0 keeps at most that many rows per value of col.
func fetchRelated(db sqldb.DB, obj *domain.Object, col string, values []string, perValue int) ([]map[string]any, error) {
	var out []map[string]any
	table := projections.Q(obj.NameSingular)
	order := projections.DefaultOrder(obj)
	live := ""
	if obj.Field("deletedAt") != nil {
		live = ` AND "deletedAt" IS NULL`
	}
	for start := 0; start < len(values); start += maxInParams {
		chunk := values[start:min(start+maxInParams, len(values))]
		args := make([]any, len(chunk))
		for i, v := range chunk {
			args[i] = v
		}
		in := strings.TrimSuffix(strings.Repeat("?, ", len(chunk)), ", ")
		sql := fmt.Sprintf(`SELECT * FROM %s WHERE %s IN (%s)%s ORDER BY %s`, table, projections.Q(col), in, live, order)
		if perValue > 0 {
			sql = fmt.Sprintf(`SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY %s ORDER BY %s) AS "_rn" FROM %s WHERE %s IN (%s)%s) WHERE "_rn" <= %d ORDER BY %s`,
				projections.Q(col), order, table, projections.Q(col), in, live, perValue, order)
		}
		rows, err := db.Exec(sql, args...)
		if err != nil {
			return nil, err
		}
		out = append(out, rows.Maps()...)
	}
	return out, nil
}

func unflattenAll(obj *domain.Object, rows []map[string]any) []map[string]any {
	out := make([]map[string]any, len(rows))
	u := projections.NewUnflattener(obj)
	for i, row := range rows {
		out[i] = u.Unflatten(row)
	}
	return out
}

// ---- writes ----

// mutation is one write: it executes commands and returns the response data.
type mutation func(commandID string) (data map[string]any, evs []events.Event, err error)

// mutate runs m once per idempotency key (Idempotency-Key / X-Command-Id):
// a retry of the same request answers the stored response and appends
// nothing; the key on another request is a 422.
func (r *restRequest) mutate(status int, m mutation) (*Result, error) {
	w, req := r.w, r.req
	cmd, stored, err := w.BeginCommand(req, "")
	if err != nil || stored != nil {
		return &Result{Response: stored}, keyError(err)
	}
	if req.Header("x-test-panic") == "after-append" {
		// Test hook (enabled only by the shell in dev/test): panic mid-command.
		defer func() { panic("test panic after append") }()
	}
	data, evs, err := m(cmd.ID)
	if err != nil {
		return nil, err
	}
	resp := host.JSONResponse(status, map[string]any{"data": data})
	if err := w.FinishCommand(cmd, resp); err != nil {
		return nil, err
	}
	res := &Result{Response: resp, Appended: int64(len(evs))}
	if len(evs) > 0 {
		res.FirstSeq, res.LastSeq = evs[0].Seq, evs[len(evs)-1].Seq
	}
	return res, nil
}

// keyError maps a reused idempotency key to 422 (other errors pass).
func keyError(err error) error {
	var ke *durable.KeyReusedError
	if errors.As(err, &ke) {
		return apierr.NewError(422, ke.Error())
	}
	return err
}

// read returns a record after a write, expanded to the request's depth.
func (r *restRequest) read(id string, depth int) (map[string]any, error) {
	rec, err := r.w.ReadRecord(r.obj, id)
	if err != nil {
		return nil, err
	}
	if rec == nil {
		return nil, apierr.NewError(404, "Record not found")
	}
	if err := r.expand(r.obj, []map[string]any{rec}, depth); err != nil {
		return nil, err
	}
	return rec, nil
}

func (r *restRequest) name(op string, plural bool) string {
	if plural {
		return op + upperFirst(r.obj.NamePlural)
	}
	return op + upperFirst(r.obj.NameSingular)
}

func (r *restRequest) createOne() (*Result, error) {
	depth, err := r.depth()
	if err != nil {
		return nil, err
	}
	data, err := decodeBody(r.req.Body)
	if err != nil {
		return nil, err
	}
	return r.mutate(201, func(commandID string) (map[string]any, []events.Event, error) {
		rec, evs, err := r.create(data, commandID, depth)
		if err != nil {
			return nil, nil, err
		}
		return map[string]any{r.name("create", false): rec}, evs, nil
	})
}

func (r *restRequest) create(data map[string]any, commandID string, depth int) (any, []events.Event, error) {
	id, _ := data["id"].(string)
	generated := id == ""
	if generated {
		id = durable.NewRecordID(r.w.Now())
	}
	return r.execute(domain.RecordCommand{Kind: domain.Create, Object: r.obj.NameSingular, ID: id, Data: data, Generated: generated}, commandID, depth)
}

// execute runs one record command and answers the record at depth.
func (r *restRequest) execute(cmd domain.RecordCommand, commandID string, depth int) (any, []events.Event, error) {
	if err := r.w.AllowWrite(r.obj, cmd.Data); err != nil {
		return nil, nil, err
	}
	evs, row, err := r.w.ExecuteRow(cmd, r.actor(), commandID)
	if err != nil {
		return nil, nil, err
	}
	if row != nil { // a create: the row as projected, as the read returns it
		rec, err := r.record(row, depth)
		return rec, evs, err
	}
	rec, err := r.read(cmd.ID, depth)
	return rec, evs, err
}

func (r *restRequest) createMany() (*Result, error) {
	depth, err := r.depth()
	if err != nil {
		return nil, err
	}
	items, err := decodeArray(r.req.Body)
	if err != nil {
		return nil, err
	}
	if err := backpressure.Check(r.w); err != nil { // bulk writers wait while the stream lags
		return nil, err
	}
	if len(items) > MaxBatchCreate {
		return nil, apierr.NewError(400, fmt.Sprintf("Maximum number of records to upsert is %d.", MaxBatchCreate))
	}
	return r.mutate(201, func(commandID string) (map[string]any, []events.Event, error) {
		cmds := make([]domain.RecordCommand, len(items))
		ids := make([]string, len(items))
		for i, data := range items {
			ids[i], _ = data["id"].(string)
			generated := ids[i] == ""
			if generated {
				ids[i] = durable.NewRecordID(r.w.Now())
			}
			cmds[i] = domain.RecordCommand{Kind: domain.Create, Object: r.obj.NameSingular, ID: ids[i], Data: data, Generated: generated}
			if err := r.w.AllowWrite(r.obj, data); err != nil {
				return nil, nil, inItem(err, i)
			}
		}
		all, rows, err := r.w.ExecuteCreatesRows(cmds, r.actor(), commandID)
		var be *durable.BatchError
		if errors.As(err, &be) {
			return nil, nil, inItem(be.Err, be.Index)
		}
		if err != nil {
			return nil, nil, err
		}
		recs, err := r.created(ids, rows, depth)
		return map[string]any{r.name("create", true): recs}, all, err
	})
}

// created returns a batch's records from the rows the projector wrote
// (durable.ExecuteCreatesRows: as a read would return them), expanded to
// depth, or reads them back (readMany) when it has no rows for them or one
// is soft-deleted (which a read does not find).
func (r *restRequest) created(ids []string, rows []map[string]any, depth int) (any, error) {
	for _, row := range rows {
		if row["deletedAt"] != nil {
			rows = nil
			break
		}
	}
	if rows == nil {
		return r.readMany(ids, depth)
	}
	return r.records(rows, depth)
}

// records answers rows of r.obj as its records at depth: at depth 0
// written straight to JSON (projections.RecordJSON: no map per record),
// else unflattened and expanded.
func (r *restRequest) records(rows []map[string]any, depth int) (any, error) {
	if depth <= 0 {
		return projections.RecordJSONFor(r.obj, r.w.HiddenFields(r.obj)).List(rows)
	}
	recs := make([]map[string]any, len(rows))
	u := projections.NewUnflattener(r.obj)
	for i, row := range rows {
		recs[i] = u.Unflatten(row)
	}
	return recs, r.expand(r.obj, recs, depth)
}

// record is records for one row.
func (r *restRequest) record(row map[string]any, depth int) (any, error) {
	if depth <= 0 {
		b, err := projections.RecordJSONFor(r.obj, r.w.HiddenFields(r.obj)).Append(nil, row)
		return host.RawJSON(b), err
	}
	rec := projections.Unflatten(r.obj, row)
	return rec, r.expand(r.obj, []map[string]any{rec}, depth)
}

// readMany returns the records ids after a batch write, in that order,
// expanded to depth: a hundred records a statement.
func (r *restRequest) readMany(ids []string, depth int) ([]map[string]any, error) {
	rows, err := fetchRelated(r.w.DB, r.obj, "id", ids, 0)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]map[string]any, len(rows))
	for _, row := range rows {
		byID[sqldb.AsString(row["id"])] = row
	}
	recs := make([]map[string]any, len(ids))
	u := projections.NewUnflattener(r.obj)
	for i, id := range ids {
		row := byID[id]
		if row == nil {
			return nil, apierr.NewError(404, "Record not found")
		}
		recs[i] = u.Unflatten(row)
	}
	return recs, r.expand(r.obj, recs, depth)
}

// inItem prefixes a batch item's validation message with its index.
func inItem(err error, i int) error {
	var ve *domain.ValidationError
	if errors.As(err, &ve) {
		return &domain.ValidationError{Field: ve.Field, Rule: ve.Rule, Message: fmt.Sprintf("record %d: %s", i, ve.Message)}
	}
	return err
}

func (r *restRequest) updateOne(id string) (*Result, error) {
	depth, err := r.depth()
	if err != nil {
		return nil, err
	}
	if err := checkID(id); err != nil {
		return nil, err
	}
	data, err := decodeBody(r.req.Body)
	if err != nil {
		return nil, err
	}
	cmd := domain.RecordCommand{Kind: domain.Update, Object: r.obj.NameSingular, ID: id, Data: data}
	if v := r.req.Header("if-match"); v != "" {
		n, err := strconv.ParseInt(strings.Trim(strings.TrimPrefix(v, "W/"), `"`), 10, 64)
		if err != nil {
			return nil, apierr.NewError(400, "If-Match must be a record version number")
		}
		cmd.ExpectedVersion = &n
	}
	return r.mutate(200, func(commandID string) (map[string]any, []events.Event, error) {
		rec, evs, err := r.execute(cmd, commandID, depth)
		return map[string]any{r.name("update", false): rec}, evs, err
	})
}

func (r *restRequest) deleteOne(id string) (*Result, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	destroy := r.q.Get("soft_delete") == "false"
	return r.mutate(200, func(commandID string) (map[string]any, []events.Event, error) {
		if destroy {
			evs, err := r.w.Execute(domain.RecordCommand{Kind: domain.Destroy, Object: r.obj.NameSingular, ID: id}, r.actor(), commandID)
			if err != nil {
				return nil, nil, err
			}
			return map[string]any{r.name("delete", false): map[string]any{"id": id}}, evs, nil
		}
		rec, evs, err := r.execute(domain.RecordCommand{Kind: domain.Delete, Object: r.obj.NameSingular, ID: id}, commandID, 0)
		return map[string]any{r.name("delete", false): rec}, evs, err
	})
}

// merge runs the same domain.MergeCommand as GraphQL's merge<Objects>: the
// kept record after the merge, or for a dry run as it would be.
func (r *restRequest) merge() (*Result, error) {
	body, err := decodeBody(r.req.Body)
	if err != nil {
		return nil, err
	}
	list, _ := body["ids"].([]any)
	ids := make([]string, len(list))
	for i, v := range list {
		s, ok := v.(string)
		if !ok {
			return nil, apierr.NewError(400, "ids must be a list of UUIDs")
		}
		ids[i] = s
	}
	priority, err := strconv.Atoi(fmt.Sprint(body["conflictPriorityIndex"]))
	if err != nil {
		return nil, apierr.NewError(400, "conflictPriorityIndex must be an integer")
	}
	dryRun, _ := body["dryRun"].(bool)
	cmd := domain.MergeCommand{Object: r.obj.NameSingular, IDs: ids, Priority: priority}
	return r.mutate(200, func(commandID string) (map[string]any, []events.Event, error) {
		kept, merged, evs, err := r.w.ExecuteMerge(cmd, dryRun, r.actor(), commandID)
		if err != nil {
			return nil, nil, err
		}
		rec, err := r.read(kept, 0)
		if err == nil && dryRun {
			for k, v := range merged {
				rec[k] = v
			}
		}
		return map[string]any{"merge" + upperFirst(r.obj.NamePlural): rec}, evs, err
	})
}

func (r *restRequest) restoreOne(id string) (*Result, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	return r.mutate(200, func(commandID string) (map[string]any, []events.Event, error) {
		rec, evs, err := r.execute(domain.RecordCommand{Kind: domain.Restore, Object: r.obj.NameSingular, ID: id}, commandID, 0)
		return map[string]any{r.name("restore", false): rec}, evs, err
	})
}

// matches returns the ids of the records the request's (mandatory) filter
// selects, in (position, id) order; extra is ANDed to it.
func (r *restRequest) matches(op string, extra map[string]any) ([]string, error) {
	filter, err := query.ParseRESTFilter(r.q.Get("filter"))
	if err != nil {
		return nil, err
	}
	if err := r.w.AllowQuery(r.obj, filter, nil); err != nil {
		return nil, err
	}
	if len(filter) == 0 {
		return nil, apierr.NewError(400, fmt.Sprintf("Filters are mandatory for bulk %s operations. Please provide at least one filter to prevent accidental %s of all records.", op, opNoun[op]))
	}
	if extra != nil {
		filter = map[string]any{"and": []any{filter, extra}}
	}
	where, args, err := query.Where(r.w.Schema(), r.obj, r.table(), filter)
	if err != nil {
		return nil, err
	}
	sql := "SELECT id FROM " + projections.Q(r.table())
	if where != "" {
		sql += " WHERE " + where
	}
	rows, err := r.w.DB.Exec(fmt.Sprintf("%s ORDER BY %s LIMIT %d", sql, projections.DefaultOrder(r.obj), MaxBulkRecords+1), args...)
	if err != nil {
		return nil, err
	}
	if len(rows.Values) > MaxBulkRecords {
		return nil, apierr.NewError(413, fmt.Sprintf("the filter matches more than %d records; narrow it down", MaxBulkRecords))
	}
	ids := make([]string, len(rows.Values))
	for i, row := range rows.Values {
		ids[i] = sqldb.AsString(row[0])
	}
	return ids, nil
}

var opNoun = map[string]string{"delete": "deletion", "update": "update", "restore": "restoration"}

func (r *restRequest) updateMany() (*Result, error) {
	depth, err := r.depth()
	if err != nil {
		return nil, err
	}
	data, err := decodeBody(r.req.Body)
	if err != nil {
		return nil, err
	}
	ids, err := r.matches("update", nil)
	if err != nil {
		return nil, err
	}
	if err := r.w.AllowWrite(r.obj, data); err != nil {
		return nil, err
	}
	return r.mutate(200, func(commandID string) (map[string]any, []events.Event, error) {
		recs := []map[string]any{}
		var all []events.Event
		for _, id := range ids {
			evs, err := r.w.Execute(domain.RecordCommand{Kind: domain.Update, Object: r.obj.NameSingular, ID: id, Data: data}, r.actor(), commandID)
			if err != nil {
				return nil, nil, err
			}
			all = append(all, evs...)
			rec, err := r.read(id, depth)
			if err != nil {
				return nil, nil, err
			}
			recs = append(recs, rec)
		}
		return map[string]any{r.name("update", true): recs}, all, nil
	})
}

func (r *restRequest) deleteMany() (*Result, error) {
	destroy := r.q.Get("soft_delete") == "false"
	ids, err := r.matches("delete", nil)
	if err != nil {
		return nil, err
	}
	return r.mutate(200, func(commandID string) (map[string]any, []events.Event, error) {
		done := []map[string]any{}
		var all []events.Event
		for _, id := range ids {
			cur, err := r.w.Record(r.obj.NameSingular, id)
			if err != nil {
				return nil, nil, err
			}
			// Skip records an earlier destroy's cascade removed, and records
			// already soft-deleted (a filter on deletedAt can select them).
			if cur == nil || !destroy && cur.Deleted {
				continue
			}
			kind := domain.Delete
			if destroy {
				kind = domain.Destroy
			}
			evs, err := r.w.Execute(domain.RecordCommand{Kind: kind, Object: r.obj.NameSingular, ID: id}, r.actor(), commandID)
			if err != nil {
				return nil, nil, err
			}
			all = append(all, evs...)
			done = append(done, map[string]any{"id": id})
		}
		return map[string]any{r.name("delete", true): done}, all, nil
	})
}

func (r *restRequest) restoreMany() (*Result, error) {
	ids, err := r.matches("restore", map[string]any{"deletedAt": map[string]any{"is": "NOT_NULL"}})
	if err != nil {
		return nil, err
	}
	return r.mutate(200, func(commandID string) (map[string]any, []events.Event, error) {
		done := []map[string]any{}
		var all []events.Event
		for _, id := range ids {
			evs, err := r.w.Execute(domain.RecordCommand{Kind: domain.Restore, Object: r.obj.NameSingular, ID: id}, r.actor(), commandID)
			if err != nil {
				return nil, nil, err
			}
			all = append(all, evs...)
			done = append(done, map[string]any{"id": id})
		}
		return map[string]any{r.name("restore", true): done}, all, nil
	})
}

// ---- bodies ----

func decodeBody(body string) (map[string]any, error) {
	v, err := decodeJSON(body)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, apierr.NewError(400, "malformed JSON body: expected an object")
	}
	return m, nil
}

// DecodeBatch decodes a batch create's body as POST /rest/batch/<objects>
// does (tests/corebench times it).
func DecodeBatch(body string) ([]map[string]any, error) { return decodeArray(body) }

func decodeArray(body string) ([]map[string]any, error) {
	v, err := decodeJSON(body)
	if err != nil {
		return nil, err
	}
	list, ok := v.([]any)
	if !ok {
		return nil, apierr.NewError(400, "Body must be an array")
	}
	if len(list) == 0 {
		return nil, apierr.NewError(400, "Input must not be empty")
	}
	out := make([]map[string]any, len(list))
	for i, it := range list {
		m, ok := it.(map[string]any)
		if !ok {
			return nil, apierr.NewError(400, fmt.Sprintf("record %d: expected a JSON object", i))
		}
		out[i] = m
	}
	return out, nil
}

// decodeJSON decodes a body with its numbers as json.Number: record data
// goes to the domain as decoded, and Decide normalises it.
func decodeJSON(body string) (any, error) {
	if len(body) > MaxBodyBytes {
		return nil, apierr.NewError(413, fmt.Sprintf("request body is larger than %d bytes", MaxBodyBytes))
	}
	if strings.TrimSpace(body) == "" {
		return nil, apierr.NewError(400, "request body is empty: expected JSON")
	}
	if v, ok := fastJSON(body); ok {
		return v, nil
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(body)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, apierr.NewError(400, "malformed JSON body: "+err.Error())
	}
	if dec.More() {
		return nil, apierr.NewError(400, "malformed JSON body: trailing data after the value")
	}
	return v, nil
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

func relationTarget(f *domain.Field) string {
	if f.Relation == nil {
		return ""
	}
	return f.Relation.TargetObject
}
