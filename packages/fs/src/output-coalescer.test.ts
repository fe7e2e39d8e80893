import { describe, expect, it } from "vitest";
import { OutputCoalescer } from "./output-coalescer.js";

describe("OutputCoalescer", () => {
  it("gathers small pieces into full chunks and emits the rest on flush", () => {
    const out = new OutputCoalescer(8);
    const chunks = [
      ...out.add(Uint8Array.from([1, 2, 3])),
      ...out.zeros(3),
      ...out.add(Uint8Array.from([4, 5, 6, 7])),
      ...out.flush(),
    ];
    expect(chunks.map((c) => Array.from(c))).toEqual([
      [1, 2, 3, 0, 0, 0, 4, 5],
      [6, 7],
    ]);
    expect(out.written).toBe(10);
    expect(out.flush()).toEqual([]);
  });

  it("passes pieces of a chunk or more through without copying", () => {
    const out = new OutputCoalescer(4);
    const big = Uint8Array.from([9, 9, 9, 9, 9]);
    const chunks = [...out.add(Uint8Array.from([1])), ...out.add(big), ...out.flush()];
    expect(chunks.map((c) => Array.from(c))).toEqual([[1], Array.from(big)]);
    expect(chunks[1]).toBe(big);
  });

  it("never writes into a chunk it has emitted", () => {
    const out = new OutputCoalescer(4);
    const first = out.add(Uint8Array.from([1, 2, 3, 4]))[0];
    const small = [...out.add(Uint8Array.from([5])), ...out.flush()][0];
    out.add(Uint8Array.from([6, 6, 6]));
    out.zeros(1);
    expect(Array.from(first ?? [])).toEqual([1, 2, 3, 4]);
    expect(Array.from(small ?? [])).toEqual([5]);
  });
});
