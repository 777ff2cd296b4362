/**
 * A read-only ext2/ext3/ext4 reader over a block device: folders (linear, htree and inline),
 * regular files (extent trees, block maps, inline data, holes and unwritten extents as zeros),
 * fast, slow and inline symlinks. What it cannot read (encrypted inodes, layouts it does not know)
 * ends in a DiskFormatError naming the feature.
 */
import { BlockDevice, DiskFormatError, FileSystemReader, FsNode } from '../types';
import { DirContext, DirEntry, parseEntries, parseInline } from './dirents';
import { FL_ENCRYPT, FL_INLINE_DATA, Inode, inodeWhat } from './inode';
import { INCOMPAT_FILETYPE, SUPERBLOCK_OFFSET, SUPERBLOCK_SIZE, Superblock, parseSuperblock, probeExt } from './superblock';
import { DATA_CHUNK, ExtVolume, inlineBytes } from './volume';

export { probeExt };

const ROOT_INO = 2;
/** Longest symlink target the kernel writes (PATH_MAX). */
const MAX_LINK = 4096;
/** The largest folder listed (about eight million short names): a bound on time and memory a damaged size cannot lift. */
const MAX_DIR_BYTES = 256 * 1024 * 1024;
/** How far up the recorded parent chain a loop check looks (deeper than any real tree). */
const MAX_DEPTH = 4096;

export async function openExt(dev: BlockDevice): Promise<FileSystemReader> {
    const sb = parseSuperblock(await dev.read(SUPERBLOCK_OFFSET, SUPERBLOCK_SIZE), dev.size);
    const reader = new ExtReader(new ExtVolume(dev, sb));
    await reader.root();
    return reader;
}

class ExtReader implements FileSystemReader {
    readonly type: string;
    readonly label?: string;
    private readonly sb: Superblock;
    /** Folder inode → the folder it was listed in, to catch an entry pointing back up the tree. */
    private readonly parents = new Map<number, number>();

    constructor(private readonly vol: ExtVolume) {
        this.sb = vol.sb;
        this.type = vol.sb.type;
        this.label = vol.sb.label || undefined;
    }

    async root(): Promise<FsNode> {
        const inode = await this.vol.inode(ROOT_INO, 'ext root folder');
        if (inode.type !== 'dir') throw new DiskFormatError(inodeWhat(ROOT_INO), `the root is not a folder (mode 0o${inode.mode.toString(8)})`);
        return toNode(inode, '');
    }

    private async inodeOf(node: FsNode): Promise<Inode> {
        if (!/^[0-9]{1,12}$/.test(node.id)) throw new DiskFormatError('ext node', `id "${node.id}" is not an inode number`);
        const inode = await this.vol.inode(Number(node.id), inodeWhat(Number(node.id)));
        // Encrypted contents and names cannot be read without the key ("Encryption").
        if (inode.flags & FL_ENCRYPT) throw new DiskFormatError(inodeWhat(inode.ino), 'is encrypted (the encrypt feature); its contents cannot be read');
        return inode;
    }

    async list(dir: FsNode): Promise<FsNode[]> {
        const inode = await this.inodeOf(dir);
        const what = `ext folder inode ${inode.ino}`;
        if (inode.type !== 'dir') throw new DiskFormatError(what, 'is not a folder');
        const { parent, entries } = await this.entries(inode, what);
        const named = entries.filter((e) => e.name !== '.' && e.name !== '..');
        const inodes = await this.vol.inodesOf(named.map((e) => e.ino), what);
        const ancestors = this.ancestors(inode.ino, parent);
        const out: FsNode[] = [];
        for (const e of named) {
            const child = inodes.get(e.ino)!;
            if (child.mode === 0) throw new DiskFormatError(what, `entry "${e.name}" points at inode ${e.ino}, which is not in use`);
            if (child.type === 'dir') {
                if (ancestors.has(e.ino)) throw new DiskFormatError(what, `entry "${e.name}" points back at folder inode ${e.ino}, which holds it: a loop`);
                this.parents.set(e.ino, inode.ino);
            }
            out.push(toNode(child, e.name));
        }
        return out;
    }

