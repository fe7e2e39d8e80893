/**
 * One vitest project per workspace package (packages/*, apps/*, tools/*), run from sources: the
 * "source" export condition resolves `@ocikit/*` imports to `src/index.ts`, so no build is needed.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { defaultServerConditions } from "vite";
import { defineConfig } from "vitest/config";

const roots = ["packages", "apps", "tools"];
const projectDirs = roots.flatMap((root) =>
  existsSync(root)
    ? readdirSync(root, { withFileTypes: true })
        .filter((d) => d.isDirectory() && existsSync(join(root, d.name, "package.json")))
        .map((d) => join(root, d.name))
    : [],
);

export default defineConfig({
  resolve: { conditions: ["source", ...defaultServerConditions] },
  ssr: { resolve: { conditions: ["source", ...defaultServerConditions] } },
  test: {
    projects: projectDirs.map((dir) => ({
      extends: true,
      test: {
        name: dir.split("/")[1],
        root: dir,
        include: ["src/**/*.test.ts", "test/**/*.test.ts"],
      },
    })),
  },
});
