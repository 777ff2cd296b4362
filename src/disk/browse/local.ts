/**
 * Writing into the folder the user chose, and nowhere else: every target is one safe segment under
 * a folder this save created (or the chosen folder itself), checked to be a real folder inside the
 * chosen one before anything is written; files are written under a temporary name and renamed, so
 * no half file ever carries a final name; nothing existing is overwritten.
 */
import * as crypto from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as l10n from '@vscode/l10n';
import { BrowseError } from './errors';
import { numberedName } from './names';

/** The chosen folder, its symlinks resolved once: every target must lie under this. */
export async function targetRoot(folder: string): Promise<string> {
    const real = await fsp.realpath(path.resolve(folder));
    const st = await fsp.stat(real);
    if (!st.isDirectory()) throw new BrowseError('Unsafe', l10n.t('{0} is not a folder.', folder));
    return real;
}

/** `parent/name`, after checking `name` is one plain segment and `parent` a real folder inside `root`. */
export async function childPath(root: string, parent: string, name: string): Promise<string> {
    if (!name || name === '.' || name === '..' || /[/\\\0]/.test(name) || path.isAbsolute(name) || path.basename(name) !== name) {
        throw new BrowseError('Unsafe', l10n.t('{0} is not a plain file name.', JSON.stringify(name)));
    }
    const st = await fsp.lstat(parent);
    if (!st.isDirectory()) throw new BrowseError('Unsafe', l10n.t('{0} is not a plain folder.', parent));
    const realParent = await fsp.realpath(parent);
    // A symlink anywhere above: refused even when it points inside the chosen folder.
    if (realParent !== path.resolve(parent) || (realParent !== root && !realParent.startsWith(root + path.sep))) {
        throw new BrowseError('Unsafe', l10n.t('{0} lies outside {1}.', parent, root));
    }
    const p = path.join(realParent, name);
    if (path.dirname(p) !== realParent) throw new BrowseError('Unsafe', l10n.t('{0} lies outside {1}.', p, root));
    return p;
}

async function exists(p: string): Promise<boolean> {
    try {
        await fsp.lstat(p);
        return true;
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw e;
    }
}

/** The first of `name`, `name (2)`, … that does not exist in `parent` (a case-insensitive target finds `A` for `a`). */
export async function freeName(root: string, parent: string, name: string): Promise<{ name: string; path: string }> {
    for (let n = 1; n <= 1000; n++) {
        const candidate = n === 1 ? name : numberedName(name, n);
        const p = await childPath(root, parent, candidate);
        if (!(await exists(p))) return { name: candidate, path: p };
    }
    throw new BrowseError('Unsafe', l10n.t('{0} already holds 1,000 files named like {1}.', parent, name));
}

/** A new folder at a free name; never an existing one. */
export async function makeFolder(root: string, parent: string, name: string): Promise<{ name: string; path: string }> {
    for (let attempt = 0; attempt < 5; attempt++) {
        const free = await freeName(root, parent, name);
        try {
            await fsp.mkdir(free.path);
            return free;
        } catch (e) {
            // Taken between the check and the mkdir: try the next free name.
            if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        }
    }
    throw new BrowseError('Unsafe', l10n.t('Could not create a folder named {0} in {1}.', name, parent));
}

/** A temporary name in `parent` that no one else uses; short, whatever the final name's length. */
export function tempName(root: string, parent: string): Promise<string> {
    return childPath(root, parent, `.amd-save-${crypto.randomBytes(6).toString('hex')}.partial`);
}

/** Moves a finished temporary file or link to a free final name; the final name is taken only once it is whole. */
export async function publish(root: string, parent: string, tmp: string, name: string): Promise<{ name: string; path: string }> {
    const free = await freeName(root, parent, name);
    await fsp.rename(tmp, free.path);
    return free;
}

const ZERO = Buffer.alloc(64 * 1024);

/** Whether `b` holds only zero bytes (a stretch the save leaves as a hole). */
export function isZero(b: Uint8Array): boolean {
    for (let i = 0; i < b.length; i += ZERO.length) {
        const n = Math.min(ZERO.length, b.length - i);
        if (!Buffer.from(b.buffer, b.byteOffset + i, n).equals(ZERO.subarray(0, n))) return false;
    }
    return true;
}

/** Writes the non-zero 64 KiB stretches of `bytes` at `offset`; zero stretches stay holes after the final truncate. */
export async function writeSparse(fd: fsp.FileHandle, offset: number, bytes: Uint8Array): Promise<number> {
    let written = 0;
    for (let i = 0; i < bytes.length; i += ZERO.length) {
        const piece = bytes.subarray(i, Math.min(bytes.length, i + ZERO.length));
        if (isZero(piece)) continue;
        await fd.write(piece, 0, piece.length, offset + i);
        written += piece.length;
    }
    return written;
}

/** Seconds for utimes from milliseconds; now when the image keeps no time. */
export function seconds(ms: number | undefined, fallback: number): number {
    return typeof ms === 'number' && Number.isFinite(ms) ? ms / 1000 : fallback;
}
