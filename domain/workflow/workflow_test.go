package workflow

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

func flowOf(t *testing.T, trigger, steps string) *Flow {
	t.Helper()
	f, err := ParseFlow(trigger, steps)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestResolveKeepsTypeOrInterpolates(t *testing.T) {
	ctx := map[string]any{
		"trigger": map[string]any{"properties": map[string]any{"after": map[string]any{"name": "Acme", "employees": 12.0, "tags": []any{"a"}}}},
		"s1":      map[string]any{"records": []any{map[string]any{"id": "r1"}}},
	}
	in := map[string]any{
		"whole":    "{{trigger.properties.after.employees}}",
		"list":     "{{ trigger.properties.after.tags }}",
		"embedded": "Call {{trigger.properties.after.name}} ({{trigger.properties.after.employees}} people) {{missing.x}}",
		"index":    "{{s1.records.0.id}}",
		"missing":  "{{nope}}",
		"nested":   []any{map[string]any{"x": "{{trigger.properties.after.name}}"}},
		"number":   3.0,
	}
	got := Resolve(in, ctx).(map[string]any)
	want := map[string]any{
		"whole": 12.0, "list": []any{"a"}, "embedded": "Call Acme (12 people) ", "index": "r1", "missing": nil,
		"nested": []any{map[string]any{"x": "Acme"}}, "number": 3.0,
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Resolve = %#v\nwant %#v", got, want)
	}
}

func TestValidateRefusesUnavailableSteps(t *testing.T) {
	trigger := `{"type":"DATABASE_EVENT","settings":{"eventName":"company.created"},"nextStepIds":["a"]}`
	for _, c := range []struct{ trigger, steps, want string }{
		{trigger, `[{"id":"a","type":"CODE","settings":{}}]`, "not available in this deployment"},
		{trigger, `[{"id":"a","type":"AI_AGENT","settings":{}}]`, "not available in this deployment"},
		{trigger, `[]`, "no steps"},
		{trigger, `[{"id":"a","type":"EMPTY","nextStepIds":["zz"]}]`, "does not exist"},
		{`{"type":"DATABASE_EVENT","settings":{"eventName":"company"}}`, `[{"id":"a","type":"EMPTY"}]`, "eventName"},
		{`{"type":"CRON","settings":{"type":"CUSTOM","pattern":"0 9 * *"}}`, `[{"id":"a","type":"EMPTY"}]`, "want 5 fields"},
		{`{"type":"CRON","settings":{"type":"CUSTOM","pattern":"0 24 * * *"}}`, `[{"id":"a","type":"EMPTY"}]`, "from 0 to 23"},
		{`{"type":"CRON","settings":{"type":"CUSTOM","pattern":"0 0 30 2 *"}}`, `[{"id":"a","type":"EMPTY"}]`, "never fires"},
		{`{"type":"CRON","settings":{"type":"HOURS","schedule":{"hour":0,"minute":5}}}`, `[{"id":"a","type":"EMPTY"}]`, "schedule.hour"},
		{`{"type":"CRON","settings":{"type":"WEEKS"}}`, `[{"id":"a","type":"EMPTY"}]`, "MINUTES, HOURS, DAYS or CUSTOM"},
		{`{"type":"NOPE"}`, `[{"id":"a","type":"EMPTY"}]`, "unknown trigger"},
	} {
		err := Validate(flowOf(t, c.trigger, c.steps))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Validate(%s, %s) = %v, want %q", c.trigger, c.steps, err, c.want)
		}
	}
	if err := Validate(flowOf(t, trigger, `[{"id":"a","type":"EMPTY"}]`)); err != nil {
		t.Fatal(err)
	}
}

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// drive runs r like a host: record steps answer with their input, HTTP
// with fail(attempt) or {ok}; it returns the tasks in order.
func drive(r *Run, now time.Time, fail func(*Task) string) []*Task {
	var tasks []*Task
	for t := r.Next(now, true); t != nil; t = r.Next(now, true) {
		tasks = append(tasks, t)
		if msg := fail(t); msg != "" {
			r.Fail(t.StepID, msg, now)
		} else {
			r.Complete(t.StepID, t.Input)
		}
	}
	return tasks
}

func never(*Task) string { return "" }

