// Test support for the shop's labs (02 and later): the shop's admins and customers, fresh cards and keys,
// and a relay that keeps an address across a service's restarts. Plain HTTP calls: @distlab/kit/test-http.
export * from "./relay.ts";
export * from "./customers.ts";
