/** `ocikit schema`: print the JSON Schema of the YAML format, for editors' YAML language servers. */

import { configJsonSchema } from "@ocikit/spec";
import type { Command } from "commander";
import type { CliIo } from "./cli-io.js";

/** Adds `schema` to `program`. */
export function registerSchemaCommand(program: Command, io: CliIo): void {
  program
    .command("schema")
    .summary("print the JSON Schema of the YAML format")
    .description(
      "Print the JSON Schema (draft 2020-12) of ocikit's YAML format, for editors. For example, run " +
        "`ocikit schema > ocikit.schema.json` and start a YAML file with " +
        "`# yaml-language-server: $schema=./ocikit.schema.json`.",
    )
    .action(() => {
      io.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    });
}
