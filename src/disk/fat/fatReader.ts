/**
 * A read-only FAT12/FAT16/FAT32 volume: folders and files are cluster chains, except the FAT12/16
 * root folder, which lies in a fixed area after the FATs.
 */
import { BlockDevice, FsNode } from '../types';
import { ClusterHeap, runOffset } from './clusters';
import { FatBoot } from './boot';
import { FatEntry, parseFatDir } from './fatDir';
import { HeapVolume, MAX_FAT_DIR, NodeInfo } from './volume';

export class FatVolume extends HeapVolume {
    readonly type: string;
    label?: string;
    private rootEntries?: FsNode[];

    private constructor(heap: ClusterHeap, private readonly boot: FatBoot) {
        const root: FsNode = { id: 'root', name: '', type: 'dir', size: 0 };
        super(heap, { node: root, firstCluster: boot.rootCluster, contiguous: false, dataLength: 0, valid: Infinity, depth: 0 });
        this.type = boot.type;
    }

    /** Opens the volume and lists its root once, for the label entry it holds. */
    static async open(dev: BlockDevice, boot: FatBoot): Promise<FatVolume> {
        const vol = new FatVolume(new ClusterHeap(dev, boot), boot);
        vol.rootEntries = await vol.listDir(vol.rootInfo);
        return vol;
    }

    protected async listDir(info: NodeInfo): Promise<FsNode[]> {
        if (info === this.rootInfo && this.rootEntries) return [...this.rootEntries];
        let data: Uint8Array;
        let where: (index: number) => number;
        if (info === this.rootInfo && this.boot.type !== 'FAT32') {
            data = await this.heap.dev.read(this.boot.rootOffset, this.boot.rootBytes);
            where = (i) => this.boot.rootOffset + i * 32;
        } else {
            const dir = await this.dirBytes(info, MAX_FAT_DIR);
            data = dir.data;
            where = (i) => runOffset(this.heap, dir.runs, i * 32);
        }
        const listing = parseFatDir(data, this.boot.type === 'FAT32');
        if (info === this.rootInfo) this.label = listing.label || this.boot.bootLabel;
        return listing.entries.map((e) => this.adopt(info, this.toInfo(e, where(e.index))));
    }

    private toInfo(e: FatEntry, at: number): Omit<NodeInfo, 'parent' | 'depth'> {
        const node: FsNode = {
            id: String(at),
            name: e.name,
            type: e.isDir ? 'dir' : 'file',
            size: e.size,
            mtimeMs: e.mtimeMs,
            atimeMs: e.atimeMs,
            birthtimeMs: e.birthtimeMs,
        };
        return { node, firstCluster: e.firstCluster, contiguous: false, dataLength: e.size, valid: Infinity, entryOffset: at };
    }
}
