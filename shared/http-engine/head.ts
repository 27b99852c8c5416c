/**
 * Parsing of HTTP/1.1 message heads (RFC 9112 §2–§6): the request line or status line, then the header
 * fields, from the bytes up to the empty line, read as latin1 (one byte, one character). Strict on
 * purpose: whatever a lenient parser would guess at (a bare LF, a folded line, a space before the colon,
 * two different Content-Lengths) is exactly what request smuggling is made of, so it is refused.
 */

/** A head that cannot be accepted, with the status a server answers it with. */
export class HeadError extends Error {
  readonly status: 400 | 408 | 413 | 414 | 417 | 431 | 501 | 505;

  constructor(status: 400 | 408 | 413 | 414 | 417 | 431 | 501 | 505, message: string) {
    super(message);
    this.status = status;
    this.name = "HeadError";
  }
}

/** How the body of a message is delimited (RFC 9112 §6.3). */
export type Framing =
  | { kind: "none" }
  | { kind: "length"; length: number }
  | { kind: "chunked" }
  /** Until the connection closes: only a response can be framed so. */
  | { kind: "close" };

export const NO_BODY: Framing = Object.freeze({ kind: "none" });

/** Header fields in order, as [name, value, name, value, …]; names lowercased, values trimmed. */
export type HeaderList = string[];

export interface RequestHead {
  method: string;
  target: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  minor: 0 | 1;
  headers: HeaderList;
  framing: Framing;
  /** The connection stays open after this exchange (HTTP/1.1 unless `Connection: close`, and so on). */
  keepAlive: boolean;
  expectContinue: boolean;
}

export interface ResponseHead {
  status: number;
  reason: string;
  minor: 0 | 1;
  headers: HeaderList;
  /** Content-Length or chunked as the head says; `close` when neither does. The caller applies HEAD/1xx/204/304. */
  framing: Framing;
  keepAlive: boolean;
}

/** tchar (RFC 9110 §5.6.2): the characters of a token, i.e. of a method or a header name. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Header names seen before, lowercased: they repeat from one message to the next. */
const knownNames = new Map<string, string>();
const MAX_KNOWN = 4096;

function isToken(text: string): boolean {
  return TOKEN.test(text);
}

/** The lowercase form of a valid header name, or undefined when `name` is not a token. */
function headerName(name: string): string | undefined {
  const known = knownNames.get(name);
  if (known !== undefined) return known;
  if (!TOKEN.test(name)) return undefined;
  const lower = name.toLowerCase();
  if (knownNames.size < MAX_KNOWN) knownNames.set(name, lower);
  return lower;
}

/** A field value may hold visible characters, spaces, tabs and obs-text, but no other control character. */
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;

function isFieldValue(text: string): boolean {
  return !CONTROL.test(text);
}

/** A request target: visible ASCII only (anything else must be percent-encoded). */
const TARGET = /^[\x21-\x7e]+$/;

export function isTarget(text: string): boolean {
  return TARGET.test(text);
}

function trimOws(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && (text.charCodeAt(start) === 32 || text.charCodeAt(start) === 9)) start++;
  while (end > start && (text.charCodeAt(end - 1) === 32 || text.charCodeAt(end - 1) === 9)) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

export interface HeadLimits {
  /** Most header fields in one head. */
  maxHeaders: number;
}

/**
 * The header fields of `head` from `from` (the start of the first field line) to its end (`head` ends
 * with the last field line's CRLF, without the empty line), into `out`.
 */
function parseFields(head: string, from: number, limits: HeadLimits, out: HeaderList): void {
  let position = from;
  while (position < head.length) {
    const lineEnd = head.indexOf("\r\n", position);
    if (lineEnd < 0) throw new HeadError(400, "a header line does not end with CRLF");
    const first = head.charCodeAt(position);
    if (first === 32 || first === 9) throw new HeadError(400, "a header line is folded (obs-fold is not accepted)");
    const colon = head.indexOf(":", position);
    if (colon < 0 || colon > lineEnd)
      throw new HeadError(400, `a header line has no colon: ${head.slice(position, lineEnd)}`);
    const raw = head.slice(position, colon);
    const name = headerName(raw);
    if (name === undefined) throw new HeadError(400, `invalid header name ${JSON.stringify(raw)}`);
    const value = trimOws(head.slice(colon + 1, lineEnd));
    if (!isFieldValue(value)) throw new HeadError(400, `the value of header ${name} holds a control character`);
    if (out.length >= limits.maxHeaders * 2) throw new HeadError(431, `more than ${limits.maxHeaders} header fields`);
    out.push(name, value);
    position = lineEnd + 2;
  }
}

