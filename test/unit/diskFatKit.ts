/**
 * Fixtures for the FAT and exFAT reader tests, each made by the file system's own tools:
 * mkfs.vfat + mcopy (mtools) for FAT12/16/32, mkfs.exfat + the exfat-fuse driver for exFAT. And
 * what the tests share: walking a reader against a manifest, locating on-disk structures
 * by their bytes (not through the reader under test), patching an image copy.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DiskFormatError, FileSystemReader, FsNode } from '../../src/disk/types';
import { bytes, makeTree, manifest, ManifestEntry, sha256, TREE_MTIME } from './diskTree';
import { cachedImage, sh } from './diskKit';

const MTOOLS = { MTOOLS_SKIP_CHECK: '1', TZ: 'UTC', LC_ALL: 'C.UTF-8' };

/** Copies the contents of `dir` into the root of the FAT image, keeping mtimes (mcopy -m). */
function mcopyInto(img: string, dir: string): void {
    const items = fs.readdirSync(dir).sort().map((n) => path.join(dir, n));
    sh('mcopy', ['-s', '-m', '-i', img, ...items, '::/'], { env: MTOOLS });
}

function blankImage(out: string, mib: number): void {
    fs.writeFileSync(out, '');
    fs.truncateSync(out, mib * 1024 * 1024);
}

/** A FAT image of the generated tree: `mkfs.vfat <args>` then mcopy. */
function treeImage(name: string, mib: number, mkfs: string[]): string {
    return cachedImage(name, `fat-tree v1 ${mib} ${mkfs.join(' ')} ${TREE_KEY}`, (out) => {
        blankImage(out, mib);
        sh('mkfs.vfat', [...mkfs, out]);
        mcopyInto(out, generatedTree().dir);
    });
}

export const fat16Image = (): string => treeImage('fat16', 64, ['-F', '16', '-S', '512', '-n', 'FAT16VOL']);
/** 512-byte clusters: the most clusters, chains and FAT sectors per byte of data. */
export const fat32Image = (): string => treeImage('fat32', 64, ['-F', '32', '-S', '512', '-s', '1', '-n', 'FAT32VOL']);
/** 4096-byte sectors and clusters; FAT32 needs 65,525 clusters, so 300 MiB (sparse). */
export const fat32BigImage = (): string => treeImage('fat32-4k', 300, ['-F', '32', '-S', '4096', '-s', '1', '-n', 'BIGSECTORS']);

/** The small FAT12 tree: a few names of each kind, and a file fragmented by a deletion. */
function smallTree(dir: string): void {
    const put = (rel: string, data: string | Buffer) => {
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), data);
    };
    put('hello.txt', 'Hello from inside the disk.\n');
    put('UPPER.TXT', 'upper case 8.3 name\n');
    put('Mixed Case Name.text', 'a long name\n');
    put('blob.bin', bytes(7, 300_001));
    put('sub/lower.c', 'int main(void) { return 0; }\n');
    put('sub/deeper/Ünï ファイル.txt', 'unicode\n');
    put('keep.bin', bytes(8, 5000));
    put('frag.bin', bytes(9, 100_000));
}

function setTimes(dir: string): void {
    for (const e of fs.readdirSync(dir, { recursive: true }) as string[]) fs.utimesSync(path.join(dir, e), TREE_MTIME, TREE_MTIME);
    fs.utimesSync(dir, TREE_MTIME, TREE_MTIME);
}

/**
 * A 4 MiB FAT12 image of the small tree, and its manifest. `Gap File.bin` is copied between two
 * files and deleted before `frag.bin` is copied, so frag.bin fills the gap and continues after
 * keep.bin (a chain in two runs), and the folder keeps deleted entries.
 */
export function fat12Image(work: string): { img: string; tree: ManifestEntry[] } {
    const tree = path.join(work, 'small');
    fs.rmSync(tree, { recursive: true, force: true });
    smallTree(tree);
    setTimes(tree);
    const img = cachedImage('fat12', 'fat12 v1', (out, w) => {
        const t = path.join(w, 'small');
        smallTree(t);
        setTimes(t);
        const gap = path.join(w, 'Gap File.bin');
        fs.writeFileSync(gap, bytes(6, 20_000));
        blankImage(out, 4);
        sh('mkfs.vfat', ['-F', '12', '-n', 'SMALL12', out]);
        const first = ['UPPER.TXT', 'blob.bin', 'hello.txt', 'Mixed Case Name.text', 'sub'].map((n) => path.join(t, n));
        sh('mcopy', ['-s', '-m', '-i', out, ...first, gap, path.join(t, 'keep.bin'), '::/'], { env: MTOOLS });
        sh('mdel', ['-i', out, '::/Gap File.bin'], { env: MTOOLS });
        sh('mcopy', ['-m', '-i', out, path.join(t, 'frag.bin'), '::/'], { env: MTOOLS });
    });
    return { img, tree: manifest(tree) };
}

/** The clusters mtools says a file occupies (`mshowfat`), e.g. `<3-10><40-70>`. */
export function showFat(img: string, file: string): string {
    return sh('mshowfat', ['-i', img, `::/${file}`], { env: MTOOLS });
}

/** The two files the exFAT build writes interleaved, so their clusters alternate (FAT chains). */
export const EXFAT_EXTRA = [
    { path: 'frag-a.bin', data: bytes(10, 1024 * 1024) },
    { path: 'frag-b.bin', data: bytes(11, 1024 * 1024 + 777) },
];

/**
 * A 64 MiB exFAT image: mkfs.exfat, then the tree copied in through the exfat-fuse driver on a
 * loop device (`cp -a` keeps the mtimes), plus EXFAT_EXTRA written in alternating 64 KiB pieces.
 */
