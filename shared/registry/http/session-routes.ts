import { sessionJson, type SessionStore } from "../sessions.ts";
import type { RegistryState } from "../state.ts";
import { blockingRead } from "./blocking.ts";
import type { Route } from "./router.ts";

/** /v1/session/* — create, renew, destroy, and read sessions (the reads block on `?index`). */
export function sessionRoutes(state: RegistryState, sessions: SessionStore): Route[] {
  const listing = (pick: (node?: string) => ReturnType<SessionStore["list"]>) => ({
    index: sessions.tableIndex(),
    body: { json: pick().map(sessionJson) },
  });
  return [
    {
      methods: ["PUT"],
      pattern: "/v1/session/create",
      handler: (context) => ({ json: { ID: sessions.create(context.fields(true)).id } }),
    },
    {
      methods: ["PUT"],
      pattern: "/v1/session/renew/:id",
      handler: (context) => ({ json: [sessionJson(sessions.renew(context.params.id!))] }),
    },
    {
      methods: ["PUT"],
      pattern: "/v1/session/destroy/:id",
      handler: (context) => ({ json: sessions.destroy(context.params.id!) }),
    },
    {
      methods: ["GET"],
      pattern: "/v1/session/info/:id",
      handler: (context) =>
        blockingRead(state, context, () => {
          const session = sessions.get(context.params.id!);
          return { index: sessions.tableIndex(), body: { json: session ? [sessionJson(session)] : [] } };
        }),
    },
    {
      methods: ["GET"],
      pattern: "/v1/session/list",
      handler: (context) => blockingRead(state, context, () => listing(() => sessions.list())),
    },
    {
      methods: ["GET"],
      pattern: "/v1/session/node/:node",
      handler: (context) => blockingRead(state, context, () => listing(() => sessions.list(context.params.node))),
    },
  ];
}
