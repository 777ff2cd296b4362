/**
 * Fixtures for the ext reader, all made by e2fsprogs (mkfs.ext2/3/4 -d, e2fsck -D, debugfs -w) or
 * the kernel (a loop mount) from the generated tree, and a recursive walk that compares a reader
 * with the manifest taken from the tree on this machine's disk.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileSystemReader, FsNode } from '../../src/disk/types';
import { bytes, makeTree, ManifestEntry, sha256, TreeOptions } from './diskTree';
import { cachedImage, sh } from './diskKit';

export const TREE: TreeOptions = { symlinks: true, hardLinks: true };
/** A smaller tree for the damaged copies: 1,000 entries still give `many/` an extent tree of depth 1. */
export const SMALL_TREE: TreeOptions = { symlinks: true, hardLinks: true, manyCount: 1000 };

const trees = new Map<string, { dir: string; manifest: ManifestEntry[] }>();

/** The generated tree for `opts`, written once per process (several images are made from it) and removed at exit. */
function sharedTree(opts: TreeOptions): { dir: string; manifest: ManifestEntry[] } {
    const key = JSON.stringify(opts);
    let t = trees.get(key);
    if (!t) {
        const work = fs.mkdtempSync(path.join(os.tmpdir(), 'amd-ext-tree-'));
        process.on('exit', () => fs.rmSync(work, { recursive: true, force: true }));
        const dir = path.join(work, 't');
        t = { dir, manifest: makeTree(dir, opts) };
        trees.set(key, t);
    }
    return t;
}

/**
 * The manifest of the generated tree, kept as JSON in the image cache so a run that reuses the
 * images does not write the 5,000-file tree again just to read its manifest.
 */
export function treeManifest(opts: TreeOptions): ManifestEntry[] {
    const file = cachedImage('ext-manifest', `v1 ${JSON.stringify(opts)}`, (out) => {
        fs.writeFileSync(out, JSON.stringify(sharedTree(opts).manifest));
    });
    return JSON.parse(fs.readFileSync(file, 'utf8')) as ManifestEntry[];
}

function mkfs(tool: string, args: string[], opts: TreeOptions, size: string) {
    return (out: string) => {
        sh('truncate', ['-s', size, out]);
        sh(tool, ['-q', '-F', ...args, '-d', sharedTree(opts).dir, out]);
    };
}

/** e2fsck exits 1 when it changed something, which -D (rebuild folder indexes) always does. */
function e2fsckOptimize(img: string): void {
    try {
        execFileSync('e2fsck', ['-fyD', img], { stdio: 'pipe' });
    } catch (e) {
        if ((e as { status?: number }).status !== 1) throw e;
    }
}

/** ext4, 4 KiB blocks; e2fsck -D turns every folder of more than one block (`many/`) into an htree. */
export function ext4Image(): string {
    const args = ['-b', '4096', '-L', 'ext4-fixture'];
    return cachedImage('ext4-htree', `v1 mkfs.ext4 ${args.join(' ')} 64M e2fsck -fyD`, (out) => {
        mkfs('mkfs.ext4', args, TREE, '64M')(out);
        e2fsckOptimize(out);
    });
}

/** ext2, 1 KiB blocks: block maps with double-indirect blocks for the 3 MB file. */
export function ext2Image(): string {
    const args = ['-b', '1024', '-L', 'ext2-fixture'];
    return cachedImage('ext2-1k', `v1 mkfs.ext2 ${args.join(' ')} 64M`, mkfs('mkfs.ext2', args, TREE, '64M'));
}

/** ext3, 2 KiB blocks, 128-byte inodes (no extra time fields) and a journal: block maps, no ext4 feature. */
export function ext3Image(): string {
    const args = ['-b', '2048', '-I', '128'];
    return cachedImage('ext3-2k', `v1 mkfs.ext3 ${args.join(' ')} 64M`, mkfs('mkfs.ext3', args, TREE, '64M'));
}

/**
 * Written through the kernel into the inline-data image: a file and a folder longer than i_block,
 * so part lies in system.data, and a file of 4 KiB data then 1 MiB preallocated (unwritten extents).
 */
export const INLINE_EXTRA = {
    file: 'inline-100.bin',
    data: bytes(9, 100),
    dir: 'inline-dir',
    names: ['entry-name-1', 'entry-name-2', 'entry-name-3', 'entry-name-4'],
    prealloc: 'prealloc.bin',
    preallocData: bytes(10, 4096),
    preallocSize: 4096 + 1024 * 1024,
};

/**
 * ext4 with inline_data: mkfs -d stores small files and folders in i_block; then the kernel (a
 * loop mount) adds a 100-byte file and a four-entry folder whose tails go in system.data.
 */
export function inlineImage(): string {
    const args = ['-b', '4096', '-O', 'inline_data', '-L', 'inline'];
    return cachedImage('ext4-inline', `v2 mkfs.ext4 ${args.join(' ')} 64M ${JSON.stringify(INLINE_EXTRA.names)} 100`, (out, work) => {
        mkfs('mkfs.ext4', args, TREE, '64M')(out);
        const mnt = path.join(work, 'mnt');
        fs.mkdirSync(mnt);
        const loop = sh('losetup', ['-f', '--show', out]).trim();
        try {
            sh('mount', ['-t', 'ext4', loop, mnt]);
            try {
                fs.writeFileSync(path.join(mnt, INLINE_EXTRA.file), INLINE_EXTRA.data);
                fs.mkdirSync(path.join(mnt, INLINE_EXTRA.dir));
                for (const n of INLINE_EXTRA.names) fs.writeFileSync(path.join(mnt, INLINE_EXTRA.dir, n), '');
                fs.writeFileSync(path.join(mnt, INLINE_EXTRA.prealloc), INLINE_EXTRA.preallocData);
                sh('fallocate', ['-l', String(INLINE_EXTRA.preallocSize), path.join(mnt, INLINE_EXTRA.prealloc)]);
            } finally {
                sh('umount', [mnt]);
            }
        } finally {
            sh('losetup', ['-d', loop]);
        }
    });
}

