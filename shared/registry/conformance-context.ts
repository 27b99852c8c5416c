import type Consul from "consul";
import type { RawReply } from "./test-support.ts";

/** What a conformance case gets: raw HTTP to the registry under test, and a `consul` client pointed at it. */
export type Http = (method: string, path: string, body?: string) => Promise<RawReply>;
export type Ctx = () => { http: Http; consul: Consul };
