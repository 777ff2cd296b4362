/**
 * What the FAT and exFAT readers share once a folder's entries are decoded: the nodes handed out
 * and what each one's data is (a chain, or contiguous clusters), reading a file's bytes run by
 * run, and the checks that keep a damaged folder tree finite (a folder whose entry points back at
 * itself or an ancestor, a tree deeper than any real one).
 */
import { DiskFormatError, FileSystemReader, FsNode } from '../types';
import { ClusterHeap, Run } from './clusters';

/** What a reader knows of a node beyond the FsNode it handed out. */
export interface NodeInfo {
    readonly node: FsNode;
    /** 0 for an empty file (and the FAT12/16 fixed root). */
    readonly firstCluster: number;
    /** exFAT NoFatChain: the clusters are contiguous and the FAT is not consulted. */
    readonly contiguous: boolean;
    /** Bytes the clusters hold: the file size, or an exFAT folder's DataLength (0: walk to the end). */
    readonly dataLength: number;
    /** Bytes at or past this read as zeros (exFAT ValidDataLength). */
    readonly valid: number;
    readonly parent?: NodeInfo;
    readonly depth: number;
    /** Where the entry lies on the device, for messages. */
    readonly entryOffset?: number;
}

/** Deeper than any path a FAT volume can name (260 characters); a deeper tree is damage. */
const MAX_DEPTH = 256;
/** A FAT folder holds at most 65,536 entries (FAT spec 6); exFAT's are capped here at 64 MiB. */
export const MAX_FAT_DIR = 65536 * 32;
export const MAX_EXFAT_DIR = 64 * 1024 * 1024;
const RUN_CACHE = 64;

export abstract class HeapVolume implements FileSystemReader {
    abstract readonly type: string;
    abstract readonly label?: string;
    private readonly nodes = new Map<string, NodeInfo>();
    private readonly runCache = new Map<string, Run[]>();

    constructor(protected readonly heap: ClusterHeap, protected readonly rootInfo: NodeInfo) {
        this.nodes.set(rootInfo.node.id, rootInfo);
    }

    async root(): Promise<FsNode> {
        return this.rootInfo.node;
    }

    protected info(node: FsNode): NodeInfo {
        const info = this.nodes.get(node.id);
        if (!info) throw new Error(`${this.type}: node ${node.id} was not listed by this reader`);
        return info;
    }

    async list(dir: FsNode): Promise<FsNode[]> {
        const info = this.info(dir);
        if (info.node.type !== 'dir') throw new Error(`${this.type}: ${info.node.name} is not a folder`);
        return this.listDir(info);
    }

    protected abstract listDir(info: NodeInfo): Promise<FsNode[]>;

    async read(file: FsNode, offset: number, length: number): Promise<Uint8Array> {
        const info = this.info(file);
        if (info.node.type !== 'file') throw new Error(`${this.type}: ${info.node.name} is not a file`);
        if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
            throw new RangeError(`read of ${length} bytes at ${offset}`);
        }
        const n = Math.max(0, Math.min(length, info.node.size - offset));
        if (n === 0) return new Uint8Array(0);
        const runs = await this.runsOf(info);
        return this.heap.readRuns(runs, offset, n, info.valid);
    }

    async readlink(link: FsNode): Promise<string> {
        throw new DiskFormatError(this.type, `keeps no symbolic links (asked for ${link.name})`);
    }

    /** The clusters of a node's data, cached for the last files read. */
    protected async runsOf(info: NodeInfo): Promise<Run[]> {
        const key = info.node.id;
        const hit = this.runCache.get(key);
        if (hit) return hit;
        const runs = await this.findRuns(info);
        if (this.runCache.size >= RUN_CACHE) this.runCache.delete(this.runCache.keys().next().value!);
        this.runCache.set(key, runs);
        return runs;
    }

    private async findRuns(info: NodeInfo): Promise<Run[]> {
        const what = info === this.rootInfo ? 'root folder' : `${info.node.type === 'dir' ? 'folder' : 'file'} ${JSON.stringify(info.node.name)}`;
        const cs = this.heap.geo.clusterSize;
        const isDir = info.node.type === 'dir';
        if (info.firstCluster === 0) {
            if (info.dataLength === 0 && !isDir) return [];
            throw new DiskFormatError(`${this.type} directory entry`, `${what} of ${info.dataLength} bytes has no first cluster`, info.entryOffset);
        }
        if (info.dataLength === 0) {
            // A FAT folder keeps no size: walk to the end mark, as far as the largest folder goes.
            return this.heap.chain(info.firstCluster, { limit: Math.ceil((isDir && this.type === 'exFAT' ? MAX_EXFAT_DIR : MAX_FAT_DIR) / cs) }, what);
        }
        const need = Math.ceil(info.dataLength / cs);
        if (need > this.heap.geo.clusterCount) {
            throw new DiskFormatError(`${this.type} directory entry`, `${what} of ${info.dataLength} bytes is larger than the volume`, info.entryOffset);
        }
        if (info.contiguous) return this.heap.contiguous(info.firstCluster, need, what);
        return this.heap.chain(info.firstCluster, { need }, what);
    }

    /** A folder's raw entries, every run read whole, and where each byte of it lies. */
    protected async dirBytes(info: NodeInfo, cap: number): Promise<{ data: Uint8Array; runs: Run[] }> {
        const tooBig = (bytes: number) => new DiskFormatError(`${this.type} directory`, `${JSON.stringify(info.node.name)} is ${bytes} bytes, over ${cap}`, info.entryOffset);
        // exFAT states a folder's length: refuse an oversized one before walking its chain.
        if (info.dataLength > cap) throw tooBig(info.dataLength);
        const runs = await this.runsOf(info);
        const total = runs.reduce((s, r) => s + r.count, 0) * this.heap.geo.clusterSize;
        if (total > cap) throw tooBig(total);
        return { data: await this.heap.readRuns(runs, 0, total), runs };
    }

    /**
     * Records a node listed in `parent`. A folder whose first cluster is its parent's or an
     * ancestor's would make the tree endless: that is a loop, refused here.
     */
    protected adopt(parent: NodeInfo, child: Omit<NodeInfo, 'parent' | 'depth'>): FsNode {
        if (child.node.type === 'dir') {
            if (parent.depth + 1 > MAX_DEPTH) {
                throw new DiskFormatError(`${this.type} directory`, `folders nest deeper than ${MAX_DEPTH} levels at ${JSON.stringify(child.node.name)}`, child.entryOffset);
            }
            for (let a: NodeInfo | undefined = parent; a; a = a.parent) {
                if (a.firstCluster !== 0 && a.firstCluster === child.firstCluster) {
                    throw new DiskFormatError(
                        `${this.type} directory`,
                        `folder ${JSON.stringify(child.node.name)} starts at cluster ${child.firstCluster}, which is ${a === parent ? 'the folder holding it' : `its ancestor ${JSON.stringify(a.node.name)}`}: a loop`,
                        child.entryOffset,
                    );
                }
            }
        }
        this.nodes.set(child.node.id, { ...child, parent, depth: parent.depth + 1 });
        return child.node;
    }
}
