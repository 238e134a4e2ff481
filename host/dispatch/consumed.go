package dispatch

import (
	"edgecrm/durable"
	"edgecrm/durable/timeline"
	"edgecrm/durable/webhooks"
	"edgecrm/host"
)

// consumed answers the queue consumer's notice of the events it consumed
// from this workspace: what the stream drives per workspace runs here,
// the timeline's activities (appended now) and the webhook deliveries
// (enqueued, posted by the alarm).
func consumed(w *durable.Workspace, req *host.Request) (*host.Output, error) {
	evs, err := webhooks.ParseEvents(w, req)
	if err != nil {
		return nil, err
	}
	appended, err := timeline.Project(w, evs)
	if err != nil {
		return nil, err
	}
	effects, err := webhooks.Enqueue(w, evs)
	if err != nil {
		return nil, err
	}
	if appended > 0 {
		effects = append(effects, host.Effect{Kind: host.EffectFlush})
	}
	return &host.Output{Response: host.JSONResponse(200, map[string]any{"ok": true, "timeline": appended}), Effects: effects}, nil
}