/** Whether a comma-separated header value lists `token` (case-insensitively). */
export function listsToken(value: string, token: string): boolean {
  if (value.length === token.length) return value.toLowerCase() === token;
  for (const item of value.split(",")) if (trimOws(item).toLowerCase() === token) return true;
  return false;
}

/** What the framing headers and Connection of a head say. */
interface FramingFields {
  contentLength: string | undefined;
  transferEncoding: string | undefined;
  connection: string | undefined;
  hosts: number;
  expect: string | undefined;
}

function framingFields(headers: HeaderList): FramingFields {
  const fields: FramingFields = {
    contentLength: undefined,
    transferEncoding: undefined,
    connection: undefined,
    hosts: 0,
    expect: undefined,
  };
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!;
    const value = headers[i + 1]!;
    if (name === "content-length") {
      if (fields.contentLength !== undefined && fields.contentLength !== value)
        throw new HeadError(400, "two different Content-Length headers");
      fields.contentLength = value;
    } else if (name === "transfer-encoding") {
      fields.transferEncoding = fields.transferEncoding === undefined ? value : `${fields.transferEncoding}, ${value}`;
    } else if (name === "connection") {
      fields.connection = fields.connection === undefined ? value : `${fields.connection}, ${value}`;
    } else if (name === "host") {
      fields.hosts++;
    } else if (name === "expect") {
      fields.expect = value;
    }
  }
  return fields;
}

const MAX_LENGTH_DIGITS = 15;

function framingOf(fields: FramingFields, otherwise: Framing): Framing {
  const { contentLength, transferEncoding } = fields;
  if (transferEncoding !== undefined) {
    if (contentLength !== undefined)
      throw new HeadError(400, "both Transfer-Encoding and Content-Length are set (a request smuggling pattern)");
    const codings = transferEncoding.split(",").map((coding) => trimOws(coding).toLowerCase());
    if (codings.length !== 1 || codings[0] !== "chunked")
      throw new HeadError(501, `transfer coding "${transferEncoding}" is not supported (only chunked)`);
    return { kind: "chunked" };
  }
  if (contentLength !== undefined) {
    if (contentLength.length === 0 || contentLength.length > MAX_LENGTH_DIGITS || !/^\d+$/.test(contentLength))
      throw new HeadError(400, `invalid Content-Length ${JSON.stringify(contentLength)}`);
    const length = Number(contentLength);
    return length === 0 ? NO_BODY : { kind: "length", length };
  }
  return otherwise;
}

function versionOf(text: string): 0 | 1 | undefined {
  if (text === "HTTP/1.1") return 1;
  if (text === "HTTP/1.0") return 0;
  return undefined;
}

function keepAliveOf(minor: 0 | 1, connection: string | undefined): boolean {
  if (connection === undefined) return minor === 1;
  if (listsToken(connection, "close")) return false;
  return minor === 1 || listsToken(connection, "keep-alive");
}