func TestRunCreateRecordFromTrigger(t *testing.T) {
	f := flowOf(t, `{"type":"MANUAL","nextStepIds":["s1"]}`,
		`[{"id":"s1","type":"CREATE_RECORD","settings":{"input":{"objectName":"task","objectRecord":{"title":"Follow up {{trigger.name}}"}}},"nextStepIds":["s2"]},
		  {"id":"s2","type":"EMPTY","settings":{}}]`)
	r := NewRun("run1", f, map[string]any{"name": "Acme"}, 0)
	tasks := drive(r, t0, never)
	if len(tasks) != 1 || tasks[0].Key != "run1:s1:1" || tasks[0].Input["objectRecord"].(map[string]any)["title"] != "Follow up Acme" {
		t.Fatalf("tasks %+v", tasks)
	}
	if r.Status != RunCompleted || r.State.StepInfos["s1"].Status != StatusSuccess || r.State.StepInfos["s2"].Status != StatusSuccess {
		b, _ := json.Marshal(r)
		t.Fatalf("run %s", b)
	}
}

func TestRunIfElseSkipsTheOtherBranch(t *testing.T) {
	f := flowOf(t, `{"type":"MANUAL","nextStepIds":["if"]}`,
		`[{"id":"if","type":"IF_ELSE","settings":{"input":{
		    "stepFilterGroups":[{"id":"g1","logicalOperator":"AND"}],
		    "stepFilters":[{"id":"f1","stepFilterGroupId":"g1","stepOutputKey":"{{trigger.employees}}","operand":"greaterThan","value":"10"}],
		    "branches":[{"id":"big","filterGroupId":"g1","nextStepIds":["big1"]},{"id":"else","nextStepIds":["small1"]}]}}},
		  {"id":"big1","type":"CREATE_RECORD","settings":{"input":{}},"nextStepIds":["join"]},
		  {"id":"small1","type":"CREATE_RECORD","settings":{"input":{}},"nextStepIds":["join"]},
		  {"id":"join","type":"EMPTY","settings":{}}]`)
	for _, c := range []struct {
		employees     float64
		ran, skipped  string
		matchingBrach string
	}{{50, "big1", "small1", "big"}, {3, "small1", "big1", "else"}} {
		r := NewRun("r", f, map[string]any{"employees": c.employees}, 0)
		tasks := drive(r, t0, never)
		if len(tasks) != 1 || tasks[0].StepID != c.ran || r.State.StepInfos[c.skipped].Status != StatusSkipped ||
			r.State.StepInfos["join"].Status != StatusSuccess || r.Status != RunCompleted ||
			r.State.StepInfos["if"].Result.(map[string]any)["matchingBranchId"] != c.matchingBrach {
			b, _ := json.Marshal(r)
			t.Fatalf("employees %v: tasks %+v run %s", c.employees, tasks, b)
		}
	}
}

func TestRunIteratorOverFoundRecords(t *testing.T) {
	f := flowOf(t, `{"type":"MANUAL","nextStepIds":["find"]}`,
		`[{"id":"find","type":"FIND_RECORDS","settings":{"input":{"objectName":"company"}},"nextStepIds":["loop"]},
		  {"id":"loop","type":"ITERATOR","settings":{"input":{"items":"{{find.all}}","initialLoopStepIds":["upd"]}},"nextStepIds":["end"]},
		  {"id":"upd","type":"UPDATE_RECORD","settings":{"input":{"objectRecordId":"{{loop.currentItem.id}}"}},"nextStepIds":["loop"]},
		  {"id":"end","type":"EMPTY","settings":{}}]`)
	r := NewRun("r", f, nil, 0)
	var keys, ids []string
	for task := r.Next(t0, true); task != nil; task = r.Next(t0, true) {
		keys = append(keys, task.Key)
		if task.StepID == "find" {
			r.Complete("find", map[string]any{"all": []any{map[string]any{"id": "c1"}, map[string]any{"id": "c2"}}})
			continue
		}
		ids = append(ids, task.Input["objectRecordId"].(string))
		r.Complete(task.StepID, map[string]any{})
	}
	if !reflect.DeepEqual(ids, []string{"c1", "c2"}) || !reflect.DeepEqual(keys, []string{"r:find:1", "r:upd:1", "r:upd:2"}) ||
		r.Status != RunCompleted || r.State.StepInfos["end"].Status != StatusSuccess ||
		r.State.StepInfos["loop"].Result.(map[string]any)["hasProcessedAllItems"] != true {
		b, _ := json.Marshal(r)
		t.Fatalf("ids %v keys %v run %s", ids, keys, b)
	}
}

