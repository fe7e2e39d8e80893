/**
 * A free TCP port on 127.0.0.1, for a server a test starts (the registry) or a port a VM forwards.
 * The port is free when this returns; another process may take it before it is bound, so callers
 * that can tell retry with another.
 */
import { once } from "node:events";
import { createServer } from "node:net";

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function findFreePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  return address.port;
}
