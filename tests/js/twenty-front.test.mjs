// Twenty's own frontend documents (tests/js/twenty-front, see its README)
// validated with graphql-js against the schemas edgecrm serves on wrangler
// dev: records and subscriptions against /graphql, the rest against
// /metadata. known-failures.txt lists the documents expected not to
// validate yet, each with the reason; the test fails when a document not on
// the list fails, and when a listed one passes (take it off the list).
// EDGECRM_FRONT_WRITE=1 rewrites the list from this run.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { buildClientSchema, getIntrospectionQuery, parse, validate, visit, Kind } from "graphql";
import { start, session, fetch, root } from "./harness.mjs";

const dir = join(root, "tests", "js", "twenty-front");
const knownFile = join(dir, "known-failures.txt");

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

function readKnown() {
  const known = new Map();
  for (const line of readFileSync(knownFile, "utf8").split("\n")) {
    if (!line.trim() || line.startsWith("#")) continue;
    const [path, ...reason] = line.split("\t");
    assert.ok(reason.join("").trim(), `known-failures.txt: ${path} has no reason`);
    known.set(path, reason.join(" ").trim());
  }
  return known;
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
  for (const [rel, why] of failures) t.diagnostic(`invalid ${rel}: ${why}`);

  if (process.env.EDGECRM_FRONT_WRITE) {
    const lines = [...failures].map(([rel, why]) => `${rel}\t${why}`);
    writeFileSync(knownFile, "# Documents known not to validate yet: path<TAB>reason (the first graphql-js error).\n" +
      "# Regenerate with EDGECRM_FRONT_WRITE=1; the list must only shrink as work lands.\n" + lines.join("\n") + "\n");
    return;
  }
  const known = readKnown();
  const newlyBroken = [...failures.keys()].filter((rel) => !known.has(rel));
  const nowPassing = [...known.keys()].filter((rel) => !failures.has(rel));
  assert.deepEqual(newlyBroken, [], "documents that fail and are not in known-failures.txt");
  assert.deepEqual(nowPassing, [], "documents in known-failures.txt that now validate: take them off the list");
});
