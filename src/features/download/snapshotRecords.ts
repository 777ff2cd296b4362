/**
 * The durable record of a download made from an incremental snapshot: `<file>.snapshot.json`
 * beside the file (the engine's record: snapshot id, family, time, size, content check), so the
 * file can later be brought up to date from a newer snapshot of the same disk. The record travels
 * with the file (moved or copied together, it still says what the file holds); the extension's
 * global state only lists where records were written, so they can be found again from any window.
 * Neither holds a SAS or a token. No vscode import.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DiskInfo } from '../../shared/types';
import { readRecord, recordPath, updateJournalPath, updateState, writeRecord, type SnapshotRecord, type UpdateState } from '../../transfer/update';

/** Bytes per sampled region, and how many regions spread over the file (plus its last 512 bytes: the VHD footer). */
export const SAMPLE_BYTES = 64 * 1024;
export const SAMPLE_COUNT = 8;
/** Records listed at most (the oldest paths drop off). */
const MAX_LISTED = 200;

/** Where the regions of a file of `size` bytes lie: evenly spread, 512-aligned, and the footer. */
export function sampleRanges(size: number, count = SAMPLE_COUNT): { start: number; end: number }[] {
    if (size <= 0) return [];
    const out: { start: number; end: number }[] = [];
    const span = Math.max(0, size - SAMPLE_BYTES);
    for (let i = 0; i < count; i++) {
        const start = Math.floor((count > 1 ? (i * span) / (count - 1) : 0) / 512) * 512;
        out.push({ start, end: Math.min(size, start + SAMPLE_BYTES) });
    }
    out.push({ start: Math.max(0, size - 512), end: size });
    const seen = new Set<string>();
    return out.filter((r) => (seen.has(`${r.start}-${r.end}`) ? false : (seen.add(`${r.start}-${r.end}`), true)));
}

/**
 * The content check: MD5 of sampled regions. Cheap on any size (about 600 KiB read, holes read as
 * zeros without I/O), unlike a sha256 of a whole sparse disk; it tells "this file" from "another
 * file or a changed one", which is what an update needs before it trusts the file's past.
 */
export async function sampleContent(filePath: string, size: number): Promise<SnapshotRecord['content']> {
    const fh = await fs.promises.open(filePath, 'r');
    try {
        const samples = [];
        for (const r of sampleRanges(size)) {
            const buf = Buffer.alloc(r.end - r.start);
            const { bytesRead } = await fh.read(buf, 0, buf.length, r.start);
            samples.push({ ...r, md5: crypto.createHash('md5').update(buf.subarray(0, bytesRead)).digest('base64') });
        }
        return { samples };
    } finally {
        await fh.close();
    }
}

/** Whether the file still holds what its record says: the size and every sampled region. */
export async function contentMatches(filePath: string, record: SnapshotRecord): Promise<boolean> {
    try {
        if (fs.statSync(filePath).size !== record.size || !record.content.samples?.length) return false;
        const now = await sampleContent(filePath, record.size);
        const want = new Map(record.content.samples.map((s) => [`${s.start}-${s.end}`, s.md5]));
        const have = new Map((now.samples ?? []).map((s) => [`${s.start}-${s.end}`, s.md5]));
        return [...want].every(([k, md5]) => have.get(k) === md5);
    } catch {
        return false;
    }
}

/** What can be recorded of a snapshot: only an incremental one (it has a family) with its time. */
export function recordable(snapshot: Pick<DiskInfo, 'kind' | 'incrementalSnapshotFamilyId' | 'timeCreated'>): boolean {
    return snapshot.kind === 'snapshot' && !!snapshot.incrementalSnapshotFamilyId && snapshot.timeCreated instanceof Date && !isNaN(snapshot.timeCreated.getTime());
}

/** Writes the record of `filePath`, which now holds `snapshot` whole; undefined when the snapshot cannot be recorded. */
export async function writeSnapshotRecord(filePath: string, snapshot: DiskInfo): Promise<SnapshotRecord | undefined> {
    if (!recordable(snapshot)) {
        fs.rmSync(recordPath(filePath), { force: true });
        return undefined;
    }
    const size = fs.statSync(filePath).size;
    const record: SnapshotRecord = {
        v: 1,
        snapshotId: snapshot.id,
        familyId: snapshot.incrementalSnapshotFamilyId!,
        snapshotTime: snapshot.timeCreated!.toISOString(),
        size,
        content: await sampleContent(filePath, size),
    };
    writeRecord(filePath, record);
    return record;
}

/** A file with a record, as found: what it holds and whether an update left it between two snapshots. */
export interface RecordedDownload {
    filePath: string;
    record: SnapshotRecord;
    state: UpdateState;
}

/** The paths listed in global state (a Memento-like store), deduplicated, newest last. */
export interface PathStore {
    get<T>(key: string, fallback: T): T;
    update(key: string, value: unknown): Thenable<void> | Promise<void>;
}

export class SnapshotDownloadIndex {
    constructor(private readonly store: PathStore, private readonly key: string) {}

    paths(): string[] {
        const v = this.store.get<unknown>(this.key, []);
        return Array.isArray(v) ? v.filter((p): p is string => typeof p === 'string') : [];
    }

    async add(filePath: string): Promise<void> {
        const p = path.resolve(filePath);
        await this.store.update(this.key, [...this.paths().filter((x) => x !== p), p].slice(-MAX_LISTED));
    }

    /**
     * The files that have a record: those listed (the ones gone are dropped from the list) and
     * any `*.snapshot.json` one level under `folders` (downloads go to `<folder>/<disk>/`).
     */
    async list(folders: string[] = []): Promise<RecordedDownload[]> {
        const listed = this.paths();
        const found = new Set<string>(listed);
        for (const f of folders) for (const p of scanFolder(f)) found.add(p);
        const out: RecordedDownload[] = [];
        for (const p of found) {
            const record = readRecord(p);
            if (record && fs.existsSync(p)) out.push({ filePath: p, record, state: updateState(p) });
        }
        const live = listed.filter((p) => out.some((d) => d.filePath === p));
        if (live.length !== listed.length) await this.store.update(this.key, live);
        return out;
    }
}

const RECORD_SUFFIX = '.snapshot.json';

function scanFolder(folder: string): string[] {
    const out: string[] = [];
    const visit = (dir: string, depth: number) => {
        let entries: fs.Dirent[];
        try {
            entries = fs.readdirSync(dir, { withFileTypes: true });
        } catch {
            return;
        }
        for (const e of entries) {
            if (e.isFile() && e.name.endsWith(RECORD_SUFFIX)) out.push(path.join(dir, e.name.slice(0, -RECORD_SUFFIX.length)));
            else if (e.isDirectory() && depth > 0) visit(path.join(dir, e.name), depth - 1);
        }
    };
    visit(folder, 1);
    return out;
}

/**
 * After a download of a disk blob finished: the file is whole, so an update it was partway through
 * is over, and its record says what it holds now (none when it is not an incremental snapshot's VHD).
 */
export async function settleDownloadedFile(index: SnapshotDownloadIndex, filePath: string, snapshot: DiskInfo | undefined, fileFormat: 'VHD' | 'VHDX'): Promise<SnapshotRecord | undefined> {
    fs.rmSync(updateJournalPath(filePath), { force: true });
    if (!snapshot || fileFormat !== 'VHD' || !recordable(snapshot)) {
        fs.rmSync(recordPath(filePath), { force: true });
        return undefined;
    }
    const record = await writeSnapshotRecord(filePath, snapshot);
    if (record) await index.add(filePath);
    return record;
}
