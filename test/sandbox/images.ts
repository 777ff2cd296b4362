/**
 * The seeded disks that hold real file systems (seed.ts `image`): whole GPT disk images made by the
 * tools (imageTools.ts), cached under $TMPDIR/azure-disks-sandbox-cache/images/ and written into
 * their page blobs with only their non-zero blocks. The cache name hashes this file and the trees
 * and tools modules, so a change of recipe builds afresh (and seedCache.ts keys on them too).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cvmRoot, efiTree, rhelBoot, rhelRoot, ubuntuRoot, windowsVolume } from './imageFiles';
import { MiB, blank, cachedImage, ddInto, ext4, fat, gpt, lvm, ntfs, writeTree, xfs, type GptPart } from './imageTools';

export type DiskImageName = 'cvm' | 'ubuntu' | 'windows' | 'rhel';

/** GPT partition types (sgdisk codes). */
const T = { efi: 'ef00', biosBoot: 'ef02', linux: '8300', linuxRootX64: '8304', lvm: '8e00', msr: '0c01', basicData: '0700' };

interface Recipe {
    sizeMiB: number;
    parts: GptPart[];
    /** Makes each partition's content (a file) for the partitions that have one. */
    fill(at: Map<number, { start: number; size: number }>, img: string, work: string): void;
}

const tree = (work: string, name: string, t: Parameters<typeof writeTree>[1]) => writeTree(path.join(work, name), t);

export const RECIPES: Record<DiskImageName, Recipe> = {
    // 32 MiB: 1 EFI System (FAT16), 2 x86-64 root without a name (ext4).
    cvm: {
        sizeMiB: 32,
        parts: [{ number: 1, sizeMiB: 8, type: T.efi, name: 'EFI System' }, { number: 2, sizeMiB: 0, type: T.linuxRootX64, name: '' }],
        fill(at, img, work) {
            ddInto(fat(path.join(work, 'efi.img'), at.get(1)!.size, { bits: 16, clusterSectors: 1, label: 'UEFI', volumeId: 'c0f1e5a1', tree: tree(work, 'efi', efiTree('ubuntu', 'shimx64.efi')) }), img, at.get(1)!.start);
            ddInto(ext4(path.join(work, 'root.img'), at.get(2)!.size, { label: 'cloudimg-rootfs', seed: 'cvm', tree: tree(work, 'root', cvmRoot()) }), img, at.get(2)!.start);
        },
    },
    // 256 MiB, as Ubuntu's cloud images number them: 14 BIOS boot, 15 EFI (FAT32), 1 the root (ext4).
    ubuntu: {
        sizeMiB: 256,
        parts: [{ number: 14, sizeMiB: 4, type: T.biosBoot, name: '' }, { number: 15, sizeMiB: 64, type: T.efi, name: '' }, { number: 1, sizeMiB: 0, type: T.linux, name: '' }],
        fill(at, img, work) {
            ddInto(fat(path.join(work, 'efi.img'), at.get(15)!.size, { bits: 32, clusterSectors: 1, label: 'UEFI', volumeId: 'b6b1e5a1', tree: tree(work, 'efi', efiTree('ubuntu', 'shimx64.efi')) }), img, at.get(15)!.start);
            ddInto(ext4(path.join(work, 'root.img'), at.get(1)!.size, { label: 'cloudimg-rootfs', seed: 'ubuntu', tree: tree(work, 'root', ubuntuRoot()) }), img, at.get(1)!.start);
        },
    },
    // 256 MiB, as Windows Setup makes them: 1 EFI (FAT32), 2 Microsoft reserved (no file system), 3 C: (NTFS).
    windows: {
        sizeMiB: 256,
        parts: [
            { number: 1, sizeMiB: 100, type: T.efi, name: 'EFI system partition' },
            { number: 2, sizeMiB: 16, type: T.msr, name: 'Microsoft reserved partition' },
            { number: 3, sizeMiB: 0, type: T.basicData, name: 'Basic data partition' },
        ],
        fill(at, img, work) {
            ddInto(fat(path.join(work, 'efi.img'), at.get(1)!.size, { bits: 32, clusterSectors: 1, label: 'SYSTEM', volumeId: 'a1b2c3d4', tree: tree(work, 'efi', efiTree('Microsoft', 'Boot/bootmgfw.efi')) }), img, at.get(1)!.start);
            const c = at.get(3)!;
            ddInto(ntfs(path.join(work, 'c.img'), c.size, { label: 'Windows', hiddenSectors: c.start / 512, tree: tree(work, 'c', windowsVolume()), work }), img, c.start);
        },
    },
    // 704 MiB, as Red Hat's Azure images: 1 EFI (FAT16), 2 /boot (XFS), 3 BIOS boot, 4 LVM: VG rootvg, LV rootlv (XFS).
    rhel: {
        sizeMiB: 704,
        parts: [
            { number: 1, sizeMiB: 64, type: T.efi, name: 'EFI System Partition' },
            { number: 2, sizeMiB: 300, type: T.linux, name: '' },
            { number: 3, sizeMiB: 1, type: T.biosBoot, name: '' },
            { number: 4, sizeMiB: 0, type: T.lvm, name: '' },
        ],
        fill(at, img, work) {
            ddInto(fat(path.join(work, 'efi.img'), at.get(1)!.size, { bits: 16, clusterSectors: 4, label: 'EFI', volumeId: 'e1f2a3b4', tree: tree(work, 'efi', efiTree('redhat', 'shimx64.efi')) }), img, at.get(1)!.start);
            // mkfs.xfs makes nothing under 300 MiB: /boot and the root are that size.
            ddInto(xfs(path.join(work, 'boot.img'), at.get(2)!.size, { tree: tree(work, 'boot', rhelBoot()), work }), img, at.get(2)!.start);
            const root = xfs(path.join(work, 'root.img'), 300 * MiB, { tree: tree(work, 'root', rhelRoot()), work });
            const pv = at.get(4)!;
            lvm(img, pv.start, pv.size, 'rootvg', [{ name: 'rootlv', sizeMiB: 300, content: root }], work);
        },
    },
};

