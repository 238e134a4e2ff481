package domain

import (
	"errors"
	"fmt"
	"strings"
)

// Kind is what a record command does.
type Kind string

const (
	Create  Kind = "create"
	Update  Kind = "update"
	Delete  Kind = "delete"  // soft delete: sets deletedAt
	Restore Kind = "restore" // clears deletedAt
	Destroy Kind = "destroy" // hard delete, applies relations' onDelete
)

// RecordCommand asks for one change to one record.
type RecordCommand struct {
	Kind            Kind
	Object          string         // nameSingular
	ID              string         // required except on create (then generated)
	Data            map[string]any // create/update input, GraphQL-shaped
	ExpectedVersion *int64         // optional optimistic concurrency on update
	// Generated: ID was made for this create (NewRecordID), so no record
	// holds it and Decide does not look it up.
	Generated bool
}

// Change is one event Decide wants appended: a type and a payload.
type Change struct {
	Type    string // "company.created"
	Payload any
}

// Event payloads (msgpack). Record data is GraphQL-shaped, as validated.
type (
	// RecordCreated: Data holds every field given (id excluded).
	RecordCreated struct {
		ID   string         `msgpack:"id"`
		Data map[string]any `msgpack:"data"`
	}
	// RecordUpdated: Changes holds only the fields the update named (LWW per field).
	RecordUpdated struct {
		ID      string         `msgpack:"id"`
		Changes map[string]any `msgpack:"changes"`
	}
	// RecordRef names the record of a delete, restore or destroy.
	RecordRef struct {
		ID string `msgpack:"id"`
	}
	// ObjectCreated adds an object (and its table) to the schema.
	ObjectCreated struct {
		Object *Object `msgpack:"object"`
	}
)

// Record event actions, the suffix of the event type.
const (
	ActionCreated   = "created"
	ActionUpdated   = "updated"
	ActionDeleted   = "deleted"
	ActionRestored  = "restored"
	ActionDestroyed = "destroyed"
	// EventObjectCreated is the metadata event adding an object.
	EventObjectCreated = "object.created"
)

// EventType is "<object>.<action>".
func EventType(object, action string) string { return object + "." + action }

// SplitEventType returns the object and action of a record event type.
func SplitEventType(t string) (object, action string) {
	i := strings.LastIndexByte(t, '.')
	if i < 0 {
		return "", t
	}
	return t[:i], t[i+1:]
}

// RecordState is what Decide needs to know about an existing record.
type RecordState struct {
	Version int64
	Deleted bool
}

// State is the read side Decide consults. Record returns nil when the record
// does not exist (never created, or destroyed). Referencing returns, for
// each of refs, the ids of every record of ref.Object (soft-deleted ones
// included) whose MANY_TO_ONE join column ref.JoinColumn holds id, in
// ascending id order (one read for all of them: a destroy asks about every
// relation pointing at the record). Positions returns the range of
// object's record positions (soft-deleted ones included), which resolves
// the position keywords "first" and "last".
type State interface {
	Schema() *Schema
	Record(object, id string) (*RecordState, error)
	Referencing(refs []JoinRef, id string) ([][]string, error)
	Positions(object string) (PositionRange, error)
}

// JoinRef names a MANY_TO_ONE join column of an object.
type JoinRef struct{ Object, JoinColumn string }

// pointingRelations are the relations pointing at obj whose records a
// command acts on: every inverse relation but the timeline's (a
// projection, which applies onDelete and merges to its own rows).
func pointingRelations(schema *Schema, obj *Object) []InverseRelation {
	var out []InverseRelation
	for _, rel := range InverseRelations(schema, obj) {
		if rel.From.NameSingular != TimelineObject {
			out = append(out, rel)
		}
	}
	return out
}

// joinRefs are the join columns of rels, in order.
func joinRefs(rels []InverseRelation) []JoinRef {
	out := make([]JoinRef, len(rels))
	for i, rel := range rels {
		out[i] = JoinRef{rel.From.NameSingular, rel.Field.JoinColumn()}
	}
	return out
}

// Typed refusals; the API maps them to HTTP statuses.
var (
	ErrNotFound = errors.New("record not found")
)

// NotFoundError says which record is missing.
type NotFoundError struct{ Object, ID string }

func (e *NotFoundError) Error() string   { return fmt.Sprintf("%s %s not found", e.Object, e.ID) }
func (e *NotFoundError) Is(t error) bool { return t == ErrNotFound }

// ConflictError is a stale expectedVersion.
type ConflictError struct {
	ID               string
	Expected, Actual int64
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("record %s is at version %d, not the expected %d", e.ID, e.Actual, e.Expected)
}

// UnknownObjectError names an object type the workspace does not have.
type UnknownObjectError struct{ Name string }

func (e *UnknownObjectError) Error() string { return fmt.Sprintf("unknown object %q", e.Name) }

// IsUUID reports whether s is a UUID string.
func IsUUID(s string) bool { return isUUID(s) }
