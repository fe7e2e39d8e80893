/**
 * README example: serve a DevHub to pages. The loop (startDevLoop) is what publishes in `ocikit dev`;
 * here a console line is published by hand, and a page's messages are collected.
 */
import { type ClientMessage, DevHub, type DevServer, startDevServer } from "@ocikit/dev-server";

export async function serveHub(
  port = 0,
): Promise<{ server: DevServer; hub: DevHub; received: ClientMessage[] }> {
  const hub = new DevHub({ files: ["linuxkit.yml"] });
  const server = await startDevServer({ hub, port }); // 127.0.0.1, a random token
  const received: ClientMessage[] = [];
  hub.onClientMessage((message) => received.push(message)); // input, rebuild, reboot, stop
  hub.publish({ type: "console", data: Buffer.from("login: ").toString("base64") });
  return { server, hub, received }; // open server.url; later: await server.close()
}
