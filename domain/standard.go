package domain

import (
	"crypto/sha1"
	"encoding/hex"
	"slices"
	"time"
)

// Twenty's standard objects (packages/twenty-server/src/modules/*/standard-objects
// /*.workspace-entity.ts), reduced to the objects edgecrm serves. Deprecated
// Twenty fields (company.addressOld, person.phone, opportunity.probability,
// attachment.type/author) and relations to objects we do not serve
// (messaging, calendar, dashboards) are left out. The
// workflow objects (workflow, workflowVersion, workflowRun,
// workflowAutomatedTrigger) are Twenty's; durable/workflows runs them.
//
// DefaultValue holds plain values ("NEW", false, 7, a map for a composite);
// Twenty's metadata API shows scalar defaults as quoted SQL literals ("'NEW'"),
// so a layer that wants byte-for-byte parity must quote them. "now" (DATE_TIME)
// and "uuid" (UUID) are Twenty's generated defaults.

// metadataIDNamespace is the fixed UUID namespace of edgecrm metadata ids. Never change
// it: metadata ids derived from it are stored in events and read models.
var metadataIDNamespace = [16]byte{0x8f, 0x3c, 0x51, 0x0e, 0x6a, 0x27, 0x4b, 0x9d, 0xa4, 0x12, 0x5e, 0x77, 0xc0, 0x1b, 0xd3, 0x62}

// DeterministicID returns a name-based (version 5, SHA-1) UUID for parts
// joined with ":". DeterministicID("object", "company") names the company
// object and DeterministicID("field", "company.name") its name field, so
// standard metadata ids are the same in every workspace and on every replay.
func DeterministicID(parts ...string) string {
	u := nameHash(parts)
	u[6] = u[6]&0x0f | 0x50 // version 5
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return FormatUUID(u)
}

// TimeOrderedID is DeterministicID laid out as a version 7 UUID: its first
// 48 bits are t's Unix milliseconds, the rest the hash of parts. Rows
// keyed by it (a timeline activity, named by its event) are inserted near
// the right edge of the primary key's B-tree, not at random pages: on a
// large table a random key costs a page read and a page written to the
// log for every row of a batch. Ids of one millisecond differ in their
// hash; the same parts and t give the same id on every replay.
func TimeOrderedID(t time.Time, parts ...string) string {
	u := nameHash(parts)
	ms := uint64(max(t.UnixMilli(), 0))
	for i := 0; i < 6; i++ {
		u[i] = byte(ms >> (40 - 8*i))
	}
	u[6] = u[6]&0x0f | 0x70 // version 7
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return FormatUUID(u)
}

// nameHash is the first 16 bytes of the SHA-1 of the namespace and parts
// joined with ":".
func nameHash(parts []string) [16]byte {
	// The hashed bytes in a stack buffer, hashed in one call: no
	// allocation but the id (timeline rows make one per record).
	var in [160]byte
	m := append(in[:0], metadataIDNamespace[:]...)
	for i, p := range parts {
		if i > 0 {
			m = append(m, ':')
		}
		m = append(m, p...)
	}
	sum := sha1.Sum(m)
	var u [16]byte
	copy(u[:], sum[:16])
	return u
}

// FormatUUID renders u in the canonical 8-4-4-4-12 hex form.
func FormatUUID(u [16]byte) string {
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:36], u[10:16])
	return string(b[:])
}

// ObjectID is the deterministic metadata id of the object named nameSingular.
func ObjectID(nameSingular string) string { return DeterministicID("object", nameSingular) }

// FieldID is the deterministic metadata id of field fieldName of object objectName.
func FieldID(objectName, fieldName string) string {
	return DeterministicID("field", objectName+"."+fieldName)
}

// AssignIDs gives obj and each of its fields their deterministic id where the
// id is still empty (ObjectID / FieldID); ids already set are kept.
func AssignIDs(obj *Object) {
	if obj.ID == "" {
		obj.ID = ObjectID(obj.NameSingular)
	}
	for _, f := range obj.Fields {
		if f.ID == "" {
			f.ID = FieldID(obj.NameSingular, f.Name)
		}
	}
}

