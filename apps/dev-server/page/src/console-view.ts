/**
 * The VM's serial console: an xterm.js terminal that shows the guest's bytes and sends typed keys.
 * Bytes are written as they are (xterm decodes UTF-8 across chunks); the guest's tty does the line
 * discipline, so nothing is echoed locally.
 */
import { FitAddon } from "@xterm/addon-fit";
import { Terminal } from "@xterm/xterm";
import { encodeBinaryStringBase64, encodeUtf8Base64 } from "./base64.js";

/** The console panel's terminal. */
export class ConsoleView {
  readonly #term: Terminal;
  readonly #fit = new FitAddon();
  readonly #container: HTMLElement;

  /** Opens a terminal in `container`; `onInput` gets typed bytes, base64. */
  constructor(container: HTMLElement, onInput: (base64: string) => void) {
    this.#container = container;
    this.#term = new Terminal({
      convertEol: false,
      cursorBlink: true,
      scrollback: 5000,
      fontFamily: 'ui-monospace, "DejaVu Sans Mono", "Liberation Mono", Menlo, Consolas, monospace',
      fontSize: 13,
      theme: { background: "#0b0e14", foreground: "#d6dbe4", cursor: "#9ecbff" },
    });
    this.#term.loadAddon(this.#fit);
    this.#term.open(container);
    this.#term.onData((data) => onInput(encodeUtf8Base64(data)));
    this.#term.onBinary((data) => onInput(encodeBinaryStringBase64(data)));
    new ResizeObserver(() => this.fit()).observe(container);
    window.addEventListener("resize", () => this.fit());
    this.fit();
  }

  /** Appends guest bytes. */
  write(bytes: Uint8Array): void {
    if (bytes.length > 0) this.#term.write(bytes);
  }

  /** Clears the terminal and writes `bytes` (the console tail of a fresh `hello`). */
  reset(bytes: Uint8Array): void {
    this.#term.reset();
    this.write(bytes);
  }

  /** The buffer's text: every line, right-trimmed, joined with "\n" (what browser tests read). */
  text(): string {
    const buffer = this.#term.buffer.active;
    const lines: string[] = [];
    for (let i = 0; i < buffer.length; i++) lines.push(buffer.getLine(i)?.translateToString(true) ?? "");
    return lines.join("\n");
  }

  focus(): void {
    this.#term.focus();
  }

  /** Fits the terminal to its container (a hidden or zero-sized container is left alone). */
  fit(): void {
    if (this.#container.clientWidth === 0 || this.#container.clientHeight === 0) return;
    this.#fit.fit();
  }
}
