/** The result types the station consumes. */
export interface IdentityWarning {
  code: string;
  message: string;
}

export interface EpcInfo {
  /** TDS scheme (`sgtin-96`…); the EPC type (`sgtin`…) for a pure identity URI; `unknown` for a foreign header. */
  scheme: string;
  /** EPC hex from the header on, without PC word. Empty when the input was a pure identity URI. */
  hex: string;
  pureIdentityUri?: string;
  /** Tag URI with filter; for EPCs that could not be decoded, the raw URI `urn:epc:raw:<bits>.x<hex>`. */
  tagUri?: string;
  filter?: number;
  /** `decoded`; `raw` = not a GS1 scheme we decode; `invalid` = GS1 header but broken fields. */
  kind?: 'decoded' | 'raw' | 'invalid';
  /** Why a raw/invalid EPC was not decoded. */
  reason?: { code: string; message: string };
  /** The Gen2 PC word that preceded the EPC, when one was removed. */
  pcWord?: string;
}

export interface ItemIdentity {
  /** Always 14 digits. */
  gtin?: string;
  serial?: string;
  lot?: string;
  /** YYYY-MM-DD; day 00 in the data means the last day of that month. */
  expiry?: string;
  sscc?: string;
  gln?: string;
  grai?: string;
  giai?: string;
  ais?: Record<string, string>;
  /** `^` = FNC1 notation, FNC1 only where GS1 requires one. */
  elementString?: string;
  epc?: EpcInfo;
  raw: string;
  symbology?: string;
  /** `plain` is reserved: non-GS1 text is reported as error NOT_GS1 instead (see docs/identity.md). */
  source: 'gs1' | 'epc' | 'digital-link' | 'plain';
}

export type IdentifyResult =
  | { ok: true; identity: ItemIdentity; warnings: IdentityWarning[] }
  | { ok: false; error: { code: string; message: string } };
