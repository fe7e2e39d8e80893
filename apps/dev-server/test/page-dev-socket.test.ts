import { expect, it } from "vitest";
import { devSocketUrl } from "../page/src/dev-socket.js";

it("connects to /ws of the page's own host, with the page URL's token (cookies are shared across ports)", () => {
  const token = "ab".repeat(32);
  expect(devSocketUrl({ protocol: "http:", host: "127.0.0.1:8080", search: `?token=${token}` })).toBe(
    `ws://127.0.0.1:8080/ws?token=${token}`,
  );
  expect(devSocketUrl({ protocol: "https:", host: "[::1]:9", search: "" })).toBe("wss://[::1]:9/ws");
});
