// Loaded with `node --import` into a service under test, before any of its modules: reports what the
// process does — writes, syncs, renames and closes of the files under its data folder, the HTTP requests
// it receives and the replies it sends, its memory — as JSON lines on an inherited file descriptor, in
// the order they happen. Optionally holds every sync for a while, so a test can see whether anything is
// acknowledged while a sync is still running. Plain JavaScript: it runs before the TypeScript loader.
//
// Settings, read once and then removed from the environment:
//   DISTLAB_OBSERVE_FD         the descriptor to write events to (required)
//   DISTLAB_OBSERVE_DIR        only files under this folder are reported (required)
//   DISTLAB_OBSERVE_HOLD_MS    each sync of such a file returns this much later than the disk did (default 0)
//   DISTLAB_OBSERVE_HOLD_FILE  "<ms>:<file name>": syncs of that file are held this long instead
//   DISTLAB_OBSERVE_MEMORY_MS  sample process.memoryUsage() this often (default: never)
//   DISTLAB_OBSERVE_DATA_LIMIT report at most this many bytes of each write's data (default 1 MiB)
//   DISTLAB_OBSERVE_FAIL_SYNC  "<n>:<file name>": the n-th sync of that file fails with EIO, without syncing
import fs from "node:fs";
import fsp from "node:fs/promises";
import http from "node:http";
import { syncBuiltinESMExports } from "node:module";
import { resolve, sep } from "node:path";
import { performance } from "node:perf_hooks";
import { setInterval, setTimeout } from "node:timers";

const SETTINGS = [
  "DISTLAB_OBSERVE_FD",
  "DISTLAB_OBSERVE_DIR",
  "DISTLAB_OBSERVE_HOLD_MS",
  "DISTLAB_OBSERVE_HOLD_FILE",
  "DISTLAB_OBSERVE_MEMORY_MS",
  "DISTLAB_OBSERVE_DATA_LIMIT",
  "DISTLAB_OBSERVE_FAIL_SYNC",
];
const settings = Object.fromEntries(SETTINGS.map((name) => [name, process.env[name]]));
for (const name of SETTINGS) delete process.env[name];