// systemFieldNames are the fields SystemFields returns: set by the server,
// not writable from the API except `id` on create and `position`.
var systemFieldNames = map[string]bool{
	"id": true, "createdAt": true, "updatedAt": true, "deletedAt": true,
	"createdBy": true, "updatedBy": true, "position": true,
}

// IsSystemFieldName reports whether name is one of SystemFields' names.
func IsSystemFieldName(name string) bool { return systemFieldNames[name] }

// stdActorDefault is Twenty's default for createdBy/updatedBy.
func stdActorDefault() map[string]any {
	return map[string]any{"source": "MANUAL", "name": ""}
}

// SystemFields returns the fields most objects have, in Twenty's names:
// every custom object and most standard ones. Each call returns fresh
// values without ids (AssignIDs sets them per object).
func SystemFields() []*Field {
	return []*Field{
		{Name: "id", Label: "Id", Type: TypeUUID, Icon: "Icon123", Description: "Id",
			IsSystem: true, DefaultValue: "uuid"},
		{Name: "createdAt", Label: "Creation date", Type: TypeDateTime, Icon: "IconCalendar",
			Description: "Creation date", IsSystem: true, DefaultValue: "now"},
		{Name: "updatedAt", Label: "Last update", Type: TypeDateTime, Icon: "IconCalendarClock",
			Description: "Last time the record was changed", IsSystem: true, DefaultValue: "now"},
		{Name: "deletedAt", Label: "Deleted at", Type: TypeDateTime, Icon: "IconCalendarMinus",
			Description: "Date when the record was deleted", IsSystem: true, IsNullable: true},
		{Name: "createdBy", Label: "Created by", Type: TypeActor, Icon: "IconCreativeCommonsSa",
			Description: "The creator of the record", IsSystem: true, DefaultValue: stdActorDefault()},
		{Name: "updatedBy", Label: "Updated by", Type: TypeActor, Icon: "IconUserCircle",
			Description: "The workspace member who last updated the record", IsSystem: true, DefaultValue: stdActorDefault()},
		{Name: "position", Label: "Position", Type: TypePosition, Icon: "IconHierarchy2",
			Description: "Record position", IsSystem: true, IsNullable: true},
	}
}

// baseFieldsOnly drops createdBy, updatedBy and position from o: Twenty
// declares some objects with its base entity's fields alone (id,
// createdAt, updatedAt, deletedAt). For the timeline, which gets a row
// per record event, they were also nine columns and an index: about a
// fifth of its pages.
func baseFieldsOnly(o *Object) *Object {
	o.Fields = slices.DeleteFunc(o.Fields, func(f *Field) bool {
		return f.Name == "createdBy" || f.Name == "updatedBy" || f.Name == "position"
	})
	return o
}

// fld is a nullable, non-system standard field.
func stdField(name, label string, t FieldType, icon, description string) *Field {
	return &Field{Name: name, Label: label, Type: t, Icon: icon, Description: description, IsNullable: true}
}

// system marks f as a Twenty system field (hidden in Twenty's UI; still writable).
func stdSystem(f *Field) *Field { f.IsSystem = true; return f }

// required makes f non-nullable with default def (nil: the client must send it).
func stdRequired(f *Field, def any) *Field { f.IsNullable = false; f.DefaultValue = def; return f }

func stdUnique(f *Field) *Field { f.IsUnique = true; return f }

func stdOptions(f *Field, opts ...SelectOption) *Field {
	for i := range opts {
		opts[i].Position = i
	}
	f.Options = opts
	return f
}

func stdOpt(value, label, color string) SelectOption {
	return SelectOption{Value: value, Label: label, Color: color}
}

func stdObject(singular, plural, labelSingular, labelPlural, description, icon, labelIdentifier string,
	searchable []string, fields ...*Field) *Object {
	return &Object{
		NameSingular: singular, NamePlural: plural,
		LabelSingular: labelSingular, LabelPlural: labelPlural,
		Description: description, Icon: icon, IsActive: true,
		LabelIdentifier: labelIdentifier, Searchable: searchable,
		Fields: append(SystemFields(), fields...),
	}
}

