/**
 * The XFS reader against an image made by mkfs.xfs and filled through the kernel's XFS: every
 * entry and every file of the tree, each data-fork and directory format (xfs_db says which), and
 * what listing and reading cost in device reads.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FileSystemReader, FsNode, memoryDevice } from '../../src/disk/types';
import { openXfs, probeXfs } from '../../src/disk/xfs';
import { CountingDevice, fileDevice } from './diskKit';
import { ManifestEntry, TREE_MTIME, sha256 } from './diskTree';
import { LABEL, REMOTE_TARGET, XfsFixture, bmap, forkFormat, xfsFixture } from './diskXfsKit';

/** Directory data lives below 32 GiB, the hash leaves from there, the free index from 64 GiB (in 4 KiB blocks). */
const LEAF_BLOCK = 2 ** 35 / 4096;
const FREE_BLOCK = 2 ** 36 / 4096;

let fx: XfsFixture;
const devices: CountingDevice[] = [];

async function open(): Promise<{ dev: CountingDevice; fsr: FileSystemReader }> {
    const dev = fileDevice(fx.image);
    devices.push(dev);
    return { dev, fsr: await openXfs(dev) };
}

async function lookup(fsr: FileSystemReader, rel: string): Promise<FsNode> {
    let node = await fsr.root();
    for (const part of rel.split('/')) {
        const next = (await fsr.list(node)).find((n) => n.name === part);
        assert.ok(next, `${rel}: no '${part}'`);
        node = next;
    }
    return node;
}

async function readAll(fsr: FileSystemReader, node: FsNode): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    for (let at = 0; at < node.size; at += 1 << 20) parts.push(await fsr.read(node, at, 1 << 20));
    return Buffer.concat(parts);
}

const ino = (rel: string) => {
    const e = fx.manifest.find((m) => m.path === rel);
    assert.ok(e, `manifest has ${rel}`);
    return e.ino;
};

