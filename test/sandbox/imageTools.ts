/**
 * Building blocks of the seeded disk images, each step done by the file system's own tool:
 * sgdisk for GPT, mkfs.vfat + mcopy, mkfs.ext4 -d, mkntfs + ntfs-3g (FUSE), mkfs.xfs -p, and LVM2
 * on a loop device (`--driverloaded n`: no device-mapper is needed, no volume is activated). File
 * systems are made in files of their own and written into the disk at their partition or extents.
 */
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const MiB = 1024 * 1024;
const SECTOR = 512;
/** Files' times inside the images (2025-06-01), so a rebuild makes the same bytes where the tools allow. */
export const IMAGE_TIME = new Date('2025-06-01T02:00:00Z');
const FAKE_TIME = { E2FSPROGS_FAKE_TIME: String(IMAGE_TIME.getTime() / 1000), TZ: 'UTC', MTOOLS_SKIP_CHECK: '1' };

/** A file of the tree: text or bytes, or a symbolic link. */
export type TreeEntry = string | Buffer | { link: string };
export type Tree = Record<string, TreeEntry>;

export function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
    return execFileSync(cmd, args, { env: { ...process.env, ...FAKE_TIME, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 * MiB });
}

/** A sparse file of `bytes`. */
export function blank(file: string, bytes: number): string {
    fs.writeFileSync(file, '');
    fs.truncateSync(file, bytes);
    return file;
}

/** Writes `tree` under `dir` with fixed times (links as links). */
export function writeTree(dir: string, tree: Tree): string {
    const dirs = new Set<string>();
    for (const [rel, entry] of Object.entries(tree)) {
        const p = path.join(dir, rel);
        fs.mkdirSync(path.dirname(p), { recursive: true });
        for (let d = path.dirname(rel); d !== '.'; d = path.dirname(d)) dirs.add(path.join(dir, d));
        if (typeof entry === 'object' && !Buffer.isBuffer(entry)) fs.symlinkSync(entry.link, p);
        else fs.writeFileSync(p, entry);
        fs.lutimesSync(p, IMAGE_TIME, IMAGE_TIME);
    }
    for (const d of [...dirs, dir]) fs.utimesSync(d, IMAGE_TIME, IMAGE_TIME);
    return dir;
}

/** One partition of a new GPT: sgdisk's -n/-t/-c (size `0` = the rest of the disk). */
export interface GptPart { number: number; sizeMiB: number; type: string; name?: string }

/** Writes a GPT with fixed GUIDs (derived from `seed`) and returns each partition's first byte and size. */
export function gpt(img: string, seed: string, parts: GptPart[]): Map<number, { start: number; size: number }> {
    const args = ['-U', guid(`${seed}:disk`)];
    for (const p of parts) {
        args.push(`-n${p.number}:0:${p.sizeMiB ? `+${p.sizeMiB}M` : '0'}`, `-t${p.number}:${p.type}`, `-u${p.number}:${guid(`${seed}:${p.number}`)}`);
        if (p.name !== undefined) args.push(`-c${p.number}:${p.name}`);
    }
    sh('sgdisk', [...args, img]);
    const out = new Map<number, { start: number; size: number }>();
    for (const p of parts) {
        const info = sh('sgdisk', ['-i', String(p.number), img]);
        const first = Number(/First sector: (\d+)/.exec(info)![1]);
        const last = Number(/Last sector: (\d+)/.exec(info)![1]);
        out.set(p.number, { start: first * SECTOR, size: (last + 1 - first) * SECTOR });
    }
    return out;
}

