/**
 * A Docker Engine API stand-in on a Unix socket, for real Airflow DockerOperator runs in tests
 * (issue 10). It speaks the wire format the docker SDK (docker-py 7) expects, so the real
 * apache-airflow-providers-docker code runs unchanged against it:
 *
 * - `GET /version` (unversioned: the SDK's API version negotiation) and `GET /v1.N/_ping`;
 * - `GET /v1.N/images/json?filters={"reference":[…]}` and `GET /v1.N/images/<name>/json` (the
 *   images `images` lists exist; others are missing), `POST /v1.N/images/create` (a pull: progress
 *   as JSON lines, 404 for an unknown image);
 * - `POST /v1.N/containers/create[?name=]` (Image, Cmd, Entrypoint, Env, HostConfig, … → 201 Id),
 *   `GET /v1.N/containers/<id>/json`;
 * - `POST /v1.N/containers/<id>/attach?stream=1&stdout=1&stderr=1` with `Connection: Upgrade` /
 *   `Upgrade: tcp`: answered `101 UPGRADED`, then the container's output on the hijacked socket in
 *   Docker's multiplexed frame format (8-byte header: stream 1|2, 3 zero bytes, big-endian size)
 *   until the container exits, when the socket is closed;
 * - `POST /v1.N/containers/<id>/start` (204; the container's process starts here),
 *   `POST /v1.N/containers/<id>/wait` (blocks until exit, then `{"StatusCode": n, "Error": null}`),
 *   `GET /v1.N/containers/<id>/logs` (the frames so far), `POST …/stop` and `…/kill`,
 *   `DELETE /v1.N/containers/<id>[?force=]` (409 while running unless forced).
 *
 * Anything else answers 404 `{"message": "page not found"}` and is recorded like every call, so a
 * test sees what the client asked for. A container's process is a LOCAL process: `run` (given by
 * the test) turns the container (image, entrypoint, command, environment) into an executable,
 * arguments and the complete environment of that process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import http from 'node:http';
import type { Duplex } from 'node:stream';

/** One API call as the client made it. */
export interface DockerCall {
  method: string;
  /** The path without the `/v1.N` prefix and without the query string. */
  path: string;
  /** The API version prefix the client used (`1.47`), or null for unversioned calls. */
  apiVersion: string | null;
  query: Record<string, string>;
  /** The raw request body ('' when there was none). */
  body: string;
  /** Every request header, lower-cased names. */
  headers: Record<string, string>;
}

/** A container as created: what `run` gets to decide how to run it. */
export interface FakeContainer {
  readonly id: string;
  readonly name: string | null;
  readonly image: string;
  /** The container's entrypoint: the create call's Entrypoint, or the image's. */
  readonly entrypoint: string[];
  /** The container's command: the create call's Cmd, or the image's. */
  readonly cmd: string[];
  /** The create call's Env as a map (later duplicates win, as in Docker). */
  readonly env: Record<string, string>;
  /** The create call's body, parsed. */
  readonly config: Record<string, unknown>;
  /** Everything the process wrote, in order (stream 1 = stdout, 2 = stderr). */
  readonly output: { stream: 1 | 2; data: Buffer }[];
  exitCode: number | null;
  started: boolean;
  removed: boolean;
}

/** How the test runs a container: a local process. */
export interface LocalProcess {
  file: string;
  args: string[];
  /** The complete environment of the process. */
  env: Record<string, string>;
  cwd?: string;
}

export interface FakeImage {
  /** The image's ENTRYPOINT and CMD (used when the create call leaves them out). */
  entrypoint: string[];
  cmd: string[];
}

export interface FakeDockerEngineOptions {
  socketPath: string;
  /** Images that exist, by reference (`name:tag`). */
  images: Record<string, FakeImage>;
  /** Turns a started container into a local process. Throwing makes the start call fail (500). */
  run(container: FakeContainer): LocalProcess | Promise<LocalProcess>;
  /** The API version `/version` announces. */
  apiVersion?: string;
}

export interface FakeDockerEngine {
  /** `unix:///…/docker.sock`, the DockerOperator's docker_url. */
  readonly url: string;
  readonly calls: DockerCall[];
  readonly containers: Map<string, FakeContainer>;
  /** Calls the fake does not implement (answered 404). */
  readonly unhandled: DockerCall[];
  close(): Promise<void>;
}

