/**
 * The NTFS file-system reader: folders from their $I30 indexes, files from their $DATA streams,
 * alternate data streams as extra entries `file:stream`, symbolic links and junctions by their
 * stored names. Node ids are MFT record numbers (`record` or `record:stream`), so hard links share
 * an id and every read can find its file again from the id alone.
 */
import { BlockDevice, DiskFormatError, FileSystemReader, FsNode, NodeType } from '../types';
import { NtfsGeometry } from './boot';
import { NAMESPACE_DOS, readDirIndex } from './dirindex';
import { FileInfo, baseType, describe, interixTarget, isSystemEntry, maybeInterix, reparseTag, reparseTarget } from './file';
import { Mft } from './mft';
import { ATTR, Attribute } from './record';
import { StreamSource, readStream, streamSize } from './stream';

const ROOT = 5;
const VOLUME = 3;
const CACHE_FILES = 32768;

interface Known {
    info: FileInfo;
    type: NodeType;
    /** For links: the target as stored. */
    target?: string;
}

export class NtfsReader implements FileSystemReader {
    readonly type = 'NTFS';
    label?: string;
    private readonly files = new Map<number, Known>();

    constructor(
        private readonly dev: BlockDevice,
        private readonly geo: NtfsGeometry,
        private readonly mft: Mft,
    ) {}

    /** Reads the volume label from $Volume's $VOLUME_NAME. */
    async init(): Promise<void> {
        const vol = await this.mft.file(VOLUME);
        const name = vol.attributes.find((a) => a.type === ATTR.VOLUME_NAME && a.resident);
        if (name && name.value!.length) {
            const v = name.value!;
            this.label = String.fromCharCode(...Array.from({ length: Math.min(v.length >> 1, 128) }, (_, i) => v[2 * i] | (v[2 * i + 1] << 8)));
        }
    }

    private source(info: FileInfo, pieces: Attribute[], what: string): StreamSource {
        if (pieces.length === 1 && pieces[0].resident) return { resident: pieces[0].value! };
        if (pieces.some((p) => p.resident)) throw new DiskFormatError(what, 'has both resident and non-resident pieces');
        return { nonResident: this.mft.stream(pieces, what) };
    }

    private async known(record: number): Promise<Known> {
        const hit = this.files.get(record);
        if (hit) return hit;
        const f = await this.mft.file(record);
        const info = describe(record, f.base.isDir, f.attributes);
        let type = baseType(info);
        let target: string | undefined;
        if (type === 'symlink') {
            target = reparseTarget(record, info.reparse!);
        } else if (type === 'file' && info.streams.has('')) {
            const what = `NTFS MFT record ${record} $DATA`;
            const src = this.source(info, info.streams.get('')!, what);
            const size = streamSize(src);
            if (maybeInterix(info, size)) {
                target = interixTarget(await readStream(this.dev, this.geo.clusterSize, src, 0, size, what));
                if (target !== undefined) type = 'symlink';
            }
        }
        const k = { info, type, target };
        if (this.files.size >= CACHE_FILES) this.files.clear();
        this.files.set(record, k);
        return k;
    }

    private node(k: Known, name: string, stream?: string): FsNode {
        const { info } = k;
        const t = info.times;
        const common = {
            name: stream === undefined ? name : `${name}:${stream}`,
            mtimeMs: t?.mtime, atimeMs: t?.atime, ctimeMs: t?.ctime, birthtimeMs: t?.birth,
            links: info.links,
        };
        if (stream !== undefined) {
            const src = this.source(info, info.streams.get(stream)!, `NTFS MFT record ${info.record} stream ${stream}`);
            return { ...common, id: `${info.record}:${stream}`, type: 'file', size: streamSize(src) };
        }
        let size = 0;
        if (k.type === 'symlink') size = Buffer.byteLength(k.target ?? '');
        else if (k.type === 'file' && info.streams.has('')) size = streamSize(this.source(info, info.streams.get('')!, `NTFS MFT record ${info.record} $DATA`));
        return { ...common, id: String(info.record), type: k.type, size };
    }

    private parseId(node: FsNode): { record: number; stream?: string } {
        const m = /^(\d+)(?::(.*))?$/s.exec(node.id);
        if (!m) throw new DiskFormatError('NTFS node', `id "${node.id}" is not an MFT record number`);
        return { record: Number(m[1]), stream: m[2] };
    }

    async root(): Promise<FsNode> {
        const k = await this.known(ROOT);
        if (!k.info.isDir) throw new DiskFormatError('NTFS MFT record 5', 'the root folder record is not a folder');
        return { ...this.node(k, ''), type: 'dir' };
    }

    async list(dir: FsNode): Promise<FsNode[]> {
        const { record, stream } = this.parseId(dir);
        const k = await this.known(record);
        // A junction is a folder too, but one that points elsewhere: it is shown as a link, never entered.
        if (stream !== undefined || k.type !== 'dir') throw new DiskFormatError(`NTFS MFT record ${record}`, `is a ${stream === undefined ? k.type : 'stream'}, not a folder`);
        const seen = new Set<string>();
        const entries = (await readDirIndex(this.mft, record, k.info.attributes)).filter((e) => {
            // DOS 8.3 names are second names of files listed under their long name.
            if (e.namespace === NAMESPACE_DOS || e.record === record || isSystemEntry(record, e.record, e.name)) return false;
            const key = `${e.record}/${e.name}`;
            if (seen.has(key)) return false;
            seen.add(key);
            return true;
        });
        await this.mft.prefetch(entries.map((e) => e.record).filter((r) => !this.files.has(r)));
        const out: FsNode[] = [];
        for (const e of entries) {
            const child = await this.known(e.record);
            out.push(this.node(child, e.name));
            for (const s of child.info.streams.keys()) if (s !== '') out.push(this.node(child, e.name, s));
        }
        return out;
    }

    async read(file: FsNode, offset: number, length: number): Promise<Uint8Array> {
        const { record, stream } = this.parseId(file);
        const k = await this.known(record);
        const name = stream ?? '';
        const what = stream === undefined ? `NTFS MFT record ${record} $DATA` : `NTFS MFT record ${record} stream ${stream}`;
        if (stream === undefined && k.type !== 'file') throw new DiskFormatError(`NTFS MFT record ${record}`, `is a ${k.type}, not a file`);
        const pieces = k.info.streams.get(name);
        if (!pieces) {
            if (stream === undefined) return new Uint8Array(0);
            throw new DiskFormatError(what, 'does not exist');
        }
        return readStream(this.dev, this.geo.clusterSize, this.source(k.info, pieces, what), offset, length, what);
    }

    async readlink(link: FsNode): Promise<string> {
        const { record, stream } = this.parseId(link);
        const k = await this.known(record);
        if (stream !== undefined || k.type !== 'symlink') throw new DiskFormatError(`NTFS MFT record ${record}`, 'is not a symbolic link');
        if (k.target === undefined) throw new DiskFormatError(`NTFS reparse point of MFT record ${record}`, `tag 0x${reparseTag(k.info)?.toString(16)} has no target`);
        return k.target;
    }
}
