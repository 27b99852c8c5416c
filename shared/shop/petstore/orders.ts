import type { KvClient } from "../kv-client.ts";
import { filteredPage } from "../pagination.ts";
import type { Order } from "../schemas/petstore.ts";
import { ordersPrefix, storedOrder, type StoredOrder } from "./records.ts";

/** A user's orders, oldest first (order ids sort by time). */
export function listOrders(kv: KvClient, username: string, page: { limit: number; cursor?: string | undefined }) {
  return filteredPage(kv, ordersPrefix(username), storedOrder, page, publicOrder);
}

export function publicOrder({ username: _username, ...order }: StoredOrder): Order {
  return order;
}
