/**
 * Two incremental snapshots of one disk for the update rows: a sparse older one, and a newer one
 * in which about 1 % of the disk changed — new data written into holes, data overwritten with
 * other bytes, data rewritten with the same bytes, pages cleared. The change log is what the
 * service would track (a rewrite with the same bytes counts as updated); the storage proxy lists
 * it (snapshotDiff.trackedDiff). In Azurite the newer blob is a Copy Blob of the older one (which
 * shares its data) with the changes written on top, so the pair costs the older's data once.
 */
import * as crypto from 'node:crypto';
import { BlobSASPermissions, generateBlobSASQueryParameters, type ContainerClient, type PageBlobClient, type StorageSharedKeyCredential } from '@azure/storage-blob';
import { mergeRanges, subtractRanges, type ByteRange } from '../../src/blob/ranges';
import type { TrackedChange } from '../sandbox/snapshotDiff';
import { BlobModel, rng, sparseModel } from './blobModel';

const KiB = 1024;
const MiB = 1024 * KiB;
const UNIT = 64 * KiB;
const PUT = 4 * MiB;

export type ChangeKind = 'new' | 'overwritten' | 'same' | 'cleared';

/** Shares of the changed bytes, by kind. */
const SHARES: Record<ChangeKind, number> = { new: 0.5, overwritten: 0.25, same: 0.1, cleared: 0.15 };

/** The newer snapshot's bytes: the older's pattern where it keeps data or got new data, another pattern where overwritten. */
class Newer {
    constructor(readonly base: BlobModel, private readonly overlay: BlobModel, private readonly overwritten: ByteRange[]) {}

    get size(): number { return this.base.size; }
    get ranges(): ByteRange[] { return this.base.ranges; }

    slices(start: number, end: number): Buffer[] {
        const out: Buffer[] = [];
        let pos = start;
        for (const o of this.overwritten) {
            if (o.end <= pos) continue;
            if (o.start >= end) break;
            if (pos < o.start) out.push(...this.base.slices(pos, o.start));
            const stop = Math.min(end, o.end);
            out.push(...this.overlay.slices(Math.max(pos, o.start), stop));
            pos = stop;
        }
        if (pos < end) out.push(...this.base.slices(pos, end));
        return out;
    }

    sha256(): string {
        const h = crypto.createHash('sha256');
        for (let p = 0; p < this.size; p += 64 * MiB) for (const s of this.slices(p, Math.min(this.size, p + 64 * MiB))) h.update(s);
        return h.digest('hex');
    }
}

export interface SnapshotPair {
    older: BlobModel;
    newer: Newer;
    changes: { kind: ChangeKind; start: number; end: number }[];
    /** The service's diff of the pair, in offset order. */
    tracked: TrackedChange[];
    /** Bytes listed as updated (new, overwritten and rewritten the same) and as cleared. */
    updatedBytes: number;
    clearedBytes: number;
}

/** A `virtualSize` disk with `writtenFraction` of it in the older snapshot and `changedFraction` of it changed in the newer. */
export function snapshotPair(virtualSize: number, writtenFraction: number, changedFraction: number, seed = 21): SnapshotPair {
    const older = sparseModel(virtualSize, writtenFraction, Math.round((writtenFraction * virtualSize) / (12 * MiB)), seed);
    const units = virtualSize / UNIT;
    const data = new Uint8Array(units);
    for (const r of older.ranges) if (r.start < virtualSize) data.fill(1, r.start / UNIT, Math.min(units, Math.ceil(r.end / UNIT)));
    const taken = new Uint8Array(units);
    const r = rng(seed * 31337);
    const changes: SnapshotPair['changes'] = [];
    for (const kind of Object.keys(SHARES) as ChangeKind[]) {
        const want = Math.round((SHARES[kind] * changedFraction * virtualSize) / UNIT);
        let got = 0;
        for (let tries = 0; got < want && tries < 200_000; tries++) {
            const len = Math.min(want - got, 1 + Math.floor(r() * 32));
            const at = Math.floor(r() * (units - len));
            let fits = true;
            for (let u = at; u < at + len && fits; u++) fits = !taken[u] && data[u] === (kind === 'new' ? 0 : 1);
            if (!fits) continue;
            taken.fill(1, at, at + len);
            changes.push({ kind, start: at * UNIT, end: (at + len) * UNIT });
            got += len;
        }
    }
    changes.sort((a, b) => a.start - b.start);
    const of = (k: ChangeKind) => changes.filter((c) => c.kind === k).map(({ start, end }) => ({ start, end }));
    const newerRanges = mergeRanges([...subtractRanges(older.ranges, of('cleared')), ...of('new')], 0, older.size);
    const base = new BlobModel(older.size, newerRanges, seed, true);
    const overlay = new BlobModel(older.size, of('overwritten'), seed + 1, false);
    const tracked = changes.map((c): TrackedChange => ({ kind: c.kind === 'cleared' ? 'ClearRange' : 'PageRange', start: c.start, end: c.end }));
    const bytes = (k: (c: ChangeKind) => boolean) => changes.filter((c) => k(c.kind)).reduce((n, c) => n + c.end - c.start, 0);
    return { older, newer: new Newer(base, overlay, of('overwritten')), changes, tracked, updatedBytes: bytes((k) => k !== 'cleared'), clearedBytes: bytes((k) => k === 'cleared') };
}

