package gql

import "github.com/vektah/gqlparser/v2/ast"

// FieldGroup is the fields selected under one response key, in order.
type FieldGroup struct {
	Key    string
	Fields []*ast.Field
}

// CollectFields is the spec's CollectFields for a value of object type
// typeName: it drops what @skip/@include exclude under vars, expands the
// fragments whose type condition is typeName (each named one once) and
// groups the fields by response key in selection order. An empty typeName
// accepts every type condition (for a document no schema has checked). The
// schemas served have no interfaces or unions.
func CollectFields(doc *ast.QueryDocument, vars map[string]any, typeName string, sets ...ast.SelectionSet) []FieldGroup {
	var groups []FieldGroup
	index := map[string]int{}
	visited := map[string]bool{}
	fits := func(cond string) bool { return cond == "" || typeName == "" || cond == typeName }
	var walk func(ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				if !included(s.Directives, vars) {
					continue
				}
				key := s.Alias
				if key == "" {
					key = s.Name
				}
				if i, ok := index[key]; ok {
					groups[i].Fields = append(groups[i].Fields, s)
				} else {
					index[key] = len(groups)
					groups = append(groups, FieldGroup{Key: key, Fields: []*ast.Field{s}})
				}
			case *ast.InlineFragment:
				if included(s.Directives, vars) && fits(s.TypeCondition) {
					walk(s.SelectionSet)
				}
			case *ast.FragmentSpread:
				if !included(s.Directives, vars) || visited[s.Name] {
					continue
				}
				visited[s.Name] = true
				if frag := doc.Fragments.ForName(s.Name); frag != nil && fits(frag.TypeCondition) {
					walk(frag.SelectionSet)
				}
			}
		}
	}
	for _, set := range sets {
		walk(set)
	}
	return groups
}

// included applies @skip(if:) and @include(if:); an argument that is not a
// boolean counts as false.
func included(dirs ast.DirectiveList, vars map[string]any) bool {
	for _, d := range dirs {
		if d.Name != "skip" && d.Name != "include" {
			continue
		}
		var b bool
		if a := d.Arguments.ForName("if"); a != nil {
			v, _ := a.Value.Value(vars)
			b, _ = v.(bool)
		}
		if d.Name == "skip" && b || d.Name == "include" && !b {
			return false
		}
	}
	return true
}
