package native_test

import (
	"encoding/json"
	"fmt"
	"sort"
	"testing"
	"time"

	"edgecrm/durable/workflows"
	"edgecrm/host"
	"edgecrm/host/native"
)

// unthrottled lifts the per-workspace run rate (100 a minute) for a bench.
func unthrottled(b *testing.B) {
	old, oldWF := workflows.RunsPerMinute, workflows.RunsPerWorkflowMinute
	workflows.RunsPerMinute, workflows.RunsPerWorkflowMinute = 1<<30, 1<<30
	b.Cleanup(func() { workflows.RunsPerMinute, workflows.RunsPerWorkflowMinute = old, oldWF })
}

func benchGQL(b *testing.B, h *native.Host, ws, query string, vars map[string]any) map[string]any {
	b.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	resp, err := h.Fetch(ws, host.Request{Method: "POST", Path: "/graphql", Body: string(body)})
	if err != nil || resp.Status != 200 {
		b.Fatalf("%s: %v %v", query, resp, err)
	}
	var m map[string]any
	_ = json.Unmarshal([]byte(resp.Body), &m)
	return m["data"].(map[string]any)
}

func benchVersion(b *testing.B, h *native.Host, ws string, trigger, steps any) string {
	b.Helper()
	wf := benchGQL(b, h, ws, `mutation { createWorkflow(data: {name: "bench"}) { id } }`, nil)["createWorkflow"].(map[string]any)["id"]
	return benchGQL(b, h, ws, `mutation($d: WorkflowVersionCreateInput!) { createWorkflowVersion(data: $d) { id } }`,
		map[string]any{"d": map[string]any{"name": "v", "workflowId": wf, "trigger": trigger, "steps": steps}})["createWorkflowVersion"].(map[string]any)["id"].(string)
}

var benchTaskStep = []any{map[string]any{"id": "t", "name": "t", "type": "CREATE_RECORD", "valid": true,
	"settings": map[string]any{"input": map[string]any{"objectName": "task", "objectRecord": map[string]any{"title": "Follow up {{trigger.properties.after.name}}"}}}}}

// BenchmarkWorkflowManualRun: completed runs per second in one workspace
// (runWorkflowVersion with one CREATE_RECORD step, run to completion in
// the mutation's call).
func BenchmarkWorkflowManualRun(b *testing.B) {
	unthrottled(b)
	h, err := native.New()
	if err != nil {
		b.Fatal(err)
	}
	ver := benchVersion(b, h, "bench", map[string]any{"type": "MANUAL", "settings": map[string]any{}, "nextStepIds": []string{"t"}}, benchTaskStep)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		benchGQL(b, h, "bench", `mutation($v: UUID!) { runWorkflowVersion(input: {workflowVersionId: $v}) { workflowRunId } }`, map[string]any{"v": ver})
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "runs/s")
}

// BenchmarkWorkflowTriggerLatency: a company.created workflow, from the
// write to its run's first step done (the queue consumer's notice runs
// it), p50 and p99.
func BenchmarkWorkflowTriggerLatency(b *testing.B) {
	unthrottled(b)
	h, err := native.New()
	if err != nil {
		b.Fatal(err)
	}
	ver := benchVersion(b, h, "bench", map[string]any{"type": "DATABASE_EVENT", "settings": map[string]any{"eventName": "company.created"}, "nextStepIds": []string{"t"}}, benchTaskStep)
	benchGQL(b, h, "bench", `mutation($v: UUID!) { activateWorkflowVersion(workflowVersionId: $v) }`, map[string]any{"v": ver})
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		resp, err := h.Fetch("bench", host.Request{Method: "POST", Path: "/rest/companies", Body: fmt.Sprintf(`{"name":"C%d"}`, i)})
		if err != nil || resp.Status != 201 {
			b.Fatalf("%v %v", resp, err)
		}
		if err := h.DrainQueue(100, 10); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	tasks := benchGQL(b, h, "bench", `{ tasks(first: 1) { totalCount } }`, nil)
	if n := tasks["tasks"].(map[string]any)["totalCount"].(float64); int(n) < b.N {
		b.Fatalf("%v tasks for %d companies", n, b.N)
	}
}
