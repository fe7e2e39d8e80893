import { describe, expect, it } from "vitest";
import { createVmConsole, type VmConsoleSource } from "./vm-console.js";

const bytes = (text: string) => new TextEncoder().encode(text);
const decode = (chunks: readonly Uint8Array[]) => new TextDecoder().decode(Buffer.concat(chunks));

/** A console fed by the test, with a clock the test moves. */
function fixture(options: Partial<VmConsoleSource> = {}) {
  const typed: Uint8Array[] = [];
  const lines: string[] = [];
  let now = 0;
  const feed = createVmConsole({
    write: (chunk) => typed.push(chunk),
    elapsedMs: () => now,
    onLine: ({ line }) => lines.push(line),
    ...options,
  });
  return { ...feed, typed, lines, setNow: (ms: number) => (now = ms) };
}

describe("VmConsole text and lines", () => {
  it("removes carriage returns, joins partial chunks into lines and decodes UTF-8 split across chunks", () => {
    const { console, push, lines } = fixture();
    const euro = bytes("€"); // three bytes
    push(bytes("[    0.1] Linux version 6.1\r\nhal"));
    push(bytes("f a line, then "));
    push(euro.subarray(0, 1));
    push(euro.subarray(1));
    push(bytes("\r\nprompt # "));
    expect(lines).toEqual(["[    0.1] Linux version 6.1", "half a line, then €"]);
    expect(console.text()).toBe("[    0.1] Linux version 6.1\nhalf a line, then €\nprompt # ");
    expect(console.tail(9)).toBe("prompt # ");
  });

  it("keeps only the last keptChars of text and keptBytes of chunks", () => {
    const { console, push } = fixture({ keptChars: 21, keptBytes: 8 });
    for (let i = 0; i < 10; i++) push(bytes(`line ${i}\n`));
    expect(console.text()).toBe("line 7\nline 8\nline 9\n");
    const replayed: Uint8Array[] = [];
    console.subscribe((chunk) => replayed.push(chunk), { replay: true });
    expect(decode(replayed)).toBe("line 9\n");
  });
});

describe("VmConsole.subscribe and chunks", () => {
  it.each([
    ["without replay", false, "later\n"],
    ["with replay", true, "early\nlater\n"],
  ])("delivers chunks %s", (_name, replay, want) => {
    const { console, push } = fixture();
    push(bytes("early\n"));
    const got: Uint8Array[] = [];
    const unsubscribe = console.subscribe((chunk) => got.push(chunk), { replay });
    push(bytes("later\n"));
    unsubscribe();
    push(bytes("after unsubscribing\n"));
    expect(decode(got)).toBe(want);
  });

  it("iterates chunks until the VM ends", async () => {
    const { console, push, end } = fixture();
    push(bytes("one\n"));
    const collected = (async () => {
      const got: Uint8Array[] = [];
      for await (const chunk of console.chunks({ replay: true })) got.push(chunk);
      return decode(got);
    })();
    await Promise.resolve();
    push(bytes("two\n"));
    setTimeout(() => {
      push(bytes("three\n"));
      end("the guest powered off after 1 s");
    }, 10);
    expect(await collected).toBe("one\ntwo\nthree\n");
  });
});

describe("VmConsole.write", () => {
  it("sends strings and bytes to the guest, and nothing once the VM has ended", () => {
    const { console, typed, end } = fixture();
    console.write("root\n");
    console.write(bytes("ls\n"));
    end("killed");
    console.write("too late\n");
    expect(decode(typed)).toBe("root\nls\n");
    expect(console.isEnded).toBe(true);
  });
});

describe("VmConsole.waitFor", () => {
  it("finds a line already printed, with the time it arrived", async () => {
    const { console, push, setNow } = fixture();
    setNow(1200);
    push(bytes("ocikit-test: ready\n"));
    setNow(5000);
    expect(await console.waitFor(/ready$/)).toEqual({ line: "ocikit-test: ready", atMs: 1200 });
  });

  it("waits for a later complete line; a /g pattern matches regardless of earlier tests", async () => {
    const { console, push, setNow } = fixture();
    const pattern = /marker (\d+)/g;
    pattern.test("marker 0"); // leaves lastIndex > 0
    const waiting = console.waitFor(pattern);
    push(bytes("marker 4"));
    setNow(700);
    push(bytes("2 done\n"));
    expect(await waiting).toEqual({ line: "marker 42 done", atMs: 700 });
  });

  it("rejects with HV_TIMEOUT naming the pattern, the time and the console's tail", async () => {
    const { console, push } = fixture();
    push(bytes("[    1.0] Run /init as init process\n"));
    const failure = console.waitFor(/never printed/, { timeoutMs: 30 });
    await expect(failure).rejects.toMatchObject({ code: "HV_TIMEOUT" });
    await expect(failure).rejects.toThrow(/\/never printed\/ within 0 s.*\n.*Run \/init as init process/);
  });

  it("rejects when the VM ends first, saying how it ended; later calls reject at once", async () => {
    const { console, push, end } = fixture();
    const waiting = console.waitFor(/login:/);
    push(bytes("[    2.1] reboot: Power down"));
    end("the guest powered off after 2.2 s (tcg)");
    await expect(waiting).rejects.toMatchObject({ code: "HV_TIMEOUT" });
    await expect(waiting).rejects.toThrow(
      /the guest powered off after 2.2 s \(tcg\) before a line matched \/login:\//,
    );
    // The partial last line completed at the end.
    expect(await console.waitFor(/Power down/)).toMatchObject({ line: "[    2.1] reboot: Power down" });
    await expect(console.waitFor(/login:/)).rejects.toMatchObject({ code: "HV_TIMEOUT" });
  });

  it("rejects with the signal's reason when aborted", async () => {
    const { console } = fixture();
    const controller = new AbortController();
    const waiting = console.waitFor(/x/, { signal: controller.signal });
    controller.abort(new Error("user pressed ^C"));
    await expect(waiting).rejects.toThrow("user pressed ^C");
  });
});
