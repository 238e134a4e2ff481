// Starts a real `wrangler dev` for the JavaScript end-to-end tests (real
// GraphQL and WebSocket clients from npm) and stops it after them.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const ADMIN_TOKEN = "e2e-admin-token";
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

// start runs wrangler dev on a free port with fresh state; returns
// {url, logs(), stop()}. Bounded: fails after 60 s.
export async function start(vars = []) {
  const dir = mkdtempSync(join(tmpdir(), "edgecrm-js-"));
  const persist = join(dir, "state");
  execFileSync(wrangler, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persist], { cwd: root, env: env(dir), stdio: "pipe" });
  const args = ["dev", "--ip", "127.0.0.1", "--port", "0", "--persist-to", persist, "--show-interactive-dev-session=false"];
  for (const v of ["DEV_WORKSPACE_SELECTION:true", "TEST_HOOKS:true", `ADMIN_TOKEN:${ADMIN_TOKEN}`, ...vars]) args.push("--var", v);
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
      try { process.kill(-child.pid, "SIGTERM"); } catch {}
      await new Promise((r) => { if (child.exitCode !== null) r(); else child.on("exit", r); });
      rmSync(dir, { recursive: true, force: true });
    },
  };
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

// session returns the headers that act as a member of workspace ws.
export async function session(server, ws) {
  return { "x-workspace-id": ws };
}
