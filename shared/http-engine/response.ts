import { STATUS_CODES } from "node:http";
import { chunkHeader, LAST_CHUNK } from "./body.ts";
import { isSendableName, isSendableValue } from "./fields.ts";
import { statusHasNoBody } from "./head.ts";
import type { IncomingRequest } from "./request.ts";

/** Header fields for writeHead: an object, or a flat [name, value, name, value, …] list. */
export type OutgoingHeaders =
  Readonly<Record<string, string | number | readonly string[] | undefined>> | readonly (string | readonly string[])[];

/** What a response needs from its connection. */
export interface ResponseConnection {
  /** Sends `data` now, or after the responses before this one (pipelining); false when the socket is full. */
  send(response: OutgoingResponse, data: Buffer | string): boolean;
  /** The response is complete; `close` says the connection ends after it. */
  finished(response: OutgoingResponse, close: boolean): void;
  /** Whether the connection will close after this response (client asked, draining, body left unread). */
  closesAfter(response: OutgoingResponse): boolean;
  destroy(): void;
}

type BodyMode = "none" | "length" | "chunked" | "undecided" | "until-close";

let cachedDate = "";
let cachedSecond = -1;

/** The Date header's value, formatted once a second (RFC 9110 §6.6.1). */
function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedDate = new Date(now).toUTCString();
  }
  return cachedDate;
}

function checkField(name: string, value: string): void {
  if (!isSendableName(name) || !isSendableValue(value))
    throw new TypeError(`header ${JSON.stringify(name)} has a forbidden character in its name or value`);
}

/** What writeHead learns from the handler's headers while it writes them out. */
interface HeadFields {
  lines: string;
  length: string | undefined;
  hasDate: boolean;
  close: boolean;
}

/** Adds one header to `fields`; the engine's own (framing, connection) are left out, noted. */
function addField(fields: HeadFields, name: string, value: string | number | readonly string[] | undefined): void {
  if (value === undefined) return;
  const lower = name.toLowerCase();
  if (lower === "transfer-encoding" || lower === "connection" || lower === "keep-alive") {
    if (lower === "connection" && /\bclose\b/i.test(String(value))) fields.close = true;
    return;
  }
  if (lower === "content-length") fields.length = String(value);
  else if (lower === "date") fields.hasDate = true;
  if (typeof value === "object") {
    for (const each of value) {
      checkField(name, each);
      fields.lines += `${name}: ${each}\r\n`;
    }
    return;
  }
  const text = typeof value === "string" ? value : String(value);
  checkField(name, text);
  fields.lines += `${name}: ${text}\r\n`;
}

/**
 * The answer to one request. `writeHead` fixes status and headers (sent with the first body bytes, in
 * one write); the engine frames the body itself: Content-Length when given or when `end(body)` comes
 * alone, chunked otherwise (HTTP/1.1), no body at all for HEAD, 1xx, 204 and 304. Transfer-Encoding and
 * Connection are the engine's: a handler's values for them are replaced.
 */
export class OutgoingResponse {
  statusCode = 200;
  /** writeHead was called (the head goes out with the first body bytes, as in node:http). */
  headersSent = false;
  /** end() was called. */
  writableEnded = false;
  private readonly connection: ResponseConnection;
  private readonly isHead: boolean;
  private readonly http10: boolean;
  private head = "";
  private mode: BodyMode = "undecided";
  private closeAfter = false;
  private closeListeners: ((completed: boolean) => void)[] = [];
  private drainListeners: (() => void)[] | undefined;
  /** close listeners ran. */
  private closed = false;

  /** The request this answers (none for the engine's own refusals). */
  readonly request: IncomingRequest | undefined;

  constructor(connection: ResponseConnection, method: string, http10: boolean, request: IncomingRequest | undefined) {
    this.connection = connection;
    this.request = request;
    this.isHead = method === "HEAD";
    this.http10 = http10;
  }

  /** Fixes the status and headers. Throws on a status outside 100–999 or a header with CR, LF or NUL. */
  writeHead(status: number, headers?: OutgoingHeaders): this {
    if (this.headersSent) throw new Error("writeHead was already called for this response");
    if (!Number.isInteger(status) || status < 100 || status > 999) throw new RangeError(`invalid status ${status}`);
    this.statusCode = status;
    const fields: HeadFields = { lines: "", length: undefined, hasDate: false, close: false };
    if (Array.isArray(headers)) {
      const list = headers as readonly (string | readonly string[])[];
      for (let i = 0; i < list.length; i += 2) addField(fields, list[i] as string, list[i + 1]);
    } else if (headers) {
      const object = headers as Readonly<Record<string, string | number | readonly string[] | undefined>>;
      for (const name in object) addField(fields, name, object[name]);
    }
    if (fields.close) this.closeAfter = true;
    const length = fields.length;
    let lines = fields.lines;
    if (!fields.hasDate) lines += `date: ${httpDate()}\r\n`;
    if (statusHasNoBody(status)) this.mode = "none";
    else if (length !== undefined) this.mode = this.isHead ? "none" : "length";
    else if (this.isHead) this.mode = "none";
    this.head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Unknown"}\r\n${lines}`;
    this.headersSent = true;
    return this;
  }

