/**
 * Whole-disk fixtures for the volume tree and the block devices, each made by the real tools:
 * sgdisk for the GPT, mkfs.vfat + mcopy for the EFI partition, mkfs.ext4 -d for the root, mkswap,
 * pvcreate/vgcreate/lvcreate on a loop device for LVM, mkfs.xfs -p for an XFS logical volume,
 * and qemu-img for the image formats. File systems are made in files of their own and written
 * into their partition or LV extents by dd.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ManifestEntry, bytes, makeTree } from './diskTree';
import { cachedImage, sh } from './diskKit';
import { ext4Image } from './diskLvmKit';

const MiB = 1024 * 1024;
const SECTOR = 512;

export interface GptFixture {
    image: string;
    /** The ext4 root's tree. */
    manifest: ManifestEntry[];
    /** Partition number → first byte. */
    starts: Record<number, number>;
}

/** Files put on the EFI partition by mcopy. */
export const EFI_FILES: Record<string, Buffer> = {
    'EFI/BOOT/BOOTX64.EFI': bytes(41, 300_000),
    'EFI/ubuntu/grub.cfg': Buffer.from('search.fs_uuid 1234 root\nconfigfile ($root)/boot/grub/grub.cfg\n'),
};

const TREE = { symlinks: true, hardLinks: true, manyCount: 300 };

const GPT_RECIPE = [
    '-n1:2048:+100M', '-t1:ef00', '-c1:EFI System',
    '-n2:0:+48M', '-t2:8304', '-c2:',
    '-n3:0:+8M', '-t3:8200', '-c3:swap',
];

/** Writes `src` into `img` at byte `offset`, keeping holes (zeros are skipped, not written). */
export function ddInto(src: string, img: string, offset: number): void {
    if (offset % 65536 !== 0) throw new Error(`offset ${offset} is not 64 KiB aligned`);
    sh('dd', [`if=${src}`, `of=${img}`, 'bs=64K', `seek=${offset / 65536}`, 'conv=notrunc,sparse', 'status=none']);
}

function partitionStarts(img: string, numbers: number[]): Record<number, number> {
    const out: Record<number, number> = {};
    for (const n of numbers) out[n] = Number(/First sector: (\d+)/.exec(sh('sgdisk', ['-i', String(n), img]))![1]) * SECTOR;
    return out;
}

/**
 * A 160 MiB GPT disk: 1 `EFI System` (FAT32 by mkfs.vfat, two files by mcopy), 2 an x86-64 root
 * partition without a name (ext4 by mkfs.ext4 -d from the generated tree), 3 `swap` (mkswap).
 */
export function gptFixture(): GptFixture {
    const key = `gpt-efi-ext4 v1 ${GPT_RECIPE.join(' ')}`;
    const image = cachedImage('volumes-gpt', key, (out, work) => {
        fs.writeFileSync(out, '');
        fs.truncateSync(out, 160 * MiB);
        sh('sgdisk', [...GPT_RECIPE, out]);
        const starts = partitionStarts(out, [1, 2, 3]);
        const efi = path.join(work, 'efi.img');
        fs.writeFileSync(efi, '');
        fs.truncateSync(efi, 100 * MiB);
        sh('mkfs.vfat', ['-F', '32', '-n', 'EFI', efi]);
        const files = path.join(work, 'efi');
        for (const [rel, data] of Object.entries(EFI_FILES)) {
            fs.mkdirSync(path.dirname(path.join(files, rel)), { recursive: true });
            fs.writeFileSync(path.join(files, rel), data);
        }
        sh('mcopy', ['-s', '-m', '-i', efi, path.join(files, 'EFI'), '::/'], { env: { MTOOLS_SKIP_CHECK: '1', TZ: 'UTC' } });
        ddInto(efi, out, starts[1]);
        const tree = path.join(work, 'tree');
        makeTree(tree, TREE);
        const root = path.join(work, 'root.img');
        sh('mkfs.ext4', ['-q', '-F', '-L', 'cloudimg-rootfs', '-d', tree, root, '48M'], { env: { E2FSPROGS_FAKE_TIME: '1714979290' } });
        ddInto(root, out, starts[2]);
        const swap = path.join(work, 'swap.img');
        fs.writeFileSync(swap, '');
        fs.truncateSync(swap, 8 * MiB);
        sh('mkswap', ['-L', 'swap', swap]);
        ddInto(swap, out, starts[3]);
    });
    // The tree is generated the same on every run: its manifest is taken from a fresh copy.
    const json = cachedImage('volumes-gpt-manifest', key, (out, work) => {
        fs.writeFileSync(out, JSON.stringify(makeTree(path.join(work, 'tree'), TREE)));
    });
    return { image, manifest: JSON.parse(fs.readFileSync(json, 'utf8')) as ManifestEntry[], starts: partitionStarts(image, [1, 2, 3]) };
}

