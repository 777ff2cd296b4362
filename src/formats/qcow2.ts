/**
 * qcow2 images (QEMU docs/interop/qcow2.txt), the simple cases: no backing file, no encryption,
 * no external data file, no extended L2 entries; uncompressed and deflate-compressed clusters.
 * Big-endian.
 */
import * as zlib from 'node:zlib';
import type { ImageFile } from './file';
import { ImageError, type Extent, type ImageReader } from './types';

const OFFSET_MASK = 0x00fffffffffffe00n; // bits 9–55
const COMPRESSED = 1n << 62n;
const FIX_HINT = 'qemu-img convert -O vpc -o subformat=fixed,force_size=on';

export class Qcow2Reader implements ImageReader {
    readonly format = 'qcow2' as const;
    readonly notes: string[] = [];
    readonly footer = undefined;

    private constructor(private readonly file: ImageFile, readonly virtualSize: number, private readonly clusterBits: number, private readonly version: number, private readonly l1: bigint[]) {}

    static async open(file: ImageFile): Promise<Qcow2Reader> {
        const name = file.name;
        const h = await file.readExact(0, 72, 'header');
        if (h.readUInt32BE(0) !== 0x514649fb) throw new ImageError('BadCookie', `${name} is not a qcow2 image (no 'QFI\\xfb' magic).`);
        const version = h.readUInt32BE(4);
        if (version !== 2 && version !== 3) throw new ImageError('Unsupported', `${name} is qcow2 version ${version}; versions 2 and 3 are supported. Convert it: ${FIX_HINT}.`);
        if (h.readBigUInt64BE(8) !== 0n) {
            throw new ImageError('BackingFile', `${name} is a qcow2 overlay with a backing file: it holds only the changes to another image. Merge them into one image first: ${FIX_HINT} ${name} merged.vhd.`);
        }
        const clusterBits = h.readUInt32BE(20);
        const virtualSize = Number(h.readBigUInt64BE(24));
        if (h.readUInt32BE(32) !== 0) throw new ImageError('Encrypted', `${name} is an encrypted qcow2 image. Decrypt it with qemu-img convert (giving its secret) into a plain image, then upload that.`);
        if (clusterBits < 9 || clusterBits > 21) throw new ImageError('Unsupported', `${name} has a qcow2 cluster size out of range (2^${clusterBits}).`);
        if (version === 3) {
            const h3 = await file.readExact(0, 104, 'header');
            const incompatible = h3.readBigUInt64BE(72);
            const headerLength = h3.readUInt32BE(100);
            if (incompatible & 2n) throw new ImageError('Unsupported', `${name} is marked corrupt by QEMU. Repair it with qemu-img check -r all ${name} first.`);
            if (incompatible & 4n) throw new ImageError('Unsupported', `${name} keeps its data in an external data file. Convert it into one image: ${FIX_HINT}.`);
            if (incompatible & 16n) throw new ImageError('Unsupported', `${name} uses extended L2 entries (subclusters). Convert it: ${FIX_HINT}.`);
            if (incompatible & 8n && headerLength > 104) {
                const ct = (await file.readExact(104, 1, 'header'))[0];
                if (ct !== 0) throw new ImageError('Unsupported', `${name} uses zstd compression. Convert it: ${FIX_HINT} (or qemu-img convert -O qcow2 -c -o compression_type=zlib).`);
            }
            if (incompatible & ~0x1fn) throw new ImageError('Unsupported', `${name} uses qcow2 features this extension does not know. Convert it: ${FIX_HINT}.`);
        }
        const l1Size = h.readUInt32BE(36);
        const l1At = Number(h.readBigUInt64BE(40));
        const clusterSize = 2 ** clusterBits;
        const l2Entries = clusterSize / 8;
        if (l1Size < Math.ceil(virtualSize / clusterSize / l2Entries)) throw new ImageError('BadChecksum', `${name} is damaged: its L1 table is smaller than the disk needs.`);
        const l1raw = await file.readExact(l1At, l1Size * 8, 'L1 table');
        const l1: bigint[] = [];
        for (let i = 0; i < l1Size; i++) {
            const off = l1raw.readBigUInt64BE(i * 8) & OFFSET_MASK;
            if (off !== 0n && Number(off) + clusterSize > file.size) throw new ImageError('Truncated', `${name} is truncated: an L2 table lies past the end of the file. Copy the image again from its source.`);
            l1.push(off);
        }
        return new Qcow2Reader(file, virtualSize, clusterBits, version, l1);
    }

    async *extents(): AsyncIterable<Extent> {
        const clusterSize = 2 ** this.clusterBits;
        const perL2 = clusterSize / 8;
        const name = this.file.name;
        // Compressed descriptor: host offset in bits 0..x-1, additional 512-byte sectors in x..61.
        const x = BigInt(62 - (this.clusterBits - 8));
        for (let i = 0; i < this.l1.length; i++) {
            const l2At = this.l1[i];
            if (l2At === 0n) continue;
            const l2 = await this.file.readExact(Number(l2At), clusterSize, 'L2 table');
            for (let j = 0; j < perL2; j++) {
                const offset = (i * perL2 + j) * clusterSize;
                if (offset >= this.virtualSize) return;
                const e = l2.readBigUInt64BE(j * 8);
                const length = Math.min(clusterSize, this.virtualSize - offset);
                if (e & COMPRESSED) {
                    const host = Number(e & ((1n << x) - 1n));
                    const sectors = Number((e >> x) & ((1n << (62n - x)) - 1n));
                    const size = (sectors + 1) * 512 - (host & 511);
                    if (host >= this.file.size) throw new ImageError('Truncated', `${name} is truncated: a compressed cluster lies past the end of the file.`);
                    yield {
                        offset, length, read: async (buf, at, skip, count) => {
                            const packed = Buffer.alloc(size);
                            await this.file.readInto(packed, 0, size, host);
                            let plain: Buffer;
                            try {
                                // The descriptor's size is rounded up to sectors: trailing bytes follow the stream.
                                plain = zlib.inflateRawSync(packed, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
                            } catch {
                                throw new ImageError('BadChecksum', `${name} is damaged: a compressed cluster at virtual offset ${offset} does not decompress.`);
                            }
                            if (plain.length < skip + count && plain.length < clusterSize) throw new ImageError('BadChecksum', `${name} is damaged: a compressed cluster at virtual offset ${offset} is short.`);
                            buf.fill(0, at, at + count);
                            plain.copy(buf, at, skip, Math.min(plain.length, skip + count));
                        },
                    };
                    continue;
                }
                const host = Number(e & OFFSET_MASK);
                if (this.version === 3 && e & 1n) continue; // reads as zeros
                if (host === 0) continue; // unallocated, no backing file: zeros
                if (host + clusterSize > this.file.size && host + length > this.file.size) throw new ImageError('Truncated', `${name} is truncated: a data cluster lies past the end of the file. Copy the image again from its source.`);
                yield { offset, length, read: (buf, at, skip, count) => this.file.readInto(buf, at, count, host + skip) };
            }
        }
    }

    close(): Promise<void> {
        return this.file.close();
    }
}
