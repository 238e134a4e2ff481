package realtime

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"edgecrm/domain"
	"edgecrm/durable"
	"edgecrm/durable/accounts"
	"edgecrm/durable/realtime/gqlws"
	"edgecrm/events"
	"edgecrm/host"
	"edgecrm/projections"
	"edgecrm/projections/query"
	"edgecrm/sqldb"
)

// recordEvent is a record event with its images, as the fan-out sees it.
type recordEvent struct {
	Seq           int64
	ID            string
	Time          time.Time
	Object        string
	Action        string
	RecordID      string
	UpdatedFields []string
	Before, After map[string]any // stored rows; nil when absent
}

// recordPayload is the part of every record event's payload the fan-out
// reads (RecordCreated, RecordUpdated and RecordRef all carry "id").
type recordPayload struct {
	ID      string         `msgpack:"id"`
	Changes map[string]any `msgpack:"changes"`
}

func isRecordEvent(typ string) bool {
	if domain.IsMetadataEvent(typ) || domain.IsViewEvent(typ) {
		return false
	}
	_, action := domain.SplitEventType(typ)
	switch action {
	case domain.ActionCreated, domain.ActionUpdated, domain.ActionDeleted, domain.ActionRestored, domain.ActionDestroyed:
		return true
	}
	return false
}

// ---- capturing images (Workspace.Observer) ----

// Recorder captures the images of the record events a call commits and
// computes their broadcast. Install it with Watch before the call's
// commands run; read Effects after they committed.
type Recorder struct {
	w       *durable.Workspace
	pending *recordEvent
	events  []recordEvent
}

var _ durable.ApplyObserver = (*Recorder)(nil)

// Watcher is what Watch arranged: its Recorder, if the call appended
// events while the workspace had subscriptions.
type Watcher struct{ rec *Recorder }

// Effects is the Recorder's Effects (nil when there was none).
func (wt *Watcher) Effects() ([]host.Effect, error) { return wt.rec.Effects() }

// Watch arranges for a Recorder on w, made when the call first appends
// events, if the workspace has subscriptions (or had some within
// ResumeWindow): the call's opening read answers that, so the check costs
// no query. Call it before the call executes commands.
func Watch(w *durable.Workspace) *Watcher {
	wt := &Watcher{}
	w.ObserveLazily(func() (durable.ApplyObserver, error) {
		rec, err := watch(w)
		if rec == nil {
			return nil, err // no typed nil in the interface
		}
		wt.rec = rec
		return rec, nil
	})
	return wt
}

func watch(w *durable.Workspace) (*Recorder, error) {
	// The call's opening read answered both (no socket call, the only
	// writer of either, runs a Watch).
	v := w.Vars()
	retain, now := v.Int("ws_retain_until"), w.Now().UnixMilli()
	if !v.Subscribed && retain < now {
		if retain > 0 {
			// The resume window passed with nobody listening: drop images.
			if _, err := w.DB.Exec(`DELETE FROM _ws_images`); err != nil {
				return nil, err
			}
			if err := v.Set("ws_retain_until", 0); err != nil {
				return nil, err
			}
		}
		return nil, nil
	}
	return &Recorder{w: w}, nil
}

// BeforeApply reads the record's row before ev changes it.
func (r *Recorder) BeforeApply(ev events.Event) error {
	r.pending = nil
	if !isRecordEvent(ev.Type) {
		return nil
	}
	object, action := domain.SplitEventType(ev.Type)
	if r.w.Schema().Object(object) == nil {
		return nil
	}
	f, err := ev.Fields() // decoded once for the projector and us
	if err != nil {
		return fmt.Errorf("realtime: decoding %s: %w", ev.Type, err)
	}
	id, _ := f["id"].(string)
	changes, _ := f["changes"].(map[string]any)
	var before map[string]any
	if action != domain.ActionCreated { // a created record has no row before
		if before, err = readRow(r.w.DB, object, id); err != nil {
			return err
		}
	}
	re := &recordEvent{Seq: ev.Seq, ID: ev.ID, Time: ev.Time, Object: object, Action: action, RecordID: id, Before: before}
	if action == domain.ActionUpdated {
		re.UpdatedFields = make([]string, 0, len(changes))
		for k := range changes {
			re.UpdatedFields = append(re.UpdatedFields, k)
		}
		sort.Strings(re.UpdatedFields)
	}
	r.pending = re
	return nil
}

