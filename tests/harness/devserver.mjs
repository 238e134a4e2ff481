// Runs a Worker as `wrangler dev` does, but with no devtools session
// (harness.Devtools false; the bench's default): wrangler dev always
// attaches an inspector that reports every subrequest and log line to
// wrangler, which cost a bare object more than half its throughput on the
// 2-core machine, and production has nothing like it. Logs still reach
// stdout through workerd.
//
//   node tests/harness/devserver.mjs <config> <persist> <env file or ""> [NAME:value ...]
//
// It prints "Ready on <url>" and runs until SIGTERM or SIGINT.
//
// Nor does it keep wrangler's debug log file: wrangler appends every line
// the Worker logs to it (mkdir, open, write, close behind a mutex), which
// cost this process about 280 µs of CPU per line on the 2-core machine,
// taken from workerd and the client (a read's p50: 2.1 ms with it, 1.8
// without). Wrangler skips the file only under vitest (its check is
// `typeof vitest`), so the global is defined before wrangler loads. The
// lines still reach stdout.
globalThis.vitest = {};
const { unstable_startWorker } = await import("wrangler");

const [config, persist, envFile, ...vars] = process.argv.slice(2);
const bindings = Object.fromEntries(vars.map((v) => {
  const i = v.indexOf(":");
  return [v.slice(0, i), { type: "plain_text", value: v.slice(i + 1) }];
}));
const worker = await unstable_startWorker({
  config,
  envFiles: envFile ? [envFile] : undefined,
  bindings,
  dev: { inspector: false, persist, server: { hostname: "127.0.0.1", port: 0 }, watch: false, liveReload: false },
});
await worker.ready;
console.log(`Ready on ${(await worker.url).origin}`);
const stop = async () => { await worker.dispose(); process.exit(0); };
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
