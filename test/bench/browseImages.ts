/**
 * The disks the browse rows read, made once by the real tools and cached under test/.cache:
 *   ext4   30 GiB GPT: 1 EFI System (FAT32 by mkfs.vfat + mcopy), 2 Linux ext4 filling the rest
 *          (mkfs.ext4 -d of the usual tree plus big/, 200 MiB of files)
 *   ntfs   20 GiB GPT as Windows lays it out: 1 Microsoft reserved, 2 Basic data (mkntfs, ntfs-3g cp -a)
 *   xfs    20 GiB GPT: 1 BIOS boot, 2 Linux LVM: a PV with VG rootvg, LV root (XFS, loop mount + cp -a)
 * Each file system is made in a sparse file of its own size and only its data extents (FIEMAP)
 * are copied into place, so building takes seconds. What the rows compare with comes from the
 * tools too: debugfs for the device blocks of big/'s files, ntfsinfo and xfs_db for the size of
 * the folders' index and directory blocks.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { dataExtents } from '../../src/formats/extents';
import { cacheRoot, cachedImage, sh } from '../unit/diskKit';
import { makeTree } from '../unit/diskTree';
import { EFI_FILES, ddInto } from '../unit/diskVolumesKit';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const SECTOR = 512;
export const BIG_FILES = 100;
export const BIG_FILE = 2 * MiB;

export interface BrowseImage {
    /** Short name: ext4, ntfs, xfs. */
    key: string;
    title: string;
    file: string;
    size: number;
    /** Volumes with a file system: the id browse.js takes and what it holds. */
    volumes: { id: string; fs: string }[];
    /** browse.js path of the 1 MiB file (makeTree's data/one-mib.bin). */
    oneMiB: string;
    /** The 50- and 5,000-entry folders and their index or directory blocks (by the tools). */
    folders?: { fifty: string; many: string; fiftyBlocks: number; manyBlocks: number; what: string };
    /** The 200 MiB folder and the device byte ranges of its files' data (by debugfs). */
    big?: { path: string; ranges: { start: number; end: number }[]; bytes: number };
}

/** Deterministic bytes, fast (AES-CTR of zeros): 200 MiB in well under a second. */
export function stream(seed: number, length: number): Buffer {
    const iv = Buffer.alloc(16);
    iv.writeUInt32BE(seed, 0);
    return crypto.createCipheriv('aes-128-ctr', Buffer.alloc(16, 7), iv).update(Buffer.alloc(length));
}

function sparseFile(file: string, size: number): void {
    fs.writeFileSync(file, '');
    fs.truncateSync(file, size);
}

/** Copies the data extents of `src` (FIEMAP) into `img` at `offset`: the holes stay holes. */
async function copyExtents(src: string, img: string, offset: number): Promise<void> {
    const size = fs.statSync(src).size;
    const ext = (await dataExtents(src, size, () => undefined)) ?? [{ start: 0, end: size }];
    const from = fs.openSync(src, 'r'), to = fs.openSync(img, 'r+');
    const buf = Buffer.alloc(16 * MiB);
    try {
        for (const e of ext) {
            for (let p = e.start; p < e.end; p += buf.length) {
                const n = fs.readSync(from, buf, 0, Math.min(buf.length, e.end - p), p);
                fs.writeSync(to, buf, 0, n, offset + p);
            }
        }
    } finally {
        fs.closeSync(from);
        fs.closeSync(to);
    }
}

function partition(img: string, n: number): { start: number; size: number } {
    const out = sh('sgdisk', ['-i', String(n), img]);
    const first = Number(/First sector: (\d+)/.exec(out)![1]), last = Number(/Last sector: (\d+)/.exec(out)![1]);
    return { start: first * SECTOR, size: (last + 1 - first) * SECTOR };
}

/** The tree each image holds: makeTree's (many/ has 5,000 entries) and fifty/. */
function tree(dir: string): void {
    makeTree(dir, { symlinks: true, hardLinks: true });
    fs.mkdirSync(path.join(dir, 'fifty'));
    for (let i = 0; i < 50; i++) fs.writeFileSync(path.join(dir, 'fifty', `g${String(i).padStart(2, '0')}.txt`), `fifty ${i}\n`);
}

