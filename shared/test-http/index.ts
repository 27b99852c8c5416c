// Plain HTTP for lab tests: answers as values (status, headers, parsed body), and a service that never
// answers fails the test fast with a message that names the route and where to look.
export * from "./http.ts";
