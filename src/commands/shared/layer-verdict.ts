// The --json verdict of a checked layer (mask --check, markup --check): the same fields in the
// same order for both, with each command's own measure (editable or drawn share) before the problems.

/** What both checkers say of a layer file. */
interface LayerVerdict {
  valid: boolean;
  format: string | null;
  width: number | null;
  height: number | null;
  hasAlpha: boolean;
  bytes: number;
  problems: readonly unknown[];
  warnings: readonly string[];
}

export function verdictDocument(file: string, v: LayerVerdict, measures: Record<string, unknown>) {
  return {
    file,
    valid: v.valid,
    format: v.format,
    width: v.width,
    height: v.height,
    has_alpha: v.hasAlpha,
    bytes: v.bytes,
    ...measures,
    problems: v.problems,
    warnings: v.warnings,
  };
}
