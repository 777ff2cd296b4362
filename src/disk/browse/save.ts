/**
 * Save out: a file or folder of a disk copied into a local folder the user chose, streamed piece by
 * piece. Names are made safe (every change listed), timestamps kept, symlinks saved as links with
 * their stored target and never followed (skipped on Windows, where making one needs a privilege
 * most users lack), holes left as holes, hard links saved as separate copies, device files and
 * pipes skipped. A cancel stops at the next piece and removes the file being written.
 */
import * as crypto from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as l10n from '@vscode/l10n';
import { BrowseError } from './errors';
import { fitLocalName } from './names';
import { makeFolder, publish, seconds, targetRoot, tempName, writeSparse } from './local';
import { readChunks, type BrowseEntry, type BrowseTree } from './tree';

export interface SaveProgress {
    bytesDone: number;
    bytesTotal: number;
    filesDone: number;
    filesTotal: number;
    /** The path inside the disk being saved. */
    current: string;
}

export interface SaveOptions {
    onProgress?: (p: SaveProgress) => void;
    signal?: AbortSignal;
    /** The local platform's rules (symlinks are skipped on win32); tests pass another. */
    platform?: NodeJS.Platform;
    /** The name for the saved copy of the disk's root `/`, which has none of its own. */
    rootName?: string;
    /** Entries (files, folders, links) one save may hold. */
    maxEntries?: number;
}

export interface SaveRename {
    /** The path inside the disk. */
    path: string;
    /** The name as stored in the image. */
    rawName: string;
    /** Where it was saved, relative to the chosen folder, with `/`. */
    savedAs: string;
}

export type SkipReason = 'symlinkOnWindows' | 'loop' | 'special' | 'unreadable' | 'badLinkTarget';

export interface SaveSkip {
    path: string;
    reason: SkipReason;
    detail?: string;
}

export interface SaveResult {
    /** The local path of the saved file, link or folder. */
    saved: string;
    files: number;
    folders: number;
    links: number;
    bytes: number;
    renamed: SaveRename[];
    skipped: SaveSkip[];
}

interface PlanItem {
    entry: BrowseEntry;
    /** Index of the folder item it lies in; -1 for the top. */
    parent: number;
}

/** Copies the entry at `diskPath` into `targetFolder`. */
export async function saveTo(tree: BrowseTree, diskPath: string, targetFolder: string, o: SaveOptions = {}): Promise<SaveResult> {
    const root = await targetRoot(targetFolder);
    const top = await tree.stat(diskPath);
    const result: SaveResult = { saved: '', files: 0, folders: 0, links: 0, bytes: 0, renamed: [], skipped: [] };
    const plan = await makePlan(tree, top, o, result.skipped);
    const progress: SaveProgress = { bytesDone: 0, bytesTotal: 0, filesDone: 0, filesTotal: 0, current: top.path };
    for (const item of plan) {
        if (item.entry.type === 'file') {
            progress.bytesTotal += item.entry.size;
            progress.filesTotal++;
        }
    }
    const local: (string | undefined)[] = [];
    const folders: { path: string; entry: BrowseEntry }[] = [];
    for (const [i, item] of plan.entries()) {
        throwIfCancelled(o.signal);
        const parent = item.parent < 0 ? root : local[item.parent];
        if (parent === undefined) continue;
        const { entry } = item;
        progress.current = entry.path;
        const wanted = fitLocalName(entry.path === '/' ? (o.rootName ?? 'disk') : entry.name, (s) => crypto.createHash('sha256').update(s).digest('hex'));
        const placed = await saveOne(tree, entry, root, parent, wanted, o, result, progress);
        if (!placed) continue;
        local[i] = entry.type === 'dir' ? placed.path : undefined;
        if (entry.type === 'dir') folders.push({ path: placed.path, entry });
        if (i === 0) result.saved = placed.path;
        if (entry.path !== '/' && placed.name !== entry.rawName) {
            result.renamed.push({ path: entry.path, rawName: entry.rawName, savedAs: path.relative(root, placed.path).split(path.sep).join('/') });
        }
    }
    // Folder times last, deepest first: writing into a folder changes its mtime.
    for (const f of folders.reverse()) {
        if (f.entry.mtimeMs !== undefined) await fsp.utimes(f.path, seconds(f.entry.atimeMs ?? f.entry.mtimeMs, 0), seconds(f.entry.mtimeMs, 0));
    }
    return result;
}