export function exfatImage(): string {
    return cachedImage('exfat', `exfat v1 ${TREE_KEY}`, (out, work) => {
        const tree = generatedTree().dir;
        blankImage(out, 64);
        sh('mkfs.exfat', ['-L', 'ExVolume', out]);
        const mnt = path.join(work, 'mnt');
        fs.mkdirSync(mnt);
        const loop = sh('losetup', ['-f', '--show', out]).trim();
        let mounted = false;
        try {
            sh('mount.exfat-fuse', [loop, mnt]);
            mounted = true;
            sh('cp', ['-a', `${tree}/.`, `${mnt}/`]);
            const fds = EXFAT_EXTRA.map((e) => fs.openSync(path.join(mnt, e.path), 'w'));
            for (let at = 0; at < EXFAT_EXTRA[1].data.length; at += 65536) {
                EXFAT_EXTRA.forEach((e, i) => {
                    if (at < e.data.length) fs.writeSync(fds[i], e.data, at, Math.min(65536, e.data.length - at));
                    fs.fsyncSync(fds[i]);
                });
            }
            fds.forEach((fd) => fs.closeSync(fd));
            for (const e of EXFAT_EXTRA) fs.utimesSync(path.join(mnt, e.path), TREE_MTIME, TREE_MTIME);
        } finally {
            if (mounted) sh('umount', [mnt]);
            sh('losetup', ['-d', loop]);
        }
    });
}

let treeCache: { dir: string; entries: ManifestEntry[] } | undefined;
/** The generated tree, written once per process into a temporary folder removed at exit. */
function generatedTree(): { dir: string; entries: ManifestEntry[] } {
    if (!treeCache) {
        const base = fs.mkdtempSync(path.join(os.tmpdir(), 'amd-fat-tree-'));
        process.on('exit', () => fs.rmSync(base, { recursive: true, force: true }));
        const dir = path.join(base, 'tree');
        treeCache = { dir, entries: makeTree(dir, { symlinks: false, hardLinks: false }) };
    }
    return treeCache;
}

/**
 * Part of every cache key here: bump it when diskTree's recipe changes, so cached images and the
 * manifest are rebuilt with it (function source text would differ between bundles).
 */
const TREE_KEY = `tree v1 ${TREE_MTIME}`;

/** The generated tree's manifest, kept beside the images so a warm run need not write the tree. */
export function treeManifest(): ManifestEntry[] {
    const file = cachedImage('fat-tree-manifest', TREE_KEY, (out) => fs.writeFileSync(out, JSON.stringify(generatedTree().entries)));
    return JSON.parse(fs.readFileSync(file, 'utf8')) as ManifestEntry[];
}

/** Every node below the root, by path, the folders listed through the reader. */
export async function walk(fsr: FileSystemReader): Promise<Map<string, FsNode>> {
    const out = new Map<string, FsNode>();
    const visit = async (dir: FsNode, prefix: string) => {
        for (const n of await fsr.list(dir)) {
            const p = prefix + n.name;
            assert.ok(!out.has(p), `${p} listed twice`);
            out.set(p, n);
            if (n.type === 'dir') await visit(n, p + '/');
        }
    };
    await visit(await fsr.root(), '');
    return out;
}

/** Compares every path, type, size, mtime (2 s) and file sha256 the reader gives with the manifest. */
export async function assertMatches(fsr: FileSystemReader, expected: readonly ManifestEntry[]): Promise<void> {
    const nodes = await walk(fsr);
    const got = [...nodes].map(([p, n]) => `${p} ${n.type} ${n.type === 'file' ? n.size : 0}`).sort();
    const want = expected.map((e) => `${e.path} ${e.type} ${e.type === 'file' ? e.size : 0}`).sort();
    assert.deepEqual(got, want);
    for (const e of expected) {
        const n = nodes.get(e.path)!;
        assert.ok(n.mtimeMs !== undefined && Math.abs(n.mtimeMs / 1000 - e.mtime) <= 2, `${e.path}: mtime ${n.mtimeMs} vs ${e.mtime}`);
        if (e.type !== 'file') continue;
        const data = await fsr.read(n, 0, n.size);
        assert.equal(data.length, e.size, `${e.path}: length`);
        assert.equal(sha256(data), e.sha256, `${e.path}: sha256`);
    }
}

/** A byte-for-byte copy of an image (sparse), to damage. */
export function copyImage(src: string, dir: string, name: string): string {
    const out = path.join(dir, name);
    sh('cp', ['--sparse=always', src, out]);
    return out;
}

export function patch(file: string, offset: number, data: Uint8Array): void {
    const fd = fs.openSync(file, 'r+');
    try {
        fs.writeSync(fd, data, 0, data.length, offset);
    } finally {
        fs.closeSync(fd);
    }
}

export function readAt(file: string, offset: number, length: number): Buffer {
    const fd = fs.openSync(file, 'r');
    try {
        const b = Buffer.alloc(length);
        fs.readSync(fd, b, 0, length, offset);
        return b;
    } finally {
        fs.closeSync(fd);
    }
}

/** `p` rejects with a DiskFormatError whose structure and message match, within `ms`. */
export async function assertFormatError(p: Promise<unknown>, structure: RegExp, message: RegExp, ms = 5000): Promise<DiskFormatError> {
    const t0 = Date.now();
    let err: unknown;
    try {
        await p;
    } catch (e) {
        err = e;
    }
    assert.ok(err instanceof DiskFormatError, `expected a DiskFormatError, got ${String(err)}`);
    assert.match(err.structure, structure);
    assert.match(err.message, message);
    assert.ok(Date.now() - t0 < ms, `took ${Date.now() - t0} ms`);
    return err;
}
