// Who is who in the live cluster: the node ids and roles the cluster starts, and the ids of the front's
// clients. Tests and demos read the same names.
import type { Role } from "./settings.ts";

export const VIEW_SERVICE = "viewservice";
export const CACHE = "cache";
export const SERVERS = ["s1", "s2"] as const;
/** The front's own endpoint on the transport: it invokes operations on its clients and gets their answers. */
export const FRONT = "front";

/** The processes of a cluster, in the order they start. */
export function clusterNodes(withCache: boolean): Array<{ id: string; role: Role }> {
  return [
    { id: VIEW_SERVICE, role: "viewservice" },
    ...SERVERS.map((id) => ({ id, role: "replica" as const })),
    ...(withCache ? [{ id: CACHE, role: "cache" as const }] : []),
  ];
}
