/**
 * VHD images (Microsoft "Virtual Hard Disk Image Format Specification"): the 512-byte footer, and
 * the dynamic disk header + Block Allocation Table of dynamic disks. Big-endian throughout.
 */
import { vhdChecksum, VHD_FOOTER_SIZE } from './footer';
import type { ImageFile } from './file';
import { ImageError, type Extent, type ImageReader } from './types';

const FIXED = 2, DYNAMIC = 3, DIFFERENCING = 4;
const UNUSED = 0xffffffff;
const FIX_HINT = 'convert it with qemu-img convert -O vpc -o subformat=fixed,force_size=on';

export interface VhdFooter {
    type: number;
    currentSize: number;
    dataOffset: bigint;
}

export function isVhdCookie(b: Buffer): boolean {
    return b.length >= 8 && b.toString('latin1', 0, 8) === 'conectix';
}

/** Validates a footer (cookie, checksum, disk type) and returns its fields. */
export function parseVhdFooter(b: Buffer, name: string): VhdFooter {
    if (!isVhdCookie(b)) throw new ImageError('BadCookie', `${name} is not a valid VHD: its footer cookie is not 'conectix' (the file may be truncated or damaged). Copy it again, or ${FIX_HINT}.`);
    const stored = b.readUInt32BE(64);
    if (stored !== vhdChecksum(b)) throw new ImageError('BadChecksum', `${name} has a damaged VHD footer (checksum mismatch). Repair or re-create it: ${FIX_HINT}.`);
    const type = b.readUInt32BE(60);
    if (type === DIFFERENCING) throw new ImageError('Differencing', `${name} is a differencing VHD: it holds only the changes to a parent disk. Merge it into one image first: qemu-img convert -O vpc -o subformat=fixed,force_size=on ${name} merged.vhd (with the parent beside it).`);
    if (type !== FIXED && type !== DYNAMIC) throw new ImageError('Unsupported', `${name} has VHD disk type ${type}; only fixed (2) and dynamic (3) VHDs can be uploaded. ${FIX_HINT[0].toUpperCase()}${FIX_HINT.slice(1)}.`);
    return { type, currentSize: Number(b.readBigUInt64BE(48)), dataOffset: b.readBigUInt64BE(16) };
}

/** Dynamic VHD: only the BAT's allocated blocks, and in each only the sectors its bitmap marks. */
export class DynamicVhdReader implements ImageReader {
    readonly format = 'vhd-dynamic' as const;
    readonly notes: string[] = [];
    readonly footer = undefined;

    private constructor(private readonly file: ImageFile, readonly virtualSize: number, private readonly blockSize: number, private readonly bat: Uint32Array) {}

    static async open(file: ImageFile, footer: VhdFooter): Promise<DynamicVhdReader> {
        const name = file.name;
        // The copy at offset 0 must agree with the footer at the end: a lone copy means a cut file.
        if (file.size < 3 * VHD_FOOTER_SIZE) throw new ImageError('Truncated', `${name} is truncated (${file.size} bytes). Copy the image again from its source.`);
        const tail = await file.readExact(file.size - VHD_FOOTER_SIZE, VHD_FOOTER_SIZE, 'footer');
        if (!isVhdCookie(tail)) throw new ImageError('Truncated', `${name} is truncated: the dynamic VHD's footer is missing from the end of the file. Copy the image again from its source.`);
        parseVhdFooter(tail, name);
        const hdrAt = Number(footer.dataOffset);
        const h = await file.readExact(hdrAt, 1024, 'dynamic disk header');
        if (h.toString('latin1', 0, 8) !== 'cxsparse') throw new ImageError('BadCookie', `${name} is not a valid dynamic VHD: its dynamic disk header cookie is not 'cxsparse'. ${FIX_HINT[0].toUpperCase()}${FIX_HINT.slice(1)}.`);
        let sum = 0;
        for (let i = 0; i < 1024; i++) if (i < 36 || i >= 40) sum = (sum + h[i]) >>> 0;
        if ((~sum >>> 0) !== h.readUInt32BE(36)) throw new ImageError('BadChecksum', `${name} has a damaged dynamic disk header (checksum mismatch). Repair or re-create it: ${FIX_HINT}.`);
        const tableOffset = Number(h.readBigUInt64BE(16));
        const entries = h.readUInt32BE(28);
        const blockSize = h.readUInt32BE(32);
        if (blockSize < 512 || blockSize % 512 !== 0 || blockSize > 256 * 1024 * 1024) throw new ImageError('Unsupported', `${name} has an unusual dynamic VHD block size (${blockSize}). ${FIX_HINT[0].toUpperCase()}${FIX_HINT.slice(1)}.`);
        if (entries * blockSize < footer.currentSize) throw new ImageError('BadChecksum', `${name} is damaged: its block table covers less than the disk size. Re-create it: ${FIX_HINT}.`);
        const raw = await file.readExact(tableOffset, entries * 4, 'block allocation table');
        const bat = new Uint32Array(entries);
        const bitmapBytes = Math.ceil(blockSize / 512 / 8 / 512) * 512;
        const dataEnd = file.size - VHD_FOOTER_SIZE;
        for (let i = 0; i < entries; i++) {
            const s = raw.readUInt32BE(i * 4);
            bat[i] = s;
            if (s !== UNUSED && s * 512 + bitmapBytes + blockSize > dataEnd) {
                throw new ImageError('Truncated', `${name} is truncated: block ${i} lies past the end of the file. Copy the image again from its source.`);
            }
        }
        return new DynamicVhdReader(file, footer.currentSize, blockSize, bat);
    }

    async *extents(): AsyncIterable<Extent> {
        const bitmapBytes = Math.ceil(this.blockSize / 512 / 8 / 512) * 512;
        const sectorsPerBlock = this.blockSize / 512;
        for (let i = 0; i < this.bat.length; i++) {
            const s = this.bat[i];
            if (s === UNUSED) continue;
            const blockAt = s * 512;
            const vBlock = i * this.blockSize;
            if (vBlock >= this.virtualSize) break;
            const bitmap = await this.file.readExact(blockAt, bitmapBytes, `sector bitmap of block ${i}`);
            // Runs of set bits (the most significant bit of byte 0 is sector 0).
            let k = 0;
            while (k < sectorsPerBlock) {
                const set = (n: number) => (bitmap[n >> 3] & (0x80 >> (n & 7))) !== 0;
                if (!set(k)) { k++; continue; }
                let e = k;
                while (e < sectorsPerBlock && set(e)) e++;
                const offset = vBlock + k * 512;
                const length = Math.min((e - k) * 512, this.virtualSize - offset);
                const from = blockAt + bitmapBytes + k * 512;
                if (length > 0) yield { offset, length, read: (buf, at, skip, count) => this.file.readInto(buf, at, count, from + skip) };
                k = e;
            }
        }
    }

    close(): Promise<void> {
        return this.file.close();
    }
}
