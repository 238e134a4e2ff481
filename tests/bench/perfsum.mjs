// Sums a Linux `perf` profile of the runtime workerd (every isolate, the
// platform's C++ and the kernel, not only what V8's devtools profile sees):
// which share of the samples runs under each outermost JavaScript function
// (the object's Go call, the Worker's fetch, the local D1 and Queues
// simulators), which share runs no JavaScript at all (requests, streams,
// storage commits, GC) and where, and the JIT functions (JS and Go's wasm)
// by inclusive share.
//
//   perf record -F 2000 -g -p <workerd pid> -o perf.data -- sleep 10
//   perf script -i perf.data -F ip,sym,dso | node tests/bench/perfsum.mjs [rows]
//
// JIT frames carry names only when V8 writes /tmp/perf-<pid>.map: its flag
// --perf-basic-prof, which Miniflare does not pass; for a profile, add
// `config.v8Flags = ["--perf-basic-prof"]` beside serializeConfig(config)
// in node_modules/miniflare/dist/src/index.js, and take it out after (and
// delete the isolate-*.log files V8 leaves in the working directory).
import readline from "node:readline";

const rows = +(process.argv[2] || 25);
const samples = [];
let cur = [];
for await (const line of readline.createInterface({ input: process.stdin })) {
  const m = line.match(/^\s*[0-9a-f]+ (.*) \((.*)\)$/);
  if (m) cur.push({ sym: m[1], dso: m[2] });
  else if (!line.trim() && cur.length) samples.push(cur), (cur = []);
}
if (cur.length) samples.push(cur);
if (!samples.length) throw new Error("no samples on stdin (perf script -F ip,sym,dso)");

const jit = (f) => f.dso.includes("perf-") || f.dso.includes("JIT");
const name = (f) => f.sym.replace(/^(JS|Function|LazyCompile|Script):/, "").replace(/^[*~^+' ]+/, "");
const count = (map, k) => map.set(k, (map.get(k) || 0) + 1);
const outer = new Map(), native = new Map(), inclusive = new Map();
let noJS = 0;
for (const s of samples) {
  const js = s.filter((f) => jit(f) && /\.js:\d/.test(f.sym));
  if (js.length) count(outer, name(js[js.length - 1])); // the stack's root end is last
  else {
    noJS++;
    const seen = new Set(); // C++ frames that say what the platform was doing, once per sample
    for (const f of s) {
      const k = f.sym.replace(/^non-virtual thunk to /, "").match(/^(workerd::(?:api|jsg|IoContext|ActorSqlite|SqliteDatabase)[A-Za-z0-9_:]*|v8::internal::(?:Heap|Scavenger|wasm)[A-Za-z0-9_:]*)/)?.[1];
      if (k && !seen.has(k)) seen.add(k), count(native, k);
    }
  }
  const seen = new Set();
  for (const f of s) if (jit(f) && !seen.has(name(f))) seen.add(name(f)), count(inclusive, name(f));
}
const pct = (n) => `${((100 * n) / samples.length).toFixed(1).padStart(5)}%`;
const top = (title, map) => {
  if (title) console.log(title);
  for (const [k, n] of [...map].sort((a, b) => b[1] - a[1]).slice(0, rows)) console.log(`${pct(n)}  ${k.slice(0, 120)}`);
};
console.log(`${samples.length} samples`);
top("outermost JavaScript function:", outer);
console.log(`${pct(noJS)}  no JavaScript frame; of all samples, these C++ frames (inclusive):`);
top("", native);
top("JIT functions (JS, Go's wasm), inclusive:", inclusive);
