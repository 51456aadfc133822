// The --json verdict of a checked layer (mask --check, markup --check): the same fields in the
// same order for both, with each command's own measure (editable or drawn share) before the problems.
import type { MaskVerdict } from '../../mask/check.js';

/** What both checkers say of a layer file (the mask's and the markup's verdicts share these fields). */
type LayerVerdict = Pick<MaskVerdict, 'valid' | 'format' | 'width' | 'height' | 'hasAlpha' | 'bytes' | 'warnings'> & {
  problems: readonly unknown[];
};

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
