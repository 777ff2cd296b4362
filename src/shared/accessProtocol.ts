/**
 * Messages between the access panel's host side and its page. Shared by both sides; each side
 * checks every inbound message with the guards below and ignores anything that does not fit.
 * No vscode and no DOM import: the page's build and the extension's build both include this file.
 */

import { BLOB_KINDS, isBlobKind, isDiskKind, type BlobKind, type DiskKind } from './types';
import type { CheckInfo, DownloadEvent, DownloadRowState, ProgressInfo } from './downloadState';

export { BLOB_KINDS, BLOB_LABELS, isBlobKind, type BlobKind } from './types';
export type { CheckInfo, DownloadRowState, DownloadStatus, ProgressInfo } from './downloadState';

// ---- page → host ----

export type PageMessage =
    | { type: 'ready' }
    | { type: 'reveal'; blob: BlobKind }
    | { type: 'hide'; blob: BlobKind }
    | { type: 'copy'; blob: BlobKind }
    | { type: 'download'; blobs: BlobKind[] }
    | { type: 'cancelDownload'; blob: BlobKind }
    | { type: 'revoke' }
    | { type: 'grantAgain' };

// ---- host → page ----

export interface DiskSummary {
    name: string;
    kind: DiskKind;
}

export interface AccessRow {
    blob: BlobKind;
    label: string;
    /** Never the SAS itself: the signature is masked. */
    maskedUrl: string;
    present: boolean;
}

export interface StateMessage {
    type: 'state';
    /** What the page may persist to find its disk again after a reload. */
    id: PersistedPageState;
    disk: DiskSummary;
    access: 'Read' | 'Write';
    fileFormat: 'VHD' | 'VHDX';
    /** ISO 8601. */
    expiresAt: string;
    rows: AccessRow[];
    downloads: DownloadRowState[];
}

export type NoGrantReason = 'none' | 'revoked' | 'reloaded';

export type HostMessage =
    | StateMessage
    | DownloadEvent
    | { type: 'revealed'; blob: BlobKind; url: string }
    | { type: 'copied'; blob: BlobKind }
    | { type: 'revoked' }
    | { type: 'noGrant'; id: PersistedPageState; disk: DiskSummary; reason: NoGrantReason }
    | { type: 'busy'; label?: string };

/** What the page keeps in VS Code's persisted webview state: the disk's identity, never a SAS. */
export interface PersistedPageState {
    diskId: string;
    tenantId: string;
}

// ---- guards ----

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
    return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Only the listed keys may appear: a forged message with extra payload is rejected outright. */
function onlyKeys(o: Obj, allowed: readonly string[]): boolean {
    return Object.keys(o).every((k) => allowed.includes(k));
}

function isStr(v: unknown, max = 4096): v is string {
    return typeof v === 'string' && v.length <= max;
}

function isCount(v: unknown): v is number {
    return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}

function isOptional<T>(v: unknown, guard: (x: unknown) => x is T): boolean {
    return v === undefined || guard(v);
}

export function isPageMessage(m: unknown): m is PageMessage {
    if (!isObj(m) || typeof m.type !== 'string') return false;
    switch (m.type) {
        case 'ready':
        case 'revoke':
        case 'grantAgain':
            return onlyKeys(m, ['type']);
        case 'reveal':
        case 'hide':
        case 'copy':
        case 'cancelDownload':
            return onlyKeys(m, ['type', 'blob']) && isBlobKind(m.blob);
        case 'download':
            return (
                onlyKeys(m, ['type', 'blobs']) &&
                Array.isArray(m.blobs) &&
                m.blobs.length > 0 &&
                m.blobs.length <= BLOB_KINDS.length &&
                m.blobs.every(isBlobKind) &&
                new Set(m.blobs).size === m.blobs.length
            );
        default:
            return false;
    }
}

function isDiskSummary(v: unknown): v is DiskSummary {
    return isObj(v) && isStr(v.name, 200) && isDiskKind(v.kind);
}

