package workflow

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Run statuses (Twenty's workflowRun.status).
const (
	RunNotStarted = "NOT_STARTED"
	RunEnqueued   = "ENQUEUED"
	RunRunning    = "RUNNING"
	RunCompleted  = "COMPLETED"
	RunFailed     = "FAILED"
	RunStopping   = "STOPPING"
	RunStopped    = "STOPPED"
)

// Step statuses (Twenty's stepInfos[*].status).
const (
	StatusNotStarted = "NOT_STARTED"
	StatusRunning    = "RUNNING"
	StatusSuccess    = "SUCCESS"
	StatusFailed     = "FAILED"
	StatusSkipped    = "SKIPPED"
	StatusPending    = "PENDING" // a FORM waiting for its answer
	StatusStopped    = "STOPPED"
)

// RetryBackoff is the wait before each retry of a step with
// settings.errorHandlingOptions.retryOnFailure: three retries.
var RetryBackoff = []time.Duration{time.Second, 5 * time.Second, 15 * time.Second}

// StepInfo is one step's outcome in a run's state.
type StepInfo struct {
	Status string `json:"status"`
	Result any    `json:"result,omitempty"`
	Error  string `json:"error,omitempty"`
}

// State is Twenty's workflowRun.state: the flow the run follows and each
// step's outcome ("trigger" holds the trigger's payload).
type State struct {
	Flow      *Flow                `json:"flow"`
	StepInfos map[string]*StepInfo `json:"stepInfos"`
}

// Run is a run's whole state: Twenty's State plus the engine's own
// bookkeeping (what is ready, timers, attempts, iterations). It is plain
// data: durable/workflows stores it as JSON between calls.
type Run struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Depth  int    `json:"depth"` // causation depth: runs started by this run's writes are Depth+1
	State  State  `json:"state"`
	Error  string `json:"error,omitempty"`

	Queue     []string         `json:"queue,omitempty"`     // steps ready to run, in order
	WakeAt    map[string]int64 `json:"wakeAt,omitempty"`    // step → ms: DELAY end or retry back-off
	Attempts  map[string]int   `json:"attempts,omitempty"`  // failed attempts of a step's current execution
	Execs     map[string]int   `json:"execs,omitempty"`     // executions of a step (iterations), for its idempotency key
	Iter      map[string]int   `json:"iter,omitempty"`      // iterator → next item index
	Activated map[string]bool  `json:"activated,omitempty"` // a step some finished parent chose to run
}

// Task is a step the host must do (record actions, HTTP, email). Key is
// stable across retries of the same execution (an idempotency key, and
// the root of the command id of its writes).
type Task struct {
	StepID  string
	Type    string
	Input   map[string]any // settings.input, variables resolved
	Attempt int            // 1 for the first attempt
	Key     string
}

// hostSteps are the steps Next hands to the host; ioSteps need I/O outside
// the object (the host may defer them: Next(now, false)).
var (
	hostSteps = map[string]bool{StepCreateRecord: true, StepUpdateRecord: true, StepDeleteRecord: true,
		StepUpsertRecord: true, StepFindRecords: true, StepHTTPRequest: true, StepSendEmail: true}
	ioSteps = map[string]bool{StepHTTPRequest: true, StepSendEmail: true}
)

// NewRun starts a run of flow: the trigger succeeded with payload and the
// steps it names are ready.
func NewRun(id string, flow *Flow, payload any, depth int) *Run {
	r := &Run{ID: id, Status: RunRunning, Depth: depth, State: State{Flow: flow}}
	r.ensure()
	if payload == nil {
		payload = map[string]any{}
	}
	r.State.StepInfos["trigger"] = &StepInfo{Status: StatusSuccess, Result: payload}
	for _, s := range flow.Steps {
		r.State.StepInfos[s.ID] = &StepInfo{Status: StatusNotStarted}
	}
	if flow.Trigger != nil {
		r.follow("trigger", flow.Trigger.NextStepIDs, nil)
	}
	r.settle()
	return r
}

