import { expect, it } from "vitest";
import { sizedBody } from "./sized-body.js";

const entry = (size: number, ...chunks: number[]) => ({
  size,
  async *body() {
    for (const n of chunks) yield new Uint8Array(n);
  },
});
const collect = async (sized: ReturnType<typeof entry>) => {
  const sizes: number[] = [];
  for await (const chunk of sizedBody(sized, (got) => new Error(`got ${got}`))) sizes.push(chunk.length);
  return sizes;
};

it("passes a body of exactly the declared size through", async () => {
  expect(await collect(entry(5, 2, 3))).toEqual([2, 3]);
});

it("fails before yielding the chunk that passes the size, and at the end of a short body", async () => {
  await expect(collect(entry(4, 2, 3))).rejects.toThrow("got more than 4");
  await expect(collect(entry(6, 2, 3))).rejects.toThrow("got 5");
});
