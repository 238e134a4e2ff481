// Records as Twenty's frontend reads them, on wrangler dev through a real
// GraphQL client, sending the frontend's own documents (tests/js/twenty-front):
// the first page of companies and people with their aggregates, a groupBy of
// opportunities by stage with sumAmountAmountMicros, and a merge of two
// duplicate people (dry run, then for real).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { GraphQLClient, gql } from "graphql-request";
import { start, session, fetch, root } from "./harness.mjs";

let server;
before(async () => { server = await start(); });
after(async () => { await server?.stop(); });

const doc = (name) => readFileSync(join(root, "tests", "js", "twenty-front", "records", name + ".graphql"), "utf8");

async function client(ws) {
  return new GraphQLClient(server.url + "/graphql", { headers: await session(server, ws), fetch });
}

async function head(ws) {
  const r = await fetch(server.url + "/rest/people?limit=1", { headers: await session(server, ws) });
  assert.equal(r.status, 200);
  return (await r.json()).totalCount;
}

test("first page of companies and people with aggregates", async () => {
  const c = await client("front-pages");
  await c.request(gql`mutation($d: [CompanyCreateInput!]!) { createCompanies(data: $d) { id } }`, { d: [
    { name: "Acme", employees: 10, domainName: { primaryLinkUrl: "acme.com" }, annualRecurringRevenue: { amountMicros: 2000000, currencyCode: "USD" } },
    { name: "Beta", employees: 30 },
    { name: "Gamma" },
  ] });
  await c.request(gql`mutation($d: [PersonCreateInput!]!) { createPeople(data: $d) { id } }`, { d: [
    { name: { firstName: "Ada", lastName: "Lovelace" }, jobTitle: "Engineer", city: "London" },
    { name: { firstName: "Alan", lastName: "Turing" }, city: "London" },
  ] });

  const companies = await c.request(doc("FindManyCompanies"), { limit: 2, orderBy: [{ position: "AscNullsFirst" }] });
  assert.equal(companies.companies.edges.length, 2);
  assert.equal(companies.companies.totalCount, 3);
  assert.equal(companies.companies.pageInfo.hasNextPage, true);
  assert.equal(companies.companies.edges[0].node.searchVector, "Acme acme.com");
  const people = await c.request(doc("FindManyPeople"), { limit: 60 });
  assert.equal(people.people.totalCount, 2);
  assert.ok(people.people.edges.every((e) => e.node.searchVector.includes(e.node.name.lastName)));

  const agg = (await c.request(doc("AggregateCompanies"), {})).companies;
  assert.equal(agg.totalCount, 3);
  assert.equal(agg.countEmptyName, 0);
  assert.equal(agg.countNotEmptyName, 3);
  assert.equal(agg.countUniqueValuesName, 3);
  assert.equal(agg.minEmployees, 10);
  assert.equal(agg.maxEmployees, 30);
  assert.equal(agg.sumEmployees, 40);
  assert.equal(agg.avgEmployees, 20);
  assert.equal(agg.sumAnnualRecurringRevenueAmountMicros, 2000000);
  assert.equal(agg.countNotEmptyDomainName, 1);
  assert.ok(Math.abs(agg.percentageEmptyName) < 1e-9);
  const pagg = (await c.request(doc("AggregatePeople"), {})).people;
  assert.equal(pagg.countEmptyJobTitle, 1);
  assert.equal(pagg.countUniqueValuesCity, 1);
  assert.equal(pagg.percentageNotEmptyName, 1);

  // Filtering on searchVector searches.
  const found = await c.request(doc("FindManyPeople"), { filter: { searchVector: { search: "lovel" } } });
  assert.deepEqual(found.people.edges.map((e) => e.node.name.firstName), ["Ada"]);
});

