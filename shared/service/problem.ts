// RFC 9457 problem details: every error a kit service returns is one of these, as application/problem+json.

export interface FieldError {
  /** Where the bad value is, e.g. "body/value" or "params/key". */
  field: string;
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = "application/problem+json; charset=utf-8";

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  412: "Precondition Failed",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  428: "Precondition Required",
  429: "Too Many Requests",
  500: "Internal Server Error",
  501: "Not Implemented",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

export function statusTitle(status: number): string {
  return TITLES[status] ?? "Error";
}

/** An error that a handler throws to answer with a problem; the service's error handler renders it. */
export class HttpProblem extends Error {
  readonly status: number;
  readonly type: string;
  readonly errors: FieldError[] | undefined;
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    detail: string,
    options: {
      type?: string;
      errors?: FieldError[];
      extensions?: Record<string, unknown>;
      headers?: Record<string, string>;
    } = {},
  ) {
    super(detail);
    this.name = "HttpProblem";
    this.status = status;
    this.type = options.type ?? "about:blank";
    this.errors = options.errors;
    this.extensions = options.extensions ?? {};
    this.headers = options.headers ?? {};
  }

  toProblem(instance?: string): Problem {
    return {
      ...this.extensions,
      type: this.type,
      title: statusTitle(this.status),
      status: this.status,
      detail: this.message,
      ...(instance === undefined ? {} : { instance }),
      ...(this.errors === undefined ? {} : { errors: this.errors }),
    };
  }
}

/** Shorthand: `throw problem(404, "no key 'a'")`. */
export function problem(status: number, detail: string, options?: ConstructorParameters<typeof HttpProblem>[2]) {
  return new HttpProblem(status, detail, options);
}

/**
 * What a starter stub throws. Its message names the lab, the step and the handout section, so a failing
 * test sends the student to the right place; services answer it with 501 and the message as detail.
 */
export class TodoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TodoError";
  }
}

export function todo(message: string): never {
  throw new TodoError(message);
}
