/**
 * The header: the watched files, the VM's state, the Rebuild / Reboot / Stop buttons and the
 * connection indicator.
 */
import type { ClientMessage, VmState } from "../../src/protocol.js";
import type { ConnectionStatus } from "./dev-socket.js";
import type { DevState } from "./dev-state.js";
import { h, replaceChildren } from "./element.js";
import { describeVm } from "./vm-label.js";

/** The header's elements, updated in place. */
export class HeaderView {
  readonly #files = h("span", { className: "files", testid: "files" });
  readonly #vm = h("span", { className: "badge", testid: "vm-state" });
  readonly #connection = h("button", { className: "connection", testid: "connection" });
  readonly #rebuild: HTMLButtonElement;
  readonly #reboot: HTMLButtonElement;
  readonly #stop: HTMLButtonElement;
  #status: ConnectionStatus = { state: "connecting", attempt: 0 };
  #state: DevState | undefined;

  /** Fills `container`; the buttons call `send`, the indicator `retryNow` (when waiting to reconnect). */
  constructor(container: HTMLElement, send: (message: ClientMessage) => void, retryNow: () => void) {
    const button = (label: string, type: "rebuild" | "reboot" | "stop", title: string) =>
      h("button", { testid: type, title, onClick: () => send({ type }) }, label);
    this.#rebuild = button("Rebuild", "rebuild", "Build again now, then reboot the VM");
    this.#reboot = button("Reboot", "reboot", "Restart the VM of the last good build, without building");
    this.#stop = button("Stop", "stop", "Stop the VM");
    this.#connection.addEventListener("click", retryNow);
    replaceChildren(container, [
      h("h1", {}, "ocikit dev"),
      this.#files,
      h("span", { className: "spacer" }),
      this.#vm,
      h("span", { className: "buttons" }, this.#rebuild, this.#reboot, this.#stop),
      this.#connection,
    ]);
    this.#render();
  }

  /** Shows `state`. */
  update(state: DevState): void {
    this.#state = state;
    this.#render();
  }

  /** Shows the connection's status. */
  setConnection(status: ConnectionStatus): void {
    this.#status = status;
    this.#render();
  }

  #render(): void {
    const state = this.#state;
    const online = this.#status.state === "open" && state?.ready === true;
    const vm: VmState = state?.vm ?? { state: "none" };
    this.#files.textContent = state === undefined ? "" : state.files.join("  ·  ");
    this.#files.title = state?.files.join("\n") ?? "";
    this.#vm.textContent = describeVm(vm);
    this.#vm.dataset.state = vm.state;
    this.#vm.title = vm.state === "stopped" ? vm.end.summary : "";
    const hasGoodBuild = state?.history.some((b) => b.status === "succeeded") === true || vm.state !== "none";
    this.#rebuild.disabled = !online;
    this.#reboot.disabled = !online || !hasGoodBuild;
    this.#stop.disabled = !online || (vm.state !== "booting" && vm.state !== "running");
    const { text, title } = describeConnection(this.#status);
    this.#connection.textContent = text;
    this.#connection.title = title;
    this.#connection.dataset.state = this.#status.state;
  }
}

function describeConnection(status: ConnectionStatus): { text: string; title: string } {
  switch (status.state) {
    case "open":
      return { text: "● connected", title: "Connected to ocikit dev" };
    case "connecting":
      return { text: "○ connecting…", title: "Connecting to ocikit dev" };
    case "waiting": {
      const seconds = Math.max(1, Math.ceil((status.retryAtMs - Date.now()) / 1000));
      const hint =
        status.attempt >= 5
          ? "; if ocikit dev was restarted, open the new URL it printed (the old token is no longer valid)"
          : "";
      return {
        text: `○ disconnected, retrying in ${seconds} s`,
        title: `Connection lost (attempt ${status.attempt}); click to retry now${hint}`,
      };
    }
  }
  return { text: "", title: "" };
}
