/**
 * NTFS structures in isolation: the boot sector's encodings (taken from a real mkntfs boot sector,
 * then changed field by field), runlist pairs with negative offsets and sparse runs, and LZNT1
 * chunks built by hand from [MS-XCA] 2.5.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { before, describe, it } from 'node:test';
import { DiskFormatError } from '../../src/disk/types';
import { parseBootSector } from '../../src/disk/ntfs/boot';
import { lznt1Decompress } from '../../src/disk/ntfs/lznt1';
import { Attribute } from '../../src/disk/ntfs/record';
import { decodeRunlist, joinPieces } from '../../src/disk/ntfs/runlist';
import { ntfsImage } from './diskNtfsKit';

const isFormatError = (structure: string, message: RegExp) => (e: unknown) =>
    e instanceof DiskFormatError && e.structure === structure && message.test(e.message);

describe('NTFS boot sector', () => {
    let boot: Buffer;
    const size = 64 * 1024 * 1024;
    before(() => {
        const fd = fs.openSync(ntfsImage(), 'r');
        boot = Buffer.alloc(512);
        fs.readSync(fd, boot, 0, 512, 0);
        fs.closeSync(fd);
    });
    const edit = (f: (b: Buffer) => void) => { const b = Buffer.from(boot); f(b); return b; };

    it('reads the geometry mkntfs wrote', () => {
        assert.deepEqual(parseBootSector(boot, size), {
            bytesPerSector: 512, clusterSize: 4096, totalClusters: 16383, mftLcn: 4, mftRecordSize: 1024, indexBlockSize: 4096,
        });
    });

    it('decodes sectors per cluster as 2^(256 - n) above 0x80, and record sizes as clusters or 2^|n| bytes', () => {
        const big = parseBootSector(edit((b) => { b[0x0d] = 0xf8; b[0x44] = 0xf4; b.writeBigUInt64LE(256n * 64n, 0x28); b.writeBigUInt64LE(2n, 0x30); }), 256 * 64 * 512);
        assert.equal(big.clusterSize, 256 * 512);
        assert.equal(big.mftRecordSize, 1024, 'the MFT record byte is 0xf6, -10: 2^10 bytes');
        const small = parseBootSector(edit((b) => { b[0x0d] = 2; b[0x40] = 1; b[0x44] = 4; }), size);
        assert.equal(small.mftRecordSize, 1024, 'one 1 KiB cluster');
        assert.equal(small.indexBlockSize, 4096, 'four 1 KiB clusters');
    });

    it('refuses fields no volume can have', () => {
        const cases: [(b: Buffer) => void, RegExp][] = [
            [(b) => { b.writeUInt16LE(100, 0x0b); }, /bytes per sector 100/],
            [(b) => { b[0x0d] = 0; }, /sectors per cluster field 0/],
            [(b) => { b[0x0d] = 3; }, /sectors per cluster field 3/],
            [(b) => { b[0x40] = 0; }, /MFT record size field 0/],
            [(b) => { b[0x44] = 0xe0; }, /index block size field 224/],
            [(b) => { b[0x40] = 0x80; }, /MFT record size field 128/],
            [(b) => { b.writeBigUInt64LE(16383n, 0x30); }, /MFT cluster 16383 lies outside the volume/],
            [(b) => { b.writeBigUInt64LE(0n, 0x28); }, /total sectors 0/],
            [(b) => { b.writeBigUInt64LE(1n << 60n, 0x28); }, /total sectors/],
            [(b) => { b.write('EXFAT   ', 3, 'latin1'); }, /OEM id/],
        ];
        for (const [f, msg] of cases) assert.throws(() => parseBootSector(edit(f), size), isFormatError('NTFS boot sector', msg), String(msg));
        assert.throws(() => parseBootSector(boot, size - 1024), isFormatError('NTFS boot sector', /truncated/));
    });
});

function attr(runlist: number[], lowVcn: number, highVcn: number): Attribute {
    return {
        type: 0x80, name: '', flags: 0, id: 0, record: 40, resident: false, lowVcn, highVcn, runlist: Uint8Array.from(runlist),
        compressionUnit: 0, allocatedSize: 0, dataSize: 0, initializedSize: 0,
    };
}

describe('NTFS runlists', () => {
    it('decodes lengths, signed relative LCNs and sparse runs', () => {
        const runs = decodeRunlist(attr([0x21, 0x10, 0x00, 0x01, 0x11, 0x08, 0xf0, 0x01, 0x04, 0x11, 0x02, 0x20, 0x00], 0, 29), 1000, 'x');
        assert.deepEqual(runs, [
            { vcn: 0, lcn: 256, length: 16 },
            { vcn: 16, lcn: 240, length: 8 },
            { vcn: 24, lcn: -1, length: 4 },
            { vcn: 28, lcn: 272, length: 2 },
        ]);
    });

    it('maps nothing for an empty attribute (highest VCN -1) and joins pieces that abut', () => {
        assert.deepEqual(joinPieces([attr([0x00], 0, -1)], 1000, 4096, 'x'), { runs: [], dataSize: 0, initializedSize: 0, compressionUnit: 0, flags: 0 });
        const second = attr([0x11, 0x04, 0x20, 0x00], 16, 19);
        const first = { ...attr([0x11, 0x10, 0x10, 0x00], 0, 15), dataSize: 20 * 4096, initializedSize: 20 * 4096, allocatedSize: 20 * 4096 };
        assert.deepEqual(joinPieces([second, first], 1000, 4096, 'x').runs, [{ vcn: 0, lcn: 16, length: 16 }, { vcn: 16, lcn: 32, length: 4 }]);
        assert.throws(() => joinPieces([first, attr([0x11, 0x04, 0x20, 0x00], 17, 20)], 1000, 4096, 'x'), isFormatError('NTFS runlist of x', /piece at VCN 17 does not follow VCN 15/));
        assert.throws(() => joinPieces([first], 1000, 4096, 'x'), isFormatError('NTFS runlist of x', /exceeds the 65536 bytes its runs map/));
    });

    it('refuses runs outside the volume, before cluster 0, or not covering the attribute', () => {
        assert.throws(() => decodeRunlist(attr([0x21, 0x10, 0xe8, 0x03, 0x00], 0, 15), 1000, 'x'), isFormatError('NTFS runlist of x', /points outside the volume/));
        assert.throws(() => decodeRunlist(attr([0x11, 0x10, 0x10, 0x11, 0x10, 0xe0, 0x00], 0, 31), 1000, 'x'), isFormatError('NTFS runlist of x', /points outside the volume/));
        assert.throws(() => decodeRunlist(attr([0x11, 0x10, 0x10, 0x00], 0, 31), 1000, 'x'), isFormatError('NTFS runlist of x', /cover VCNs 0..15/));
        assert.throws(() => decodeRunlist(attr([0x31, 0x10, 0x10], 0, 15), 1000, 'x'), isFormatError('NTFS runlist of x', /overruns/));
    });
});

describe('LZNT1', () => {
    // "abc", then a back-reference 3 bytes back for 6 bytes: flags 0b1000, token (3-1)<<12 | (6-3).
    const abc = [0x05, 0xb0, 0x08, 0x61, 0x62, 0x63, 0x03, 0x20];

    it('decodes literals and overlapping back-references', () => {
        const out = new Uint8Array(16);
        assert.equal(lznt1Decompress(Uint8Array.from([...abc, 0, 0]), out, 'x'), 9);
        assert.equal(Buffer.from(out.subarray(0, 9)).toString(), 'abcabcabc');
    });

    it('starts each chunk at the next 4096-byte boundary and copies stored chunks as they are', () => {
        const stored = Array.from({ length: 4096 }, (_, i) => i & 0xff);
        const out = new Uint8Array(3 * 4096);
        const n = lznt1Decompress(Uint8Array.from([...abc, 0xff, 0x3f, ...stored, ...abc]), out, 'x');
        assert.equal(n, 2 * 4096 + 9);
        assert.equal(Buffer.from(out.subarray(0, 9)).toString(), 'abcabcabc');
        assert.ok(out.subarray(9, 4096).every((x) => x === 0));
        assert.deepEqual(Array.from(out.subarray(4096, 8192)), stored);
        assert.equal(Buffer.from(out.subarray(8192, 8201)).toString(), 'abcabcabc');
    });

    it('widens the offset field as the output grows', () => {
        // 32 literals, then a reference 32 bytes back: at position 32 the split is 5 offset bits.
        const lits = Array.from({ length: 32 }, (_, i) => 0x41 + (i % 26));
        const data = [0, ...lits.slice(0, 8), 0, ...lits.slice(8, 16), 0, ...lits.slice(16, 24), 0, ...lits.slice(24, 32), 0x01, ...[(31 << 11) | 1].flatMap((t) => [t & 0xff, t >> 8])];
        const out = new Uint8Array(64);
        const n = lznt1Decompress(Uint8Array.from([(data.length - 1) & 0xff, 0xb0 | ((data.length - 1) >> 8), ...data]), out, 'x');
        assert.equal(n, 36);
        assert.deepEqual(Array.from(out.subarray(32, 36)), lits.slice(0, 4));
    });

    it('refuses references before the chunk start and chunks past the data', () => {
        assert.throws(() => lznt1Decompress(Uint8Array.from([0x02, 0xb0, 0x01, 0x00, 0x00]), new Uint8Array(16), 'unit'), isFormatError('unit', /before the chunk start/));
        assert.throws(() => lznt1Decompress(Uint8Array.from([0x10, 0xb0, 0x00, 0x41]), new Uint8Array(16), 'unit'), isFormatError('unit', /overruns the compressed data/));
    });
});