// AfterApply reads the row after ev and stores both images.
func (r *Recorder) AfterApply(ev events.Event) error {
	re := r.pending
	r.pending = nil
	if re == nil || re.Seq != ev.Seq {
		return nil
	}
	after, err := readRow(r.w.DB, re.Object, re.RecordID)
	if err != nil {
		return err
	}
	re.After = after
	b, err := imageJSON(re.Before)
	if err != nil {
		return err
	}
	a, err := imageJSON(re.After)
	if err != nil {
		return err
	}
	if _, err := r.w.DB.Exec(`INSERT OR REPLACE INTO _ws_images (seq, before, after, updated) VALUES (?, ?, ?, ?)`,
		re.Seq, b, a, strings.Join(re.UpdatedFields, ",")); err != nil {
		return err
	}
	r.events = append(r.events, *re)
	return nil
}

// Effects returns the broadcast of what the call committed (nil when
// nothing), and prunes old images. Call it only when the call commits.
func (r *Recorder) Effects() ([]host.Effect, error) {
	if r == nil || len(r.events) == 0 {
		return nil, nil
	}
	r.w.Observer = nil
	last := r.events[len(r.events)-1].Seq
	if _, err := r.w.DB.Exec(`DELETE FROM _ws_images WHERE seq <= ?`, last-MaxImages); err != nil {
		return nil, err
	}
	first := r.events[0].Seq
	e, err := fanout(r.w, fanoutCtx{From: first, To: last, Win: first}, r.events)
	if err != nil || e == nil {
		return nil, err
	}
	return []host.Effect{*e}, nil
}

func readRow(db sqldb.DB, object, id string) (map[string]any, error) {
	rows, err := db.Exec(fmt.Sprintf(`SELECT * FROM %s WHERE id = ?`, projections.Q(object)), id)
	if err != nil {
		return nil, err
	}
	m := rows.Maps()
	if len(m) == 0 {
		return nil, nil
	}
	delete(m[0], "_version")
	return m[0], nil
}

func imageJSON(row map[string]any) (any, error) {
	if row == nil {
		return nil, nil
	}
	b, err := json.Marshal(row)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

func decodeImage(v any) (map[string]any, error) {
	if v == nil {
		return nil, nil
	}
	dec := json.NewDecoder(strings.NewReader(sqldb.AsString(v)))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("realtime: bad image: %w", err)
	}
	for k, x := range m { // stored rows hold int64 and float64
		if n, ok := x.(json.Number); ok {
			if i, err := n.Int64(); err == nil {
				m[k] = i
			} else {
				f, _ := n.Float64()
				m[k] = f
			}
		}
	}
	return m, nil
}

// loadEvents reads the record events with seq in [from, to] from the log
// and their images. A record event without an image (captured only while
// someone listens) is a userError: it cannot be replayed.
func loadEvents(w *durable.Workspace, from, to int64) ([]recordEvent, error) {
	if to < from {
		return nil, nil
	}
	evs, err := w.Store.ReadFrom(from-1, int(to-from+1))
	if err != nil {
		return nil, err
	}
	rows, err := w.DB.Exec(`SELECT seq, before, after, updated FROM _ws_images WHERE seq >= ? AND seq <= ?`, from, to)
	if err != nil {
		return nil, err
	}
	type img struct {
		before, after any
		updated       string
	}
	images := make(map[int64]img, len(rows.Values))
	for _, r := range rows.Values {
		images[sqldb.AsInt(r[0])] = img{r[1], r[2], sqldb.AsString(r[3])}
	}
	out := make([]recordEvent, 0, len(evs))
	for _, ev := range evs {
		if !isRecordEvent(ev.Type) {
			continue
		}
		im, ok := images[ev.Seq]
		if !ok {
			return nil, userErrorf("event %d is older than the events kept for resuming (a workspace keeps the last %d, while someone is subscribed or for %s after): refetch and subscribe without lastSeq", ev.Seq, MaxImages, ResumeWindow)
		}
		object, action := domain.SplitEventType(ev.Type)
		var p recordPayload
		if err := ev.Decode(&p); err != nil {
			return nil, err
		}
		re := recordEvent{Seq: ev.Seq, ID: ev.ID, Time: ev.Time, Object: object, Action: action, RecordID: p.ID}
		if im.updated != "" {
			re.UpdatedFields = strings.Split(im.updated, ",")
		} else if action == domain.ActionUpdated {
			re.UpdatedFields = []string{}
		}
		if re.Before, err = decodeImage(im.before); err != nil {
			return nil, err
		}
		if re.After, err = decodeImage(im.after); err != nil {
			return nil, err
		}
		out = append(out, re)
	}
	return out, nil
}

// ---- matching and rendering ----

