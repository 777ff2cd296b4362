/**
 * After an update: the size and the image's own signature (VHD footer, VHDX header), and regions
 * of the file read back and compared with the newer snapshot: some inside what changed (where a
 * mistake would be), some spread over the whole disk (what was kept must be the newer's too).
 */
import * as crypto from 'node:crypto';
import type { BlobEndpoint } from '../../blob/http';
import { chunkRanges, mergeRanges, type ByteRange } from '../../blob/ranges';
import type { BlobSession } from '../../blob/session';
import type { OutputFile } from '../core/file';
import { verifyFile } from '../core/verify';
import type { UpdateCheck } from './types';

/** Bytes read back per sampled region. */
export const SAMPLE_BYTES = 64 * 1024;

const md5 = (b: Buffer) => crypto.createHash('md5').update(b).digest('hex');

/** Spread picks: the first, the last and evenly between. */
function spread<T>(items: T[], n: number): T[] {
    if (n <= 0 || items.length === 0) return [];
    if (items.length <= n) return items;
    const step = (items.length - 1) / Math.max(1, n - 1);
    return [...new Set(Array.from({ length: n }, (_, i) => Math.round(i * step)))].map((i) => items[i]);
}

/** Regions to read back: half in what changed, half over the whole blob (only the changes when `wholeDisk` is false). */
export function sampleRegions(changed: ByteRange[], size: number, samples: number, wholeDisk: boolean): ByteRange[] {
    const inChanges = spread(chunkRanges(changed, SAMPLE_BYTES), wholeDisk ? Math.ceil(samples / 2) : samples);
    const overall: ByteRange[] = [];
    if (wholeDisk && size > 0) {
        const n = samples - inChanges.length;
        for (let i = 0; i < n; i++) {
            const start = Math.floor((i * Math.max(0, size - SAMPLE_BYTES)) / Math.max(1, n - 1) / 512) * 512;
            overall.push({ start, end: Math.min(size, start + SAMPLE_BYTES) });
        }
    }
    return mergeRanges([...inChanges, ...overall], 0, size);
}

export interface ReadBack {
    checks: UpdateCheck[];
    bytesChecked: number;
    requests: number;
}

export async function verifyUpdate(file: OutputFile, size: number, regions: ByteRange[], newer: BlobSession, ep: BlobEndpoint, format: 'auto' | 'none'): Promise<ReadBack> {
    const checks: UpdateCheck[] = await verifyFile(file, size, format);
    let bytesChecked = 0, requests = 0;
    if (regions.length) {
        const bad: string[] = [];
        for (const r of regions) {
            const remote = await newer.withRetry('reading back a range', (u) => (requests++, ep.readRange(u, r.start, r.end, newer.signal)));
            bytesChecked += remote.length;
            const local = await file.read(r.end - r.start, r.start);
            if (md5(local) !== md5(remote)) bad.push(`${r.start}-${r.end}`);
        }
        checks.push({ name: 'sampled-md5', passed: bad.length === 0, detail: bad.length ? `the file differs from the newer snapshot at ${bad.join(', ')}` : `${regions.length} regions equal the newer snapshot's` });
    }
    return { checks, bytesChecked, requests };
}
