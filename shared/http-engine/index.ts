/**
 * @distlab/kit/http-engine — an HTTP/1.1 server and upstream connection pool written on node:net, for
 * programs whose whole job is moving HTTP messages (Lab 09's gateway): strict parsing, keep-alive,
 * pipelining, Content-Length and chunked bodies streamed, and nothing else per request — no Readable or
 * Writable streams, no header objects built unless asked for. See README.md for why it exists.
 */
export { BodyReader, type BodySink } from "./body.ts";
export {
  HeadError,
  parseRequestHead,
  parseResponseHead,
  statusHasNoBody,
  type Framing,
  type HeaderList,
  type RequestHead,
  type ResponseHead,
} from "./head.ts";
export { Http1Pool, type PoolOptions } from "./pool.ts";
export { IncomingRequest } from "./request.ts";
export { OutgoingResponse, type OutgoingHeaders } from "./response.ts";
export { createServer, Http1Server, type RequestHandler, type ServerOptions } from "./server.ts";
export { UpstreamError, type UpstreamCall, type UpstreamHandler, type UpstreamRequest } from "./upstream.ts";
