package consumer

import (
	"encoding/json"
	"sort"

	"edgecrm/auth"
	"edgecrm/durable/webhooks"
	"edgecrm/edge"
	"edgecrm/host"
)

// EntryNotified is the continuation of the notices to the workspace
// objects: a message is acked once its object has its notice.
const EntryNotified = "queue.notified"

type notifiedCtx struct {
	IDs  [][]string `json:"ids"`  // per notice, the messages it covers
	Seqs [][]int64  `json:"seqs"` // and their events' seqs
}

// notifyThenAck tells each workspace object which of its events were
// consumed (recorded now, or again: the object enqueues a webhook
// delivery once per event) and acks the messages when their object has
// the notice; a notice that fails retries its messages, so no consumed
// event misses its deliveries.
func notifyThenAck(acked []item) []host.Effect {
	var direct []string // events of objects without webhooks: acked at once
	seqs, ids := map[string][]int64{}, map[string][]string{}
	for _, it := range acked {
		if !it.body.Notify {
			direct = append(direct, it.msg.ID)
			continue
		}
		seqs[it.body.Workspace] = append(seqs[it.body.Workspace], it.body.Seq)
		ids[it.body.Workspace] = append(ids[it.body.Workspace], it.msg.ID)
	}
	var out []host.Effect
	if len(direct) > 0 {
		out = append(out, host.Effect{Kind: host.EffectAck, IDs: direct})
	}
	if len(seqs) == 0 {
		return out
	}
	var wss []string
	for ws := range seqs {
		wss = append(wss, ws)
	}
	sort.Strings(wss)
	var c notifiedCtx
	var notices []host.Effect
	for _, ws := range wss {
		b, _ := json.Marshal(webhooks.EventsRequest{Seqs: seqs[ws]})
		notices = append(notices, host.Effect{Kind: host.EffectDOFetch, Namespace: edge.NSWorkspace, Name: ws,
			Path: webhooks.PathEvents, Headers: map[string]string{auth.WorkspaceHeader: ws}, Body: string(b)})
		c.IDs, c.Seqs = append(c.IDs, ids[ws]), append(c.Seqs, seqs[ws])
	}
	ctx, _ := json.Marshal(c)
	return append(out, host.Effect{Kind: host.EffectAll, Effects: notices, Resume: &host.Resume{Entry: EntryNotified, Ctx: ctx}})
}

// Notified acks the messages whose object took their event and retries
// the others: all of a notice that failed, and the events a 2xx answer
// names as failed (webhooks.EventsAnswer), so that one poison event is
// retried, then dead-lettered, alone, and the events notified with it
// are done.
func Notified(in host.ResumeInput) (*host.Output, error) {
	var c notifiedCtx
	if err := json.Unmarshal(in.Ctx, &c); err != nil {
		return nil, err
	}
	var res host.AllResult
	if in.Error == "" {
		_ = json.Unmarshal(in.Result, &res)
	}
	var ack, retry []string
	var failures []webhooks.Failure
	for i, ids := range c.IDs {
		var r host.DOFetchResult
		var ans webhooks.EventsAnswer
		if i >= len(res.Results) || res.Results[i].Error != "" || json.Unmarshal(res.Results[i].Result, &r) != nil ||
			r.Status < 200 || r.Status > 299 {
			retry = append(retry, ids...)
			continue
		}
		_ = json.Unmarshal([]byte(r.Body), &ans) // 2xx: taken, but for the events it names
		failed := map[int64]bool{}
		for _, f := range ans.Failed {
			failed[f.Seq] = true
		}
		failures = append(failures, ans.Failed...)
		for j, id := range ids {
			if j < len(c.Seqs[i]) && failed[c.Seqs[i][j]] {
				retry = append(retry, id)
			} else {
				ack = append(ack, id)
			}
		}
	}
	out := &host.Output{}
	if len(ack) > 0 {
		out.Effects = append(out.Effects, host.Effect{Kind: host.EffectAck, IDs: ack})
	}
	if len(retry) > 0 {
		line := map[string]any{"msg": "workspace objects did not take their events; retrying", "retried": len(retry)}
		if len(failures) > 0 {
			line["failed"] = failures
		}
		host.Log("warn", "", line)
		out.Effects = append(out.Effects, host.Effect{Kind: host.EffectRetry, IDs: retry, DelaySeconds: RetryDelaySeconds})
	}
	return out, nil
}
