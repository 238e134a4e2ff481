// The client of tests/bench/ab/run.sh: the same requests, alternated between
// side A and side B, one after the other (or conc such pairs at once);
// per side, latency and the CPU its runtime workerd and its wrangler
// process spent per request (/proc/<pid>/stat, in clock ticks of 10 ms:
// a run of 10 s spends hundreds, so one tick is well under 1%).
//
//   node alternate.mjs <dir> <read|readmany|create|gqlread|bulk|bulkids> <seconds> [conc]
//
// <dir> holds, per side, <side>.url, .token, .pid (workerd), .dpid (wrangler).
import fs from "node:fs";

const [dir, mode, secs, conc = "1"] = process.argv.slice(2);
const read = (side, what) => fs.readFileSync(`${dir}/${side}.${what}`, "utf8").trim();
const sides = ["A", "B"].map((name) => ({ name, base: read(name, "url"), token: read(name, "token"), pid: read(name, "pid"), dpid: read(name, "dpid"), lat: [] }));
const ticks = (pid) => {
  const f = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return +f[11] + +f[12]; // utime + stime
};
const headers = (s) => ({ authorization: `Bearer ${s.token}`, "content-type": "application/json" });

async function request(s, i) {
  if (mode === "create") return fetch(s.base + "/rest/companies", { method: "POST", headers: headers(s), body: JSON.stringify({ name: `C${i}` }) });
  if (mode === "bulk" || mode === "bulkids") { // 100 people in one batch create; bulkids: with random ids, as Twenty's frontend sends
    const people = Array.from({ length: 100 }, (_, j) => ({ ...(mode === "bulkids" && { id: crypto.randomUUID() }), name: { firstName: `P${i}-${j}`, lastName: "L" }, city: "Paris", emails: { primaryEmail: `p${i}-${j}@example.com` } }));
    return fetch(s.base + "/rest/batch/people", { method: "POST", headers: headers(s), body: JSON.stringify(people) });
  }
  if (mode === "gqlread") {
    const query = "query($id: UUID!){company(filter:{id:{eq:$id}}){id name employees createdAt}}";
    return fetch(s.base + "/graphql", { method: "POST", headers: headers(s), body: JSON.stringify({ query, variables: { id: s.id } }) });
  }
  if (mode === "readmany") return fetch(`${s.base}/rest/companies/${s.ids[i.split("-").pop() % s.ids.length]}`, { headers: headers(s) });
  return fetch(`${s.base}/rest/companies/${s.id}`, { headers: headers(s) });
}

async function one(s, i) {
  const t = performance.now();
  const r = await request(s, i);
  await r.text();
  if (r.status >= 300) throw new Error(`${s.name}: ${mode} answered ${r.status}`);
  s.lat.push(performance.now() - t);
}

// Each pair asks the sides in turn first: the side asked first in every
// pair measured a few percent slower (an A/A run).
async function alternate(until, worker) {
  for (let i = 0; Date.now() < until; i++) for (const s of i % 2 ? [...sides].reverse() : sides) await one(s, `${worker}-${i}`);
}

for (const s of sides) { // readmany reads 200 records in turn (each its own path); the other modes use one
  s.ids = [];
  for (let n = mode === "readmany" ? 200 : 1; s.ids.length < n;) {
    const r = await fetch(s.base + "/rest/companies", { method: "POST", headers: headers(s), body: JSON.stringify({ name: `Seed ${s.ids.length}` }) });
    s.ids.push((await r.json()).data.createCompany.id);
  }
  s.id = s.ids[0];
}
await alternate(Date.now() + 2000, "warm");
for (const s of sides) (s.lat = []), (s.cpu = [ticks(s.pid), ticks(s.dpid)]);
const until = Date.now() + secs * 1000;
await Promise.all(Array.from({ length: +conc }, (_, w) => alternate(until, w)));
for (const s of sides) {
  const n = s.lat.length, pct = (p) => s.lat[Math.min(n - 1, Math.floor(n * p))].toFixed(2);
  s.lat.sort((a, b) => a - b);
  const us = (pid, at) => (((ticks(pid) - at) * 10000) / n).toFixed(0);
  console.log(`${s.name} ${mode} x${conc}: ${n} requests, p50 ${pct(0.5)} ms, p90 ${pct(0.9)} ms, p99 ${pct(0.99)} ms | workerd ${us(s.pid, s.cpu[0])} µs CPU a request, wrangler ${us(s.dpid, s.cpu[1])} µs`);
}
