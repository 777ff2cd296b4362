/** Snapshot names and kinds: pure rules, no vscode import. */
import { proposeDiskName } from '../../shared/names';

/** `20261201-2206`: the UTC minute, as snapshot names and export file names carry it. */
function utcStamp(at: Date): string {
    const p = (n: number) => String(n).padStart(2, '0');
    return `${at.getUTCFullYear()}${p(at.getUTCMonth() + 1)}${p(at.getUTCDate())}-${p(at.getUTCHours())}${p(at.getUTCMinutes())}`;
}

/** `web-os-01-snap-20261201-2206`: the source's name and the UTC minute, cut to Azure's 80 characters. */
export function suggestSnapshotName(source: string, purpose: 'snap' | 'export', now = new Date()): string {
    return proposeDiskName(source, `-${purpose}-${utcStamp(now)}`);
}

/**
 * The file name (without extension) an export is saved under: the disk's name and the time of the
 * snapshot it was read from (`web-os-01-20261207-1928`), so the file says what it holds, not
 * which temporary snapshot carried it.
 */
export function exportFileBase(diskName: string, snapshotTime: Date): string {
    return `${diskName}-${utcStamp(snapshotTime)}`;
}

/** True when Azure has all of the snapshot's data (a plain Copy is readable at once; CopyStart counts up to 100). */
export function snapshotReadable(s: { completionPercent?: number; diskState?: string }): boolean {
    return s.completionPercent === undefined || s.completionPercent >= 100;
}