// stdRelSpec is one standard relation, described from its MANY_TO_ONE side.
type stdRelSpec struct {
	from, name, label, icon  string // owning object and its MANY_TO_ONE field
	to, inverse, invLabel    string // target object and its ONE_TO_MANY field
	invIcon                  string
	onDelete                 OnDelete
	invSystem                bool // the ONE_TO_MANY side is a Twenty system field
	description, invDescript string
}

// standardRelations lists every standard relation once; both sides are built
// from it. onDelete follows Twenty (what destroying the target does to the
// records that point at it).
var standardRelations = []stdRelSpec{
	{"company", "accountOwner", "Account Owner", "IconUserCircle",
		"workspaceMember", "accountOwnerForCompanies", "Account Owner For Companies", "IconBriefcase",
		OnDeleteSetNull, false, "Your team member responsible for managing the company account", "Account owner for companies"},
	{"person", "company", "Company", "IconBuildingSkyscraper",
		"company", "people", "People", "IconUsers",
		OnDeleteSetNull, false, "Contact's company", "People linked to the company."},
	{"opportunity", "pointOfContact", "Point of Contact", "IconUser",
		"person", "pointOfContactForOpportunities", "Opportunities", "IconTargetArrow",
		OnDeleteSetNull, false, "Opportunity point of contact", "List of opportunities for which that person is the point of contact"},
	{"opportunity", "company", "Company", "IconBuildingSkyscraper",
		"company", "opportunities", "Opportunities", "IconTargetArrow",
		OnDeleteSetNull, false, "Opportunity company", "Opportunities linked to the company."},
	{"opportunity", "owner", "Owner", "IconUserCircle",
		"workspaceMember", "ownedOpportunities", "Owned opportunities", "IconTargetArrow",
		OnDeleteSetNull, false, "Opportunity owner", "Opportunities owned by the workspace member"},
	{"task", "assignee", "Assignee", "IconUserCircle",
		"workspaceMember", "assignedTasks", "Assigned tasks", "IconCheckbox",
		OnDeleteSetNull, false, "Task assignee", "Tasks assigned to the workspace member"},

	{"noteTarget", "note", "Note", "IconNotes",
		"note", "noteTargets", "Relations", "IconArrowUpRight",
		OnDeleteCascade, true, "NoteTarget note", "Note targets"},
	{"noteTarget", "person", "Person", "IconUser",
		"person", "noteTargets", "Notes", "IconNotes",
		OnDeleteCascade, false, "NoteTarget person", "Notes tied to the contact"},
	{"noteTarget", "company", "Company", "IconBuildingSkyscraper",
		"company", "noteTargets", "Notes", "IconNotes",
		OnDeleteCascade, false, "NoteTarget company", "Notes tied to the company"},
	{"noteTarget", "opportunity", "Opportunity", "IconTargetArrow",
		"opportunity", "noteTargets", "Notes", "IconNotes",
		OnDeleteCascade, false, "NoteTarget opportunity", "Notes tied to the opportunity"},

	{"taskTarget", "task", "Task", "IconCheckbox",
		"task", "taskTargets", "Relations", "IconArrowUpRight",
		OnDeleteCascade, true, "TaskTarget task", "Task targets"},
	{"taskTarget", "person", "Person", "IconUser",
		"person", "taskTargets", "Tasks", "IconCheckbox",
		OnDeleteCascade, false, "TaskTarget person", "Tasks tied to the contact"},
	{"taskTarget", "company", "Company", "IconBuildingSkyscraper",
		"company", "taskTargets", "Tasks", "IconCheckbox",
		OnDeleteCascade, false, "TaskTarget company", "Tasks tied to the company"},
	{"taskTarget", "opportunity", "Opportunity", "IconTargetArrow",
		"opportunity", "taskTargets", "Tasks", "IconCheckbox",
		OnDeleteCascade, false, "TaskTarget opportunity", "Tasks tied to the opportunity"},

	{"attachment", "task", "Task", "IconNotes",
		"task", "attachments", "Attachments", "IconFileImport",
		OnDeleteSetNull, true, "Attachment task", "Task attachments"},
	{"attachment", "note", "Note", "IconNotes",
		"note", "attachments", "Attachments", "IconFileImport",
		OnDeleteSetNull, true, "Attachment note", "Note attachments"},
	{"attachment", "person", "Person", "IconUser",
		"person", "attachments", "Attachments", "IconFileImport",
		OnDeleteCascade, true, "Attachment person", "Attachments linked to the contact."},
	{"attachment", "company", "Company", "IconBuildingSkyscraper",
		"company", "attachments", "Attachments", "IconFileImport",
		OnDeleteCascade, false, "Attachment company", "Attachments linked to the company"},
	{"attachment", "opportunity", "Opportunity", "IconBuildingSkyscraper",
		"opportunity", "attachments", "Attachments", "IconFileImport",
		OnDeleteCascade, true, "Attachment opportunity", "Attachments linked to the opportunity"},

	{"timelineActivity", "workspaceMember", "Workspace Member", "IconCircleUser",
		"workspaceMember", "timelineActivities", "Events", "IconTimelineEvent",
		OnDeleteCascade, true, "Event workspace member", "Events linked to the workspace member"},
	{"timelineActivity", "targetPerson", "Person", "IconUser",
		"person", "timelineActivities", "Events", "IconTimelineEvent",
		OnDeleteCascade, true, "Event person", "Events linked to the person"},
	{"timelineActivity", "targetCompany", "Company", "IconBuildingSkyscraper",
		"company", "timelineActivities", "Timeline Activities", "IconTimelineEvent",
		OnDeleteCascade, true, "Event company", "Timeline Activities linked to the company"},
	{"timelineActivity", "targetOpportunity", "Opportunity", "IconTargetArrow",
		"opportunity", "timelineActivities", "Timeline Activities", "IconTimelineEvent",
		OnDeleteSetNull, true, "Event opportunity", "Timeline Activities linked to the opportunity."},
	{"timelineActivity", "targetNote", "Note", "IconTargetArrow",
		"note", "timelineActivities", "Timeline Activities", "IconTimelineEvent",
		OnDeleteSetNull, true, "Event note", "Timeline Activities linked to the note."},
	{"timelineActivity", "targetTask", "Task", "IconTargetArrow",
		"task", "timelineActivities", "Timeline Activities", "IconTimelineEvent",
		OnDeleteSetNull, true, "Event task", "Timeline Activities linked to the task."},

	{"workflowVersion", "workflow", "Workflow", "IconSettingsAutomation",
		"workflow", "versions", "Versions", "IconVersions",
		OnDeleteCascade, false, "WorkflowVersion workflow", "Workflow versions linked to the workflow."},
	{"workflowRun", "workflow", "Workflow", "IconSettingsAutomation",
		"workflow", "runs", "Runs", "IconRun",
		OnDeleteCascade, false, "Workflow linked to the run.", "Workflow runs linked to the workflow."},
	{"workflowRun", "workflowVersion", "Workflow version", "IconVersions",
		"workflowVersion", "runs", "Runs", "IconRun",
		OnDeleteSetNull, false, "Workflow version linked to the run.", "Workflow runs linked to the version."},
	{"workflowAutomatedTrigger", "workflow", "Workflow", "IconSettingsAutomation",
		"workflow", "automatedTriggers", "Automated Triggers", "IconSettingsAutomation",
		OnDeleteCascade, false, "WorkflowAutomatedTrigger workflow", "Workflow automated triggers linked to the workflow."},

	{"favorite", "forWorkspaceMember", "Workspace Member", "IconCircleUser",
		"workspaceMember", "favorites", "Favorites", "IconHeart",
		OnDeleteCascade, false, "Favorite workspace member", "Favorites linked to the workspace member"},
	{"favorite", "person", "Person", "IconUser",
		"person", "favorites", "Favorites", "IconHeart",
		OnDeleteCascade, true, "Favorite person", "Favorites linked to the contact"},
	{"favorite", "company", "Company", "IconBuildingSkyscraper",
		"company", "favorites", "Favorites", "IconHeart",
		OnDeleteCascade, true, "Favorite company", "Favorites linked to the company"},
	{"favorite", "opportunity", "Opportunity", "IconTargetArrow",
		"opportunity", "favorites", "Favorites", "IconHeart",
		OnDeleteCascade, true, "Favorite opportunity", "Favorites linked to the opportunity"},
	{"favorite", "task", "Task", "IconCheckbox",
		"task", "favorites", "Favorites", "IconHeart",
		OnDeleteCascade, true, "Favorite task", "Favorites linked to the task"},
	{"favorite", "note", "Note", "IconNotes",
		"note", "favorites", "Favorites", "IconHeart",
		OnDeleteCascade, true, "Favorite note", "Favorites linked to the note"},
	{"favorite", "favoriteFolder", "Favorite Folder", "IconFolder",
		"favoriteFolder", "favorites", "Favorites", "IconHeart",
		OnDeleteCascade, false, "The folder this favorite belongs to", "Favorites in this folder"},
}

