/**
 * VHDX images ([MS-VHDX]): file identifier, two headers (the valid one with the higher sequence
 * number is current), region table → BAT and metadata regions, BAT payload entries. Little-endian.
 */
import { crc32c } from './footer';
import { dataExtents, type FileExtent } from './extents';
import type { ImageFile } from './file';
import { ImageError, type Extent, type ImageReader } from './types';

const KiB = 1024, MiB = 1024 * 1024;
const FIX_HINT = 'qemu-img convert -O vpc -o subformat=fixed,force_size=on';

/** A GUID as stored on disk (first three fields little-endian), as lowercase hex of its 16 bytes. */
function guidBytes(g: string): string {
    const h = g.replace(/-/g, '').toLowerCase();
    const le = (s: string) => s.match(/../g)!.reverse().join('');
    return le(h.slice(0, 8)) + le(h.slice(8, 12)) + le(h.slice(12, 16)) + h.slice(16);
}
const BAT_GUID = guidBytes('2DC27766-F623-4200-9D64-115E9BFD4A08');
const METADATA_GUID = guidBytes('8B7CA206-4790-4B9A-B8FE-575F050F886E');
const FILE_PARAMETERS = guidBytes('CAA16737-FA36-4D43-B3B6-33F0AA44E76B');
const VIRTUAL_DISK_SIZE = guidBytes('2FA54224-CD1B-4876-B211-5DBED83BF4B8');
const LOGICAL_SECTOR_SIZE = guidBytes('8141BF1D-A96F-4709-BA47-F233A8FAAB5F');

const PAYLOAD_FULLY_PRESENT = 6;
const PAYLOAD_PARTIALLY_PRESENT = 7;

/** CRC-32C of `b` with the 4-byte checksum field at `at` taken as zero. */
function crcWithZeroField(b: Buffer, at: number): number {
    const c = Buffer.from(b);
    c.writeUInt32LE(0, at);
    return crc32c(c);
}

export class VhdxReader implements ImageReader {
    readonly format = 'vhdx' as const;
    readonly notes: string[] = [];
    readonly footer = undefined;

    /** Where the VHDX file itself holds data (asked once), or undefined to read whole blocks. */
    private fileData: FileExtent[] | undefined;
    private asked = false;

    private constructor(
        private readonly file: ImageFile,
        readonly virtualSize: number,
        private readonly blockSize: number,
        private readonly chunkRatio: number,
        private readonly bat: Buffer,
        private readonly log: (m: string) => void,
        private readonly query: boolean,
    ) {}

