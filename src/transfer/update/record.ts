/**
 * What a downloaded file holds, kept beside it (`<file>.snapshot.json`) so a later update knows
 * which snapshot to diff against: the snapshot's ARM id, its incremental family, when it was
 * taken, the size and a content check. Only those fields are written, and none may carry a SAS
 * or a token: the record outlives every grant and is not a secret.
 */
import * as fs from 'node:fs';

export interface SnapshotRecord {
    v: 1;
    /** ARM id of the snapshot the file holds. */
    snapshotId: string;
    /** incrementalSnapshotFamilyId: only snapshots of this family can update the file. */
    familyId: string;
    /** The snapshot's timeCreated (ISO 8601). */
    snapshotTime: string;
    size: number;
    /** sha256 of the whole file (hex), and/or MD5s (base64) of sampled ranges, half-open. */
    content: { sha256?: string; samples?: { start: number; end: number; md5: string }[] };
}

export function recordPath(filePath: string): string {
    return `${filePath}.snapshot.json`;
}

/** A value that would carry a secret: a SAS query, a signature, a bearer token (a JWT). */
function secretLike(v: string): boolean {
    return /[?&](sig|se|sv|sp)=/i.test(v) || /\bsig=/i.test(v) || /\bBearer\s/i.test(v) || /eyJ[\w-]{8,}\.[\w-]{8,}\./.test(v);
}

function pick(r: SnapshotRecord): SnapshotRecord {
    const content: SnapshotRecord['content'] = {};
    if (r.content?.sha256 !== undefined) content.sha256 = String(r.content.sha256);
    if (r.content?.samples) content.samples = r.content.samples.map((x) => ({ start: Number(x.start), end: Number(x.end), md5: String(x.md5) }));
    return { v: 1, snapshotId: String(r.snapshotId), familyId: String(r.familyId), snapshotTime: String(r.snapshotTime), size: Number(r.size), content };
}

function valid(r: SnapshotRecord): boolean {
    const strings = [r.snapshotId, r.familyId, r.snapshotTime, r.content.sha256 ?? '', ...(r.content.samples ?? []).map((x) => x.md5)];
    return r.snapshotId.startsWith('/') && r.familyId.length > 0 && Number.isFinite(Date.parse(r.snapshotTime))
        && Number.isSafeInteger(r.size) && r.size >= 0 && strings.every((x) => !secretLike(x))
        && (r.content.samples ?? []).every((x) => Number.isSafeInteger(x.start) && x.end > x.start && x.end <= r.size);
}

/** Writes the record's known fields (nothing else the object may carry); throws on a malformed record or a secret in it. */
export function writeRecord(filePath: string, record: SnapshotRecord): string {
    const r = pick(record);
    if (!valid(r)) throw new Error('The snapshot record is malformed or carries an access grant; it was not written.');
    const p = recordPath(filePath);
    const tmp = `${p}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(r, null, 1));
    fs.renameSync(tmp, p);
    return p;
}

/** The record beside `filePath`, or undefined when absent, unreadable or malformed. */
export function readRecord(filePath: string): SnapshotRecord | undefined {
    try {
        const raw = JSON.parse(fs.readFileSync(recordPath(filePath), 'utf8')) as SnapshotRecord;
        if (raw?.v !== 1 || typeof raw.snapshotId !== 'string' || typeof raw.size !== 'number' || typeof raw.content !== 'object') return undefined;
        const r = pick(raw);
        return valid(r) ? r : undefined;
    } catch {
        return undefined;
    }
}
