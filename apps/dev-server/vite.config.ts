/**
 * Builds the page of `ocikit dev` (page/) into page-dist/, which the dev server serves as its
 * `staticDir`. Asset URLs are relative (`base: "./"`): the server serves them from its root.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL("./page", import.meta.url)),
  base: "./",
  resolve: { conditions: ["source"] },
  build: {
    outDir: fileURLToPath(new URL("./page-dist", import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
  },
});
