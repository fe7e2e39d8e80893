/**
 * The page of `ocikit dev`: connects to the dev server's WebSocket, applies its messages to the state
 * (dev-state.ts) and renders the panels; console bytes go straight to the terminal. Rendering is
 * batched to one per animation frame, so a burst of pull progress costs one render.
 *
 * For browser tests: `window.__ocikit.consoleText()` is the terminal's text.
 */
import "@xterm/xterm/css/xterm.css";
import "./style.css";
import type { ServerMessage } from "../../src/protocol.js";
import { decodeBase64 } from "./base64.js";
import { ConsoleView } from "./console-view.js";
import { type ConnectionStatus, DevSocket, devSocketUrl } from "./dev-socket.js";
import { applyServerMessage, type DevState, initialState, latestBuild } from "./dev-state.js";
import { ExplorerView } from "./explorer-view.js";
import { HeaderView } from "./header-view.js";
import { renderHistory } from "./history-view.js";
import { LogView } from "./log-view.js";
import { renderPipeline } from "./pipeline-view.js";
import { renderProblems } from "./problems-view.js";

declare global {
  interface Window {
    /** Hooks for browser tests. */
    __ocikit?: { consoleText(): string };
  }
}

function byId(id: string): HTMLElement {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`index.html has no #${id}; the page and its HTML are out of step`);
  return element;
}

/** Builds the page in index.html's elements and connects it to the server. */
function startPage(): void {
  let state: DevState = initialState();
  let status: ConnectionStatus = { state: "connecting", attempt: 0 };
  let frame: number | undefined;

  // The terminal exists before the socket does, so no console byte can arrive before it.
  const terminal = new ConsoleView(byId("console"), (data) => socket.send({ type: "input", data }));
  const header = new HeaderView(
    byId("header"),
    (message) => socket.send(message),
    () => socket.retryNow(),
  );
  const log = new LogView(byId("log"));
  const explorer = new ExplorerView(byId("explorer"));
  window.__ocikit = { consoleText: () => terminal.text() };

  const socket = new DevSocket({
    url: devSocketUrl(window.location),
    onMessage: receive,
    onStatus: (next) => {
      status = next;
      header.setConnection(status);
    },
  });

  function receive(message: ServerMessage): void {
    // Console bytes are not state: write them now, in order with the messages around them.
    if (message.type === "console") terminal.write(decodeBase64(message.data));
    else if (message.type === "hello") terminal.reset(decodeBase64(message.console));
    state = applyServerMessage(state, message, Date.now());
    scheduleRender();
  }

  function scheduleRender(): void {
    if (frame !== undefined) return;
    frame = requestAnimationFrame(() => {
      frame = undefined;
      render();
    });
  }

  function render(): void {
    header.update(state);
    renderProblems(byId("problems"), state);
    renderPipeline(byId("pipeline"), state, Date.now());
    renderHistory(byId("history"), state);
    log.update(state.log);
    explorer.update(state.image);
  }

  // Once a second: the elapsed time of a running build and the reconnection countdown.
  setInterval(() => {
    if (latestBuild(state)?.status === "running") renderPipeline(byId("pipeline"), state, Date.now());
    if (status.state === "waiting") header.setConnection(status);
  }, 1000);

  render();
  terminal.focus();
}

startPage();
