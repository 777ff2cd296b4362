/**
 * Damaged FAT images: copies of the mkfs.vfat + mcopy fixtures with one structure overwritten.
 * Each ends in a DiskFormatError naming the structure, quickly; a broken long-name checksum is
 * not damage but a reason to show the 8.3 name, as Windows and Linux do.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { describe, it } from 'node:test';
import { openFat, probeFat } from '../../src/disk/fat/index';
import { FileSystemReader, FsNode } from '../../src/disk/types';
import { fileDevice } from './diskKit';
import { assertFormatError, copyImage, fat16Image, fat32Image, patch, readAt } from './diskFatKit';
import { scratch } from './support';

const tmp = scratch();
let n = 0;

/** The layout fields of a FAT boot sector, computed here from the spec, not by the reader. */
function layout(img: string) {
    const b = readAt(img, 0, 512);
    const bps = b.readUInt16LE(11);
    const reserved = b.readUInt16LE(14);
    const fats = b[16];
    const rootEntries = b.readUInt16LE(17);
    const fatSize = b.readUInt16LE(22) || b.readUInt32LE(36);
    const fat32 = rootEntries === 0;
    const firstData = (reserved + fats * fatSize) * bps + rootEntries * 32;
    const clusterSize = bps * b[13];
    return {
        fat32,
        fatEntry: (c: number) => reserved * bps + c * (fat32 ? 4 : 2),
        cluster: (c: number) => firstData + (c - 2) * clusterSize,
        rootStart: fat32 ? firstData + (b.readUInt32LE(44) - 2) * clusterSize : (reserved + fats * fatSize) * bps,
    };
}

function getFat(img: string, at: number, fat32: boolean): number {
    const b = readAt(img, at, 4);
    return fat32 ? b.readUInt32LE(0) & 0x0fffffff : b.readUInt16LE(0);
}

function setFat(img: string, at: number, fat32: boolean, v: number): void {
    const b = Buffer.alloc(fat32 ? 4 : 2);
    if (fat32) b.writeUInt32LE(v);
    else b.writeUInt16LE(v);
    patch(img, at, b);
}

/** The 8.3 entry `name11` inside [from, from + span) of the image: its offset and first cluster. */
function entry(img: string, name11: string, from: number, span = 65536): { at: number; cluster: number } {
    const b = readAt(img, from, span);
    for (let at = 0; at + 32 <= b.length; at += 32) {
        if (b.toString('latin1', at, at + 11) === name11 && b[at + 11] !== 0x0f) {
            return { at: from + at, cluster: b.readUInt16LE(at + 20) * 0x10000 + b.readUInt16LE(at + 26) };
        }
    }
    assert.fail(`no entry ${name11} after byte ${from}`);
}

function damaged(src: string): string {
    return copyImage(src, tmp.dir, `damaged-${n++}.img`);
}

async function find(fsr: FileSystemReader, path: string): Promise<FsNode> {
    let node = await fsr.root();
    for (const part of path.split('/')) {
        const next = (await fsr.list(node)).find((e) => e.name === part);
        assert.ok(next, path);
        node = next;
    }
    return node;
}

describe('damaged FAT boot sectors', () => {
    it('bytes per sector 0: not probed as FAT, and opening names the boot sector', async () => {
        const img = damaged(fat16Image());
        patch(img, 11, Buffer.from([0, 0]));
        const dev = fileDevice(img);
        assert.equal(await probeFat(dev), undefined);
        await assertFormatError(openFat(dev), /^FAT boot sector$/, /bytes per sector is 0/);
        dev.close();
    });

    it('a sector count whose clusters run past the device', async () => {
        const img = damaged(fat32Image());
        const total = readAt(img, 32, 4).readUInt32LE(0);
        const b = Buffer.alloc(4);
        b.writeUInt32LE(total * 4);
        patch(img, 32, b);
        const dev = fileDevice(img);
        await assertFormatError(openFat(dev), /^FAT boot sector$/, /past the device/);
        dev.close();
    });

    it('sectors per cluster that is not a power of two', async () => {
        const img = damaged(fat16Image());
        patch(img, 13, Buffer.from([3]));
        const dev = fileDevice(img);
        await assertFormatError(openFat(dev), /^FAT boot sector$/, /sectors per cluster is 3/);
        dev.close();
    });
});

