package metadata

import (
	"strings"

	"edgecrm/domain"
	"edgecrm/events"
)

// viewSDL is Twenty's core view API on /metadata (the operations its
// frontend sends to render lists and boards): enums and inputs, then the
// types and operations twice, as Twenty has named them (CoreView,
// getCoreViews, createCoreViewSort, ...; and, in later releases, View,
// getViews, createViewSort, ...). Update inputs take both shapes Twenty's
// clients have sent: {id, update: {...}} and the members flat beside an
// id argument.
var viewSDL = viewInputsSDL + viewTypesSDL + strings.NewReplacer(
	// Later releases answer a Boolean when a sort is deleted or destroyed.
	"deleteCoreViewSort(input: DeleteViewSortInput!): CoreViewSort!", "deleteViewSort(input: DeleteViewSortInput!): Boolean!",
	"destroyCoreViewSort(input: DestroyViewSortInput!): CoreViewSort!", "destroyViewSort(input: DestroyViewSortInput!): Boolean!",
	"CoreView", "View").Replace(viewTypesSDL)

const viewInputsSDL = `
enum ViewType { TABLE KANBAN CALENDAR }
enum ViewKey { INDEX }
enum ViewOpenRecordIn { SIDE_PANEL RECORD_PAGE }
enum ViewCalendarLayout { DAY WEEK MONTH }
enum ViewVisibility { WORKSPACE UNLISTED }
enum ViewSortDirection { ASC DESC }
enum ViewFilterGroupLogicalOperator { AND OR NOT }
enum ViewFilterOperand {
  IS IS_NOT IS_NOT_NULL IS_EMPTY IS_NOT_EMPTY IS_IN_PAST IS_IN_FUTURE IS_TODAY IS_BEFORE IS_AFTER
  IS_RELATIVE CONTAINS DOES_NOT_CONTAIN GREATER_THAN_OR_EQUAL LESS_THAN_OR_EQUAL VECTOR_SEARCH
}
enum AggregateOperations {
  MIN MAX AVG SUM COUNT COUNT_UNIQUE_VALUES COUNT_EMPTY COUNT_NOT_EMPTY COUNT_TRUE COUNT_FALSE
  PERCENTAGE_EMPTY PERCENTAGE_NOT_EMPTY
}

input CreateViewInput {
  id: UUID
  name: String!
  objectMetadataId: UUID!
  type: ViewType
  key: ViewKey
  icon: String!
  position: Float
  isCompact: Boolean
  openRecordIn: ViewOpenRecordIn
  kanbanAggregateOperation: AggregateOperations
  kanbanAggregateOperationFieldMetadataId: UUID
  mainGroupByFieldMetadataId: UUID
  shouldHideEmptyGroups: Boolean
  calendarFieldMetadataId: UUID
  calendarEndFieldMetadataId: UUID
  calendarLayout: ViewCalendarLayout
  anyFieldFilterValue: String
  visibility: ViewVisibility
}

input UpdateViewInput {
  id: UUID
  name: String
  type: ViewType
  icon: String
  position: Float
  isCompact: Boolean
  openRecordIn: ViewOpenRecordIn
  kanbanAggregateOperation: AggregateOperations
  kanbanAggregateOperationFieldMetadataId: UUID
  mainGroupByFieldMetadataId: UUID
  shouldHideEmptyGroups: Boolean
  calendarFieldMetadataId: UUID
  calendarEndFieldMetadataId: UUID
  calendarLayout: ViewCalendarLayout
  anyFieldFilterValue: String
  visibility: ViewVisibility
}

input CreateViewFieldInput {
  id: UUID
  viewId: UUID!
  fieldMetadataId: UUID!
  isVisible: Boolean
  position: Float
  size: Float
  aggregateOperation: AggregateOperations
  viewFieldGroupId: UUID
}
input UpdateViewFieldInputUpdates { isVisible: Boolean position: Float size: Float aggregateOperation: AggregateOperations viewFieldGroupId: UUID }
input UpdateViewFieldInput {
  id: UUID
  update: UpdateViewFieldInputUpdates
  isVisible: Boolean
  position: Float
  size: Float
  aggregateOperation: AggregateOperations
  viewFieldGroupId: UUID
}
input DeleteViewFieldInput { id: UUID! }
input DestroyViewFieldInput { id: UUID! }

input CreateViewFilterInput {
  id: UUID
  viewId: UUID!
  fieldMetadataId: UUID!
  operand: ViewFilterOperand
  value: JSON!
  viewFilterGroupId: UUID
  positionInViewFilterGroup: Float
  subFieldName: String
  relationTargetFieldMetadataId: UUID
}
input UpdateViewFilterInputUpdates {
  fieldMetadataId: UUID
  operand: ViewFilterOperand
  value: JSON
  viewFilterGroupId: UUID
  positionInViewFilterGroup: Float
  subFieldName: String
  relationTargetFieldMetadataId: UUID
}
input UpdateViewFilterInput {
  id: UUID
  update: UpdateViewFilterInputUpdates
  viewId: UUID
  fieldMetadataId: UUID
  operand: ViewFilterOperand
  value: JSON
  viewFilterGroupId: UUID
  positionInViewFilterGroup: Float
  subFieldName: String
  relationTargetFieldMetadataId: UUID
}
input DeleteViewFilterInput { id: UUID! }
input DestroyViewFilterInput { id: UUID! }

input CreateViewFilterGroupInput {
  id: UUID
  viewId: UUID!
  parentViewFilterGroupId: UUID
  logicalOperator: ViewFilterGroupLogicalOperator
  positionInViewFilterGroup: Float
}
input UpdateViewFilterGroupInput {
  id: UUID
  viewId: UUID
  parentViewFilterGroupId: UUID
  logicalOperator: ViewFilterGroupLogicalOperator
  positionInViewFilterGroup: Float
}

input CreateViewGroupInput {
  id: UUID
  viewId: UUID!
  fieldMetadataId: UUID
  fieldValue: String!
  isVisible: Boolean
  position: Float
}
input UpdateViewGroupInputUpdates { fieldMetadataId: UUID fieldValue: String isVisible: Boolean position: Float }
input UpdateViewGroupInput {
  id: UUID
  update: UpdateViewGroupInputUpdates
  viewId: UUID
  fieldMetadataId: UUID
  fieldValue: String
  isVisible: Boolean
  position: Float
}
input DeleteViewGroupInput { id: UUID! }
input DestroyViewGroupInput { id: UUID! }

input CreateViewSortInput {
  id: UUID
  viewId: UUID!
  fieldMetadataId: UUID!
  direction: ViewSortDirection
  subFieldName: String
}
input UpdateViewSortInputUpdates { direction: ViewSortDirection subFieldName: String }
input UpdateViewSortInput {
  id: UUID
  update: UpdateViewSortInputUpdates
  viewId: UUID
  fieldMetadataId: UUID
  direction: ViewSortDirection
}
input DeleteViewSortInput { id: UUID! }
input DestroyViewSortInput { id: UUID! }

input CreateViewFieldGroupInput { id: UUID name: String! viewId: UUID! position: Float isVisible: Boolean }
input UpdateViewFieldGroupInputUpdates { name: String position: Float isVisible: Boolean }
input UpdateViewFieldGroupInput { id: UUID! update: UpdateViewFieldGroupInputUpdates! }
input DeleteViewFieldGroupInput { id: UUID! }

`

