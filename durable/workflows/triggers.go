package workflows

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"edgecrm/api/apierr"
	"edgecrm/domain"
	"edgecrm/domain/workflow"
	"edgecrm/durable"
	"edgecrm/durable/webhooks"
	"edgecrm/events"
	"edgecrm/host"
	"edgecrm/sqldb"
)

// version reads a workflowVersion record: its flow and its workflow.
func version(w *durable.Workspace, id string) (*workflow.Flow, string, error) {
	obj := w.Schema().Object("workflowVersion")
	if obj == nil {
		return nil, "", &domain.UnknownObjectError{Name: "workflowVersion"}
	}
	rec, err := w.ReadRecord(obj, id)
	if err != nil {
		return nil, "", err
	}
	if rec == nil || rec["deletedAt"] != nil {
		return nil, "", &domain.NotFoundError{Object: "workflowVersion", ID: id}
	}
	flow, err := workflow.ParseFlow(rec["trigger"], rec["steps"])
	if err != nil {
		return nil, "", err
	}
	wf, _ := rec["workflowId"].(string)
	return flow, wf, nil
}

func update(w *durable.Workspace, object, id string, data map[string]any) error {
	if st, err := w.Record(object, id); err != nil || st == nil {
		return err
	}
	_, err := w.Execute(domain.RecordCommand{Kind: domain.Update, Object: object, ID: id, Data: data}, actor, durable.NewRecordID(w.Now()))
	return err
}

// Activate makes a version its workflow's active one, as Twenty does: the
// version is validated (CODE and AI_AGENT steps refused), any other active
// version of the workflow is deactivated, the workflow's
// lastPublishedVersionId and statuses follow, and an automated trigger
// (DATABASE_EVENT, CRON) gets its workflowAutomatedTrigger record and its
// row in _wf_triggers; a CRON trigger returns the alarm of its first firing.
func Activate(w *durable.Workspace, versionID string) ([]host.Effect, error) {
	flow, wf, err := version(w, versionID)
	if err != nil {
		return nil, err
	}
	if err := workflow.Validate(flow); err != nil {
		return nil, err
	}
	if wf == "" {
		return nil, &domain.ValidationError{Field: "workflowVersionId", Rule: "workflow", Message: "the workflow version belongs to no workflow"}
	}
	prev, err := w.DB.Exec(`SELECT version_id FROM _wf_triggers WHERE workflow_id = ?`, wf)
	if err != nil {
		return nil, err
	}
	for _, r := range prev.Values {
		if old := sqldb.AsString(r[0]); old != versionID {
			if err := update(w, "workflowVersion", old, map[string]any{"status": "DEACTIVATED"}); err != nil {
				return nil, err
			}
		}
	}
	if err := update(w, "workflowVersion", versionID, map[string]any{"status": "ACTIVE"}); err != nil {
		return nil, err
	}
	if err := update(w, "workflow", wf, map[string]any{"lastPublishedVersionId": versionID, "statuses": []any{"ACTIVE"}}); err != nil {
		return nil, err
	}
	t := flow.Trigger
	var eventName, nextAt any
	var effects []host.Effect
	switch t.Type {
	case workflow.TriggerDatabaseEvent:
		eventName = t.Settings["eventName"]
	case workflow.TriggerCron:
		c, _ := workflow.CronSchedule(t.Settings) // Validate parsed it
		now := w.Now()
		if next := c.Next(now); !next.IsZero() {
			nextAt = next.UnixMilli()
			effects = append(effects, host.Effect{Kind: host.EffectAlarm, DelayMs: max(1, next.Sub(now).Milliseconds())})
		}
	}
	if _, err := w.DB.Exec(`INSERT INTO _wf_triggers (workflow_id, version_id, type, event_name, next_at) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT (workflow_id) DO UPDATE SET version_id = excluded.version_id, type = excluded.type, event_name = excluded.event_name, next_at = excluded.next_at`,
		wf, versionID, t.Type, eventName, nextAt); err != nil {
		return nil, err
	}
	return effects, automatedTrigger(w, wf, t)
}

