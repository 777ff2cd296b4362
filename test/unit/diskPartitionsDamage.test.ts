/**
 * Damaged partition tables: sgdisk and sfdisk images with bytes flipped or rewritten. Each ends in
 * the backup GPT with a warning naming what was wrong, or in a DiskFormatError naming the structure.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { Partition, readPartitions } from '../../src/disk/partitions';
import { BlockDevice, DiskFormatError, sliceDevice } from '../../src/disk/types';
import { CountingDevice, fileDevice, sh } from './diskKit';
import { gptImage, mbrImage, overlayDevice, u32le, u64le } from './diskPartitionsKit';

const SECTOR = 512;

async function rejects(p: Promise<unknown>, structure: RegExp, message: RegExp): Promise<void> {
    const t0 = Date.now();
    await assert.rejects(p, (e: unknown) => {
        assert.ok(e instanceof DiskFormatError, String(e));
        assert.match(e.structure, structure);
        assert.match(e.message, message);
        return true;
    });
    assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
}

function flip(offset: number, dev: BlockDevice, original: Uint8Array): { offset: number; bytes: Uint8Array } {
    assert.ok(offset < dev.size);
    return { offset, bytes: Uint8Array.of(original[0] ^ 0x40) };
}

describe('damaged GPT', () => {
    let img: string;
    let dev: CountingDevice;
    let good: Partition[];
    let lastLba: number;
    /** A GPT header and its entry array rewritten by `edit`, both CRCs summed again (zlib's CRC-32). */
    let rewrite: (headerLba: number, edit: (header: DataView, array: DataView) => void) => { offset: number; bytes: Uint8Array }[];
    before(async () => {
        img = gptImage();
        dev = fileDevice(img);
        good = (await readPartitions(dev)).partitions;
        lastLba = dev.size / SECTOR - 1;
        rewrite = (headerLba, edit) => {
            const header = Uint8Array.from(fs.readFileSync(img).subarray(headerLba * SECTOR, headerLba * SECTOR + 92));
            const hv = new DataView(header.buffer);
            const arrayAt = Number(hv.getBigUint64(72, true)) * SECTOR;
            const array = Uint8Array.from(fs.readFileSync(img).subarray(arrayAt, arrayAt + 128 * 128));
            edit(hv, new DataView(array.buffer));
            hv.setUint32(88, zlib.crc32(array), true);
            hv.setUint32(16, 0, true);
            hv.setUint32(16, zlib.crc32(header), true);
            return [{ offset: headerLba * SECTOR, bytes: header }, { offset: arrayAt, bytes: array }];
        };
    });
    after(() => dev.close());

    it('a flipped byte in the primary header: the backup is read, equal to the undamaged table, with a warning', async () => {
        const work = fs.mkdtempSync(path.join(os.tmpdir(), 'amd-gpt-'));
        try {
            const copy = path.join(work, 'd.img');
            sh('cp', ['--sparse=always', img, copy]);
            const fd = fs.openSync(copy, 'r+');
            fs.writeSync(fd, Uint8Array.of(0x99), 0, 1, SECTOR + 40);
            fs.closeSync(fd);
            assert.match(sh('sh', ['-c', 'sgdisk -v "$0" 2>&1', copy]), /invalid main GPT header, but valid backup/, 'sgdisk sees the damage too');
            const d = fileDevice(copy);
            try {
                const t = await readPartitions(d);
                assert.deepEqual(t.partitions, good);
                assert.equal(t.warnings.length, 1);
                assert.match(t.warnings[0], /^GPT primary header at byte 512: header CRC-32 .*backup GPT at LBA 131071$/);
            } finally {
                d.close();
            }
        } finally {
            fs.rmSync(work, { recursive: true, force: true });
        }
    });

    it('both headers damaged: an error naming both', async () => {
        const b1 = await dev.read(SECTOR + 8, 1);
        const b2 = await dev.read(lastLba * SECTOR + 8, 1);
        const d = overlayDevice(dev, [flip(SECTOR + 8, dev, b1), flip(lastLba * SECTOR + 8, dev, b2)]);
        await rejects(readPartitions(d), /^GPT$/, /both copies.*primary header at byte 512: header CRC-32.*backup header at byte 67108352: header CRC-32/);
    });

    it('a bad primary entry-array CRC: the backup array is used; both bad: an error naming both arrays', async () => {
        const b1 = await dev.read(2 * SECTOR + 60, 1);
        const one = overlayDevice(dev, [flip(2 * SECTOR + 60, dev, b1)]);
        const t = await readPartitions(one);
        assert.deepEqual(t.partitions, good);
        assert.match(t.warnings.join('\n'), /GPT primary partition entry array at byte 1024: CRC-32/);
        const backupArray = (lastLba - 32) * SECTOR;
        const b2 = await dev.read(backupArray + 60, 1);
        const both = overlayDevice(dev, [flip(2 * SECTOR + 60, dev, b1), flip(backupArray + 60, dev, b2)]);
        await rejects(readPartitions(both), /^GPT$/, /primary partition entry array at byte 1024: CRC-32.*backup partition entry array at byte \d+: CRC-32/);
    });

    it('a header asking for a million entries is refused before any array is read; the backup serves', async () => {
        const d = overlayDevice(dev, rewrite(1, (h) => h.setUint32(80, 1_000_000, true)));
        const t = await readPartitions(d);
        assert.deepEqual(t.partitions, good);
        assert.match(t.warnings[0], /1000000 partition entries \(at most 4096\)/);
    });

    it('a partition past the end of the disk is an error; one outside the usable LBAs or overlapping is a warning', async () => {
        const past = overlayDevice(dev, rewrite(1, (_h, a) => a.setBigUint64(8 * 128 + 40, BigInt(lastLba + 10), true)));
        await rejects(readPartitions(past), /^GPT partition entry 9$/, /past the end of the disk/);
        const lastUsable = lastLba - 33;
        const outside = overlayDevice(dev, rewrite(1, (_h, a) => a.setBigUint64(8 * 128 + 40, BigInt(lastUsable + 1), true)));
        assert.match((await readPartitions(outside)).warnings.join('\n'), /GPT partition entry 9: LBAs 102400..131039 lie outside the usable LBAs 34..131038/);
        const overlap = overlayDevice(dev, rewrite(1, (_h, a) => a.setBigUint64(1 * 128 + 32, 4096n, true)));
        assert.deepEqual((await readPartitions(overlap)).warnings, ['partitions 1 and 2 overlap']);
        const backwards = overlayDevice(dev, rewrite(1, (_h, a) => a.setBigUint64(2 * 128 + 40, 100n, true)));
        await rejects(readPartitions(backwards), /^GPT partition entry 3$/, /ends \(LBA 100\) before it starts/);
    });

    it('an entry array overlapping the usable LBAs, or a header at the wrong LBA, sends the reader to the backup', async () => {
        const overlapping = overlayDevice(dev, rewrite(1, (h) => h.setBigUint64(40, 20n, true)));
        assert.match((await readPartitions(overlapping)).warnings[0], /entry array at LBA 2 overlaps the usable LBAs 20..131038/);
        const misplaced = overlayDevice(dev, rewrite(1, (h) => h.setBigUint64(24, 7n, true)));
        assert.match((await readPartitions(misplaced)).warnings[0], /MyLBA is 7, but the header was read at LBA 1/);
    });

    it('a truncated image (the backup and the end gone) is an error', async () => {
        await rejects(readPartitions(sliceDevice(dev, 0, 48 * 1024 * 1024)), /^GPT$/, /AlternateLBA 131071 lies outside the disk.*backup header.*no "EFI PART"/);
    });
});

