/**
 * Checks, before qemu starts, that every published host port can be bound: qemu's user networking
 * only warns on stderr when a `hostfwd` port is taken ("could not set up host forwarding rule") and
 * boots anyway, so a second VM on the same port would start unreachable. Each port is bound as qemu
 * will bind it (TCP listen or UDP bind, on its address, with SO_REUSEADDR as qemu sets it), all at
 * once so that two rules on one port are caught too, then released. Another program can still take
 * the port between this check and qemu's start.
 */
import { createSocket } from "node:dgram";
import { createServer } from "node:net";
import { HypervisorError } from "./errors.js";
import type { Publish } from "./types.js";

/** Something bound, to release afterwards. */
type Held = { close(): void };

/**
 * Throws unless every published port can be bound on its host address.
 * @throws HV_PORT_IN_USE when a port is taken (or published twice); HV_BAD_OPTION when it cannot be
 *   bound for another reason (an address not on this machine, a port below 1024 without root)
 * @example
 * ```ts
 * await checkPortsFree([parsePublish("2222:22")]);
 * ```
 */
export async function checkPortsFree(publish: readonly Publish[]): Promise<void> {
  const held: Held[] = [];
  try {
    for (const p of publish) held.push(await bind(p));
  } finally {
    for (const h of held) h.close();
  }
}

function bind(p: Publish): Promise<Held> {
  return new Promise((resolve, reject) => {
    const fail = (error: NodeJS.ErrnoException) => reject(bindError(p, error));
    if (p.protocol === "udp") {
      const socket = createSocket({ type: "udp4", reuseAddr: true });
      socket.once("error", (error) => {
        socket.close();
        fail(error);
      });
      socket.bind({ address: p.hostAddress, port: p.hostPort, exclusive: true }, () =>
        resolve({ close: () => socket.close() }),
      );
      return;
    }
    const server = createServer();
    server.once("error", fail);
    server.listen({ host: p.hostAddress, port: p.hostPort, exclusive: true }, () =>
      resolve({ close: () => server.close() }),
    );
  });
}

function bindError(p: Publish, error: NodeJS.ErrnoException): HypervisorError {
  const port = `${p.protocol === "udp" ? "udp " : ""}port ${p.hostPort} on ${p.hostAddress}`;
  if (error.code === "EADDRINUSE") {
    return new HypervisorError(
      "HV_PORT_IN_USE",
      `${port} is already in use (by another VM?); choose another with --publish`,
      { cause: error },
    );
  }
  return new HypervisorError(
    "HV_BAD_OPTION",
    `${port} cannot be bound (${error.code ?? error.message}); choose another port or address with --publish`,
    { cause: error },
  );
}
