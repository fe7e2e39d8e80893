/**
 * A minimal WebSocket client for the tests (RFC 6455): Node 20 has no global WebSocket and `ws` is not
 * a dependency of ours. Text frames only, unfragmented (what the server sends); client frames masked.
 * Also `rawGet`, an HTTP GET whose path is sent as written (fetch normalises "/../" and "%2e%2e").
 */
import { randomBytes } from "node:crypto";
import { request } from "node:http";
import type { Socket } from "node:net";

/** An open test socket: received text frames in order, and a way to send and close. */
export interface TestSocket {
  /** The next text frame, parsed as JSON; rejects after `timeoutMs` (default 2000). */
  next(timeoutMs?: number): Promise<unknown>;
  send(text: string): void;
  /** Resolves when the server closes the TCP connection. */
  readonly ended: Promise<void>;
  close(): void;
}

/** Either the socket, or the HTTP status with which the upgrade was refused. */
export type UpgradeResult = { ok: true; socket: TestSocket } | { ok: false; status: number };

/** Opens `ws://host:port/path` with extra headers (Origin, Host, Cookie…). */
export function openWebSocket(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<UpgradeResult> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: "127.0.0.1",
      port,
      path,
      headers: {
        Connection: "Upgrade",
        Upgrade: "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": randomBytes(16).toString("base64"),
        ...headers,
      },
    });
    req.on("upgrade", (_res, socket, head) => resolve({ ok: true, socket: wrap(socket, head) }));
    req.on("response", (res) => {
      res.resume();
      resolve({ ok: false, status: res.statusCode ?? 0 });
    });
    req.on("error", reject);
    req.end();
  });
}

function wrap(socket: Socket, head: Buffer): TestSocket {
  let buffer = Buffer.from(head);
  const frames: string[] = [];
  const waiters: ((text: string) => void)[] = [];
  const ended = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  const parse = () => {
    for (;;) {
      if (buffer.length < 2) return;
      const opcode = buffer[0]! & 0x0f;
      let length = buffer[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (buffer.length < 4) return;
        length = buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (buffer.length < 10) return;
        length = Number(buffer.readBigUInt64BE(2));
        offset = 10;
      }
      if (buffer.length < offset + length) return;
      const payload = buffer.subarray(offset, offset + length);
      buffer = buffer.subarray(offset + length);
      if (opcode !== 1) continue; // close, ping, pong: the tests watch `ended` instead
      const text = payload.toString("utf8");
      const waiter = waiters.shift();
      if (waiter) waiter(text);
      else frames.push(text);
    }
  };
  socket.on("data", (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    parse();
  });
  parse();
  return {
    next(timeoutMs = 2000) {
      const queued = frames.shift();
      if (queued !== undefined) return Promise.resolve(JSON.parse(queued));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no frame within ${timeoutMs} ms`)), timeoutMs);
        waiters.push((text) => {
          clearTimeout(timer);
          resolve(JSON.parse(text));
        });
      });
    },
    send(text) {
      const payload = Buffer.from(text, "utf8");
      const mask = randomBytes(4);
      const header =
        payload.length < 126
          ? Buffer.from([0x81, 0x80 | payload.length])
          : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
      const masked = Buffer.alloc(payload.length);
      for (let i = 0; i < payload.length; i++) masked[i] = payload[i]! ^ mask[i % 4]!;
      socket.write(Buffer.concat([header, mask, masked]));
    },
    ended,
    close() {
      socket.destroy();
    },
  };
}

/** GET `path` exactly as written, with extra headers; resolves status, headers and body text. */
export function rawGet(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}
