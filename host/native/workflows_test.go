package native_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"edgecrm/auth"
	"edgecrm/durable/stream"
	"edgecrm/durable/workflows"
	"edgecrm/host/dispatch"
	"edgecrm/host/native"
)

// gqlOK runs a GraphQL operation that must succeed and returns its data.
func gqlOK(t *testing.T, h *native.Host, query string, vars map[string]any) map[string]any {
	t.Helper()
	status, m := do(t, h, "POST", "/graphql", mustJSON(map[string]any{"query": query, "variables": vars}))
	if status != 200 || m["errors"] != nil {
		t.Fatalf("%s: %d %v", query, status, m)
	}
	return m["data"].(map[string]any)
}

// newWorkflow creates a workflow and a version of it; it returns the version id.
func newWorkflow(t *testing.T, h *native.Host, trigger, steps string) (workflowID, versionID string) {
	t.Helper()
	var tr, st any
	if err := json.Unmarshal([]byte(trigger), &tr); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(steps), &st); err != nil {
		t.Fatal(err)
	}
	wf := gqlOK(t, h, `mutation { createWorkflow(data: {name: "wf"}) { id } }`, nil)["createWorkflow"].(map[string]any)["id"].(string)
	v := gqlOK(t, h, `mutation($d: WorkflowVersionCreateInput!) { createWorkflowVersion(data: $d) { id status } }`,
		map[string]any{"d": map[string]any{"name": "v1", "workflowId": wf, "trigger": tr, "steps": st}})["createWorkflowVersion"].(map[string]any)
	if v["status"] != "DRAFT" {
		t.Fatalf("new version: %v", v)
	}
	return wf, v["id"].(string)
}

// runs returns the workspace's workflow runs (oldest first) as the record API shows them.
func runs(t *testing.T, h *native.Host) []map[string]any {
	t.Helper()
	d := gqlOK(t, h, `{ workflowRuns(orderBy: [{position: AscNullsFirst}]) { edges { node { id name status state startedAt endedAt enqueuedAt workflowId workflowVersionId } } } }`, nil)
	var out []map[string]any
	for _, e := range d["workflowRuns"].(map[string]any)["edges"].([]any) {
		out = append(out, e.(map[string]any)["node"].(map[string]any))
	}
	return out
}

func stepInfo(run map[string]any, step string) map[string]any {
	return run["state"].(map[string]any)["stepInfos"].(map[string]any)[step].(map[string]any)
}

func taskTitles(t *testing.T, h *native.Host) []string {
	t.Helper()
	d := gqlOK(t, h, `{ tasks { edges { node { title } } } }`, nil)
	var out []string
	for _, e := range d["tasks"].(map[string]any)["edges"].([]any) {
		out = append(out, fmt.Sprint(e.(map[string]any)["node"].(map[string]any)["title"]))
	}
	return out
}

// MANUAL through runWorkflowVersion: a CREATE_RECORD step titles a task
// from the payload; the run completes with full stepInfos, projected on
// its workflowRun record; the same workflowRunId again runs nothing twice.
func TestWorkflowManualRunCreatesRecord(t *testing.T) {
	h := native.MustNew(t)
	wf, ver := newWorkflow(t, h, `{"type":"MANUAL","settings":{},"nextStepIds":["s1"]}`,
		`[{"id":"s1","name":"Create task","type":"CREATE_RECORD","valid":true,
		   "settings":{"input":{"objectName":"task","objectRecord":{"title":"Call {{trigger.company}}"}},"outputSchema":{}}}]`)
	run := `mutation($v: UUID!, $r: UUID) { runWorkflowVersion(input: {workflowVersionId: $v, workflowRunId: $r, payload: {company: "Acme"}}) { workflowRunId } }`
	id := gqlOK(t, h, run, map[string]any{"v": ver})["runWorkflowVersion"].(map[string]any)["workflowRunId"].(string)
	rs := runs(t, h)
	if len(rs) != 1 || rs[0]["id"] != id || rs[0]["status"] != "COMPLETED" || rs[0]["workflowId"] != wf || rs[0]["workflowVersionId"] != ver ||
		rs[0]["startedAt"] == nil || rs[0]["endedAt"] == nil || rs[0]["enqueuedAt"] == nil || rs[0]["name"] != "#1" {
		t.Fatalf("runs: %v", rs)
	}
	trig, s1 := stepInfo(rs[0], "trigger"), stepInfo(rs[0], "s1")
	result, _ := s1["result"].(map[string]any)
	if trig["status"] != "SUCCESS" || trig["result"].(map[string]any)["company"] != "Acme" || s1["status"] != "SUCCESS" || result["title"] != "Call Acme" {
		t.Fatalf("stepInfos: %v", rs[0]["state"])
	}
	if flow := rs[0]["state"].(map[string]any)["flow"].(map[string]any); flow["trigger"].(map[string]any)["type"] != "MANUAL" || len(flow["steps"].([]any)) != 1 {
		t.Fatalf("flow: %v", flow)
	}
	if titles := taskTitles(t, h); len(titles) != 1 || titles[0] != "Call Acme" {
		t.Fatalf("tasks: %v", titles)
	}
	// The same run id again: answered, nothing written twice.
	gqlOK(t, h, run, map[string]any{"v": ver, "r": id})
	if titles := taskTitles(t, h); len(titles) != 1 || len(runs(t, h)) != 1 {
		t.Fatalf("after a repeated run id: tasks %v", titles)
	}
	// A version with a CODE step is refused at activation, and changes nothing.
	_, bad := newWorkflow(t, h, `{"type":"MANUAL","settings":{},"nextStepIds":["c"]}`, `[{"id":"c","name":"Code","type":"CODE","valid":true,"settings":{"input":{}}}]`)
	status, m := do(t, h, "POST", "/graphql", mustJSON(map[string]any{"query": `mutation($v: UUID!) { activateWorkflowVersion(workflowVersionId: $v) }`, "variables": map[string]any{"v": bad}}))
	if status != 400 || !strings.Contains(fmt.Sprint(m["errors"]), "not available in this deployment") || !strings.Contains(fmt.Sprint(m["errors"]), "BAD_USER_INPUT") {
		t.Fatalf("activating a CODE step: %d %v", status, m)
	}
	if v := gqlOK(t, h, `query($v: UUID!) { workflowVersion(filter: {id: {eq: $v}}) { status } }`, map[string]any{"v": bad}); v["workflowVersion"].(map[string]any)["status"] != "DRAFT" {
		t.Fatalf("refused version: %v", v)
	}
}