// automatedTrigger keeps the workflow's workflowAutomatedTrigger record
// (one per workflow, a stable id) in step with its active trigger.
func automatedTrigger(w *durable.Workspace, wf string, t *workflow.Trigger) error {
	if w.Schema().Object("workflowAutomatedTrigger") == nil {
		return nil
	}
	id := domain.DeterministicID("workflow-automated-trigger", wf)
	st, err := w.Record("workflowAutomatedTrigger", id)
	if err != nil {
		return err
	}
	auto := t != nil && (t.Type == workflow.TriggerDatabaseEvent || t.Type == workflow.TriggerCron)
	cmd := domain.RecordCommand{Object: "workflowAutomatedTrigger", ID: id}
	switch {
	case auto && st == nil:
		cmd.Kind, cmd.Data = domain.Create, map[string]any{"type": t.Type, "settings": t.Settings, "workflowId": wf}
	case auto:
		cmd.Kind, cmd.Data = domain.Update, map[string]any{"type": t.Type, "settings": t.Settings, "deletedAt": nil}
		if st.Deleted {
			cmd.Kind, cmd.Data = domain.Restore, nil
			if _, err := w.Execute(cmd, actor, durable.NewRecordID(w.Now())); err != nil {
				return err
			}
			cmd.Kind, cmd.Data = domain.Update, map[string]any{"type": t.Type, "settings": t.Settings}
		} else {
			delete(cmd.Data, "deletedAt")
		}
	case st != nil && !st.Deleted:
		cmd.Kind = domain.Delete
	default:
		return nil
	}
	_, err = w.Execute(cmd, actor, durable.NewRecordID(w.Now()))
	return err
}

// Deactivate stops a version's trigger: it fires no more runs (runs under
// way go on).
func Deactivate(w *durable.Workspace, versionID string) error {
	_, wf, err := version(w, versionID)
	if err != nil {
		return err
	}
	if err := update(w, "workflowVersion", versionID, map[string]any{"status": "DEACTIVATED"}); err != nil {
		return err
	}
	if _, err := w.DB.Exec(`DELETE FROM _wf_triggers WHERE version_id = ?`, versionID); err != nil {
		return err
	}
	if wf == "" {
		return nil
	}
	if err := update(w, "workflow", wf, map[string]any{"statuses": []any{"DEACTIVATED"}}); err != nil {
		return err
	}
	return automatedTrigger(w, wf, nil)
}

// RunManual is runWorkflowVersion: a run of the version (draft or active)
// with payload as the trigger's output; runID may name it (a run of that
// id already there is answered as is).
func RunManual(w *durable.Workspace, versionID, runID string, payload any) (string, []host.Effect, error) {
	flow, wf, err := version(w, versionID)
	if err != nil {
		return "", nil, err
	}
	if err := workflow.Validate(flow); err != nil {
		return "", nil, err
	}
	if runID == "" {
		runID = durable.NewRecordID(w.Now())
	} else if !domain.IsUUID(runID) {
		return "", nil, &domain.ValidationError{Field: "workflowRunId", Rule: "uuid", Message: "workflowRunId must be a UUID"}
	}
	effects, err := start(w, runID, wf, versionID, flow, payload, 0)
	return runID, effects, err
}

// Stop is stopWorkflowRun: the run ends STOPPED (answers still in flight
// are ignored when they come).
func Stop(w *durable.Workspace, runID string) error {
	s, err := load(w, runID)
	if err != nil {
		return err
	}
	s.Run.Stop()
	return save(w, s, nil)
}

// Submit is submitFormStep: the waiting FORM step of a run gets its
// response, and the run goes on.
func Submit(w *durable.Workspace, runID, stepID string, response any) ([]host.Effect, error) {
	s, err := load(w, runID)
	if err != nil {
		return nil, err
	}
	if err := s.Run.Submit(stepID, response); err != nil {
		return nil, err
	}
	return advance(w, s, false)
}

// OnEvents starts a run of every active DATABASE_EVENT workflow each
// consumed event matches (an update only when it changed a watched
// field). The run id derives from the workflow and the event, so a
// redelivered event starts nothing new; the event's causation sets the
// run's depth (the loop guard).
func OnEvents(w *durable.Workspace, seqs []int64) ([]host.Effect, error) {
	effects, err := onEvents(w, seqs)
	if err != nil {
		return nil, err
	}
	// The values these updates replaced served their runs (a redelivery
	// starts none): forget them.
	list, _ := json.Marshal(seqs)
	_, err = w.DB.Exec(`DELETE FROM _wf_before WHERE seq IN (SELECT value FROM json_each(?))`, string(list))
	return effects, err
}

