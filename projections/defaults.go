package projections

import (
	"time"

	"edgecrm/domain"
)

// generatedDefaults fills the absent non-system fields of a new record whose
// default is generated (domain.IsGeneratedDefault): "now" becomes the event's
// time (a DATE gets its date), "uuid" an id derived from the record's id and
// the field's name, so replays give the same values.
func generatedDefaults(obj *domain.Object, row map[string]any, id string, at time.Time) {
	for _, f := range obj.Fields {
		if f.IsSystem || !domain.IsGeneratedDefault(f) {
			continue
		}
		if _, given := row[f.Name]; given {
			continue
		}
		switch f.Type {
		case domain.TypeDateTime:
			row[f.Name] = formatTime(at)
		case domain.TypeDate:
			row[f.Name] = at.UTC().Format("2006-01-02")
		case domain.TypeUUID:
			row[f.Name] = domain.DeterministicID("generated", id, f.Name)
		}
	}
}
