/**
 * Reading the bytes of an attribute's value: resident (in the record), non-resident through its
 * runlist, or LZNT1-compressed in compression units. Past the data size nothing is returned; past
 * the initialized size everything reads as zeros without a device read.
 */
import { BlockDevice, DiskFormatError } from '../types';
import { lznt1Decompress } from './lznt1';
import { ATTR_FLAG } from './record';
import { NonResident, Run, findRun, readMapped } from './runlist';

export type StreamSource = { resident: Uint8Array } | { nonResident: NonResident };

export function streamSize(s: StreamSource): number {
    return 'resident' in s ? s.resident.length : s.nonResident.dataSize;
}

/** Up to `length` bytes from `offset`, short only at the end of the stream. */
export async function readStream(dev: BlockDevice, clusterSize: number, s: StreamSource, offset: number, length: number, what: string): Promise<Uint8Array> {
    const size = streamSize(s);
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
        throw new DiskFormatError(what, `invalid read range ${offset} + ${length}`);
    }
    const end = Math.min(size, offset + length);
    if (end <= offset) return new Uint8Array(0);
    if ('resident' in s) return new Uint8Array(s.resident.subarray(offset, end));
    const nr = s.nonResident;
    if (nr.flags & ATTR_FLAG.ENCRYPTED) throw new DiskFormatError(what, 'is encrypted (EFS) and cannot be read without the user\'s key');
    const out = new Uint8Array(end - offset);
    // Bytes past the initialized size are zeros by definition; they are never read.
    const dataEnd = Math.min(end, nr.initializedSize);
    if (dataEnd > offset) {
        const bytes = nr.flags & ATTR_FLAG.COMPRESSED
            ? await readCompressed(dev, clusterSize, nr, offset, dataEnd - offset, what)
            : await readMapped(dev, clusterSize, nr.runs, offset, dataEnd - offset, what);
        out.set(bytes, 0);
    }
    return out;
}

/** The pieces of one compression unit: how many of its clusters are on disk, and where. */
function unitRuns(runs: Run[], firstVcn: number, clusters: number): { stored: number; pieces: Run[] } {
    const pieces: Run[] = [];
    let stored = 0;
    let vcn = firstVcn;
    let i = findRun(runs, vcn);
    while (vcn < firstVcn + clusters && i >= 0 && i < runs.length) {
        const r = runs[i];
        const n = Math.min(r.vcn + r.length, firstVcn + clusters) - vcn;
        const piece = { vcn: vcn - firstVcn, lcn: r.lcn < 0 ? -1 : r.lcn + (vcn - r.vcn), length: n };
        pieces.push(piece);
        if (r.lcn >= 0) stored += n;
        vcn += n;
        i++;
    }
    return { stored, pieces };
}

/**
 * A compressed attribute is stored in units of 2^compressionUnit clusters. A unit wholly on disk
 * is stored as is; one wholly sparse is zeros; one whose clusters are followed by a sparse tail
 * holds LZNT1 data in the clusters it has.
 */
async function readCompressed(dev: BlockDevice, clusterSize: number, nr: NonResident, offset: number, length: number, what: string): Promise<Uint8Array> {
    if (nr.compressionUnit === 0 || nr.compressionUnit > 8) {
        throw new DiskFormatError(what, `compressed, but the compression unit is 2^${nr.compressionUnit} clusters`);
    }
    const unitClusters = 2 ** nr.compressionUnit;
    const unitBytes = unitClusters * clusterSize;
    if (unitBytes > 4 * 1024 * 1024) throw new DiskFormatError(what, `compression unit of ${unitBytes} bytes is too large`);
    const out = new Uint8Array(length);
    const end = offset + length;
    for (let unit = Math.floor(offset / unitBytes); unit * unitBytes < end; unit++) {
        const unitStart = unit * unitBytes;
        const { stored, pieces } = unitRuns(nr.runs, unit * unitClusters, unitClusters);
        const mapped = pieces.reduce((n, p) => n + p.length, 0);
        let data: Uint8Array;
        if (stored === 0) {
            continue;
        } else if (stored === mapped) {
            data = await readMapped(dev, clusterSize, pieces, 0, mapped * clusterSize, what);
        } else {
            // Only the clusters on disk hold the compressed stream; read just those.
            const onDisk = pieces.filter((p) => p.lcn >= 0);
            let vcn = 0;
            const packed = onDisk.map((p) => { const r = { vcn, lcn: p.lcn, length: p.length }; vcn += p.length; return r; });
            const src = await readMapped(dev, clusterSize, packed, 0, stored * clusterSize, what);
            data = new Uint8Array(unitBytes);
            lznt1Decompress(src, data, `${what} compression unit ${unit}`);
        }
        const from = Math.max(offset, unitStart);
        const to = Math.min(end, unitStart + unitBytes);
        out.set(data.subarray(from - unitStart, to - unitStart), from - offset);
    }
    return out;
}
