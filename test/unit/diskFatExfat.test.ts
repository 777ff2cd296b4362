/**
 * The exFAT reader against an image made by mkfs.exfat and filled through the exfat-fuse driver:
 * every path, size, mtime and sha256 equals the tree's, files written interleaved read through
 * their FAT chains, and bytes past ValidDataLength read as zeros without a device read. Damaged
 * copies (a bad entry-set checksum, a chain loop, a bad boot sector) end in a DiskFormatError.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { before, describe, it } from 'node:test';
import { openFat, probeFat } from '../../src/disk/fat/index';
import { FileSystemReader, FsNode } from '../../src/disk/types';
import { fileDevice } from './diskKit';
import { sha256, TREE_MTIME } from './diskTree';
import { assertFormatError, assertMatches, copyImage, EXFAT_EXTRA, exfatImage, patch, readAt, treeManifest } from './diskFatKit';
import { scratch } from './support';

const tmp = scratch();
const MiB = 1024 * 1024;
let n = 0;

/** The File entry's offset of the entry set named `name` (up to 15 characters: one name entry). */
function entrySet(img: string, name: string): { at: number; set: Buffer } {
    const all = fs.readFileSync(img);
    const pat = Buffer.from(name, 'utf16le');
    for (let i = all.indexOf(pat); i >= 0; i = all.indexOf(pat, i + 1)) {
        const nameEntry = i - 2;
        if (nameEntry % 32 === 0 && all[nameEntry] === 0xc1 && all[nameEntry - 32] === 0xc0 && all[nameEntry - 64] === 0x85) {
            const at = nameEntry - 64;
            return { at, set: Buffer.from(all.subarray(at, at + (all[at + 1] + 1) * 32)) };
        }
    }
    assert.fail(`no entry set for ${name}`);
}

/** exFAT spec 6.3.3, computed here so a patched set can be made valid again. */
function setChecksum(set: Buffer): number {
    let sum = 0;
    for (let i = 0; i < set.length; i++) if (i !== 2 && i !== 3) sum = (((sum & 1) << 15) + (sum >> 1) + set[i]) & 0xffff;
    return sum;
}

function rewrite(img: string, at: number, set: Buffer): void {
    set.writeUInt16LE(setChecksum(set), 2);
    patch(img, at, set);
}