func TestRunFilterEndsBranch(t *testing.T) {
	f := flowOf(t, `{"type":"MANUAL","nextStepIds":["f"]}`,
		`[{"id":"f","type":"FILTER","settings":{"input":{"stepFilters":[{"id":"x","stepOutputKey":"trigger.name","operand":"is","value":"Acme"}]}},"nextStepIds":["c"]},
		  {"id":"c","type":"CREATE_RECORD","settings":{"input":{}}}]`)
	r := NewRun("r", f, map[string]any{"name": "Other"}, 0)
	if tasks := drive(r, t0, never); len(tasks) != 0 || r.State.StepInfos["c"].Status != StatusSkipped || r.Status != RunCompleted {
		t.Fatalf("tasks %v run %+v", tasks, r.State.StepInfos)
	}
	r = NewRun("r", f, map[string]any{"name": "Acme"}, 0)
	if tasks := drive(r, t0, never); len(tasks) != 1 {
		t.Fatalf("tasks %v", tasks)
	}
}

func TestRunRetriesWithOneKeyThenFails(t *testing.T) {
	f := flowOf(t, `{"type":"MANUAL","nextStepIds":["h"]}`,
		`[{"id":"h","type":"HTTP_REQUEST","settings":{"input":{"url":"http://x"},"errorHandlingOptions":{"retryOnFailure":{"value":true},"continueOnFailure":{"value":false}}}}]`)
	r := NewRun("r", f, nil, 0)
	now := t0
	var keys []string
	for i := 0; i < 10 && r.Status == RunRunning; i++ {
		task := r.Next(now, true)
		if task == nil {
			at, ok := r.Due()
			if !ok {
				t.Fatalf("stuck: %+v", r)
			}
			if wait := time.UnixMilli(at).Sub(now); i > 0 && wait != RetryBackoff[len(keys)-1] {
				t.Fatalf("retry %d after %v", len(keys), wait)
			}
			now = time.UnixMilli(at)
			continue
		}
		keys = append(keys, task.Key)
		r.Fail("h", "HTTP 500", now)
	}
	if len(keys) != 4 || keys[0] != keys[3] || r.Status != RunFailed || !strings.Contains(r.Error, "HTTP 500") || r.State.StepInfos["h"].Status != StatusFailed {
		t.Fatalf("keys %v run %s %s", keys, r.Status, r.Error)
	}
	// Deferred I/O: without io the HTTP step stays queued and due now.
	r = NewRun("r", f, nil, 0)
	if task := r.Next(t0, false); task != nil {
		t.Fatalf("HTTP task without io: %+v", task)
	}
	if at, ok := r.Due(); !ok || at != 0 || r.Status != RunRunning {
		t.Fatalf("Due = %v %v", at, ok)
	}
}

func TestRunDelayAndForm(t *testing.T) {
	f := flowOf(t, `{"type":"MANUAL","nextStepIds":["d"]}`,
		`[{"id":"d","type":"DELAY","settings":{"input":{"delayType":"DURATION","duration":{"seconds":30}}},"nextStepIds":["form"]},
		  {"id":"form","type":"FORM","settings":{"input":[]},"nextStepIds":["e"]},
		  {"id":"e","type":"EMPTY","settings":{}}]`)
	r := NewRun("r", f, nil, 0)
	if task := r.Next(t0, true); task != nil || r.State.StepInfos["d"].Status != StatusRunning {
		t.Fatalf("delay: %+v", r.State.StepInfos["d"])
	}
	if at, ok := r.Due(); !ok || at != t0.Add(30*time.Second).UnixMilli() {
		t.Fatalf("Due = %v", at)
	}
	r.Next(t0.Add(29*time.Second), true)
	if r.State.StepInfos["d"].Status != StatusRunning {
		t.Fatal("delay ended early")
	}
	r.Next(t0.Add(30*time.Second), true)
	if r.State.StepInfos["d"].Status != StatusSuccess || r.State.StepInfos["form"].Status != StatusPending || r.Status != RunRunning {
		t.Fatalf("after delay: %+v %s", r.State.StepInfos["form"], r.Status)
	}
	if _, ok := r.Due(); ok {
		t.Fatal("a waiting form is not due by itself")
	}
	if err := r.Submit("e", nil); err == nil {
		t.Fatal("submitted a non-form step")
	}
	if err := r.Submit("form", map[string]any{"answer": "yes"}); err != nil {
		t.Fatal(err)
	}
	r.Next(t0.Add(31*time.Second), true)
	if r.Status != RunCompleted || r.State.StepInfos["e"].Status != StatusSuccess {
		t.Fatalf("after form: %s %+v", r.Status, r.State.StepInfos)
	}
}

