/**
 * The transfer engine's public surface. Plain Node: nothing here imports vscode. Every plan here
 * (download, upload, copy) is a planner over the one blob layer in src/blob: its endpoint makes
 * every request, its session retries, re-grants and cancels.
 *
 * downloadBlob(opts) lists the blob's page ranges (whole blob for block blobs or when listing
 * fails), fetches written ranges in chunks over keep-alive connections, writes them at their
 * offsets into a sparse `<dest>.partial`, journals finished chunks in `<dest>.partial.journal`,
 * verifies (Content-Length of every range; over plain http the Content-MD5 of a sample of ranges,
 * none over https where TLS guarantees the bytes; size; VHD footer / VHDX signature) and renames.
 * Gaps between written ranges are merged into one request where requests measure costlier than
 * the bytes they skip (see download/gaps.ts).
 *
 * Hot path (what the benchmark measured): Get Page Ranges goes over the engine's own connections
 * (no SDK load), up to 32 windows at once; each response body is written as the socket delivers
 * it (socket buffers gathered into one positional writev per 512 KiB, no assembly copy, the
 * response paused when 1 MiB is queued) and MD5-hashed as a stream on the main thread; a
 * connection sends its next request while the previous chunk's last write and journal line
 * finish; the file is fdatasynced in the background every 64 MiB.
 *
 * Resume: a later call with the same destination continues from the journal when it names the
 * same blob (resumeKey, or the URL without its query plus ETag/last-modified; size always). When
 * it names another blob, or the blob changed, the call throws TransferError('BlobChanged') and
 * leaves the partial alone — unless `tuning.restartOnMismatch` is set, which starts over.
 * discardPartial(dest) deletes a partial and its journal.
 */
export { downloadBlob, discardPartial, partialPaths } from './download/index';
export { redactUrl, scrubSecrets, assertSecureUrl } from '../blob/url';
export { isLoopbackHost } from '../shared/loopback';
export { mergeRanges, chunkRanges, subtractRanges, type ByteRange } from '../blob/ranges';
export * from './core/types';
export { checkVhdFooter, checkVhdxHeader } from '../formats/footer';

/*
 * uploadImage(opts) writes a local image into a disk's page blob (Write SAS): inspectImage(path)
 * first checks the image without any network call (raw, fixed/dynamic VHD, VHDX, qcow2; size
 * 20 MiB … 32 TiB, rounded up to a MiB, + the fixed VHD footer), then only non-zero pages go out
 * as Put Page (≤ 4 MiB, Content-MD5) over keep-alive connections, journaled per window for
 * resume, the footer last, verified by Get Page Ranges and a read-back of the footer.
 * What is wrong with the image is an ImageError (code + the fix in plain words), thrown before
 * any request; what goes wrong with the blob or the network is a TransferError, as for downloads.
 */
export { uploadImage } from './upload/upload';
export type { UploadOptions, UploadResult, UploadProgress, UploadCheck, UploadTuning } from './upload/types';
export { inspectImage, openImage, MIN_DISK_BYTES, MAX_DISK_BYTES, type ImageInfo, type InspectOptions } from '../formats/inspect';
export type { BlobKind } from '../shared/types';
export { ImageError, type ImageErrorCode, type ImageFormat, type ImageReader, type Extent } from '../formats/types';
export { copyPageBlob, verifyCopy, COPY_CHUNK } from './copy/copy';
export { blobProperties, type PropertiesOptions } from '../blob/properties';
export type { CopyOptions, CopyResult, CopyProgress, CopyCheck, CopyMode, CopyTuning } from './copy/types';

/*
 * updateInPlace(opts) brings an earlier download of an incremental snapshot up to date from a
 * newer snapshot of the same disk, fetching only the ranges the service lists as changed and
 * zeroing the cleared ones; `<file>.update.journal` marks the file as between snapshots until the
 * result checks out (updateState), and lets an interrupted update resume. downloadChanges(opts)
 * writes the changed ranges as a sparse file of their own plus a JSON list.
 */
export { updateInPlace, downloadChanges, updateState, updateJournalPath, changeListPath, readRecord, writeRecord, recordPath } from './update/index';
export type { UpdateOptions, UpdateResult, UpdateProgress, UpdateCheck, UpdateTuning, UpdateState, DownloadChangesOptions, DownloadChangesResult, ChangeList, SnapshotRecord } from './update/index';
