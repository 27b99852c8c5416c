/** One JSON call for a demo step: a bearer token or extra headers, a bounded wait, the body parsed. */
export async function http(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  auth: string | Record<string, string> = {},
) {
  const headers: Record<string, string> = typeof auth === "string" ? { authorization: `Bearer ${auth}` } : { ...auth };
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(`${base}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}