// StandardObjects returns the objects seeded into every new workspace, in a
// fixed order, each with SystemFields, both sides of every relation and
// deterministic ids. Each call returns fresh values.
func StandardObjects() []*Object {
	objects := []*Object{
		stdObject("company", "companies", "Company", "Companies", "A company", "IconBuildingSkyscraper",
			"name", []string{"name", "domainName"},
			stdField("name", "Name", TypeText, "IconBuildingSkyscraper", "The company name"),
			stdUnique(stdField("domainName", "Domain Name", TypeLinks, "IconLink",
				"The company website URL. We use this url to fetch the company icon")),
			stdField("employees", "Employees", TypeNumber, "IconUsers", "Number of employees in the company"),
			stdField("linkedinLink", "Linkedin", TypeLinks, "IconBrandLinkedin", "The company Linkedin account"),
			stdField("xLink", "X", TypeLinks, "IconBrandX", "The company Twitter/X account"),
			stdField("annualRecurringRevenue", "ARR", TypeCurrency, "IconMoneybag",
				"Annual Recurring Revenue: The actual or estimated annual revenue of the company"),
			stdField("address", "Address", TypeAddress, "IconMap", "Address of the company"),
			stdRequired(stdField("idealCustomerProfile", "ICP", TypeBoolean, "IconTarget",
				"Ideal Customer Profile: Indicates whether the company is the most suitable and valuable customer for you"), false),
		),
		stdObject("person", "people", "Person", "People", "A person", "IconUser",
			"name", []string{"name", "emails", "phones", "jobTitle"},
			stdField("name", "Name", TypeFullName, "IconUser", "Contact's name"),
			stdUnique(stdField("emails", "Emails", TypeEmails, "IconMail", "Contact's Emails")),
			stdField("linkedinLink", "Linkedin", TypeLinks, "IconBrandLinkedin", "Contact's Linkedin account"),
			stdField("xLink", "X", TypeLinks, "IconBrandX", "Contact's X/Twitter account"),
			stdField("jobTitle", "Job Title", TypeText, "IconBriefcase", "Contact's job title"),
			stdField("phones", "Phones", TypePhones, "IconPhone", "Contact's phone numbers"),
			stdField("city", "City", TypeText, "IconMap", "Contact's city"),
			stdSystem(stdField("avatarUrl", "Avatar", TypeText, "IconFileUpload", "Contact's avatar")),
		),
		stdObject("opportunity", "opportunities", "Opportunity", "Opportunities", "An opportunity", "IconTargetArrow",
			"name", []string{"name"},
			stdField("name", "Name", TypeText, "IconTargetArrow", "The opportunity name"),
			stdField("amount", "Amount", TypeCurrency, "IconCurrencyDollar", "Opportunity amount"),
			stdField("closeDate", "Close date", TypeDateTime, "IconCalendarEvent", "Opportunity close date"),
			stdRequired(stdOptions(stdField("stage", "Stage", TypeSelect, "IconProgressCheck", "Opportunity stage"),
				stdOpt("NEW", "New", "red"),
				stdOpt("SCREENING", "Screening", "purple"),
				stdOpt("MEETING", "Meeting", "sky"),
				stdOpt("PROPOSAL", "Proposal", "turquoise"),
				stdOpt("CUSTOMER", "Customer", "yellow"),
			), "NEW"),
		),
		stdObject("note", "notes", "Note", "Notes", "A note", "IconNotes",
			"title", []string{"title", "bodyV2"},
			stdField("title", "Title", TypeText, "IconNotes", "Note title"),
			stdField("bodyV2", "Body", TypeRichTextV2, "IconFilePencil", "Note body"),
		),
		stdObject("task", "tasks", "Task", "Tasks", "A task", "IconCheckbox",
			"title", []string{"title", "bodyV2"},
			stdField("title", "Title", TypeText, "IconNotes", "Task title"),
			stdField("bodyV2", "Body", TypeRichTextV2, "IconFilePencil", "Task body"),
			stdField("dueAt", "Due Date", TypeDateTime, "IconCalendarEvent", "Task due date"),
			func() *Field {
				f := stdOptions(stdField("status", "Status", TypeSelect, "IconCheck", "Task status"),
					stdOpt("TODO", "To do", "sky"),
					stdOpt("IN_PROGRESS", "In progress", "purple"),
					stdOpt("DONE", "Done", "green"),
				)
				f.DefaultValue = "TODO" // nullable in Twenty, with a default
				return f
			}(),
		),
		stdObject("noteTarget", "noteTargets", "Note Target", "Note Targets", "A note target", "IconCheckbox",
			"id", nil),
		stdObject("taskTarget", "taskTargets", "Task Target", "Task Targets", "A task target", "IconCheckbox",
			"id", nil),
		stdObject("attachment", "attachments", "Attachment", "Attachments", "An attachment", "IconFileImport",
			"name", []string{"name"},
			stdField("name", "Name", TypeText, "IconFileUpload", "Attachment name"),
			stdField("fullPath", "Full path", TypeText, "IconLink", "Attachment full path"),
			stdRequired(stdOptions(stdField("fileCategory", "File category", TypeSelect, "IconList", "Attachment file category"),
				stdOpt("ARCHIVE", "Archive", "gray"),
				stdOpt("AUDIO", "Audio", "pink"),
				stdOpt("IMAGE", "Image", "yellow"),
				stdOpt("PRESENTATION", "Presentation", "orange"),
				stdOpt("SPREADSHEET", "Spreadsheet", "turquoise"),
				stdOpt("TEXT_DOCUMENT", "Text Document", "blue"),
				stdOpt("VIDEO", "Video", "purple"),
				stdOpt("OTHER", "Other", "gray"),
			), "OTHER"),
		),
		stdObject("workspaceMember", "workspaceMembers", "Workspace Member", "Workspace Members",
			"A workspace member", "IconUserCircle",
			"name", []string{"name", "userEmail"},
			stdRequired(stdField("name", "Name", TypeFullName, "IconCircleUser", "Workspace member name"),
				map[string]any{"firstName": "", "lastName": ""}),
			stdSystem(stdRequired(stdField("colorScheme", "Color Scheme", TypeText, "IconColorSwatch", "Preferred color scheme"), "System")),
			stdSystem(stdRequired(stdField("locale", "Language", TypeText, "IconLanguage", "Preferred language"), "en")),
			stdSystem(stdField("avatarUrl", "Avatar Url", TypeText, "IconFileUpload", "Workspace member avatar")),
			stdSystem(stdUnique(stdField("userEmail", "User Email", TypeText, "IconMail", "Related user email address"))),
			stdSystem(stdRequired(stdField("calendarStartDay", "Start of the week", TypeNumber, "IconCalendarWeek",
				"User's preferred start day of the week"), 7)),
			stdSystem(stdRequired(stdField("userId", "User Id", TypeUUID, "IconCircleUsers", "Associated User Id"), nil)),
			stdSystem(stdRequired(stdField("timeZone", "Time zone", TypeText, "IconTimezone", "User time zone"), "system")),
			stdSystem(stdRequired(stdOptions(stdField("dateFormat", "Date format", TypeSelect, "IconCalendarEvent",
				"User's preferred date format"),
				stdOpt("SYSTEM", "System", "turquoise"),
				stdOpt("MONTH_FIRST", "Month First", "red"),
				stdOpt("DAY_FIRST", "Day First", "purple"),
				stdOpt("YEAR_FIRST", "Year First", "sky"),
			), "SYSTEM")),
			stdSystem(stdRequired(stdOptions(stdField("timeFormat", "Time format", TypeSelect, "IconClock2",
				"User's preferred time format"),
				stdOpt("SYSTEM", "System", "sky"),
				stdOpt("HOUR_24", "24HRS", "red"),
				stdOpt("HOUR_12", "12HRS", "purple"),
			), "SYSTEM")),
			stdSystem(stdRequired(stdOptions(stdField("numberFormat", "Number format", TypeSelect, "IconNumbers",
				"User's preferred number format"),
				stdOpt("SYSTEM", "System", "turquoise"),
				stdOpt("COMMAS_AND_DOT", "Commas and dot", "blue"),
				stdOpt("SPACES_AND_COMMA", "Spaces and comma", "green"),
				stdOpt("DOTS_AND_COMMA", "Dots and comma", "orange"),
				stdOpt("APOSTROPHE_AND_DOT", "Apostrophe and dot", "purple"),
			), "SYSTEM")),
		),
		// Not searchable: Twenty's search (the command menu) leaves the
		// timeline out (no @WorkspaceIsSearchable on it).
		baseFieldsOnly(stdObject("timelineActivity", "timelineActivities", "Timeline Activity", "Timeline Activities",
			"Aggregated / filtered event to be displayed on the timeline", "IconTimelineEvent",
			"name", nil,
			stdRequired(stdField("happensAt", "Creation date", TypeDateTime, "IconCalendar", "Creation date"), "now"),
			stdField("name", "Event name", TypeText, "IconAbc", "Event name"),
			stdField("properties", "Event details", TypeRawJSON, "IconListDetails", "Json value for event details"),
			stdField("linkedRecordCachedName", "Linked Record cached name", TypeText, "IconAbc", "Cached record name"),
			stdField("linkedRecordId", "Linked Record id", TypeUUID, "IconAbc", "Linked Record id"),
			stdField("linkedObjectMetadataId", "Linked Object Metadata Id", TypeUUID, "IconAbc", "Linked Object Metadata Id"),
		)),
		stdObject("favorite", "favorites", "Favorite", "Favorites", "A favorite", "IconHeart",
			"id", nil,
			stdField("viewId", "ViewId", TypeUUID, "IconView", "ViewId"),
		),
		stdObject("favoriteFolder", "favoriteFolders", "Favorite Folder", "Favorite Folders", "A Folder of favorites", "IconFolder",
			"name", nil,
			stdField("name", "Name", TypeText, "IconText", "Name of the favorite folder"),
		),
	}
	objects = append(objects, workflowObjects()...)

	byName := make(map[string]*Object, len(objects))
	for _, o := range objects {
		byName[o.NameSingular] = o
	}
	for _, r := range standardRelations {
		from, to := byName[r.from], byName[r.to]
		from.Fields = append(from.Fields, &Field{
			Name: r.name, Label: r.label, Type: TypeRelation, Icon: r.icon, Description: r.description,
			IsNullable: true,
			Relation:   &Relation{Type: ManyToOne, TargetObject: r.to, TargetField: r.inverse, OnDelete: r.onDelete},
		})
		to.Fields = append(to.Fields, &Field{
			Name: r.inverse, Label: r.invLabel, Type: TypeRelation, Icon: r.invIcon, Description: r.invDescript,
			IsNullable: true, IsSystem: r.invSystem,
			Relation: &Relation{Type: OneToMany, TargetObject: r.from, TargetField: r.name},
		})
	}
	for _, o := range objects {
		AssignIDs(o)
	}
	return objects
}

