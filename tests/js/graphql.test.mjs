// Twenty-shaped GraphQL operations through a real GraphQL client
// (graphql-request) against edgecrm on wrangler dev.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { GraphQLClient, gql } from "graphql-request";
import { buildClientSchema, getIntrospectionQuery } from "graphql";
import { start, session, fetch, eventually } from "./harness.mjs";

let server;
before(async () => { server = await start(); });
after(async () => { await server?.stop(); });

async function client(ws) {
  return new GraphQLClient(server.url + "/graphql", { headers: await session(server, ws), fetch });
}
async function rest(ws, method, path, body) {
  const r = await fetch(server.url + path, {
    method,
    headers: { ...(await session(server, ws)), "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, body: await r.json() };
}
const ids = (conn) => conn.edges.map((e) => e.node.id);

test("introspection is accepted by graphql-js buildClientSchema", async () => {
  const c = await client("introspect");
  const result = await c.request(getIntrospectionQuery());
  const schema = buildClientSchema(result);
  for (const t of ["Company", "Person", "Opportunity", "Note", "Task", "NoteTarget", "TaskTarget", "Attachment",
    "WorkspaceMember", "TimelineActivity", "Favorite", "CompanyConnection", "CompanyFilterInput"]) {
    assert.ok(schema.getType(t), `schema has ${t}`);
  }
  const q = schema.getQueryType().getFields();
  for (const f of ["companies", "company", "people", "person", "opportunities", "search"]) assert.ok(q[f], `query ${f}`);
  const m = schema.getMutationType().getFields();
  for (const f of ["createCompany", "createCompanies", "updateCompany", "updateCompanies", "deleteCompany", "deleteCompanies",
    "restoreCompany", "restoreCompanies", "destroyCompany", "destroyCompanies"]) assert.ok(m[f], `mutation ${f}`);
});

test("every standard object can be created one and many, and read back", async () => {
  const c = await client("standard");
  const { createCompany: company } = await c.request(gql`mutation($data: CompanyCreateInput!) { createCompany(data: $data) { id name } }`,
    { data: { name: "Acme" } });
  const { createPerson: person } = await c.request(gql`mutation($data: PersonCreateInput!) { createPerson(data: $data) { id } }`,
    { data: { name: { firstName: "Ada", lastName: "Lovelace" }, companyId: company.id } });
  const { createWorkspaceMember: member } = await c.request(gql`mutation($data: WorkspaceMemberCreateInput!) { createWorkspaceMember(data: $data) { id } }`,
    { data: { name: { firstName: "Grace", lastName: "Hopper" }, userEmail: "grace@acme.com", userId: "0190aaaa-0000-7000-8000-000000000001" } });
  const { createOpportunity: opp } = await c.request(gql`mutation($data: OpportunityCreateInput!) { createOpportunity(data: $data) { id stage } }`,
    { data: { name: "Deal", companyId: company.id, pointOfContactId: person.id, amount: { amountMicros: 1000000, currencyCode: "EUR" } } });
  assert.equal(opp.stage, "NEW");
  const { createNote: note } = await c.request(gql`mutation($data: NoteCreateInput!) { createNote(data: $data) { id } }`, { data: { title: "Met Ada" } });
  const { createTask: task } = await c.request(gql`mutation($data: TaskCreateInput!) { createTask(data: $data) { id status } }`,
    { data: { title: "Call Ada", assigneeId: member.id } });
  assert.equal(task.status, "TODO");
  await c.request(gql`mutation($data: NoteTargetCreateInput!) { createNoteTarget(data: $data) { id } }`, { data: { noteId: note.id, personId: person.id } });
  await c.request(gql`mutation($data: TaskTargetCreateInput!) { createTaskTarget(data: $data) { id } }`, { data: { taskId: task.id, companyId: company.id } });
  await c.request(gql`mutation($data: AttachmentCreateInput!) { createAttachment(data: $data) { id } }`,
    { data: { name: "deck.pdf", fullPath: "attachment/deck.pdf", companyId: company.id } });
  await c.request(gql`mutation($data: FavoriteCreateInput!) { createFavorite(data: $data) { id } }`, { data: { companyId: company.id, position: 1 } });
  await c.request(gql`mutation($data: TimelineActivityCreateInput!) { createTimelineActivity(data: $data) { id } }`,
    { data: { name: "company.created", happensAt: "2026-01-01T00:00:00.000Z", targetCompanyId: company.id } });

  const many = await c.request(gql`mutation($data: [CompanyCreateInput!]!) { createCompanies(data: $data) { id name } }`,
    { data: [{ name: "Beta" }, { name: "Gamma" }] });
  assert.deepEqual(many.createCompanies.map((x) => x.name), ["Beta", "Gamma"]);
  const counts = await c.request(gql`{ companies { totalCount } people { totalCount } opportunities { totalCount } notes { totalCount }
    tasks { totalCount } noteTargets { totalCount } taskTargets { totalCount } attachments { totalCount } favorites { totalCount }
    timelineActivities { totalCount } workspaceMembers { totalCount } }`);
  assert.equal(counts.companies.totalCount, 3);
  for (const k of ["people", "opportunities", "notes", "tasks", "noteTargets", "taskTargets", "attachments", "favorites"]) {
    assert.equal(counts[k].totalCount, 1, k);
  }
  // The one written above plus the projected timeline: 5 records and 2 more companies
  // created, a note and a task linked.
  assert.equal(counts.timelineActivities.totalCount, 10);
  assert.ok(counts.workspaceMembers.totalCount >= 1);
});

async function seedPeople(c) {
  const { createCompanies } = await c.request(gql`mutation($data: [CompanyCreateInput!]!) { createCompanies(data: $data) { id name } }`,
    { data: [{ name: "Acme", employees: 10 }, { name: "Globex", employees: 500 }] });
  const [acme, globex] = createCompanies;
  const people = [
    { name: { firstName: "Anna", lastName: "Smith" }, city: "Paris", jobTitle: "CEO", companyId: acme.id, emails: { primaryEmail: "anna@acme.com" } },
    { name: { firstName: "Bob", lastName: "Stone" }, city: "Berlin", jobTitle: "CTO", companyId: acme.id, emails: { primaryEmail: "bob@acme.com" } },
    { name: { firstName: "Carla", lastName: "Diaz" }, city: null, jobTitle: "Sales", companyId: globex.id, emails: { primaryEmail: "carla@globex.com" } },
    { name: { firstName: "Dan", lastName: "Brown" }, city: "Paris", jobTitle: "Engineer", emails: { primaryEmail: "dan@example.com" } },
    { name: { firstName: "Eve", lastName: "Adams" }, city: "Lisbon", jobTitle: "Engineer", emails: { primaryEmail: "eve@example.com" } },
  ];
  const { createPeople } = await c.request(gql`mutation($data: [PersonCreateInput!]!) { createPeople(data: $data) { id name { firstName } } }`, { data: people });
  const byName = Object.fromEntries(createPeople.map((p) => [p.name.firstName, p.id]));
  return { acme, globex, byName };
}

const FIND_PEOPLE = gql`query($filter: PersonFilterInput, $orderBy: [PersonOrderByInput], $first: Int, $last: Int, $after: String, $before: String) {
  people(filter: $filter, orderBy: $orderBy, first: $first, last: $last, after: $after, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id city name { firstName lastName } } }
  } }`;

test("filters: every operator, composite subfields, and/or/not", async () => {
  const c = await client("filters");
  const { acme, byName } = await seedPeople(c);
  const names = async (filter) => {
    const r = await c.request(FIND_PEOPLE, { filter, orderBy: [{ name: { firstName: "AscNullsLast" } }] });
    return r.people.edges.map((e) => e.node.name.firstName);
  };
  assert.deepEqual(await names({ city: { eq: "Paris" } }), ["Anna", "Dan"]);
  assert.deepEqual(await names({ city: { neq: "Paris" } }), ["Bob", "Eve"]);
  assert.deepEqual(await names({ city: { in: ["Berlin", "Lisbon"] } }), ["Bob", "Eve"]);
  assert.deepEqual(await names({ city: { is: "NULL" } }), ["Carla"]);
  assert.deepEqual(await names({ city: { is: "NOT_NULL" } }), ["Anna", "Bob", "Dan", "Eve"]);
  assert.deepEqual(await names({ jobTitle: { like: "%ngineer" } }), ["Dan", "Eve"]);
  assert.deepEqual(await names({ jobTitle: { ilike: "%c_o%" } }), ["Anna", "Bob"]);
  assert.deepEqual(await names({ jobTitle: { startsWith: "Sa" } }), ["Carla"]);
  assert.deepEqual(await names({ name: { firstName: { ilike: "%an%" } } }), ["Anna", "Dan"]);
  assert.deepEqual(await names({ emails: { primaryEmail: { like: "%@acme.com" } } }), ["Anna", "Bob"]);
  assert.deepEqual(await names({ companyId: { eq: acme.id } }), ["Anna", "Bob"]);
  assert.deepEqual(await names({ id: { in: [byName.Eve, byName.Anna] } }), ["Anna", "Eve"]);
  assert.deepEqual(await names({ or: [{ city: { eq: "Berlin" } }, { name: { lastName: { eq: "Adams" } } }] }), ["Bob", "Eve"]);
  assert.deepEqual(await names({ and: [{ city: { eq: "Paris" } }, { jobTitle: { eq: "CEO" } }] }), ["Anna"]);
  assert.deepEqual(await names({ not: { city: { eq: "Paris" } } }), ["Bob", "Eve"]);
  const companies = async (filter) => (await c.request(gql`query($f: CompanyFilterInput) { companies(filter: $f) { edges { node { name } } } }`, { f: filter }))
    .companies.edges.map((e) => e.node.name).sort();
  assert.deepEqual(await companies({ employees: { gt: 10 } }), ["Globex"]);
  assert.deepEqual(await companies({ employees: { gte: 10 } }), ["Acme", "Globex"]);
  assert.deepEqual(await companies({ employees: { lt: 500 } }), ["Acme"]);
  assert.deepEqual(await companies({ employees: { lte: 500 } }), ["Acme", "Globex"]);
  await assert.rejects(c.request(FIND_PEOPLE, { filter: { nmae: { eq: "x" } } }), /nmae/);
});

test("order directions and pagination forward and backward", async () => {
  const c = await client("paging");
  await seedPeople(c);
  const order = async (dir) => (await c.request(FIND_PEOPLE, { orderBy: [{ city: dir }, { name: { firstName: "AscNullsLast" } }] }))
    .people.edges.map((e) => e.node.name.firstName);
  assert.deepEqual(await order("AscNullsFirst"), ["Carla", "Bob", "Eve", "Anna", "Dan"]);
  assert.deepEqual(await order("AscNullsLast"), ["Bob", "Eve", "Anna", "Dan", "Carla"]);
  assert.deepEqual(await order("DescNullsFirst"), ["Carla", "Anna", "Dan", "Eve", "Bob"]);
  assert.deepEqual(await order("DescNullsLast"), ["Anna", "Dan", "Eve", "Bob", "Carla"]);

  const orderBy = [{ name: { firstName: "AscNullsLast" } }];
  const seen = [];
  let after, hasNext = true, pages = 0;
  while (hasNext && pages < 10) {
    const r = (await c.request(FIND_PEOPLE, { orderBy, first: 2, after })).people;
    assert.equal(r.totalCount, 5);
    seen.push(...r.edges.map((e) => e.node.name.firstName));
    after = r.pageInfo.endCursor;
    hasNext = r.pageInfo.hasNextPage;
    pages++;
  }
  assert.deepEqual(seen, ["Anna", "Bob", "Carla", "Dan", "Eve"]);
  assert.equal(pages, 3);
  const back = [];
  let before, hasPrev = true;
  pages = 0;
  while (hasPrev && pages < 10) {
    const r = (await c.request(FIND_PEOPLE, { orderBy, last: 2, before })).people;
    back.unshift(...r.edges.map((e) => e.node.name.firstName));
    before = r.pageInfo.startCursor;
    hasPrev = r.pageInfo.hasPreviousPage;
    pages++;
  }
  assert.deepEqual(back, ["Anna", "Bob", "Carla", "Dan", "Eve"]);
});

test("nested relations in both directions", async () => {
  const c = await client("nested");
  const { acme } = await seedPeople(c);
  const r = await c.request(gql`query($id: UUID!) {
    company(filter: { id: { eq: $id } }) { name people(orderBy: [{ name: { firstName: AscNullsLast } }]) { totalCount edges { node { name { firstName } company { name } } } } }
  }`, { id: acme.id });
  assert.equal(r.company.name, "Acme");
  assert.equal(r.company.people.totalCount, 2);
  assert.deepEqual(r.company.people.edges.map((e) => [e.node.name.firstName, e.node.company.name]), [["Anna", "Acme"], ["Bob", "Acme"]]);
});

test("update, soft delete, find deleted, restore, destroy", async () => {
  const c = await client("lifecycle");
  const { byName } = await seedPeople(c);
  const id = byName.Anna;
  const up = await c.request(gql`mutation($id: UUID!, $data: PersonUpdateInput!) { updatePerson(id: $id, data: $data) { id city jobTitle } }`,
    { id, data: { city: "Lyon" } });
  assert.deepEqual(up.updatePerson, { id, city: "Lyon", jobTitle: "CEO" });
  const del = await c.request(gql`mutation($id: UUID!) { deletePerson(id: $id) { id deletedAt } }`, { id });
  assert.ok(del.deletePerson.deletedAt);
  const gone = await c.request(gql`query($id: UUID!) { person(filter: { id: { eq: $id } }) { id } }`, { id });
  assert.equal(gone.person, null);
  const trash = await c.request(FIND_PEOPLE, { filter: { id: { in: [id] }, not: { deletedAt: { is: "NULL" } } } });
  assert.deepEqual(ids(trash.people), [id]);
  const res = await c.request(gql`mutation($id: UUID!) { restorePerson(id: $id) { id deletedAt } }`, { id });
  assert.equal(res.restorePerson.deletedAt, null);
  await c.request(gql`mutation($id: UUID!) { destroyPerson(id: $id) { id } }`, { id });
  const after = await c.request(FIND_PEOPLE, { filter: { id: { eq: id }, deletedAt: { is: "NOT_NULL" } } });
  assert.equal(after.people.totalCount, 0);
  const many = await c.request(gql`mutation { updatePeople(filter: { city: { eq: "Paris" } }, data: { jobTitle: "Parisian" }) { id jobTitle } }`);
  assert.deepEqual(many.updatePeople.map((p) => p.jobTitle), ["Parisian"]);
});

test("destroy applies onDelete: SET_NULL and CASCADE", async () => {
  const c = await client("ondelete");
  const { acme, byName } = await seedPeople(c);
  await c.request(gql`mutation($id: UUID!) { destroyCompany(id: $id) { id } }`, { id: acme.id });
  const anna = await c.request(gql`query($id: UUID!) { person(filter: { id: { eq: $id } }) { companyId } }`, { id: byName.Anna });
  assert.equal(anna.person.companyId, null, "company → person is SET_NULL");
  const { createNote: note } = await c.request(gql`mutation { createNote(data: { title: "n" }) { id } }`);
  await c.request(gql`mutation($n: UUID!, $p: UUID!) { createNoteTarget(data: { noteId: $n, personId: $p }) { id } }`, { n: note.id, p: byName.Bob });
  await c.request(gql`mutation($id: UUID!) { destroyNote(id: $id) { id } }`, { id: note.id });
  const targets = await c.request(gql`{ noteTargets(filter: { or: [{ deletedAt: { is: NULL } }, { deletedAt: { is: NOT_NULL } }] }) { totalCount } }`);
  assert.equal(targets.noteTargets.totalCount, 0, "note → noteTarget is CASCADE");
});

test("search across objects", async () => {
  const c = await client("search");
  await seedPeople(c);
  const r = await c.request(gql`query { search(searchInput: "acm", limit: 10) { edges { node { objectNameSingular label recordId } } } }`);
  const hits = r.search.edges.map((e) => `${e.node.objectNameSingular}:${e.node.label}`);
  assert.ok(hits.includes("company:Acme"), JSON.stringify(hits));
});

test("validation errors name the field and append nothing", async () => {
  const c = await client("invalid");
  await assert.rejects(c.request(gql`mutation { createPerson(data: { emails: { primaryEmail: "not-an-email" } }) { id } }`), /emails/);
  const r = await c.request(gql`{ people { totalCount } }`);
  assert.equal(r.people.totalCount, 0);
});

test("the same through REST", async () => {
  const ws = "rest";
  const created = await rest(ws, "POST", "/rest/companies", { name: "Initech", employees: 50 });
  assert.equal(created.status, 201);
  const id = created.body.data.createCompany.id;
  await rest(ws, "POST", "/rest/batch/people", [{ name: { firstName: "Peter" }, companyId: id, city: "Austin" }, { name: { firstName: "Milton" }, companyId: id }]);
  const list = await rest(ws, "GET", `/rest/people?filter=${encodeURIComponent('city[eq]:"Austin"')}&order_by=${encodeURIComponent("name.firstName[AscNullsLast]")}`);
  assert.equal(list.status, 200);
  assert.deepEqual(list.body.data.people.map((p) => p.name.firstName), ["Peter"]);
  assert.equal(list.body.totalCount, 1);
  const page = await rest(ws, "GET", "/rest/people?limit=1");
  assert.equal(page.body.data.people.length, 1);
  assert.equal(page.body.pageInfo.hasNextPage, true);
  const next = await rest(ws, "GET", `/rest/people?limit=1&starting_after=${encodeURIComponent(page.body.pageInfo.endCursor)}`);
  assert.notEqual(next.body.data.people[0].id, page.body.data.people[0].id);
  const deep = await rest(ws, "GET", `/rest/companies/${id}?depth=1`);
  assert.equal(deep.body.data.company.people.length, 2);
  assert.equal((await rest(ws, "PATCH", `/rest/companies/${id}`, { employees: 51 })).body.data.updateCompany.employees, 51);
  assert.equal((await rest(ws, "DELETE", `/rest/companies/${id}`)).status, 200);
  assert.equal((await rest(ws, "GET", `/rest/companies/${id}`)).status, 404);
  assert.equal((await rest(ws, "PATCH", `/rest/companies/${id}/restore`)).status, 200);
  assert.equal((await rest(ws, "DELETE", `/rest/companies/${id}?soft_delete=false`)).status, 200);
  const nf = await rest(ws, "GET", `/rest/companies/${id}`);
  assert.deepEqual([nf.status, nf.body.error, nf.body.messages], [404, "NotFoundException", ["Record not found"]]);
  const bad = await rest(ws, "GET", `/rest/people?starting_after=garbage`);
  assert.equal(bad.status, 400);
  assert.match(bad.body.messages[0], /Invalid cursor/);
});

test("a custom object with a relation to company is usable at once through both APIs", async () => {
  const ws = "custom";
  const meta = new GraphQLClient(server.url + "/metadata", { headers: await session(server, ws), fetch });
  const objs = await meta.request(gql`{ objects(paging: { first: 100 }) { edges { node { id nameSingular } } } }`);
  const companyObj = objs.objects.edges.find((e) => e.node.nameSingular === "company").node;
  const { createOneObject: house } = await meta.request(gql`mutation($input: CreateOneObjectInput!) { createOneObject(input: $input) { id nameSingular } }`,
    { input: { object: { nameSingular: "house", namePlural: "houses", labelSingular: "House", labelPlural: "Houses", icon: "IconHome" } } });
  await meta.request(gql`mutation($input: CreateOneFieldMetadataInput!) { createOneField(input: $input) { id name } }`,
    { input: { field: { name: "rooms", label: "Rooms", type: "NUMBER", objectMetadataId: house.id } } });
  await meta.request(gql`mutation($input: CreateOneFieldMetadataInput!) { createOneField(input: $input) { id name } }`,
    { input: { field: { name: "owner", label: "Owner", type: "RELATION", objectMetadataId: house.id,
      relationCreationPayload: { targetObjectMetadataId: companyObj.id, targetFieldLabel: "Houses", targetFieldIcon: "IconHome", type: "MANY_TO_ONE" } } } });
  const c = await client(ws);
  const { createCompany } = await c.request(gql`mutation { createCompany(data: { name: "Landlord" }) { id } }`);
  const { createHouse } = await c.request(gql`mutation($o: UUID!) { createHouse(data: { name: "Villa", rooms: 5, ownerId: $o }) { id rooms owner { name } } }`, { o: createCompany.id });
  assert.equal(createHouse.owner.name, "Landlord");
  const viaRest = await rest(ws, "GET", `/rest/houses/${createHouse.id}`);
  assert.equal(viaRest.status, 200);
  assert.equal(viaRest.body.data.house.rooms, 5);
  const posted = await rest(ws, "POST", "/rest/houses", { name: "Cabin", rooms: 2, ownerId: createCompany.id });
  assert.equal(posted.status, 201);
  const inverse = await c.request(gql`query($id: UUID!) { company(filter: { id: { eq: $id } }) { houses { totalCount } } }`, { id: createCompany.id });
  assert.equal(inverse.company.houses.totalCount, 2);
});

// Each log line costs about a millisecond under wrangler dev: a successful
// request logs exactly one, the edge's, with the route, status, workspace,
// every Server-Timing phase and the object's SQL statement count.
test("a successful request logs one line", async () => {
  const created = await rest("logline", "POST", "/rest/companies", { name: "Logged" });
  const id = created.body.data.createCompany.id;
  const got = await rest("logline", "GET", `/rest/companies/${id}`);
  assert.equal(got.status, 200);
  const route = `GET /rest/companies/${id}`;
  const lines = () => server.logs().split("\n").filter((l) => l.includes(`"route":"${route}"`)); // our lines, not wrangler's own
  await eventually(() => assert.ok(lines().some((l) => l.includes('"msg":"request"'))), 10_000);
  assert.equal(lines().length, 1, lines().join("\n"));
  const line = JSON.parse(lines()[0].slice(lines()[0].indexOf("{")));
  assert.equal(line.status, 200);
  assert.ok(line.workspace, "the line names the workspace");
  for (const p of ["edge", "auth", "object", "core", "db", "effects"]) assert.equal(typeof line.timing[p], "number", `timing.${p}: ${lines()[0]}`);
  assert.ok(line.sqlCount > 0, "the object's statement count");
});

test("a kept GraphQL edge answer serves documents, never an auth operation", async () => {
  const headers = { ...(await session(server, "keptgql")), "content-type": "application/json" };
  const post = async (query) => {
    const r = await fetch(server.url + "/metadata", { method: "POST", headers, body: JSON.stringify({ query }) });
    return { kept: /auth;[^,]*desc="kept"/.test(r.headers.get("server-timing") || ""), body: await r.json() };
  };
  const objects = "{ objects(paging: {first: 1}) { edges { node { nameSingular } } } }";
  await eventually(async () => {
    // A forward of the principal verified moments ago is kept: the Worker answers the next documents without Go.
    const a = await post(objects), b = await post(objects);
    assert.ok(b.kept, "the second forward came from the kept edge answer");
    assert.equal(a.body.data.objects.edges.length, 1);
    // An auth operation, while that answer is kept, still goes to the edge (the account object answers it)...
    const roles = await post("{ getRoles { id label } }");
    assert.ok(!roles.kept, "an auth operation was answered from the kept forward");
    assert.ok(roles.body.data?.getRoles?.some((r) => r.label === "Admin"), JSON.stringify(roles.body));
    // ...and the kept answer was still there to be misused.
    assert.ok((await post(objects)).kept, "the kept answer had lapsed: try again");
  });
});