const json = (response: http.ServerResponse, status: number, body: unknown) => {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Api-Version': '1.47',
  });
  response.end(text);
};

const empty = (response: http.ServerResponse, status: number) => {
  response.writeHead(status, { 'Api-Version': '1.47' });
  response.end();
};

/** One frame of Docker's multiplexed stream: [stream, 0, 0, 0, size (uint32 BE)] + payload. */
export function dockerFrame(stream: 1 | 2, data: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt8(stream, 0);
  header.writeUInt32BE(data.length, 4);
  return Buffer.concat([header, data]);
}

/** Docker's Env list (`["K=V", …]`) as a map. */
export function envListToMap(list: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(list)) return out;
  for (const item of list) {
    if (typeof item !== 'string') continue;
    const at = item.indexOf('=');
    if (at > 0) out[item.slice(0, at)] = item.slice(at + 1);
  }
  return out;
}

const stringList = (value: unknown): string[] | null => {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.map(String);
  return null;
};

interface Running {
  process: ChildProcess | null;
  /** Sockets attached with stream=1; closed when the container exits. */
  attached: Set<Duplex>;
  exited: Promise<number>;
  resolveExit: (code: number) => void;
}

export async function startFakeDockerEngine(
  options: FakeDockerEngineOptions,
): Promise<FakeDockerEngine> {
  const apiVersion = options.apiVersion ?? '1.47';
  const calls: DockerCall[] = [];
  const unhandled: DockerCall[] = [];
  const containers = new Map<string, FakeContainer>();
  const running = new Map<string, Running>();
  const sockets = new Set<Duplex>();

  const stateOf = (id: string): Running => {
    let state = running.get(id);
    if (state === undefined) {
      let resolveExit: (code: number) => void = () => {};
      const exited = new Promise<number>((resolve) => {
        resolveExit = resolve;
      });
      state = { process: null, attached: new Set(), exited, resolveExit };
      running.set(id, state);
    }
    return state;
  };

  const find = (idOrName: string): FakeContainer | undefined => {
    const direct = containers.get(idOrName);
    if (direct) return direct;
    for (const container of containers.values()) {
      if (container.name === idOrName || container.id.startsWith(idOrName)) return container;
    }
    return undefined;
  };

  const inspect = (container: FakeContainer) => {
    const state = running.get(container.id);
    const isRunning = container.started && container.exitCode === null;
    return {
      Id: container.id,
      Name: `/${container.name ?? container.id.slice(0, 12)}`,
      Image: container.image,
      Config: {
        Image: container.image,
        Entrypoint: container.entrypoint,
        Cmd: container.cmd,
        Env: Object.entries(container.env).map(([key, value]) => `${key}=${value}`),
        Tty: container.config.Tty === true,
        AttachStdout: true,
        AttachStderr: true,
      },
      HostConfig: container.config.HostConfig ?? {},
      State: {
        Status: isRunning ? 'running' : container.started ? 'exited' : 'created',
        Running: isRunning,
        ExitCode: container.exitCode ?? 0,
        Pid: state?.process?.pid ?? 0,
      },
    };
  };

  const record = (request: http.IncomingMessage, body: string): DockerCall => {
    const url = new URL(request.url ?? '/', 'http://docker');
    const match = /^\/v(\d+\.\d+)(\/.*)$/.exec(url.pathname);
    const call: DockerCall = {
      method: request.method ?? 'GET',
      path: decodeURIComponent(match ? (match[2] ?? '/') : url.pathname),
      apiVersion: match ? (match[1] ?? null) : null,
      query: Object.fromEntries(url.searchParams.entries()),
      body,
      headers: Object.fromEntries(
        Object.entries(request.headers).map(([key, value]) => [
          key,
          Array.isArray(value) ? value.join(', ') : String(value ?? ''),
        ]),
      ),
    };
    calls.push(call);
    return call;
  };

  const send = (container: FakeContainer, stream: 1 | 2, data: Buffer) => {
    container.output.push({ stream, data });
    const frame = dockerFrame(stream, data);
    for (const socket of stateOf(container.id).attached) socket.write(frame);
  };

  const start = async (container: FakeContainer) => {
    const state = stateOf(container.id);
    container.started = true;
    const local = await options.run(container);
    const child = spawn(local.file, local.args, {
      env: local.env,
      cwd: local.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    state.process = child;
    child.stdout?.on('data', (data: Buffer) => send(container, 1, data));
    child.stderr?.on('data', (data: Buffer) => send(container, 2, data));
    child.on('error', (error) => {
      send(container, 2, Buffer.from(`fake docker: cannot start the process: ${error.message}\n`));
    });
    child.on('close', (code, signal) => {
      container.exitCode = code ?? (signal ? 128 + 9 : 1);
      for (const socket of state.attached) socket.end();
      state.attached.clear();
      state.resolveExit(container.exitCode);
    });
  };

  const attach = (container: FakeContainer, socket: Duplex, query: Record<string, string>) => {
    const state = stateOf(container.id);
    if (query.logs === '1' || query.logs === 'true') {
      for (const chunk of container.output) socket.write(dockerFrame(chunk.stream, chunk.data));
    }
    if (container.exitCode !== null || query.stream === '0') socket.end();
    else {
      state.attached.add(socket);
      socket.on('close', () => state.attached.delete(socket));
    }
  };

  const handle = async (response: http.ServerResponse, call: DockerCall): Promise<void> => {
    const { method, path: route, query } = call;
    if (method === 'GET' && (route === '/_ping' || route === '/version')) {
      if (route === '/_ping') {
        response.writeHead(200, { 'Content-Type': 'text/plain', 'Api-Version': apiVersion });
        response.end('OK');
        return;
      }
      json(response, 200, {
        Version: '27.5.1',
        ApiVersion: apiVersion,
        MinAPIVersion: '1.24',
        Os: 'linux',
        Arch: 'amd64',
        KernelVersion: 'fake',
        Components: [{ Name: 'Engine', Version: '27.5.1' }],
      });
      return;
    }
    if (method === 'GET' && route === '/images/json') {
      let references: string[] = [];
      if (query.filter) references = [query.filter];
      if (query.filters) {
        const filters = JSON.parse(query.filters) as Record<string, unknown>;
        const reference = filters.reference;
        references = Array.isArray(reference)
          ? reference.map(String)
          : reference && typeof reference === 'object'
            ? Object.keys(reference)
            : [];
      }
      const names = Object.keys(options.images).filter(
        (name) => references.length === 0 || references.includes(name),
      );
      json(
        response,
        200,
        names.map((name) => ({ Id: `sha256:${name}`, RepoTags: [name], Size: 0, Created: 0 })),
      );
      return;
    }
    const imageInspect = /^\/images\/(.+)\/json$/.exec(route);
    if (method === 'GET' && imageInspect) {
      const name = imageInspect[1] ?? '';
      const image = options.images[name];
      if (!image) json(response, 404, { message: `No such image: ${name}` });
      else
        json(response, 200, {
          Id: `sha256:${name}`,
          RepoTags: [name],
          Config: { Entrypoint: image.entrypoint, Cmd: image.cmd },
        });
      return;
    }
    if (method === 'POST' && route === '/images/create') {
      const name = query.tag ? `${query.fromImage}:${query.tag}` : (query.fromImage ?? '');
      if (!options.images[name]) {
        json(response, 404, {
          message: `pull access denied for ${name}: repository does not exist`,
        });
        return;
      }
      response.writeHead(200, { 'Content-Type': 'application/json', 'Api-Version': apiVersion });
      response.write(`${JSON.stringify({ status: `Pulling from ${name}`, id: name })}\r\n`);
      response.end(`${JSON.stringify({ status: `Status: Image is up to date for ${name}` })}\r\n`);
      return;
    }
    if (method === 'POST' && route === '/containers/create') {
      const config = JSON.parse(call.body || '{}') as Record<string, unknown>;
      const imageName = String(config.Image ?? '');
      const image = options.images[imageName];
      if (!image) {
        json(response, 404, { message: `No such image: ${imageName}` });
        return;
      }
      const id = randomBytes(32).toString('hex');
      const container: FakeContainer = {
        id,
        name: query.name ?? null,
        image: imageName,
        entrypoint: stringList(config.Entrypoint) ?? image.entrypoint,
        cmd: stringList(config.Cmd) ?? (config.Entrypoint ? [] : image.cmd),
        env: envListToMap(config.Env),
        config,
        output: [],
        exitCode: null,
        started: false,
        removed: false,
      };
      containers.set(id, container);
      json(response, 201, { Id: id, Warnings: [] });
      return;
    }
    const containerRoute = /^\/containers\/([^/]+)(\/[a-z]+)?$/.exec(route);
    const container = containerRoute ? find(containerRoute[1] ?? '') : undefined;
    if (containerRoute && (!container || container.removed)) {
      json(response, 404, { message: `No such container: ${containerRoute[1]}` });
      return;
    }
    if (container && containerRoute) {
      const action = containerRoute[2] ?? '';
      if (method === 'GET' && action === '/json') {
        json(response, 200, inspect(container));
        return;
      }
      if (method === 'POST' && action === '/start') {
        if (container.started) {
          empty(response, 304);
          return;
        }
        await start(container);
        empty(response, 204);
        return;
      }
      if (method === 'POST' && action === '/attach') {
        // Without the upgrade headers: the raw stream in the HTTP response itself.
        response.writeHead(200, { 'Content-Type': 'application/vnd.docker.raw-stream' });
        response.flushHeaders();
        attach(container, response.socket as Duplex, query);
        return;
      }
      if (method === 'POST' && action === '/wait') {
        const code = container.started
          ? await stateOf(container.id).exited
          : (container.exitCode ?? 0);
        json(response, 200, { StatusCode: code, Error: null });
        return;
      }
      if (method === 'GET' && action === '/logs') {
        const wanted = new Set<number>([
          ...(query.stdout === '1' || query.stdout === 'true' ? [1] : []),
          ...(query.stderr === '1' || query.stderr === 'true' ? [2] : []),
        ]);
        const frames = container.output
          .filter((chunk) => wanted.has(chunk.stream))
          .map((chunk) => dockerFrame(chunk.stream, chunk.data));
        const body = Buffer.concat(frames);
        response.writeHead(200, {
          'Content-Type': 'application/vnd.docker.multiplexed-stream',
          'Content-Length': body.length,
        });
        response.end(body);
        return;
      }
      if (method === 'POST' && (action === '/stop' || action === '/kill')) {
        const state = running.get(container.id);
        if (!container.started || container.exitCode !== null) empty(response, 304);
        else {
          state?.process?.kill(action === '/kill' ? 'SIGKILL' : 'SIGTERM');
          empty(response, 204);
        }
        return;
      }
      if (method === 'DELETE' && action === '') {
        const force = query.force === 'True' || query.force === 'true' || query.force === '1';
        const isRunning = container.started && container.exitCode === null;
        if (isRunning && !force) {
          json(response, 409, {
            message: `cannot remove container ${container.id}: container is running: stop the container before removing or force remove`,
          });
          return;
        }
        if (isRunning) running.get(container.id)?.process?.kill('SIGKILL');
        container.removed = true;
        empty(response, 204);
        return;
      }
    }
    unhandled.push(call);
    json(response, 404, { message: 'page not found' });
  };

  const readBody = (request: http.IncomingMessage): Promise<string> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      request.on('error', reject);
    });

  const server = http.createServer((request, response) => {
    readBody(request)
      .then((body) => handle(response, record(request, body)))
      .catch((error: unknown) => {
        if (!response.headersSent) {
          json(response, 500, { message: `fake docker: ${String(error)}` });
        } else response.destroy();
      });
  });
  // `attach` with `Connection: Upgrade` / `Upgrade: tcp`: Docker hijacks the connection.
  server.on('upgrade', (request: http.IncomingMessage, socket: Duplex) => {
    const call = record(request, '');
    const match = /^\/containers\/([^/]+)\/attach$/.exec(call.path);
    const container = match ? find(match[1] ?? '') : undefined;
    if (call.method !== 'POST' || !container) {
      unhandled.push(call);
      socket.end(
        'HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 28\r\n\r\n{"message":"page not found"}',
      );
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.write(
      'HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n',
    );
    attach(container, socket, call.query);
  });

  rmSync(options.socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.socketPath, () => resolve());
  });

  return {
    url: `unix://${options.socketPath}`,
    calls,
    containers,
    unhandled,
    async close() {
      for (const state of running.values()) state.process?.kill('SIGKILL');
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(options.socketPath, { force: true });
    },
  };
}
