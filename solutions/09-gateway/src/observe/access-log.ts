/**
 * Access logs: one JSON line per request on stdout, buffered and written once per turn of the event
 * loop, so logging costs a string concatenation per request rather than a write system call.
 */
export interface AccessRecord {
  requestId: string;
  traceId: string;
  method: string;
  /** The path the client asked for. */
  path: string;
  route: string | null;
  upstream: string | null;
  /** The instance that gave the final answer, `address:port`. */
  instance: string | null;
  status: number;
  durationMs: number;
  /** Attempts made upstream (0 when the gateway answered itself). */
  attempts: number;
  client: string;
}

export class AccessLog {
  private pending = "";
  private scheduled = false;

  constructor(private readonly write: (text: string) => void = (text) => void process.stdout.write(text)) {}

  record(entry: AccessRecord): void {
    this.pending += `{"msg":"access","time":${Date.now()},${JSON.stringify(entry).slice(1)}\n`;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.scheduled = false;
    if (this.pending === "") return;
    const text = this.pending;
    this.pending = "";
    this.write(text);
  }
}
