/**
 * One tree over the volumes of a disk: `/` holds a folder per volume (named after the volume), and
 * under each the volume's own files, every name made safe (names.ts). Paths are resolved one folder
 * at a time through a bounded cache of listings; a folder whose node is one of its own ancestors
 * is listed but never entered.
 */
import * as l10n from '@vscode/l10n';
import type { BlockDevice, FileSystemReader, FsNode, NodeType } from '../types';
import { rawImageFs } from './raw';
import { BrowseError } from './errors';
import { safeName } from './names';

/** What the tree needs of a volume (src/disk/volumes' Volume has these and more). */
export interface BrowseVolume {
    id: string;
    name: string;
    size: number;
    typeName: string;
    fsType?: string;
    fs?: FileSystemReader;
    /** Why a volume has no file system to show (encrypted, swap, an error). */
    note?: string;
    /** The volume's bytes: a volume without a readable file system shows them as one raw image file. */
    device?: BlockDevice;
}

/** A path resolved: the root, a volume's folder, or a node inside a volume. */
export interface BrowseEntry {
    /** `/`, `/<volume>`, `/<volume>/<name>/…`, every segment a safe name. */
    path: string;
    /** The last segment (safe); `` for the root. */
    name: string;
    /** The name as stored in the image (the volume's name for a volume folder). */
    rawName: string;
    type: NodeType;
    size: number;
    mtimeMs?: number;
    ctimeMs?: number;
    atimeMs?: number;
    volume?: BrowseVolume;
    /** The reader's node; absent for the root and for a volume without a file system. */
    node?: FsNode;
    /** Ids of the folders above this entry within its volume, root first (loop detection). */
    ancestors: readonly string[];
}

export interface TreeOptions {
    /** Folder listings kept (least recently used dropped first). */
    maxCachedFolders?: number;
    /** Entries summed over the cached listings. */
    maxCachedEntries?: number;
    /** Folders deep from a volume's root. */
    maxDepth?: number;
    /** The largest file readFile returns whole. */
    maxWholeFile?: number;
}

interface Listing {
    /** The folder itself, so a path can be resolved from its deepest cached folder. */
    dir: BrowseEntry;
    entries: Map<string, BrowseEntry>;
}

const DEFAULTS: Required<TreeOptions> = { maxCachedFolders: 512, maxCachedEntries: 200_000, maxDepth: 256, maxWholeFile: 256 * 1024 * 1024 };

export class BrowseTree {
    private readonly opts: Required<TreeOptions>;
    private readonly volumes = new Map<string, BrowseVolume>();
    private readonly cache = new Map<string, Listing>();
    private cachedEntries = 0;
    /** Names a listing left out (empty names, duplicates), for the log. */
    readonly skipped: string[] = [];

    constructor(volumes: readonly BrowseVolume[], opts: TreeOptions = {}) {
        this.opts = { ...DEFAULTS, ...opts };
        for (const given of volumes) {
            const v = !given.fs && given.device ? { ...given, fs: rawImageFs(given.id, given.device, given.typeName, given.note) } : given;
            let name = safeName(v.name) ?? safeName(v.id) ?? `volume-${this.volumes.size + 1}`;
            // Two volumes of the same name (a damaged table) stay apart by their ids.
            if (this.volumes.has(name)) name = `${name} [${safeName(v.id) ?? this.volumes.size + 1}]`;
            this.volumes.set(name, v);
        }
    }

    /** The entry at `path`; throws BrowseError('NotFound') when there is none. */
    async stat(path: string): Promise<BrowseEntry> {
        const segments = splitPath(path);
        if (segments.length === 0) return { path: '/', name: '', rawName: '', type: 'dir', size: 0, ancestors: [] };
        const volume = this.volumes.get(segments[0]);
        if (!volume) throw new BrowseError('NotFound', l10n.t('There is no volume named {0} on this disk.', segments[0]));
        // Start from the deepest folder on the path whose listing is cached.
        let start = 1;
        let entry: BrowseEntry | undefined;
        for (let k = segments.length - 1; k >= 1 && !entry; k--) {
            entry = this.cache.get('/' + segments.slice(0, k).join('/'))?.dir;
            start = k;
        }
        entry ??= await this.volumeEntry(segments[0], volume);
        for (const seg of segments.slice(start)) {
            const listing = await this.listing(entry);
            const next = listing.entries.get(seg);
            if (!next) throw new BrowseError('NotFound', l10n.t('{0} does not exist on the disk.', joinPath(entry.path, seg)));
            entry = next;
        }
        return entry;
    }

    /** The entries of the folder at `path`, in the reader's order. */
    async readDirectory(path: string): Promise<BrowseEntry[]> {
        const entry = await this.stat(path);
        if (entry.path === '/') {
            return Promise.all([...this.volumes].map(([name, v]) => this.volumeEntry(name, v)));
        }
        return [...(await this.listing(entry)).entries.values()];
    }

    /** Up to `length` bytes from `offset`, or the whole file (refused over the whole-file bound). */
    async readFile(path: string, offset = 0, length?: number): Promise<Uint8Array> {
        const entry = await this.stat(path);
        if (entry.type === 'dir') throw new BrowseError('IsADirectory', l10n.t('{0} is a folder.', entry.path));
        if (entry.type === 'symlink') return new TextEncoder().encode(await this.readlink(path));
        if (entry.type !== 'file' || !entry.node || !entry.volume?.fs) throw new BrowseError('Unreadable', l10n.t('{0} is not a regular file (a device, socket or pipe).', entry.path));
        const start = Math.max(0, Math.min(offset, entry.size));
        const want = Math.min(length ?? entry.size - start, entry.size - start);
        if (want > this.opts.maxWholeFile) {
            throw new BrowseError('TooLarge', l10n.t('{0} is too large to open here ({1} bytes). Save it to the workspace instead.', entry.path, entry.size));
        }
        const out = new Uint8Array(want);
        let done = 0;
        for await (const c of readChunks(entry.volume.fs, entry.node, start, want)) {
            out.set(c.bytes, c.offset - start);
            done = c.offset - start + c.bytes.length;
        }
        return done === want ? out : out.subarray(0, done);
    }

