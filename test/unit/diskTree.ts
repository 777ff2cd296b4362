/**
 * The folder tree every file-system fixture is made from, by the file system's own tools
 * (mkfs.ext4 -d, mcopy, ntfs-3g, mkfs.xfs -p or a loop mount), and the manifest the readers are
 * compared with: every path's type, size, sha256 and link target, taken from the tree on this
 * machine's disk, never from a reader.
 *
 * Odd names (Unicode, spaces), a deep path, a sparse file, a symlink, an empty file, a 5,000-entry
 * folder, a hard link, files of several sizes with pseudo-random bytes.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface TreeOptions {
    /** Make `link-to-hello` (and a link inside a folder). FAT and exFAT have none. */
    symlinks?: boolean;
    /** Make `hard-link.txt` a second name of `hello.txt`. */
    hardLinks?: boolean;
    /** Entries in `many/` (5,000 by default). */
    manyCount?: number;
    /** Leave out names a FAT volume cannot hold as given (case-only differences and the like). */
    fatSafe?: boolean;
}

export interface ManifestEntry {
    /** Relative path with `/`. */
    path: string;
    type: 'file' | 'dir' | 'symlink';
    size: number;
    sha256?: string;
    target?: string;
    /** Seconds since 1970, whole. */
    mtime: number;
    /** Inode on this machine, so hard links can be matched. */
    ino: number;
}

/** Deterministic pseudo-random bytes (SHA-256 in counter mode), so a tree is the same on every run. */
export function bytes(seed: number, length: number): Buffer {
    const out = Buffer.alloc(length);
    for (let i = 0, n = 0; i < length; i += 32, n++) {
        crypto.createHash('sha256').update(`${seed}:${n}`).digest().copy(out, i);
    }
    return out;
}

/** Fixed times so a reader's timestamps can be checked (2024-05-06 07:08:10 UTC). */
export const TREE_MTIME = 1714979290;

/** Writes the tree into `dir` (which must not exist yet) and returns its manifest. */
export function makeTree(dir: string, opts: TreeOptions = {}): ManifestEntry[] {
    const many = opts.manyCount ?? 5000;
    fs.mkdirSync(dir, { recursive: true });
    const file = (rel: string, data: Buffer | string) => {
        const p = path.join(dir, rel);
        fs.mkdirSync(path.dirname(p), { recursive: true });
        fs.writeFileSync(p, data);
    };
    file('hello.txt', 'Hello from inside the disk.\n');
    file('Ünïcødé ファイル.txt', 'unicode name\n');
    file('name with spaces/inner file.txt', 'spaces\n');
    file('deep/a/b/c/d/e/f/g/h/i/j/leaf.txt', 'the bottom of a deep path\n');
    file('empty', Buffer.alloc(0));
    file('data/one-mib.bin', bytes(1, 1024 * 1024));
    file('data/three-mb.bin', bytes(2, 3_000_000));
    file('data/odd-size.bin', bytes(3, 700_001));
    file('etc/hostname', 'vm-under-test\n');
    file('var/log/syslog', Array.from({ length: 2000 }, (_, i) => `Dec  7 10:${String(i % 60).padStart(2, '0')} vm kernel: line ${i}\n`).join(''));
    // A sparse file: 8 MiB long, data only in its first and seventh MiB.
    {
        const p = path.join(dir, 'sparse.bin');
        const fd = fs.openSync(p, 'w');
        fs.writeSync(fd, bytes(4, 65536), 0, 65536, 0);
        fs.writeSync(fd, bytes(5, 65536), 0, 65536, 6 * 1024 * 1024);
        fs.ftruncateSync(fd, 8 * 1024 * 1024);
        fs.closeSync(fd);
    }
    fs.mkdirSync(path.join(dir, 'many'));
    for (let i = 0; i < many; i++) {
        fs.writeFileSync(path.join(dir, 'many', `f${String(i).padStart(5, '0')}.txt`), `entry ${i}\n`);
    }
    if (opts.symlinks) {
        fs.symlinkSync('hello.txt', path.join(dir, 'link-to-hello'));
        fs.symlinkSync('../../etc/hostname', path.join(dir, 'var', 'log', 'up-two'));
        // A long target, stored outside the inode by most file systems.
        fs.symlinkSync('deep/a/b/c/d/e/f/g/h/i/j/' + 'x'.repeat(120) + '/../leaf.txt', path.join(dir, 'long-link'));
    }
    if (opts.hardLinks) {
        fs.linkSync(path.join(dir, 'hello.txt'), path.join(dir, 'hard-link.txt'));
    }
    setTimes(dir);
    return manifest(dir);
}

function setTimes(dir: string): void {
    const walk = (p: string) => {
        const st = fs.lstatSync(p);
        if (st.isDirectory()) for (const e of fs.readdirSync(p)) walk(path.join(p, e));
        if (!st.isSymbolicLink()) fs.utimesSync(p, TREE_MTIME, TREE_MTIME);
    };
    walk(dir);
}

/** The manifest of a tree on this machine's disk, sorted by path. */
export function manifest(dir: string): ManifestEntry[] {
    const out: ManifestEntry[] = [];
    const walk = (rel: string) => {
        const p = path.join(dir, rel);
        for (const name of fs.readdirSync(p)) {
            const r = rel ? `${rel}/${name}` : name;
            const full = path.join(dir, r);
            const st = fs.lstatSync(full);
            if (st.isSymbolicLink()) {
                const target = fs.readlinkSync(full);
                out.push({ path: r, type: 'symlink', size: Buffer.byteLength(target), target, mtime: Math.floor(st.mtimeMs / 1000), ino: st.ino });
            } else if (st.isDirectory()) {
                out.push({ path: r, type: 'dir', size: 0, mtime: Math.floor(st.mtimeMs / 1000), ino: st.ino });
                walk(r);
            } else {
                const data = fs.readFileSync(full);
                out.push({ path: r, type: 'file', size: st.size, sha256: sha256(data), mtime: Math.floor(st.mtimeMs / 1000), ino: st.ino });
            }
        }
    };
    walk('');
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export function sha256(data: Uint8Array): string {
    return crypto.createHash('sha256').update(data).digest('hex');
}
