package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// benchWorkflows measures the workflow engine on workerd: a company.created
// trigger's latency from the write's answer to its run's first step done
// (the task it creates is readable), through the outbox, the EVENTS queue
// and the consumer's notice; and a burst of MANUAL runs, each completed in
// its runWorkflowVersion call. Both stay under the run-rate caps (100 runs
// a minute per workspace, 60 per workflow), which bound sustained rates.
func benchWorkflows(base string, n, burst int, report *strings.Builder) error {
	ws := "workflows"
	gql := func(query string, vars map[string]any) (map[string]any, error) {
		body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
		status, b, err := do(base, "POST", "/graphql", ws, string(body))
		var m struct {
			Data   map[string]any
			Errors any
		}
		if err == nil {
			err = json.Unmarshal(b, &m)
		}
		if err != nil || status != 200 || m.Errors != nil {
			return nil, fmt.Errorf("%s: %d %s %v", query, status, b, err)
		}
		return m.Data, nil
	}
	version := func(trigger map[string]any) (string, error) {
		d, err := gql(`mutation { createWorkflow(data: {name: "bench"}) { id } }`, nil)
		if err != nil {
			return "", err
		}
		steps := []any{map[string]any{"id": "t", "name": "t", "type": "CREATE_RECORD", "valid": true,
			"settings": map[string]any{"input": map[string]any{"objectName": "task", "objectRecord": map[string]any{"title": "Follow up {{trigger.properties.after.name}}"}}}}}
		d, err = gql(`mutation($d: WorkflowVersionCreateInput!) { createWorkflowVersion(data: $d) { id } }`,
			map[string]any{"d": map[string]any{"name": "v", "workflowId": d["createWorkflow"].(map[string]any)["id"], "trigger": trigger, "steps": steps}})
		if err != nil {
			return "", err
		}
		return d["createWorkflowVersion"].(map[string]any)["id"].(string), nil
	}
	v, err := version(map[string]any{"type": "DATABASE_EVENT", "settings": map[string]any{"eventName": "company.created"}, "nextStepIds": []string{"t"}})
	if err != nil {
		return err
	}
	if _, err := gql(`mutation($v: UUID!) { activateWorkflowVersion(workflowVersionId: $v) }`, map[string]any{"v": v}); err != nil {
		return err
	}
	var lat sample
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("Triggered %d", i)
		if _, err := timed(base, "POST", "/rest/companies", ws, fmt.Sprintf(`{"name":%q}`, name), 201); err != nil {
			return err
		}
		t0 := time.Now()
		for {
			d, err := gql(`query($t: String!) { tasks(filter: {title: {eq: $t}}) { totalCount } }`, map[string]any{"t": "Follow up " + name})
			if err != nil {
				return err
			}
			if d["tasks"].(map[string]any)["totalCount"].(float64) == 1 {
				break
			}
			if time.Since(t0) > time.Minute {
				return fmt.Errorf("the run of %q did not create its task within a minute", name)
			}
			time.Sleep(5 * time.Millisecond)
		}
		lat = append(lat, time.Since(t0))
	}
	mv, err := version(map[string]any{"type": "MANUAL", "settings": map[string]any{}, "nextStepIds": []string{"t"}})
	if err != nil {
		return err
	}
	t0 := time.Now()
	for i := 0; i < burst; i++ {
		if _, err := gql(`mutation($v: UUID!) { runWorkflowVersion(input: {workflowVersionId: $v, payload: {}}) { workflowRunId } }`, map[string]any{"v": mv}); err != nil {
			return err
		}
	}
	elapsed := time.Since(t0)
	d, err := gql(`{ workflowRuns(filter: {status: {eq: COMPLETED}}) { totalCount } }`, nil)
	if err != nil {
		return err
	}
	if got := int(d["workflowRuns"].(map[string]any)["totalCount"].(float64)); got != n+burst {
		return fmt.Errorf("%d completed runs, want %d", got, n+burst)
	}
	fmt.Fprintf(report, "## Workflows\n\n")
	fmt.Fprintf(report, "A company.created workflow with one CREATE_RECORD step: from the create's answer to its task being readable (outbox → EVENTS → consumer → the object's notice runs the step), %d creates polled every 5 ms; then %d MANUAL runs (`runWorkflowVersion`, the step done in the call), sequential. The caps of 100 runs a minute per workspace and 60 per workflow bound sustained rates.\n\n", n, burst)
	fmt.Fprintf(report, "| what | p50 | p99 |\n|---|---|---|\n| trigger → first step done | %s | %s |\n\n", ms(lat.Pct(0.5)), ms(lat.Pct(0.99)))
	fmt.Fprintf(report, "Completed MANUAL runs: **%.1f runs/s** (%d in %s).\n\n", float64(burst)/elapsed.Seconds(), burst, elapsed.Round(time.Millisecond))
	return nil
}