/** Changes for the listing's own cost: `count` small ranges, updated and cleared in turn, spread over the disk. */
export function fragmentedChanges(virtualSize: number, count: number): TrackedChange[] {
    const stride = Math.floor(virtualSize / count / 4096) * 4096;
    return Array.from({ length: count }, (_, i) => ({ kind: i % 4 === 3 ? 'ClearRange' : 'PageRange', start: i * stride, end: i * stride + 4096 }));
}

/** Put Pages of `ranges` in 4 MiB pieces, a few at a time (seeding gigabytes one request after another is slow). */
async function put(c: PageBlobClient, slices: (a: number, b: number) => Buffer[], ranges: ByteRange[]): Promise<void> {
    const pieces: ByteRange[] = [];
    for (const r of ranges) for (let p = r.start; p < r.end; p += PUT) pieces.push({ start: p, end: Math.min(r.end, p + PUT) });
    let next = 0;
    const worker = async () => {
        for (let i = next++; i < pieces.length; i = next++) await c.uploadPages(Buffer.concat(slices(pieces[i].start, pieces[i].end)), pieces[i].start, pieces[i].end - pieces[i].start);
    };
    await Promise.all(Array.from({ length: 4 }, worker));
}

export function sasFor(container: ContainerClient, cred: StorageSharedKeyCredential, name: string, port?: number): string {
    const q = generateBlobSASQueryParameters({ containerName: container.containerName, blobName: name, permissions: BlobSASPermissions.parse('r'), startsOn: new Date(Date.now() - 60_000), expiresOn: new Date(Date.now() + 6 * 3600_000) }, cred);
    const u = new URL(container.getPageBlobClient(name).url);
    if (port) u.port = String(port);
    return `${u.toString()}?${q.toString()}`;
}

/**
 * Writes the pair into `container` as blobs `older` and `newer`. Returns how the newer was made:
 * a Copy Blob of the older plus the changes, or (when the emulator will not copy) written whole.
 */
export async function seedPair(container: ContainerClient, cred: StorageSharedKeyCredential, pair: SnapshotPair): Promise<'copy' | 'whole'> {
    const older = container.getPageBlobClient('older');
    await older.create(pair.older.size);
    await put(older, (a, b) => pair.older.slices(a, b), pair.older.ranges);
    const newer = container.getPageBlobClient('newer');
    try {
        const poller = await newer.beginCopyFromURL(sasFor(container, cred, 'older'));
        await poller.pollUntilDone();
        const written = pair.changes.filter((c) => c.kind !== 'cleared');
        await put(newer, (a, b) => pair.newer.slices(a, b), written);
        for (const c of pair.changes.filter((x) => x.kind === 'cleared')) await newer.clearPages(c.start, c.end - c.start);
        return 'copy';
    } catch {
        await newer.deleteIfExists();
        await newer.create(pair.newer.size);
        await put(newer, (a, b) => pair.newer.slices(a, b), pair.newer.ranges);
        return 'whole';
    }
}