func onEvents(w *durable.Workspace, seqs []int64) ([]host.Effect, error) {
	trig, err := w.DB.Exec(`SELECT workflow_id, version_id, event_name FROM _wf_triggers WHERE type = 'DATABASE_EVENT' ORDER BY workflow_id`)
	if err != nil || len(trig.Values) == 0 {
		return nil, err
	}
	evs, err := webhooks.ReadEvents(w.Store, seqs)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(evs, func(a, b events.Event) int { return int(a.Seq - b.Seq) })
	flows := map[string]*workflow.Flow{}
	var effects []host.Effect
	for _, ev := range evs {
		objName, action := domain.SplitEventType(ev.Type)
		obj := w.Schema().Object(objName)
		if obj == nil {
			continue
		}
		var payload map[string]any
		for _, t := range trig.Values {
			wf, ver := sqldb.AsString(t[0]), sqldb.AsString(t[1])
			tObj, tAction := domain.SplitEventType(sqldb.AsString(t[2]))
			if tObj != objName || !actionMatches(tAction, action) {
				continue
			}
			flow := flows[ver]
			if flow == nil {
				if flow, _, err = version(w, ver); err != nil {
					continue // the version went away: nothing to run
				}
				flows[ver] = flow
			}
			if payload == nil {
				if payload, err = eventPayload(w, obj, action, ev); err != nil {
					return nil, err
				}
			}
			if action == domain.ActionUpdated && !watched(flow.Trigger, payload) {
				continue
			}
			depth := 0
			if d, ok := Causation(ev.CommandID); ok {
				depth = d + 1
			}
			e, err := start(w, domain.DeterministicID("workflow-run", wf, ev.ID), wf, ver, flow, payload, depth)
			if err != nil {
				return nil, err
			}
			effects = append(effects, e...)
		}
	}
	return effects, nil
}

// actionMatches: a trigger's action selects an event's ("upserted" is
// created or updated; "deleted" also a destroy).
func actionMatches(trigger, event string) bool {
	switch trigger {
	case "upserted":
		return event == domain.ActionCreated || event == domain.ActionUpdated
	case domain.ActionDeleted:
		return event == domain.ActionDeleted || event == domain.ActionDestroyed
	}
	return trigger == event
}

// watched: an update trigger with settings.fields fires only when the
// update changed one of them.
func watched(t *workflow.Trigger, payload map[string]any) bool {
	fields := workflow.WatchedFields(t)
	if len(fields) == 0 {
		return true
	}
	props, _ := payload["properties"].(map[string]any)
	updated, _ := props["updatedFields"].([]string)
	for _, f := range updated {
		if slices.Contains(fields, f) {
			return true
		}
	}
	return false
}

// eventPayload is the trigger's output for a database event, Twenty's
// shape: name, recordId, objectMetadata, properties.after (the record
// after a create or update), properties.before (the record a delete
// removed, or an update changed), updatedFields and diff ({field:
// {before, after}}) on updates.
func eventPayload(w *durable.Workspace, obj *domain.Object, action string, ev events.Event) (map[string]any, error) {
	rec, updated, err := webhooks.EventRecord(w, obj, action, ev)
	if err != nil {
		return nil, err
	}
	props := map[string]any{}
	switch action {
	case domain.ActionDeleted, domain.ActionDestroyed:
		props["before"] = rec
	default:
		props["after"] = rec
	}
	if action == domain.ActionUpdated {
		// The record before, kept when the event was appended
		// (durable.keepBefore).
		old := map[string]any{}
		rows, err := w.DB.Exec(`SELECT before FROM _wf_before WHERE seq = ?`, ev.Seq)
		if err != nil {
			return nil, err
		}
		if len(rows.Values) > 0 {
			if err := json.Unmarshal([]byte(sqldb.AsString(rows.Values[0][0])), &old); err != nil {
				return nil, err
			}
			props["before"] = old
		}
		diff := map[string]any{}
		for _, f := range updated {
			diff[f] = map[string]any{"before": old[f], "after": rec[f]}
		}
		props["updatedFields"], props["diff"] = updated, diff
	}
	return map[string]any{"name": ev.Type, "workspaceId": w.ID, "recordId": rec["id"],
		"objectMetadata": map[string]any{"id": obj.ID, "nameSingular": obj.NameSingular}, "properties": props}, nil
}