describe('damaged FAT chains and folders', () => {
    it("a file's chain that points back at its own first cluster is a loop", async () => {
        const img = damaged(fat32Image());
        const L = layout(img);
        const data = entry(img, 'DATA       ', L.rootStart);
        const one = entry(img, 'ONE-MIB BIN', L.cluster(data.cluster), 4096);
        const at = L.fatEntry(one.cluster + 100);
        assert.equal(getFat(img, at, true), one.cluster + 101, 'the fixture stores one-mib.bin contiguously');
        setFat(img, at, true, one.cluster);
        const dev = fileDevice(img);
        const fsr = await openFat(dev);
        const file = await find(fsr, 'data/one-mib.bin');
        await assertFormatError(fsr.read(file, 0, file.size), /^FAT32 chain$/, new RegExp(`one-mib\\.bin.*loops back to cluster ${one.cluster}\\b`));
        dev.close();
    });

    it("a folder's chain that loops (many/, several clusters long)", async () => {
        const img = damaged(fat32Image());
        const L = layout(img);
        const many = entry(img, 'MANY       ', L.rootStart);
        // Walk the folder's chain (FAT32 end marks are 0x0FFFFFF8 and up) to its last cluster.
        let c = many.cluster;
        for (let next = getFat(img, L.fatEntry(c), true); next < 0x0ffffff8; next = getFat(img, L.fatEntry(c), true)) c = next;
        assert.notEqual(c, many.cluster, 'many/ spans more than one cluster');
        setFat(img, L.fatEntry(c), true, many.cluster);
        const dev = fileDevice(img);
        const fsr = await openFat(dev);
        const dir = await find(fsr, 'many');
        await assertFormatError(fsr.list(dir), /^FAT32 chain$/, /folder "many": loops back/);
        dev.close();
    });

    it('a chain that points past the last cluster', async () => {
        const img = damaged(fat16Image());
        const L = layout(img);
        const data = entry(img, 'DATA       ', L.rootStart);
        const three = entry(img, 'THREE-MBBIN', L.cluster(data.cluster), 4096);
        setFat(img, L.fatEntry(three.cluster + 10), false, 0xfff0);
        const dev = fileDevice(img);
        const fsr = await openFat(dev);
        const file = await find(fsr, 'data/three-mb.bin');
        await assertFormatError(fsr.read(file, 0, file.size), /^FAT16 chain$/, /points to cluster 65520, past the last cluster/);
        dev.close();
    });

    it('a subfolder whose first cluster is the folder holding it, or an ancestor, is a loop', async () => {
        for (const [deeper, target] of [
            [false, /the folder holding it/],
            [true, /its ancestor "deep"/],
        ] as const) {
            const img = damaged(fat32Image());
            const L = layout(img);
            const deep = entry(img, 'DEEP       ', L.rootStart);
            const a = entry(img, 'A          ', L.cluster(deep.cluster), 512);
            // deep/a -> deep itself, or deep/a/b -> deep.
            const victim = deeper ? entry(img, 'B          ', L.cluster(a.cluster), 512) : a;
            const b = Buffer.alloc(2);
            b.writeUInt16LE(deep.cluster >> 16);
            patch(img, victim.at + 20, b);
            b.writeUInt16LE(deep.cluster & 0xffff);
            patch(img, victim.at + 26, b);
            const dev = fileDevice(img);
            const fsr = await openFat(dev);
            await assertFormatError(find(fsr, 'deep/a/b'), /^FAT32 directory$/, target);
            dev.close();
        }
    });

    it('a file whose size needs more clusters than its chain has', async () => {
        const img = damaged(fat16Image());
        const L = layout(img);
        const hello = entry(img, 'HELLO   TXT', L.rootStart);
        const b = Buffer.alloc(4);
        b.writeUInt32LE(1_000_000);
        patch(img, hello.at + 28, b);
        const dev = fileDevice(img);
        const fsr = await openFat(dev);
        const file = await find(fsr, 'hello.txt');
        await assertFormatError(fsr.read(file, 0, file.size), /^FAT16 chain$/, /hello\.txt.*ends after 1 clusters/);
        dev.close();
    });
});

describe('FAT32 mirroring flags', () => {
    it('with mirroring off and FAT 1 active, a wiped FAT 0 is not read; with mirroring on it is damage', async () => {
        const img = damaged(fat32Image());
        const b = readAt(img, 0, 512);
        const fatBytes = b.readUInt32LE(36) * b.readUInt16LE(11);
        patch(img, b.readUInt16LE(14) * b.readUInt16LE(11), Buffer.alloc(fatBytes));
        // ExtFlags (byte 40): bit 7 mirroring off, bits 0-3 the active FAT.
        patch(img, 40, Buffer.from([0x81, 0]));
        let dev = fileDevice(img);
        const fsr = await openFat(dev);
        const file = await find(fsr, 'data/one-mib.bin');
        assert.equal((await fsr.read(file, 0, file.size)).length, file.size);
        dev.close();
        patch(img, 40, Buffer.from([0, 0]));
        dev = fileDevice(img);
        await assertFormatError(openFat(dev), /^FAT32 chain$/, /root folder: cluster \d+ leads to a free cluster/);
        dev.close();
    });
});

describe('long names that do not check out', () => {
    // The long-name entries lie right before the 8.3 entry, the last part (ordinal 0x42) first;
    // byte 13 of each is the checksum of the 8.3 name.
    for (const [what, change] of [
        ['a checksum that does not match the 8.3 name', (entry: Buffer) => (entry[13] = (entry[13] + 1) & 0xff)],
        ['entries that disagree on the checksum', (entry: Buffer) => entry[0] === 0x01 && (entry[13] = (entry[13] + 1) & 0xff)],
        ['a gap in the ordinals (3 parts claimed, 2 present)', (entry: Buffer) => entry[0] === 0x42 && (entry[0] = 0x43)],
    ] as const) {
        it(`${what}: the 8.3 name stands, and the folder still reads`, async () => {
            const img = damaged(fat16Image());
            const L = layout(img);
            const short = entry(img, 'NAMEWI~1   ', L.rootStart);
            let count = 0;
            for (let at = short.at - 32; readAt(img, at + 11, 1)[0] === 0x0f; at -= 32) {
                const e = readAt(img, at, 32);
                change(e);
                patch(img, at, e);
                count++;
            }
            assert.equal(count, 2, '"name with spaces" takes two long-name entries');
            const dev = fileDevice(img);
            const fsr = await openFat(dev);
            const names = (await fsr.list(await fsr.root())).map((e) => e.name);
            assert.ok(names.includes('NAMEWI~1'), names.join(', '));
            assert.ok(!names.includes('name with spaces'));
            assert.deepEqual((await fsr.list(await find(fsr, 'NAMEWI~1'))).map((e) => e.name), ['inner file.txt']);
            dev.close();
        });
    }

    it('an image read past its end (truncated) is refused by the boot sector check', async () => {
        const img = damaged(fat16Image());
        fs.truncateSync(img, 32 * 1024 * 1024);
        const dev = fileDevice(img);
        await assertFormatError(openFat(dev), /^FAT boot sector$/, /past the device/);
        dev.close();
    });
});
