/**
 * Runlists (mapping pairs) of non-resident attributes, and reading a non-resident stream through
 * one. Each pair is a header byte (low nibble: bytes of the run length, high nibble: bytes of the
 * LCN offset), the length, and the LCN as a signed offset from the previous run's LCN; an offset of
 * zero bytes is a sparse run (zeros, nothing on disk); a zero header ends the list.
 */
import { BlockDevice, DiskFormatError, MAX_READ } from '../types';
import { Attribute } from './record';

export interface Run {
    vcn: number;
    /** First cluster on the volume, or -1 for a sparse run. */
    lcn: number;
    length: number;
}

/** Decodes one attribute piece's runlist, checking every run lies inside a volume of `totalClusters`. */
export function decodeRunlist(attr: Attribute, totalClusters: number, what: string): Run[] {
    const bytes = attr.runlist!;
    const runs: Run[] = [];
    let vcn = attr.lowVcn;
    let lcn = 0;
    let at = 0;
    const fail = (msg: string) => new DiskFormatError(`NTFS runlist of ${what}`, msg);
    // Each pair takes at least one byte, so the attribute's length bounds the loop.
    while (at < bytes.length && bytes[at] !== 0) {
        const lenSize = bytes[at] & 0x0f;
        const offSize = bytes[at] >> 4;
        if (lenSize === 0 || lenSize > 8 || offSize > 8 || at + 1 + lenSize + offSize > bytes.length) {
            throw fail(`pair header 0x${bytes[at].toString(16)} at byte ${at} is invalid or overruns the attribute`);
        }
        let length = 0;
        for (let i = lenSize - 1; i >= 0; i--) length = length * 256 + bytes[at + 1 + i];
        let delta = 0;
        if (offSize) {
            for (let i = offSize - 1; i >= 0; i--) delta = delta * 256 + bytes[at + 1 + lenSize + i];
            // Sign-extend: the top bit of the last byte is the sign.
            if (bytes[at + lenSize + offSize] & 0x80) delta -= 2 ** (8 * offSize);
        }
        at += 1 + lenSize + offSize;
        if (!Number.isSafeInteger(length) || length <= 0 || length > totalClusters) throw fail(`run length ${length} at VCN ${vcn} is invalid`);
        if (offSize) {
            lcn += delta;
            if (!Number.isSafeInteger(lcn) || lcn < 0 || lcn + length > totalClusters) {
                throw fail(`run at VCN ${vcn} (clusters ${lcn}..${lcn + length - 1}) points outside the volume (${totalClusters} clusters)`);
            }
            runs.push({ vcn, lcn, length });
        } else {
            runs.push({ vcn, lcn: -1, length });
        }
        vcn += length;
    }
    if (vcn !== attr.highVcn + 1) throw fail(`runs cover VCNs ${attr.lowVcn}..${vcn - 1}, the attribute says ${attr.lowVcn}..${attr.highVcn}`);
    return runs;
}

/** A non-resident stream: all its pieces' runs joined in VCN order, and its sizes. */
export interface NonResident {
    runs: Run[];
    dataSize: number;
    initializedSize: number;
    compressionUnit: number;
    flags: number;
}

/** The runs of an attribute's pieces (from an attribute list) in VCN order, checking they abut. */
export function joinRuns(pieces: Attribute[], totalClusters: number, what: string): Run[] {
    const sorted = [...pieces].sort((a, b) => a.lowVcn - b.lowVcn);
    const runs: Run[] = [];
    for (const p of sorted) {
        const next = runs.length ? runs[runs.length - 1].vcn + runs[runs.length - 1].length : 0;
        if (p.lowVcn !== next) throw new DiskFormatError(`NTFS runlist of ${what}`, `piece at VCN ${p.lowVcn} does not follow VCN ${next - 1}`);
        runs.push(...decodeRunlist(p, totalClusters, what));
    }
    return runs;
}

/** Joins all the pieces of one attribute into one stream, whose sizes its runs must cover. */
export function joinPieces(pieces: Attribute[], totalClusters: number, clusterSize: number, what: string): NonResident {
    const runs = joinRuns(pieces, totalClusters, what);
    // Only the piece starting at VCN 0 carries the sizes.
    const first = pieces.find((p) => p.lowVcn === 0);
    if (!first) throw new DiskFormatError(`NTFS runlist of ${what}`, 'has no piece starting at VCN 0');
    const mapped = runs.length ? (runs[runs.length - 1].vcn + runs[runs.length - 1].length) * clusterSize : 0;
    if (first.dataSize > mapped || first.initializedSize > first.dataSize) {
        throw new DiskFormatError(`NTFS runlist of ${what}`, `data size ${first.dataSize} (initialized ${first.initializedSize}) exceeds the ${mapped} bytes its runs map`);
    }
    return { runs, dataSize: first.dataSize, initializedSize: first.initializedSize, compressionUnit: first.compressionUnit, flags: first.flags };
}

/** The index of the run holding `vcn` (binary search), or -1. */
export function findRun(runs: Run[], vcn: number): number {
    let lo = 0;
    let hi = runs.length - 1;
    while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const r = runs[mid];
        if (vcn < r.vcn) hi = mid - 1;
        else if (vcn >= r.vcn + r.length) lo = mid + 1;
        else return mid;
    }
    return -1;
}

/**
 * Reads [offset, offset + length) of the clusters a runlist maps (no size clipping): sparse runs
 * are zeros and never read; each run (clusters next to each other on disk) is read at once.
 */
export async function readMapped(dev: BlockDevice, clusterSize: number, runs: Run[], offset: number, length: number, what: string): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    let pos = offset;
    const end = offset + length;
    let i = findRun(runs, Math.floor(offset / clusterSize));
    while (pos < end) {
        if (i < 0 || i >= runs.length) throw new DiskFormatError(`NTFS runlist of ${what}`, `byte ${pos} is not mapped by any run`);
        const r = runs[i];
        const runStart = r.vcn * clusterSize;
        const runEnd = runStart + r.length * clusterSize;
        const n = Math.min(end, runEnd) - pos;
        if (r.lcn >= 0) {
            const disk = r.lcn * clusterSize + (pos - runStart);
            for (let done = 0; done < n; done += MAX_READ) {
                const part = Math.min(MAX_READ, n - done);
                out.set(await dev.read(disk + done, part), pos - offset + done);
            }
        }
        pos += n;
        i++;
    }
    return out;
}