/** Runs debugfs commands on an image (`-w` to change it) and returns what it printed. */
export function debugfs(img: string, cmds: string[], write = false): string {
    const args = [...(write ? ['-w'] : []), ...cmds.flatMap((c) => ['-R', c]), img];
    // debugfs takes one -R; several commands go through -f on stdin instead.
    if (cmds.length === 1) return sh('debugfs', args);
    return sh('debugfs', [...(write ? ['-w'] : []), '-f', '-', img], { input: cmds.join('\n') + '\n' });
}

/** A copy of `base` changed by debugfs -w, cached under `name`. */
export function damagedImage(base: string, name: string, cmds: string[]): string {
    return cachedImage(`ext-bad-${name}`, `v1 ${base} ${cmds.join('; ')}`, (out) => {
        sh('cp', ['--sparse=always', base, out]);
        debugfs(out, cmds, true);
    });
}

/** A tree of 100 entries in many/, for layouts whose blocks are too large for 5,000 small files. */
export const MINI_TREE: TreeOptions = { symlinks: true, hardLinks: true, manyCount: 100 };

/** ext4 with 64 KiB blocks (rec_len kept in 16 bits). */
export function bigBlockImage(): string {
    const args = ['-b', '65536'];
    return cachedImage('ext4-64k', `v1 mkfs.ext4 ${args.join(' ')} 64M many=100`, mkfs('mkfs.ext4', args, MINI_TREE, '64M'));
}

/**
 * ext4 with meta_bg, 1 KiB blocks and 8 inodes per group: the tree's inodes reach group 16, whose
 * descriptor lies in the second meta group (16 64-byte descriptors per block), at its first block.
 */
export function metaBgImage(): string {
    const args = ['-b', '1024', '-N', '300', '-O', 'meta_bg,^resize_inode'];
    return cachedImage('ext4-metabg', `v1 mkfs.ext4 ${args.join(' ')} 320M many=100`, mkfs('mkfs.ext4', args, MINI_TREE, '320M'));
}

/** ext4 bigalloc: 1 KiB blocks in 4 KiB clusters (s_first_data_block 0 with 1 KiB blocks). */
export function bigallocImage(): string {
    const args = ['-b', '1024', '-O', 'bigalloc', '-C', '4096'];
    return cachedImage('ext4-bigalloc', `v1 mkfs.ext4 ${args.join(' ')} 64M many=100`, mkfs('mkfs.ext4', args, MINI_TREE, '64M'));
}

/** The base of every damaged copy: ext4, 4 KiB blocks, linear folders, a smaller many/. */
export function smallExt4Image(): string {
    const args = ['-b', '4096', '-L', 'small'];
    return cachedImage('ext4-small', `v1 mkfs.ext4 ${args.join(' ')} 32M many=1000`, mkfs('mkfs.ext4', args, SMALL_TREE, '32M'));
}

/** Every node under the root by path, depth-first, refusing to go deeper than `maxDepth`. */
export async function walk(r: FileSystemReader, maxDepth = 64): Promise<Map<string, FsNode>> {
    const out = new Map<string, FsNode>();
    const visit = async (dir: FsNode, prefix: string, depth: number) => {
        assert.ok(depth <= maxDepth, `walk went deeper than ${maxDepth} at ${prefix}`);
        for (const n of await r.list(dir)) {
            const p = prefix ? `${prefix}/${n.name}` : n.name;
            out.set(p, n);
            if (n.type === 'dir') await visit(n, p, depth + 1);
        }
    };
    await visit(await r.root(), '', 0);
    return out;
}

/** The whole file through reads of at most 1 MiB. */
export async function readAll(r: FileSystemReader, n: FsNode): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    for (let at = 0; ; ) {
        const b = await r.read(n, at, 1024 * 1024);
        if (b.length === 0) break;
        parts.push(b);
        at += b.length;
    }
    return Buffer.concat(parts);
}

/** Compares every path, type, size, link target, mtime and file sha256 with the manifest; answers the walk. */
export async function compareWithManifest(r: FileSystemReader, manifest: ManifestEntry[], skip: (p: string) => boolean = () => false): Promise<Map<string, FsNode>> {
    const nodes = await walk(r);
    const seen = [...nodes.keys()].filter((p) => !skip(p)).sort();
    assert.deepEqual(seen, manifest.map((m) => m.path), 'every path, and no other');
    for (const m of manifest) {
        const n = nodes.get(m.path)!;
        assert.equal(n.type, m.type, `${m.path}: type`);
        // The tree's times are fixed for all but symlinks (utimes follows links), so those are left out.
        if (m.type !== 'symlink') assert.equal(Math.floor(n.mtimeMs! / 1000), m.mtime, `${m.path}: mtime`);
        if (m.type === 'dir') continue;
        assert.equal(n.size, m.size, `${m.path}: size`);
        if (m.type === 'symlink') assert.equal(await r.readlink(n), m.target, `${m.path}: link target`);
        else assert.equal(sha256(await readAll(r, n)), m.sha256, `${m.path}: sha256`);
    }
    return nodes;
}
