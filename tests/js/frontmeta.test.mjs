// Object metadata and favorites as Twenty's frontend loads them at boot, on
// wrangler dev through a real GraphQL client sending the frontend's own
// documents (tests/js/twenty-front): ObjectMetadataItems with every member
// it selects, ObjectRecordCounts, MostlyEmptyFieldMetadataIds, and
// favorites with their folders.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { GraphQLClient, gql } from "graphql-request";
import { start, session, fetch, frontDoc } from "./harness.mjs";

let server;
before(async () => { server = await start(); });
after(async () => { await server?.stop(); });


const doc = frontDoc;

test("boot: object metadata, record counts, mostly empty fields", async () => {
  const headers = await session(server, "front-meta");
  const meta = new GraphQLClient(server.url + "/metadata", { headers, fetch });
  const records = new GraphQLClient(server.url + "/graphql", { headers, fetch });

  const { objects } = await meta.request(doc("object-metadata/ObjectMetadataItems"));
  const byName = Object.fromEntries(objects.edges.map((e) => [e.node.nameSingular, e.node]));
  const company = byName.company;
  assert.equal(company.openRecordIn, "SIDE_PANEL");
  const fieldId = (o, name) => o.fieldsList.find((f) => f.name === name).id;
  assert.deepEqual(company.searchFieldMetadataList.map((s) => s.fieldMetadataId), [fieldId(company, "name"), fieldId(company, "domainName")]);
  assert.ok(byName.favoriteFolder, "favoriteFolder is a standard object");

  await records.request(gql`mutation($d: [CompanyCreateInput!]!) { createCompanies(data: $d) { id } }`,
    { d: Array.from({ length: 10 }, (_, i) => ({ name: `Co ${i}`, employees: i === 0 ? 5 : null })) });
  const { objectRecordCounts } = await meta.request(doc("object-metadata/ObjectRecordCounts"));
  assert.equal(objectRecordCounts.find((r) => r.objectNamePlural === "companies").totalCount, 10);
  const { mostlyEmptyFieldMetadataIds } = await meta.request(doc("object-metadata/MostlyEmptyFieldMetadataIds"), { objectMetadataId: company.id });
  assert.ok(mostlyEmptyFieldMetadataIds.includes(fieldId(company, "employees")), "employees is empty in 9 of 10");
  assert.ok(!mostlyEmptyFieldMetadataIds.includes(fieldId(company, "name")));
});

test("favorites with their folders", async () => {
  const records = new GraphQLClient(server.url + "/graphql", { headers: await session(server, "front-favs"), fetch });
  const { createCompany } = await records.request(gql`mutation { createCompany(data: {name: "Acme"}) { id } }`);
  const { createFavoriteFolder } = await records.request(gql`mutation { createFavoriteFolder(data: {name: "Customers"}) { id } }`);
  await records.request(gql`mutation($d: FavoriteCreateInput!) { createFavorite(data: $d) { id } }`,
    { d: { companyId: createCompany.id, favoriteFolderId: createFavoriteFolder.id, position: 1 } });

  const { favoriteFolders } = await records.request(doc("records/FindManyFavoriteFolders"), { limit: 10 });
  assert.deepEqual(favoriteFolders.edges.map((e) => e.node.name), ["Customers"]);
  const { favorites } = await records.request(doc("records/FindManyFavorites"), { limit: 10 });
  assert.equal(favorites.totalCount, 1);
  assert.equal(favorites.edges[0].node.company.name, "Acme");
  assert.equal(favorites.edges[0].node.favoriteFolder.name, "Customers");
});
