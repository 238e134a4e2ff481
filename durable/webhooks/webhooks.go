// Package webhooks is Twenty's webhooks, delivered durably by the
// workspace object: the webhook entity (target URL, operations such as
// "company.created", "*.created", "company.*", "*.*", description, secret),
// and the delivery of every matching record event the EVENTS queue
// consumer has consumed.
//
// The consumer tells the object which events it consumed (PathEvents);
// the object enqueues one delivery per (webhook, event) in its own storage
// (a redelivered event enqueues nothing) and its alarm posts them: Twenty's
// body, signed as Twenty signs it when the webhook has a secret, 5 s
// timeout. A failed attempt is retried with exponential back-off up to
// MaxAttempts, then the delivery is failed; every attempt (status code or
// error, latency) is kept in a per-webhook log the admin endpoints read.
// Delivery never blocks the consumer: it only waits for the enqueue.
package webhooks

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"edgecrm/domain"
	"edgecrm/sqldb"
)

// Webhook is Twenty's webhook entity.
type Webhook struct {
	ID          string   `json:"id"`
	TargetURL   string   `json:"targetUrl"`
	Operations  []string `json:"operations"`
	Description *string  `json:"description"`
	Secret      string   `json:"secret"`
	CreatedAt   string   `json:"createdAt"`
	UpdatedAt   string   `json:"updatedAt"`
}

// Map is the webhook as the APIs answer it (Twenty's fields).
func (h *Webhook) Map(workspace string) map[string]any {
	ops := make([]any, len(h.Operations))
	for i, o := range h.Operations {
		ops[i] = o
	}
	var desc any
	if h.Description != nil {
		desc = *h.Description
	}
	return map[string]any{"id": h.ID, "targetUrl": h.TargetURL, "operations": ops, "description": desc,
		"secret": h.Secret, "workspaceId": workspace, "createdAt": h.CreatedAt, "updatedAt": h.UpdatedAt, "deletedAt": nil}
}

// Input is a create or update: nil fields are left as they are (on
// create: operations default to ["*.*"], the secret to none).
type Input struct {
	TargetURL   *string
	Operations  []string
	Description *string
	Secret      *string
}

func (in Input) validate() error {
	if in.TargetURL != nil {
		u, err := url.Parse(*in.TargetURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return &domain.ValidationError{Field: "targetUrl", Rule: "url", Message: fmt.Sprintf("targetUrl %q is not an absolute http(s) URL", *in.TargetURL)}
		}
	}
	for _, op := range in.Operations {
		if !validOperation(op) {
			return &domain.ValidationError{Field: "operations", Rule: "operation", Message: fmt.Sprintf("operation %q is not <object>.<action> (either may be *)", op)}
		}
	}
	return nil
}