function guid(s: string): string {
    const h = crypto.createHash('sha256').update(s).digest('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`.toUpperCase();
}

/** Writes `src` into `img` at byte `offset`, zeros skipped (holes stay holes). */
export function ddInto(src: string, img: string, offset: number): void {
    if (offset % 65536 !== 0) throw new Error(`offset ${offset} is not 64 KiB aligned`);
    sh('dd', [`if=${src}`, `of=${img}`, 'bs=64K', `seek=${offset / 65536}`, 'conv=notrunc,sparse', 'status=none']);
}

/** FAT (mkfs.vfat; `bits` 16 or 32) of `size` bytes with the tree copied in by mcopy. */
export function fat(file: string, size: number, o: { bits: 16 | 32; clusterSectors: number; label: string; volumeId: string; tree: string }): string {
    blank(file, size);
    // FAT16 takes 4,085 to 65,524 clusters, FAT32 at least 65,525: on a small partition the cluster size decides.
    sh('mkfs.vfat', ['-F', String(o.bits), '-s', String(o.clusterSectors), '-n', o.label, '-i', o.volumeId, file]);
    for (const top of fs.readdirSync(o.tree)) sh('mcopy', ['-s', '-m', '-i', file, path.join(o.tree, top), '::/']);
    return file;
}

/** ext4 of `size` bytes made from a folder by mkfs.ext4 -d, with a fixed UUID and hash seed. */
export function ext4(file: string, size: number, o: { label: string; seed: string; tree: string }): string {
    sh('mkfs.ext4', ['-q', '-F', '-L', o.label, '-U', guid(`${o.seed}:uuid`).toLowerCase(), '-E', `hash_seed=${guid(`${o.seed}:hash`).toLowerCase()}`, '-d', o.tree, file, `${Math.floor(size / 4096) * 4}k`]);
    return file;
}

/** NTFS of `size` bytes (mkntfs, `hidden` = the partition's first sector) filled through ntfs-3g. */
export function ntfs(file: string, size: number, o: { label: string; hiddenSectors: number; tree: string; work: string }): string {
    blank(file, size);
    sh('mkntfs', ['-F', '-Q', '-q', '-s', '512', '-c', '4096', '-p', String(o.hiddenSectors), '-H', '255', '-S', '63', '-L', o.label, file]);
    const mnt = fs.mkdtempSync(path.join(o.work, 'ntfs-mnt-'));
    sh('ntfs-3g', [file, mnt]);
    try {
        sh('cp', ['-r', '--preserve=timestamps', '--no-dereference', `${o.tree}/.`, mnt]);
    } finally {
        sh('umount', [mnt]);
    }
    return file;
}

/** XFS of `size` bytes from a prototype file (mkfs.xfs(8) -p) listing the folder's tree. */
export function xfs(file: string, size: number, o: { tree: string; work: string; label?: string }): string {
    const proto = path.join(o.work, `${path.basename(file)}.proto`);
    fs.writeFileSync(proto, ['/dummy', '0 0', 'd--755 0 0', ...protoLines(o.tree), '$', ''].join('\n'));
    blank(file, size);
    sh('mkfs.xfs', ['-q', ...(o.label ? ['-L', o.label] : []), '-m', `uuid=${guid(`${file}:xfs`).toLowerCase()}`, '-p', proto, file]);
    return file;
}

/** The protofile's lines for a folder's entries (names have no spaces: the format splits on them). */
function protoLines(dir: string): string[] {
    const out: string[] = [];
    for (const name of fs.readdirSync(dir).sort()) {
        if (/\s/.test(name)) throw new Error(`mkfs.xfs -p cannot name ${name}`);
        const p = path.join(dir, name);
        const st = fs.lstatSync(p);
        if (st.isSymbolicLink()) out.push(`${name} l--777 0 0 ${fs.readlinkSync(p)}`);
        else if (st.isDirectory()) out.push(`${name} d--755 0 0`, ...protoLines(p), '$');
        else out.push(`${name} ---644 0 0 ${p}`);
    }
    return out;
}

/**
 * A PV on the partition at [start, start+size) of `img` (a loop device over it), VG `vg` of 4 MiB
 * extents, one LV per entry; `fill(lv)` gives the file written at that LV's first extent. The LVs
 * are never activated and the VG is taken off the loop device afterwards (the image keeps it).
 */
export function lvm(img: string, start: number, size: number, vg: string, lvs: { name: string; sizeMiB: number; content: string }[], work: string): void {
    const dir = fs.mkdtempSync(path.join(work, 'lvm-'));
    // Our own lvm.conf: no backup or archive files on the host.
    fs.writeFileSync(path.join(dir, 'lvm.conf'), 'backup {\n\tbackup = 0\n\tarchive = 0\n}\n');
    const env = { LVM_SYSTEM_DIR: dir, LVM_SUPPRESS_FD_WARNINGS: '1' };
    const loop = sh('losetup', ['-f', '--show', '-o', String(start), '--sizelimit', String(size), img]).trim();
    const run = (cmd: string, ...args: string[]): string => sh(cmd, ['--devices', loop, '--driverloaded', 'n', ...args], env);
    try {
        run('pvcreate', '--dataalignment', '1m', loop);
        run('vgcreate', '-s', '4M', vg, loop);
        for (const lv of lvs) run('lvcreate', '--activate', 'n', '--zero', 'n', '-n', lv.name, '-L', `${lv.sizeMiB}M`, vg);
        const peStart = parseInt(run('pvs', '--noheadings', '-o', 'pe_start', '--units', 'b', loop).trim(), 10);
        const rows = (JSON.parse(run('lvs', '--reportformat', 'json', '-o', 'lv_name,seg_pe_ranges')) as { report: { lv: { lv_name: string; seg_pe_ranges: string }[] }[] }).report[0].lv;
        for (const lv of lvs) {
            const m = /:(\d+)-\d+$/.exec(rows.find((r) => r.lv_name === lv.name)?.seg_pe_ranges ?? '');
            if (!m) throw new Error(`lvs: no single segment for ${vg}/${lv.name}`);
            ddInto(lv.content, img, start + peStart + Number(m[1]) * 4 * MiB);
        }
    } finally {
        // Only the loop device is forgotten: the metadata on the image stays as made.
        sh('losetup', ['-d', loop]);
    }
}

/** A written range of an image and how to read it. */
export interface ImagePiece { offset: number; length: number; data: () => Buffer }

const SCAN = 4096;
const MAX_PIECE = 4 * MiB;

/**
 * The non-zero 4 KiB blocks of a raw image, merged into ranges of at most 4 MiB. Reading the holes
 * costs about a second per GiB: the list is kept next to the (cached, never rewritten) image.
 */
export function imagePieces(file: string): ImagePiece[] {
    const listFile = `${file}.pieces.json`;
    let ranges: { offset: number; length: number }[];
    try {
        ranges = JSON.parse(fs.readFileSync(listFile, 'utf8')) as typeof ranges;
    } catch {
        ranges = scan(file);
        const tmp = `${listFile}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, JSON.stringify(ranges));
        fs.renameSync(tmp, listFile);
    }
    return ranges.map((p) => ({ ...p, data: () => readAt(file, p.offset, p.length) }));
}

function scan(file: string): { offset: number; length: number }[] {
    const fd = fs.openSync(file, 'r');
    const size = fs.fstatSync(fd).size;
    const pieces: { offset: number; length: number }[] = [];
    const buf = Buffer.alloc(4 * MiB);
    try {
        for (let pos = 0; pos < size; pos += buf.length) {
            const n = fs.readSync(fd, buf, 0, Math.min(buf.length, size - pos), pos);
            for (let o = 0; o < n; o += SCAN) {
                const block = buf.subarray(o, Math.min(n, o + SCAN));
                if (isZero(block)) continue;
                const at = pos + o;
                const last = pieces[pieces.length - 1];
                if (last && last.offset + last.length === at && last.length + block.length <= MAX_PIECE) last.length += block.length;
                else pieces.push({ offset: at, length: block.length });
            }
        }
    } finally {
        fs.closeSync(fd);
    }
    return pieces;
}

const ZERO = Buffer.alloc(SCAN);

function isZero(b: Buffer): boolean {
    return b.equals(b.length === SCAN ? ZERO : ZERO.subarray(0, b.length));
}

function readAt(file: string, offset: number, length: number): Buffer {
    const fd = fs.openSync(file, 'r');
    try {
        const b = Buffer.alloc(length);
        fs.readSync(fd, b, 0, length, offset);
        return b;
    } finally {
        fs.closeSync(fd);
    }
}

export function imageCacheDir(): string {
    return path.join(os.tmpdir(), 'azure-disks-sandbox-cache', 'images');
}

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * The cached image `name` for `key`, built by `build(out, work)` once: a lock file makes parallel
 * sandboxes wait for the first builder instead of making (slightly different) copies of their own.
 */
export function cachedImage(name: string, key: string, build: (out: string, work: string) => void): string {
    const dir = imageCacheDir();
    fs.mkdirSync(dir, { recursive: true });
    const final = path.join(dir, `${name}-${crypto.createHash('sha256').update(key).digest('hex').slice(0, 16)}.img`);
    const lock = `${final}.lock`;
    for (const end = Date.now() + 180_000; !fs.existsSync(final);) {
        let fd: number;
        try {
            fd = fs.openSync(lock, 'wx');
        } catch {
            // Another process builds it; a lock left by a crashed one goes after five minutes.
            if (Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 300_000) fs.rmSync(lock, { force: true });
            if (Date.now() > end) throw new Error(`${name}: waited 3 minutes for another process to build it`);
            sleep(200);
            continue;
        }
        fs.closeSync(fd);
        const work = fs.mkdtempSync(path.join(os.tmpdir(), `sandbox-image-${name}-`));
        const tmp = path.join(dir, `.${name}-${process.pid}.tmp`);
        try {
            build(tmp, work);
            fs.renameSync(tmp, final);
        } finally {
            fs.rmSync(work, { recursive: true, force: true });
            fs.rmSync(tmp, { force: true });
            fs.rmSync(lock, { force: true });
        }
    }
    return final;
}
