/**
 * Browses a disk from the command line, over HTTP (a SAS URL) or a local image file:
 *
 *   node out/test/bench/browse.js <sasUrl|imageFile> <ls|cat|stat> </volume/path>
 *
 * `ls /` lists the volumes (partition numbers, `<vg>-<lv>` for logical volumes, `disk` for a disk
 * without a partition table); `ls /2/etc` one JSON line per entry; `cat` writes a file's bytes to
 * stdout; `stat` prints one JSON line. Path components are matched to the names as stored, exactly.
 * Every run ends with one JSON line on stderr: requests made and bytes fetched.
 */
import { openBlobDevice } from '../../src/disk/device/blob';
import { CachedDevice } from '../../src/disk/device/cached';
import { openImageDevice } from '../../src/disk/device/image';
import { FileSystemReader, FsNode } from '../../src/disk/types';
import { openVolumes, Volume } from '../../src/disk/volumes';

const USAGE = 'browse.js <sasUrl|imageFile> <ls|cat|stat> </volume/path>';
const CAT_CHUNK = 1024 * 1024;

class UsageError extends Error {}

interface Found {
    volume?: Volume;
    fs?: FileSystemReader;
    node?: FsNode;
}

/** Walks `/<volume>/a/b` to its node: each component must name an entry exactly. */
async function resolve(volumes: Volume[], target: string): Promise<Found> {
    if (!target.startsWith('/')) throw new UsageError(`the path must start with /: ${target}`);
    const parts = target.split('/').filter((p) => p !== '');
    if (parts.length === 0) return {};
    const volume = volumes.find((v) => v.id === parts[0]);
    if (!volume) throw new Error(`no volume ${parts[0]} (there are: ${volumes.map((v) => v.id).join(', ') || 'none'})`);
    const fs = volume.fs;
    if (!fs) throw new Error(`volume ${volume.id} cannot be browsed: ${volume.note ?? 'no file system'}`);
    let node = await fs.root();
    for (const [i, name] of parts.slice(1).entries()) {
        if (node.type !== 'dir') throw new Error(`/${parts.slice(0, i + 1).join('/')} is not a folder`);
        const next = (await fs.list(node)).find((e) => e.name === name);
        if (!next) throw new Error(`no ${name} in /${parts.slice(0, i + 1).join('/')}`);
        node = next;
    }
    return { volume, fs, node };
}

function entryLine(n: FsNode): string {
    return JSON.stringify({ name: n.name, type: n.type, size: n.size });
}

function volumeLine(v: Volume): string {
    return JSON.stringify({ name: v.id, type: 'dir', size: v.size, title: v.name, kind: v.kind, typeName: v.typeName, fsType: v.fsType, label: v.fs?.label, note: v.note });
}

function write(out: NodeJS.WritableStream, data: Uint8Array | string): Promise<void> {
    return new Promise((resolve, reject) => out.write(data, (e) => (e ? reject(e) : resolve())));
}

async function ls(volumes: Volume[], f: Found): Promise<void> {
    if (!f.volume) {
        for (const v of volumes) await write(process.stdout, volumeLine(v) + '\n');
        return;
    }
    const node = f.node!;
    if (node.type !== 'dir') return write(process.stdout, entryLine(node) + '\n');
    for (const e of await f.fs!.list(node)) await write(process.stdout, entryLine(e) + '\n');
}

async function cat(f: Found): Promise<void> {
    const node = f.node;
    if (!node || node.type !== 'file') throw new Error('cat needs a file');
    for (let at = 0; at < node.size; at += CAT_CHUNK) {
        const piece = await f.fs!.read(node, at, Math.min(CAT_CHUNK, node.size - at));
        if (piece.length === 0) break;
        await write(process.stdout, piece);
    }
}

async function stat(f: Found): Promise<void> {
    if (!f.volume) return write(process.stdout, JSON.stringify({ name: '/', type: 'dir' }) + '\n');
    const n = f.node!;
    const target = n.type === 'symlink' ? await f.fs!.readlink(n) : undefined;
    const line = { name: n.name, type: n.type, size: n.size, id: n.id, mode: n.mode, links: n.links, mtimeMs: n.mtimeMs, atimeMs: n.atimeMs, ctimeMs: n.ctimeMs, birthtimeMs: n.birthtimeMs, target, volume: f.volume.id, fsType: f.fs!.type };
    await write(process.stdout, JSON.stringify(line) + '\n');
}

async function openDevice(source: string, signal: AbortSignal): Promise<CachedDevice & { close(): unknown }> {
    if (/^https?:\/\//i.test(source)) return openBlobDevice({ url: source, signal, log: (m) => process.stderr.write(`${m}\n`) });
    return openImageDevice(source);
}

async function main(argv: string[]): Promise<number> {
    const [source, command, target] = argv;
    if (argv.length !== 3 || !['ls', 'cat', 'stat'].includes(command)) {
        process.stderr.write(`usage: ${USAGE}\n`);
        return 2;
    }
    const abort = new AbortController();
    process.once('SIGINT', () => abort.abort());
    let dev: (CachedDevice & { close(): unknown }) | undefined;
    let code = 0;
    try {
        dev = await openDevice(source, abort.signal);
        const volumes = await openVolumes(dev);
        const found = await resolve(volumes, target);
        if (command === 'ls') await ls(volumes, found);
        else if (command === 'cat') await cat(found);
        else await stat(found);
    } catch (e) {
        // Messages of the blob layer never carry the SAS; the URL itself is never printed.
        process.stderr.write(`error: ${(e as Error).message}\n`);
        code = e instanceof UsageError ? 2 : 1;
    } finally {
        const stats = dev?.stats() ?? { requests: 0, bytesFetched: 0 };
        process.stderr.write(JSON.stringify({ bytesFetched: stats.bytesFetched, requests: stats.requests }) + '\n');
        await dev?.close();
    }
    return code;
}

void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
});
