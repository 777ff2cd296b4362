/**
 * File and folder names for downloads, built from the disk's name only — never from a URL, whose
 * path the service chooses. No vscode import.
 */
import type { BlobKind } from '../../shared/types';

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;
const MAX_NAME = 200;

/**
 * A single safe path segment: no separators, no `..`, no control or Windows-forbidden characters,
 * no reserved device names, no trailing dots or spaces. Never empty.
 */
export function sanitizeName(raw: string, fallback = 'disk'): string {
    let s = String(raw ?? '')
        .normalize('NFC')
        // eslint-disable-next-line no-control-regex
        .replace(/[\u0000-\u001f\u007f-\u009f]/g, '')
        .replace(/[<>:"/\\|?*]/g, '_');
    s = s.replace(/^[\s.]+/, '').replace(/[\s.]+$/, '').replace(/\.{2,}/g, '_');
    if (s.length > MAX_NAME) s = s.slice(0, MAX_NAME).replace(/[\s.]+$/, '');
    if (!s) s = fallback;
    if (WINDOWS_RESERVED.test(s)) s = `_${s}`;
    return s;
}

/** `<disk>.vhd` (or `.vhdx`), `<disk>_vmgs.vhd`, `<disk>_vmmd.vhd`. */
export function blobFileName(diskName: string, kind: BlobKind, fileFormat: 'VHD' | 'VHDX' = 'VHD'): string {
    const base = sanitizeName(diskName);
    switch (kind) {
        case 'disk':
            return `${base}.${fileFormat === 'VHDX' ? 'vhdx' : 'vhd'}`;
        case 'vmgs':
            return `${base}_vmgs.vhd`;
        case 'vmmd':
            return `${base}_vmmd.vhd`;
    }
}

/**
 * The download folder relative to the workspace, from the setting. Each segment is sanitised, so
 * `../x` or an absolute path cannot leave the workspace folder.
 */
export function downloadSubfolder(setting: string | undefined): string[] {
    const segments = String(setting ?? '')
        .split(/[\\/]+/)
        .map((s) => s.trim())
        .filter((s) => s && s !== '.' && s !== '..');
    const safe = segments.map((s) => sanitizeName(s, '_'));
    return safe.length ? safe : ['disks'];
}
