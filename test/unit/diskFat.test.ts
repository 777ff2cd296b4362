/**
 * The FAT12/16/32 reader against images made by mkfs.vfat and filled by mcopy: every path, type,
 * size, mtime and sha256 equals the manifest of the tree copied in, the type follows the cluster
 * count, the label comes from the root's label entry, and listing the root or reading a 1 MiB
 * file reads little.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { before, describe, it } from 'node:test';
import { openFat, probeFat } from '../../src/disk/fat/index';
import { FileSystemReader, FsNode } from '../../src/disk/types';
import { fileDevice } from './diskKit';
import { sha256 } from './diskTree';
import { assertMatches, copyImage, fat12Image, fat16Image, fat32BigImage, fat32Image, patch, readAt, showFat, treeManifest } from './diskFatKit';
import { scratch } from './support';

const tmp = scratch();
const MiB = 1024 * 1024;

async function opened(img: string): Promise<{ fsr: FileSystemReader; dev: ReturnType<typeof fileDevice> }> {
    const dev = fileDevice(img);
    return { fsr: await openFat(dev), dev };
}

async function child(fsr: FileSystemReader, dir: FsNode, name: string): Promise<FsNode> {
    const n = (await fsr.list(dir)).find((e) => e.name === name);
    assert.ok(n, `${name} in ${dir.name || '/'}`);
    return n;
}

/** The byte offset of the 8.3 entry named `name11` in the image (32-byte aligned, not a long-name entry). */
function findShort(img: string, name11: string): number {
    const all = fs.readFileSync(img);
    for (let at = all.indexOf(name11); at >= 0; at = all.indexOf(name11, at + 1)) {
        if (at % 32 === 0 && all[at + 11] !== 0x0f) return at;
    }
    assert.fail(`no 8.3 entry ${name11}`);
}

describe('FAT12/16/32 images made by mkfs.vfat and mcopy', () => {
    const images: Record<string, string> = {};
    before(() => {
        images.fat16 = fat16Image();
        images.fat32 = fat32Image();
        images.fat32big = fat32BigImage();
    });

    for (const [key, type, label] of [
        ['fat16', 'FAT16', 'FAT16VOL'],
        ['fat32', 'FAT32', 'FAT32VOL'],
        ['fat32big', 'FAT32', 'BIGSECTORS'],
    ] as const) {
        it(`${key}: probe, label and every entry and file match the tree`, async () => {
            const { fsr, dev } = await opened(images[key]);
            try {
                const probeDev = fileDevice(images[key]);
                assert.equal(await probeFat(probeDev), type);
                assert.equal(probeDev.reads, 1, 'the probe reads the boot sector once');
                probeDev.close();
                assert.equal(fsr.type, type);
                assert.equal(fsr.label, label);
                await assertMatches(fsr, treeManifest());
                const many = await child(fsr, await fsr.root(), 'many');
                assert.equal((await fsr.list(many)).length, 5000);
            } finally {
                dev.close();
            }
        });
    }

    it('a 4096-byte-sector volume really has 4096-byte sectors and clusters', () => {
        const b = readAt(images.fat32big, 0, 512);
        assert.equal(b.readUInt16LE(11), 4096);
        assert.equal(b[13], 1);
    });

    it('hello.txt is an 8.3 entry with NT lowercase flags and no long name, read as hello.txt', async () => {
        const at = findShort(images.fat16, 'HELLO   TXT');
        const e = readAt(images.fat16, at - 32, 64);
        assert.notEqual(e[11], 0x0f, 'no long-name entry before it');
        assert.equal(e[32 + 12], 0x18, 'base and extension flagged lowercase');
        const { fsr, dev } = await opened(images.fat16);
        try {
            const names = (await fsr.list(await fsr.root())).map((n) => n.name);
            assert.ok(names.includes('hello.txt'));
            assert.ok(!names.includes('HELLO.TXT'));
        } finally {
            dev.close();
        }
    });

    it('lists the root in few reads and reads a 1 MiB file with little more than 1 MiB', async () => {
        for (const key of ['fat16', 'fat32', 'fat32big']) {
            const { fsr, dev } = await opened(images[key]);
            try {
                const root = await fsr.list(await fsr.root());
                assert.ok(dev.reads <= 60 && dev.bytesRead <= 8 * MiB, `${key} root: ${dev.reads} reads, ${dev.bytesRead} bytes`);
                // The FAT is read in pieces as chains need them, not whole.
                const b = readAt(images[key], 0, 512);
                const fatBytes = (b.readUInt16LE(22) || b.readUInt32LE(36)) * b.readUInt16LE(11);
                assert.ok(dev.bytesRead < fatBytes / 2, `${key} root: ${dev.bytesRead} bytes read, the FAT alone is ${fatBytes}`);
                const data = root.find((n) => n.name === 'data')!;
                const one = (await fsr.list(data)).find((n) => n.name === 'one-mib.bin')!;
                const before = { reads: dev.reads, bytes: dev.bytesRead };
                const bytes = await fsr.read(one, 0, one.size);
                const fetched = dev.bytesRead - before.bytes;
                assert.equal(bytes.length, MiB);
                assert.ok(fetched <= 1.5 * MiB, `${key} one-mib.bin: ${fetched} bytes`);
                assert.ok(dev.reads - before.reads <= 12, `${key} one-mib.bin: ${dev.reads - before.reads} reads (contiguous clusters are one read)`);
                // A ranged read inside the file agrees with the whole and reads only its clusters.
                const mid = await fsr.read(one, 300_001, 1000);
                assert.deepEqual(mid, bytes.subarray(300_001, 301_001));
                assert.equal((await fsr.read(one, MiB - 10, 100)).length, 10, 'short only at the end');
            } finally {
                dev.close();
            }
        }
    });
});

