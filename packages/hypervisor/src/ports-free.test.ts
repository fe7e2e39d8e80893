import { createSocket, type Socket } from "node:dgram";
import { type AddressInfo, createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { checkPortsFree } from "./ports-free.js";
import type { Publish } from "./types.js";

const open: Array<Server | Socket> = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

async function tcpListener(host = "127.0.0.1"): Promise<number> {
  const server = createServer();
  open.push(server);
  await new Promise<void>((resolve) => server.listen({ host, port: 0 }, resolve));
  return (server.address() as AddressInfo).port;
}

async function udpSocket(): Promise<number> {
  const socket = createSocket("udp4");
  open.push(socket);
  await new Promise<void>((resolve) => socket.bind({ address: "127.0.0.1", port: 0 }, resolve));
  return socket.address().port;
}

/** A port that was free a moment ago (bound and released). */
async function freePort(): Promise<number> {
  const port = await tcpListener();
  open.pop()?.close();
  return port;
}

function tcp(hostPort: number, hostAddress = "127.0.0.1"): Publish {
  return { hostAddress, hostPort, guestPort: 22, protocol: "tcp" };
}

describe("checkPortsFree", () => {
  it("passes for free ports and releases them", async () => {
    const port = await freePort();
    await checkPortsFree([tcp(port), { ...tcp(port), protocol: "udp" }]);
    // Released: we can bind it ourselves afterwards.
    await checkPortsFree([tcp(port)]);
    await checkPortsFree([]);
  });

  it("reports a TCP port another program listens on (HV_PORT_IN_USE)", async () => {
    const port = await tcpListener();
    const error = await checkPortsFree([tcp(port)]).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "HV_PORT_IN_USE" });
    expect((error as Error).message).toBe(
      `port ${port} on 127.0.0.1 is already in use (by another VM?); choose another with --publish`,
    );
  });

  it("reports a taken UDP port", async () => {
    const port = await udpSocket();
    await expect(checkPortsFree([{ ...tcp(port), protocol: "udp" }])).rejects.toMatchObject({
      code: "HV_PORT_IN_USE",
      message: expect.stringContaining(`udp port ${port} on 127.0.0.1`),
    });
  });

  it("reports the same port published twice", async () => {
    const port = await freePort();
    await expect(checkPortsFree([tcp(port), tcp(port)])).rejects.toMatchObject({ code: "HV_PORT_IN_USE" });
  });

  it("reports an address this machine does not have (HV_BAD_OPTION)", async () => {
    // TEST-NET-1 (RFC 5737) is never assigned to a host.
    await expect(checkPortsFree([tcp(await freePort(), "192.0.2.1")])).rejects.toMatchObject({
      code: "HV_BAD_OPTION",
      message: expect.stringContaining("EADDRNOTAVAIL"),
    });
  });
});