function isProgressFields(v: Obj): boolean {
    return isCount(v.bytesDone) && isCount(v.bytesPlanned) && isCount(v.totalSize) && isCount(v.bytesPerSecond) && isOptional(v.etaSeconds, isCount);
}

function isProgressInfo(v: unknown): v is ProgressInfo {
    return isObj(v) && isProgressFields(v);
}

function isCheck(v: unknown): v is CheckInfo {
    return isObj(v) && isStr(v.name, 100) && typeof v.passed === 'boolean' && isOptional(v.detail, (x): x is string => isStr(x));
}

function isChecks(v: unknown): v is CheckInfo[] {
    return Array.isArray(v) && v.length <= 20 && v.every(isCheck);
}

function isRow(v: unknown): v is AccessRow {
    return isObj(v) && isBlobKind(v.blob) && isStr(v.label, 100) && isStr(v.maskedUrl) && typeof v.present === 'boolean';
}

function isDownloadRow(v: unknown): v is DownloadRowState {
    return (
        isObj(v) &&
        isBlobKind(v.blob) &&
        (v.status === 'running' || v.status === 'done' || v.status === 'failed' || v.status === 'cancelled') &&
        isOptional(v.progress, isProgressInfo) &&
        isOptional(v.checks, isChecks) &&
        isOptional(v.message, (x): x is string => isStr(x)) &&
        isOptional(v.fileName, (x): x is string => isStr(x, 300)) &&
        isOptional(v.resumed, isBool)
    );
}

const optStr = (x: unknown): x is string => isStr(x, 300);
function isBool(x: unknown): x is boolean {
    return typeof x === 'boolean';
}

export function isHostMessage(m: unknown): m is HostMessage {
    if (!isObj(m) || typeof m.type !== 'string') return false;
    switch (m.type) {
        case 'state':
            return (
                isPersistedPageState(m.id) &&
                isDiskSummary(m.disk) &&
                (m.access === 'Read' || m.access === 'Write') &&
                (m.fileFormat === 'VHD' || m.fileFormat === 'VHDX') &&
                isStr(m.expiresAt, 40) &&
                Number.isFinite(Date.parse(m.expiresAt)) &&
                Array.isArray(m.rows) &&
                m.rows.length <= BLOB_KINDS.length &&
                m.rows.every(isRow) &&
                Array.isArray(m.downloads) &&
                m.downloads.length <= BLOB_KINDS.length &&
                m.downloads.every(isDownloadRow)
            );
        case 'progress':
            return isBlobKind(m.blob) && isProgressFields(m);
        case 'downloadStarted':
            return isBlobKind(m.blob) && isOptional(m.fileName, optStr) && isOptional(m.resumed, isBool);
        case 'downloadDone':
            return isBlobKind(m.blob) && isChecks(m.checks) && isOptional(m.fileName, optStr);
        case 'downloadFailed':
            return isBlobKind(m.blob) && isStr(m.message) && isOptional(m.cancelled, (x): x is boolean => typeof x === 'boolean');
        case 'revealed':
            return isBlobKind(m.blob) && isStr(m.url, 8192) && /^https?:\/\//i.test(m.url);
        case 'copied':
            return isBlobKind(m.blob);
        case 'revoked':
            return true;
        case 'noGrant':
            return isPersistedPageState(m.id) && isDiskSummary(m.disk) && (m.reason === 'none' || m.reason === 'revoked' || m.reason === 'reloaded');
        case 'busy':
            return isOptional(m.label, (x): x is string => isStr(x, 200));
        default:
            return false;
    }
}

export function isPersistedPageState(v: unknown): v is PersistedPageState {
    return isObj(v) && isStr(v.diskId, 1024) && v.diskId.startsWith('/') && isStr(v.tenantId, 100);
}

/** A short description of a rejected message for logs: its type if it has a plain one, never its content. */
export function describeRejected(m: unknown): string {
    if (isObj(m) && typeof m.type === 'string' && /^[A-Za-z]{1,30}$/.test(m.type)) return `message of type '${m.type}'`;
    return `message (${Array.isArray(m) ? 'array' : typeof m})`;
}
