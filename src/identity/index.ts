/**
 * Identity: "what is this item?" from any input the dock produces (barcode text, AIM-prefixed scan
 * data, bracketed GS1, Digital Link, EPC hex / URIs). Nothing here throws on bad input.
 */
export type { IdentityWarning, EpcInfo, ItemIdentity, IdentifyResult } from './types.js';
export { identify, identifyEpcHex } from './identify.js';
export { encodeEpc, encodeEpcDetailed, encodeEpcForGtin, gs1ToPureIdentityUri, pureIdentityToGs1, type EncodeResult } from './encode.js';
export { Codes, WarningCodes, type IdentityError } from './errors.js';
export { gs1CheckDigit, hasValidCheckDigit, expandUpcE, validateGs1Number, normalizeGtin, gtinShortForm, classifyGtin, type GtinClass, type Gs1NumberKind } from './check-digit.js';
export { parseAiData, separatorTail, parseBracketed, parseCaretElementString, toCaretString, toBracketed, toHri, associationWarnings, type Gs1Element, type ParsedElements } from './element-string.js';
export { parseDigitalLink, buildDigitalLink } from './digital-link.js';
export { parseScanData, generateScanData, type ScanData } from './scan-data.js';
export { interpretAi, withDecimals, type AiValue } from './interpret.js';
export { gs1Date } from './ai-lint.js';
export { AI_TABLE, type AiDef } from './ai-table.js';
export { decodeEpcHex, type EpcDecoded } from './epc/codec.js';
export { parsePureIdentityUri, parseTagUri, type EpcFields } from './epc/uri.js';
export { gen2PcWord } from './epc/pc.js';