// Matches reports whether operations select event type typ
// ("<object>.<action>"), as Twenty does: object.action, *.action,
// object.*, *.*.
func Matches(operations []string, typ string) bool {
	obj, action := domain.SplitEventType(typ)
	for _, op := range operations {
		o, a, _ := strings.Cut(op, ".")
		if (o == "*" || o == obj) && (a == "*" || a == action) {
			return true
		}
	}
	return false
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// Create adds a webhook.
func Create(db sqldb.DB, in Input, now time.Time) (*Webhook, error) {
	if in.TargetURL == nil {
		return nil, &domain.ValidationError{Field: "targetUrl", Rule: "required", Message: "targetUrl is required"}
	}
	if len(in.Operations) == 0 {
		in.Operations = []string{"*.*"}
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	h := &Webhook{ID: newID(), TargetURL: *in.TargetURL, Operations: in.Operations, Description: in.Description, CreatedAt: stamp(now), UpdatedAt: stamp(now)}
	if in.Secret != nil {
		h.Secret = *in.Secret
	}
	ops, _ := json.Marshal(h.Operations)
	_, err := db.Exec(`INSERT INTO _webhooks (id, targetUrl, operations, description, secret, createdAt, updatedAt) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		h.ID, h.TargetURL, string(ops), h.Description, h.Secret, h.CreatedAt, h.UpdatedAt)
	return h, err
}

// Update changes the fields in names; a missing webhook is ErrNotFound.
func Update(db sqldb.DB, id string, in Input, now time.Time) (*Webhook, error) {
	h, err := Get(db, id)
	if err != nil {
		return nil, err
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	if in.TargetURL != nil {
		h.TargetURL = *in.TargetURL
	}
	if in.Operations != nil {
		h.Operations = in.Operations
	}
	if in.Description != nil {
		h.Description = in.Description
	}
	if in.Secret != nil {
		h.Secret = *in.Secret
	}
	h.UpdatedAt = stamp(now)
	ops, _ := json.Marshal(h.Operations)
	_, err = db.Exec(`UPDATE _webhooks SET targetUrl = ?, operations = ?, description = ?, secret = ?, updatedAt = ? WHERE id = ?`,
		h.TargetURL, string(ops), h.Description, h.Secret, h.UpdatedAt, h.ID)
	return h, err
}

// Delete removes a webhook and its pending deliveries (its log stays).
func Delete(db sqldb.DB, id string) (*Webhook, error) {
	h, err := Get(db, id)
	if err != nil {
		return nil, err
	}
	if _, err := db.Exec(`DELETE FROM _webhooks WHERE id = ?`, id); err != nil {
		return nil, err
	}
	_, err = db.Exec(`DELETE FROM _webhook_deliveries WHERE webhook_id = ? AND status = 'pending'`, id)
	return h, err
}

// Get returns one webhook, or an error wrapping domain.ErrNotFound.
func Get(db sqldb.DB, id string) (*Webhook, error) {
	hs, err := list(db, `WHERE id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(hs) == 0 {
		return nil, fmt.Errorf("%w: no webhook %q", domain.ErrNotFound, id)
	}
	return hs[0], nil
}

// List returns the workspace's webhooks, oldest first.
func List(db sqldb.DB) ([]*Webhook, error) { return list(db, "") }

func list(db sqldb.DB, where string, args ...any) ([]*Webhook, error) {
	rows, err := db.Exec(`SELECT id, targetUrl, operations, description, secret, createdAt, updatedAt FROM _webhooks `+where+` ORDER BY createdAt, id`, args...)
	if err != nil {
		return nil, err
	}
	var hs []*Webhook
	for _, r := range rows.Maps() {
		h := &Webhook{ID: sqldb.AsString(r["id"]), TargetURL: sqldb.AsString(r["targetUrl"]), Secret: sqldb.AsString(r["secret"]),
			CreatedAt: sqldb.AsString(r["createdAt"]), UpdatedAt: sqldb.AsString(r["updatedAt"])}
		_ = json.Unmarshal([]byte(sqldb.AsString(r["operations"])), &h.Operations)
		if d, ok := r["description"].(string); ok {
			h.Description = &d
		}
		hs = append(hs, h)
	}
	return hs, nil
}

// InputFrom reads a create or update input as the APIs decode it
// (targetUrl, operations, description, secret; unknown keys refused).
func InputFrom(m map[string]any) (Input, error) {
	var in Input
	str := func(k string) (*string, error) {
		v, ok := m[k]
		if !ok || v == nil {
			return nil, nil
		}
		s, ok := v.(string)
		if !ok {
			return nil, &domain.ValidationError{Field: k, Rule: "type", Message: k + " must be a string"}
		}
		return &s, nil
	}
	var err error
	for k, v := range m {
		switch k {
		case "id":
		case "targetUrl":
			in.TargetURL, err = str(k)
		case "description":
			in.Description, err = str(k)
		case "secret":
			in.Secret, err = str(k)
		case "operations":
			list, ok := v.([]any)
			if !ok && v != nil {
				return in, &domain.ValidationError{Field: k, Rule: "type", Message: "operations must be a list of strings"}
			}
			in.Operations = []string{}
			for _, o := range list {
				s, ok := o.(string)
				if !ok {
					return in, &domain.ValidationError{Field: k, Rule: "type", Message: "operations must be a list of strings"}
				}
				in.Operations = append(in.Operations, s)
			}
		default:
			return in, &domain.ValidationError{Field: k, Rule: "unknown", Message: fmt.Sprintf("unknown webhook field %q", k)}
		}
		if err != nil {
			return in, err
		}
	}
	return in, nil
}

// validOperation is ^([A-Za-z][A-Za-z0-9]*|\*)\.([a-z]+|\*)$.
func validOperation(op string) bool {
	object, action, ok := strings.Cut(op, ".")
	return ok && (object == "*" || domain.Span(object, 1, len(object), domain.IsLetter, domain.IsAlnum)) &&
		(action == "*" || domain.Span(action, 1, len(action), nil, domain.IsLower))
}