async function saveOne(tree: BrowseTree, entry: BrowseEntry, root: string, parent: string, name: string, o: SaveOptions, result: SaveResult, progress: SaveProgress): Promise<{ name: string; path: string } | undefined> {
    switch (entry.type) {
        case 'dir':
            result.folders++;
            return makeFolder(root, parent, name);
        case 'file': {
            const placed = await saveFile(entry, root, parent, name, o, progress);
            result.files++;
            result.bytes += entry.size;
            progress.filesDone++;
            o.onProgress?.({ ...progress });
            return placed;
        }
        case 'symlink':
            if ((o.platform ?? process.platform) === 'win32') {
                result.skipped.push({ path: entry.path, reason: 'symlinkOnWindows' });
                return undefined;
            }
            return saveLink(tree, entry, root, parent, name, result);
        default:
            result.skipped.push({ path: entry.path, reason: 'special' });
            return undefined;
    }
}

/** The entries to save, top first, each folder before what it holds; loops and unreadable folders skipped. */
async function makePlan(tree: BrowseTree, top: BrowseEntry, o: SaveOptions, skipped: SaveSkip[]): Promise<PlanItem[]> {
    const max = o.maxEntries ?? 1_000_000;
    const plan: PlanItem[] = [{ entry: top, parent: -1 }];
    for (let i = 0; i < plan.length; i++) {
        const { entry } = plan[i];
        if (entry.type !== 'dir') continue;
        throwIfCancelled(o.signal);
        let children: BrowseEntry[];
        try {
            children = entry.path === '/' ? await tree.readDirectory('/') : [...(await tree.listing(entry)).entries.values()];
        } catch (e) {
            if (i === 0 && !(e instanceof BrowseError && e.code === 'Loop')) throw e;
            skipped.push({ path: entry.path, reason: e instanceof BrowseError && e.code === 'Loop' ? 'loop' : 'unreadable', detail: (e as Error).message });
            continue;
        }
        for (const c of children) plan.push({ entry: c, parent: i });
        if (plan.length > max) throw new BrowseError('TooLarge', l10n.t('{0} holds more than {1} entries: save a smaller folder.', top.path, max));
    }
    return plan;
}

async function saveFile(entry: BrowseEntry, root: string, parent: string, name: string, o: SaveOptions, progress: SaveProgress): Promise<{ name: string; path: string }> {
    const fs = entry.volume?.fs;
    if (!fs || !entry.node) throw new BrowseError('Unreadable', l10n.t('{0} cannot be read.', entry.path));
    const tmp = await tempName(root, parent);
    // O_CREAT | O_EXCL: never opens an existing file or follows a link planted at the name.
    const fd = await fsp.open(tmp, 'wx');
    let closed = false;
    try {
        for await (const c of readChunks(fs, entry.node, 0, entry.size, o.signal)) {
            await writeSparse(fd, c.offset, c.bytes);
            progress.bytesDone += c.bytes.length;
            o.onProgress?.({ ...progress });
        }
        throwIfCancelled(o.signal);
        await fd.truncate(entry.size);
        const now = Date.now() / 1000;
        if (entry.mtimeMs !== undefined) await fd.utimes(seconds(entry.atimeMs ?? entry.mtimeMs, now), seconds(entry.mtimeMs, now));
        await fd.close();
        closed = true;
        return await publish(root, parent, tmp, name);
    } catch (e) {
        if (!closed) await fd.close().catch(() => undefined);
        await fsp.rm(tmp, { force: true });
        throw e;
    }
}

async function saveLink(tree: BrowseTree, entry: BrowseEntry, root: string, parent: string, name: string, result: SaveResult): Promise<{ name: string; path: string } | undefined> {
    const target = await tree.readlink(entry.path);
    // The target is stored text, written as it is: it is never resolved on this machine.
    if (!target || target.includes('\0')) {
        result.skipped.push({ path: entry.path, reason: 'badLinkTarget', detail: JSON.stringify(target) });
        return undefined;
    }
    const tmp = await tempName(root, parent);
    await fsp.symlink(target, tmp);
    try {
        const placed = await publish(root, parent, tmp, name);
        if (entry.mtimeMs !== undefined) await fsp.lutimes(placed.path, seconds(entry.atimeMs ?? entry.mtimeMs, 0), seconds(entry.mtimeMs, 0)).catch(() => undefined);
        result.links++;
        return placed;
    } catch (e) {
        await fsp.rm(tmp, { force: true });
        throw e;
    }
}

function throwIfCancelled(signal: AbortSignal | undefined): void {
    if (signal?.aborted) throw new BrowseError('Cancelled', l10n.t('Cancelled.'));
}

