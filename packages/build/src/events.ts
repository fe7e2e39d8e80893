/**
 * What a build reports, as plain data (house style §Events): the CLI draws it, `--json` prints it,
 * the dev server forwards it to the browser.
 */
import type { PullEvent } from "@ocikit/oci";
import type { OutputFormat, SourcePos } from "@ocikit/spec";

export type BuildEvent =
  /** An image reference resolved to a manifest digest. */
  | { readonly type: "resolve"; readonly ref: string; readonly digest: string }
  /** Pull progress (resolve from cache/registry, bytes per blob, warnings), as @ocikit/oci reports it. */
  | { readonly type: "pull"; readonly event: PullEvent }
  /** A section of the root filesystem was built (or found in the section cache). */
  | {
      readonly type: "section";
      /** Its place in the initrd: the n-th compressed member after the microcode. */
      readonly index: number;
      readonly name: string;
      readonly location: string;
      /** Where its contents come from (LinuxKit's source record): an image reference, "files", … */
      readonly source: string;
      readonly cached: boolean;
      readonly entries: number;
      readonly sizeBytes: number;
      readonly ms: number;
    }
  /** An output file was written. */
  | {
      readonly type: "output";
      readonly format: OutputFormat;
      readonly path: string;
      readonly sizeBytes: number;
      readonly ms: number;
    }
  | { readonly type: "warning"; readonly code: string; readonly message: string; readonly at?: SourcePos }
  | { readonly type: "done"; readonly outputs: readonly string[]; readonly elapsedMs: number };
