package workflow

import "slices"

// Changes is what an edit of a draft's graph changed (Twenty's
// WorkflowVersionStepChanges): the trigger's and the steps' nextStepIds,
// the step created, the steps deleted.
type Changes struct {
	TriggerNextStepIDs []string            `json:"triggerNextStepIds,omitempty"`
	StepsNextStepIDs   map[string][]string `json:"stepsNextStepIds,omitempty"`
	CreatedStep        *Step               `json:"createdStep,omitempty"`
	DeletedStepIDs     []string            `json:"deletedStepIds,omitempty"`
}

// Map renders c for the API (null for what did not change).
func (c *Changes) Map() map[string]any {
	m := map[string]any{"triggerNextStepIds": nil, "stepsNextStepIds": nil, "createdStep": nil, "deletedStepIds": nil}
	if c.TriggerNextStepIDs != nil {
		m["triggerNextStepIds"] = anyList(c.TriggerNextStepIDs)
	}
	if c.StepsNextStepIDs != nil {
		m["stepsNextStepIds"] = c.StepsNextStepIDs
	}
	if c.CreatedStep != nil {
		m["createdStep"] = c.CreatedStep.Map()
	}
	if c.DeletedStepIDs != nil {
		m["deletedStepIds"] = anyList(c.DeletedStepIDs)
	}
	return m
}

// Map renders a step for the API (Twenty's WorkflowAction).
func (s *Step) Map() map[string]any {
	return map[string]any{"id": s.ID, "name": s.Name, "type": s.Type, "valid": s.Valid, "settings": s.Settings, "nextStepIds": anyList(s.NextStepIDs), "position": s.Position}
}

// anyList is a list as the GraphQL executor walks it.
func anyList(l []string) []any {
	out := make([]any, len(l))
	for i, s := range l {
		out[i] = s
	}
	return out
}

// next returns the nextStepIds of "trigger" or of a step (nil, false when
// there is no such node).
func (f *Flow) next(id string) (*[]string, bool) {
	if id == "trigger" {
		if f.Trigger == nil {
			return nil, false
		}
		return &f.Trigger.NextStepIDs, true
	}
	if s := f.Step(id); s != nil {
		return &s.NextStepIDs, true
	}
	return nil, false
}

func (c *Changes) touched(f *Flow, id string) {
	if id == "trigger" {
		c.TriggerNextStepIDs = append([]string{}, f.Trigger.NextStepIDs...)
		return
	}
	if c.StepsNextStepIDs == nil {
		c.StepsNextStepIDs = map[string][]string{}
	}
	c.StepsNextStepIDs[id] = append([]string{}, f.Step(id).NextStepIDs...)
}

// NewStep is a step of type with Twenty's defaults (not valid until set up).
func NewStep(id, typ string) (*Step, error) {
	if !knownSteps[typ] {
		return nil, invalid("stepType", "unknown step type %q", typ)
	}
	if msg, ok := unavailable[typ]; ok {
		return nil, invalid("stepType", "%s", msg)
	}
	return &Step{ID: id, Name: typ, Type: typ, Settings: map[string]any{
		"input": map[string]any{}, "outputSchema": map[string]any{},
		"errorHandlingOptions": map[string]any{"retryOnFailure": map[string]any{"value": false}, "continueOnFailure": map[string]any{"value": false}},
	}}, nil
}

// InsertStep adds s after parent ("trigger", a step, or "" for none),
// before next when given (parent's edge to next goes through s).
func (f *Flow) InsertStep(s *Step, parent, next string) (*Changes, error) {
	c := &Changes{CreatedStep: s}
	if next != "" && f.Step(next) == nil {
		return nil, invalid("nextStepId", "no step %q", next)
	}
	if next != "" {
		s.NextStepIDs = []string{next}
	}
	f.Steps = append(f.Steps, s)
	if parent == "" {
		return c, nil
	}
	p, ok := f.next(parent)
	if !ok {
		f.Steps = f.Steps[:len(f.Steps)-1]
		return nil, invalid("parentStepId", "no step %q", parent)
	}
	if i := slices.Index(*p, next); next != "" && i >= 0 {
		(*p)[i] = s.ID
	} else {
		*p = append(*p, s.ID)
	}
	c.touched(f, parent)
	return c, nil
}

// UpdateStep replaces the step with s's id.
func (f *Flow) UpdateStep(s *Step) error {
	for i, old := range f.Steps {
		if old.ID == s.ID {
			f.Steps[i] = s
			return nil
		}
	}
	return invalid("step", "no step %q", s.ID)
}

// DeleteStep removes a step; its parents lead to its next steps instead.
func (f *Flow) DeleteStep(id string) (*Changes, error) {
	s := f.Step(id)
	if s == nil {
		return nil, invalid("stepId", "no step %q", id)
	}
	c := &Changes{DeletedStepIDs: []string{id}}
	f.Steps = slices.DeleteFunc(f.Steps, func(x *Step) bool { return x.ID == id })
	for _, parent := range append([]string{"trigger"}, stepIDs(f)...) {
		p, ok := f.next(parent)
		if !ok || !slices.Contains(*p, id) {
			continue
		}
		var out []string
		for _, n := range *p {
			if n != id {
				out = append(out, n)
				continue
			}
			for _, m := range s.NextStepIDs {
				if !slices.Contains(out, m) && !slices.Contains(*p, m) {
					out = append(out, m)
				}
			}
		}
		*p = out
		c.touched(f, parent)
	}
	return c, nil
}

// AddEdge links source ("trigger" or a step) to target.
func (f *Flow) AddEdge(source, target string) (*Changes, error) {
	p, ok := f.next(source)
	if !ok || f.Step(target) == nil || source == target {
		return nil, invalid("source", "no edge can go from %q to %q", source, target)
	}
	if !slices.Contains(*p, target) {
		*p = append(*p, target)
	}
	c := &Changes{}
	c.touched(f, source)
	return c, nil
}

// RemoveEdge unlinks source from target.
func (f *Flow) RemoveEdge(source, target string) (*Changes, error) {
	p, ok := f.next(source)
	if !ok || !slices.Contains(*p, target) {
		return nil, invalid("source", "there is no edge from %q to %q", source, target)
	}
	*p = slices.DeleteFunc(*p, func(n string) bool { return n == target })
	c := &Changes{}
	c.touched(f, source)
	return c, nil
}

func stepIDs(f *Flow) []string {
	out := make([]string, len(f.Steps))
	for i, s := range f.Steps {
		out[i] = s.ID
	}
	return out
}