// workflowObjects are Twenty's workflow objects (modules/workflow/common/
// standard-objects): trigger, steps, settings and run state are RAW_JSON.
func workflowObjects() []*Object {
	return []*Object{
		stdObject("workflow", "workflows", "Workflow", "Workflows", "A workflow", "IconSettingsAutomation",
			"name", []string{"name"},
			stdField("name", "Name", TypeText, "IconSettingsAutomation", "The workflow name"),
			stdField("lastPublishedVersionId", "Last published Version Id", TypeText, "IconVersions", "The workflow last published version id"),
			stdOptions(stdField("statuses", "Statuses", TypeMultiSelect, "IconStatusChange", "The current statuses of the workflow versions"),
				stdOpt("DRAFT", "Draft", "yellow"),
				stdOpt("ACTIVE", "Active", "green"),
				stdOpt("DEACTIVATED", "Deactivated", "gray"),
			),
		),
		stdObject("workflowVersion", "workflowVersions", "Workflow Version", "Workflow Versions", "A workflow version", "IconVersions",
			"name", []string{"name"},
			stdField("name", "Name", TypeText, "IconSettingsAutomation", "The workflow version name"),
			stdField("trigger", "Version trigger", TypeRawJSON, "IconSettingsAutomation", "Json object to provide trigger"),
			stdField("steps", "Version steps", TypeRawJSON, "IconSettingsAutomation", "Json object to provide steps"),
			stdRequired(stdOptions(stdField("status", "Version status", TypeSelect, "IconStatusChange", "The workflow version status"),
				stdOpt("DRAFT", "Draft", "yellow"),
				stdOpt("ACTIVE", "Active", "green"),
				stdOpt("DEACTIVATED", "Deactivated", "orange"),
				stdOpt("ARCHIVED", "Archived", "gray"),
			), "DRAFT"),
		),
		stdObject("workflowRun", "workflowRuns", "Workflow Run", "Workflow Runs", "A workflow run", "IconRun",
			"name", []string{"name"},
			stdField("name", "Name", TypeText, "IconSettingsAutomation", "Name of the workflow run"),
			stdField("enqueuedAt", "Workflow run enqueued at", TypeDateTime, "IconHistory", "Workflow run enqueued at"),
			stdField("startedAt", "Workflow run started at", TypeDateTime, "IconHistory", "Workflow run started at"),
			stdField("endedAt", "Workflow run ended at", TypeDateTime, "IconHistory", "Workflow run ended at"),
			stdRequired(stdOptions(stdField("status", "Workflow run status", TypeSelect, "IconStatusChange", "Workflow run status"),
				stdOpt("NOT_STARTED", "Not started", "gray"),
				stdOpt("RUNNING", "Running", "yellow"),
				stdOpt("COMPLETED", "Completed", "green"),
				stdOpt("FAILED", "Failed", "red"),
				stdOpt("ENQUEUED", "Enqueued", "blue"),
				stdOpt("STOPPING", "Stopping", "orange"),
				stdOpt("STOPPED", "Stopped", "gray"),
			), "NOT_STARTED"),
			stdField("state", "State", TypeRawJSON, "IconHierarchy2", "State of the workflow run"),
		),
		stdObject("workflowAutomatedTrigger", "workflowAutomatedTriggers", "Workflow Automated Trigger", "Workflow Automated Triggers",
			"A workflow automated trigger", "IconSettingsAutomation",
			"id", nil,
			stdOptions(stdField("type", "Automated Trigger Type", TypeSelect, "IconSettingsAutomation", "The workflow automated trigger type"),
				stdOpt("DATABASE_EVENT", "Database Event", "green"),
				stdOpt("CRON", "Cron", "blue"),
			),
			stdField("settings", "Settings", TypeRawJSON, "IconSettings", "The workflow automated trigger settings"),
		),
	}
}
