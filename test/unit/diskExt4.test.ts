/** The ext4 reader against images mkfs.ext4 -d and e2fsck -D made from the generated tree. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openExt, probeExt } from '../../src/disk/ext4';
import { FileSystemReader, FsNode, memoryDevice } from '../../src/disk/types';
import { CountingDevice, fileDevice } from './diskKit';
import { bytes, ManifestEntry, sha256, TREE_MTIME } from './diskTree';
import { compareWithManifest, debugfs, ext4Image, readAll, TREE, treeManifest, walk } from './diskExt4Kit';

describe('ext4 reader (mkfs.ext4 -d, 4 KiB blocks, e2fsck -D)', () => {
    let img: string;
    let dev: CountingDevice;
    let r: FileSystemReader;
    let manifest: ManifestEntry[];
    let nodes: Map<string, FsNode>;
    before(async () => {
        img = ext4Image();
        manifest = treeManifest(TREE);
        dev = fileDevice(img);
        r = await openExt(dev);
        nodes = await walk(r);
    });
    after(() => dev.close());

    it('probes with one small read and names the type and label', async () => {
        const before = dev.reads;
        assert.equal(await probeExt(dev), true);
        assert.equal(dev.reads - before, 1);
        assert.equal(r.type, 'ext4');
        assert.equal(r.label, 'ext4-fixture');
        assert.equal(await probeExt(memoryDevice(new Uint8Array(4096))), false);
        assert.equal(await probeExt(memoryDevice(new Uint8Array(100))), false, 'too small to hold a superblock');
    });

    it('lists the root in few reads, without reading file data', async () => {
        const fresh = fileDevice(img);
        try {
            const fr = await openExt(fresh);
            const names = (await fr.list(await fr.root())).map((n) => n.name).sort();
            const top = manifest.filter((m) => !m.path.includes('/')).map((m) => m.path);
            assert.deepEqual(names, [...top, 'lost+found'].sort(), 'the tree, and the folder mkfs adds');
            assert.ok(fresh.reads <= 60, `${fresh.reads} reads`);
            assert.ok(fresh.bytesRead <= 8 * 1024 * 1024, `${fresh.bytesRead} bytes`);
            assert.ok(!names.includes('.') && !names.includes('..'));
        } finally {
            fresh.close();
        }
    });

    it('has every path, type, size, link target, mtime and file sha256 of the manifest', async () => {
        const seen = await compareWithManifest(r, manifest, (p) => p === 'lost+found');
        assert.equal(seen.get('lost+found')?.type, 'dir');
    });

    it('keeps a hard link as one inode with two links, and times in ms', async () => {
        const a = nodes.get('hello.txt')!;
        const b = nodes.get('hard-link.txt')!;
        assert.equal(a.id, b.id);
        assert.equal(a.links, 2);
        assert.equal(a.mtimeMs, TREE_MTIME * 1000);
        assert.equal(a.mode! & 0o777, 0o644);
        const distinct = new Set(manifest.filter((m) => m.type === 'file').map((m) => nodes.get(m.path)!.id));
        assert.equal(distinct.size, manifest.filter((m) => m.type === 'file').length - 1, 'only the hard link shares an inode');
    });

    it('lists the 5,000-entry htree folder completely', async () => {
        const stat = debugfs(img, ['stat /many']);
        assert.match(stat, /Flags: 0x81000/, 'e2fsck -D made many/ an indexed (htree) folder with an extent tree');
        assert.match(stat, /\(ETB0\)/, 'and its extents need a tree block');
        const fresh = fileDevice(img);
        let list: FsNode[];
        try {
            const fr = await openExt(fresh);
            const many = (await fr.list(await fr.root())).find((n) => n.name === 'many')!;
            const reads = fresh.reads;
            list = await fr.list(many);
            // 32 folder blocks in a few runs, 5,000 inodes in pieces of up to 1 MiB.
            assert.ok(fresh.reads - reads <= 40, `${fresh.reads - reads} reads`);
        } finally {
            fresh.close();
        }
        assert.equal(list.length, 5000);
        assert.equal(new Set(list.map((n) => n.name)).size, 5000);
        assert.ok(list.every((n) => /^f\d{5}\.txt$/.test(n.name) && n.type === 'file'));
    });

    it('reads a 1 MiB file fetching at most 1.5 MiB, in few reads', async () => {
        const n = nodes.get('data/one-mib.bin')!;
        const [reads, bytesRead] = [dev.reads, dev.bytesRead];
        const data = await r.read(n, 0, n.size);
        assert.equal(sha256(data), sha256(bytes(1, 1024 * 1024)));
        assert.ok(dev.bytesRead - bytesRead <= 1.5 * 1024 * 1024, `${dev.bytesRead - bytesRead} bytes`);
        assert.ok(dev.reads - reads <= 4, `${dev.reads - reads} reads`);
    });

    it('never reads the holes of the sparse file', async () => {
        const n = nodes.get('sparse.bin')!;
        const [reads, bytesRead] = [dev.reads, dev.bytesRead];
        const data = await r.read(n, 0, n.size);
        assert.equal(data.length, 8 * 1024 * 1024);
        assert.ok(dev.bytesRead - bytesRead <= 2 * 65536, `${dev.bytesRead - bytesRead} bytes for 128 KiB of data`);
        assert.ok(dev.reads - reads <= 2, `${dev.reads - reads} reads`);
        const middle = await r.read(n, 1024 * 1024, 4 * 1024 * 1024);
        assert.ok(middle.every((x) => x === 0));
        assert.equal(dev.bytesRead - bytesRead <= 2 * 65536, true, 'a read inside the hole touches nothing');
    });

    it('reads at odd offsets and stops short only at the end', async () => {
        const n = nodes.get('data/odd-size.bin')!;
        const whole = bytes(3, 700_001);
        assert.deepEqual(Buffer.from(await r.read(n, 4095, 10_000)), whole.subarray(4095, 14_095));
        assert.deepEqual(Buffer.from(await r.read(n, 699_990, 100)), whole.subarray(699_990));
        assert.equal((await r.read(n, 800_000, 10)).length, 0);
        assert.equal((await readAll(r, nodes.get('empty')!)).length, 0);
    });

    it('refuses to list a file or read a folder', async () => {
        await assert.rejects(r.list(nodes.get('hello.txt')!), /not a folder/);
        await assert.rejects(r.read(nodes.get('etc')!, 0, 1), /not a regular file/);
        await assert.rejects(r.readlink(nodes.get('hello.txt')!), /not a symlink/);
    });
});
