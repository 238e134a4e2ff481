package domain

// duplicateCriteria are Twenty's duplicate criteria of the standard
// objects: records are duplicates when they agree on every column of one
// group (and those columns are not empty).
var duplicateCriteria = map[string][][]string{
	"company": {{"name"}, {"domainNamePrimaryLinkUrl"}},
	"person":  {{"nameFirstName", "nameLastName"}, {"emailsPrimaryEmail"}, {"linkedinLinkPrimaryLinkUrl"}},
}

// DuplicateCriteria returns obj's duplicate criteria as groups of columns
// (nil: the object has none, so nothing is a duplicate).
func DuplicateCriteria(obj *Object) [][]Column {
	var out [][]Column
	for _, group := range duplicateCriteria[obj.NameSingular] {
		var cols []Column
		for _, name := range group {
			for _, c := range obj.Columns() {
				if c.Name == name {
					cols = append(cols, c)
				}
			}
		}
		if len(cols) == len(group) {
			out = append(out, cols)
		}
	}
	return out
}
