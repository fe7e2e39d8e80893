import { expect, it } from "vitest";
import { serveHub } from "../examples/serve-hub.js";
import { openWebSocket } from "./ws-client.js";

it("README example: serveHub serves the hub's snapshot and takes a page's input", async () => {
  const { server, received } = await serveHub();
  try {
    const state = (await (await fetch(server.url.replace("/?", "/api/state?"))).json()) as {
      console: string;
    };
    expect(Buffer.from(state.console, "base64").toString()).toBe("login: ");
    const result = await openWebSocket(server.port, `/ws?token=${server.token}`);
    if (!result.ok) throw new Error(`upgrade refused: ${result.status}`);
    expect(await result.socket.next()).toMatchObject({ type: "hello", files: ["linuxkit.yml"] });
    result.socket.send(JSON.stringify({ type: "rebuild" }));
    await expect.poll(() => received).toEqual([{ type: "rebuild" }]);
    result.socket.close();
  } finally {
    await server.close();
  }
});
