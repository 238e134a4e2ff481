package metadata

import (
	"edgecrm/domain"
	"edgecrm/events"
)

// Conversion of Twenty's metadata inputs to domain metadata commands.
// Members Twenty accepts that edgecrm does not keep (shortcut, color,
// isLabelSyncedWithName, settings, isRemote, ...) are accepted and ignored.

func str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// strPtr returns nil when key is absent, and "" for an explicit null.
func strPtr(m map[string]any, key string) *string {
	v, ok := m[key]
	if !ok {
		return nil
	}
	s, _ := v.(string)
	return &s
}

// boolPtr returns nil when key is absent or null.
func boolPtr(m map[string]any, key string) *bool {
	b, ok := m[key].(bool)
	if !ok {
		return nil
	}
	return &b
}

func createObjectCommand(input map[string]any) (domain.CreateObject, error) {
	o, _ := input["object"].(map[string]any)
	return domain.CreateObject{
		NameSingular: str(o, "nameSingular"), NamePlural: str(o, "namePlural"),
		LabelSingular: str(o, "labelSingular"), LabelPlural: str(o, "labelPlural"),
		Description: str(o, "description"), Icon: str(o, "icon"),
	}, nil
}

func updateObjectCommand(s *domain.Schema, input map[string]any) (domain.UpdateObject, error) {
	u, _ := input["update"].(map[string]any)
	cmd := domain.UpdateObject{ID: str(input, "id"),
		NameSingular: strPtr(u, "nameSingular"), NamePlural: strPtr(u, "namePlural"),
		Set: domain.ObjectPatch{
			LabelSingular: strPtr(u, "labelSingular"), LabelPlural: strPtr(u, "labelPlural"),
			Description: strPtr(u, "description"), Icon: strPtr(u, "icon"), IsActive: boolPtr(u, "isActive"),
		}}
	if id, ok := u["labelIdentifierFieldMetadataId"].(string); ok {
		o := s.ObjectByID(cmd.ID)
		if o == nil {
			return cmd, &domain.MetadataNotFoundError{Kind: "object", ID: cmd.ID}
		}
		fo, f := s.FieldByID(id)
		if f == nil || fo != o {
			return cmd, badInput("labelIdentifierFieldMetadataId", "%s has no field with id %q", o.NameSingular, id)
		}
		cmd.Set.LabelIdentifier = &f.Name
	}
	return cmd, nil
}

func createFieldCommand(s *domain.Schema, input map[string]any) (domain.CreateField, error) {
	f, _ := input["field"].(map[string]any)
	typ := domain.FieldType(str(f, "type"))
	cmd := domain.CreateField{
		ObjectID: str(f, "objectMetadataId"), Type: typ,
		Name: str(f, "name"), Label: str(f, "label"), Description: str(f, "description"), Icon: str(f, "icon"),
		IsNullable: boolPtr(f, "isNullable"),
	}
	if b, ok := f["isUnique"].(bool); ok {
		cmd.IsUnique = b
	}
	if list, _ := f["morphRelationsCreationPayload"].([]any); len(list) > 0 {
		return cmd, badInput("morphRelationsCreationPayload", "morph relations are not supported")
	}
	if v, ok := f["defaultValue"]; ok {
		cmd.DefaultValue = unquoteDefault(typ, v)
	}
	opts, err := options(f["options"])
	if err != nil {
		return cmd, err
	}
	cmd.Options = opts
	if v, ok := f["relationCreationPayload"]; ok && v != nil {
		r, ok := v.(map[string]any)
		if !ok {
			return cmd, badInput("relationCreationPayload", "relationCreationPayload must be an object {targetObjectMetadataId, targetFieldLabel, targetFieldIcon, type}")
		}
		cmd.Relation = &domain.RelationInput{
			TargetObjectID: str(r, "targetObjectMetadataId"), TargetFieldLabel: str(r, "targetFieldLabel"),
			TargetFieldIcon: str(r, "targetFieldIcon"), TargetFieldName: str(r, "targetFieldName"),
			Type: domain.RelationType(str(r, "type")), OnDelete: domain.OnDelete(str(r, "onDelete")),
		}
		if st, ok := f["settings"].(map[string]any); ok && cmd.Relation.OnDelete == "" {
			cmd.Relation.OnDelete = domain.OnDelete(str(st, "onDelete"))
		}
	}
	return cmd, nil
}

func updateFieldCommand(s *domain.Schema, input map[string]any) (domain.UpdateField, error) {
	u, _ := input["update"].(map[string]any)
	cmd := domain.UpdateField{ID: str(input, "id"), Set: domain.FieldPatch{
		Name: strPtr(u, "name"), Label: strPtr(u, "label"), Description: strPtr(u, "description"), Icon: strPtr(u, "icon"),
		IsActive: boolPtr(u, "isActive"), IsNullable: boolPtr(u, "isNullable"), IsUnique: boolPtr(u, "isUnique"),
	}}
	if cmd.Set.Name != nil && *cmd.Set.Name == "" {
		cmd.Set.Name = nil // an explicit null name changes nothing
	}
	if v, ok := u["options"]; ok {
		opts, err := options(v)
		if err != nil {
			return cmd, err
		}
		cmd.Set.Options = &opts
	}
	if v, ok := u["defaultValue"]; ok {
		typ := domain.TypeText
		if _, f := s.FieldByID(cmd.ID); f != nil {
			typ = f.Type
		}
		cmd.Set.SetDefaultValue, cmd.Set.DefaultValue = true, unquoteDefault(typ, v)
	}
	return cmd, nil
}

// options reads Twenty's [{id, value, label, color, position}].
func options(v any) ([]domain.SelectOption, error) {
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, badInput("options", "options must be a list of {value, label, color, position}")
	}
	out := make([]domain.SelectOption, len(list))
	for i, it := range list {
		m, ok := it.(map[string]any)
		if !ok {
			return nil, badInput("options", "options[%d] must be an object {value, label, color, position}", i)
		}
		out[i] = domain.SelectOption{Value: str(m, "value"), Label: str(m, "label"), Color: str(m, "color"), Position: i}
		if p, ok := asInt(m["position"]); ok {
			out[i].Position = p
		}
	}
	return out, nil
}

func createdObjectID(evs []events.Event) string {
	var pl domain.ObjectCreated
	if len(evs) > 0 && evs[0].Type == domain.EventObjectCreated && evs[0].Decode(&pl) == nil && pl.Object != nil {
		return pl.Object.ID
	}
	return ""
}

func createdFieldID(evs []events.Event) string {
	var pl domain.FieldCreated
	if len(evs) > 0 && evs[0].Type == domain.EventFieldCreated && evs[0].Decode(&pl) == nil && pl.Field != nil {
		return pl.Field.ID
	}
	return ""
}
