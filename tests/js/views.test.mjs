// The frontend's boot and a view change, through a real GraphQL client
// (graphql-request) on /metadata against edgecrm on wrangler dev: sign in,
// ObjectMetadataItems, the views of companies and people with their
// fields, a filter and a sort added to a view, seen again after a reload.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { GraphQLClient, gql } from "graphql-request";
import { start, signUp, fetch, eventually, ADMIN_TOKEN } from "./harness.mjs";

let server;
before(async () => { server = await start(); });
after(async () => { await server?.stop(); });

// Documents as Twenty's frontend writes them (core views, object metadata).
const VIEW_FILTER_FRAGMENT = `
  fragment ViewFilterFragment on CoreViewFilter {
    id fieldMetadataId operand value viewFilterGroupId positionInViewFilterGroup subFieldName viewId createdAt updatedAt workspaceId
  }`;
const VIEW_FRAGMENTS = `${VIEW_FILTER_FRAGMENT}
  fragment ViewFieldFragment on CoreViewField {
    id fieldMetadataId viewId isVisible position size aggregateOperation isOverridden createdAt updatedAt deletedAt
  }
  fragment ViewFilterGroupFragment on CoreViewFilterGroup { id parentViewFilterGroupId logicalOperator positionInViewFilterGroup viewId }
  fragment ViewSortFragment on CoreViewSort { id fieldMetadataId direction viewId }
  fragment ViewGroupFragment on CoreViewGroup { id fieldMetadataId isVisible fieldValue position viewId }
  fragment ViewFragment on CoreView {
    id name objectMetadataId type key icon position isCompact openRecordIn kanbanAggregateOperation
    kanbanAggregateOperationFieldMetadataId mainGroupByFieldMetadataId shouldHideEmptyGroups anyFieldFilterValue
    calendarFieldMetadataId calendarLayout visibility createdByUserWorkspaceId
    viewFields { ...ViewFieldFragment }
    viewFilters { ...ViewFilterFragment }
    viewFilterGroups { ...ViewFilterGroupFragment }
    viewSorts { ...ViewSortFragment }
    viewGroups { ...ViewGroupFragment }
  }`;

const OBJECT_METADATA_ITEMS = gql`
  query ObjectMetadataItems {
    objects(paging: { first: 1000 }) {
      edges { node { ...ObjectMetadataFields } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
  fragment ObjectMetadataFields on Object {
    id nameSingular namePlural labelSingular labelPlural description icon isCustom isRemote isActive isSystem isUIReadOnly
    createdAt updatedAt labelIdentifierFieldMetadataId imageIdentifierFieldMetadataId applicationId shortcut
    isLabelSyncedWithName isSearchable duplicateCriteria
    indexMetadataList { id createdAt updatedAt name indexWhereClause indexType isUnique isCustom
      indexFieldMetadataList { id fieldMetadataId createdAt updatedAt order } }
    fieldsList { id type name label description icon isCustom isActive isSystem isUIReadOnly isNullable isUnique
      createdAt updatedAt defaultValue options settings isLabelSyncedWithName applicationId
      relation { type sourceObjectMetadata { id nameSingular namePlural } targetObjectMetadata { id nameSingular namePlural }
        sourceFieldMetadata { id name } targetFieldMetadata { id name } }
      morphRelations { type sourceObjectMetadata { id nameSingular namePlural } targetObjectMetadata { id nameSingular namePlural }
        sourceFieldMetadata { id name } targetFieldMetadata { id name } } }
  }`;

const FIND_MANY_CORE_VIEWS = gql`${VIEW_FRAGMENTS}
  query FindManyCoreViews($objectMetadataId: String) { getCoreViews(objectMetadataId: $objectMetadataId) { ...ViewFragment } }`;

// signIn signs in as Twenty's login page does: credentials, then tokens.
async function signIn(email, password) {
  const c = new GraphQLClient(server.url + "/metadata", { fetch });
  const { getLoginTokenFromCredentials: lt } = await c.request(gql`
    mutation GetLoginTokenFromCredentials($email: String!, $password: String!, $origin: String!) {
      getLoginTokenFromCredentials(email: $email, password: $password, origin: $origin) { loginToken { token } } }`,
  { email, password, origin: server.url });
  const { getAuthTokensFromLoginToken: t } = await c.request(gql`
    mutation GetAuthTokensFromLoginToken($loginToken: String!, $origin: String!) {
      getAuthTokensFromLoginToken(loginToken: $loginToken, origin: $origin) {
        tokens { accessOrWorkspaceAgnosticToken { token } } } }`, { loginToken: lt.loginToken.token, origin: server.url });
  return t.tokens.accessOrWorkspaceAgnosticToken.token;
}