// compiledSpec is a subscription spec with its filter compiled.
type compiledSpec struct {
	spec    *gqlws.DBEventSpec
	matcher *query.Matcher // nil: no filter
	shape   string
	role    *domain.Role // spec.Role's permissions (nil: reads everything)
}

// key identifies the payloads of cs: the same for every spec of its shape
// and role.
func (cs *compiledSpec) key() string { return cs.shape + "\x00" + cs.spec.Role }

func compileSpec(w *durable.Workspace, spec *gqlws.DBEventSpec) (*compiledSpec, error) {
	cs := &compiledSpec{spec: spec}
	if spec.Role != "" {
		r, err := accounts.RoleOf(w, spec.Role)
		if err != nil {
			return nil, err
		}
		cs.role = r
	}
	if spec.Object == "" {
		return cs, nil
	}
	schema := w.Schema()
	obj := schema.Object(spec.Object)
	if obj == nil {
		return nil, userErrorf("onDbEvent: unknown object %q (objectNameSingular)", spec.Object)
	}
	if spec.Filter != nil {
		m, err := query.NewMatcher(schema, obj, spec.Filter)
		if err != nil {
			if qe, ok := err.(*query.Error); ok {
				return nil, userErrorf("onDbEvent filter: %s", qe.Message)
			}
			return nil, err
		}
		cs.matcher = m
	}
	return cs, nil
}

// matchCtx caches, for one call, relation lookups and rendered payloads.
type matchCtx struct {
	w        *durable.Workspace
	rows     map[string]map[string]any
	payloads map[string][]byte
}

func newMatchCtx(w *durable.Workspace) *matchCtx {
	return &matchCtx{w: w, rows: map[string]map[string]any{}, payloads: map[string][]byte{}}
}

func (m *matchCtx) lookup(object, id string) (map[string]any, error) {
	key := object + "\x00" + id
	if r, ok := m.rows[key]; ok {
		return r, nil
	}
	if m.w.Schema().Object(object) == nil {
		return nil, nil
	}
	r, err := readRow(m.w.DB, object, id)
	if err != nil {
		return nil, err
	}
	m.rows[key] = r
	return r, nil
}