function count(name, fallback) {
  const raw = settings[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got '${raw}'`);
  return value;
}

const channel = count("DISTLAB_OBSERVE_FD", undefined);
if (channel === undefined || !settings.DISTLAB_OBSERVE_DIR) {
  throw new Error("the observation preload needs DISTLAB_OBSERVE_FD and DISTLAB_OBSERVE_DIR");
}
const watched = resolve(settings.DISTLAB_OBSERVE_DIR);
const holdMs = count("DISTLAB_OBSERVE_HOLD_MS", 0);
const memoryEveryMs = count("DISTLAB_OBSERVE_MEMORY_MS", 0);
const dataLimit = count("DISTLAB_OBSERVE_DATA_LIMIT", 1024 * 1024);
const failSync = /^(\d+):(.+)$/.exec(settings.DISTLAB_OBSERVE_FAIL_SYNC ?? "");
if (settings.DISTLAB_OBSERVE_FAIL_SYNC && !failSync) {
  throw new Error(`DISTLAB_OBSERVE_FAIL_SYNC must be <n>:<file name>, got '${settings.DISTLAB_OBSERVE_FAIL_SYNC}'`);
}
let syncsOfFailingFile = 0;
const holdFile = /^(\d+):(.+)$/.exec(settings.DISTLAB_OBSERVE_HOLD_FILE ?? "");
if (settings.DISTLAB_OBSERVE_HOLD_FILE && !holdFile) {
  throw new Error(`DISTLAB_OBSERVE_HOLD_FILE must be <ms>:<file name>, got '${settings.DISTLAB_OBSERVE_HOLD_FILE}'`);
}

/** How long a sync of `path` is held before it returns. */
function holdFor(path) {
  return holdFile && path.endsWith(`${sep}${holdFile[2]}`) ? Number(holdFile[1]) : holdMs;
}

/** An EIO for the sync the test asked to fail, or undefined to let the sync happen. */
function injectedSyncFailure(path) {
  if (!failSync || !path.endsWith(`${sep}${failSync[2]}`)) return undefined;
  syncsOfFailingFile++;
  if (syncsOfFailingFile !== Number(failSync[1])) return undefined;
  return Object.assign(new Error(`EIO: i/o error, fdatasync '${path}'`), {
    code: "EIO",
    errno: -5,
    syscall: "fdatasync",
  });
}

// The originals, kept here before anything else can replace them.
const original = {
  writeSync: fs.writeSync,
  open: fs.open,
  openSync: fs.openSync,
  write: fs.write,
  writev: fs.writev,
  writevSync: fs.writevSync,
  fsync: fs.fsync,
  fsyncSync: fs.fsyncSync,
  fdatasync: fs.fdatasync,
  fdatasyncSync: fs.fdatasyncSync,
  close: fs.close,
  closeSync: fs.closeSync,
  rename: fs.rename,
  renameSync: fs.renameSync,
  writeFileSync: fs.writeFileSync,
  appendFileSync: fs.appendFileSync,
  promisesOpen: fsp.open,
  promisesRename: fsp.rename,
  promisesWriteFile: fsp.writeFile,
  promisesAppendFile: fsp.appendFile,
};

let seq = 0;
let nextOp = 1;
let channelOpen = true;

/** Writes one event line; a full pipe is waited out, a closed one ends the reporting. */
function emit(event) {
  if (!channelOpen) return;
  const line = Buffer.from(
    `${JSON.stringify({ seq: ++seq, t: Math.round(performance.now() * 1000) / 1000, ...event })}\n`,
  );
  let offset = 0;
  while (offset < line.length) {
    try {
      offset += original.writeSync.call(fs, channel, line, offset, line.length - offset);
    } catch (error) {
      if (error.code !== "EAGAIN") {
        channelOpen = false;
        return;
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
}

const pathOfFd = new Map();
const pathOfHandle = new WeakMap();

function watchedPath(path) {
  if (typeof path !== "string" && !(path instanceof URL) && !Buffer.isBuffer(path)) return undefined;
  const absolute = resolve(path instanceof URL ? path.pathname : String(path));
  return absolute === watched || absolute.startsWith(watched + sep) ? absolute : undefined;
}

function bytesOf(data, encoding) {
  if (typeof data === "string") return Buffer.from(data, typeof encoding === "string" ? encoding : "utf8");
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (Array.isArray(data)) return Buffer.concat(data.map((part) => bytesOf(part)));
  return Buffer.alloc(0);
}

function dataFields(bytes) {
  const shown = bytes.subarray(0, dataLimit);
  return { bytes: bytes.length, data: shown.toString("base64"), ...(shown.length < bytes.length ? { cut: true } : {}) };
}

/** Reports the start of an operation and returns what reports its end (or its error). */
function begin(op, path, fields = {}) {
  const id = nextOp++;
  emit({ kind: op, phase: "start", id, path, ...fields });
  return (error) =>
    emit({
      kind: op,
      phase: error ? "error" : "end",
      id,
      path,
      ...(error ? { error: String(error.code ?? error) } : {}),
    });
}

const held = (ms) => new Promise((done) => setTimeout(done, ms));

/** Wraps an async method so its start and end are reported; syncs are held when asked to. */
function observeAsync(op, pathOf, fieldsOf = () => ({}), hold = false) {
  return (method) =>
    async function observed(...args) {
      const path = pathOf(this, args);
      if (path === undefined) return method.apply(this, args);
      const end = begin(op, path, fieldsOf(args));
      try {
        const injected = op === "sync" ? injectedSyncFailure(path) : undefined;
        if (injected) throw injected;
        const result = await method.apply(this, args);
        if (hold && holdFor(path) > 0) await held(holdFor(path));
        end();
        return result;
      } catch (error) {
        end(error);
        throw error;
      }
    };
}

function observeSync(op, pathOf, fieldsOf = () => ({})) {
  return (method) =>
    function observed(...args) {
      const path = pathOf(this, args);
      if (path === undefined) return method.apply(this, args);
      const end = begin(op, path, fieldsOf(args));
      try {
        const injected = op === "sync" ? injectedSyncFailure(path) : undefined;
        if (injected) throw injected;
        const result = method.apply(this, args);
        end();
        return result;
      } catch (error) {
        end(error);
        throw error;
      }
    };
}

/** Wraps a callback-style function: the end is reported when its callback runs (held for syncs). */
function observeCallback(op, pathOf, fieldsOf = () => ({}), hold = false) {
  return (method) =>
    function observed(...args) {
      const path = pathOf(this, args);
      const callback = args.at(-1);
      if (path === undefined || typeof callback !== "function") return method.apply(this, args);
      const end = begin(op, path, fieldsOf(args));
      const injected = op === "sync" ? injectedSyncFailure(path) : undefined;
      if (injected) {
        process.nextTick(() => (end(injected), callback(injected)));
        return undefined;
      }
      args[args.length - 1] = (error, ...rest) => {
        const finish = () => (end(error ?? undefined), callback(error, ...rest));
        if (hold && holdFor(path) > 0 && !error) setTimeout(finish, holdFor(path));
        else finish();
      };
      return method.apply(this, args);
    };
}

const byFd = (_self, args) => pathOfFd.get(args[0]);
const byHandle = (self) => pathOfHandle.get(self);
const byPath = (_self, args) => watchedPath(args[0]);
const written = (index) => (args) =>
  dataFields(bytesOf(args[index], typeof args[index + 1] === "string" ? args[index + 1] : undefined));
const writtenAt = (index) => (args) => {
  const data = args[index];
  if (typeof data === "string") return dataFields(bytesOf(data, args[index + 2]));
  const offset = typeof args[index + 1] === "number" ? args[index + 1] : 0;
  const length = typeof args[index + 2] === "number" ? args[index + 2] : bytesOf(data).length - offset;
  return dataFields(bytesOf(data).subarray(offset, offset + length));
};

function patch(target, name, wrap) {
  target[name] = wrap(target[name]);
}

// Opening: remember which descriptor (or FileHandle) names a watched file.
fs.openSync = function openSync(path, ...rest) {
  const fd = original.openSync.call(this, path, ...rest);
  const watchedFile = watchedPath(path);
  if (watchedFile) pathOfFd.set(fd, watchedFile);
  return fd;
};
fs.open = function open(path, ...rest) {
  const callback = rest.at(-1);
  if (typeof callback !== "function") return original.open.call(this, path, ...rest);
  rest[rest.length - 1] = (error, fd) => {
    const watchedFile = watchedPath(path);
    if (!error && watchedFile) pathOfFd.set(fd, watchedFile);
    callback(error, fd);
  };
  return original.open.call(this, path, ...rest);
};
fsp.open = async function open(path, ...rest) {
  const handle = await original.promisesOpen.call(this, path, ...rest);
  const watchedFile = watchedPath(path);
  if (watchedFile) {
    pathOfHandle.set(handle, watchedFile);
    // A FileHandle's close is an own property of each handle, not a method of the prototype.
    if (Object.hasOwn(handle, "close")) handle.close = observeAsync("close", byHandle)(handle.close);
  }
  return handle;
};

// Descriptor-based calls.
patch(fs, "writeSync", observeSync("write", byFd, writtenAt(1)));
patch(fs, "write", observeCallback("write", byFd, writtenAt(1)));
patch(fs, "writevSync", observeSync("write", byFd, written(1)));
patch(fs, "writev", observeCallback("write", byFd, written(1)));
patch(fs, "fsyncSync", observeSync("sync", byFd));
patch(fs, "fdatasyncSync", observeSync("sync", byFd));
patch(fs, "fsync", observeCallback("sync", byFd, undefined, true));
patch(fs, "fdatasync", observeCallback("sync", byFd, undefined, true));
patch(fs, "closeSync", (method) => {
  const observed = observeSync("close", byFd)(method);
  return function closeSync(fd) {
    try {
      return observed.call(this, fd);
    } finally {
      pathOfFd.delete(fd);
    }
  };
});
patch(fs, "close", (method) => {
  const observed = observeCallback("close", byFd)(method);
  return function close(fd, ...rest) {
    const callback = rest.at(-1);
    if (typeof callback === "function")
      rest[rest.length - 1] = (...result) => (pathOfFd.delete(fd), callback(...result));
    return observed.call(this, fd, ...rest);
  };
});
// Path-based calls.
patch(fs, "writeFileSync", observeSync("write", byPath, written(1)));
patch(fs, "appendFileSync", observeSync("write", byPath, written(1)));
patch(
  fs,
  "renameSync",
  observeSync("rename", byPath, (args) => ({ to: watchedPath(args[1]) ?? String(args[1]) })),
);
patch(
  fs,
  "rename",
  observeCallback("rename", byPath, (args) => ({ to: watchedPath(args[1]) ?? String(args[1]) })),
);
patch(
  fsp,
  "rename",
  observeAsync("rename", byPath, (args) => ({ to: watchedPath(args[1]) ?? String(args[1]) })),
);
patch(fsp, "writeFile", observeAsync("write", byPath, written(1)));
patch(fsp, "appendFile", observeAsync("write", byPath, written(1)));

// FileHandle methods, on the prototype every handle shares.
const probe = await original.promisesOpen("/dev/null", "r");
const FileHandlePrototype = Object.getPrototypeOf(probe);
await probe.close();
patch(FileHandlePrototype, "write", observeAsync("write", byHandle, writtenAt(0)));
patch(FileHandlePrototype, "writev", observeAsync("write", byHandle, written(0)));
patch(FileHandlePrototype, "writeFile", observeAsync("write", byHandle, written(0)));
patch(FileHandlePrototype, "appendFile", observeAsync("write", byHandle, written(0)));
patch(
  FileHandlePrototype,
  "truncate",
  observeAsync("truncate", byHandle, (args) => ({ length: args[0] ?? 0 })),
);
patch(FileHandlePrototype, "sync", observeAsync("sync", byHandle, undefined, true));
patch(FileHandlePrototype, "datasync", observeAsync("sync", byHandle, undefined, true));
if (!Object.hasOwn(probe, "close")) patch(FileHandlePrototype, "close", observeAsync("close", byHandle));

// HTTP: each request as it arrives, each reply as the service ends it.
const requestIds = new WeakMap();
let nextRequest = 1;
const serverEmit = http.Server.prototype.emit;
http.Server.prototype.emit = function emitObserved(event, ...args) {
  if (event === "request") {
    const [request, response] = args;
    const id = nextRequest++;
    requestIds.set(response, { id, method: request.method, url: request.url });
    emit({ kind: "request", id, method: request.method, url: request.url });
  } else if (event === "close") {
    emit({ kind: "server-close" });
  }
  return serverEmit.call(this, event, ...args);
};
const responseEnd = http.ServerResponse.prototype.end;
http.ServerResponse.prototype.end = function endObserved(...args) {
  const request = requestIds.get(this);
  if (request) {
    requestIds.delete(this);
    emit({ kind: "reply", id: request.id, method: request.method, url: request.url, status: this.statusCode });
  }
  return responseEnd.apply(this, args);
};

if (memoryEveryMs > 0) {
  const sample = () => {
    const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
    emit({ kind: "memory", rss, heapUsed, external, arrayBuffers });
  };
  sample();
  setInterval(sample, memoryEveryMs).unref();
}

// `import { open } from "node:fs/promises"` in the service must see the wrapped functions too.
syncBuiltinESMExports();
emit({ kind: "observing", pid: process.pid, dir: watched, holdMs });