/** Parses a request head: `head` is everything before the empty line, with the last line's CRLF. */
export function parseRequestHead(head: string, limits: HeadLimits): RequestHead {
  const lineEnd = head.indexOf("\r\n");
  if (lineEnd < 0) throw new HeadError(400, "the request line does not end with CRLF");
  const firstSpace = head.indexOf(" ");
  const secondSpace = firstSpace < 0 ? -1 : head.indexOf(" ", firstSpace + 1);
  if (firstSpace < 0 || secondSpace < 0 || secondSpace > lineEnd)
    throw new HeadError(400, `malformed request line ${JSON.stringify(head.slice(0, lineEnd))}`);
  const method = head.slice(0, firstSpace);
  const target = head.slice(firstSpace + 1, secondSpace);
  const versionText = head.slice(secondSpace + 1, lineEnd);
  if (!isToken(method)) throw new HeadError(400, `invalid method ${JSON.stringify(method)}`);
  if (!isTarget(target)) throw new HeadError(400, `invalid request target ${JSON.stringify(target)}`);
  const minor = versionOf(versionText);
  if (minor === undefined) {
    if (/^HTTP\/\d\.\d$/.test(versionText)) throw new HeadError(505, `${versionText} is not supported`);
    throw new HeadError(400, `malformed HTTP version ${JSON.stringify(versionText)}`);
  }
  const headers: HeaderList = [];
  parseFields(head, lineEnd + 2, limits, headers);
  const fields = framingFields(headers);
  if (minor === 1 && fields.hosts !== 1)
    throw new HeadError(
      400,
      fields.hosts === 0 ? "an HTTP/1.1 request needs a Host header" : "more than one Host header",
    );
  let expectContinue = false;
  if (fields.expect !== undefined) {
    if (fields.expect.toLowerCase() !== "100-continue")
      throw new HeadError(417, `unsupported expectation ${JSON.stringify(fields.expect)}`);
    expectContinue = minor === 1;
  }
  return {
    method,
    target,
    minor,
    headers,
    framing: framingOf(fields, NO_BODY),
    keepAlive: keepAliveOf(minor, fields.connection),
    expectContinue,
  };
}

/** Parses a response head: `head` is everything before the empty line, with the last line's CRLF. */
export function parseResponseHead(head: string, limits: HeadLimits): ResponseHead {
  const lineEnd = head.indexOf("\r\n");
  if (lineEnd < 12 || head.charCodeAt(8) !== 32)
    throw new HeadError(400, `malformed status line ${JSON.stringify(head.slice(0, Math.max(lineEnd, 0)))}`);
  const minor = versionOf(head.slice(0, 8));
  if (minor === undefined) throw new HeadError(400, `unsupported version in ${JSON.stringify(head.slice(0, lineEnd))}`);
  const statusText = head.slice(9, 12);
  const status = Number(statusText);
  if (!/^[1-9]\d\d$/.test(statusText) || (lineEnd > 12 && head.charCodeAt(12) !== 32))
    throw new HeadError(400, `malformed status code in ${JSON.stringify(head.slice(0, lineEnd))}`);
  const headers: HeaderList = [];
  parseFields(head, lineEnd + 2, limits, headers);
  const fields = framingFields(headers);
  const framing = framingOf(fields, { kind: "close" });
  return {
    status,
    reason: lineEnd > 13 ? head.slice(13, lineEnd) : "",
    minor,
    headers,
    framing,
    keepAlive: framing.kind !== "close" && keepAliveOf(minor, fields.connection),
  };
}

/**
 * The last head parsed on one connection, by its text. A keep-alive connection often carries the same
 * head again and again — a client polling one URL, an upstream answering one endpoint (whose head changes
 * with its Date header once a second) — and the same text parses to the same head, so it is parsed once
 * and shared. Shared, it is frozen: nobody can change one message's head under another's feet.
 */
export class LastHead<H extends { headers: HeaderList; framing: Framing }> {
  private text = "";
  private head: H | undefined;
  private readonly parse: (text: string) => H;

  constructor(parse: (text: string) => H) {
    this.parse = parse;
  }

  /** The head `text` parses to; throws (a HeadError) as the parser does, remembering nothing then. */
  of(text: string): H {
    if (this.head !== undefined && text === this.text) return this.head;
    const head = this.parse(text);
    Object.freeze(head.headers);
    Object.freeze(head.framing);
    this.text = text;
    this.head = Object.freeze(head);
    return head;
  }
}

/** Statuses whose responses never have a body, whatever their headers say (RFC 9110 §6.4.1). */
export function statusHasNoBody(status: number): boolean {
  return status < 200 || status === 204 || status === 304;
}