const viewTypesSDL = `
type CoreView {
  id: UUID!
  name: String!
  objectMetadataId: UUID!
  type: ViewType!
  key: ViewKey
  icon: String!
  position: Float!
  isCompact: Boolean!
  isCustom: Boolean!
  isActive: Boolean!
  openRecordIn: ViewOpenRecordIn!
  kanbanAggregateOperation: AggregateOperations
  kanbanAggregateOperationFieldMetadataId: UUID
  mainGroupByFieldMetadataId: UUID
  shouldHideEmptyGroups: Boolean!
  kanbanColumnWidth: Float
  groupLoadLimit: Int
  calendarFieldMetadataId: UUID
  calendarEndFieldMetadataId: UUID
  startFieldMetadataId: UUID
  endFieldMetadataId: UUID
  calendarLayout: ViewCalendarLayout
  anyFieldFilterValue: String
  visibility: ViewVisibility!
  createdByUserWorkspaceId: UUID
  workspaceId: UUID!
  createdAt: DateTime!
  updatedAt: DateTime!
  deletedAt: DateTime
  viewFields: [CoreViewField!]!
  viewFieldGroups: [CoreViewFieldGroup!]!
  viewFilters: [CoreViewFilter!]!
  viewFilterGroups: [CoreViewFilterGroup!]!
  viewSorts: [CoreViewSort!]!
  viewGroups: [CoreViewGroup!]!
}

type CoreViewField {
  id: UUID!
  fieldMetadataId: UUID!
  viewId: UUID!
  isVisible: Boolean!
  position: Float!
  size: Float!
  aggregateOperation: AggregateOperations
  viewFieldGroupId: UUID
  isActive: Boolean!
  isOverridden: Boolean
  workspaceId: UUID!
  createdAt: DateTime!
  updatedAt: DateTime!
  deletedAt: DateTime
}

"A named group of a view's fields (a record page's sections); a view field joins one by viewFieldGroupId."
type CoreViewFieldGroup {
  id: UUID!
  name: String!
  position: Float!
  isVisible: Boolean!
  viewId: UUID!
  isActive: Boolean!
  isOverridden: Boolean
  workspaceId: UUID!
  createdAt: DateTime!
  updatedAt: DateTime!
  deletedAt: DateTime
  viewFields: [CoreViewField!]!
}

type CoreViewFilter {
  id: UUID!
  fieldMetadataId: UUID!
  operand: ViewFilterOperand!
  value: JSON!
  viewFilterGroupId: UUID
  positionInViewFilterGroup: Float
  subFieldName: String
  relationTargetFieldMetadataId: UUID
  viewId: UUID!
  workspaceId: UUID!
  createdAt: DateTime!
  updatedAt: DateTime!
  deletedAt: DateTime
}

type CoreViewFilterGroup {
  id: UUID!
  parentViewFilterGroupId: UUID
  logicalOperator: ViewFilterGroupLogicalOperator!
  positionInViewFilterGroup: Float
  viewId: UUID!
  workspaceId: UUID!
  createdAt: DateTime!
  updatedAt: DateTime!
  deletedAt: DateTime
}

type CoreViewGroup {
  id: UUID!
  fieldMetadataId: UUID
  isVisible: Boolean!
  fieldValue: String!
  position: Float!
  viewId: UUID!
  workspaceId: UUID!
  createdAt: DateTime!
  updatedAt: DateTime!
  deletedAt: DateTime
}

type CoreViewSort {
  id: UUID!
  fieldMetadataId: UUID!
  direction: ViewSortDirection!
  subFieldName: String
  viewId: UUID!
  workspaceId: UUID!
  createdAt: DateTime!
  updatedAt: DateTime!
  deletedAt: DateTime
}

extend type Query {
  getCoreViews(objectMetadataId: String, viewTypes: [ViewType!]): [CoreView!]!
  getCoreView(id: String!): CoreView
  getCoreViewFields(viewId: String!): [CoreViewField!]!
  getCoreViewField(id: String!): CoreViewField
  getCoreViewFilters(viewId: String): [CoreViewFilter!]!
  getCoreViewFilter(id: String!): CoreViewFilter
  getCoreViewFilterGroups(viewId: String): [CoreViewFilterGroup!]!
  getCoreViewFilterGroup(id: String!): CoreViewFilterGroup
  getCoreViewGroups(viewId: String): [CoreViewGroup!]!
  getCoreViewGroup(id: String!): CoreViewGroup
  getCoreViewSorts(viewId: String): [CoreViewSort!]!
  getCoreViewSort(id: String!): CoreViewSort
}

extend type Mutation {
  createCoreView(input: CreateViewInput!): CoreView!
  updateCoreView(id: String!, input: UpdateViewInput!): CoreView!
  deleteCoreView(id: String!): Boolean!
  destroyCoreView(id: String!): Boolean!
  createCoreViewField(input: CreateViewFieldInput!): CoreViewField!
  createManyCoreViewFields(inputs: [CreateViewFieldInput!]!): [CoreViewField!]!
  updateCoreViewField(id: String, input: UpdateViewFieldInput!): CoreViewField!
  deleteCoreViewField(input: DeleteViewFieldInput!): CoreViewField!
  destroyCoreViewField(input: DestroyViewFieldInput!): CoreViewField!
  createCoreViewFilter(input: CreateViewFilterInput!): CoreViewFilter!
  updateCoreViewFilter(id: String, input: UpdateViewFilterInput!): CoreViewFilter!
  deleteCoreViewFilter(input: DeleteViewFilterInput!): CoreViewFilter!
  destroyCoreViewFilter(input: DestroyViewFilterInput!): CoreViewFilter!
  createCoreViewFilterGroup(input: CreateViewFilterGroupInput!): CoreViewFilterGroup!
  updateCoreViewFilterGroup(id: String!, input: UpdateViewFilterGroupInput!): CoreViewFilterGroup!
  deleteCoreViewFilterGroup(id: String!): Boolean!
  destroyCoreViewFilterGroup(id: String!): Boolean!
  createCoreViewGroup(input: CreateViewGroupInput!): CoreViewGroup!
  createManyCoreViewGroups(inputs: [CreateViewGroupInput!]!): [CoreViewGroup!]!
  updateCoreViewGroup(id: String, input: UpdateViewGroupInput!): CoreViewGroup!
  deleteCoreViewGroup(input: DeleteViewGroupInput!): CoreViewGroup!
  destroyCoreViewGroup(input: DestroyViewGroupInput!): CoreViewGroup!
  updateManyCoreViewGroups(inputs: [UpdateViewGroupInput!]!): [CoreViewGroup!]!
  createCoreViewSort(input: CreateViewSortInput!): CoreViewSort!
  updateCoreViewSort(id: String, input: UpdateViewSortInput!): CoreViewSort!
  deleteCoreViewSort(input: DeleteViewSortInput!): CoreViewSort!
  destroyCoreViewSort(input: DestroyViewSortInput!): CoreViewSort!
  createCoreViewFieldGroup(input: CreateViewFieldGroupInput!): CoreViewFieldGroup!
  updateCoreViewFieldGroup(input: UpdateViewFieldGroupInput!): CoreViewFieldGroup!
  deleteCoreViewFieldGroup(input: DeleteViewFieldGroupInput!): CoreViewFieldGroup!
  destroyCoreViewFieldGroup(input: DeleteViewFieldGroupInput!): CoreViewFieldGroup!
}
`

