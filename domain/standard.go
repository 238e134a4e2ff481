package domain

// PLACEHOLDER: a minimal standard model for the runtime foundation; the
// data-model work replaces it with Twenty's full standard objects.

// SystemFields returns the fields every object has, in Twenty's names.
func SystemFields() []*Field {
	return []*Field{
		{Name: "id", Label: "Id", Type: TypeUUID, IsSystem: true},
		{Name: "createdAt", Label: "Creation date", Type: TypeDateTime, IsSystem: true},
		{Name: "updatedAt", Label: "Last update", Type: TypeDateTime, IsSystem: true},
		{Name: "deletedAt", Label: "Deleted at", Type: TypeDateTime, IsSystem: true, IsNullable: true},
		{Name: "createdBy", Label: "Created by", Type: TypeActor, IsSystem: true},
		{Name: "updatedBy", Label: "Updated by", Type: TypeActor, IsSystem: true},
		{Name: "position", Label: "Position", Type: TypePosition, IsSystem: true},
	}
}

// StandardObjects returns the objects seeded into every new workspace.
func StandardObjects() []*Object {
	company := &Object{NameSingular: "company", NamePlural: "companies", LabelSingular: "Company", LabelPlural: "Companies",
		IsActive: true, LabelIdentifier: "name", Searchable: []string{"name", "domainName"},
		Fields: append(SystemFields(),
			&Field{Name: "name", Label: "Name", Type: TypeText, IsNullable: true},
			&Field{Name: "domainName", Label: "Domain", Type: TypeLinks, IsNullable: true},
			&Field{Name: "employees", Label: "Employees", Type: TypeNumber, IsNullable: true},
			&Field{Name: "people", Label: "People", Type: TypeRelation, IsNullable: true,
				Relation: &Relation{Type: OneToMany, TargetObject: "person", TargetField: "company"}},
		)}
	person := &Object{NameSingular: "person", NamePlural: "people", LabelSingular: "Person", LabelPlural: "People",
		IsActive: true, LabelIdentifier: "name", Searchable: []string{"name", "emails", "jobTitle"},
		Fields: append(SystemFields(),
			&Field{Name: "name", Label: "Name", Type: TypeFullName, IsNullable: true},
			&Field{Name: "emails", Label: "Emails", Type: TypeEmails, IsNullable: true},
			&Field{Name: "jobTitle", Label: "Job Title", Type: TypeText, IsNullable: true},
			&Field{Name: "city", Label: "City", Type: TypeText, IsNullable: true},
			&Field{Name: "company", Label: "Company", Type: TypeRelation, IsNullable: true,
				Relation: &Relation{Type: ManyToOne, TargetObject: "company", TargetField: "people", OnDelete: OnDeleteSetNull}},
		)}
	return []*Object{company, person}
}
