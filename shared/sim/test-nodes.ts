// Tiny node definitions shared by the simulator's own tests.
import type { NodeDef } from "./types.ts";

export interface Ping {
  type: "ping" | "pong";
  n: number;
}

/** Replies "pong" to every "ping" and remembers everything it received. */
export const echoNode: NodeDef<{ received: Ping[] }, Ping> = {
  init: () => ({ received: [] }),
  onMessage(state, from, msg, env) {
    state.received.push(msg);
    if (msg.type === "ping") env.send(from, { type: "pong", n: msg.n });
  },
  onTimer() {},
};

/** Sends `count` numbered pings to "b" when its "go" timer fires at t=0. */
export function senderNode(count: number, to = "b"): NodeDef<{ pongs: number[] }, Ping> {
  return {
    init(env) {
      env.setTimer("go", 0);
      return { pongs: [] };
    },
    onMessage(state, _from, msg) {
      if (msg.type === "pong") state.pongs.push(msg.n);
    },
    onTimer(_state, _timer, env) {
      for (let n = 1; n <= count; n++) env.send(to, { type: "ping", n });
    },
  };
}
