package graphql_test

import (
	"os"
	"testing"
)

func frontDoc(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile("../../tests/js/twenty-front/" + rel + ".graphql")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The frontend loads favorites with their folders (FindManyFavorites,
// FindManyFavoriteFolders): a favorite in a folder shows it, and
// destroying the folder destroys its favorites (CASCADE, as in Twenty).
func TestFavoritesAndFolders(t *testing.T) {
	f := seed(t)
	r := ok(t, gql(t, f.h, `mutation { createFavoriteFolder(data: {name: "Customers", position: 1}) { id } }`, nil))
	folder := str(r.Data, "createFavoriteFolder", "id")
	r = ok(t, gql(t, f.h, `mutation($d: [FavoriteCreateInput!]!) { createFavorites(data: $d) { id } }`, map[string]any{"d": []any{
		map[string]any{"companyId": f.acme, "favoriteFolderId": folder, "position": 1},
		map[string]any{"personId": f.ada, "position": 2},
	}}))
	inFolder := str(r.Data, "createFavorites", 0, "id")

	r = ok(t, gql(t, f.h, frontDoc(t, "records/FindManyFavoriteFolders"), map[string]any{"limit": 10}))
	eq(t, "folders", names(dig(r.Data, "favoriteFolders"), "name"), []string{"Customers"})
	eq(t, "folder count", dig(r.Data, "favoriteFolders", "totalCount"), 1.0)

	r = ok(t, gql(t, f.h, frontDoc(t, "records/FindManyFavorites"), map[string]any{
		"orderBy": []any{map[string]any{"position": "AscNullsFirst"}}, "limit": 10}))
	favs := nodes(dig(r.Data, "favorites"))
	if len(favs) != 2 {
		t.Fatalf("favorites: %s", r.Raw)
	}
	eq(t, "favorite's folder", dig(favs[0], "favoriteFolder", "name"), "Customers")
	eq(t, "favorite's company", dig(favs[0], "company", "name"), "Acme")
	eq(t, "unfiled favorite", favs[1]["favoriteFolderId"], nil)
	eq(t, "person", dig(favs[1], "person", "name", "firstName"), "Ada")

	ok(t, gql(t, f.h, `mutation($id: UUID!) { destroyFavoriteFolder(id: $id) { id } }`, map[string]any{"id": folder}))
	r = ok(t, gql(t, f.h, frontDoc(t, "records/FindManyFavorites"), map[string]any{"limit": 10}))
	for _, n := range nodes(dig(r.Data, "favorites")) {
		if n["id"] == inFolder {
			t.Fatalf("favorite in a destroyed folder survives: %s", r.Raw)
		}
	}
	eq(t, "favorites left", dig(r.Data, "favorites", "totalCount"), 1.0)
}

// The frontend's OnDbEvent validates against /graphql (its types are in the
// schema, for introspection) and a POST of it is refused: subscriptions are
// served over WebSocket.
func TestOnDbEventIsInTheSchemaButNotPosted(t *testing.T) {
	f := seed(t)
	r := gql(t, f.h, frontDoc(t, "subscriptions/OnDbEvent"), map[string]any{"input": map[string]any{"objectNameSingular": "company"}})
	if r.Status != 400 || len(r.Errors) == 0 || !contains(r.Raw, "WebSocket") && !contains(r.Raw, "ubscription") {
		t.Fatalf("POST of a subscription: %d %s", r.Status, r.Raw)
	}
	if contains(r.Raw, "Unknown type") || contains(r.Raw, "Cannot query") {
		t.Fatalf("OnDbEvent does not validate: %s", r.Raw)
	}
}
