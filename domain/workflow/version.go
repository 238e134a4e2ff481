// Package workflow is the pure workflow engine (no I/O): Twenty's
// workflow versions (a trigger and steps linked by nextStepIds), their
// validation at activation, variable resolution, step filters, and the run
// state machine. durable/workflows stores runs and does the I/O a run asks
// for (record commands, HTTP), feeding the results back.
package workflow

import (
	"encoding/json"
	"fmt"
	"strings"

	"edgecrm/domain"
)

// Trigger types.
const (
	TriggerDatabaseEvent = "DATABASE_EVENT"
	TriggerManual        = "MANUAL"
	TriggerCron          = "CRON"
	TriggerWebhook       = "WEBHOOK"
)

// Step (action) types.
const (
	StepCreateRecord = "CREATE_RECORD"
	StepUpdateRecord = "UPDATE_RECORD"
	StepDeleteRecord = "DELETE_RECORD"
	StepUpsertRecord = "UPSERT_RECORD"
	StepFindRecords  = "FIND_RECORDS"
	StepHTTPRequest  = "HTTP_REQUEST"
	StepSendEmail    = "SEND_EMAIL"
	StepFilter       = "FILTER"
	StepIfElse       = "IF_ELSE"
	StepIterator     = "ITERATOR"
	StepDelay        = "DELAY"
	StepEmpty        = "EMPTY"
	StepForm         = "FORM"
	StepCode         = "CODE"
	StepAIAgent      = "AI_AGENT"
)

// knownSteps are the step types a version may hold; unavailable ones are
// refused at activation (see Validate).
var knownSteps = map[string]bool{
	StepCreateRecord: true, StepUpdateRecord: true, StepDeleteRecord: true, StepUpsertRecord: true,
	StepFindRecords: true, StepHTTPRequest: true, StepSendEmail: true, StepFilter: true, StepIfElse: true,
	StepIterator: true, StepDelay: true, StepEmpty: true, StepForm: true, StepCode: true, StepAIAgent: true,
}

// unavailable are Twenty's step types this deployment cannot run.
var unavailable = map[string]string{
	StepCode:    "CODE steps (serverless functions) are not available in this deployment",
	StepAIAgent: "AI_AGENT steps are not available in this deployment",
}

// Trigger is a version's trigger (Twenty's shape; settings kept whole).
type Trigger struct {
	Name        string         `json:"name,omitempty"`
	Type        string         `json:"type"`
	Settings    map[string]any `json:"settings"`
	NextStepIDs []string       `json:"nextStepIds,omitempty"`
	Position    any            `json:"position,omitempty"`
}

// Step is one action of a version (Twenty's shape; settings kept whole).
type Step struct {
	ID          string         `json:"id"`
	Name        string         `json:"name"`
	Type        string         `json:"type"`
	Valid       bool           `json:"valid"`
	Settings    map[string]any `json:"settings"`
	NextStepIDs []string       `json:"nextStepIds,omitempty"`
	Position    any            `json:"position,omitempty"`
}

// Input is the step's settings.input.
func (s *Step) Input() map[string]any {
	m, _ := s.Settings["input"].(map[string]any)
	return m
}

// option reads settings.errorHandlingOptions.<name> ({value: bool} or bool).
func (s *Step) option(name string) bool {
	o, _ := s.Settings["errorHandlingOptions"].(map[string]any)
	switch v := o[name].(type) {
	case bool:
		return v
	case map[string]any:
		b, _ := v["value"].(bool)
		return b
	}
	return false
}

// Flow is a version's trigger and steps, as a run keeps them.
type Flow struct {
	Trigger *Trigger `json:"trigger"`
	Steps   []*Step  `json:"steps"`
}

