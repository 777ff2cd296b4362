/**
 * The XFS fixture: mkfs.xfs on a sparse 300 MiB image (the smallest current xfsprogs accepts),
 * filled through a loop mount by `cp -a` from the generated tree, plus what the tree lacks to
 * reach every directory and data-fork format (short-form, block, leaf, node and B-tree folders;
 * a B-tree file; a remote symlink; an unwritten extent). The manifest is taken through a
 * read-only mount of the finished image, so the kernel's XFS is the oracle; xfs_db is the one
 * for on-disk formats.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ManifestEntry, TREE_MTIME, bytes, makeTree, manifest } from './diskTree';
import { cachedImage, sh } from './diskKit';

const RECIPE = 'xfs5 v2: 300M, -L browse-xfs, tree + forms/{short 3,block 50 of every name length mod 8,leaf 300} + frag/{dir,file} + prealloc.bin + remote-link 615';

export const LABEL = 'browse-xfs';
export const REMOTE_TARGET = 'deep/a/b/c/' + Array.from({ length: 55 }, (_, i) => `segment-${String(i).padStart(2, '0')}`).join('/');

export interface XfsFixture {
    image: string;
    manifest: ManifestEntry[];
}

function fill(dir: string, count: number, name: (i: number) => string): void {
    fs.mkdirSync(dir, { recursive: true });
    for (let i = 0; i < count; i++) fs.writeFileSync(path.join(dir, name(i)), `${path.basename(dir)} ${i}\n`);
}

/** Fixed times on everything, links included, so the reader's timestamps can be compared. */
function setTimes(p: string): void {
    const st = fs.lstatSync(p);
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) setTimes(path.join(p, e));
    fs.lutimesSync(p, TREE_MTIME, TREE_MTIME);
}

/** What only a live XFS can make: fragmented directory and file maps, an unwritten extent. */
function onMount(mnt: string): void {
    // Long names fill a directory block every ~18 entries; the leaf and free-index blocks that grow
    // alongside break the data blocks into more extents than the inode holds, so the map becomes a
    // B-tree. Deleting every third entry leaves free regions inside the data blocks.
    const dir = path.join(mnt, 'frag', 'dir');
    const long = (i: number) => `n${String(i).padStart(4, '0')}-${'x'.repeat(190)}`;
    fill(dir, 1000, long);
    for (let i = 0; i < 1000; i += 3) fs.unlinkSync(path.join(dir, long(i)));
    // Every other 4 KiB block, written from the end backwards with a sync each: 120 extents.
    const fd = fs.openSync(path.join(mnt, 'frag', 'file'), 'w');
    try {
        for (let k = 119; k >= 0; k--) {
            fs.writeSync(fd, bytes(100 + k, 4096), 0, 4096, k * 8192);
            fs.fsyncSync(fd);
        }
    } finally {
        fs.closeSync(fd);
    }
    // Preallocated (unwritten) 256 KiB with 4 KiB written in the middle.
    const pre = path.join(mnt, 'prealloc.bin');
    sh('fallocate', ['-l', String(256 * 1024), pre]);
    const fd2 = fs.openSync(pre, 'r+');
    try {
        fs.writeSync(fd2, bytes(7, 4096), 0, 4096, 64 * 1024);
        fs.fsyncSync(fd2);
    } finally {
        fs.closeSync(fd2);
    }
}

function mounted<T>(image: string, mnt: string, ro: boolean, body: () => T): T {
    fs.mkdirSync(mnt, { recursive: true });
    sh('mount', ['-o', ro ? 'loop,ro' : 'loop', image, mnt]);
    try {
        return body();
    } finally {
        sh('umount', [mnt]);
    }
}

export function xfsFixture(): XfsFixture {
    const image = cachedImage('xfs5', RECIPE, (out, work) => {
        const tree = path.join(work, 'tree');
        makeTree(tree, { symlinks: true, hardLinks: true });
        fill(path.join(tree, 'forms', 'short'), 3, (i) => `s${i}`);
        // Names of every length modulo 8, so each padding of a data-block entry occurs.
        fill(path.join(tree, 'forms', 'block'), 50, (i) => `b${i}-${'x'.repeat(i % 24)}`);
        fill(path.join(tree, 'forms', 'leaf'), 300, (i) => `leaf-entry-${String(i).padStart(3, '0')}.txt`);
        fs.symlinkSync(REMOTE_TARGET, path.join(tree, 'remote-link'));
        fs.writeFileSync(out, '');
        fs.truncateSync(out, 300 * 1024 * 1024);
        sh('mkfs.xfs', ['-q', '-L', LABEL, out]);
        mounted(out, path.join(work, 'mnt'), false, () => {
            sh('cp', ['-a', `${tree}/.`, path.join(work, 'mnt')]);
            onMount(path.join(work, 'mnt'));
            setTimes(path.join(work, 'mnt'));
        });
    });
    const json = cachedImage('xfs5-manifest', RECIPE + fs.statSync(image).mtimeMs, (out, work) => {
        const entries = mounted(image, path.join(work, 'mnt'), true, () => manifest(path.join(work, 'mnt')));
        fs.writeFileSync(out, JSON.stringify(entries));
    });
    return { image, manifest: JSON.parse(fs.readFileSync(json, 'utf8')) as ManifestEntry[] };
}

