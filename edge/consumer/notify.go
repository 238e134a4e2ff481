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
	IDs [][]string `json:"ids"` // per notice, the messages it covers
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
		c.IDs = append(c.IDs, ids[ws])
	}
	ctx, _ := json.Marshal(c)
	return append(out, host.Effect{Kind: host.EffectAll, Effects: notices, Resume: &host.Resume{Entry: EntryNotified, Ctx: ctx}})
}

// Notified acks the messages whose object answered 2xx and retries the others.
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
	for i, ids := range c.IDs {
		ok := false
		if i < len(res.Results) && res.Results[i].Error == "" {
			var r host.DOFetchResult
			ok = json.Unmarshal(res.Results[i].Result, &r) == nil && r.Status >= 200 && r.Status <= 299
		}
		if ok {
			ack = append(ack, ids...)
		} else {
			retry = append(retry, ids...)
		}
	}
	out := &host.Output{}
	if len(ack) > 0 {
		out.Effects = append(out.Effects, host.Effect{Kind: host.EffectAck, IDs: ack})
	}
	if len(retry) > 0 {
		host.Log("warn", "", map[string]any{"msg": "workspace objects missed their event notice; retrying", "retried": len(retry)})
		out.Effects = append(out.Effects, host.Effect{Kind: host.EffectRetry, IDs: retry, DelaySeconds: RetryDelaySeconds})
	}
	return out, nil
}
