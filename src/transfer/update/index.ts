/** Bringing a download up to date from a newer snapshot: the plan and its durable record. */
export { updateInPlace, downloadChanges, updateState, updateJournalPath, changeListPath } from './update';
export type { UpdateOptions, UpdateResult, UpdateProgress, UpdateCheck, UpdateTuning, UpdateState, DownloadChangesOptions, DownloadChangesResult, ChangeList } from './types';
export { readRecord, writeRecord, recordPath, type SnapshotRecord } from './record';
