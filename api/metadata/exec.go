package metadata

import (
	"fmt"

	"edgecrm/api/apierr"
)

func badInput(field, format string, args ...any) error {
	return apierr.BadInput(field, fmt.Sprintf(format, args...))
}

// edgeOnly answers an auth operation that reached the workspace: the edge
// answers those, before routing (see AuthSDL).
func edgeOnly(name string) error {
	return apierr.NewError(400, name+" is answered by the edge, not by a workspace")
}
