package metadata

import (
	"edgecrm/durable/webhooks"
)

// webhookSDL is Twenty's webhook API on /metadata.
const webhookSDL = `
type Webhook {
  id: UUID!
  targetUrl: String!
  operations: [String!]!
  description: String
  secret: String!
  workspaceId: String!
  createdAt: DateTime!
  updatedAt: DateTime!
  deletedAt: DateTime
}

input CreateWebhookInput { targetUrl: String! operations: [String!]! description: String secret: String }
input UpdateWebhookInput { id: UUID! targetUrl: String operations: [String!] description: String secret: String }
input GetWebhookInput { id: UUID! }
input DeleteWebhookInput { id: UUID! }

extend type Query {
  webhooks: [Webhook!]!
  webhook(input: GetWebhookInput!): Webhook
}

extend type Mutation {
  createWebhook(input: CreateWebhookInput!): Webhook!
  updateWebhook(input: UpdateWebhookInput!): Webhook
  deleteWebhook(input: DeleteWebhookInput!): Boolean!
}
`

// webhookField resolves the webhook queries and mutations (ok false for
// any other field).
func webhookField(x *execution, name string, args map[string]any) (v any, ok bool, err error) {
	input, _ := args["input"].(map[string]any)
	id, _ := input["id"].(string)
	db, ws := x.w.DB, x.w.ID
	var h *webhooks.Webhook
	switch name {
	case "webhooks":
		hs, err := webhooks.List(db)
		list := []any{}
		for _, h := range hs {
			list = append(list, h.Map(ws))
		}
		return list, true, err
	case "webhook":
		if h, err = webhooks.Get(db, id); err != nil {
			return nil, true, nil // Twenty answers null
		}
	case "createWebhook", "updateWebhook":
		in, err := webhooks.InputFrom(input)
		if err != nil {
			return nil, true, err
		}
		if name == "createWebhook" {
			h, err = webhooks.Create(db, in, x.w.Now())
		} else {
			h, err = webhooks.Update(db, id, in, x.w.Now())
		}
		if err != nil {
			return nil, true, err
		}
	case "deleteWebhook":
		_, err := webhooks.Delete(db, id)
		return err == nil, true, err
	default:
		return nil, false, nil
	}
	return h.Map(ws), true, nil
}
