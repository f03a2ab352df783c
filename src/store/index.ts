export { openStationDb, type StationDb, type StationDbOptions } from './db.js';
export { SCHEMA_VERSION } from './migrations.js';
export { getItem, listItems, type ItemRecord, type ItemRow } from './items.js';
export {
  recordItem, recordEvents, appendEvents, outboxStats, withBusyRetry, StorageBusyError, SEQ_KEY, eventKey,
  type OutboxEvent, type OutboxRow, type OutboxState, type OutboxStats,
} from './outbox.js';
export {
  readWatermarks, rowsFrom, markSentThrough, confirmUpTo, rewindConfirmed, lastSeq, markBlockedOversize, blockedRows, settleConfirmed,
  purgeConfirmed, type Watermarks,
} from './delivery.js';
export {
  backupStationDb, restoreStationDb, recoverFromLatestBackup, listBackups, checkpoint, exportItemsCsv,
} from './maintenance.js';
export { StoreUpkeep, type UpkeepOptions, type UpkeepRound } from './upkeep.js';
export {
  appliedDownlink, appliedDownlinks, recordDownlinkApplied, logDownlink, downlinkLog, lastOpenRefusal, type AppliedDownlink, type DownlinkLogEntry,
} from './downlink.js';
export {
  openStationDbRecovering, restoreState, markRestored, adoptHqSequence, storeResynced, markResyncDone, resyncedCount,
  ensureRecoverySchema, checkStationDb, isCorruption, type RecoveryInfo, type RestoreState,
} from './recovery.js';
export { recordRecoveryNotice, recoveryNotice, acknowledgeRecovery, type RecoveryNotice } from './recovery-notice.js';
export {
  recordRuleActivation, ruleActivations, lastAcceptedActivation, lastActivationFrom, ruleActivationText,
  type StoredActivation, type StoredActivationError, type StoredActivationSource, type NewActivation,
} from './rule-activations.js';
export { clearInUse, inUseBy, markInUse } from './in-use.js';
