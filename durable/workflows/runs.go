// Package workflows runs Twenty's workflows durably in the workspace
// object: activation (the version's trigger becomes a row of
// _wf_triggers), runs (domain/workflow's state machine, stored whole in
// _wf_runs and projected onto the workflowRun record), the steps' I/O
// (record commands in the object's transaction, HTTP through the
// http.fetch effect) and the triggers: MANUAL (runWorkflowVersion),
// DATABASE_EVENT (the EVENTS consumer's notice, like webhooks), CRON and
// timers (the object's one alarm).
//
// Side effects happen once: a record step's writes carry a command id
// derived from the run, the step and its execution, and commit in the same
// transaction as the run state that records them, so a step is never
// written twice; an HTTP step carries an Idempotency-Key that is the same
// on every retry. A run started by the event of a database trigger has a
// deterministic id (workflow + event), so a redelivered event starts
// nothing new. Events written by a run carry its causation (the command
// id's depth): a chain of runs retriggering each other stops at MaxDepth
// with a failed run that says so.
package workflows

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"edgecrm/domain"
	"edgecrm/domain/workflow"
	"edgecrm/durable"
	"edgecrm/host"
	"edgecrm/sqldb"
)

// Policy.
const (
	MaxDepth   = 5  // runs caused by runs caused by ... at most this deep
	Batch      = 25 // runs one alarm advances
	leaseMs    = 60_000
	soon       = 1 // ms: "now" for an alarm (the shell needs a delay)
	actor      = "workflow"
	pruneBatch = 10 // ended runs forgotten per new run (bounded work)
)

// Retention: ended runs beyond the newest MaxRunsPerWorkflow of their
// workflow, or older than RunRetention, are forgotten (run and record).
var (
	RunsPerMinute         = 100 // per workspace; beyond it new runs wait NOT_STARTED
	RunsPerWorkflowMinute = 60  // per workflow, so that one workflow cannot take the workspace's whole rate
	MaxRunsPerWorkflow    = 1000
	RunRetention          = 14 * 24 * time.Hour
)

