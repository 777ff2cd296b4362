/**
 * Damaged LVM2 physical volumes: bytes flipped in the label, the mda_header and the metadata text,
 * metadata rewritten (its checksums summed again) to map extents past the PV, a truncated PV.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { lvDevice, readLvm } from '../../src/disk/lvm';
import { DiskFormatError, sliceDevice } from '../../src/disk/types';
import { CountingDevice, fileDevice } from './diskKit';
import { gptLvmImage, rootvgImage } from './diskLvmKit';
import { overlayDevice } from './diskPartitionsKit';

const MiB = 1024 * 1024;
type Patch = { offset: number; bytes: Uint8Array };

/** LVM's CRC (initial 0xf597a6cf, no final inversion) by way of zlib's standard CRC-32. */
function lvmCrc(b: Uint8Array, state = 0xf597a6cf): number {
    return ~zlib.crc32(b, ~state >>> 0) >>> 0;
}

async function rejects(p: Promise<unknown> | (() => unknown), structure: RegExp, message: RegExp): Promise<void> {
    const t0 = Date.now();
    const check = (e: unknown): boolean => {
        assert.ok(e instanceof DiskFormatError, String(e));
        assert.match(e.structure, structure);
        assert.match(e.message, message);
        return true;
    };
    if (typeof p === 'function') assert.throws(p, check);
    else await assert.rejects(p, check);
    assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
}

/** Where the current metadata text of the mda at `mda` lies, as layout.h describes the mda_header. */
function textPieces(img: Buffer, mda: number): { header: Buffer; pieces: { offset: number; length: number }[] } {
    const header = Buffer.from(img.subarray(mda, mda + 512));
    const areaSize = Number(header.readBigUInt64LE(32));
    const offset = Number(header.readBigUInt64LE(40));
    const size = Number(header.readBigUInt64LE(48));
    const first = Math.min(size, areaSize - offset);
    const pieces = [{ offset: mda + offset, length: first }];
    if (first < size) pieces.push({ offset: mda + 512, length: size - first });
    return { header, pieces };
}

/** The metadata text edited in place (same length), with the text and header checksums summed again. */
function rewriteText(img: Buffer, mda: number, edit: (text: string) => string): Patch[] {
    const { header, pieces } = textPieces(img, mda);
    const text = Buffer.concat(pieces.map((p) => img.subarray(p.offset, p.offset + p.length)));
    const edited = Buffer.from(edit(text.toString('latin1')), 'latin1');
    assert.equal(edited.length, text.length);
    assert.notDeepEqual(edited, text, 'the edit changed something');
    const patches: Patch[] = [];
    let at = 0;
    let sum = 0xf597a6cf;
    for (const p of pieces) {
        const part = edited.subarray(at, at + p.length);
        patches.push({ offset: p.offset, bytes: part });
        sum = lvmCrc(part, sum);
        at += p.length;
    }
    header.writeUInt32LE(sum, 56);
    header.writeUInt32LE(lvmCrc(header.subarray(4)), 0);
    return [...patches, { offset: mda, bytes: header }];
}