  /** Writes a piece of the body (copied: `chunk` may be reused after); false when the connection is full (wait for onceDrain). */
  write(chunk: Buffer | string): boolean {
    // The connection is gone: what is written goes nowhere (the close listeners have been told).
    if (this.closed) return true;
    if (this.writableEnded) throw new Error("write after end");
    if (!this.headersSent) this.writeHead(this.statusCode);
    const data = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    if (this.mode === "undecided") this.mode = this.http10 ? "until-close" : "chunked";
    return this.emit(data, false);
  }

  /** Ends the response, with a last piece of body if given. */
  end(chunk?: Buffer | string): void {
    if (this.writableEnded) return;
    if (!this.headersSent) this.writeHead(this.statusCode);
    const data = chunk === undefined ? undefined : typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    if (this.mode === "undecided") {
      // The whole body is known: a Content-Length, no chunking.
      this.head += `content-length: ${data?.length ?? 0}\r\n`;
      this.mode = "length";
    }
    this.writableEnded = true;
    this.emit(data, true);
    this.connection.finished(this, this.closeAfter || this.mode === "until-close");
  }

  /** Closes the connection at once (a response that cannot be completed). */
  destroy(): void {
    this.writableEnded = true;
    this.connection.destroy();
  }

  /** This response's connection closes after it (draining, or a reason of the handler's). */
  closeConnection(): void {
    this.closeAfter = true;
  }

  /** `listener(true)` once the response is complete, `listener(false)` if its connection is lost first. */
  onClose(listener: (completed: boolean) => void): void {
    if (this.closed) throw new Error("onClose after the response closed");
    this.closeListeners.push(listener);
  }

  onceDrain(listener: () => void): void {
    (this.drainListeners ??= []).push(listener);
  }

  /** Called by the connection. */
  drained(): void {
    const listeners = this.drainListeners;
    this.drainListeners = undefined;
    if (listeners) for (const listener of listeners) listener();
  }

  /** Called by the connection, once. */
  close(completed: boolean): void {
    if (this.closed) return;
    this.closed = true;
    this.writableEnded = true;
    for (const listener of this.closeListeners) listener(completed);
    this.closeListeners = [];
    // A producer waiting to write more must not wait for ever on a connection that is gone.
    if (!completed) this.drained();
  }

  /** The head (if not sent yet) and `data`, framed, in one piece. */
  private emit(data: Buffer | undefined, last: boolean): boolean {
    let head = "";
    if (this.head !== "") {
      if (this.closeAfter || this.connection.closesAfter(this) || this.mode === "until-close") {
        this.closeAfter = true;
        head = `${this.head}connection: close\r\n\r\n`;
      } else head = this.http10 ? `${this.head}connection: keep-alive\r\n\r\n` : `${this.head}\r\n`;
      if (this.mode === "chunked") head = head.slice(0, -2) + "transfer-encoding: chunked\r\n\r\n";
      this.head = "";
    }
    const body = this.mode === "none" || data === undefined || data.length === 0 ? undefined : data;
    if (this.mode === "chunked") {
      const prefix = body ? `${head}${chunkHeader(body.length)}` : head;
      const suffix = body ? (last ? `\r\n${LAST_CHUNK}` : "\r\n") : last ? LAST_CHUNK : "";
      return this.connection.send(this, join(prefix, body, suffix));
    }
    if (!body) return head === "" ? true : this.connection.send(this, head);
    // A copy either way (joined to the head, or alone): the caller may reuse its buffer once this returns.
    return this.connection.send(this, head === "" ? Buffer.from(body) : join(head, body, ""));
  }
}

/** latin1 `prefix`, `body`, latin1 `suffix` in one buffer: one write, one packet for a small answer. */
function join(prefix: string, body: Buffer | undefined, suffix: string): Buffer | string {
  if (!body) return prefix + suffix;
  const out = Buffer.allocUnsafe(prefix.length + body.length + suffix.length);
  out.write(prefix, 0, "latin1");
  body.copy(out, prefix.length);
  if (suffix) out.write(suffix, prefix.length + body.length, "latin1");
  return out;
}
