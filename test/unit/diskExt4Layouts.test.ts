/** The ext reader on the block sizes at either end (64 KiB, bigalloc 1 KiB), meta_bg and unwritten extents. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openExt } from '../../src/disk/ext4';
import { parseEntries } from '../../src/disk/ext4/dirents';
import { DiskFormatError } from '../../src/disk/types';
import { fileDevice, sh } from './diskKit';
import { sha256 } from './diskTree';
import { bigallocImage, bigBlockImage, metaBgImage, compareWithManifest, damagedImage, debugfs, INLINE_EXTRA, inlineImage, MINI_TREE, readAll, smallExt4Image, treeManifest } from './diskExt4Kit';

describe('ext reader on other block layouts', () => {
    it('reads 64 KiB blocks', async () => {
        const img = bigBlockImage();
        assert.match(debugfs(img, ['stats']), /Block size:\s+65536/);
        const dev = fileDevice(img);
        try {
            const r = await openExt(dev);
            assert.equal(r.type, 'ext4');
            await compareWithManifest(r, treeManifest(MINI_TREE), (p) => p === 'lost+found');
        } finally {
            dev.close();
        }
    });

    it('reads meta_bg descriptors past the first meta group', async () => {
        const img = metaBgImage();
        const many = Number(/^\s*(\d+)/m.exec(debugfs(img, ['ls -l /many']).split('\n').filter((l) => l.includes('f00099.txt'))[0])![1]);
        assert.ok((many - 1) / 8 >= 16, `inode ${many} lies in group ${Math.floor((many - 1) / 8)}, past meta group 0`);
        assert.match(sh('dumpe2fs', [img]), /Group 16:[^\n]*\n\s*Group descriptor at 131073\n/, 'in the second meta group');
        const dev = fileDevice(img);
        try {
            await compareWithManifest(await openExt(dev), treeManifest(MINI_TREE), (p) => p === 'lost+found');
        } finally {
            dev.close();
        }
    });

    it('reads bigalloc (1 KiB blocks in 4 KiB clusters)', async () => {
        const img = bigallocImage();
        assert.match(debugfs(img, ['stats']), /Cluster size:\s+4096/);
        const dev = fileDevice(img);
        try {
            await compareWithManifest(await openExt(dev), treeManifest(MINI_TREE), (p) => p === 'lost+found');
        } finally {
            dev.close();
        }
    });

    it('reads unwritten (preallocated) extents as zeros without reading them', async () => {
        const img = inlineImage();
        assert.match(debugfs(img, [`stat /${INLINE_EXTRA.prealloc}`]), /\[u\]/, 'fallocate left unwritten extents');
        const dev = fileDevice(img);
        try {
            const r = await openExt(dev);
            const n = (await r.list(await r.root())).find((c) => c.name === INLINE_EXTRA.prealloc)!;
            assert.equal(n.size, INLINE_EXTRA.preallocSize);
            const bytesRead = dev.bytesRead;
            const data = await readAll(r, n);
            const want = Buffer.alloc(INLINE_EXTRA.preallocSize);
            INLINE_EXTRA.preallocData.copy(want);
            assert.equal(sha256(data), sha256(want));
            assert.ok(dev.bytesRead - bytesRead <= 4096, `${dev.bytesRead - bytesRead} bytes for 4 KiB of data`);
        } finally {
            dev.close();
        }
    });
});

describe('ext inode fields past 32 bits', () => {
    it('reads sizes past 4 GiB, seconds past 2038 (epoch bits), before 1970 (signed) and nanoseconds, as debugfs set them', async () => {
        // _extra = nanoseconds << 2 | epoch: 125 ms and epoch 2 (seconds + 2 * 2^32).
        const extra = `0x${(125_000_000 * 4 + 2).toString(16)}`;
        const img = damagedImage(smallExt4Image(), 'times', [
            'sif /hello.txt mtime 22220304050607', `sif /hello.txt mtime_extra ${extra}`, 'sif /etc/hostname mtime @-315532800',
            'sif /sparse.bin size 0x100800000',
        ]);
        const stat = (p: string) => sh('debugfs', ['-R', `stat ${p}`, img], { env: { TZ: 'UTC' } });
        assert.match(stat('/hello.txt'), /mtime: 0x[0-9a-f]+:1dcd6502 -- Mon Mar {2}4 05:06:07 2222/);
        assert.match(stat('/etc/hostname'), /mtime: 0x[0-9a-f]+:00000000 -- Sat Jan {2}2 00:00:00 1960/);
        const dev = fileDevice(img);
        try {
            const r = await openExt(dev);
            const root = await r.list(await r.root());
            assert.equal(root.find((n) => n.name === 'hello.txt')!.mtimeMs, Date.UTC(2222, 2, 4, 5, 6, 7) + 125);
            const etc = await r.list(root.find((n) => n.name === 'etc')!);
            assert.equal(etc.find((n) => n.name === 'hostname')!.mtimeMs, Date.UTC(1960, 0, 2));
            // i_size_high: 4 GiB + 8 MiB, all of it past the old end a hole read without the device.
            assert.match(stat('/sparse.bin'), /Size: 4303355904\n/);
            const sparse = root.find((n) => n.name === 'sparse.bin')!;
            assert.equal(sparse.size, 2 ** 32 + 8 * 1024 * 1024);
            const reads = dev.reads;
            const tail = await r.read(sparse, 2 ** 32 + 8 * 1024 * 1024 - 100, 1000);
            assert.equal(tail.length, 100);
            assert.ok(tail.every((x) => x === 0));
            assert.equal(dev.reads, reads);
        } finally {
            dev.close();
        }
    });
});

describe('ext folder entries', () => {
    const ctx = (blockSize: number) => ({ what: 'ext folder inode 9', blockSize, fileType: true, inodesCount: 100 });
    const entry = (ino: number, recLen: number, name: string) => {
        const b = Buffer.alloc(recLen === 0 || recLen === 65535 ? 65536 : recLen);
        b.writeUInt32LE(ino, 0);
        b.writeUInt16LE(recLen, 4);
        b[6] = name.length;
        b[7] = 1;
        b.write(name, 8, 'latin1');
        return b;
    };

    it('reads a 64 KiB rec_len kept as 0 or 65535 only in 64 KiB blocks', () => {
        for (const raw of [0, 65535]) {
            assert.deepEqual(parseEntries(ctx(65536), entry(5, raw, 'x'), 0, 65536, 0).map((e) => e.name), ['x']);
        }
        assert.throws(() => parseEntries(ctx(4096), entry(5, 0, 'x'), 0, 4096, 0), /rec_len 0 is smaller/);
    });

    it('refuses entries too short for their name, unaligned, out of range, or past the block', () => {
        const cases: [Buffer, RegExp][] = [
            [Buffer.concat([entry(5, 12, 'abcdefgh').subarray(0, 12), Buffer.alloc(4)]), /too small for a 8-byte name/],
            [Buffer.concat([entry(5, 14, 'x'), Buffer.alloc(2)]), /not a multiple of 4/],
            [entry(500, 16, 'x'), /inode 500 is out of range/],
            [entry(5, 16, 'x').subarray(0, 12), /runs past the end of the block/],
        ];
        for (const [b, re] of cases) {
            assert.throws(() => parseEntries(ctx(4096), b, 0, b.length, 0), (e: unknown) => e instanceof DiskFormatError && re.test(e.message));
        }
    });
});
