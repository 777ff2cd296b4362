/**
 * A read-only exFAT volume. Unlike FAT, every file and folder entry set records its length, and a
 * file written in one piece may skip the FAT altogether (NoFatChain); bytes past a file's
 * ValidDataLength were never written and read as zeros.
 */
import { BlockDevice, DiskFormatError, FsNode } from '../types';
import { ClusterHeap, runOffset } from './clusters';
import { FatBoot } from './boot';
import { ExfatEntry, parseExfatDir } from './exfatDir';
import { HeapVolume, MAX_EXFAT_DIR, NodeInfo } from './volume';

export class ExfatVolume extends HeapVolume {
    readonly type = 'exFAT';
    label?: string;
    private rootEntries?: FsNode[];

    private constructor(heap: ClusterHeap, boot: FatBoot) {
        const root: FsNode = { id: 'root', name: '', type: 'dir', size: 0 };
        super(heap, { node: root, firstCluster: boot.rootCluster, contiguous: false, dataLength: 0, valid: Infinity, depth: 0 });
    }

    /** Opens the volume and lists its root once, for the volume label entry it holds. */
    static async open(dev: BlockDevice, boot: FatBoot): Promise<ExfatVolume> {
        const vol = new ExfatVolume(new ClusterHeap(dev, boot), boot);
        vol.rootEntries = await vol.listDir(vol.rootInfo);
        return vol;
    }

    protected async listDir(info: NodeInfo): Promise<FsNode[]> {
        if (info === this.rootInfo && this.rootEntries) return [...this.rootEntries];
        const { data, runs } = await this.dirBytes(info, MAX_EXFAT_DIR);
        const what = info === this.rootInfo ? 'root folder' : `folder ${JSON.stringify(info.node.name)}`;
        // A folder's DataLength may end inside its last cluster; entries past it are not its own.
        const used = info.dataLength > 0 ? data.subarray(0, info.dataLength) : data;
        const listing = parseExfatDir(used, what, (i) => runOffset(this.heap, runs, i));
        if (info === this.rootInfo) this.label = listing.label || undefined;
        return listing.entries.map((e) => this.adopt(info, this.toInfo(e, runOffset(this.heap, runs, e.at))));
    }

    private toInfo(e: ExfatEntry, at: number): Omit<NodeInfo, 'parent' | 'depth'> {
        const heapBytes = this.heap.geo.clusterCount * this.heap.geo.clusterSize;
        if (e.dataLength > heapBytes) {
            throw new DiskFormatError('exFAT directory entry set', `${JSON.stringify(e.name)} claims ${e.dataLength} bytes, more than the volume's ${heapBytes}`, at);
        }
        if (e.isDir && e.dataLength === 0) {
            throw new DiskFormatError('exFAT directory entry set', `folder ${JSON.stringify(e.name)} has no data`, at);
        }
        const node: FsNode = {
            id: String(at),
            name: e.name,
            type: e.isDir ? 'dir' : 'file',
            size: e.isDir ? 0 : e.dataLength,
            mtimeMs: e.mtimeMs,
            atimeMs: e.atimeMs,
            birthtimeMs: e.birthtimeMs,
        };
        return {
            node,
            firstCluster: e.dataLength === 0 ? 0 : e.firstCluster,
            contiguous: e.noFatChain,
            dataLength: e.dataLength,
            valid: e.isDir ? Infinity : e.validLength,
            entryOffset: at,
        };
    }
}