    /** The folder itself, every folder it was reached through, and its `..`. */
    private ancestors(ino: number, parent: number | undefined): Set<number> {
        const set = new Set<number>([ino]);
        for (let at = this.parents.get(ino), n = 0; at !== undefined && !set.has(at) && n < MAX_DEPTH; at = this.parents.get(at), n++) set.add(at);
        if (parent !== undefined) set.add(parent);
        return set;
    }

    /** Every entry of a folder, `.` and `..` included, and its parent inode from `..`. */
    private async entries(inode: Inode, what: string): Promise<{ parent?: number; entries: DirEntry[] }> {
        const ctx: DirContext = { what, blockSize: this.sb.blockSize, fileType: (this.sb.incompat & INCOMPAT_FILETYPE) !== 0, inodesCount: this.sb.inodesCount };
        if (inode.flags & FL_INLINE_DATA) return parseInline(ctx, inode.iblock, inode.inlineTail);
        const bs = this.sb.blockSize;
        if (inode.size % bs !== 0 || inode.size > this.sb.blocksCount * bs) {
            throw new DiskFormatError(what, `size ${inode.size} is not a whole number of blocks inside the file system`);
        }
        if (inode.size > MAX_DIR_BYTES) throw new DiskFormatError(what, `folder of ${inode.size} bytes is larger than this reader lists (${MAX_DIR_BYTES})`);
        const entries: DirEntry[] = [];
        const runs = await this.vol.runs(inode, 0, inode.size / bs);
        for (const r of runs) {
            // A hole or unwritten block in a folder holds no entries; the kernel skips it too.
            if (r.physical < 0) continue;
            const step = Math.max(1, Math.floor(DATA_CHUNK / bs));
            for (let i = 0; i < r.count; i += step) {
                const n = Math.min(step, r.count - i);
                const buf = new Uint8Array(n * bs);
                await this.vol.readRun(r.physical + i, 0, n * bs, buf, 0);
                for (let k = 0; k < n; k++) entries.push(...parseEntries(ctx, buf, k * bs, (k + 1) * bs, (r.physical + i) * bs));
            }
        }
        const dotdot = entries.find((e) => e.name === '..');
        return { parent: dotdot?.ino, entries };
    }

    async read(file: FsNode, offset: number, length: number): Promise<Uint8Array> {
        const inode = await this.inodeOf(file);
        if (inode.type !== 'file') throw new DiskFormatError(inodeWhat(inode.ino), 'is not a regular file');
        if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
            throw new RangeError(`bad read range ${offset} + ${length}`);
        }
        const n = Math.max(0, Math.min(length, inode.size - offset));
        return this.vol.readData(inode, offset, n);
    }

    async readlink(link: FsNode): Promise<string> {
        const inode = await this.inodeOf(link);
        const what = inodeWhat(inode.ino);
        if (inode.type !== 'symlink') throw new DiskFormatError(what, 'is not a symlink');
        if (inode.size > MAX_LINK) throw new DiskFormatError(what, `symlink target of ${inode.size} bytes is longer than ${MAX_LINK}`);
        let bytes: Uint8Array;
        const eaSectors = inode.fileAcl ? this.sb.blockSize / 512 : 0;
        if (inode.flags & FL_INLINE_DATA) {
            bytes = inlineBytes(inode);
        } else if (inode.sectors - eaSectors === 0) {
            // A fast symlink keeps its target in i_block and owns no data block (kernel ext4_inode_is_fast_symlink).
            if (inode.size >= 60) throw new DiskFormatError(what, `fast symlink claims ${inode.size} bytes, more than i_block holds`);
            bytes = inode.iblock.subarray(0, inode.size);
        } else {
            bytes = await this.vol.readData(inode, 0, inode.size);
        }
        return Buffer.from(bytes).toString('utf8');
    }
}

function toNode(inode: Inode, name: string): FsNode {
    return {
        id: String(inode.ino), name, type: inode.type, size: inode.size,
        mtimeMs: inode.mtimeMs, atimeMs: inode.atimeMs, ctimeMs: inode.ctimeMs, birthtimeMs: inode.birthtimeMs,
        mode: inode.mode, links: inode.links,
    };
}