func TestRunContinueOnFailureAndStop(t *testing.T) {
	f := flowOf(t, `{"type":"MANUAL","nextStepIds":["a"]}`,
		`[{"id":"a","type":"CREATE_RECORD","settings":{"input":{},"errorHandlingOptions":{"continueOnFailure":{"value":true}}},"nextStepIds":["b"]},
		  {"id":"b","type":"HTTP_REQUEST","settings":{"input":{}}}]`)
	r := NewRun("r", f, nil, 0)
	task := r.Next(t0, true)
	r.Fail(task.StepID, "boom", t0)
	task = r.Next(t0, true)
	if task == nil || task.StepID != "b" || r.State.StepInfos["a"].Status != StatusFailed {
		t.Fatalf("after a failure that continues: %+v", r.State.StepInfos)
	}
	r.Stop()
	r.Complete("b", map[string]any{})
	if r.Status != RunStopped || r.State.StepInfos["b"].Status != StatusStopped {
		t.Fatalf("stopped run: %s %+v", r.Status, r.State.StepInfos["b"])
	}
}

// A run goes through JSON between calls (empty maps come back nil).
func TestRunSurvivesJSON(t *testing.T) {
	f := flowOf(t, `{"type":"MANUAL","nextStepIds":["h"]}`, `[{"id":"h","type":"HTTP_REQUEST","settings":{"input":{}}}]`)
	b, _ := json.Marshal(NewRun("r", f, nil, 0))
	var r Run
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	task := r.Next(t0, true)
	if task == nil || task.Key != "r:h:1" {
		t.Fatalf("task %+v", task)
	}
	b, _ = json.Marshal(&r)
	r = Run{}
	_ = json.Unmarshal(b, &r)
	r.Complete("h", map[string]any{"ok": true})
	if r.Status != RunCompleted {
		t.Fatalf("status %s", r.Status)
	}
}

func TestEditDraftGraph(t *testing.T) {
	f := flowOf(t, `{"type":"MANUAL","nextStepIds":["a"]}`, `[{"id":"a","type":"EMPTY","nextStepIds":["b"]},{"id":"b","type":"EMPTY"}]`)
	s, err := NewStep("n", StepCreateRecord)
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.InsertStep(s, "a", "b") // a → n → b
	if err != nil || !reflect.DeepEqual(c.StepsNextStepIDs, map[string][]string{"a": {"n"}}) || !reflect.DeepEqual(s.NextStepIDs, []string{"b"}) {
		t.Fatalf("insert: %+v %v", c, err)
	}
	c, err = f.DeleteStep("n") // a → b again
	if err != nil || !reflect.DeepEqual(f.Step("a").NextStepIDs, []string{"b"}) || !reflect.DeepEqual(c.DeletedStepIDs, []string{"n"}) {
		t.Fatalf("delete: %+v %v", c, err)
	}
	if c, err = f.AddEdge("trigger", "b"); err != nil || !reflect.DeepEqual(c.TriggerNextStepIDs, []string{"a", "b"}) {
		t.Fatalf("edge: %+v %v", c, err)
	}
	if _, err = f.RemoveEdge("trigger", "b"); err != nil || !reflect.DeepEqual(f.Trigger.NextStepIDs, []string{"a"}) {
		t.Fatalf("remove edge: %v %v", f.Trigger.NextStepIDs, err)
	}
	if _, err := f.RemoveEdge("a", "zz"); err == nil {
		t.Fatal("removed an edge that is not there")
	}
	if _, err := NewStep("x", StepCode); err == nil || !strings.Contains(err.Error(), "not available") {
		t.Fatalf("a CODE step: %v", err)
	}
}

func TestReissueKeepsTheKey(t *testing.T) {
	f := flowOf(t, `{"type":"MANUAL","nextStepIds":["h"]}`, `[{"id":"h","type":"HTTP_REQUEST","settings":{"input":{}}}]`)
	r := NewRun("r", f, nil, 0)
	first := r.Next(t0, true)
	if again := r.Next(t0, true); again != nil {
		t.Fatalf("an in-flight step handed out twice: %+v", again)
	}
	r.Reissue()
	second := r.Next(t0, true)
	if second == nil || second.Key != first.Key {
		t.Fatalf("reissued %+v, first %+v", second, first)
	}
}
