/**
 * What an observed service did, in order: the events its preload (preload.js) reports, and the questions
 * tests ask of them. The events are facts reported by the kit's wrapper around the file and HTTP layers of
 * the service's process; a test checks their order, and cross-checks them with what it sees itself.
 */

export type FileOperationKind = "write" | "sync" | "close" | "rename" | "truncate";

interface Stamped {
  /** Position in the process's total order of events. */
  seq: number;
  /** Milliseconds since the process started (for people reading a failure; tests compare seq). */
  t: number;
}

export interface FileEvent extends Stamped {
  kind: FileOperationKind;
  phase: "start" | "end" | "error";
  /** Pairs an operation's start with its end. */
  id: number;
  path: string;
  bytes?: number;
  /** The written bytes, base64 (cut to the preload's data limit when `cut`). */
  data?: string;
  cut?: boolean;
  /** A rename's destination. */
  to?: string;
  error?: string;
}

export interface RequestEvent extends Stamped {
  kind: "request";
  id: number;
  method: string;
  url: string;
}

export interface ReplyEvent extends Stamped {
  kind: "reply";
  /** The request's id. */
  id: number;
  method: string;
  url: string;
  status: number;
}

export interface MemoryEvent extends Stamped {
  kind: "memory";
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

export interface OtherEvent extends Stamped {
  kind: "observing" | "server-close";
}

export type ObservedEvent = FileEvent | RequestEvent | ReplyEvent | MemoryEvent | OtherEvent;

/** One file operation, its start and end paired. */
export interface FileOperation {
  id: number;
  kind: FileOperationKind;
  path: string;
  start: number;
  /** Seq of its end, undefined while it runs (or if the process died first). */
  end: number | undefined;
  error: string | undefined;
  data: Buffer | undefined;
  to: string | undefined;
}

const FILE_KINDS = new Set<string>(["write", "sync", "close", "rename", "truncate"]);

/** Events as they stream in from an observed process, with the questions tests ask of them. */
export class Observation {
  readonly events: ObservedEvent[] = [];
  #partial = "";
  #waiters = new Set<() => void>();

  /** Takes a chunk of the event stream (JSON lines). */
  feed(chunk: Buffer | string): void {
    const lines = (this.#partial + chunk.toString()).split("\n");
    this.#partial = lines.pop() ?? "";
    for (const line of lines) {
      if (line.trim() === "") continue;
      try {
        this.events.push(JSON.parse(line) as ObservedEvent);
      } catch {
        throw new Error(`the observed process reported a line that is not an event: ${line.slice(0, 200)}`);
      }
    }
    for (const wake of this.#waiters) wake();
  }

  /** File operations, optionally of one kind and on files whose path ends with `file`. */
  operations(filter: { kind?: FileOperationKind; file?: string } = {}): FileOperation[] {
    const byId = new Map<number, FileOperation>();
    for (const event of this.events) {
      if (!FILE_KINDS.has(event.kind)) continue;
      const file = event as FileEvent;
      if (file.phase === "start") {
        byId.set(file.id, {
          id: file.id,
          kind: file.kind,
          path: file.path,
          start: file.seq,
          end: undefined,
          error: undefined,
          data: file.data === undefined ? undefined : Buffer.from(file.data, "base64"),
          to: file.to,
        });
      } else {
        const operation = byId.get(file.id);
        if (operation) Object.assign(operation, { end: file.seq, error: file.error });
      }
    }
    return [...byId.values()].filter(
      (operation) =>
        (filter.kind === undefined || operation.kind === filter.kind) &&
        (filter.file === undefined || operation.path === filter.file || operation.path.endsWith(`/${filter.file}`)),
    );
  }

  replies(filter: (reply: ReplyEvent) => boolean = () => true): ReplyEvent[] {
    return this.events.filter((event): event is ReplyEvent => event.kind === "reply" && filter(event));
  }

  requests(filter: (request: RequestEvent) => boolean = () => true): RequestEvent[] {
    return this.events.filter((event): event is RequestEvent => event.kind === "request" && filter(event));
  }

  memory(): MemoryEvent[] {
    return this.events.filter((event): event is MemoryEvent => event.kind === "memory");
  }

  /** Waits until an event satisfies `predicate`; the error says what was awaited and what was seen. */
  async waitFor(
    predicate: (event: ObservedEvent) => boolean,
    what: string,
    timeoutMs = 15_000,
  ): Promise<ObservedEvent> {
    let found: ObservedEvent | undefined;
    await this.until(() => (found = this.events.find(predicate)) !== undefined, what, timeoutMs);
    return found!;
  }

  /** Waits until `condition` holds of the events seen so far (checked again at each new event). */
  async until(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      const left = deadline - Date.now();
      if (left <= 0) {
        const last = this.events.slice(-5).map((event) => JSON.stringify(event).slice(0, 160));
        throw new Error(`waited ${timeoutMs} ms for ${what}; the last events were:\n  ${last.join("\n  ")}`);
      }
      await new Promise<void>((resolve) => {
        const wake = () => (this.#waiters.delete(wake), clearTimeout(timer), resolve());
        const timer = setTimeout(wake, Math.min(left, 250));
        this.#waiters.add(wake);
      });
    }
  }
}

/** The first completed write to `file` whose bytes contain `text`. */
export function firstWriteContaining(observation: Observation, file: string, text: string): FileOperation | undefined {
  return observation
    .operations({ kind: "write", file })
    .find((write) => write.end !== undefined && write.error === undefined && write.data?.includes(text));
}

/**
 * The sync of the written file that started after the write had returned and returned before `beforeSeq`:
 * the one that makes the write durable before whatever happened at `beforeSeq` (an acknowledgement).
 */
export function coveringSync(
  observation: Observation,
  write: FileOperation,
  beforeSeq: number,
): FileOperation | undefined {
  return observation
    .operations({ kind: "sync", file: write.path })
    .find(
      (sync) =>
        write.end !== undefined &&
        sync.start > write.end &&
        sync.end !== undefined &&
        sync.end < beforeSeq &&
        sync.error === undefined,
    );
}

/** Operations on `file` that had started and not yet returned when event `seq` happened. */
export function inFlightAt(observation: Observation, file: string, seq: number): FileOperation[] {
  return observation
    .operations({ file })
    .filter((operation) => operation.start < seq && (operation.end === undefined || operation.end > seq));
}