// Fail ends a run before its first step (the loop guard, a bad trigger).
func (r *Run) FailRun(msg string) {
	r.Status, r.Error, r.Queue = RunFailed, msg, nil
}

// Context is what variables resolve against: "trigger" and each step's result.
func (r *Run) Context() map[string]any {
	ctx := map[string]any{}
	for id, info := range r.State.StepInfos {
		if info.Result != nil {
			ctx[id] = info.Result
		}
	}
	return ctx
}

// ensure makes the bookkeeping maps (left nil by JSON when empty) usable.
func (r *Run) ensure() {
	if r.WakeAt == nil {
		r.WakeAt = map[string]int64{}
	}
	if r.Attempts == nil {
		r.Attempts = map[string]int{}
	}
	if r.Execs == nil {
		r.Execs = map[string]int{}
	}
	if r.Iter == nil {
		r.Iter = map[string]int{}
	}
	if r.Activated == nil {
		r.Activated = map[string]bool{}
	}
	if r.State.StepInfos == nil {
		r.State.StepInfos = map[string]*StepInfo{}
	}
}

func (r *Run) info(id string) *StepInfo {
	if r.State.StepInfos[id] == nil {
		r.State.StepInfos[id] = &StepInfo{Status: StatusNotStarted}
	}
	return r.State.StepInfos[id]
}

// Next runs the ready steps the engine decides alone (EMPTY, FILTER,
// IF_ELSE, ITERATOR, DELAY once due, FORM until it waits) and returns the
// next step the host must do, marked RUNNING, or nil when nothing can run
// now. With io false, HTTP_REQUEST and SEND_EMAIL stay queued (the host
// runs them later, from its alarm).
func (r *Run) Next(now time.Time, io bool) *Task {
	r.ensure()
	for r.Status == RunRunning {
		i := slices.IndexFunc(r.Queue, func(id string) bool {
			s := r.State.Flow.Step(id)
			return s == nil || (r.WakeAt[id] <= now.UnixMilli() && (io || !ioSteps[s.Type]))
		})
		if i < 0 {
			break
		}
		id := r.Queue[i]
		r.Queue = slices.Delete(r.Queue, i, i+1)
		s := r.State.Flow.Step(id)
		if s == nil {
			continue
		}
		if t := r.step(s, now); t != nil {
			return t
		}
	}
	r.settle()
	return nil
}

// step runs one ready step: a host step becomes a Task, the others are
// decided here.
func (r *Run) step(s *Step, now time.Time) *Task {
	info := r.info(s.ID)
	ctx := r.Context()
	if hostSteps[s.Type] {
		if info.Status != StatusRunning { // a retry or a re-issue keeps its execution's key
			r.Execs[s.ID]++
		}
		info.Status = StatusRunning
		input, _ := Resolve(s.Input(), ctx).(map[string]any)
		return &Task{StepID: s.ID, Type: s.Type, Input: input, Attempt: r.Attempts[s.ID] + 1,
			Key: fmt.Sprintf("%s:%s:%d", r.ID, s.ID, r.Execs[s.ID])}
	}
	switch s.Type {
	case StepEmpty:
		r.succeed(s, map[string]any{}, s.NextStepIDs, nil)
	case StepFilter:
		ok, err := filtersOf(s.Input()).Match("", ctx)
		switch {
		case err != nil:
			r.fail(s, err.Error(), now)
		case ok:
			r.succeed(s, map[string]any{"matchesFilter": true}, s.NextStepIDs, nil)
		default: // the branch ends here
			r.succeed(s, map[string]any{"matchesFilter": false}, nil, s.NextStepIDs)
		}
	case StepIfElse:
		f := filtersOf(s.Input())
		var chosen *branch
		var others []string
		for _, b := range branches(s) {
			ok := chosen == nil && b.group == ""
			if chosen == nil && b.group != "" {
				var err error
				if ok, err = f.Match(b.group, ctx); err != nil {
					r.fail(s, err.Error(), now)
					return nil
				}
			}
			if ok {
				chosen = &b
			} else {
				others = append(others, b.next...)
			}
		}
		if chosen == nil {
			r.succeed(s, map[string]any{"matchingBranchId": nil}, nil, others)
		} else {
			r.succeed(s, map[string]any{"matchingBranchId": chosen.id}, chosen.next, others)
		}
	case StepIterator:
		r.iterate(s, ctx, now)
	case StepDelay:
		if at, ok := r.WakeAt[s.ID]; ok {
			delete(r.WakeAt, s.ID)
			if at <= now.UnixMilli() {
				r.succeed(s, map[string]any{"success": true}, s.NextStepIDs, nil)
				return nil
			}
		}
		d, err := delayOf(Resolve(s.Input(), ctx).(map[string]any), now)
		if err != nil {
			r.fail(s, err.Error(), now)
			return nil
		}
		info.Status = StatusRunning
		r.WakeAt[s.ID] = now.Add(d).UnixMilli()
		r.Queue = append(r.Queue, s.ID)
	case StepForm:
		info.Status = StatusPending
	default:
		msg := unavailable[s.Type]
		if msg == "" {
			msg = fmt.Sprintf("unknown step type %q", s.Type)
		}
		r.fail(s, msg, now)
	}
	return nil
}