/** A read-only loop device over [offset, offset + size) of `img` for `body`. */
function withLoop<T>(img: string, offset: number, size: number, body: (dev: string) => T): T {
    const dev = sh('losetup', ['-r', '-f', '--show', '-o', String(offset), '--sizelimit', String(size), img]).trim();
    try {
        return body(dev);
    } finally {
        sh('losetup', ['-d', dev]);
    }
}

function ext4Disk(): Promise<BrowseImage> {
    return build('ext4', 'browse-ext4 v1: 30G; 1 EFI 100M FAT32; 2 ext4 rest, tree + fifty + big 100 × 2 MiB', 30 * GiB, async (out, work) => {
        sh('sgdisk', ['-n1:2048:+100M', '-t1:ef00', '-c1:EFI System', '-n2:0:0', '-t2:8300', out]);
        const efi = path.join(work, 'efi.img');
        sparseFile(efi, 100 * MiB);
        sh('mkfs.vfat', ['-F', '32', '-n', 'EFI', efi]);
        for (const [rel, data] of Object.entries(EFI_FILES)) {
            fs.mkdirSync(path.dirname(path.join(work, 'efi', rel)), { recursive: true });
            fs.writeFileSync(path.join(work, 'efi', rel), data);
        }
        sh('mcopy', ['-s', '-m', '-i', efi, path.join(work, 'efi', 'EFI'), '::/'], { env: { MTOOLS_SKIP_CHECK: '1', TZ: 'UTC' } });
        ddInto(efi, out, partition(out, 1).start);
        const dir = path.join(work, 'tree');
        tree(dir);
        fs.mkdirSync(path.join(dir, 'big'));
        for (let i = 0; i < BIG_FILES; i++) fs.writeFileSync(path.join(dir, 'big', `part-${String(i).padStart(3, '0')}.bin`), stream(i + 1, BIG_FILE));
        const p2 = partition(out, 2);
        const root = path.join(work, 'root.img');
        sparseFile(root, p2.size);
        sh('mkfs.ext4', ['-q', '-F', '-L', 'cloudimg-rootfs', '-E', 'lazy_itable_init=1,lazy_journal_init=1', '-d', dir, root]);
        await copyExtents(root, out, p2.start);
    }, (img) => {
        const p2 = partition(img, 2);
        const ranges: { start: number; end: number }[] = [];
        for (let i = 0; i < BIG_FILES; i++) {
            const blocks = sh('debugfs', ['-R', `blocks /big/part-${String(i).padStart(3, '0')}.bin`, `${img}?offset=${p2.start}`]).trim().split(/\s+/).map(Number);
            for (const b of blocks) {
                const start = p2.start + b * 4096, last = ranges[ranges.length - 1];
                if (last && last.end === start) last.end += 4096;
                else ranges.push({ start, end: start + 4096 });
            }
        }
        ranges.sort((a, b) => a.start - b.start);
        return { volumes: [{ id: '1', fs: 'FAT32' }, { id: '2', fs: 'ext4' }], oneMiB: '/2/data/one-mib.bin', big: { path: '/2/big', ranges, bytes: ranges.reduce((n, r) => n + r.end - r.start, 0) } };
    }, 'GPT, EFI System (FAT32) + ext4');
}