    /** A symlink's target as stored (never resolved). */
    async readlink(path: string): Promise<string> {
        const entry = await this.stat(path);
        if (entry.type !== 'symlink' || !entry.node || !entry.volume?.fs) throw new BrowseError('NotFound', l10n.t('{0} is not a symbolic link.', entry.path));
        return entry.volume.fs.readlink(entry.node);
    }

    /** The listing of a folder entry; refuses a loop, the depth bound and a volume without a file system. */
    async listing(dir: BrowseEntry): Promise<Listing> {
        if (dir.type !== 'dir') throw new BrowseError('NotADirectory', l10n.t('{0} is not a folder.', dir.path));
        const fs = dir.volume?.fs;
        if (!fs || !dir.node) throw new BrowseError('Unreadable', l10n.t('{0} has no file system that can be read here: {1}', dir.path, dir.volume?.note ?? dir.volume?.typeName ?? ''));
        if (dir.ancestors.includes(dir.node.id)) {
            throw new BrowseError('Loop', l10n.t('{0} is one of its own parent folders (the image is damaged): it is not opened.', dir.path));
        }
        if (dir.ancestors.length >= this.opts.maxDepth) throw new BrowseError('TooLarge', l10n.t('{0} lies more than {1} folders deep.', dir.path, this.opts.maxDepth));
        const hit = this.cache.get(dir.path);
        if (hit) {
            // Most recently used last, so the first key is the one to drop.
            this.cache.delete(dir.path);
            this.cache.set(dir.path, hit);
            return hit;
        }
        const nodes = await fs.list(dir.node);
        const ancestors = [...dir.ancestors, dir.node.id];
        const entries = new Map<string, BrowseEntry>();
        for (const n of nodes) {
            const name = safeName(n.name);
            if (name === undefined || entries.has(name)) {
                this.skipped.push(`${dir.path}: ${name === undefined ? 'an entry with an empty name' : `a second entry named ${name}`}`);
                continue;
            }
            entries.set(name, nodeEntry(joinPath(dir.path, name), name, n, dir.volume!, ancestors));
        }
        const listing = { dir, entries };
        this.remember(dir.path, listing);
        return listing;
    }

    private async volumeEntry(name: string, v: BrowseVolume): Promise<BrowseEntry> {
        const base = { path: `/${name}`, name, rawName: v.name, volume: v, ancestors: [] };
        if (!v.fs) return { ...base, type: 'dir', size: 0 };
        const root = await v.fs.root();
        return { ...base, type: 'dir', size: root.size, mtimeMs: root.mtimeMs, ctimeMs: root.ctimeMs, atimeMs: root.atimeMs, node: root };
    }

    private remember(path: string, listing: Listing): void {
        this.cache.set(path, listing);
        this.cachedEntries += listing.entries.size;
        for (const [key, old] of this.cache) {
            if (this.cache.size <= 1 || (this.cache.size <= this.opts.maxCachedFolders && this.cachedEntries <= this.opts.maxCachedEntries)) break;
            this.cache.delete(key);
            this.cachedEntries -= old.entries.size;
        }
    }

    /** For tests and the log: how many listings and entries are held. */
    cacheStats(): { folders: number; entries: number } {
        return { folders: this.cache.size, entries: this.cachedEntries };
    }
}

function nodeEntry(path: string, name: string, n: FsNode, volume: BrowseVolume, ancestors: readonly string[]): BrowseEntry {
    return { path, name, rawName: n.name, type: n.type, size: Math.max(0, n.size), mtimeMs: n.mtimeMs, ctimeMs: n.ctimeMs, atimeMs: n.atimeMs, volume, node: n, ancestors };
}

/** The pieces a file read is made of: at most 4 MiB each, so no one reader call holds more. */
export const PIECE = 4 * 1024 * 1024;

/** `length` bytes of a file from `offset`, piece by piece; ends early where the reader says the file ends. */
export async function* readChunks(fs: FileSystemReader, node: FsNode, offset: number, length: number, signal?: AbortSignal): AsyncGenerator<{ offset: number; bytes: Uint8Array }> {
    for (let at = offset; at < offset + length; ) {
        if (signal?.aborted) throw new BrowseError('Cancelled', l10n.t('Cancelled.'));
        const n = Math.min(PIECE, offset + length - at);
        const bytes = await fs.read(node, at, n);
        if (bytes.length > n) throw new BrowseError('Unreadable', l10n.t('The reader returned more bytes than asked.'));
        if (bytes.length === 0) return;
        yield { offset: at, bytes };
        if (bytes.length < n) return;
        at += n;
    }
}

/** Segments of a `/`-separated path; `.` and `..` never come through a URI (safe names escape them). */
export function splitPath(path: string): string[] {
    const segs = path.split('/').filter((s) => s !== '');
    if (segs.some((s) => s === '.' || s === '..')) throw new BrowseError('NotFound', l10n.t('A path inside a disk has no {0} segments.', '. / ..'));
    return segs;
}

export function joinPath(dir: string, name: string): string {
    return dir === '/' ? `/${name}` : `${dir}/${name}`;
}