// delayOf reads a DELAY step's input: delayType DURATION with duration
// {days, hours, minutes, seconds}, or SCHEDULED_DATE with scheduledDateTime.
func delayOf(in map[string]any, now time.Time) (time.Duration, error) {
	if in["delayType"] == "SCHEDULED_DATE" {
		at, err := time.Parse(time.RFC3339, str(in["scheduledDateTime"]))
		if err != nil {
			return 0, fmt.Errorf("DELAY: scheduledDateTime %v is not an ISO date-time", in["scheduledDateTime"])
		}
		return max(0, at.Sub(now)), nil
	}
	dur, _ := in["duration"].(map[string]any)
	var d time.Duration
	for k, unit := range map[string]time.Duration{"days": 24 * time.Hour, "hours": time.Hour, "minutes": time.Minute, "seconds": time.Second} {
		n, _ := dur[k].(float64)
		if n < 0 {
			return 0, fmt.Errorf("DELAY: duration.%s must not be negative", k)
		}
		d += time.Duration(n * float64(unit))
	}
	return d, nil
}

// iterate starts the iterator's next item (its loop steps become ready,
// their previous outcomes forgotten) or, past the last one, succeeds.
func (r *Run) iterate(s *Step, ctx map[string]any, now time.Time) {
	items := Resolve(s.Input()["items"], ctx)
	if txt, ok := items.(string); ok {
		_ = json.Unmarshal([]byte(txt), &items)
	}
	if items == nil {
		items = []any{}
	}
	list, ok := items.([]any)
	if !ok {
		r.fail(s, fmt.Sprintf("ITERATOR: items must be a list, got %T", items), now)
		return
	}
	i := r.Iter[s.ID]
	if i >= len(list) {
		delete(r.Iter, s.ID)
		r.succeed(s, map[string]any{"currentItemIndex": len(list), "hasProcessedAllItems": true}, s.NextStepIDs, nil)
		return
	}
	r.Iter[s.ID] = i + 1
	info := r.info(s.ID)
	info.Status = StatusRunning
	info.Result = map[string]any{"currentItem": list[i], "currentItemIndex": i, "hasProcessedAllItems": false}
	for _, b := range r.body(s) {
		r.State.StepInfos[b] = &StepInfo{Status: StatusNotStarted}
		delete(r.Activated, b)
		delete(r.Attempts, b)
		delete(r.WakeAt, b)
	}
	starts := stringList(s.Input()["initialLoopStepIds"])
	if len(starts) == 0 {
		r.Queue = append(r.Queue, s.ID) // an empty loop: on to the next item
	}
	for _, n := range starts {
		r.Activated[n] = true
		r.Queue = append(r.Queue, n)
	}
}

