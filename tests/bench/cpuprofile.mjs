// V8 CPU profile of edgecrm's Worker isolate (the Worker, its objects and
// the Go instance they share) under `wrangler dev`, through its devtools port.
//
//   node tests/bench/cpuprofile.mjs <port> <seconds> [out.cpuprofile]
//       records while something runs (a bench section run with -devtools prints the port),
//       saves the profile and prints the functions with the most time
//       (inclusive: a sample counts once for every function on its stack)
//   node tests/bench/cpuprofile.mjs --read <file> [function] [depth]
//       the same summary of a saved profile, or the callees of function
//
// Go's functions carry their names only in a wasm built without -s -w:
//   GOOS=js GOARCH=wasm go build -trimpath -o build/core.wasm ./cmd/worker
// (make wasm strips them again). Shell functions show as "(anon:<line>)" of
// the bundle wrangler writes under .wrangler/tmp (0-based lines).
// Workers' other isolates (D1, Queues) are not in the profile.
import fs from "node:fs";
import WebSocket from "ws";

const MAX_GAP_US = 1000; // sampled every 200 µs: a sample standing for longer follows idle time or a stall of the sampler, not CPU

// ANSWER_MS bounds each devtools round trip: under load the inspector has
// been seen to accept connections and never answer (restart wrangler then).
const ANSWER_MS = 15000;
const answered = (what, p) => Promise.race([p, new Promise((_, no) => setTimeout(() => no(new Error(`the devtools port did not answer ${what} within ${ANSWER_MS / 1000} s; restart wrangler dev`)), ANSWER_MS).unref())]);

async function record(port, seconds, out) {
  const targets = await answered("/json/list", fetch(`http://127.0.0.1:${port}/json/list`).then((r) => r.json()));
  if (!targets.length) throw new Error(`no devtools target on port ${port}`);
  const ws = new WebSocket(targets[0].webSocketDebuggerUrl), waiting = new Map();
  let id = 0;
  const send = (method, params = {}) => answered(method, new Promise((resolve) => { waiting.set(++id, resolve); ws.send(JSON.stringify({ id, method, params })); }));
  ws.on("message", (m) => { const x = JSON.parse(m); waiting.get(x.id)?.(x); waiting.delete(x.id); });
  ws.on("close", () => { if (waiting.size) { console.error("the devtools connection closed before the profile was taken (did wrangler stop?)"); process.exit(1); } });
  await answered("the connection", new Promise((resolve, reject) => { ws.on("open", resolve); ws.on("error", reject); }));
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: 200 });
  await send("Profiler.start");
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const profile = (await send("Profiler.stop")).result.profile;
  ws.close();
  if (out) fs.writeFileSync(out, JSON.stringify(profile));
  return profile;
}

const nameOf = (n) => n.callFrame.functionName || `(anon:${n.callFrame.lineNumber})`;

// weights: ms of self time per node, gaps clamped.
function weights(p) {
  const w = new Map();
  let clamped = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const d = p.timeDeltas[i + 1] || 0;
    clamped += Math.max(0, d - MAX_GAP_US);
    w.set(p.samples[i], (w.get(p.samples[i]) || 0) + Math.min(d, MAX_GAP_US) / 1000);
  }
  return { w, clampedMs: clamped / 1000 };
}

function summary(p, top = 50) {
  const byId = new Map(p.nodes.map((n) => [n.id, n])), parent = new Map(), { w, clampedMs } = weights(p), incl = new Map();
  for (const n of p.nodes) for (const c of n.children || []) parent.set(c, n.id);
  let total = 0;
  for (const [leaf, ms] of w) {
    total += ms;
    const seen = new Set();
    for (let id = leaf; id != null; id = parent.get(id)) seen.add(nameOf(byId.get(id)));
    for (const f of seen) incl.set(f, (incl.get(f) || 0) + ms);
  }
  console.log(`${total.toFixed(0)} ms sampled (${clampedMs.toFixed(0)} ms of sampler stalls left out); idle ${(incl.get("(idle)") || 0).toFixed(0)} ms`);
  for (const [f, ms] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${ms.toFixed(0).padStart(8)} ${((100 * ms) / total).toFixed(1).padStart(5)}%  ${f}`);
}

// tree prints fn's callees (merged over every outermost call of fn).
function tree(p, fn, depth = 3, minMs = 10) {
  const byId = new Map(p.nodes.map((n) => [n.id, n])), { w } = weights(p), memo = new Map();
  const total = (n) => { if (!memo.has(n.id)) memo.set(n.id, (w.get(n.id) || 0) + (n.children || []).reduce((s, c) => s + total(byId.get(c)), 0)); return memo.get(n.id); };
  const root = { ms: 0, kids: new Map() };
  const add = (n, t, d) => {
    t.ms += total(n);
    if (d < depth) for (const c of n.children || []) { const cn = byId.get(c), k = nameOf(cn); if (!t.kids.has(k)) t.kids.set(k, { ms: 0, kids: new Map() }); add(cn, t.kids.get(k), d + 1); }
  };
  const find = (n) => (nameOf(n) === fn ? add(n, root, 0) : (n.children || []).forEach((c) => find(byId.get(c))));
  find(p.nodes[0]);
  console.log(`${root.ms.toFixed(0).padStart(8)} ${fn}`);
  const print = (t, indent) => { for (const [k, v] of [...t.kids].sort((a, b) => b[1].ms - a[1].ms)) if (v.ms >= minMs) { console.log(`${v.ms.toFixed(0).padStart(8)} ${indent}${k}`); print(v, indent + "  "); } };
  print(root, "  ");
}

const args = process.argv.slice(2);
if (args[0] === "--read" && args[1]) {
  const p = JSON.parse(fs.readFileSync(args[1], "utf8"));
  args[2] ? tree(p, args[2], +(args[3] || 3)) : summary(p);
} else if (args.length >= 2 && +args[0] > 0 && +args[1] > 0) {
  summary(await record(+args[0], +args[1], args[2]));
} else {
  console.error("usage: node tests/bench/cpuprofile.mjs <port> <seconds> [out.cpuprofile] | --read <file> [function] [depth]");
  process.exit(2);
}