// wants reports whether subscription cs receives ev: object, action and
// record constraints, then the filter on the record before or after.
func (m *matchCtx) wants(cs *compiledSpec, ev *recordEvent) (bool, error) {
	if cs == nil || !cs.spec.Wants(ev.Object, ev.Action, ev.RecordID) {
		return false, nil
	}
	if cs.role != nil { // a custom role hears only of what it may read
		if obj := m.w.Schema().Object(ev.Object); obj == nil || !cs.role.Can(obj.ID, domain.ActRead) {
			return false, nil
		}
	}
	if cs.matcher == nil {
		return true, nil
	}
	for _, img := range []map[string]any{ev.Before, ev.After} {
		if img == nil {
			continue
		}
		ok, err := cs.matcher.Match(img, m.lookup)
		if err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

// payload renders ev for cs's shape, without the fields cs's role may not
// read (cached per call).
func (m *matchCtx) payload(cs *compiledSpec, ev *recordEvent) ([]byte, error) {
	key := fmt.Sprintf("%d\x00%s", ev.Seq, cs.key())
	if p, ok := m.payloads[key]; ok {
		return p, nil
	}
	de := &gqlws.DBEvent{
		Seq: ev.Seq, EventID: ev.ID, EventDate: ev.Time.UTC().Format(projections.TimeLayout),
		Action: ev.Action, Object: ev.Object, RecordID: ev.RecordID, UpdatedFields: ev.UpdatedFields,
	}
	if obj := m.w.Schema().Object(ev.Object); obj != nil {
		if ev.Before != nil {
			de.Before = projections.Unflatten(obj, ev.Before)
		}
		if ev.After != nil {
			de.After = projections.Unflatten(obj, ev.After)
		}
		if cs.role != nil {
			hideFields(cs.role, m.w.Schema(), obj, de)
		}
	}
	p, err := gqlws.Payload(cs.shape, de)
	if err != nil {
		return nil, err
	}
	m.payloads[key] = p
	return p, nil
}

// hideFields removes from de the fields of obj role may not read.
func hideFields(role *domain.Role, schema *domain.Schema, obj *domain.Object, de *gqlws.DBEvent) {
	hidden := role.Unreadable(schema, obj)
	if len(hidden) == 0 {
		return
	}
	for name := range hidden { // a payload holds a relation's join column
		delete(de.Before, name)
		delete(de.After, name)
	}
	if de.UpdatedFields != nil { // a copy: the event's list is shared
		kept := []string{}
		for _, n := range de.UpdatedFields {
			if !hidden[n] {
				kept = append(kept, n)
			}
		}
		de.UpdatedFields = kept
	}
}

// ---- fan-out ----

// fanoutCtx is where a broadcast is: the committed events [From, To], the
// window of events being sent (starting at Win), and the last subscription
// (Conn, Sub) of that window already handled.
type fanoutCtx struct {
	From int64  `json:"from"`
	To   int64  `json:"to"`
	Win  int64  `json:"win"`
	Conn string `json:"conn,omitempty"`
	Sub  string `json:"sub,omitempty"`
	N    int    `json:"n,omitempty"` // chunks sent so far
}

// ChunksPerYield is how many chunks go out back to back before the chain
// lets other events run (requests, the runtime's socket writes): about
// 4,000 sends and 100 ms of work; yielding after every chunk made a
// 3,000-socket fan-out about 1.6x slower.
var ChunksPerYield = 4

// Fanout is the continuation of a ws.broadcast: forget the sockets the
// shell could not reach, then compute the next chunk.
func Fanout(w *durable.Workspace, in host.ResumeInput) (*host.Output, error) {
	var c fanoutCtx
	if err := json.Unmarshal(in.Ctx, &c); err != nil {
		return nil, err
	}
	var res host.BroadcastResult
	if len(in.Result) > 0 {
		_ = json.Unmarshal(in.Result, &res)
	}
	if _, err := Gone(w, res.Gone); err != nil {
		return nil, err
	}
	e, err := fanout(w, c, nil)
	if err != nil {
		return nil, err
	}
	out := &host.Output{}
	if e != nil {
		out.Effects = []host.Effect{*e}
	}
	return out, nil
}

// fanout computes one broadcast chunk from c: at most FanoutSubs
// subscriptions (and the rest of the last one's socket) over at most
// FanoutEvents events. known holds the events when the caller has them
// (the committing call), else they are read. The subscriptions come from
// the isolate's index, grouped per spec: the work per event is per spec
// and per shape, never per socket.
func fanout(w *durable.Workspace, c fanoutCtx, known []recordEvent) (*host.Effect, error) {
	idx, err := loadIndex(w)
	if err != nil {
		return nil, err
	}
	m := newMatchCtx(w)
	var out []host.BroadcastGroup
	budget := FanoutSubs
	for budget > 0 && c.Win <= c.To {
		end := c.Win + int64(FanoutEvents) - 1
		if end > c.To {
			end = c.To
		}
		var window []recordEvent
		if known != nil {
			for _, ev := range known {
				if ev.Seq >= c.Win && ev.Seq <= end {
					window = append(window, ev)
				}
			}
		} else {
			if window, err = loadEvents(w, c.Win, end); err != nil {
				if _, ok := err.(*userError); !ok {
					return nil, err
				}
				window = nil // images pruned meanwhile: nothing to send
			}
		}
		done := true
		if start := idx.after(c.Conn, c.Sub); len(window) > 0 && start < len(idx.subs) {
			ch := idx.chunkAt(start)
			budget -= ch.end - start
			// Events in order, so that every socket gets its frames in seq
			// order; one group per event and shape.
			for i := range window {
				ev := &window[i]
				byShape := map[string]int{}
				for _, g := range ch.groups {
					ok, err := m.wants(g.spec, ev)
					if err != nil {
						return nil, err
					}
					if !ok {
						continue
					}
					to := g.targets(ev.Seq)
					if len(to) == 0 {
						continue
					}
					if gi, seen := byShape[g.spec.key()]; seen { // another spec of the same shape and role
						out[gi].To += " " + to
						continue
					}
					p, err := m.payload(g.spec, ev)
					if err != nil {
						return nil, err
					}
					head, tail := gqlws.NextFrameParts(p)
					byShape[g.spec.key()] = len(out)
					out = append(out, host.BroadcastGroup{Head: head, Tail: tail, To: to})
				}
			}
			last := idx.subs[ch.end-1]
			c.Conn, c.Sub = last.conn, last.sub
			done = ch.end == len(idx.subs)
		}
		if done {
			c.Win, c.Conn, c.Sub = end+1, "", ""
		}
	}
	more := c.Win <= c.To
	if len(out) == 0 && !more {
		return nil, nil
	}
	// The continuation forgets the sockets found gone, then sends the next
	// chunk, if any.
	c.N++
	ctx, _ := json.Marshal(c)
	return &host.Effect{Kind: host.EffectWSBroadcast, Groups: out, Serial: true, Yield: c.N > 1 && (c.N-1)%ChunksPerYield == 0,
		Resume: &host.Resume{Entry: host.EntryWSFanout, Ctx: ctx}}, nil
}