/** An lvm.conf of our own (no backup or archive files on the host) and quiet fd warnings. */
function lvmEnv(work: string): NodeJS.ProcessEnv {
    const dir = path.join(work, 'lvm-system');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'lvm.conf'), 'backup {\n\tbackup = 0\n\tarchive = 0\n}\n');
    return { LVM_SYSTEM_DIR: dir, LVM_SUPPRESS_FD_WARNINGS: '1' };
}

/** Files of the XFS volume (mkfs.xfs -p copies them in). */
export const XFS_FILES: Record<string, Buffer> = {
    'etc/hostname': Buffer.from('lvm-xfs-host\n'),
    'data/random.bin': bytes(43, 1_500_000),
};

function xfsImage(work: string): string {
    const dir = path.join(work, 'xfs-tree');
    for (const [rel, data] of Object.entries(XFS_FILES)) {
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), data);
    }
    // A prototype file (mkfs.xfs(8) -p): the root, then each folder and file with its mode.
    const proto = ['/dummy', '0 0', 'd--755 0 0',
        'etc d--755 0 0', `hostname ---644 0 0 ${path.join(dir, 'etc/hostname')}`, '$',
        'data d--755 0 0', `random.bin ---644 0 0 ${path.join(dir, 'data/random.bin')}`, '$',
        'link l--777 0 0 data/random.bin', '$'].join('\n') + '\n';
    fs.writeFileSync(path.join(work, 'proto'), proto);
    const out = path.join(work, 'xfs.img');
    fs.writeFileSync(out, '');
    fs.truncateSync(out, 300 * MiB);
    sh('mkfs.xfs', ['-q', '-L', 'rootfs', '-p', path.join(work, 'proto'), out]);
    return out;
}

/**
 * A 400 MiB GPT disk: 1 `BIOS boot` (1 MiB, empty), 2 `Linux LVM` holding PV → VG rootvg with
 * rootlv (300 MiB, XFS) and home-lv (8 MiB, ext4; the hyphen is doubled in its dm name).
 */
export function gptLvmXfsFixture(): string {
    const homeFs = ext4Image(8);
    return cachedImage('volumes-gpt-lvm-xfs', `v1 ${homeFs}`, (out, work) => {
        const img = path.join(work, 'disk.img');
        fs.writeFileSync(img, '');
        fs.truncateSync(img, 400 * MiB);
        sh('sgdisk', ['-n1:2048:+1M', '-t1:ef02', '-n2:0:0', '-t2:8e00', img]);
        const first = partitionStarts(img, [2])[2];
        const last = Number(/Last sector: (\d+)/.exec(sh('sgdisk', ['-i', '2', img]))![1]);
        const env = lvmEnv(work);
        const loop = sh('losetup', ['-f', '--show', '-o', String(first), '--sizelimit', String((last + 1) * SECTOR - first), img]).trim();
        const lvm = (cmd: string, ...args: string[]): string => sh(cmd, ['--devices', loop, '--driverloaded', 'n', ...args], { env });
        try {
            lvm('pvcreate', '--dataalignment', '1m', loop);
            lvm('vgcreate', '-s', '4M', 'rootvg', loop);
            lvm('lvcreate', '--activate', 'n', '--zero', 'n', '-n', 'rootlv', '-L', '300M', 'rootvg');
            lvm('lvcreate', '--activate', 'n', '--zero', 'n', '-n', 'home-lv', '-L', '8M', 'rootvg');
            const peStart = parseInt(lvm('pvs', '--noheadings', '-o', 'pe_start', '--units', 'b', loop).trim(), 10);
            const rows = JSON.parse(lvm('lvs', '--reportformat', 'json', '-o', 'lv_name,seg_pe_ranges', '--units', 'b')) as { report: { lv: { lv_name: string; seg_pe_ranges: string }[] }[] };
            const at = (lv: string): number => {
                const m = /:(\d+)-\d+$/.exec(rows.report[0].lv.find((r) => r.lv_name === lv)!.seg_pe_ranges)!;
                return first + peStart + Number(m[1]) * 4 * MiB;
            };
            ddInto(xfsImage(work), img, at('rootlv'));
            ddInto(homeFs, img, at('home-lv'));
            sh('cp', ['--sparse=always', img, out]);
        } finally {
            for (const [cmd, args] of [['vgremove', ['-f', 'rootvg']], ['pvremove', ['-ff', '-y', loop]]] as [string, string[]][]) {
                try {
                    lvm(cmd, ...args);
                } catch {
                    // Nothing to remove when the build failed before creating it.
                }
            }
            sh('losetup', ['-d', loop]);
        }
    });
}

/** `qemu-img convert` of a raw image into `fmt` (vpc, vhdx, qcow2) with options. */
export function convert(src: string, dst: string, fmt: string, opts: string[] = []): string {
    sh('qemu-img', ['convert', '-f', 'raw', '-O', fmt, ...opts, src, dst]);
    return dst;
}

/** What qemu-img reads from an image: `qemu-img convert -O raw` into `out`. */
export function qemuRaw(image: string, fmt: string, out: string): string {
    sh('qemu-img', ['convert', '-f', fmt, '-O', 'raw', image, out]);
    return out;
}
