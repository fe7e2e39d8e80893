/**
 * The errors and warnings of @ocikit/spec. Every problem found in a YAML file is a `SpecDiagnostic`
 * that knows where it is (`file:line:col`); `SpecValidationError` carries all of a run's diagnostics
 * at once, so the user fixes them in one go rather than one per run.
 */
import { OcikitError } from "@ocikit/errors";

/** A place in a YAML file: 1-based line and column of a key or value. */
export interface SourcePos {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

/** Stable codes of the problems this package reports (never renamed or reused). */
export type SpecErrorCode =
  | "SPEC_INVALID"
  | "SPEC_YAML_SYNTAX"
  | "SPEC_EMPTY"
  | "SPEC_NOT_A_MAPPING"
  | "SPEC_UNKNOWN_KEY"
  | "SPEC_MISSING_KEY"
  | "SPEC_TYPE"
  | "SPEC_BAD_VALUE"
  | "SPEC_TEMPLATE_UNSUPPORTED"
  | "SPEC_IMAGE_REF"
  | "SPEC_NAME"
  | "SPEC_DUPLICATE_SERVICE"
  | "SPEC_VOLUME_NAME"
  | "SPEC_DUPLICATE_VOLUME"
  | "SPEC_VOLUME_NOT_FOUND"
  | "SPEC_VOLUME_READONLY"
  | "SPEC_UNKNOWN_CAPABILITY"
  | "SPEC_CAPABILITY_ALL_NONE"
  | "SPEC_RLIMIT"
  | "SPEC_MODE"
  | "SPEC_FILE_NO_PATH"
  | "SPEC_FILE_CONTENTS"
  | "SPEC_FILE_METADATA"
  | "SPEC_UNKNOWN_ID"
  | "SPEC_ID_RANGE"
  | "SPEC_BIND"
  | "SPEC_TMPFS"
  | "SPEC_MOUNT"
  | "SPEC_DEVICE"
  | "SPEC_OUTPUT_FORMAT"
  | "SPEC_LABEL_INVALID";

/** Codes of the oddities we accept but tell the user about. */
export type SpecWarningCode =
  | "SPEC_TRUST_IGNORED"
  | "SPEC_OUTPUT_FIELD_IGNORED"
  | "SPEC_MULTIPLE_DOCUMENTS"
  | "SPEC_FILE_FIELD_IGNORED"
  | "SPEC_NAME_REUSED"
  | "SPEC_ADD_IGNORED";

/** One problem in a YAML file. `message` has no position; `toString` style text is in `text`. */
export interface SpecDiagnostic {
  readonly code: SpecErrorCode;
  readonly at: SourcePos;
  readonly message: string;
}

/** Something accepted but worth telling the user, e.g. `trust:` being ignored. */
export interface SpecWarning {
  readonly code: SpecWarningCode;
  readonly message: string;
  readonly at?: SourcePos;
}

/** `file:line:col: message`, the one form every diagnostic is printed in. */
export function formatDiagnostic(d: { readonly at?: SourcePos; readonly message: string }): string {
  return d.at ? `${formatPos(d.at)}: ${d.message}` : d.message;
}

/** `file:line:col`. */
export function formatPos(at: SourcePos): string {
  return `${at.file}:${at.line}:${at.col}`;
}

/**
 * One or more YAML files are invalid. `diagnostics` lists every problem, in file order; the message
 * is one `file:line:col: …` line per diagnostic.
 */
export class SpecValidationError extends OcikitError {
  readonly diagnostics: readonly SpecDiagnostic[];
  constructor(diagnostics: readonly SpecDiagnostic[]) {
    super("SPEC_INVALID", diagnostics.map(formatDiagnostic).join("\n"));
    this.diagnostics = diagnostics;
  }
}

/**
 * A single problem found outside parsing, e.g. while applying an image's `org.mobyproject.config`
 * label or generating a container's `config.json`. `at` points at the YAML entry when known.
 */
export class SpecError extends OcikitError {
  readonly at: SourcePos | undefined;
  readonly detail: string;
  constructor(code: SpecErrorCode, detail: string, at?: SourcePos) {
    super(code, formatDiagnostic({ at, message: detail }));
    this.at = at;
    this.detail = detail;
  }
}