describe('damaged MBR', () => {
    let dev: CountingDevice;
    let ebrs: number[];
    const EXT = 26624;
    before(async () => {
        dev = fileDevice(mbrImage());
        ebrs = [EXT];
        for (;;) {
            const link = new DataView((await dev.read(ebrs[ebrs.length - 1] * SECTOR + 0x1ce, 16)).buffer.slice(0));
            if (link.getUint8(4) === 0) break;
            ebrs.push(EXT + link.getUint32(8, true));
        }
        assert.equal(ebrs.length, 3, 'sfdisk wrote three EBRs');
    });
    after(() => dev.close());
    const linkStart = (ebr: number): number => ebr * SECTOR + 0x1ce + 8;

    it('an EBR linking to itself, or to an earlier EBR, is a loop error', async () => {
        await rejects(readPartitions(overlayDevice(dev, [{ offset: linkStart(EXT), bytes: u32le(0) }])), /^EBR 2$/, /loops back to sector 26624/);
        const link = new Uint8Array(16);
        link[4] = 0x05;
        link.set(u32le(ebrs[1] - EXT), 8);
        link.set(u32le(1), 12);
        await rejects(readPartitions(overlayDevice(dev, [{ offset: ebrs[2] * SECTOR + 0x1ce, bytes: link }])), /^EBR 4$/, new RegExp(`loops back to sector ${ebrs[1]}$`));
    });

    it('partitions past the end of the disk are refused; an EBR outside its extended partition too', async () => {
        await rejects(readPartitions(overlayDevice(dev, [{ offset: 0x1ce + 12, bytes: u32le(0x00ffffff) }])), /^MBR partition 2$/, /past the end of the disk/);
        await rejects(readPartitions(overlayDevice(dev, [{ offset: ebrs[1] * SECTOR + 0x1be + 12, bytes: u32le(200000) }])), /^logical partition 6$/, /past the end/);
        await rejects(readPartitions(overlayDevice(dev, [{ offset: linkStart(EXT), bytes: u32le(900000) }])), /^EBR 2$/, /outside the extended partition/);
    });

    it('an EBR without its signature is an error; status bytes that are not 0/0x80 mean no table', async () => {
        await rejects(readPartitions(overlayDevice(dev, [{ offset: ebrs[1] * SECTOR + 510, bytes: u64le(0n).subarray(0, 2) }])), /^EBR 2$/, /0x55AA/);
        const t = await readPartitions(overlayDevice(dev, [{ offset: 0x1be, bytes: Uint8Array.of(0x12) }]));
        assert.deepEqual(t, { scheme: 'none', partitions: [], warnings: [] });
    });
});
