/** How volumes are named for people: sizes in binary units, partition and LV folder names, dm names. */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** `512 B`, `100 MiB`, `29.9 GiB`: binary units, one decimal, `.0` left out. */
export function formatSize(bytes: number): string {
    let v = bytes;
    let u = 0;
    // Step up while the rounded figure would read 1024 or more.
    while (u < UNITS.length - 1 && Number(v.toFixed(1)) >= 1024) {
        v /= 1024;
        u++;
    }
    const text = u === 0 ? String(Math.round(v)) : v.toFixed(1).replace(/\.0$/, '');
    return `${text} ${UNITS[u]}`;
}

/**
 * The name device-mapper gives a logical volume (`/dev/mapper/<vg>-<lv>`): a hyphen inside either
 * name is doubled so the one between them stays unambiguous.
 */
export function dmName(vg: string, lv: string): string {
    return `${vg.replace(/-/g, '--')}-${lv.replace(/-/g, '--')}`;
}

/** `2 Linux root (ext4, 29.9 GiB)`: number, GPT name (else type name), contents, size. */
export function partitionName(number: number, label: string, contents: string, size: number): string {
    return `${number} ${label} (${contents}, ${formatSize(size)})`;
}

/**
 * `rootvg-rootlv (XFS, 8 GiB)`: the device-mapper name (/dev/mapper/rootvg-rootlv), since a folder
 * name cannot hold the `/` of `rootvg/rootlv` (it would show escaped).
 */
export function lvName(vg: string, lv: string, contents: string, size: number): string {
    return `${dmName(vg, lv)} (${contents}, ${formatSize(size)})`;
}

/** `Disk (ext4, 30 GiB)`: a disk without a partition table. */
export function diskName(contents: string, size: number): string {
    return `Disk (${contents}, ${formatSize(size)})`;
}
