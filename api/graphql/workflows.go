package graphql

import (
	"encoding/json"
	"fmt"

	"edgecrm/domain"
	"edgecrm/domain/workflow"
	"edgecrm/durable/workflows"
)

// Twenty's workflow mutations (its WorkflowTriggerResolver and
// WorkflowVersionResolver) where the workflow objects are in the schema;
// durable/workflows does the work.
const workflowSDL = `  activateWorkflowVersion(workflowVersionId: UUID!): Boolean!
  deactivateWorkflowVersion(workflowVersionId: UUID!): Boolean!
  runWorkflowVersion(input: RunWorkflowVersionInput!): RunWorkflowVersionOutput!
  stopWorkflowRun(workflowRunId: UUID!): WorkflowRun!
  submitFormStep(input: SubmitFormStepInput!): Boolean!
  createWorkflowVersionStep(input: CreateWorkflowVersionStepInput!): WorkflowVersionStepChanges!
  updateWorkflowVersionStep(input: UpdateWorkflowVersionStepInput!): WorkflowAction!
  deleteWorkflowVersionStep(input: DeleteWorkflowVersionStepInput!): WorkflowVersionStepChanges!
  createWorkflowVersionEdge(input: CreateWorkflowVersionEdgeInput!): WorkflowVersionStepChanges!
  deleteWorkflowVersionEdge(input: CreateWorkflowVersionEdgeInput!): WorkflowVersionStepChanges!
  createDraftFromWorkflowVersion(input: CreateDraftFromWorkflowVersionInput!): WorkflowVersion!
`

const workflowTypesSDL = `
input RunWorkflowVersionInput {
  workflowVersionId: UUID!
  workflowRunId: UUID
  payload: JSON
}

type RunWorkflowVersionOutput {
  workflowRunId: UUID!
}

input SubmitFormStepInput {
  stepId: String!
  workflowRunId: UUID!
  response: JSON!
}

input CreateWorkflowVersionStepInput {
  workflowVersionId: String!
  stepType: String!
  parentStepId: String
  nextStepId: String
  position: JSON
}

input UpdateWorkflowVersionStepInput {
  workflowVersionId: String!
  step: JSON!
}

input DeleteWorkflowVersionStepInput {
  workflowVersionId: String!
  stepId: String!
}

input CreateWorkflowVersionEdgeInput {
  workflowVersionId: String!
  source: String!
  target: String!
}

input CreateDraftFromWorkflowVersionInput {
  workflowId: String!
  workflowVersionIdToCopy: String!
}

type WorkflowAction {
  id: String!
  name: String!
  type: String!
  settings: JSON!
  valid: Boolean!
  nextStepIds: [String!]
  position: JSON
}

type WorkflowVersionStepChanges {
  triggerNextStepIds: [String!]
  stepsNextStepIds: JSON
  createdStep: WorkflowAction
  deletedStepIds: [String!]
}
`

func (b *builder) writeWorkflowMutations() {
	if b.inSchema("workflowVersion") == nil || b.inSchema("workflowRun") == nil {
		return
	}
	b.p("%s", workflowSDL)
	for _, n := range []string{"activateWorkflowVersion", "deactivateWorkflowVersion", "runWorkflowVersion", "stopWorkflowRun", "submitFormStep",
		"createWorkflowVersionStep", "updateWorkflowVersionStep", "deleteWorkflowVersionStep", "createWorkflowVersionEdge", "deleteWorkflowVersionEdge",
		"createDraftFromWorkflowVersion"} {
		b.roots[n] = rootField{op: opWorkflow}
	}
	b.trailer = workflowTypesSDL
}

// workflow resolves a workflow mutation; the events it appends are
// accounted like any write, and the run's alarm goes to the host.
func (e *executor) workflow(name string, args map[string]any) (any, error) {
	head, err := e.w.Store.Head()
	if err != nil {
		return nil, err
	}
	defer func() {
		if now, herr := e.w.Store.Head(); herr == nil && now > head {
			if e.appended == 0 {
				e.firstSeq = head + 1
			}
			e.lastSeq = now
			e.appended += now - head
			e.cache = nil
		}
	}()
	in, _ := args["input"].(map[string]any)
	str := func(m map[string]any, k string) string { s, _ := m[k].(string); return s }
	switch name {
	case "activateWorkflowVersion":
		effects, err := workflows.Activate(e.w, str(args, "workflowVersionId"))
		e.effects = append(e.effects, effects...)
		return true, err
	case "deactivateWorkflowVersion":
		return true, workflows.Deactivate(e.w, str(args, "workflowVersionId"))
	case "runWorkflowVersion":
		id, effects, err := workflows.RunManual(e.w, str(in, "workflowVersionId"), str(in, "workflowRunId"), in["payload"])
		if err != nil {
			return nil, err
		}
		e.effects = append(e.effects, effects...)
		return map[string]any{"workflowRunId": id}, nil
	case "stopWorkflowRun":
		id := str(args, "workflowRunId")
		if err := workflows.Stop(e.w, id); err != nil {
			return nil, err
		}
		return e.reload(e.meta.Object("workflowRun"), id)
	case "submitFormStep":
		effects, err := workflows.Submit(e.w, str(in, "workflowRunId"), str(in, "stepId"), in["response"])
		if err != nil {
			return nil, err
		}
		e.effects = append(e.effects, effects...)
		return true, nil
	case "createWorkflowVersionStep":
		return workflows.EditDraft(e.w, str(in, "workflowVersionId"), func(f *workflow.Flow) (any, error) {
			s, err := workflow.NewStep(workflows.NewStepID(e.w), str(in, "stepType"))
			if err != nil {
				return nil, err
			}
			s.Position = in["position"]
			c, err := f.InsertStep(s, str(in, "parentStepId"), str(in, "nextStepId"))
			if err != nil {
				return nil, err
			}
			return c.Map(), nil
		})
	case "updateWorkflowVersionStep":
		return workflows.EditDraft(e.w, str(in, "workflowVersionId"), func(f *workflow.Flow) (any, error) {
			var s workflow.Step
			b, _ := json.Marshal(in["step"])
			if err := json.Unmarshal(b, &s); err != nil || s.ID == "" {
				return nil, &domain.ValidationError{Field: "step", Rule: "workflow", Message: "step must be a workflow step with an id"}
			}
			return s.Map(), f.UpdateStep(&s)
		})
	case "deleteWorkflowVersionStep":
		return workflows.EditDraft(e.w, str(in, "workflowVersionId"), func(f *workflow.Flow) (any, error) {
			c, err := f.DeleteStep(str(in, "stepId"))
			if err != nil {
				return nil, err
			}
			return c.Map(), nil
		})
	case "createWorkflowVersionEdge", "deleteWorkflowVersionEdge":
		return workflows.EditDraft(e.w, str(in, "workflowVersionId"), func(f *workflow.Flow) (any, error) {
			edit := f.AddEdge
			if name == "deleteWorkflowVersionEdge" {
				edit = f.RemoveEdge
			}
			c, err := edit(str(in, "source"), str(in, "target"))
			if err != nil {
				return nil, err
			}
			return c.Map(), nil
		})
	case "createDraftFromWorkflowVersion":
		id, err := workflows.CreateDraft(e.w, str(in, "workflowId"), str(in, "workflowVersionIdToCopy"))
		if err != nil {
			return nil, err
		}
		return e.reload(e.meta.Object("workflowVersion"), id)
	}
	return nil, fmt.Errorf("no resolver for %q: %w", name, &domain.UnknownObjectError{Name: name})
}