const V4_RECIPE = 'xfs4 v1: 300M, -m crc=0 -n ftype=1 -L browse-xfs4 -p protofile of the tree (many 300, no spaced names) + remote-link';

/**
 * A prototype file (mkfs.xfs(8), -p) for the tree under `dir`: one token per field, so names with
 * spaces or colons cannot be expressed and are left out (the caller's manifest leaves them out too).
 */
function protofile(dir: string): string {
    const lines = ['/dummy', '0 0', 'd--755 0 0'];
    const walk = (p: string) => {
        for (const name of fs.readdirSync(p).sort()) {
            if (/[\s:$]/.test(name)) continue;
            const full = path.join(p, name);
            const st = fs.lstatSync(full);
            if (st.isSymbolicLink()) lines.push(`${name} l--777 0 0 ${fs.readlinkSync(full)}`);
            else if (st.isDirectory()) {
                lines.push(`${name} d--755 0 0`);
                walk(full);
                lines.push('$');
            } else lines.push(`${name} ---644 0 0 ${full}`);
        }
    };
    walk(dir);
    return lines.join('\n') + '\n$\n';
}

/** A version 4 file system (no CRCs, 256-byte v2 inodes) made by mkfs.xfs from a prototype file:
 * the kernel here mounts no v4, so mkfs.xfs itself does the copying. */
export function xfsV4Fixture(): XfsFixture {
    const tree = (work: string) => {
        const dir = path.join(work, 'tree');
        makeTree(dir, { symlinks: true, manyCount: 300 });
        fs.symlinkSync(REMOTE_TARGET, path.join(dir, 'remote-link'));
        return dir;
    };
    const image = cachedImage('xfs4', V4_RECIPE, (out, work) => {
        const dir = tree(work);
        fs.writeFileSync(path.join(work, 'proto'), protofile(dir));
        fs.writeFileSync(out, '');
        fs.truncateSync(out, 300 * 1024 * 1024);
        sh('mkfs.xfs', ['-q', '-m', 'crc=0', '-n', 'ftype=1', '-L', 'browse-xfs4', '-p', path.join(work, 'proto'), out]);
    });
    // The tree is generated the same on every run, so its manifest is taken from a fresh copy.
    const json = cachedImage('xfs4-manifest', V4_RECIPE, (out, work) => {
        fs.writeFileSync(out, JSON.stringify(manifest(tree(work)).filter((m) => !/[\s:$]/.test(m.path))));
    });
    return { image, manifest: JSON.parse(fs.readFileSync(json, 'utf8')) as ManifestEntry[] };
}

/** xfs_db's answer for inode `ino`, read-only: e.g. `xfsDb(img, ino, 'print core.format')`. */
export function xfsDb(image: string, ...cmds: string[]): string {
    return sh('xfs_db', ['-r', ...cmds.flatMap((c) => ['-c', c]), image]);
}

/** xfs_db's command to select an inode: by number, or by path ('/a/b'). */
const select = (ino: number | string) => typeof ino === 'number' ? `inode ${ino}` : `path ${ino}`;

/** The data fork format xfs_db reports for an inode: 'local', 'extents' or 'btree'. */
export function forkFormat(image: string, ino: number | string): string {
    const m = /core\.format = \d+ \((\w+)\)/.exec(xfsDb(image, select(ino), 'print core.format'));
    if (!m) throw new Error(`xfs_db printed no format for inode ${ino}`);
    return m[1];
}

/** The data fork map xfs_db reports: file offset, device block, count, unwritten flag. */
export function bmap(image: string, ino: number | string): { offset: number; block: number; count: number; unwritten: boolean }[] {
    return xfsDb(image, select(ino), 'bmap').split('\n').flatMap((line) => {
        const m = /data offset (\d+) startblock (\d+) \(\d+\/\d+\) count (\d+) flag (\d)/.exec(line);
        return m ? [{ offset: Number(m[1]), block: Number(m[2]), count: Number(m[3]), unwritten: m[4] === '1' }] : [];
    });
}

/**
 * A copy of the fixture with xfs_db -x commands applied (the tool locates and writes the bytes).
 * Writes go with -d, past xfs_db's own verifiers (which refuse to store damage), CRCs recomputed.
 */
export function damaged(image: string, work: string, name: string, ...cmds: string[]): string {
    const copy = path.join(work, `${name}.img`);
    sh('cp', ['--sparse=always', image, copy]);
    const out = sh('xfs_db', ['-x', ...cmds.flatMap((c) => ['-c', c.replace(/^write /, 'write -d ')]), copy]);
    if (/error|fail/i.test(out)) throw new Error(`xfs_db could not damage ${name}: ${out}`);
    return copy;
}