function ntfsDisk(): Promise<BrowseImage> {
    return build('ntfs', 'browse-ntfs v1: 20G; 1 MSR 16M; 2 NTFS rest (mkntfs -Q -c 4096), tree + fifty by ntfs-3g', 20 * GiB, async (out, work) => {
        sh('sgdisk', ['-n1:2048:+16M', '-t1:0c01', '-c1:Microsoft reserved partition', '-n2:0:0', '-t2:0700', '-c2:Basic data partition', out]);
        const p2 = partition(out, 2);
        const vol = path.join(work, 'ntfs.img');
        sparseFile(vol, p2.size);
        sh('mkntfs', ['-F', '-Q', '-s', '512', '-c', '4096', '-p', String(p2.start / SECTOR), '-L', 'Windows', vol]);
        const dir = path.join(work, 'tree'), mnt = path.join(work, 'mnt');
        tree(dir);
        fs.mkdirSync(mnt);
        sh('ntfs-3g', [vol, mnt]);
        try {
            sh('cp', ['-a', '--sparse=always', `${dir}/.`, mnt]);
        } finally {
            sh('umount', [mnt]);
        }
        await copyExtents(vol, out, p2.start);
    }, (img) => {
        const p2 = partition(img, 2);
        // ntfsinfo prints each attribute; the folder's index buffers are its $INDEX_ALLOCATION data.
        const indexBlocks = (folder: string) => withLoop(img, p2.start, p2.size, (dev) => {
            const text = sh('ntfsinfo', ['-F', folder, dev]);
            const at = text.indexOf('$INDEX_ALLOCATION');
            const m = at < 0 ? null : /Data size:\s+(\d+)/.exec(text.slice(at));
            return m ? Number(m[1]) / 4096 : 0;
        });
        return {
            volumes: [{ id: '2', fs: 'NTFS' }], oneMiB: '/2/data/one-mib.bin',
            folders: { fifty: '/2/fifty', many: '/2/many', fiftyBlocks: indexBlocks('/fifty'), manyBlocks: indexBlocks('/many'), what: '4 KiB index buffers ($INDEX_ALLOCATION, by ntfsinfo)' },
        };
    }, 'GPT, Microsoft reserved + NTFS (Windows-like)');
}

/** An lvm.conf of our own (no backup or archive files on the host). */
function lvmEnv(work: string): NodeJS.ProcessEnv {
    const dir = path.join(work, 'lvm-system');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'lvm.conf'), 'backup {\n\tbackup = 0\n\tarchive = 0\n}\n');
    return { LVM_SYSTEM_DIR: dir, LVM_SUPPRESS_FD_WARNINGS: '1' };
}

/** Where rootvg/root lies in the image, from the PV the tools wrote (pe_start + its first extent). */
function lvRoot(img: string, work: string): { start: number; size: number } {
    const p2 = partition(img, 2);
    const loop = sh('losetup', ['-f', '--show', '-o', String(p2.start), '--sizelimit', String(p2.size), img]).trim();
    try {
        const lvm = (cmd: string, ...args: string[]) => sh(cmd, ['--devices', loop, '--driverloaded', 'n', ...args], { env: lvmEnv(work) });
        const peStart = parseInt(lvm('pvs', '--noheadings', '-o', 'pe_start', '--units', 'b', loop).trim(), 10);
        const lv = (JSON.parse(lvm('lvs', '--reportformat', 'json', '-o', 'lv_name,lv_size,seg_pe_ranges', '--units', 'b')) as { report: { lv: { lv_name: string; lv_size: string; seg_pe_ranges: string }[] }[] }).report[0].lv.find((r) => r.lv_name === 'root')!;
        return { start: p2.start + peStart + Number(/:(\d+)-\d+$/.exec(lv.seg_pe_ranges)![1]) * 4 * MiB, size: parseInt(lv.lv_size, 10) };
    } finally {
        sh('losetup', ['-d', loop]);
    }
}

