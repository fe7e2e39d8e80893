/**
 * Where the built page is: `page-dist/` beside this package's `src/` and `dist/` (vite builds it
 * there, `pnpm build`), or `page/` beside a bundle that inlines this module (the CLI's bundle copies
 * the page to `apps/cli/dist/page/`).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The directory holding the built page's `index.html`, or undefined when it is not built (the server
 * then serves a placeholder that says so).
 * @example
 * const server = await startDevServer({ hub, staticDir: devPageDir() });
 */
export function devPageDir(): string | undefined {
  for (const candidate of ["./page/", "../page-dist/"]) {
    const dir = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(join(dir, "index.html"))) return dir;
  }
  return undefined;
}
