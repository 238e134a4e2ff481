package workflows

import (
	"encoding/json"
	"fmt"

	"edgecrm/domain"
	"edgecrm/domain/workflow"
	"edgecrm/durable"
	"edgecrm/sqldb"
)

// EditDraft applies edit to the graph of a DRAFT version and writes its
// trigger and steps back (Twenty lets only drafts change).
func EditDraft(w *durable.Workspace, versionID string, edit func(*workflow.Flow) (any, error)) (any, error) {
	obj := w.Schema().Object("workflowVersion")
	if obj == nil {
		return nil, &domain.UnknownObjectError{Name: "workflowVersion"}
	}
	rec, err := w.ReadRecord(obj, versionID)
	if err != nil {
		return nil, err
	}
	if rec == nil || rec["deletedAt"] != nil {
		return nil, &domain.NotFoundError{Object: "workflowVersion", ID: versionID}
	}
	if rec["status"] != "DRAFT" {
		return nil, &domain.ValidationError{Field: "workflowVersionId", Rule: "workflow", Message: fmt.Sprintf("only a DRAFT version can be edited; this one is %v (createDraftFromWorkflowVersion makes a draft of it)", rec["status"])}
	}
	flow, err := workflow.ParseFlow(rec["trigger"], rec["steps"])
	if err != nil {
		return nil, err
	}
	if flow.Trigger == nil {
		flow.Trigger = &workflow.Trigger{Settings: map[string]any{}}
	}
	out, err := edit(flow)
	if err != nil {
		return nil, err
	}
	trigger, steps := asJSON(flow.Trigger), asJSON(flow.Steps)
	if flow.Steps == nil {
		steps = []any{}
	}
	return out, update(w, "workflowVersion", versionID, map[string]any{"trigger": trigger, "steps": steps})
}

// asJSON turns a value into plain JSON data (maps, lists) for a RAW_JSON field.
func asJSON(v any) any {
	b, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

// NewStepID names a step created by createWorkflowVersionStep.
func NewStepID(w *durable.Workspace) string { return durable.NewRecordID(w.Now()) }

// CreateDraft is createDraftFromWorkflowVersion: the workflow's draft
// version (a new one, named v<n>, when it has none) gets the trigger and
// steps of the version to copy. It returns the draft's id.
func CreateDraft(w *durable.Workspace, workflowID, fromVersionID string) (string, error) {
	obj := w.Schema().Object("workflowVersion")
	if obj == nil {
		return "", &domain.UnknownObjectError{Name: "workflowVersion"}
	}
	from, err := w.ReadRecord(obj, fromVersionID)
	if err != nil {
		return "", err
	}
	if from == nil || from["deletedAt"] != nil || from["workflowId"] != workflowID {
		return "", &domain.NotFoundError{Object: "workflowVersion", ID: fromVersionID}
	}
	rows, err := w.DB.Exec(`SELECT id, status FROM "workflowVersion" WHERE "workflowId" = ? AND "deletedAt" IS NULL`, workflowID)
	if err != nil {
		return "", err
	}
	data := map[string]any{"trigger": from["trigger"], "steps": from["steps"]}
	for _, r := range rows.Values {
		if sqldb.AsString(r[1]) == "DRAFT" {
			id := sqldb.AsString(r[0])
			if id == fromVersionID {
				return id, nil
			}
			return id, update(w, "workflowVersion", id, data)
		}
	}
	id := durable.NewRecordID(w.Now())
	data["name"], data["status"], data["workflowId"] = fmt.Sprintf("v%d", len(rows.Values)+1), "DRAFT", workflowID
	_, err = w.Execute(domain.RecordCommand{Kind: domain.Create, Object: "workflowVersion", ID: id, Data: data}, actor, durable.NewRecordID(w.Now()))
	return id, err
}