// stored is a run as _wf_runs keeps it.
type stored struct {
	Run        *workflow.Run `json:"run"`
	WorkflowID string        `json:"workflowId"`
	VersionID  string        `json:"versionId"`
	Name       string        `json:"name"`
	CreatedAt  string        `json:"createdAt"`
	StartedAt  string        `json:"startedAt,omitempty"`
	EndedAt    string        `json:"endedAt,omitempty"`
	// LeaseUntil (ms): until then a step's request may still be in flight;
	// after it, a step still RUNNING without an answer is asked again.
	LeaseUntil int64 `json:"leaseUntil,omitempty"`
	inFlight   bool
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// CommandID names the writes of a run: its causation depth, the run and
// what writes (a step's execution key, or "run" for the run record).
func CommandID(depth int, key string) string { return fmt.Sprintf("wf:%d:%s", depth, key) }

// Causation reads the depth of the run that wrote an event (ok false for
// events no run wrote).
func Causation(commandID string) (depth int, ok bool) {
	rest, ok := strings.CutPrefix(commandID, "wf:")
	if !ok {
		return 0, false
	}
	d, _, _ := strings.Cut(rest, ":")
	n, err := strconv.Atoi(d)
	return n, err == nil
}

func load(w *durable.Workspace, id string) (*stored, error) {
	rows, err := w.DB.Exec(`SELECT data FROM _wf_runs WHERE id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(rows.Values) == 0 {
		return nil, fmt.Errorf("%w: no workflow run %q", domain.ErrNotFound, id)
	}
	var s stored
	if err := json.Unmarshal([]byte(sqldb.AsString(rows.Values[0][0])), &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// start begins a run of version (its flow already parsed): throttled past
// RunsPerMinute, failed at once past MaxDepth, otherwise advanced as far
// as it goes without I/O. An existing run id starts nothing (redelivery).
func start(w *durable.Workspace, runID, workflowID, versionID string, flow *workflow.Flow, payload any, depth int) ([]host.Effect, error) {
	if _, err := load(w, runID); err == nil {
		return nil, nil
	} else if !errors.Is(err, domain.ErrNotFound) {
		return nil, err
	}
	now := w.Now()
	if err := prune(w, workflowID, now); err != nil {
		return nil, err
	}
	r := workflow.NewRun(runID, flow, payload, depth)
	s := &stored{Run: r, WorkflowID: workflowID, VersionID: versionID, CreatedAt: stamp(now)}
	n, err := w.DB.Exec(`SELECT count(*) FROM _wf_runs WHERE workflow_id = ?`, workflowID)
	if err != nil {
		return nil, err
	}
	s.Name = fmt.Sprintf("#%d", n.Int()+1)
	if depth > MaxDepth {
		r.FailRun(fmt.Sprintf("loop guard: this run was caused by a chain of %d workflow runs whose writes retriggered workflows (at most %d); it was not started", depth, MaxDepth))
		return nil, save(w, s, nil)
	}
	if wait, err := throttled(w, now, workflowID); err != nil || wait > 0 {
		if err != nil {
			return nil, err
		}
		r.Status = workflow.RunNotStarted
		at := now.UnixMilli() + wait
		return []host.Effect{{Kind: host.EffectAlarm, DelayMs: wait}}, save(w, s, &at)
	}
	return advance(w, s, false)
}

// throttled is how long (ms) a new run of workflow wf must wait for the
// workspace to be under RunsPerMinute, and the workflow under
// RunsPerWorkflowMinute, runs started in the last minute (0: it may start).
func throttled(w *durable.Workspace, now time.Time, wf string) (int64, error) {
	from := now.UnixMilli() - 60_000
	var wait int64
	for _, q := range []struct {
		where string
		args  []any
		limit int
	}{
		{`started_at > ?`, []any{from}, RunsPerMinute},
		{`workflow_id = ? AND started_at > ?`, []any{wf, from}, RunsPerWorkflowMinute},
	} {
		rows, err := w.DB.Exec(`SELECT count(*), min(started_at) FROM _wf_runs WHERE `+q.where, q.args...)
		if err != nil {
			return 0, err
		}
		if len(rows.Values) > 0 && rows.Values[0][1] != nil && sqldb.AsInt(rows.Values[0][0]) >= int64(q.limit) {
			wait = max(wait, soon, sqldb.AsInt(rows.Values[0][1])-from)
		}
	}
	return wait, nil
}

// advance runs r's steps until it waits; with io, HTTP steps become
// effects (their answers come back to EntryHTTPDone), without, they wait
// for the alarm. It saves the run and returns the effects and the alarm.
func advance(w *durable.Workspace, s *stored, io bool) ([]host.Effect, error) {
	r := s.Run
	now := w.Now()
	if r.Status == workflow.RunNotStarted {
		r.Status = workflow.RunRunning
	}
	if s.StartedAt == "" {
		s.StartedAt = stamp(now)
	}
	var effects []host.Effect
	for t := r.Next(now, io); t != nil; t = r.Next(now, io) {
		switch t.Type {
		case workflow.StepHTTPRequest:
			e, err := httpEffect(s, t)
			if err != nil {
				r.Fail(t.StepID, err.Error(), now)
				continue
			}
			effects = append(effects, e)
			s.inFlight = true
		case workflow.StepSendEmail:
			e, err := emailEffect(s, t, now)
			if err != nil {
				r.Fail(t.StepID, err.Error(), now)
				continue
			}
			effects = append(effects, e)
			s.inFlight = true
		default:
			result, err := recordStep(w, r, t)
			if err != nil {
				if domainRefusal(err) {
					r.Fail(t.StepID, err.Error(), now)
					continue
				}
				return nil, err
			}
			r.Complete(t.StepID, result)
		}
	}
	var next *int64
	if at, ok := r.Due(); ok {
		at = max(at, now.UnixMilli())
		next = &at
	}
	if s.inFlight {
		s.LeaseUntil = now.UnixMilli() + leaseMs
	}
	if lease := s.LeaseUntil; lease > now.UnixMilli() && r.Status == workflow.RunRunning && (next == nil || *next > lease) {
		next = &lease
	}
	if next != nil {
		effects = append(effects, host.Effect{Kind: host.EffectAlarm, DelayMs: max(soon, *next-now.UnixMilli())})
	}
	return effects, save(w, s, next)
}

// domainRefusal: the command was refused (bad input, missing record): the
// step fails, the run decides what follows. Anything else is a storage
// failure and fails the call.
func domainRefusal(err error) bool {
	var v *domain.ValidationError
	var u *domain.UnknownObjectError
	var c *domain.ConflictError
	var st *stepError
	return errors.As(err, &v) || errors.As(err, &u) || errors.As(err, &c) || errors.As(err, &st) || errors.Is(err, domain.ErrNotFound)
}

// save writes the run and projects it onto its workflowRun record.
func save(w *durable.Workspace, s *stored, nextAt *int64) error {
	r := s.Run
	now := w.Now()
	ended := r.Status == workflow.RunCompleted || r.Status == workflow.RunFailed || r.Status == workflow.RunStopped
	if ended && s.EndedAt == "" {
		s.EndedAt = stamp(now)
	}
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	var startedAt any
	if s.StartedAt != "" && r.Status != workflow.RunNotStarted {
		startedAt = now.UnixMilli()
	}
	if _, err := w.DB.Exec(`INSERT INTO _wf_runs (id, workflow_id, version_id, status, next_at, created_at, started_at, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (id) DO UPDATE SET status = excluded.status, next_at = excluded.next_at, data = excluded.data, started_at = coalesce(_wf_runs.started_at, excluded.started_at)`,
		r.ID, s.WorkflowID, s.VersionID, r.Status, nextAt, now.UnixMilli(), startedAt, string(data)); err != nil {
		return err
	}
	return project(w, s)
}

// project writes the run onto its workflowRun record (Twenty's fields;
// state = {flow, stepInfos}).
func project(w *durable.Workspace, s *stored) error {
	r := s.Run
	var state map[string]any
	b, _ := json.Marshal(r.State)
	_ = json.Unmarshal(b, &state)
	if r.Error != "" {
		state["error"] = r.Error
	}
	data := map[string]any{"status": r.Status, "state": state}
	if r.Status != workflow.RunNotStarted && s.StartedAt != "" {
		data["startedAt"] = s.StartedAt
	}
	if s.EndedAt != "" {
		data["endedAt"] = s.EndedAt
	}
	obj := w.Schema().Object("workflowRun")
	if obj == nil {
		return nil // a workspace seeded before workflows: runs live in _wf_runs only
	}
	cmd := domain.RecordCommand{Kind: domain.Update, Object: "workflowRun", ID: r.ID, Data: data}
	if st, err := w.Record("workflowRun", r.ID); err != nil {
		return err
	} else if st == nil {
		cmd.Kind = domain.Create
		data["name"], data["enqueuedAt"], data["workflowId"] = s.Name, s.CreatedAt, s.WorkflowID
		if w.Schema().Object("workflowVersion") != nil {
			if v, _ := w.Record("workflowVersion", s.VersionID); v != nil {
				data["workflowVersionId"] = s.VersionID
			}
		}
		if v, _ := w.Record("workflow", s.WorkflowID); v == nil {
			delete(data, "workflowId")
		}
	}
	_, err := w.Execute(cmd, actor, CommandID(r.Depth, r.ID+":run"))
	return err
}

// Alarm advances the runs that are due (timers, deferred HTTP steps,
// throttled starts, answers lost in flight) and fires due CRON triggers;
// it returns their effects and the alarm for what is next.
func Alarm(w *durable.Workspace) ([]host.Effect, error) {
	now := w.Now().UnixMilli()
	effects, err := fireCron(w, now)
	if err != nil {
		return nil, err
	}
	rows, err := w.DB.Exec(`SELECT id FROM _wf_runs WHERE next_at IS NOT NULL AND next_at <= ? ORDER BY next_at LIMIT ?`, now, Batch)
	if err != nil {
		return nil, err
	}
	for _, row := range rows.Values {
		s, err := load(w, sqldb.AsString(row[0]))
		if err != nil {
			return nil, err
		}
		if s.Run.Status == workflow.RunNotStarted {
			if wait, err := throttled(w, w.Now(), s.WorkflowID); err != nil || wait > 0 {
				if err != nil {
					return nil, err
				}
				if _, err := w.DB.Exec(`UPDATE _wf_runs SET next_at = ? WHERE id = ?`, now+wait, s.Run.ID); err != nil {
					return nil, err
				}
				continue
			}
		}
		if now >= s.LeaseUntil { // answers still awaited are not asked twice
			s.Run.Reissue()
		}
		e, err := advance(w, s, true)
		if err != nil {
			return nil, err
		}
		effects = append(effects, e...)
	}
	next, err := w.DB.Exec(`SELECT min(next_at) FROM (SELECT min(next_at) AS next_at FROM _wf_runs WHERE next_at IS NOT NULL UNION ALL SELECT min(next_at) FROM _wf_triggers WHERE next_at IS NOT NULL)`)
	if err == nil && len(next.Values) > 0 && next.Values[0][0] != nil {
		effects = append(effects, host.Effect{Kind: host.EffectAlarm, DelayMs: max(soon, next.Int()-now)})
	}
	return effects, err
}

// prune forgets a few ended runs of a workflow past the retention: beyond
// its newest MaxRunsPerWorkflow, or created more than RunRetention ago.
func prune(w *durable.Workspace, workflowID string, now time.Time) error {
	rows, err := w.DB.Exec(`SELECT id FROM _wf_runs WHERE workflow_id = ? AND status IN ('COMPLETED', 'FAILED', 'STOPPED')
  AND (created_at < ? OR id NOT IN (SELECT id FROM _wf_runs WHERE workflow_id = ? ORDER BY created_at DESC, id DESC LIMIT ?))
  ORDER BY created_at LIMIT ?`, workflowID, now.Add(-RunRetention).UnixMilli(), workflowID, MaxRunsPerWorkflow-1, pruneBatch)
	if err != nil {
		return err
	}
	for _, r := range rows.Values {
		id := sqldb.AsString(r[0])
		if _, err := w.DB.Exec(`DELETE FROM _wf_runs WHERE id = ?`, id); err != nil {
			return err
		}
		if st, err := w.Record("workflowRun", id); err != nil {
			return err
		} else if st != nil {
			if _, err := w.Execute(domain.RecordCommand{Kind: domain.Destroy, Object: "workflowRun", ID: id}, actor, durable.NewRecordID(now)); err != nil {
				return err
			}
		}
	}
	return nil
}