describe('damaged LVM2 PV', () => {
    let img: Buffer;
    let dev: CountingDevice;
    before(() => {
        const file = rootvgImage();
        img = fs.readFileSync(file);
        dev = fileDevice(file);
    });
    after(() => dev.close());
    const flip = (offset: number): Patch => ({ offset, bytes: Uint8Array.of(img[offset] ^ 0x10) });

    it('a flipped byte in the metadata text: an error naming the metadata area and its checksum', async () => {
        const { pieces } = textPieces(img, 4096);
        assert.equal(pieces.length, 2, 'the fixture text wraps');
        await rejects(readLvm(overlayDevice(dev, [flip(pieces[0].offset + 40)])), /^LVM metadata area 1$/, /metadata text checksum/);
        await rejects(readLvm(overlayDevice(dev, [flip(pieces[1].offset + 10)])), /^LVM metadata area 1$/, /metadata text checksum/);
    });

    it('a flipped byte in the label or the PV header: a label CRC error; in the mda_header: its checksum', async () => {
        await rejects(readLvm(overlayDevice(dev, [flip(512 + 32 + 5)])), /^LVM label$/, /CRC is 0x[0-9a-f]+, the label sums to/);
        await rejects(readLvm(overlayDevice(dev, [flip(512 + 80)])), /^LVM label$/, /CRC/);
        await rejects(readLvm(overlayDevice(dev, [flip(4096 + 30)])), /^LVM metadata area 1$/, /header checksum/);
    });

    it('metadata mapping extents past its PV is refused; so is a truncated PV when the volume is mapped', async () => {
        const short = overlayDevice(dev, rewriteText(img, 4096, (t) => t.replace('pe_count = 63', 'pe_count = 10')));
        await rejects(readLvm(short), /^LVM metadata area 1$/, /rootlv segment2: extents 7..11 lie past the 10 extents of PV pv0/);
        const vg = await readLvm(dev);
        const truncated = sliceDevice(dev, 0, 8 * MiB);
        await rejects(() => lvDevice(vg, vg.lvs.find((l) => l.name === 'rootlv')!, new Map([['pv0', truncated]])), /^LVM logical volume rootlv$/, /extents 7..11 lie past the end of PV pv0/);
    });

    it('metadata that does not parse, or segments that leave a gap, are errors naming the area', async () => {
        const unclosed = overlayDevice(dev, rewriteText(img, 4096, (t) => t.replace('seqno = ', 'seqno { ')));
        await rejects(readLvm(unclosed), /^LVM metadata area 1$/, /line \d+: expected/);
        const gap = overlayDevice(dev, rewriteText(img, 4096, (t) => t.replace('start_extent = 4', 'start_extent = 5')));
        await rejects(readLvm(gap), /^LVM metadata area 1$/, /rootlv segment2: extents 5\+5 do not follow on from extent 4/);
    });

    it('a metadata location outside its area is refused before it is read', async () => {
        const header = Buffer.from(img.subarray(4096, 4096 + 512));
        header.writeBigUInt64LE(1n << 40n, 48);
        header.writeUInt32LE(lvmCrc(header.subarray(4)), 0);
        await rejects(readLvm(overlayDevice(dev, [{ offset: 4096, bytes: header }])), /^LVM metadata area 1$/, /does not fit the 61440-byte area/);
    });

    it('no label at all is an error naming the label', async () => {
        await rejects(readLvm(overlayDevice(dev, [{ offset: 512, bytes: new Uint8Array(8) }])), /^LVM label$/, /no "LABELONE"/);
    });
});

describe('damaged LVM2 PV with two metadata areas', () => {
    it('reads the second area when the first is damaged (with a warning); both damaged is an error', async () => {
        const dev = fileDevice(gptLvmImage());
        try {
            const part = sliceDevice(dev, MiB, dev.size - MiB - 33 * 512);
            const img = Buffer.from(await part.read(0, part.size));
            const good = await readLvm(part);
            // PV header at 512 + 32: UUID, size, one data area and its terminator, then the metadata areas.
            const mda2 = Number(img.readBigUInt64LE(512 + 32 + 40 + 32 + 16));
            assert.equal(img.toString('latin1', mda2 + 4, mda2 + 20), ' LVM2 x[5A%r0N*>', 'the second mda_header');
            const text1 = textPieces(img, 4096).pieces[0].offset;
            const text2 = textPieces(img, mda2).pieces[0].offset;
            const flipped = (o: number): Patch => ({ offset: o, bytes: Uint8Array.of(img[o] ^ 1) });
            const one = await readLvm(overlayDevice(part, [flipped(text1 + 50)]));
            assert.deepEqual({ ...one, warnings: [] }, good);
            assert.equal(one.warnings.length, 1);
            assert.match(one.warnings[0], /^LVM metadata area 1 at byte \d+: metadata text checksum .* read from another metadata area$/);
            await rejects(readLvm(overlayDevice(part, [flipped(text1 + 50), flipped(text2 + 50)])), /^LVM metadata area 1$/, /checksum/);
            // An older copy in the first area (seqno one lower, checksums summed again) loses to the newer second.
            assert.equal(good.seqno, 2);
            const older = rewriteText(img, 4096, (t) => t.replace('seqno = 2', 'seqno = 1'));
            assert.equal((await readLvm(overlayDevice(part, older))).seqno, 2);
            const newer = rewriteText(img, mda2, (t) => t.replace('seqno = 2', 'seqno = 1'));
            assert.equal((await readLvm(overlayDevice(part, newer))).seqno, 2);
        } finally {
            dev.close();
        }
    });
});
