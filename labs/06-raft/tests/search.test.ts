// State-space search (as UW DSLabs' tests do): every order of deliveries and timer firings within a
// bound, from the start of a cluster or from a chosen situation, with Raft's invariants checked in every
// world reached. A violation comes back as the shortest path to it, with a trace for the timeline.
import { describe, expect, it } from "vitest";
import { LONG_TEST_MS } from "./cluster.ts";
import {
  electionSearch,
  figure8Search,
  followerCommitSearch,
  lateAppendSearch,
  logMatchingSearch,
  searchOrFail,
} from "./search-support.ts";

describe("state-space search", { timeout: LONG_TEST_MS }, () => {
  it("finds no two leaders in a term in any order of an election's messages and timeouts [R06.1.2, R06.0.2, R06.P.1, R06.P.2]", async () => {
    const result = searchOrFail(await electionSearch());
    expect(result.stats.states, result.summary).toBeGreaterThan(1_000);
  });

  it("keeps logs matching when a new leader meets a follower with a conflicting entry [R06.2.2, R06.P.11]", async () => {
    const result = searchOrFail(await logMatchingSearch());
    expect(result.stats.states, result.summary).toBeGreaterThan(100);
  });

  it("commits an entry of an earlier term only through one of the current term (Figure 8) [R06.3.1, R06.P.3]", async () => {
    const result = searchOrFail(await figure8Search());
    expect(result.stats.states, result.summary).toBeGreaterThan(100);
  });

  it("lets a follower commit only entries the leader's AppendEntries confirmed [R06.3.2, R06.P.9]", async () => {
    const result = searchOrFail(await followerCommitSearch());
    expect(result.stats.states, result.summary).toBeGreaterThan(2);
  });

  it("keeps an acknowledged entry when an older AppendEntries arrives late, so the next leader has it [R06.2.2, R06.P.7]", async () => {
    const result = searchOrFail(await lateAppendSearch());
    expect(result.stats.states, result.summary).toBeGreaterThan(2);
  });
});
