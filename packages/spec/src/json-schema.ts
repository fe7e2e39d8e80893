/**
 * The JSON Schema of the YAML format, for editors (e.g. the YAML language server's
 * `# yaml-language-server: $schema=…` comment). Generated from the same zod schema the parser uses,
 * so the two cannot drift apart. Types and keys only: the semantic rules are the parser's.
 */
import { z } from "zod";
import { configFileSchema } from "./schema.js";

/** The JSON Schema (draft 2020-12) of a configuration file, as a plain object. */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configFileSchema, { target: "draft-2020-12", unrepresentable: "any" });
  return {
    ...schema,
    $id: "https://ocikit.dev/schema/config.json",
    description:
      "An ocikit / LinuxKit image configuration: kernel, init images, onboot/onshutdown/services containers, files and volumes; 2017 moby files may also have outputs and trust.",
  };
}