    /**
     * `query`: ask the file system where the VHDX file holds data. A payload block is allocated
     * whole in the file's layout but written only where the disk has data (qemu-img and Hyper-V
     * leave the rest of a 32 MiB block a hole), so the holes inside blocks are zeros not read.
     */
    static async open(file: ImageFile, log: (m: string) => void = () => undefined, query = true): Promise<VhdxReader> {
        const name = file.name;
        const id = await file.readExact(0, 8, 'file identifier');
        if (id.toString('latin1') !== 'vhdxfile') throw new ImageError('BadCookie', `${name} is not a VHDX file (no 'vhdxfile' signature).`);
        let current: Buffer | undefined;
        let seq = -1n;
        for (const at of [64 * KiB, 128 * KiB]) {
            const h = await file.readExact(at, 4 * KiB, 'header');
            if (h.toString('latin1', 0, 4) !== 'head') continue;
            if (crcWithZeroField(h, 4) !== h.readUInt32LE(4)) continue;
            const s = h.readBigUInt64LE(8);
            if (s > seq) { seq = s; current = h; }
        }
        // No repair to offer: qemu-img (check -r, convert) and Hyper-V open a VHDX through a valid
        // header too, so with both gone only another copy of the file, or its source, helps.
        if (!current) throw new ImageError('BadChecksum', `${name} is damaged: neither VHDX header has a valid CRC-32C checksum, so no tool can open it (qemu-img and Hyper-V refuse it too). Copy it again from where it came from, or re-create it from its source (export the VM's disk again, or ${FIX_HINT} <source> ${name.replace(/\.vhdx$/i, '')}.vhd).`);
        if (current.subarray(48, 64).some((x) => x !== 0)) {
            throw new ImageError('LogReplay', `${name} was not closed cleanly: its VHDX log has changes that must be replayed first. Open it once in Hyper-V (or mount it in Windows), or run qemu-img check -r all ${name}, then upload again.`);
        }
        let regions: Buffer | undefined;
        for (const at of [192 * KiB, 256 * KiB]) {
            const r = await file.readExact(at, 64 * KiB, 'region table');
            if (r.toString('latin1', 0, 4) === 'regi' && crcWithZeroField(r, 4) === r.readUInt32LE(4)) { regions = r; break; }
        }
        if (!regions) throw new ImageError('BadChecksum', `${name} is damaged: no VHDX region table has a valid CRC-32C checksum. Re-create it: ${FIX_HINT}.`);
        let batAt = -1, batLen = 0, metaAt = -1, metaLen = 0;
        const count = Math.min(regions.readUInt32LE(8), 2047);
        for (let i = 0; i < count; i++) {
            const e = regions.subarray(16 + i * 32, 48 + i * 32);
            const guid = e.toString('hex', 0, 16);
            const off = Number(e.readBigUInt64LE(16)), len = e.readUInt32LE(24), required = e.readUInt32LE(28) & 1;
            if (guid === BAT_GUID) { batAt = off; batLen = len; }
            else if (guid === METADATA_GUID) { metaAt = off; metaLen = len; }
            else if (required) throw new ImageError('Unsupported', `${name} uses a VHDX feature this extension does not know (required region ${guid}). Convert it: ${FIX_HINT}.`);
        }
        if (batAt < 0 || metaAt < 0) throw new ImageError('BadChecksum', `${name} is damaged: its region table has no BAT or metadata region.`);
        const meta = await file.readExact(metaAt, metaLen, 'metadata region');
        if (meta.toString('latin1', 0, 8) !== 'metadata') throw new ImageError('BadCookie', `${name} is damaged: its metadata region has no 'metadata' signature.`);
        const items = new Map<string, Buffer>();
        const n = Math.min(meta.readUInt16LE(10), 2047);
        for (let i = 0; i < n; i++) {
            const e = meta.subarray(32 + i * 32, 64 + i * 32);
            const off = e.readUInt32LE(16), len = e.readUInt32LE(20);
            if (off + len > meta.length) throw new ImageError('Truncated', `${name} is damaged: a metadata item lies outside its region.`);
            items.set(e.toString('hex', 0, 16), meta.subarray(off, off + len));
        }
        const params = items.get(FILE_PARAMETERS), vsize = items.get(VIRTUAL_DISK_SIZE), lss = items.get(LOGICAL_SECTOR_SIZE);
        if (!params || !vsize || !lss) throw new ImageError('BadChecksum', `${name} is damaged: required VHDX metadata is missing.`);
        const blockSize = params.readUInt32LE(0);
        if (params.readUInt32LE(4) & 2) throw new ImageError('Differencing', `${name} is a differencing VHDX: it holds only the changes to a parent disk. Merge it into one image first: ${FIX_HINT} ${name} merged.vhd (with the parent beside it).`);
        const virtualSize = Number(vsize.readBigUInt64LE(0));
        const sector = lss.readUInt32LE(0);
        if (blockSize < MiB || blockSize > 256 * MiB || (blockSize & (blockSize - 1)) !== 0 || (sector !== 512 && sector !== 4096)) {
            throw new ImageError('Unsupported', `${name} has VHDX parameters out of the spec's range (block ${blockSize}, sector ${sector}).`);
        }
        const chunkRatio = (2 ** 23 * sector) / blockSize;
        const payloadBlocks = Math.ceil(virtualSize / blockSize);
        const entries = payloadBlocks + Math.floor((payloadBlocks - 1) / chunkRatio);
        if (entries * 8 > batLen) throw new ImageError('BadChecksum', `${name} is damaged: its BAT is smaller than the disk needs.`);
        const bat = await file.readExact(batAt, entries * 8, 'BAT');
        const reader = new VhdxReader(file, virtualSize, blockSize, chunkRatio, bat, log, query);
        for (const b of reader.presentBlocks()) {
            if (b.state === PAYLOAD_PARTIALLY_PRESENT) throw new ImageError('Differencing', `${name} has partially present blocks (a differencing VHDX). Merge it first: ${FIX_HINT}.`);
            if (b.fileOffset + blockSize > file.size) throw new ImageError('Truncated', `${name} is truncated: block ${b.index} lies past the end of the file. Copy the image again from its source.`);
        }
        return reader;
    }

    private *presentBlocks(): Generator<{ index: number; state: number; fileOffset: number }> {
        const payloadBlocks = Math.ceil(this.virtualSize / this.blockSize);
        for (let i = 0; i < payloadBlocks; i++) {
            const e = this.bat.readBigUInt64LE((i + Math.floor(i / this.chunkRatio)) * 8);
            const state = Number(e & 7n);
            if (state !== PAYLOAD_FULLY_PRESENT && state !== PAYLOAD_PARTIALLY_PRESENT) continue; // not present, zero, unmapped, undefined: zeros
            yield { index: i, state, fileOffset: Number(e >> 20n) * MiB };
        }
    }

    async *extents(): AsyncIterable<Extent> {
        if (!this.asked) {
            this.asked = true;
            const note = (m: string) => {
                this.notes.push(m);
                this.log(m);
            };
            if (this.query) this.fileData = await dataExtents(this.file.path, this.file.size, note);
        }
        for (const b of this.presentBlocks()) {
            const offset = b.index * this.blockSize;
            const length = Math.min(this.blockSize, this.virtualSize - offset);
            for (const [start, end] of dataWithin(this.fileData, b.fileOffset, b.fileOffset + length)) {
                yield { offset: offset + start - b.fileOffset, length: end - start, read: (buf, at, skip, count) => this.file.readInto(buf, at, count, start + skip) };
            }
        }
    }

    close(): Promise<void> {
        return this.file.close();
    }
}

/**
 * The parts of the file range [from, to) that hold data per `data` (sorted, not overlapping), as
 * [start, end) file offsets in order; the whole range when `data` is undefined.
 */
export function dataWithin(data: readonly FileExtent[] | undefined, from: number, to: number): [number, number][] {
    if (!data) return [[from, to]];
    let lo = 0, hi = data.length;
    while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (data[mid].end <= from) lo = mid + 1;
        else hi = mid;
    }
    const out: [number, number][] = [];
    // From the first range ending after `from` to the last starting before `to`: each overlaps.
    for (let i = lo; i < data.length && data[i].start < to; i++) out.push([Math.max(from, data[i].start), Math.min(to, data[i].end)]);
    return out;
}