test("groupBy of opportunities by stage with sumAmountAmountMicros", async () => {
  const c = await client("front-groupby");
  await c.request(gql`mutation($d: [OpportunityCreateInput!]!) { createOpportunities(data: $d) { id } }`, { d: [
    { name: "A", stage: "NEW", amount: { amountMicros: 1000000, currencyCode: "USD" }, closeDate: "2025-01-05T10:00:00Z" },
    { name: "B", stage: "NEW", amount: { amountMicros: 3000000, currencyCode: "USD" }, closeDate: "2025-02-05T10:00:00Z" },
    { name: "C", stage: "PROPOSAL", amount: { amountMicros: 500000, currencyCode: "USD" } },
  ] });
  const r = await c.request(doc("OpportunitiesGroupBy"), { groupBy: [{ stage: true }], orderBy: [{ aggregate: { sumAmountAmountMicros: "DescNullsLast" } }] });
  assert.deepEqual(r.opportunitiesGroupBy.map((g) => [g.groupByDimensionValues, g.totalCount, g.sumAmountAmountMicros]),
    [[["NEW"], 2, 4000000], [["PROPOSAL"], 1, 500000]]);
  const byMonth = await c.request(doc("OpportunitiesGroupBy"), { groupBy: [{ closeDate: { granularity: "MONTH" } }] });
  assert.deepEqual(byMonth.opportunitiesGroupBy.map((g) => [g.groupByDimensionValues[0], g.totalCount]),
    [["2025-01-01", 1], ["2025-02-01", 1], [null, 1]]);
});

test("merge of two duplicate people: dry run, then for real", async () => {
  const ws = "front-merge";
  const c = await client(ws);
  const { createPeople: [keep, dup] } = await c.request(gql`mutation($d: [PersonCreateInput!]!) { createPeople(data: $d) { id } }`, { d: [
    { name: { firstName: "Grace", lastName: "Hopper" }, emails: { primaryEmail: "grace@navy.mil" } },
    { name: { firstName: "Grace", lastName: "Hopper" }, emails: { primaryEmail: "amazing@grace.org" }, city: "Arlington", jobTitle: "Admiral" },
  ] });
  const { createNote: note } = await c.request(gql`mutation { createNote(data: {title: "COBOL"}) { id } }`);
  await c.request(gql`mutation($d: NoteTargetCreateInput!) { createNoteTarget(data: $d) { id } }`, { d: { noteId: note.id, personId: dup.id } });

  const dups = await c.request(doc("FindDuplicatePeople"), { ids: [keep.id] });
  assert.deepEqual(dups.personDuplicates[0].edges.map((e) => e.node.id), [dup.id]);

  const peopleBefore = await head(ws);
  const dry = await c.request(doc("MergeManyPeople"), { ids: [keep.id, dup.id], conflictPriorityIndex: 0, dryRun: true });
  assert.equal(dry.mergePeople.id, keep.id);
  assert.deepEqual(dry.mergePeople.emails, { primaryEmail: "grace@navy.mil", additionalEmails: ["amazing@grace.org"] });
  assert.equal(await head(ws), peopleBefore, "a dry run deletes nothing");
  const still = await c.request(gql`query($id: UUID!) { person(filter: {id: {eq: $id}}) { id city } }`, { id: keep.id });
  assert.ok(!still.person.city, "a dry run changes nothing");

  const merged = await c.request(doc("MergeManyPeople"), { ids: [keep.id, dup.id], conflictPriorityIndex: 0 });
  assert.equal(merged.mergePeople.id, keep.id);
  assert.equal(merged.mergePeople.deletedAt, null);
  assert.deepEqual(merged.mergePeople.emails.additionalEmails, ["amazing@grace.org"]);
  const after = await c.request(gql`query($keep: UUID!, $dup: UUID!) {
    kept: person(filter: {id: {eq: $keep}}) { city jobTitle }
    gone: people(filter: {id: {eq: $dup}, deletedAt: {is: NOT_NULL}}) { totalCount }
    noteTargets { edges { node { personId } } } }`, { keep: keep.id, dup: dup.id });
  assert.deepEqual(after.kept, { city: "Arlington", jobTitle: "Admiral" });
  assert.equal(after.gone.totalCount, 1, "the duplicate is soft-deleted");
  assert.deepEqual(after.noteTargets.edges.map((e) => e.node.personId), [keep.id], "relations moved to the kept record");
  assert.equal(await head(ws), peopleBefore - 1);
});