// fireCron starts a run of every CRON trigger that is due (one per
// firing: its id derives from the firing time) and sets its next firing.
func fireCron(w *durable.Workspace, now int64) ([]host.Effect, error) {
	rows, err := w.DB.Exec(`SELECT workflow_id, version_id, next_at FROM _wf_triggers WHERE type = 'CRON' AND next_at <= ?`, now)
	if err != nil {
		return nil, err
	}
	var effects []host.Effect
	for _, r := range rows.Values {
		wf, ver, at := sqldb.AsString(r[0]), sqldb.AsString(r[1]), sqldb.AsInt(r[2])
		flow, _, err := version(w, ver)
		if err != nil {
			if _, err := w.DB.Exec(`UPDATE _wf_triggers SET next_at = NULL WHERE workflow_id = ?`, wf); err != nil {
				return nil, err
			}
			continue
		}
		c, err := workflow.CronSchedule(flow.Trigger.Settings)
		if err != nil {
			return nil, err
		}
		// The next firing after now: missed firings are not made up.
		var next any
		if t := c.Next(time.UnixMilli(now)); !t.IsZero() {
			next = t.UnixMilli()
		}
		if _, err := w.DB.Exec(`UPDATE _wf_triggers SET next_at = ? WHERE workflow_id = ?`, next, wf); err != nil {
			return nil, err
		}
		e, err := start(w, domain.DeterministicID("workflow-run", wf, "cron", strconv.FormatInt(at, 10)), wf, ver, flow, map[string]any{}, 0)
		if err != nil {
			return nil, err
		}
		effects = append(effects, e...)
	}
	return effects, nil
}

// PathWebhook prefixes a workflow's WEBHOOK trigger in the workspace
// object (the edge forwards /webhooks/workflows/<workspace>/<workflow>).
const PathWebhook = "/webhooks/workflows/"

// ServeWebhook starts a run of the workflow's active WEBHOOK trigger: the
// POST body (a JSON object) or, for a GET, the query parameters are the
// trigger's payload. The method must be the trigger's settings.httpMethod
// when it names one.
func ServeWebhook(w *durable.Workspace, req *host.Request) (*host.Output, error) {
	wf := strings.TrimPrefix(req.Path, PathWebhook)
	rows, err := w.DB.Exec(`SELECT version_id FROM _wf_triggers WHERE workflow_id = ? AND type = 'WEBHOOK'`, wf)
	if err != nil {
		return nil, err
	}
	if len(rows.Values) == 0 {
		return nil, apierr.NewError(404, fmt.Sprintf("workflow %q has no active webhook trigger", wf))
	}
	ver := sqldb.AsString(rows.Values[0][0])
	flow, _, err := version(w, ver)
	if err != nil {
		return nil, err
	}
	if m, _ := flow.Trigger.Settings["httpMethod"].(string); m != "" && !strings.EqualFold(m, req.Method) {
		return nil, apierr.NewError(405, fmt.Sprintf("this workflow's webhook takes %s, not %s", strings.ToUpper(m), req.Method))
	}
	payload := map[string]any{}
	switch req.Method {
	case "GET":
		q, _ := url.ParseQuery(req.Query)
		for k, v := range q {
			payload[k] = v[0]
		}
	case "POST":
		if strings.TrimSpace(req.Body) != "" {
			if err := json.Unmarshal([]byte(req.Body), &payload); err != nil {
				return nil, apierr.NewError(400, "the webhook body must be a JSON object: "+err.Error())
			}
		}
	default:
		return nil, apierr.NewError(405, "a workflow webhook takes GET or POST")
	}
	head, err := w.Store.Head()
	if err != nil {
		return nil, err
	}
	id := durable.NewRecordID(w.Now())
	effects, err := start(w, id, wf, ver, flow, payload, 0)
	if err != nil {
		return nil, err
	}
	if now, err := w.Store.Head(); err != nil || now > head {
		effects = append(effects, host.Effect{Kind: host.EffectFlush})
	}
	return &host.Output{Response: host.JSONResponse(200, map[string]any{"success": true, "workflowRunId": id}), Effects: effects}, nil
}