// DATABASE_EVENT: company.created → HTTP_REQUEST (failing once, retried
// after 1 s with the same Idempotency-Key) → CREATE_RECORD titled from the
// trigger; a redelivered event starts no second run; an update trigger
// fires only for its watched fields.
func TestWorkflowDatabaseEventTrigger(t *testing.T) {
	clock := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	old := dispatch.Now
	dispatch.Now = func() time.Time { return clock }
	t.Cleanup(func() { dispatch.Now = old })
	rc := &receiver{fail: map[int]bool{1: true}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	h := native.MustNew(t)

	wf, ver := newWorkflow(t, h, `{"type":"DATABASE_EVENT","settings":{"eventName":"company.created"},"nextStepIds":["http"]}`,
		fmt.Sprintf(`[{"id":"http","name":"Notify","type":"HTTP_REQUEST","valid":true,"nextStepIds":["task"],
		   "settings":{"input":{"url":%q,"method":"POST","body":{"company":"{{trigger.properties.after.name}}","n":"{{trigger.properties.after.employees}}"}},
		     "errorHandlingOptions":{"retryOnFailure":{"value":true},"continueOnFailure":{"value":false}}}},
		  {"id":"task","name":"Task","type":"CREATE_RECORD","valid":true,
		   "settings":{"input":{"objectName":"task","objectRecord":{"title":"Welcome {{trigger.properties.after.name}}"}}}}]`, srv.URL+"/hook"))
	gqlOK(t, h, `mutation($v: UUID!) { activateWorkflowVersion(workflowVersionId: $v) }`, map[string]any{"v": ver})
	d := gqlOK(t, h, `query($w: UUID!) { workflow(filter: {id: {eq: $w}}) { lastPublishedVersionId statuses automatedTriggers { edges { node { type settings } } } } }`, map[string]any{"w": wf})
	w := d["workflow"].(map[string]any)
	if w["lastPublishedVersionId"] != ver || fmt.Sprint(w["statuses"]) != "[ACTIVE]" || len(w["automatedTriggers"].(map[string]any)["edges"].([]any)) != 1 {
		t.Fatalf("activated workflow: %v", w)
	}

	do(t, h, "POST", "/rest/companies", `{"name":"Acme","employees":7}`)
	if err := h.DrainQueue(100, 5); err != nil {
		t.Fatal(err)
	}
	rs := runs(t, h)
	if len(rs) != 1 || rs[0]["status"] != "RUNNING" {
		t.Fatalf("run after the event: %v", rs)
	}
	fire := func() {
		t.Helper()
		if _, err := h.FireAlarm(ws); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok := h.Alarm(ws); !ok {
		t.Fatal("no alarm for the HTTP step")
	}
	fire() // the HTTP step: answered 500
	if len(rc.got) != 1 || stepInfo(runs(t, h)[0], "http")["error"] != "HTTP 500" {
		t.Fatalf("first attempt: %d posts, run %v", len(rc.got), runs(t, h)[0]["state"])
	}
	clock = clock.Add(time.Second)
	fire() // the retry
	rs = runs(t, h)
	if len(rc.got) != 2 || rs[0]["status"] != "COMPLETED" {
		t.Fatalf("after the retry: %d posts, run %v", len(rc.got), rs[0])
	}
	k1, k2 := rc.got[0].Header.Get("Idempotency-Key"), rc.got[1].Header.Get("Idempotency-Key")
	if k1 == "" || k1 != k2 || rc.body[1] != `{"company":"Acme","n":7}` {
		t.Fatalf("keys %q %q body %s", k1, k2, rc.body[1])
	}
	if titles := taskTitles(t, h); len(titles) != 1 || titles[0] != "Welcome Acme" {
		t.Fatalf("tasks: %v", titles)
	}
	if s := stepInfo(rs[0], "http"); s["status"] != "SUCCESS" {
		t.Fatalf("http step: %v", s)
	}
	// A redelivered event starts nothing.
	seq := int(gqlOK(t, h, `{ companies { edges { node { position } } } }`, nil)["companies"].(map[string]any)["edges"].([]any)[0].(map[string]any)["node"].(map[string]any)["position"].(float64))
	do(t, h, "POST", fmt.Sprintf("/admin/requeue?seq=%d", seq), "")
	if err := h.DrainQueue(100, 5); err != nil {
		t.Fatal(err)
	}
	fire()
	if n := len(runs(t, h)); n != 1 || len(rc.got) != 2 {
		t.Fatalf("after a redelivery: %d runs, %d posts", n, len(rc.got))
	}

	// An update trigger watching employees.
	_, upd := newWorkflow(t, h, `{"type":"DATABASE_EVENT","settings":{"eventName":"company.updated","fields":["employees"]},"nextStepIds":["e"]}`,
		`[{"id":"e","name":"Noop","type":"EMPTY","valid":true,"settings":{"input":{}}}]`)
	gqlOK(t, h, `mutation($v: UUID!) { activateWorkflowVersion(workflowVersionId: $v) }`, map[string]any{"v": upd})
	id := gqlOK(t, h, `{ companies { edges { node { id } } } }`, nil)["companies"].(map[string]any)["edges"].([]any)[0].(map[string]any)["node"].(map[string]any)["id"].(string)
	do(t, h, "PATCH", "/rest/companies/"+id, `{"name":"Acme Inc"}`)
	if err := h.DrainQueue(100, 5); err != nil {
		t.Fatal(err)
	}
	if n := len(runs(t, h)); n != 1 {
		t.Fatalf("an update of an unwatched field started a run (%d runs)", n)
	}
	do(t, h, "PATCH", "/rest/companies/"+id, `{"employees":9}`)
	if err := h.DrainQueue(100, 5); err != nil {
		t.Fatal(err)
	}
	rs = runs(t, h)
	if len(rs) != 2 || rs[1]["status"] != "COMPLETED" || fmt.Sprint(stepInfo(rs[1], "trigger")["result"].(map[string]any)["properties"].(map[string]any)["updatedFields"]) != "[employees]" {
		t.Fatalf("update run: %v", rs)
	}
	// Deactivated, the trigger fires no more.
	gqlOK(t, h, `mutation($v: UUID!) { deactivateWorkflowVersion(workflowVersionId: $v) }`, map[string]any{"v": upd})
	do(t, h, "PATCH", "/rest/companies/"+id, `{"employees":10}`)
	if err := h.DrainQueue(100, 5); err != nil {
		t.Fatal(err)
	}
	if n := len(runs(t, h)); n != 2 {
		t.Fatalf("a deactivated trigger ran (%d runs)", n)
	}
}

// A workflow whose own writes retrigger it stops at the loop guard: runs
// of depth 0..MaxDepth complete, the next one fails and says why.
func TestWorkflowLoopGuard(t *testing.T) {
	h := native.MustNew(t)
	_, ver := newWorkflow(t, h, `{"type":"DATABASE_EVENT","settings":{"eventName":"company.updated"},"nextStepIds":["u"]}`,
		`[{"id":"u","name":"Bump","type":"UPDATE_RECORD","valid":true,
		   "settings":{"input":{"objectName":"company","objectRecordId":"{{trigger.recordId}}","objectRecord":{"employees":"{{trigger.properties.after.position}}"}}}}]`)
	gqlOK(t, h, `mutation($v: UUID!) { activateWorkflowVersion(workflowVersionId: $v) }`, map[string]any{"v": ver})
	_, c := do(t, h, "POST", "/rest/companies", `{"name":"Loop"}`)
	id := c["data"].(map[string]any)["createCompany"].(map[string]any)["id"].(string)
	do(t, h, "PATCH", "/rest/companies/"+id, `{"employees":1}`)
	if err := h.DrainQueue(100, 50); err != nil {
		t.Fatal(err)
	}
	rs := runs(t, h)
	if len(rs) != workflows.MaxDepth+2 {
		t.Fatalf("%d runs, want %d: %v", len(rs), workflows.MaxDepth+2, rs)
	}
	for i, r := range rs[:len(rs)-1] {
		if r["status"] != "COMPLETED" {
			t.Fatalf("run %d: %v", i, r)
		}
	}
	last := rs[len(rs)-1]
	if last["status"] != "FAILED" || !strings.Contains(fmt.Sprint(last["state"].(map[string]any)["error"]), "loop guard") {
		t.Fatalf("last run: %v", last)
	}
}

// FIND_RECORDS → ITERATOR → IF_ELSE per item (UPDATE_RECORD on big
// companies, CREATE_RECORD of a note for the others), then a FILTER that
// ends the run's last branch.
func TestWorkflowIteratorIfElseFilter(t *testing.T) {
	h := native.MustNew(t)
	for _, c := range []string{`{"name":"Big","employees":500}`, `{"name":"Small","employees":5}`, `{"name":"Mid","employees":50}`} {
		do(t, h, "POST", "/rest/companies", c)
	}
	wf, ver := newWorkflow(t, h, `{"type":"MANUAL","settings":{},"nextStepIds":["find"]}`,
		`[{"id":"find","name":"Find","type":"FIND_RECORDS","valid":true,"nextStepIds":["loop"],
		   "settings":{"input":{"objectName":"company","filter":{"employees":{"gte":10}},"limit":10}}},
		  {"id":"loop","name":"Each","type":"ITERATOR","valid":true,"nextStepIds":["last"],
		   "settings":{"input":{"items":"{{find.all}}","initialLoopStepIds":["if"]}}},
		  {"id":"if","name":"Big?","type":"IF_ELSE","valid":true,"settings":{"input":{
		     "stepFilterGroups":[{"id":"g","logicalOperator":"AND"}],
		     "stepFilters":[{"id":"f","type":"NUMBER","stepFilterGroupId":"g","stepOutputKey":"{{loop.currentItem.employees}}","operand":"greaterThanOrEqual","value":"100"}],
		     "branches":[{"id":"yes","filterGroupId":"g","nextStepIds":["upd"]},{"id":"no","nextStepIds":["note"]}]}}},
		  {"id":"upd","name":"Tag","type":"UPDATE_RECORD","valid":true,"nextStepIds":["loop"],
		   "settings":{"input":{"objectName":"company","objectRecordId":"{{loop.currentItem.id}}","objectRecord":{"name":"{{loop.currentItem.name}} (big)"}}}},
		  {"id":"note","name":"Note","type":"CREATE_RECORD","valid":true,"nextStepIds":["loop"],
		   "settings":{"input":{"objectName":"note","objectRecord":{"title":"Watch {{loop.currentItem.name}}"}}}},
		  {"id":"last","name":"Only if found","type":"FILTER","valid":true,"nextStepIds":["never"],
		   "settings":{"input":{"stepFilters":[{"id":"x","stepOutputKey":"{{find.totalCount}}","operand":"greaterThan","value":"5"}]}}},
		  {"id":"never","name":"Never","type":"CREATE_RECORD","valid":true,
		   "settings":{"input":{"objectName":"note","objectRecord":{"title":"never"}}}}]`)
	gqlOK(t, h, `mutation($v: UUID!) { runWorkflowVersion(input: {workflowVersionId: $v}) { workflowRunId } }`, map[string]any{"v": ver})
	rs := runs(t, h)
	if len(rs) != 1 || rs[0]["status"] != "COMPLETED" || rs[0]["workflowId"] != wf {
		t.Fatalf("run: %v", rs)
	}
	names := gqlOK(t, h, `{ companies(orderBy: [{name: AscNullsFirst}]) { edges { node { name } } } }`, nil)
	if got := fmt.Sprint(names["companies"].(map[string]any)["edges"]); got != "[map[node:map[name:Big (big)]] map[node:map[name:Mid]] map[node:map[name:Small]]]" {
		t.Fatalf("companies: %s", got)
	}
	notes := gqlOK(t, h, `{ notes { edges { node { title } } } }`, nil)
	if got := fmt.Sprint(notes["notes"].(map[string]any)["edges"]); got != "[map[node:map[title:Watch Mid]]]" {
		t.Fatalf("notes: %s", got)
	}
	if s := stepInfo(rs[0], "never"); s["status"] != "SKIPPED" || stepInfo(rs[0], "last")["result"].(map[string]any)["matchesFilter"] != false {
		t.Fatalf("filter: %v", rs[0]["state"])
	}
	if s := stepInfo(rs[0], "loop"); s["result"].(map[string]any)["hasProcessedAllItems"] != true {
		t.Fatalf("iterator: %v", s)
	}
}

// DELAY waits for the object's alarm; a FORM waits for submitFormStep;
// stopWorkflowRun ends a waiting run; a CRON trigger fires on the alarm.
func TestWorkflowDelayFormStopCron(t *testing.T) {
	clock := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	old := dispatch.Now
	dispatch.Now = func() time.Time { return clock }
	t.Cleanup(func() { dispatch.Now = old })
	// The stream's watch of its consumer (an alarm one quiet period after a
	// send) must not come before the DELAY's alarm this test looks at.
	if err := auth.Configure(map[string]string{stream.EnvResendQuietMs: "600000"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { auth.Configure(map[string]string{}) })
	h := native.MustNew(t)
	_, ver := newWorkflow(t, h, `{"type":"MANUAL","settings":{},"nextStepIds":["wait"]}`,
		`[{"id":"wait","name":"Wait","type":"DELAY","valid":true,"nextStepIds":["form"],
		   "settings":{"input":{"delayType":"DURATION","duration":{"minutes":2}}}},
		  {"id":"form","name":"Ask","type":"FORM","valid":true,"nextStepIds":["task"],"settings":{"input":[{"name":"title","type":"TEXT"}]}},
		  {"id":"task","name":"Task","type":"CREATE_RECORD","valid":true,
		   "settings":{"input":{"objectName":"task","objectRecord":{"title":"{{form.title}}"}}}}]`)
	run := `mutation($v: UUID!) { runWorkflowVersion(input: {workflowVersionId: $v}) { workflowRunId } }`
	id := gqlOK(t, h, run, map[string]any{"v": ver})["runWorkflowVersion"].(map[string]any)["workflowRunId"].(string)
	if at, ok := h.Alarm(ws); !ok || at != 2*60*1000 {
		t.Fatalf("alarm %v %v, want in 2 minutes", at, ok)
	}
	if err := h.Restart(); err != nil { // the wait survives anything held in memory
		t.Fatal(err)
	}
	clock = clock.Add(time.Minute)
	if _, err := h.FireAlarm(ws); err != nil {
		t.Fatal(err)
	}
	if s := stepInfo(runs(t, h)[0], "wait"); s["status"] != "RUNNING" {
		t.Fatalf("delay ended early: %v", s)
	}
	clock = clock.Add(time.Minute)
	if _, err := h.FireAlarm(ws); err != nil {
		t.Fatal(err)
	}
	r := runs(t, h)[0]
	if stepInfo(r, "wait")["status"] != "SUCCESS" || stepInfo(r, "form")["status"] != "PENDING" || r["status"] != "RUNNING" {
		t.Fatalf("after the delay: %v", r["state"])
	}
	submit := `mutation($r: UUID!, $s: String!) { submitFormStep(input: {workflowRunId: $r, stepId: $s, response: {title: "From the form"}}) }`
	status, m := do(t, h, "POST", "/graphql", mustJSON(map[string]any{"query": submit, "variables": map[string]any{"r": id, "s": "task"}}))
	if status != 400 {
		t.Fatalf("submitting a step that is no form: %d %v", status, m)
	}
	gqlOK(t, h, submit, map[string]any{"r": id, "s": "form"})
	if r := runs(t, h)[0]; r["status"] != "COMPLETED" || fmt.Sprint(taskTitles(t, h)) != "[From the form]" {
		t.Fatalf("after the form: %v %v", r["status"], taskTitles(t, h))
	}
	// A second run, stopped while it waits.
	id2 := gqlOK(t, h, run, map[string]any{"v": ver})["runWorkflowVersion"].(map[string]any)["workflowRunId"].(string)
	st := gqlOK(t, h, `mutation($r: UUID!) { stopWorkflowRun(workflowRunId: $r) { id status } }`, map[string]any{"r": id2})["stopWorkflowRun"].(map[string]any)
	if st["status"] != "STOPPED" {
		t.Fatalf("stopped run: %v", st)
	}
	clock = clock.Add(time.Hour)
	if _, err := h.FireAlarm(ws); err != nil {
		t.Fatal(err)
	}
	if rs := runs(t, h); rs[1]["status"] != "STOPPED" || stepInfo(rs[1], "wait")["status"] != "STOPPED" {
		t.Fatalf("after stop: %v", rs[1])
	}

	// CRON every 30 seconds.
	cwf, cver := newWorkflow(t, h, `{"type":"CRON","settings":{"type":"CUSTOM","pattern":"*/30 * * * * *"},"nextStepIds":["n"]}`,
		`[{"id":"n","name":"Note","type":"CREATE_RECORD","valid":true,"settings":{"input":{"objectName":"note","objectRecord":{"title":"tick"}}}}]`)
	gqlOK(t, h, `mutation($v: UUID!) { activateWorkflowVersion(workflowVersionId: $v) }`, map[string]any{"v": cver})
	for i := 0; i < 2; i++ {
		clock = clock.Add(30 * time.Second)
		if _, err := h.FireAlarm(ws); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	for _, r := range runs(t, h) {
		if r["workflowId"] == cwf && r["status"] == "COMPLETED" {
			n++
		}
	}
	if n != 2 {
		t.Fatalf("%d cron runs after two periods, want 2", n)
	}
}

// A WEBHOOK trigger through the edge, unauthenticated as in Twenty: the
// POST body is the trigger's payload; an unknown workflow, a wrong method,
// a body that is not JSON and an unknown workspace are refused (and create
// nothing).
func TestWorkflowWebhookTrigger(t *testing.T) {
	h := native.MustNew(t)
	wf, ver := newWorkflow(t, h, `{"type":"WEBHOOK","settings":{"httpMethod":"POST","expectedBody":{"title":"x"}},"nextStepIds":["t"]}`,
		`[{"id":"t","name":"Task","type":"CREATE_RECORD","valid":true,"settings":{"input":{"objectName":"task","objectRecord":{"title":"Hook: {{trigger.title}}"}}}}]`)
	edge := func(method, path, body string) (int, map[string]any) {
		t.Helper()
		r, err := h.Edge(native.Request(method, path, body))
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		_ = json.Unmarshal([]byte(r.Body), &m)
		return r.Status, m
	}
	path := "/webhooks/workflows/" + ws + "/" + wf
	if status, m := edge("POST", path, `{"title":"early"}`); status != 404 {
		t.Fatalf("before activation: %d %v", status, m)
	}
	gqlOK(t, h, `mutation($v: UUID!) { activateWorkflowVersion(workflowVersionId: $v) }`, map[string]any{"v": ver})
	status, m := edge("POST", path, `{"title":"from outside"}`)
	if status != 200 || m["success"] != true {
		t.Fatalf("webhook: %d %v", status, m)
	}
	rs := runs(t, h)
	if len(rs) != 1 || rs[0]["id"] != m["workflowRunId"] || rs[0]["status"] != "COMPLETED" || fmt.Sprint(taskTitles(t, h)) != "[Hook: from outside]" {
		t.Fatalf("run %v tasks %v", rs, taskTitles(t, h))
	}
	for _, c := range []struct {
		method, path, body string
		status             int
	}{
		{"GET", path, "", 405},
		{"POST", path, `not json`, 400},
		{"POST", "/webhooks/workflows/" + ws + "/00000000-0000-0000-0000-000000000000", `{}`, 404},
		{"POST", "/webhooks/workflows/nowhere/" + wf, `{}`, 404},
	} {
		if status, m := edge(c.method, c.path, c.body); status != c.status {
			t.Errorf("%s %s: %d %v, want %d", c.method, c.path, status, m, c.status)
		}
	}
	if len(runs(t, h)) != 1 {
		t.Fatal("a refused webhook started a run")
	}
	if db, err := h.Object("nowhere"); err == nil {
		if rows, _ := db.Exec(`SELECT name FROM sqlite_master WHERE name = '_events'`); rows != nil && len(rows.Values) > 0 {
			t.Fatal("a webhook to an unknown workspace created it")
		}
	}
}

// A draft's graph edited with Twenty's step and edge mutations, then run;
// an active version refuses edits, createDraftFromWorkflowVersion makes a
// new draft of it.
func TestWorkflowDraftEditing(t *testing.T) {
	h := native.MustNew(t)
	wf, ver := newWorkflow(t, h, `{"type":"MANUAL","settings":{},"nextStepIds":[]}`, `[]`)
	changes := `triggerNextStepIds stepsNextStepIds deletedStepIds createdStep { id type valid nextStepIds settings }`
	d := gqlOK(t, h, `mutation($v: String!) { createWorkflowVersionStep(input: {workflowVersionId: $v, stepType: "CREATE_RECORD", parentStepId: "trigger"}) { `+changes+` } }`, map[string]any{"v": ver})
	c := d["createWorkflowVersionStep"].(map[string]any)
	step := c["createdStep"].(map[string]any)
	if step["type"] != "CREATE_RECORD" || fmt.Sprint(c["triggerNextStepIds"]) != fmt.Sprintf("[%s]", step["id"]) {
		t.Fatalf("created: %v", c)
	}
	step["settings"].(map[string]any)["input"] = map[string]any{"objectName": "task", "objectRecord": map[string]any{"title": "Edited"}}
	step["valid"] = true
	gqlOK(t, h, `mutation($v: String!, $s: JSON!) { updateWorkflowVersionStep(input: {workflowVersionId: $v, step: $s}) { id } }`, map[string]any{"v": ver, "s": step})
	e := gqlOK(t, h, `mutation($v: String!, $p: String!) { createWorkflowVersionStep(input: {workflowVersionId: $v, stepType: "EMPTY", parentStepId: $p}) { `+changes+` } }`,
		map[string]any{"v": ver, "p": step["id"]})["createWorkflowVersionStep"].(map[string]any)
	empty := e["createdStep"].(map[string]any)["id"].(string)
	gqlOK(t, h, `mutation($v: String!, $s: String!, $t: String!) { deleteWorkflowVersionEdge(input: {workflowVersionId: $v, source: $s, target: $t}) { stepsNextStepIds } }`,
		map[string]any{"v": ver, "s": step["id"], "t": empty})
	gqlOK(t, h, `mutation($v: String!, $t: String!) { createWorkflowVersionEdge(input: {workflowVersionId: $v, source: "trigger", target: $t}) { triggerNextStepIds } }`,
		map[string]any{"v": ver, "t": empty})
	del := gqlOK(t, h, `mutation($v: String!, $s: String!) { deleteWorkflowVersionStep(input: {workflowVersionId: $v, stepId: $s}) { `+changes+` } }`,
		map[string]any{"v": ver, "s": empty})["deleteWorkflowVersionStep"].(map[string]any)
	if fmt.Sprint(del["deletedStepIds"]) != fmt.Sprintf("[%s]", empty) || fmt.Sprint(del["triggerNextStepIds"]) != fmt.Sprintf("[%s]", step["id"]) {
		t.Fatalf("deleted: %v", del)
	}
	gqlOK(t, h, `mutation($v: UUID!) { activateWorkflowVersion(workflowVersionId: $v) }`, map[string]any{"v": ver})
	gqlOK(t, h, `mutation($v: UUID!) { runWorkflowVersion(input: {workflowVersionId: $v}) { workflowRunId } }`, map[string]any{"v": ver})
	if fmt.Sprint(taskTitles(t, h)) != "[Edited]" || runs(t, h)[0]["status"] != "COMPLETED" {
		t.Fatalf("run of the edited version: %v %v", taskTitles(t, h), runs(t, h))
	}
	status, m := do(t, h, "POST", "/graphql", mustJSON(map[string]any{"query": `mutation($v: String!) { deleteWorkflowVersionStep(input: {workflowVersionId: $v, stepId: "x"}) { deletedStepIds } }`, "variables": map[string]any{"v": ver}}))
	if status != 400 || !strings.Contains(fmt.Sprint(m["errors"]), "only a DRAFT version") {
		t.Fatalf("editing an active version: %d %v", status, m)
	}
	draft := gqlOK(t, h, `mutation($w: String!, $v: String!) { createDraftFromWorkflowVersion(input: {workflowId: $w, workflowVersionIdToCopy: $v}) { id name status steps } }`,
		map[string]any{"w": wf, "v": ver})["createDraftFromWorkflowVersion"].(map[string]any)
	if draft["id"] == ver || draft["status"] != "DRAFT" || draft["name"] != "v2" || len(draft["steps"].([]any)) != 1 {
		t.Fatalf("draft: %v", draft)
	}
}

// Ended runs beyond the newest MaxRunsPerWorkflow of a workflow, or older
// than RunRetention, are forgotten, record included.
func TestWorkflowRunRetention(t *testing.T) {
	clock := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	old, oldMax := dispatch.Now, workflows.MaxRunsPerWorkflow
	dispatch.Now = func() time.Time { return clock }
	workflows.MaxRunsPerWorkflow = 3
	t.Cleanup(func() { dispatch.Now, workflows.MaxRunsPerWorkflow = old, oldMax })
	h := native.MustNew(t)
	_, ver := newWorkflow(t, h, `{"type":"MANUAL","settings":{},"nextStepIds":["e"]}`, `[{"id":"e","name":"e","type":"EMPTY","valid":true,"settings":{"input":{}}}]`)
	run := func() string {
		clock = clock.Add(time.Second)
		return gqlOK(t, h, `mutation($v: UUID!) { runWorkflowVersion(input: {workflowVersionId: $v}) { workflowRunId } }`, map[string]any{"v": ver})["runWorkflowVersion"].(map[string]any)["workflowRunId"].(string)
	}
	var ids []string
	for i := 0; i < 5; i++ {
		ids = append(ids, run())
	}
	var kept []string
	for _, r := range runs(t, h) {
		kept = append(kept, r["id"].(string))
	}
	if fmt.Sprint(kept) != fmt.Sprint(ids[2:]) {
		t.Fatalf("kept %v, want the newest three %v", kept, ids[2:])
	}
	clock = clock.Add(workflows.RunRetention + time.Hour)
	last := run()
	if rs := runs(t, h); len(rs) != 1 || rs[0]["id"] != last {
		t.Fatalf("after the retention period: %v", rs)
	}
}

// Beyond RunsPerMinute runs started in a minute, a new run waits
// NOT_STARTED; the alarm starts it once the minute has passed.
func TestWorkflowThrottle(t *testing.T) {
	clock := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	old, oldRate := dispatch.Now, workflows.RunsPerMinute
	dispatch.Now = func() time.Time { return clock }
	workflows.RunsPerMinute = 2
	t.Cleanup(func() { dispatch.Now, workflows.RunsPerMinute = old, oldRate })
	h := native.MustNew(t)
	_, ver := newWorkflow(t, h, `{"type":"MANUAL","settings":{},"nextStepIds":["e"]}`, `[{"id":"e","name":"e","type":"EMPTY","valid":true,"settings":{"input":{}}}]`)
	for i := 0; i < 3; i++ {
		clock = clock.Add(time.Second)
		gqlOK(t, h, `mutation($v: UUID!) { runWorkflowVersion(input: {workflowVersionId: $v}) { workflowRunId } }`, map[string]any{"v": ver})
	}
	rs := runs(t, h)
	if rs[0]["status"] != "COMPLETED" || rs[1]["status"] != "COMPLETED" || rs[2]["status"] != "NOT_STARTED" || rs[2]["startedAt"] != nil {
		t.Fatalf("runs: %v %v %v", rs[0]["status"], rs[1]["status"], rs[2]["status"])
	}
	at, ok := h.Alarm(ws)
	if !ok || at != 58_000 { // the first run started 2 s before the third
		t.Fatalf("alarm in %d ms (%v), want when the first run leaves the minute", at, ok)
	}
	clock = clock.Add(58 * time.Second)
	if _, err := h.FireAlarm(ws); err != nil {
		t.Fatal(err)
	}
	if rs := runs(t, h); rs[2]["status"] != "COMPLETED" || rs[2]["startedAt"] == nil {
		t.Fatalf("throttled run after the minute: %v", rs[2])
	}
}

// SEND_EMAIL goes through the send_email binding from the alarm (the
// mutation does not wait on it); a bad address fails the step.
func TestWorkflowSendEmail(t *testing.T) {
	h := native.MustNew(t)
	_, ver := newWorkflow(t, h, `{"type":"MANUAL","settings":{},"nextStepIds":["mail"]}`,
		`[{"id":"mail","name":"Mail","type":"SEND_EMAIL","valid":true,
		   "settings":{"input":{"connectedAccountId":"","email":"{{trigger.to}}","subject":"Hello {{trigger.name}}","body":"Welcome aboard, {{trigger.name}}."}}}]`)
	run := `mutation($v: UUID!, $p: JSON) { runWorkflowVersion(input: {workflowVersionId: $v, payload: $p}) { workflowRunId } }`
	gqlOK(t, h, run, map[string]any{"v": ver, "p": map[string]any{"to": "ada@example.com", "name": "Ada"}})
	if len(h.Emails) != 0 || runs(t, h)[0]["status"] != "RUNNING" {
		t.Fatal("the email went out before the alarm")
	}
	if _, err := h.FireAlarm(ws); err != nil {
		t.Fatal(err)
	}
	if len(h.Emails) != 1 || fmt.Sprint(h.Emails[0].To) != "[ada@example.com]" || h.Emails[0].Subject != "Hello Ada" ||
		h.Emails[0].Text != "Welcome aboard, Ada." || h.Emails[0].From == "" {
		t.Fatalf("emails: %+v", h.Emails)
	}
	r := runs(t, h)[0]
	if r["status"] != "COMPLETED" || stepInfo(r, "mail")["result"].(map[string]any)["messageId"] == "" {
		t.Fatalf("run: %v", r)
	}
	gqlOK(t, h, run, map[string]any{"v": ver, "p": map[string]any{"to": "not an address", "name": "X"}})
	if _, err := h.FireAlarm(ws); err != nil {
		t.Fatal(err)
	}
	if r := runs(t, h)[1]; r["status"] != "FAILED" || !strings.Contains(fmt.Sprint(stepInfo(r, "mail")["error"]), "not an email address") || len(h.Emails) != 1 {
		t.Fatalf("bad address: %v", r)
	}
}

// An HTTP step whose answer was lost (the object evicted mid-request) is
// asked again, with the same Idempotency-Key, once its lease has passed;
// not before, even when the alarm wakes the run for another step.
func TestWorkflowLostAnswerIsAskedAgain(t *testing.T) {
	clock := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	old := dispatch.Now
	dispatch.Now = func() time.Time { return clock }
	t.Cleanup(func() { dispatch.Now = old })
	rc := &receiver{fail: map[int]bool{}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	h := native.MustNew(t)
	_, ver := newWorkflow(t, h, `{"type":"MANUAL","settings":{},"nextStepIds":["http","wait"]}`,
		fmt.Sprintf(`[{"id":"http","name":"h","type":"HTTP_REQUEST","valid":true,"settings":{"input":{"url":%q,"method":"POST"}}},
		  {"id":"wait","name":"w","type":"DELAY","valid":true,"settings":{"input":{"delayType":"DURATION","duration":{"seconds":5}}}}]`, srv.URL))
	gqlOK(t, h, `mutation($v: UUID!) { runWorkflowVersion(input: {workflowVersionId: $v}) { workflowRunId } }`, map[string]any{"v": ver})
	// Lose the HTTP answer: the request goes out, its continuation never runs.
	h.Lose = map[string]bool{workflows.EntryHTTPDone: true}
	if _, err := h.FireAlarm(ws); err != nil {
		t.Fatal(err)
	}
	h.Lose = nil
	if len(rc.got) != 1 {
		t.Fatalf("%d requests, want 1", len(rc.got))
	}
	clock = clock.Add(5 * time.Second) // the DELAY is due, the lease is not over
	if _, err := h.FireAlarm(ws); err != nil {
		t.Fatal(err)
	}
	if len(rc.got) != 1 {
		t.Fatalf("asked again within the lease: %d requests", len(rc.got))
	}
	clock = clock.Add(time.Minute)
	if _, err := h.FireAlarm(ws); err != nil {
		t.Fatal(err)
	}
	r := runs(t, h)[0]
	if len(rc.got) != 2 || rc.got[0].Header.Get("Idempotency-Key") != rc.got[1].Header.Get("Idempotency-Key") || r["status"] != "COMPLETED" {
		t.Fatalf("%d requests, run %v", len(rc.got), r["status"])
	}
}

// One workflow cannot take the workspace's whole rate: past
// RunsPerWorkflowMinute its new runs wait, another workflow's run starts.
func TestWorkflowPerWorkflowCap(t *testing.T) {
	clock := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	old, oldCap := dispatch.Now, workflows.RunsPerWorkflowMinute
	dispatch.Now = func() time.Time { return clock }
	workflows.RunsPerWorkflowMinute = 1
	t.Cleanup(func() { dispatch.Now, workflows.RunsPerWorkflowMinute = old, oldCap })
	h := native.MustNew(t)
	steps := `[{"id":"e","name":"e","type":"EMPTY","valid":true,"settings":{"input":{}}}]`
	_, a := newWorkflow(t, h, `{"type":"MANUAL","settings":{},"nextStepIds":["e"]}`, steps)
	_, b := newWorkflow(t, h, `{"type":"MANUAL","settings":{},"nextStepIds":["e"]}`, steps)
	for _, v := range []string{a, a, b} {
		gqlOK(t, h, `mutation($v: UUID!) { runWorkflowVersion(input: {workflowVersionId: $v}) { workflowRunId } }`, map[string]any{"v": v})
	}
	rs := runs(t, h)
	if rs[0]["status"] != "COMPLETED" || rs[1]["status"] != "NOT_STARTED" || rs[2]["status"] != "COMPLETED" {
		t.Fatalf("runs: %v %v %v", rs[0]["status"], rs[1]["status"], rs[2]["status"])
	}
	clock = clock.Add(time.Minute)
	if _, err := h.FireAlarm(ws); err != nil {
		t.Fatal(err)
	}
	if rs := runs(t, h); rs[1]["status"] != "COMPLETED" {
		t.Fatalf("after the minute: %v", rs[1]["status"])
	}
}

// An update trigger sees the record before the update as Twenty shows it:
// properties.before (the record as it was just before this update) and
// diff {field: {before, after}}; {{trigger.properties.before.<field>}}
// reads it. The kept values are forgotten once the run started.
func TestWorkflowUpdateTriggerBefore(t *testing.T) {
	h := native.MustNew(t)
	_, ver := newWorkflow(t, h, `{"type":"DATABASE_EVENT","settings":{"eventName":"company.updated"},"nextStepIds":["task"]}`,
		`[{"id":"task","name":"Task","type":"CREATE_RECORD","valid":true,
		   "settings":{"input":{"objectName":"task","objectRecord":{"title":"{{trigger.properties.before.name}} is now {{trigger.properties.after.name}} ({{trigger.properties.before.employees}} staff)"}}}}]`)
	gqlOK(t, h, `mutation($v: UUID!) { activateWorkflowVersion(workflowVersionId: $v) }`, map[string]any{"v": ver})
	_, m := do(t, h, "POST", "/rest/companies", `{"name":"Old Name","employees":3}`)
	id := m["data"].(map[string]any)["createCompany"].(map[string]any)["id"].(string)
	do(t, h, "PATCH", "/rest/companies/"+id, `{"name":"New Name"}`)
	do(t, h, "PATCH", "/rest/companies/"+id, `{"name":"Newer Name","employees":4}`) // one notice for both
	if err := h.DrainQueue(100, 5); err != nil {
		t.Fatal(err)
	}
	titles := taskTitles(t, h)
	sort.Strings(titles)
	if fmt.Sprint(titles) != "[New Name is now Newer Name (3 staff) Old Name is now New Name (3 staff)]" {
		t.Fatalf("tasks: %q", titles)
	}
	for _, r := range runs(t, h) {
		props := stepInfo(r, "trigger")["result"].(map[string]any)["properties"].(map[string]any)
		diff := props["diff"].(map[string]any)["name"].(map[string]any)
		if props["before"].(map[string]any)["name"] != diff["before"] || props["after"].(map[string]any)["name"] != diff["after"] || diff["before"] == diff["after"] {
			t.Fatalf("trigger properties: %v", props)
		}
	}
	db, _ := h.Object(ws)
	if rows, _ := db.Exec(`SELECT count(*) FROM _wf_before`); rows.Int() != 0 {
		t.Fatalf("%d kept before-values left after the runs started", rows.Int())
	}
}

// A SEND_EMAIL step whose answer was lost is asked again once its lease
// has passed, as the same message: the same Message-ID (derived from run,
// step and execution) in the raw MIME message; once its result is
// recorded the alarm sends nothing more.
func TestWorkflowSendEmailIsIdempotent(t *testing.T) {
	clock := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	old := dispatch.Now
	dispatch.Now = func() time.Time { return clock }
	t.Cleanup(func() { dispatch.Now = old })
	h := native.MustNew(t)
	_, ver := newWorkflow(t, h, `{"type":"MANUAL","settings":{},"nextStepIds":["mail"]}`,
		`[{"id":"mail","name":"Mail","type":"SEND_EMAIL","valid":true,
		   "settings":{"input":{"email":"ada@example.com, bob@example.com","subject":"Héllo","body":"Line one\nLine two"}}}]`)
	gqlOK(t, h, `mutation($v: UUID!) { runWorkflowVersion(input: {workflowVersionId: $v}) { workflowRunId } }`, map[string]any{"v": ver})
	h.Lose = map[string]bool{workflows.EntryEmailDone: true}
	if _, err := h.FireAlarm(ws); err != nil {
		t.Fatal(err)
	}
	h.Lose = nil
	if len(h.Emails) != 1 {
		t.Fatalf("%d emails, want 1", len(h.Emails))
	}
	first := h.Emails[0]
	if !strings.HasPrefix(first.MessageID, "<") || !strings.HasSuffix(first.MessageID, "@edgecrm.dev>") ||
		!strings.Contains(first.Raw, "Message-ID: "+first.MessageID+"\r\n") || !strings.Contains(first.Raw, "To: ada@example.com, bob@example.com\r\n") ||
		!strings.Contains(first.Raw, "Subject: =?utf-8?b?SMOpbGxv?=\r\n") || !strings.HasSuffix(first.Raw, "\r\n\r\nTGluZSBvbmUNCkxpbmUgdHdv") {
		t.Fatalf("message %s:\n%s", first.MessageID, first.Raw)
	}
	clock = clock.Add(2 * time.Minute) // the lease is over: asked again
	if _, err := h.FireAlarm(ws); err != nil {
		t.Fatal(err)
	}
	r := runs(t, h)[0]
	if len(h.Emails) != 2 || h.Emails[1].MessageID != first.MessageID || r["status"] != "COMPLETED" ||
		stepInfo(r, "mail")["result"].(map[string]any)["messageId"] != first.MessageID {
		t.Fatalf("%d emails (%s, %s), run %v", len(h.Emails), first.MessageID, h.Emails[len(h.Emails)-1].MessageID, r["state"])
	}
	// The result is recorded: nothing sends it again.
	clock = clock.Add(time.Hour)
	h.FireAlarm(ws)
	if len(h.Emails) != 2 {
		t.Fatalf("sent again after its result was recorded: %d emails", len(h.Emails))
	}
}
