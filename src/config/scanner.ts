import { z } from 'zod';
import { DEFAULT_LABEL_PATTERNS, LABEL_FORMATS, type LabelKind, type LabelPatternConfig, type LabelPatterns } from '../../devices/camera/acceptance.js';
import type { WedgeConfig } from '../../devices/scanner/wedge.js';

/**
 * `scanner` in station.yaml: how keyboard-wedge scanners type (the page decodes them) and the internal label shapes
 * the camera accepts. Every default is the decoder's built-in behaviour, so a station without these keys works as
 * before. The page receives the parsed value as UiSettings.scanner; nothing in it is secret.
 */

/**
 * A label pattern is compiled in the page for every camera read; a typo must stop the station at load with the key
 * named, not fail silently at the dock (where an uncompilable pattern would let truncated labels through, BUG-25).
 */
const regexSource = z
  .string()
  .min(1, 'is empty')
  .max(200, 'is longer than 200 characters')
  .superRefine((source, ctx) => {
    try {
      new RegExp(source, 's');
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: `not a valid regular expression (${(e as Error).message})` });
    }
  });

function labelSchema(kind: LabelKind) {
  const d: LabelPatternConfig = DEFAULT_LABEL_PATTERNS[kind];
  return z
    .object({
      pattern: regexSource.default(d.pattern),
      // Without its own `near`, a label keeps the built-in one: truncated reads of today's shape stay rejected.
      near: regexSource.default(d.near),
      formats: z.array(z.enum(LABEL_FORMATS)).min(1, 'name at least one format').default(() => [...d.formats]),
    })
    .strict()
    .default(() => ({ ...d, formats: [...d.formats] }));
}

const labelsSchema = z
  .object({ rma: labelSchema('rma'), bin: labelSchema('bin'), tote: labelSchema('tote') })
  .strict()
  .default(() => structuredClone(DEFAULT_LABEL_PATTERNS));

// Affixes are matched against what the scanner types through its layout; an empty string would match everything.
const affix = z.string().min(1, 'is empty (leave the key out instead)').max(32, 'is longer than 32 characters');

export const SCANNER_DEFAULTS: WedgeConfig & { labels: LabelPatterns } = {
  layout: 'us',
  terminator: 'auto',
  idleTimeoutMs: 100,
  minLength: 4,
  maxInterKeyMs: 30,
  labels: structuredClone(DEFAULT_LABEL_PATTERNS),
};

export const scannerSettingsSchema = z
  .object({
    // The layout keyboard-mode scanners are programmed for (not the PC's layout: BUG-13).
    layout: z.enum(['us', 'uk', 'fr', 'de']).default(SCANNER_DEFAULTS.layout),
    prefix: affix.optional(),
    suffix: affix.optional(),
    // The text a scanner types for the GS1 separator when it cannot send the control character, e.g. "{GS}" (BUG-19).
    gsReplacement: affix.optional(),
    terminator: z.enum(['auto', 'none']).default(SCANNER_DEFAULTS.terminator),
    idleTimeoutMs: z.number().int().min(20).max(2000).default(SCANNER_DEFAULTS.idleTimeoutMs),
    minLength: z.number().int().min(1).max(100).default(SCANNER_DEFAULTS.minLength),
    // Typing runs at 45-70 ms per key; a limit near that would take a fast typist's keys as a scan (BUG-16).
    maxInterKeyMs: z.number().int().min(5).max(200).default(SCANNER_DEFAULTS.maxInterKeyMs),
    labels: labelsSchema,
  })
  .strict()
  .superRefine((s, ctx) => {
    for (const k of ['prefix', 'suffix'] as const) {
      const v = s[k];
      if (v !== undefined && s.gsReplacement !== undefined && (v.includes(s.gsReplacement) || s.gsReplacement.includes(v))) {
        ctx.addIssue({ code: 'custom', path: ['gsReplacement'], message: `overlaps scanner.${k}: the separator text could not be told apart from it` });
      }
    }
  });

export type ScannerSettings = z.infer<typeof scannerSettingsSchema>;
