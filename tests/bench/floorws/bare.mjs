import { DurableObject } from "cloudflare:workers";

// The floor of the real-time section (tests/bench/floorws.go): the same
// sockets on a bare JavaScript object, one frame to each per POST, no Go.
export class BareWS extends DurableObject {
  constructor(ctx, env) { super(ctx, env); this.seq = 0; this.ids = []; }
  async fetch(request) {
    if (request.headers.get("upgrade")) {
      const pair = new WebSocketPair();
      const id = crypto.randomUUID();
      this.ctx.acceptWebSocket(pair[1], ["c:" + id, "w:x"]);
      this.ids.push(id);
      return new Response(null, { status: 101, webSocket: pair[0], headers: { "sec-websocket-protocol": "graphql-transport-ws" } });
    }
    const mode = new URL(request.url).searchParams.get("mode") || "all";
    const seq = ++this.seq;
    const frame = JSON.stringify({ id: "1", type: "next", payload: { data: { onDbEvent: { seq, eventDate: new Date().toISOString() } }, extensions: { seq } } });
    const t0 = Date.now();
    if (mode === "tag") {
      for (const id of this.ids) { const ws = this.ctx.getWebSockets("c:" + id)[0]; if (ws) ws.send(frame); }
    } else {
      for (const ws of this.ctx.getWebSockets("w:x")) ws.send(frame);
    }
    console.log("broadcast", mode, this.ids.length, Date.now() - t0, "ms");
    return Response.json({ seq }, { status: 201 });
  }
  webSocketMessage(ws, msg) {
    if (String(msg).includes("connection_init")) ws.send('{"type":"connection_ack"}');
  }
}

export default {
  fetch(request, env) {
    if (new URL(request.url).pathname === "/healthz") return new Response('{"ok":true}');
    return env.BARE.get(env.BARE.idFromName("bench")).fetch(request);
  },
};
