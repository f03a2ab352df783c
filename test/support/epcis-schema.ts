import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS; its default export arrives wrapped depending on the loader.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: Ajv) => Ajv;

let validate: ValidateFunction | undefined;

/** GS1's EPCIS 2.0 JSON Schema (fixtures/epcis, copied from gs1/EPCIS with its source note). */
export function epcisValidator(): ValidateFunction {
  if (!validate) {
    const schema = JSON.parse(readFileSync(new URL('../../fixtures/epcis/EPCIS-JSON-Schema.json', import.meta.url), 'utf8')) as object;
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    validate = ajv.compile(schema);
  }
  return validate;
}
