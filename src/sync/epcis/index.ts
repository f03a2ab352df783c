export {
  receivingEvent, inspectingEvent, dispositionEvent, binnedEvent, whatOf, isoTime,
  type EpcisEvent, type StationPlace, type ItemKeys, type StepCommon,
} from './events.js';
export { packedEvent, handoffEvent, acknowledgedEvent, correctionEvent, toteUri, departmentUri } from './containers.js';
export { epcisDocument, writeEpcisDocument, eventsInMessage, eventsInText, DOCUMENT_OVERHEAD_BYTES, type MessageEvents } from './document.js';
export { checkEvent, type EventCheck } from './check.js';
export {
  EPCIS_CONTEXT, EPCIS_CONTEXT_URL, RS_NS, CBV_DISPOSITIONS, DISPOSITION_TO_CBV, toCbvDisposition, stableEventId,
  tzOffset, stationUri, siteUri,
} from './vocab.js';
