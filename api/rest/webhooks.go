package rest

import (
	"encoding/json"
	"strings"

	"edgecrm/api/apierr"
	"edgecrm/domain"
	"edgecrm/durable"
	"edgecrm/durable/webhooks"
	"edgecrm/host"
)

// ServeWebhooks is Twenty's webhook REST API (rest/webhooks): GET the
// list, GET /<id>, POST, PATCH /<id>, DELETE /<id> (true). Workspace
// members whose role holds API_KEYS_AND_WEBHOOKS and API keys may use it.
func ServeWebhooks(w *durable.Workspace, req *host.Request) (*Result, error) {
	if !strings.HasPrefix(req.Principal, "apiKey:") {
		if err := w.AllowSetting(domain.FlagAPIKeysAndWebhooks); err != nil {
			return nil, err
		}
	}
	id := strings.Trim(strings.TrimPrefix(req.Path, "/rest/webhooks"), "/")
	var body map[string]any
	if req.Method == "POST" || req.Method == "PATCH" {
		if err := json.Unmarshal([]byte(req.Body), &body); err != nil || body == nil {
			return nil, apierr.NewError(400, "the body must be a JSON object")
		}
	}
	var v any
	var err error
	status := 200
	switch {
	case req.Method == "GET" && id == "":
		var hs []*webhooks.Webhook
		hs, err = webhooks.List(w.DB)
		list := []any{}
		for _, h := range hs {
			list = append(list, h.Map(w.ID))
		}
		v = list
	case req.Method == "GET":
		var h *webhooks.Webhook
		if h, err = webhooks.Get(w.DB, id); err == nil {
			v = h.Map(w.ID)
		}
	case req.Method == "POST" && id == "":
		var in webhooks.Input
		var h *webhooks.Webhook
		if in, err = webhooks.InputFrom(body); err == nil {
			if h, err = webhooks.Create(w.DB, in, w.Now()); err == nil {
				v, status = h.Map(w.ID), 201
			}
		}
	case req.Method == "PATCH" && id != "":
		var in webhooks.Input
		var h *webhooks.Webhook
		if in, err = webhooks.InputFrom(body); err == nil {
			if h, err = webhooks.Update(w.DB, id, in, w.Now()); err == nil {
				v = h.Map(w.ID)
			}
		}
	case req.Method == "DELETE" && id != "":
		_, err = webhooks.Delete(w.DB, id)
		v = true
	default:
		return nil, apierr.NewError(405, req.Method+" "+req.Path+" is not supported")
	}
	if err != nil {
		return nil, err
	}
	return &Result{Response: host.JSONResponse(status, v)}, nil
}
