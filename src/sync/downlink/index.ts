/** HQ → station downlink: envelope and signature (shared with HQ), checks and application, the station component. */
export {
  DOWNLINK_KINDS, SIGNATURE_DOMAIN, parseEnvelope, signedBytes, signEnvelope, verifyEnvelope, readPublicKey, readPrivateKey,
  type DownlinkAck, type DownlinkEnvelope, type DownlinkKind, type DownlinkStatusWord,
} from './envelope.js';
export { dryRunDownlink, importCatalogContent, importReturnsContent, loadRulesContent, type DryRunOptions } from './content.js';
export { handleDownlink, streamOf, type ApplyContext, type DownlinkOutcome } from './apply.js';
export { StationDownlink, type DownlinkLink, type DownlinkStatus, type StationDownlinkOptions } from './station.js';
