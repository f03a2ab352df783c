export { HqIngest, type HqIngestOptions, type HqStats } from './ingest.js';
export { downlinkAckViews, type DownlinkAckView } from './acks.js';
export { parseWorkloadMetrics, workloadComparison, type HqWorkloadView } from './workload.js';
export { SqliteHqStore } from './sqlite-store.js';
export { ThreadedSqliteHqStore } from './threaded-sqlite.js';
export { PgHqStore } from './pg-store.js';
export { contiguity, type HqStore, type StationView, type HourCount, type BatchResult, type IncomingEvent, type IncomingSkip, type StationReceipt, type StationWorkloadMetrics, type StoredDownlinkAck } from './types.js';
export { startEmbeddedBroker, type EmbeddedBroker } from '../sync/broker.js';
export { buildDownlink, publishDownlink, generateDownlinkKeys, rulesPayload, catalogPayload, returnsPayload, type BuildOptions, type PublishOptions } from './downlink.js';