// Step returns the step with id, or nil.
func (f *Flow) Step(id string) *Step {
	for _, s := range f.Steps {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// ParseFlow reads a version's trigger and steps as the record stores them
// (RAW_JSON values, decoded or as JSON text).
func ParseFlow(trigger, steps any) (*Flow, error) {
	f := &Flow{}
	if err := decodeJSON(trigger, &f.Trigger); err != nil {
		return nil, &domain.ValidationError{Field: "trigger", Rule: "workflow", Message: "trigger is not a workflow trigger: " + err.Error()}
	}
	if err := decodeJSON(steps, &f.Steps); err != nil {
		return nil, &domain.ValidationError{Field: "steps", Rule: "workflow", Message: "steps are not a list of workflow steps: " + err.Error()}
	}
	return f, nil
}

func decodeJSON(v any, into any) error {
	if v == nil {
		return nil
	}
	var b []byte
	if s, ok := v.(string); ok {
		b = []byte(s)
	} else {
		var err error
		if b, err = json.Marshal(v); err != nil {
			return err
		}
	}
	return json.Unmarshal(b, into)
}

// EventName splits a DATABASE_EVENT trigger's settings.eventName.
func EventName(t *Trigger) (object, action string, ok bool) {
	name, _ := t.Settings["eventName"].(string)
	// ^([A-Za-z][A-Za-z0-9]*)\.(created|updated|deleted|upserted|destroyed)$
	object, action, _ = strings.Cut(name, ".")
	switch action {
	case "created", "updated", "deleted", "upserted", "destroyed":
		if domain.Span(object, 1, len(object), domain.IsLetter, domain.IsAlnum) {
			return object, action, true
		}
	}
	return "", "", false
}

// WatchedFields is an update trigger's settings.fields (nil: any field).
func WatchedFields(t *Trigger) []string {
	list, _ := t.Settings["fields"].([]any)
	var out []string
	for _, f := range list {
		if s, ok := f.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func invalid(field, msg string, args ...any) error {
	return &domain.ValidationError{Field: field, Rule: "workflow", Message: fmt.Sprintf(msg, args...)}
}

// Validate checks a version can be activated: a known trigger with its
// settings, at least one step, unique step ids, known step types (CODE and
// AI_AGENT are refused: not available here), and nextStepIds naming steps.
func Validate(f *Flow) error {
	t := f.Trigger
	if t == nil {
		return invalid("trigger", "the workflow version has no trigger")
	}
	switch t.Type {
	case TriggerDatabaseEvent:
		if _, _, ok := EventName(t); !ok {
			return invalid("trigger", "a DATABASE_EVENT trigger needs settings.eventName as <object>.created|updated|deleted|upserted, got %v", t.Settings["eventName"])
		}
	case TriggerCron:
		if _, err := CronSchedule(t.Settings); err != nil {
			return err
		}
	case TriggerManual, TriggerWebhook:
	default:
		return invalid("trigger", "unknown trigger type %q", t.Type)
	}
	if len(f.Steps) == 0 {
		return invalid("steps", "the workflow version has no steps")
	}
	ids := map[string]bool{"trigger": true}
	for _, s := range f.Steps {
		if s.ID == "" || ids[s.ID] {
			return invalid("steps", "step ids must be unique and not empty (%q)", s.ID)
		}
		ids[s.ID] = true
		if msg, ok := unavailable[s.Type]; ok {
			return invalid("steps", "step %q: %s", s.ID, msg)
		}
		if !knownSteps[s.Type] {
			return invalid("steps", "step %q has unknown type %q", s.ID, s.Type)
		}
	}
	check := func(from string, next []string) error {
		for _, n := range next {
			if !ids[n] || n == "trigger" {
				return invalid("steps", "%s names next step %q, which does not exist", from, n)
			}
		}
		return nil
	}
	if err := check("the trigger", t.NextStepIDs); err != nil {
		return err
	}
	for _, s := range f.Steps {
		if err := check("step "+s.ID, s.NextStepIDs); err != nil {
			return err
		}
		if s.Type == StepIterator {
			if err := check("iterator "+s.ID, stringList(s.Input()["initialLoopStepIds"])); err != nil {
				return err
			}
		}
		if s.Type == StepIfElse {
			for _, b := range branches(s) {
				if err := check("branch of "+s.ID, b.next); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func stringList(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	if ss, ok := v.([]string); ok {
		out = ss
	}
	return out
}