// viewKinds maps each view operation's name (without its verb and "Core")
// to the kind it acts on.
var viewKinds = map[string]domain.ViewKind{
	"View": domain.KindView, "Views": domain.KindView,
	"ViewField": domain.KindViewField, "ViewFields": domain.KindViewField,
	"ViewFilter": domain.KindViewFilter, "ViewFilters": domain.KindViewFilter,
	"ViewFilterGroup": domain.KindViewFilterGroup, "ViewFilterGroups": domain.KindViewFilterGroup,
	"ViewGroup": domain.KindViewGroup, "ViewGroups": domain.KindViewGroup,
	"ViewSort": domain.KindViewSort, "ViewSorts": domain.KindViewSort,
	"ViewFieldGroup": domain.KindViewFieldGroup,
}

// viewOperation splits a view operation name into its verb ("get",
// "create", "createMany", "update", "delete", "destroy") and kind.
func viewOperation(name string) (verb string, kind domain.ViewKind, ok bool) {
	for _, v := range []string{"createMany", "create", "updateMany", "update", "delete", "destroy", "get"} {
		if rest, found := strings.CutPrefix(name, v); found {
			if k, ok := viewKinds[strings.TrimPrefix(rest, "Core")]; ok {
				return v, k, true
			}
		}
	}
	return "", "", false
}