function xfsDisk(): Promise<BrowseImage> {
    return build('xfs', 'browse-lvm-xfs v1: 20G; 1 BIOS boot 1M; 2 LVM PV, rootvg/root 16G XFS (mount + cp -a), tree + fifty', 20 * GiB, async (out, work) => {
        sh('sgdisk', ['-n1:2048:+1M', '-t1:ef02', '-n2:0:0', '-t2:8e00', out]);
        const p2 = partition(out, 2);
        const loop = sh('losetup', ['-f', '--show', '-o', String(p2.start), '--sizelimit', String(p2.size), out]).trim();
        try {
            const lvm = (cmd: string, ...args: string[]) => sh(cmd, ['--devices', loop, '--driverloaded', 'n', ...args], { env: lvmEnv(work) });
            lvm('pvcreate', '--dataalignment', '1m', loop);
            lvm('vgcreate', '-s', '4M', 'rootvg', loop);
            lvm('lvcreate', '--activate', 'n', '--zero', 'n', '-n', 'root', '-L', '16G', 'rootvg');
        } finally {
            sh('losetup', ['-d', loop]);
        }
        const lv = lvRoot(out, work);
        const vol = path.join(work, 'xfs.img'), dir = path.join(work, 'tree'), mnt = path.join(work, 'mnt');
        sparseFile(vol, lv.size);
        sh('mkfs.xfs', ['-q', '-L', 'root', vol]);
        tree(dir);
        fs.mkdirSync(mnt);
        sh('mount', ['-o', 'loop', vol, mnt]);
        try {
            sh('cp', ['-a', `${dir}/.`, mnt]);
        } finally {
            sh('umount', [mnt]);
        }
        await copyExtents(vol, out, lv.start);
    }, (img, work) => {
        const lv = lvRoot(img, work);
        // Every block of the folder's data fork: data, leaf and free-index blocks alike.
        const dirBlocks = (folder: string) => withLoop(img, lv.start, lv.size, (dev) => {
            const text = sh('xfs_db', ['-r', '-c', `path ${folder}`, '-c', 'bmap', dev]);
            return [...text.matchAll(/count (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
        });
        return {
            volumes: [{ id: 'rootvg-root', fs: 'XFS' }], oneMiB: '/rootvg-root/data/one-mib.bin',
            folders: { fifty: '/rootvg-root/fifty', many: '/rootvg-root/many', fiftyBlocks: dirBlocks('/fifty'), manyBlocks: dirBlocks('/many'), what: '4 KiB directory blocks (the data fork, by xfs_db bmap)' },
        };
    }, 'GPT, LVM PV → rootvg/root XFS');
}

type Meta = Omit<BrowseImage, 'key' | 'title' | 'file' | 'size'>;

/** The image (cached) and what the tools say of it (cached beside it, keyed by the image's own time). */
async function build(key: string, recipe: string, size: number, make: (out: string, work: string) => Promise<void>, meta: (img: string, work: string) => Meta, title: string): Promise<BrowseImage> {
    // cachedImage builds synchronously; the async part (FIEMAP) is done first in a work file of our own.
    let file = cachedImageIfPresent(key, recipe);
    if (!file) {
        fs.mkdirSync(cacheRoot, { recursive: true });
        const work = fs.mkdtempSync(path.join(cacheRoot, `.work-${key}-`));
        try {
            const tmp = path.join(work, 'disk.img');
            sparseFile(tmp, size);
            await make(tmp, work);
            file = cachedImage(`browse-${key}`, recipe, (out) => fs.renameSync(tmp, out));
        } finally {
            fs.rmSync(work, { recursive: true, force: true });
        }
    }
    const json = cachedImage(`browse-${key}-meta`, recipe + fs.statSync(file).mtimeMs, (out, work) => fs.writeFileSync(out, JSON.stringify(meta(file!, work))));
    return { key, title, file, size, ...(JSON.parse(fs.readFileSync(json, 'utf8')) as Meta) };
}

/** The name cachedImage gives (diskKit.ts), so an image built before is found again. */
function cachePath(key: string, recipe: string): string {
    return path.join(cacheRoot, `browse-${key}-${crypto.createHash('sha256').update(recipe).digest('hex').slice(0, 12)}.img`);
}

function cachedImageIfPresent(key: string, recipe: string): string | undefined {
    const p = cachePath(key, recipe);
    return fs.existsSync(p) ? p : undefined;
}

/** The three disks, built when missing (a minute or two the first time). */
export async function browseImages(): Promise<BrowseImage[]> {
    return [await ext4Disk(), await ntfsDisk(), await xfsDisk()];
}
