import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Debian's nginx, started on a temp config: one worker, no access log, as a reverse proxy with a
 * keep-alive upstream pool (the baseline), or answering a fixed body itself (the backend).
 */

export interface Nginx {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export function nginxVersion(): string | undefined {
  const result = spawnSync("nginx", ["-v"], { encoding: "utf8" });
  if (result.error) return undefined;
  return /nginx\/(\S+)/.exec(result.stderr)?.[1] ?? "unknown";
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

const FIXED_BODY = '{"ok":true,"instance":"bench"}';

/** `upstream` given: a reverse proxy to it; otherwise a server answering FIXED_BODY to everything. */
export async function startNginx(upstream?: string): Promise<Nginx> {
  const dir = await mkdtemp(join(tmpdir(), "distlab-nginx-"));
  const port = await freePort();
  const location = upstream
    ? `proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection "";`
    : `default_type application/json; return 200 '${FIXED_BODY}';`;
  const config = [
    "worker_processes 1;",
    "daemon off;",
    `pid ${dir}/nginx.pid;`,
    `error_log ${dir}/error.log warn;`,
    "events { worker_connections 4096; }",
    "http {",
    "  access_log off;",
    `  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;`,
    upstream ? `  upstream backend { server ${new URL(upstream).host}; keepalive 64; }` : "",
    `  server { listen 127.0.0.1:${port}; location / { ${location} } }`,
    "}",
  ].join("\n");
  await writeFile(join(dir, "nginx.conf"), config);
  const child: ChildProcess = spawn("nginx", ["-c", join(dir, "nginx.conf"), "-p", dir], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    child.kill("SIGQUIT");
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  for (let tries = 0; tries < 200; tries++) {
    if (child.exitCode !== null) break;
    try {
      if ((await fetch(`${url}/`, { signal: AbortSignal.timeout(500) })).status < 600)
        return { url, pid: child.pid!, stop };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  await stop();
  throw new Error(`nginx did not start:\n${stderr}`);
}