// isViewMutation reports whether name is a view mutation (which a member
// may run: views are not the data model).
func isViewMutation(name string) bool {
	verb, _, ok := viewOperation(name)
	return ok && verb != "get"
}

// viewField resolves the view queries and mutations (ok false for any
// other field).
func viewField(x *execution, name string, args map[string]any) (v any, ok bool, err error) {
	verb, kind, ok := viewOperation(name)
	if !ok {
		return nil, false, nil
	}
	if verb == "get" && strings.HasSuffix(name, "s") {
		verb = "list" // getCoreViews, getCoreViewFields, ...
	}
	if verb == "updateMany" {
		v, err = x.updateManyViewItems(kind, args)
		return v, true, err
	}
	v, err = x.viewOp(verb, kind, args)
	if err == nil && (name == "deleteViewSort" || name == "destroyViewSort") {
		return true, true, nil // the later names' Boolean
	}
	return v, true, err
}

func (x *execution) viewOp(verb string, kind domain.ViewKind, args map[string]any) (any, error) {
	input, _ := args["input"].(map[string]any)
	id, _ := args["id"].(string)
	if id == "" {
		id, _ = input["id"].(string)
	}
	switch verb {
	case "list", "get":
		views, err := x.views()
		if err != nil {
			return nil, err
		}
		if verb == "list" {
			return x.listViewItems(views, kind, args), nil
		}
		if it := views[id]; it != nil && it.Kind == kind && !it.Deleted {
			return x.viewItem(views, it), nil
		}
		return nil, nil // Twenty answers null
	case "create", "createMany":
		inputs := []map[string]any{input}
		if verb == "createMany" {
			inputs = nil
			list, _ := args["inputs"].([]any)
			for _, in := range list {
				m, _ := in.(map[string]any)
				inputs = append(inputs, m)
			}
		}
		if kind == domain.KindView && x.member != "" {
			for _, in := range inputs {
				in["createdByUserWorkspaceId"] = x.member // whose UNLISTED view it is
			}
		}
		evs, err := x.executeView(domain.CreateViewItems{Kind: kind, Inputs: inputs})
		if err != nil {
			return nil, err
		}
		views, err := x.views()
		if err != nil {
			return nil, err
		}
		var created []any
		for _, ev := range evs {
			var pl domain.ViewItemsCreated
			if err := ev.Decode(&pl); err != nil {
				return nil, err
			}
			for _, it := range pl.Items {
				if it.Kind == kind {
					created = append(created, x.viewItem(views, views[it.ID]))
				}
			}
		}
		if verb == "create" {
			if len(created) != 1 {
				return nil, badInput("input", "nothing was created")
			}
			return created[0], nil
		}
		return append([]any{}, created...), nil
	case "update":
		set := map[string]any{}
		for k, v := range input {
			if k != "update" && k != "id" {
				set[k] = v
			}
		}
		if u, ok := input["update"].(map[string]any); ok {
			for k, v := range u {
				set[k] = v
			}
		}
		if _, err := x.executeView(domain.UpdateViewItem{Kind: kind, ID: id, Set: set}); err != nil {
			return nil, err
		}
		views, err := x.views()
		if err != nil {
			return nil, err
		}
		if it := views[id]; it != nil {
			return x.viewItem(views, it), nil
		}
		return nil, &domain.ViewNotFoundError{Kind: kind, ID: id}
	case "delete", "destroy":
		views, err := x.views()
		if err != nil {
			return nil, err
		}
		var before any
		if it := views[id]; it != nil && it.Kind == kind {
			before = x.viewItem(views, it)
		}
		if _, err := x.executeView(domain.RemoveViewItem{Kind: kind, ID: id, Destroy: verb == "destroy"}); err != nil {
			return nil, err
		}
		if kind == domain.KindView || kind == domain.KindViewFilterGroup {
			return true, nil // Twenty answers a Boolean for these
		}
		if verb == "delete" {
			if views, err = x.views(); err != nil {
				return nil, err
			}
			return x.viewItem(views, views[id]), nil
		}
		return before, nil
	}
	return nil, badInput("", "unknown view operation %s", verb)
}

