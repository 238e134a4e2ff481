// Twenty's own frontend documents (tests/js/twenty-front, see its README)
// validated with graphql-js against the schemas edgecrm serves on wrangler
// dev: records and subscriptions against /graphql, the rest against
// /metadata. Every document must validate: the test fails on any that
// does not, naming each with its first error.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { buildClientSchema, getIntrospectionQuery, parse, validate, visit, Kind } from "graphql";
import { start, session, fetch, root } from "./harness.mjs";

const dir = join(root, "tests", "js", "twenty-front");

let server;
before(async () => { server = await start(); });
after(async () => { await server?.stop(); });

function files(d) {
  return readdirSync(d, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(d, e.name)) : e.name.endsWith(".graphql") ? [join(d, e.name)] : []);
}

// The fragments, by name, as gql templates interpolate them.
function fragments() {
  const byName = new Map();
  for (const f of files(join(dir, "fragments"))) {
    for (const def of parse(readFileSync(f, "utf8")).definitions) byName.set(def.name.value, def);
  }
  return byName;
}

// withFragments appends every fragment the document spreads, transitively;
// a spread of a fragment not vendored is left for validate to report.
function withFragments(doc, byName) {
  const have = new Set(doc.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => d.name.value));
  const defs = [...doc.definitions];
  for (let i = 0; i < defs.length; i++) {
    visit(defs[i], {
      FragmentSpread(node) {
        const name = node.name.value;
        if (!have.has(name) && byName.has(name)) { have.add(name); defs.push(byName.get(name)); }
      },
    });
  }
  return { ...doc, definitions: defs };
}

async function schemaAt(path, headers) {
  const r = await fetch(server.url + path, {
    method: "POST", headers: { ...headers, "content-type": "application/json" },
    body: JSON.stringify({ query: getIntrospectionQuery() }),
  });
  const body = await r.json();
  assert.equal(r.status, 200, `${path} introspection: ${JSON.stringify(body.errors)}`);
  return buildClientSchema(body.data);
}

test("Twenty's frontend documents validate against our live schemas", async (t) => {
  const headers = await session(server, "twentyfront");
  const schemas = { graphql: await schemaAt("/graphql", headers), metadata: await schemaAt("/metadata", headers) };
  const byName = fragments();
  const docs = files(dir).filter((f) => !f.includes(`${join(dir, "fragments")}/`)).sort();
  assert.ok(docs.length > 50, `vendored documents: ${docs.length}`);

  const failures = new Map();
  for (const f of docs) {
    const rel = relative(dir, f);
    const endpoint = rel.startsWith("records/") || rel.startsWith("subscriptions/") ? "graphql" : "metadata";
    let errors;
    try {
      errors = validate(schemas[endpoint], withFragments(parse(readFileSync(f, "utf8")), byName));
    } catch (e) {
      errors = [e];
    }
    if (errors.length) failures.set(rel, `/${endpoint}: ${errors.length} error(s), first: ${errors[0].message}`);
  }
  t.diagnostic(`${docs.length - failures.size} of ${docs.length} valid`);
  assert.deepEqual([...failures].map(([rel, why]) => `${rel}: ${why}`), [], "documents that do not validate");
});