describe('XFS reader', () => {
    before(() => {
        fx = xfsFixture();
    });
    after(() => devices.forEach((d) => d.close()));

    it('probes XFS, and nothing else', async () => {
        const { dev, fsr } = await open();
        assert.equal(await probeXfs(dev), true);
        assert.equal(await probeXfs(memoryDevice(new Uint8Array(4096))), false);
        assert.equal(fsr.type, 'XFS');
        assert.equal(fsr.label, LABEL);
    });

    it('lists every entry of the tree as the kernel does, and every file hashes the same', async () => {
        const { fsr } = await open();
        const seen = new Map<string, FsNode>();
        const walk = async (dir: FsNode, rel: string, depth: number) => {
            assert.ok(depth < 40, 'tree depth');
            for (const n of await fsr.list(dir)) {
                const p = rel ? `${rel}/${n.name}` : n.name;
                assert.ok(!seen.has(p), `${p} listed twice`);
                seen.set(p, n);
                if (n.type === 'dir') await walk(n, p, depth + 1);
            }
        };
        const root = await fsr.root();
        assert.equal(root.type, 'dir');
        await walk(root, '', 0);
        assert.deepEqual([...seen.keys()].sort(), fx.manifest.map((m) => m.path).sort());
        for (const m of fx.manifest) {
            const n = seen.get(m.path) as FsNode;
            const got: Partial<ManifestEntry> = { path: m.path, type: n.type as ManifestEntry['type'], size: m.type === 'dir' ? 0 : n.size, mtime: (n.mtimeMs ?? 0) / 1000, ino: Number(n.id) };
            if (n.type === 'symlink') got.target = await fsr.readlink(n);
            if (n.type === 'file') got.sha256 = sha256(await readAll(fsr, n));
            assert.deepEqual(got, m);
            assert.equal(m.mtime, TREE_MTIME, `${m.path} mtime`);
        }
        assert.equal(seen.get('hello.txt')?.links, 2);
        assert.equal(seen.get('hard-link.txt')?.id, seen.get('hello.txt')?.id);
        assert.equal(seen.get('data/one-mib.bin')?.links, 1);
        assert.equal((seen.get('data')?.mode ?? 0) & 0o170777, 0o040755);
        assert.equal((seen.get('remote-link') as FsNode).size, REMOTE_TARGET.length);
        assert.equal(seen.get('many')?.type, 'dir');
        assert.equal(fx.manifest.filter((m) => m.path.startsWith('many/')).length, 5000);
        assert.equal(fx.manifest.filter((m) => m.path.startsWith('frag/dir/')).length, 666);
    });

    it('meets every data-fork format (xfs_db is the oracle)', () => {
        const expect: [string, string][] = [
            ['forms/short', 'local'], ['forms/block', 'extents'], ['forms/leaf', 'extents'], ['many', 'btree'],
            ['frag/dir', 'btree'], ['frag/file', 'btree'], ['data/one-mib.bin', 'extents'], ['sparse.bin', 'extents'],
            ['link-to-hello', 'local'], ['long-link', 'local'], ['remote-link', 'extents'],
        ];
        for (const [rel, format] of expect) assert.equal(forkFormat(fx.image, ino(rel)), format, rel);
        // Block: one directory block; leaf: data blocks and a hash leaf; node (and the B-tree
        // folder): a free index too.
        const kind = (rel: string) => {
            const map = bmap(fx.image, ino(rel));
            const free = map.some((e) => e.offset >= FREE_BLOCK);
            const leaf = map.some((e) => e.offset >= LEAF_BLOCK);
            return free ? 'node' : leaf ? 'leaf' : map.length === 1 && map[0].count === 1 ? 'block' : 'other';
        };
        assert.deepEqual(['forms/block', 'forms/leaf', 'many', 'frag/dir'].map(kind), ['block', 'leaf', 'node', 'node']);
        assert.equal(bmap(fx.image, ino('frag/file')).length, 120);
        assert.deepEqual(bmap(fx.image, ino('prealloc.bin')).map((e) => e.unwritten), [true, false, true]);
        assert.deepEqual(bmap(fx.image, ino('sparse.bin')).map((e) => e.offset), [0, 1536]);
    });

    it('lists the root in few reads, and reads a 1 MiB file by its own blocks', async (t) => {
        const { dev, fsr } = await open();
        await fsr.list(await fsr.root());
        t.diagnostic(`root listing: ${dev.reads} reads, ${dev.bytesRead} bytes (with the superblock)`);
        assert.ok(dev.reads <= 60 && dev.bytesRead <= 8 << 20, `${dev.reads} reads, ${dev.bytesRead} bytes`);
        const one = await lookup(fsr, 'data/one-mib.bin');
        dev.reads = dev.bytesRead = 0;
        assert.equal((await fsr.read(one, 0, 2 << 20)).length, 1 << 20);
        t.diagnostic(`data/one-mib.bin: ${dev.reads} reads, ${dev.bytesRead} bytes`);
        assert.ok(dev.bytesRead <= 1.5 * (1 << 20), `${dev.bytesRead} bytes`);
    });

    it('reads holes and unwritten extents as zeros without fetching them', async () => {
        const { dev, fsr } = await open();
        const sparse = await lookup(fsr, 'sparse.bin');
        const pre = await lookup(fsr, 'prealloc.bin');
        dev.reads = dev.bytesRead = 0;
        assert.ok((await fsr.read(sparse, 1 << 20, 5 << 20)).every((b) => b === 0));
        assert.ok((await fsr.read(pre, 0, 64 * 1024)).every((b) => b === 0));
        assert.equal(dev.reads, 0, 'a hole or an unwritten extent was fetched');
        await readAll(fsr, sparse);
        assert.equal(dev.bytesRead, 2 * 65536, 'only the two written 64 KiB runs');
        dev.bytesRead = 0;
        await readAll(fsr, pre);
        assert.equal(dev.bytesRead, 4096, 'only the written block');
        // Reads across the end of the file are short; past it, empty.
        assert.equal((await fsr.read(sparse, sparse.size - 10, 100)).length, 10);
        assert.equal((await fsr.read(sparse, sparse.size + 10, 100)).length, 0);
    });

    it('lists 5,000 entries in not many more reads than 50, plus the directory blocks', async (t) => {
        const cost = async (rel: string) => {
            const { dev, fsr } = await open();
            const dir = await lookup(fsr, rel);
            dev.reads = dev.bytesRead = 0;
            const n = (await fsr.list(dir)).length;
            return { n, reads: dev.reads, bytes: dev.bytesRead };
        };
        const small = await cost('forms/block');
        const big = await cost('many');
        const dirBlocks = bmap(fx.image, ino('many')).filter((e) => e.offset < LEAF_BLOCK).reduce((s, e) => s + e.count, 0);
        t.diagnostic(`50 entries: ${small.reads} reads, ${small.bytes} bytes; 5,000: ${big.reads} reads, ${big.bytes} bytes; ${dirBlocks} data blocks`);
        assert.deepEqual([small.n, big.n], [50, 5000]);
        assert.ok(big.reads <= 2 * small.reads + dirBlocks, `${big.reads} reads`);
    });
});