/** The recipe's identity: these modules' compiled text (and the image's name). */
function recipeKey(name: DiskImageName): string {
    const h = crypto.createHash('sha256').update(`v1 ${name}`);
    for (const f of ['images.js', 'imageFiles.js', 'imageTools.js']) h.update(fs.readFileSync(path.join(__dirname, f)));
    return h.digest('hex');
}

/** The raw image of `name` (built on first use, then cached). */
export function diskImage(name: DiskImageName): string {
    const r = RECIPES[name];
    return cachedImage(name, recipeKey(name), (out, work) => {
        const img = blank(path.join(work, 'disk.img'), r.sizeMiB * MiB);
        r.fill(gpt(img, `sandbox:${name}`, r.parts), img, work);
        fs.renameSync(img, out);
    });
}

/**
 * The images the seed needs, by name. One that cannot be built (no root for the loop device, no
 * FUSE, a tool missing) is reported in `problems` and left out: its disk gets the pseudo-random
 * layout of the other disks, so the sandbox still starts where the tools cannot run.
 */
export function buildImages(names: DiskImageName[], problems: string[]): Map<DiskImageName, string> {
    const out = new Map<DiskImageName, string>();
    for (const name of new Set(names)) {
        try {
            out.set(name, diskImage(name));
        } catch (e) {
            const detail = e instanceof Error ? (e as Error & { stderr?: string }).stderr?.trim() || e.message : String(e);
            problems.push(`${name}: ${detail.split('\n')[0]}`);
        }
    }
    if (problems.length) process.stderr.write(`sandbox: disk images not built, their disks hold pseudo-random data instead: ${problems.join('; ')}\n`);
    return out;
}
