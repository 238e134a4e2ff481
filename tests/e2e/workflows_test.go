package e2e

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"edgecrm/tests/harness"
)

// A run in a DELAY survives kill -9 of wrangler dev: the run is a row in
// the object's storage and the delay is the object's alarm, so after the
// restart the alarm fires and the run completes.
func TestWorkflowDelaySurvivesKill(t *testing.T) {
	persist := filepath.Join(t.TempDir(), "state")
	if err := harness.MigrateD1(persist); err != nil {
		t.Fatal(err)
	}
	w, err := harness.Start(persist)
	if err != nil {
		t.Fatal(err)
	}
	gql := func(base, query string, vars map[string]any) map[string]any {
		t.Helper()
		status, m := call(t, base, "POST", "/graphql", "", map[string]any{"query": query, "variables": vars},
			"authorization", "Bearer "+sessionFor(t, base, "wfkill").AccessToken)
		if status != 200 || m["errors"] != nil {
			t.Fatalf("%s: %d %v", query, status, m)
		}
		return m["data"].(map[string]any)
	}
	wf := gql(w.URL, `mutation { createWorkflow(data: {name: "kill"}) { id } }`, nil)["createWorkflow"].(map[string]any)["id"].(string)
	ver := gql(w.URL, `mutation($d: WorkflowVersionCreateInput!) { createWorkflowVersion(data: $d) { id } }`, map[string]any{"d": map[string]any{
		"name": "v1", "workflowId": wf,
		"trigger": map[string]any{"type": "MANUAL", "settings": map[string]any{}, "nextStepIds": []string{"wait"}},
		"steps": []any{
			map[string]any{"id": "wait", "name": "wait", "type": "DELAY", "valid": true, "nextStepIds": []string{"task"},
				"settings": map[string]any{"input": map[string]any{"delayType": "DURATION", "duration": map[string]any{"seconds": 4}}}},
			map[string]any{"id": "task", "name": "task", "type": "CREATE_RECORD", "valid": true,
				"settings": map[string]any{"input": map[string]any{"objectName": "task", "objectRecord": map[string]any{"title": "after the crash"}}}},
		},
	}})["createWorkflowVersion"].(map[string]any)["id"].(string)
	run := gql(w.URL, `mutation($v: UUID!) { runWorkflowVersion(input: {workflowVersionId: $v}) { workflowRunId } }`,
		map[string]any{"v": ver})["runWorkflowVersion"].(map[string]any)["workflowRunId"].(string)
	w.Kill() // mid-delay
	w, err = harness.Start(persist)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	runQ := `query($r: UUID!) { workflowRun(filter: {id: {eq: $r}}) { status state } }`
	if err := harness.Eventually(60*time.Second, func() error {
		r := gql(w.URL, runQ, map[string]any{"r": run})["workflowRun"].(map[string]any)
		if r["status"] != "COMPLETED" {
			return fmt.Errorf("run %v", r["status"])
		}
		return nil
	}); err != nil {
		t.Fatalf("the run did not complete after the restart: %v\n%s", err, w.Logs())
	}
	tasks := gql(w.URL, `{ tasks { edges { node { title } } } }`, nil)["tasks"].(map[string]any)["edges"].([]any)
	if len(tasks) != 1 || tasks[0].(map[string]any)["node"].(map[string]any)["title"] != "after the crash" {
		t.Fatalf("tasks: %v", tasks)
	}
}