// body is the iterator's loop: the steps reachable from its
// initialLoopStepIds without passing through it.
func (r *Run) body(it *Step) []string {
	seen := map[string]bool{}
	var out []string
	todo := stringList(it.Input()["initialLoopStepIds"])
	for len(todo) > 0 {
		id := todo[0]
		todo = todo[1:]
		if seen[id] || id == it.ID {
			continue
		}
		seen[id] = true
		out = append(out, id)
		if s := r.State.Flow.Step(id); s != nil {
			todo = append(todo, edges(s)...)
		}
	}
	return out
}

// edges are every step a step may lead to.
func edges(s *Step) []string {
	out := append([]string(nil), s.NextStepIDs...)
	if s.Type == StepIfElse {
		for _, b := range branches(s) {
			out = append(out, b.next...)
		}
	}
	if s.Type == StepIterator {
		out = append(out, stringList(s.Input()["initialLoopStepIds"])...)
	}
	return out
}

// Complete records a host step's result; the steps after it get ready.
func (r *Run) Complete(stepID string, result any) {
	r.ensure()
	s := r.State.Flow.Step(stepID)
	if s == nil || r.Status != RunRunning || r.info(stepID).Status != StatusRunning {
		return // a late answer for a stopped run, or a duplicate
	}
	r.succeed(s, result, s.NextStepIDs, nil)
	r.settle()
}

// Fail records a host step's failure: retried after RetryBackoff when the
// step asks for it, else the step fails and, unless it continues on
// failure, so does the run.
func (r *Run) Fail(stepID, msg string, now time.Time) {
	r.ensure()
	s := r.State.Flow.Step(stepID)
	if s == nil || r.Status != RunRunning || r.info(stepID).Status != StatusRunning {
		return
	}
	r.fail(s, msg, now)
	r.settle()
}

func (r *Run) fail(s *Step, msg string, now time.Time) {
	info := r.info(s.ID)
	info.Error = msg
	r.Attempts[s.ID]++
	if n := r.Attempts[s.ID]; s.option("retryOnFailure") && hostSteps[s.Type] && n <= len(RetryBackoff) {
		info.Status = StatusRunning
		r.WakeAt[s.ID] = now.Add(RetryBackoff[n-1]).UnixMilli()
		r.Queue = append(r.Queue, s.ID)
		return
	}
	info.Status = StatusFailed
	delete(r.Attempts, s.ID)
	if s.option("continueOnFailure") {
		r.follow(s.ID, s.NextStepIDs, nil)
		return
	}
	r.Status, r.Error, r.Queue = RunFailed, fmt.Sprintf("step %s (%s) failed: %s", s.ID, s.Type, msg), nil
}

func (r *Run) succeed(s *Step, result any, active, inactive []string) {
	info := r.info(s.ID)
	info.Status, info.Result, info.Error = StatusSuccess, result, ""
	delete(r.Attempts, s.ID)
	delete(r.WakeAt, s.ID)
	r.follow(s.ID, active, inactive)
}

// follow tells the steps after from that it finished: those in active
// were chosen to run. A step runs once all its parents finished and one
// chose it; a step no parent chose is skipped, and so on down the graph.
func (r *Run) follow(from string, active, inactive []string) {
	for _, n := range active {
		r.Activated[n] = true
	}
	for _, n := range append(append([]string(nil), active...), inactive...) {
		r.ready(n)
	}
}

func (r *Run) ready(n string) {
	s := r.State.Flow.Step(n)
	if s == nil || r.info(n).Status != StatusNotStarted || slices.Contains(r.Queue, n) {
		return
	}
	for _, p := range r.parents(s) {
		if !terminal(r.info(p).Status) {
			return
		}
	}
	if r.Activated[n] {
		r.Queue = append(r.Queue, n)
		return
	}
	r.info(n).Status = StatusSkipped
	r.follow(n, nil, edges(s))
}

