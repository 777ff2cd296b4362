/**
 * Seeded Azurite data, kept between runs: seeding costs seconds of CPU (writing and hashing the
 * blobs), copying a finished Azurite folder costs a fraction of that. The key covers everything
 * that shapes the blobs (the seed, the generators, the VHD builders, Azurite's version, options),
 * so a change to any of them seeds afresh. Each run works on its own copy.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SeedDisk } from './types';

export const NO_CACHE_ENV = 'AZURE_DISKS_SANDBOX_NO_CACHE';
const FORMAT = 1;

/** Blobs per lower-cased resource id, with URLs relative to the storage endpoint. */
export type BlobMap = Record<string, SeedDisk['blobs']>;

function cacheRoot(): string {
    return path.join(os.tmpdir(), 'azure-disks-sandbox-cache');
}

export function cacheKey(options: Record<string, unknown>): string {
    const h = crypto.createHash('sha256').update(JSON.stringify({ FORMAT, options }));
    const files = [
        path.join(__dirname, 'seed.js'),
        path.join(__dirname, 'blobs.js'),
        path.join(__dirname, 'history.js'),
        path.join(__dirname, 'world.js'),
        // The disk images' recipes and trees (images.ts), so a change of recipe seeds afresh.
        path.join(__dirname, 'images.js'),
        path.join(__dirname, 'imageFiles.js'),
        path.join(__dirname, 'imageTools.js'),
        path.join(__dirname, '..', '..', 'src', 'formats', 'footer.js'),
        require.resolve('azurite/package.json'),
    ];
    for (const f of files) h.update(fs.readFileSync(f));
    return h.digest('hex').slice(0, 24);
}

/** Copies a cached Azurite folder into `location` and returns its blob map, or undefined on a miss. */
export function restore(key: string, location: string): BlobMap | undefined {
    const dir = path.join(cacheRoot(), key);
    const mapFile = path.join(dir, 'blobs.json');
    if (!fs.existsSync(mapFile)) return undefined;
    try {
        const map = JSON.parse(fs.readFileSync(mapFile, 'utf8')) as BlobMap;
        fs.cpSync(path.join(dir, 'azurite'), location, { recursive: true });
        return map;
    } catch {
        return undefined;
    }
}

/** Stores a stopped Azurite folder and its blob map. Concurrent writers: the first rename wins. */
export function save(key: string, location: string, map: BlobMap): void {
    const root = cacheRoot();
    const final = path.join(root, key);
    if (fs.existsSync(final)) return;
    fs.mkdirSync(root, { recursive: true });
    const tmp = fs.mkdtempSync(path.join(root, `.${key}-`));
    try {
        fs.cpSync(location, path.join(tmp, 'azurite'), { recursive: true });
        // The map is written last: its presence marks a complete entry.
        fs.writeFileSync(path.join(tmp, 'blobs.json'), JSON.stringify(map));
        fs.renameSync(tmp, final);
    } catch {
        fs.rmSync(tmp, { recursive: true, force: true });
    }
}

/** Drops an entry that turned out to be unusable, so the next save can replace it. */
export function discard(key: string): void {
    fs.rmSync(path.join(cacheRoot(), key), { recursive: true, force: true });
}

/** Blob URLs point at the storage endpoint of the run that made them; point them at this run's. */
export function rebase(map: BlobMap, publicEndpoint: string): BlobMap {
    const base = publicEndpoint.replace(/\/+$/, '');
    const out: BlobMap = {};
    for (const [id, blobs] of Object.entries(map)) {
        const b: SeedDisk['blobs'] = { disk: blobs.disk };
        for (const k of ['disk', 'vhdx', 'vmgs', 'vmmd'] as const) {
            const blob = blobs[k];
            if (blob) b[k] = { ...blob, url: `${base}/${blob.container}/${encodeURIComponent(blob.blob)}` };
        }
        out[id] = b;
    }
    return out;
}