function fatOffset(img: string): number {
    const b = readAt(img, 0, 512);
    return b.readUInt32LE(80) * 2 ** b[108];
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

function damaged(): string {
    return copyImage(exfatImage(), tmp.dir, `exfat-${n++}.img`);
}

describe('exFAT image made by mkfs.exfat and exfat-fuse', () => {
    let img = '';
    before(() => {
        img = exfatImage();
    });

    it('probes as exFAT; label, and every entry and file match the tree', async () => {
        const dev = fileDevice(img);
        try {
            assert.equal(await probeFat(dev), 'exFAT');
            assert.equal(dev.reads, 1);
            const fsr = await openFat(dev);
            assert.equal(fsr.type, 'exFAT');
            assert.equal(fsr.label, 'ExVolume');
            const extra = EXFAT_EXTRA.map((e) => ({ path: e.path, type: 'file' as const, size: e.data.length, sha256: sha256(e.data), mtime: TREE_MTIME, ino: 0 }));
            await assertMatches(fsr, [...treeManifest(), ...extra]);
            assert.equal((await fsr.list(await find(fsr, 'many'))).length, 5000);
        } finally {
            dev.close();
        }
    });

    it('the interleaved files use FAT chains (NoFatChain clear) in several runs', () => {
        for (const e of EXFAT_EXTRA) {
            const { set } = entrySet(img, e.path);
            assert.equal(set[33] & 0x02, 0, `${e.path}: NoFatChain clear`);
            const fat = fatOffset(img);
            let jumps = 0;
            for (let c = set.readUInt32LE(52), k = 0; c !== 0xffffffff && k < 100_000; k++) {
                const next = readAt(img, fat + c * 4, 4).readUInt32LE(0);
                if (next !== 0xffffffff && next !== c + 1) jumps++;
                c = next;
            }
            assert.ok(jumps >= 4, `${e.path}: ${jumps} jumps`);
        }
        assert.equal(entrySet(img, 'one-mib.bin').set[33] & 0x02, 0x02, 'one-mib.bin is contiguous (NoFatChain)');
    });

    it('lists the root in few reads and reads a 1 MiB file with little more than 1 MiB', async () => {
        const dev = fileDevice(img);
        try {
            const fsr = await openFat(dev);
            await fsr.list(await fsr.root());
            assert.ok(dev.reads <= 60 && dev.bytesRead <= 8 * MiB, `root: ${dev.reads} reads, ${dev.bytesRead} bytes`);
            for (const name of ['data/one-mib.bin', 'frag-a.bin']) {
                const file = await find(fsr, name);
                const before = dev.bytesRead;
                assert.equal((await fsr.read(file, 0, file.size)).length, file.size);
                assert.ok(dev.bytesRead - before <= 1.5 * MiB, `${name}: ${dev.bytesRead - before} bytes`);
            }
        } finally {
            dev.close();
        }
    });

    it('reads bytes past ValidDataLength as zeros without reading them; applies the UTC offset', async () => {
        const copy = damaged();
        const valid = MiB + 5;
        const sparse = entrySet(copy, 'sparse.bin');
        sparse.set.writeUInt32LE(valid, 32 + 8);
        rewrite(copy, sparse.at, sparse.set);
        // LastModifiedUtcOffset: valid (bit 7), +4 quarter hours: the stored local time is UTC+1.
        const hello = entrySet(copy, 'hello.txt');
        hello.set[23] = 0x80 | 4;
        rewrite(copy, hello.at, hello.set);
        const dev = fileDevice(copy);
        try {
            const fsr = await openFat(dev);
            assert.equal((await find(fsr, 'hello.txt')).mtimeMs, (TREE_MTIME - 3600) * 1000);
            const file = await find(fsr, 'sparse.bin');
            assert.equal(file.size, 8 * MiB);
            const before = { reads: dev.reads, bytes: dev.bytesRead };
            const tail = await fsr.read(file, 2 * MiB, 4 * MiB);
            assert.ok(tail.every((b) => b === 0));
            assert.deepEqual({ reads: dev.reads, bytes: dev.bytesRead }, before, 'past ValidDataLength: no device read');
            const whole = await fsr.read(file, 0, file.size);
            assert.ok(dev.bytesRead - before.bytes <= valid, `read ${dev.bytesRead - before.bytes} bytes for ${valid} valid ones`);
            const original = await openFat(fileDevice(img)).then(async (o) => o.read(await find(o, 'sparse.bin'), 0, valid));
            assert.deepEqual(whole.subarray(0, valid), original);
            assert.ok(whole.subarray(valid).every((b) => b === 0));
        } finally {
            dev.close();
        }
    });
});

describe('damaged exFAT images', () => {
    it('an entry set whose checksum does not match', async () => {
        const copy = damaged();
        const { at } = entrySet(copy, 'hostname');
        // One unit of the name changes ("hostname" -> "Hostname"); the stored checksum stays.
        patch(copy, at + 64 + 2, Buffer.from('H', 'utf16le'));
        const dev = fileDevice(copy);
        const fsr = await openFat(dev);
        const etc = await find(fsr, 'etc');
        await assertFormatError(fsr.list(etc), /^exFAT directory entry set$/, /folder "etc".*checksum/);
        dev.close();
    });

    it("a FAT chain that comes back to the file's first cluster", async () => {
        const copy = damaged();
        const { set } = entrySet(copy, 'frag-a.bin');
        const first = set.readUInt32LE(52);
        const fat = fatOffset(copy);
        const second = readAt(copy, fat + first * 4, 4).readUInt32LE(0);
        const b = Buffer.alloc(4);
        b.writeUInt32LE(first);
        patch(copy, fat + second * 4, b);
        const dev = fileDevice(copy);
        const fsr = await openFat(dev);
        const file = await find(fsr, 'frag-a.bin');
        await assertFormatError(fsr.read(file, 0, file.size), /^exFAT chain$/, new RegExp(`loops back to cluster ${first}\\b`));
        dev.close();
    });

    it('a contiguous (NoFatChain) file whose clusters run past the heap', async () => {
        const copy = damaged();
        const { at, set } = entrySet(copy, 'one-mib.bin');
        const clusters = readAt(copy, 92, 4).readUInt32LE(0);
        set.writeUInt32LE(clusters - 3, 52);
        rewrite(copy, at, set);
        const dev = fileDevice(copy);
        const fsr = await openFat(dev);
        const file = await find(fsr, 'data/one-mib.bin');
        await assertFormatError(fsr.read(file, 0, 10), /^exFAT stream$/, /outside clusters 2\.\./);
        dev.close();
    });

    it('a folder whose stated length is larger than the volume', async () => {
        const copy = damaged();
        const { at, set } = entrySet(copy, 'etc');
        set.writeUInt32LE(0, 32 + 24);
        set.writeUInt32LE(1, 32 + 28);
        rewrite(copy, at, set);
        const dev = fileDevice(copy);
        await assertFormatError(openFat(dev), /^exFAT directory entry set$/, /"etc" claims 4294967296 bytes/);
        dev.close();
    });

    it('boot sectors with a bad sector shift or a cluster count past the volume', async () => {
        for (const [offset, bytes, message] of [
            [108, [0], /bytes-per-sector shift 0/],
            [92, [0, 0, 0, 0x10], /past the volume/],
        ] as const) {
            const copy = damaged();
            patch(copy, offset, Buffer.from(bytes));
            const dev = fileDevice(copy);
            assert.equal(await probeFat(dev), undefined);
            await assertFormatError(openFat(dev), /^exFAT boot sector$/, message);
            dev.close();
        }
    });
});
