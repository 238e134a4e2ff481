// Starts a real `wrangler dev` for the JavaScript end-to-end tests (real
// GraphQL and WebSocket clients from npm) and stops it after them.
import { spawn, execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { createServer } from "node:net";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const ADMIN_TOKEN = "e2e-admin-token";

// frontDoc reads one of Twenty's vendored frontend documents
// (tests/js/twenty-front/<rel>, ".graphql" optional) with the fragments
// it spreads, transitively, appended.
export function frontDoc(rel) {
  const dir = join(root, "tests", "js", "twenty-front");
  let text = readFileSync(join(dir, rel.endsWith(".graphql") ? rel : rel + ".graphql"), "utf8");
  const seen = new Set();
  for (let i = 0, todo = [text]; i < todo.length; i++) {
    for (const [, name] of todo[i].matchAll(/\.\.\.([A-Za-z_]\w*)/g)) {
      const f = join(dir, "fragments", name + ".graphql");
      if (seen.has(name) || !existsSync(f)) continue;
      seen.add(name);
      const frag = readFileSync(f, "utf8");
      text += "\n" + frag;
      todo.push(frag);
    }
  }
  return text;
}
const wrangler = join(root, "node_modules", ".bin", "wrangler");

function env(dir) {
  return {
    ...process.env,
    WRANGLER_SEND_METRICS: "false",
    WRANGLER_SEND_ERROR_REPORTS: "false",
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    WRANGLER_LOG_PATH: join(dir, "logs"),
    CI: "1",
  };
}

// The RSA key the instances sign tokens with (JWT_PRIVATE_KEY), one per run.
export const { privateKey: KEY_PEM } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
}

// start runs wrangler dev on a free port with fresh state; returns
// {url, logs(), stop()}. Bounded: fails after 60 s. The secrets go in an
// env file (wrangler shows them hidden); rate limits are far above what the
// tests do unless vars say otherwise.
export async function start(vars = []) {
  const dir = mkdtempSync(join(tmpdir(), "edgecrm-js-"));
  const persist = join(dir, "state");
  execFileSync(wrangler, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persist], { cwd: root, env: env(dir), stdio: "pipe" });
  const secrets = join(dir, "secrets.env");
  writeFileSync(secrets, `JWT_PRIVATE_KEY="${KEY_PEM.trim().replaceAll("\n", "\\n")}"\nADMIN_TOKEN="${ADMIN_TOKEN}"\n`, { mode: 0o600 });
  const args = ["dev", "--ip", "127.0.0.1", "--port", "0", "--persist-to", persist, "--show-interactive-dev-session=false",
    "--inspector-port", String(await freePort()), "--env-file", secrets];
  for (const v of ["TEST_HOOKS:true", "RATE_LIMIT_WORKSPACE:1000000", "RATE_LIMIT_IP:1000000", ...vars]) args.push("--var", v);
  const child = spawn(wrangler, args, { cwd: root, env: env(dir), detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("wrangler dev not ready after 60s:\n" + out)), 60_000);
    const onData = (d) => {
      out += d;
      const m = out.match(/Ready on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => { clearTimeout(timer); reject(new Error(`wrangler exited (${code}):\n${out}`)); });
  });
  await eventually(async () => {
    const r = await fetch(url + "/healthz");
    if (r.status !== 200) throw new Error(`healthz ${r.status}`);
  }, 30_000);
  return {
    url,
    logs: () => out,
    async stop() {
      // EDGECRM_JS_LOGS=<file>: keep wrangler's logs (debugging a failure).
      if (process.env.EDGECRM_JS_LOGS) writeFileSync(process.env.EDGECRM_JS_LOGS, out);
      try { process.kill(-child.pid, "SIGTERM"); } catch {}
      await new Promise((r) => { if (child.exitCode !== null) r(); else child.on("exit", r); });
      try { process.kill(-child.pid, "SIGKILL"); } catch {} // a workerd that outlived wrangler (seen orphaned, spinning)
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// fetch is the global fetch for requests to a started server, with one
// difference: it sends again a request that wrangler dev's own proxy lost.
//
// `wrangler dev` answers on a ProxyWorker (a separate workerd) that fetches
// from the Worker's runtime over pooled keep-alive connections. Both ends
// close an idle connection after 5 s (kj's client idleTimeout and server
// pipelineTimeout), so a request written to a connection idle about that
// long can meet the server's close: the ProxyWorker's fetch fails with
// "Network connection lost." and the request never reaches the Worker (its
// core logs no line for it). A GET is retried by the proxy itself; any
// other method is answered with a 503 whose body is PROXY_LOST (wrangler
// 4.86 says that for every path but "/", even though nothing restarted; see
// cloudflare/workers-sdk#14641 and #15252, fixed only in releases that need
// Node 22). That 503 is the dev server's, never edgecrm's (the core's 503
// is JSON), so it is sent again, at most twice. A load-dependent timing
// race in the dev tool, not in the product: the hibernation test's first
// POSTs failed this way now and then on a busy 2-core machine.
const PROXY_LOST = "Your worker restarted mid-request.";
const globalFetch = globalThis.fetch;
export async function fetch(input, init) {
  const replayable = init?.body == null || typeof init.body === "string";
  for (let attempt = 1; ; attempt++) {
    const r = await globalFetch(input, init);
    if (r.status !== 503 || !replayable || attempt === 3) return r;
    const text = await r.text();
    if (!text.startsWith(PROXY_LOST)) return new Response(text, { status: r.status, statusText: r.statusText, headers: r.headers });
    console.error(`harness: wrangler dev's proxy lost ${init?.method || "GET"} ${input} (attempt ${attempt}); sending it again`);
  }
}

// eventually polls fn until it resolves, or rejects with its last error
// after timeoutMs.
export async function eventually(fn, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try { return await fn(); } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

// session returns the headers that act as the owner of the workspace
// aliased ws: ${ws}@js.test signs up on first use (Twenty's signUp, then
// getAuthTokensFromLoginToken) and the access token is cached per server.
const sessions = new Map();
export async function session(server, ws) {
  const key = server.url + "\0" + ws;
  if (!sessions.has(key)) sessions.set(key, signUp(server, `${ws}@js.test`, `js password of ${ws}`));
  const s = await sessions.get(key);
  return { authorization: `Bearer ${s.accessToken}` };
}

async function metadata(server, query, variables) {
  const r = await fetch(server.url + "/metadata", {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query, variables }),
  });
  const body = await r.json();
  if (body.errors) throw new Error(`${r.status} ${JSON.stringify(body.errors)}`);
  return body.data;
}

// signUp creates a user and its workspace and signs in: {accessToken, refreshToken, workspaceId}.
export async function signUp(server, email, password) {
  const up = await metadata(server, `mutation SignUp($email: String!, $password: String!) {
    signUp(email: $email, password: $password) { loginToken { token } workspace { id } } }`, { email, password });
  const t = await metadata(server, `mutation Tokens($loginToken: String!, $origin: String!) {
    getAuthTokensFromLoginToken(loginToken: $loginToken, origin: $origin) {
      tokens { accessOrWorkspaceAgnosticToken { token } refreshToken { token } } } }`, { loginToken: up.signUp.loginToken.token, origin: server.url });
  const tokens = t.getAuthTokensFromLoginToken.tokens;
  return { accessToken: tokens.accessOrWorkspaceAgnosticToken.token, refreshToken: tokens.refreshToken.token, workspaceId: up.signUp.workspace.id };
}