// updateManyViewItems applies each of args' inputs as one update, in
// order; the first refusal refuses them all (the request rolls back).
func (x *execution) updateManyViewItems(kind domain.ViewKind, args map[string]any) (any, error) {
	list, _ := args["inputs"].([]any)
	out := []any{}
	for _, in := range list {
		v, err := x.viewOp("update", kind, map[string]any{"input": in})
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// executeView runs one view command (any member may) and forgets the
// views read before it.
func (x *execution) executeView(cmd domain.ViewCommand) ([]events.Event, error) {
	evs, err := x.w.ExecuteView(cmd, Actor, x.commandID)
	x.viewCache = nil
	if err != nil {
		return nil, err
	}
	x.count(evs)
	return evs, nil
}

func (x *execution) views() (domain.Views, error) {
	if x.viewCache == nil {
		v, err := x.w.Views()
		if err != nil {
			return nil, err
		}
		x.viewCache = v
	}
	return x.viewCache, nil
}

// listViewItems lists the live items of kind, of one view (viewId) or of
// one object (getCoreViews' objectMetadataId), views in position order.
func (x *execution) listViewItems(views domain.Views, kind domain.ViewKind, args map[string]any) []any {
	viewID, _ := args["viewId"].(string)
	objectID, _ := args["objectMetadataId"].(string)
	types := map[string]bool{}
	if list, ok := args["viewTypes"].([]any); ok {
		for _, t := range list {
			types[t.(string)] = true
		}
	}
	items := views.Of(kind, viewID)
	out := []any{}
	for _, it := range items {
		if objectID != "" && it.ObjectID != objectID {
			continue
		}
		if v := views[it.ViewID]; v == nil || v.Deleted {
			continue // the items of a deleted view are gone with it
		}
		if t, _ := it.Body["type"].(string); len(types) > 0 && !types[t] {
			continue
		}
		// An UNLISTED view is listed to its creator only (others open it by link).
		if by, _ := it.Body["createdByUserWorkspaceId"].(string); it.Body["visibility"] == "UNLISTED" && by != "" && by != x.member {
			continue
		}
		out = append(out, x.viewItem(views, it))
	}
	return out
}

// viewItem renders an item as Twenty's GraphQL object: its members, the
// workspace id, a view's name resolved against its object and its items.
func (x *execution) viewItem(views domain.Views, it *domain.ViewItem) map[string]any {
	m := make(map[string]any, len(it.Body)+8)
	for k, v := range it.Body {
		m[k] = v
	}
	m["id"], m["workspaceId"] = it.ID, x.w.ID
	if it.Kind == domain.KindViewField || it.Kind == domain.KindViewFieldGroup {
		m["isOverridden"], m["isActive"] = false, true
	}
	if it.Kind == domain.KindViewFieldGroup {
		list := []any{}
		for _, f := range views.Of(domain.KindViewField, it.ViewID) {
			if f.Body["viewFieldGroupId"] == it.ID {
				list = append(list, x.viewItem(views, f))
			}
		}
		m["viewFields"] = list
	}
	if it.Kind != domain.KindView {
		return m
	}
	m["isActive"] = true
	name, _ := it.Body["name"].(string)
	m["name"] = domain.ViewName(name, x.meta().ObjectByID(it.ObjectID))
	for member, kind := range map[string]domain.ViewKind{"viewFields": domain.KindViewField, "viewFilters": domain.KindViewFilter,
		"viewFilterGroups": domain.KindViewFilterGroup, "viewSorts": domain.KindViewSort, "viewGroups": domain.KindViewGroup,
		"viewFieldGroups": domain.KindViewFieldGroup} {
		list := []any{}
		for _, c := range views.Of(kind, it.ID) {
			list = append(list, x.viewItem(views, c))
		}
		m[member] = list
	}
	return m
}