// parents are the steps with an edge to s, except an iterator's own loop
// (the edge back from its body) and the iterator above a loop start.
func (r *Run) parents(s *Step) []string {
	var out []string
	if t := r.State.Flow.Trigger; t != nil && slices.Contains(t.NextStepIDs, s.ID) {
		out = append(out, "trigger")
	}
	var loop []string
	if s.Type == StepIterator {
		loop = r.body(s)
	}
	for _, p := range r.State.Flow.Steps {
		if slices.Contains(loop, p.ID) || !slices.Contains(edges(p), s.ID) {
			continue
		}
		if p.Type == StepIterator && slices.Contains(stringList(p.Input()["initialLoopStepIds"]), s.ID) && !slices.Contains(p.NextStepIDs, s.ID) {
			continue
		}
		out = append(out, p.ID)
	}
	return out
}

func terminal(status string) bool {
	return status == StatusSuccess || status == StatusFailed || status == StatusSkipped || status == StatusStopped
}

// settle moves running iterators whose loop finished to their next item
// and completes the run when nothing is left to do.
func (r *Run) settle() {
	if r.Status != RunRunning {
		return
	}
	for _, s := range r.State.Flow.Steps {
		if s.Type != StepIterator || r.info(s.ID).Status != StatusRunning || slices.Contains(r.Queue, s.ID) {
			continue
		}
		done := true
		for _, b := range r.body(s) {
			done = done && terminal(r.info(b).Status)
		}
		if done {
			r.Queue = append(r.Queue, s.ID)
		}
	}
	if len(r.Queue) > 0 {
		return
	}
	for _, info := range r.State.StepInfos {
		if info.Status == StatusRunning || info.Status == StatusPending {
			return
		}
	}
	r.Status = RunCompleted
}

// Due is when the run can go on by itself: the earliest queued step's
// time (ms; now for steps ready at once); ok is false when it waits for
// nothing it can do alone (a host answer, a form, or it has ended).
func (r *Run) Due() (at int64, ok bool) {
	if r.Status != RunRunning {
		return 0, false
	}
	for _, id := range r.Queue {
		w := r.WakeAt[id]
		if !ok || w < at {
			at, ok = w, true
		}
	}
	return at, ok
}

// Submit answers a FORM step that waits (PENDING): its response is its result.
func (r *Run) Submit(stepID string, response any) error {
	r.ensure()
	s := r.State.Flow.Step(stepID)
	if s == nil || s.Type != StepForm {
		return invalid("stepId", "step %q is not a form step of this run", stepID)
	}
	if r.Status != RunRunning || r.info(stepID).Status != StatusPending {
		return invalid("stepId", "form step %q is not waiting for an answer (run %s, step %s)", stepID, r.Status, r.info(stepID).Status)
	}
	r.succeed(s, response, s.NextStepIDs, nil)
	r.settle()
	return nil
}

// Stop ends a run: what was running or waiting is stopped.
func (r *Run) Stop() {
	if r.Status != RunRunning && r.Status != RunNotStarted && r.Status != RunEnqueued {
		return
	}
	for _, info := range r.State.StepInfos {
		if info.Status == StatusRunning || info.Status == StatusPending {
			info.Status = StatusStopped
		}
	}
	r.Status, r.Queue = RunStopped, nil
}

// Reissue queues again the host steps that are RUNNING but neither queued
// nor waiting: their answer was lost (the object was evicted while an HTTP
// request was in flight). The new attempt keeps the step's key.
func (r *Run) Reissue() {
	r.ensure()
	if r.Status != RunRunning {
		return
	}
	for _, s := range r.State.Flow.Steps {
		if hostSteps[s.Type] && r.info(s.ID).Status == StatusRunning && !slices.Contains(r.Queue, s.ID) {
			r.Queue = append(r.Queue, s.ID)
		}
	}
}