describe('FAT12: a small mkfs.vfat -F 12 volume', () => {
    it('is FAT12 by its cluster count; names, deleted entries, a fragmented chain and packed entries read right', async () => {
        const { img, tree } = fat12Image(tmp.dir);
        // The fixture's point: frag.bin lies in two runs (mtools shows each run as <first-last>).
        assert.ok((showFat(img, 'frag.bin').match(/<\d+-\d+>/g) ?? []).length >= 2, showFat(img, 'frag.bin'));
        const dev = fileDevice(img);
        try {
            assert.equal(await probeFat(dev), 'FAT12');
            const fsr = await openFat(dev);
            assert.equal(fsr.type, 'FAT12');
            assert.equal(fsr.label, 'SMALL12');
            await assertMatches(fsr, tree);
            const names = (await fsr.list(await fsr.root())).map((n) => n.name).sort();
            assert.deepEqual(names, ['Mixed Case Name.text', 'UPPER.TXT', 'blob.bin', 'frag.bin', 'hello.txt', 'keep.bin', 'sub']);
            // Reads that start and end mid-run, across the jump between frag.bin's two runs.
            const frag = (await fsr.list(await fsr.root())).find((n) => n.name === 'frag.bin')!;
            const whole = await fsr.read(frag, 0, frag.size);
            for (const [o, n] of [[1, 20_000], [19_999, 5_000], [50_000, 50_000]]) {
                assert.equal(sha256(await fsr.read(frag, o, n)), sha256(whole.subarray(o, o + n)), `${o}+${n}`);
            }
        } finally {
            dev.close();
        }
    });
});

describe('FAT volume label', () => {
    it('comes from the root label entry, and from the boot sector when that entry is gone', async () => {
        const img = copyImage(fat16Image(), tmp.dir, 'label.img');
        const at = findShort(img, 'FAT16VOL   ');
        // The boot sector's copy of the label sits at byte 43; the root entry is the other match.
        const entry = at === 43 ? findShortAfter(img, 'FAT16VOL   ', 64) : at;
        patch(img, entry, Buffer.from('ENTRYLABEL '));
        let dev = fileDevice(img);
        assert.equal((await openFat(dev)).label, 'ENTRYLABEL');
        dev.close();
        patch(img, entry, Buffer.from([0xe5]));
        dev = fileDevice(img);
        assert.equal((await openFat(dev)).label, 'FAT16VOL');
        dev.close();
    });
});

function findShortAfter(img: string, name11: string, from: number): number {
    const all = fs.readFileSync(img);
    for (let at = all.indexOf(name11, from); at >= 0; at = all.indexOf(name11, at + 1)) {
        if (at % 32 === 0) return at;
    }
    assert.fail(`no entry ${name11} after ${from}`);
}
