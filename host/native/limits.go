package native

import (
	"encoding/json"
	"fmt"

	"edgecrm/durable/realtime/gqlws"
	"edgecrm/host"
	"edgecrm/sqldb"
)

// The platform's limits, enforced here so that a native test fails where
// production would (Cloudflare Workers, Durable Objects, D1, Queues).
const (
	MaxSQLParams     = 100       // bound parameters per statement (DO storage and D1)
	MaxQueueMessage  = 128 << 10 // bytes per queue message
	MaxQueueBatch    = 256 << 10 // bytes per sendBatch
	MaxQueueMessages = 100       // messages per sendBatch
	MaxWSMessage     = 1 << 20   // bytes per WebSocket message, either way
	MaxAttachment    = gqlws.MaxAttachmentBytes
)

// limitedDB is DO storage that refuses statements over MaxSQLParams.
type limitedDB struct{ sqldb.DB }

func (l limitedDB) Exec(query string, args ...any) (*sqldb.Rows, error) {
	if err := checkParams(query, args); err != nil {
		return nil, err
	}
	return l.DB.Exec(query, args...)
}

func checkParams(query string, args []any) error {
	if len(args) > MaxSQLParams {
		return fmt.Errorf("too many SQL variables: %d bound parameters, the limit is %d (sql: %.80s)", len(args), MaxSQLParams, query)
	}
	return nil
}

// checkD1 applies the parameter limit to a d1.query or d1.batch.
func checkD1(e host.Effect) error {
	if err := checkParams(e.SQL, e.Params); err != nil {
		return err
	}
	for _, s := range e.Statements {
		if err := checkParams(s.SQL, s.Args); err != nil {
			return err
		}
	}
	return nil
}

// checkQueueBatch applies sendBatch's limits to a queue.send.
func checkQueueBatch(msgs []json.RawMessage) error {
	if len(msgs) > MaxQueueMessages {
		return fmt.Errorf("queue sendBatch: %d messages, the limit is %d", len(msgs), MaxQueueMessages)
	}
	total := 0
	for _, m := range msgs {
		if len(m) > MaxQueueMessage {
			return fmt.Errorf("queue sendBatch: a message of %d bytes, the limit is %d", len(m), MaxQueueMessage)
		}
		total += len(m)
	}
	if total > MaxQueueBatch {
		return fmt.Errorf("queue sendBatch: %d bytes, the limit is %d", total, MaxQueueBatch)
	}
	return nil
}

// checkWSMessage applies the WebSocket message size limit.
func checkWSMessage(frame string) error {
	if len(frame) > MaxWSMessage {
		return fmt.Errorf("websocket message of %d bytes, the limit is %d", len(frame), MaxWSMessage)
	}
	return nil
}