test("boot, the views of companies and people, a filter and a sort kept across a reload", async () => {
  const { workspaceId } = await signUp(server, "views@js.test", "views password");
  const token = await signIn("views@js.test", "views password");
  const meta = new GraphQLClient(server.url + "/metadata", { headers: { authorization: `Bearer ${token}` }, fetch });

  const { objects } = await meta.request(OBJECT_METADATA_ITEMS);
  assert.equal(objects.pageInfo.hasNextPage, false);
  const byName = Object.fromEntries(objects.edges.map((e) => [e.node.nameSingular, e.node]));
  const company = byName.company, person = byName.person;
  assert.ok(company && person, "companies and people are described");
  const companyFields = Object.fromEntries(company.fieldsList.map((f) => [f.name, f]));
  assert.equal(companyFields.people.relation.targetObjectMetadata.nameSingular, "person");
  const personCompanyIndex = person.indexMetadataList.find((ix) =>
    ix.indexFieldMetadataList.some((f) => f.fieldMetadataId === person.fieldsList.find((fl) => fl.name === "company").id));
  assert.ok(personCompanyIndex && personCompanyIndex.isUnique === false, "people are indexed by company");

  const views = async (obj) => (await meta.request(FIND_MANY_CORE_VIEWS, { objectMetadataId: obj.id })).getCoreViews;
  const [companiesView] = await views(company);
  assert.equal(companiesView.name, "All Companies");
  assert.equal(companiesView.key, "INDEX");
  const fieldIds = new Set(company.fieldsList.map((f) => f.id));
  assert.ok(companiesView.viewFields.length >= 5, "the index view lists the object's fields");
  assert.equal(companiesView.viewFields[0].fieldMetadataId, company.labelIdentifierFieldMetadataId, "the label identifier first");
  companiesView.viewFields.forEach((vf, i) => {
    assert.equal(vf.position, i);
    assert.ok(fieldIds.has(vf.fieldMetadataId), "each view field is a field of the object");
  });
  const [peopleView] = await views(person);
  assert.equal(peopleView.name, "All People");
  assert.equal(peopleView.viewFields[0].fieldMetadataId, person.labelIdentifierFieldMetadataId);

  // The view change the frontend sends when a user adds a filter and a sort.
  const { createCoreViewFilter: filter } = await meta.request(gql`${VIEW_FILTER_FRAGMENT}
    mutation CreateCoreViewFilter($input: CreateViewFilterInput!) { createCoreViewFilter(input: $input) { ...ViewFilterFragment } }`,
  { input: { viewId: companiesView.id, fieldMetadataId: companyFields.employees.id, operand: "GREATER_THAN_OR_EQUAL", value: "10" } });
  assert.equal(filter.operand, "GREATER_THAN_OR_EQUAL");
  const { createCoreViewSort: sort } = await meta.request(gql`
    fragment ViewSortFragment on CoreViewSort { id fieldMetadataId direction viewId }
    mutation CreateCoreViewSort($input: CreateViewSortInput!) { createCoreViewSort(input: $input) { ...ViewSortFragment } }`,
  { input: { viewId: companiesView.id, fieldMetadataId: companyFields.name.id, direction: "DESC" } });

  // A reload: a new client, the same queries.
  const reloaded = new GraphQLClient(server.url + "/metadata", { headers: { authorization: `Bearer ${await signIn("views@js.test", "views password")}` }, fetch });
  const [again] = (await reloaded.request(FIND_MANY_CORE_VIEWS, { objectMetadataId: company.id })).getCoreViews;
  assert.deepEqual(again.viewFilters.map((f) => [f.id, f.fieldMetadataId, f.operand, f.value]),
    [[filter.id, companyFields.employees.id, "GREATER_THAN_OR_EQUAL", "10"]]);
  assert.deepEqual(again.viewSorts.map((s) => [s.id, s.fieldMetadataId, s.direction]), [[sort.id, companyFields.name.id, "DESC"]]);
  assert.deepEqual(again.viewFields, companiesView.viewFields, "the view's fields are unchanged");

  // A refused change (a field of another object) is Twenty's error and changes nothing.
  await assert.rejects(meta.request(gql`mutation($input: CreateViewSortInput!) { createCoreViewSort(input: $input) { id } }`,
    { input: { viewId: companiesView.id, fieldMetadataId: person.labelIdentifierFieldMetadataId } }),
  (e) => e.response?.errors?.[0]?.extensions?.code === "BAD_USER_INPUT");
  const [last] = (await reloaded.request(FIND_MANY_CORE_VIEWS, { objectMetadataId: company.id })).getCoreViews;
  assert.equal(last.viewSorts.length, 1);

  // The sort turned around, the filter removed: updates and soft deletes
  // project in the object's SQLite and in D1 alike.
  const { updateCoreViewSort: turned } = await meta.request(gql`
    mutation UpdateCoreViewSort($input: UpdateViewSortInput!) { updateCoreViewSort(input: $input) { id direction } }`,
  { input: { id: sort.id, update: { direction: "ASC" } } });
  assert.equal(turned.direction, "ASC");
  const { deleteCoreViewFilter: gone } = await meta.request(gql`
    mutation DeleteCoreViewFilter($input: DeleteViewFilterInput!) { deleteCoreViewFilter(input: $input) { id deletedAt } }`,
  { input: { id: filter.id } });
  assert.ok(gone.deletedAt);
  const [now] = (await reloaded.request(FIND_MANY_CORE_VIEWS, { objectMetadataId: company.id })).getCoreViews;
  assert.deepEqual([now.viewFilters.length, now.viewSorts[0].direction], [0, "ASC"]);
  const verify = await eventually(async () => {
    const r = await fetch(`${server.url}/admin/workspaces/${workspaceId}/verify`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const body = await r.json();
    if (r.status !== 200) throw new Error(`verify ${r.status} ${JSON.stringify(body)}`);
    return body;
  }, 30_000);
  assert.equal(verify.tables._views.equal, true, "D1's views equal the object's");
  assert.equal(verify.equal, true);
});
