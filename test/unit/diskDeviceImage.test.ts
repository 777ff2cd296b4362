/**
 * Local images as block devices: a raw GPT disk converted by qemu-img into a fixed and a dynamic
 * VHD, a VHDX and a qcow2 (plain and compressed) reads as the same bytes qemu-img reads back
 * (`qemu-img convert -O raw`), whole and at random offsets, and the volumes on it open.
 */
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openImageDevice } from '../../src/disk/device/image';
import { BlockDevice } from '../../src/disk/types';
import { openVolumes } from '../../src/disk/volumes';
import { sha256 } from './diskTree';
import { convert, gptFixture, qemuRaw } from './diskVolumesKit';

const MiB = 1024 * 1024;

async function deviceSha(dev: BlockDevice): Promise<string> {
    const h = crypto.createHash('sha256');
    for (let at = 0; at < dev.size; at += 8 * MiB) h.update(await dev.read(at, Math.min(8 * MiB, dev.size - at)));
    return h.digest('hex');
}

function fileSha(file: string): string {
    const h = crypto.createHash('sha256');
    const fd = fs.openSync(file, 'r');
    try {
        const buf = Buffer.alloc(8 * MiB);
        for (let n = fs.readSync(fd, buf); n > 0; n = fs.readSync(fd, buf)) h.update(buf.subarray(0, n));
    } finally {
        fs.closeSync(fd);
    }
    return h.digest('hex');
}

const FORMATS: { name: string; ext: string; fmt: string; opts: string[]; format: string }[] = [
    { name: 'raw', ext: '.img', fmt: 'raw', opts: [], format: 'raw' },
    { name: 'fixed VHD', ext: '.vhd', fmt: 'vpc', opts: ['-o', 'subformat=fixed,force_size=on'], format: 'vhd-fixed' },
    { name: 'dynamic VHD', ext: '.vhd', fmt: 'vpc', opts: ['-o', 'subformat=dynamic'], format: 'vhd-dynamic' },
    { name: 'VHDX', ext: '.vhdx', fmt: 'vhdx', opts: [], format: 'vhdx' },
    { name: 'qcow2', ext: '.qcow2', fmt: 'qcow2', opts: [], format: 'qcow2' },
    { name: 'compressed qcow2', ext: '.qcow2', fmt: 'qcow2', opts: ['-c'], format: 'qcow2' },
];

describe('image devices', () => {
    let work: string;
    let raw: string;
    before(() => {
        work = fs.mkdtempSync(path.join(os.tmpdir(), 'disk-image-dev-'));
        raw = gptFixture().image;
    });
    after(() => fs.rmSync(work, { recursive: true, force: true }));

    for (const [i, f] of FORMATS.entries()) {
        it(`reads a ${f.name} as qemu-img does`, async () => {
            const image = f.fmt === 'raw' ? raw : convert(raw, path.join(work, `disk${i}${f.ext}`), f.fmt, f.opts);
            const oracle = qemuRaw(image, f.fmt, path.join(work, `oracle${i}.raw`));
            const dev = await openImageDevice(image);
            try {
                assert.equal(dev.format, f.format);
                assert.equal(dev.size, fs.statSync(oracle).size);
                assert.equal(await deviceSha(dev), fileSha(oracle));
                // Random reads of every size, across block and extent edges, against the oracle's bytes,
                // on a second device that keeps almost nothing (so each read reaches the image).
                const fd = fs.openSync(oracle, 'r');
                const small = await openImageDevice(image, { blockSize: 4096, maxBytes: 64 * 1024, maxReadAhead: 0 });
                try {
                    let seed = 7 + i;
                    for (let k = 0; k < 300; k++) {
                        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
                        const at = seed % small.size;
                        const n = Math.min(small.size - at, (seed >> 3) % (k % 10 === 0 ? 3 * MiB : 9000));
                        const want = Buffer.alloc(n);
                        fs.readSync(fd, want, 0, n, at);
                        assert.equal(sha256(await small.read(at, n)), sha256(want), `${at} + ${n}`);
                    }
                    // Reads inside the written parts, where the random ones mostly find zeros.
                    for (const r of (await small.dataRanges()).slice(0, 40)) {
                        const at = r.start + Math.floor((r.end - r.start) / 3), n = Math.min(r.end - at, 10_000);
                        const want = Buffer.alloc(n);
                        fs.readSync(fd, want, 0, n, at);
                        assert.equal(sha256(await small.read(at, n)), sha256(want), `${at} + ${n}`);
                    }
                    assert.ok(small.stats().requests > 10, `${small.stats().requests} requests`);
                } finally {
                    fs.closeSync(fd);
                    await small.close();
                }
                const vols = await openVolumes(dev);
                assert.deepEqual(vols.map((v) => v.fsType), ['FAT32', 'ext4', 'swap']);
                const root = await vols[1].fs!.root();
                const hello = (await vols[1].fs!.list(root)).find((e) => e.name === 'hello.txt')!;
                assert.equal(Buffer.from(await vols[1].fs!.read(hello, 0, 100)).toString(), 'Hello from inside the disk.\n');
            } finally {
                await dev.close();
                fs.rmSync(oracle, { force: true });
            }
        });
    }

    it('answers unallocated parts of an image as zeros without reading the file', async () => {
        const image = convert(raw, path.join(work, 'holes.qcow2'), 'qcow2');
        const dev = await openImageDevice(image);
        try {
            const ranges = await dev.dataRanges();
            // The space between the end of the swap partition's data and the backup GPT holds nothing.
            const gap = { start: 150 * MiB, end: 159 * MiB };
            assert.ok(!ranges.some((r) => r.start < gap.end && r.end > gap.start), 'no extent in the gap');
            assert.deepEqual(await dev.read(gap.start, gap.end - gap.start), new Uint8Array(gap.end - gap.start));
            assert.equal(dev.stats().requests, 0);
            assert.ok(ranges.length > 0 && ranges[0].start === 0);
        } finally {
            await dev.close();
        }
    });
});
