package domain

import (
	"fmt"
	"strings"
)

// Custom indexes (Twenty's createOneIndex / deleteOneIndex): metadata of an
// object kept in the log like its fields. The projector creates and drops
// them on the object's table in every sink (query.IndexDDL), by the
// difference of the schema before and after the event.

const (
	EventIndexCreated = "index.created"
	EventIndexDeleted = "index.deleted"
)

// Index is a custom index of an object: its columns, in order, named by
// field id and subfield (so that a renamed field keeps its index).
type Index struct {
	ID     string       `json:"id" msgpack:"id"`
	Name   string       `json:"name" msgpack:"name"`
	Fields []IndexField `json:"fields" msgpack:"fields"`
}

// IndexField is one column of an index: a scalar or relation field, or one
// subfield of a composite field.
type IndexField struct {
	ID       string `json:"id" msgpack:"id"`
	FieldID  string `json:"fieldMetadataId" msgpack:"fieldId"`
	Subfield string `json:"subFieldName,omitempty" msgpack:"subfield,omitempty"`
}

// Column is the column f names in obj ("" when it names none).
func (f IndexField) Column(obj *Object) string {
	for _, fd := range obj.Fields {
		if fd.ID == f.FieldID {
			for _, c := range fd.Columns() {
				if c.Subfield == f.Subfield {
					return c.Name
				}
			}
		}
	}
	return ""
}

type (
	// IndexCreated adds Index to the object.
	IndexCreated struct {
		ObjectID string `msgpack:"objectId"`
		Object   string `msgpack:"object"`
		Index    *Index `msgpack:"index"`
	}
	// IndexDeleted removes the object's index IndexID.
	IndexDeleted struct {
		ObjectID string `msgpack:"objectId"`
		Object   string `msgpack:"object"`
		IndexID  string `msgpack:"indexId"`
	}
)

// CreateIndex adds a custom BTREE index over Fields (in order) to an object.
type CreateIndex struct {
	ObjectID string
	Fields   []IndexField // ids are the decider's
}

// DeleteIndex removes a custom index.
type DeleteIndex struct{ ID string }

func (CreateIndex) metadataCommand() {}
func (DeleteIndex) metadataCommand() {}

// MaxIndexFields bounds the columns of one custom index.
const MaxIndexFields = 8

func decideCreateIndex(s *Schema, c CreateIndex, newID func() string) ([]Change, error) {
	obj := s.ObjectByID(c.ObjectID)
	if obj == nil {
		return nil, &MetadataNotFoundError{Kind: "object", ID: c.ObjectID}
	}
	if len(c.Fields) == 0 || len(c.Fields) > MaxIndexFields {
		return nil, metaErr("fields", RuleRequired, "an index has 1 to %d fields", MaxIndexFields)
	}
	idx := &Index{ID: newID()}
	for _, f := range c.Fields {
		fo, fd := s.FieldByID(f.FieldID)
		if fd == nil || fo != obj {
			return nil, metaErr("fields", RuleFieldType, "%s has no field %q", obj.NameSingular, f.FieldID)
		}
		if (Subfields(fd.Type) != nil) != (f.Subfield != "") {
			return nil, metaErr("fields", RuleFieldType, "subFieldName is required for a composite field and only for one (%s)", fd.Name)
		}
		f.ID = newID()
		if f.Column(obj) == "" {
			return nil, metaErr("fields", RuleFieldType, "%s.%s%s has no column to index", obj.NameSingular, fd.Name, subName(f.Subfield))
		}
		idx.Fields = append(idx.Fields, f)
	}
	idx.Name = "IDX_" + strings.ReplaceAll(idx.ID, "-", "")[:27]
	return change(EventIndexCreated, IndexCreated{ObjectID: obj.ID, Object: obj.NameSingular, Index: idx}), nil
}

func subName(s string) string {
	if s == "" {
		return ""
	}
	return "." + s
}

func decideDeleteIndex(s *Schema, c DeleteIndex) ([]Change, error) {
	for _, o := range s.Objects {
		for _, idx := range o.Indexes {
			if idx.ID == c.ID {
				return change(EventIndexDeleted, IndexDeleted{ObjectID: o.ID, Object: o.NameSingular, IndexID: idx.ID}), nil
			}
		}
	}
	return nil, &MetadataNotFoundError{Kind: "index", ID: c.ID}
}

// applyIndex applies an index event to the object it names (a copy).
func (s *schemaEditor) applyIndex(payload any) (bool, error) {
	switch p := payload.(type) {
	case IndexCreated:
		o, err := s.edit(p.ObjectID)
		if err != nil {
			return true, err
		}
		o.Indexes = append(append([]*Index(nil), o.Indexes...), p.Index)
	case IndexDeleted:
		o, err := s.edit(p.ObjectID)
		if err != nil {
			return true, err
		}
		n := len(o.Indexes)
		o.Indexes = dropIndexes(o, func(idx *Index) bool { return idx.ID == p.IndexID })
		if len(o.Indexes) == n {
			return true, fmt.Errorf("index %s of %s does not exist", p.IndexID, p.Object)
		}
	default:
		return false, nil
	}
	return true, nil
}

// dropIndexes returns o's indexes but those gone says.
func dropIndexes(o *Object, gone func(*Index) bool) []*Index {
	var keep []*Index
	for _, idx := range o.Indexes {
		if !gone(idx) {
			keep = append(keep, idx)
		}
	}
	return keep
}
