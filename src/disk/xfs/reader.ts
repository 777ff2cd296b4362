/**
 * The XFS file-system reader: inodes (read in batches when a folder is listed), directories in
 * every format, file data through the block map, and symlinks. A directory naming itself is
 * refused here; a cycle through several folders is for the caller's walk to notice (ids repeat).
 */
import { BlockDevice, DiskFormatError, FileSystemReader, FsNode, MAX_READ, NodeType } from '../types';
import { Extent, readExtents } from './bmap';
import { DirEntry, parseDataBlock, parseShortForm } from './dir';
import { Format, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG, XfsInode, parseInode } from './inode';
import { XfsGeometry, inodeOffset } from './superblock';

/** Inodes of one listing are read together when they lie this close (bytes), up to a run this long. */
const INODE_GAP = 64 * 1024;
const INODE_RUN = 1024 * 1024;
/** Directory data and symlink blocks are read a run at a time, up to this many bytes. */
const DIR_RUN = 1024 * 1024;
const CACHE_MAX = 65536;
/** XFS_SYMLINK_MAXLEN. */
const SYMLINK_MAX = 1024;
const XSLM = 0x58534c4d;

function typeOf(mode: number): NodeType {
    const t = mode & S_IFMT;
    return t === S_IFDIR ? 'dir' : t === S_IFREG ? 'file' : t === S_IFLNK ? 'symlink' : 'other';
}

export class XfsReader implements FileSystemReader {
    readonly type = 'XFS';
    readonly label?: string;
    private readonly inodes = new Map<number, XfsInode>();
    private readonly extents = new Map<number, Extent[]>();

    constructor(private readonly dev: BlockDevice, private readonly geo: XfsGeometry) {
        this.label = geo.label;
    }

    async root(): Promise<FsNode> {
        const inode = await this.inode(this.geo.rootIno);
        if (typeOf(inode.mode) !== 'dir') throw new DiskFormatError(`XFS inode ${inode.ino}`, 'the root is not a directory', inode.offset);
        return this.node(inode, '');
    }

    async list(dir: FsNode): Promise<FsNode[]> {
        const inode = await this.inode(this.idOf(dir));
        if (typeOf(inode.mode) !== 'dir') throw new DiskFormatError(`XFS inode ${inode.ino}`, 'is not a directory', inode.offset);
        const entries = await this.entries(inode);
        for (const e of entries) {
            if (e.ino === inode.ino) throw new DiskFormatError(`XFS directory inode ${inode.ino}`, `entry '${e.name}' is the directory itself`, inode.offset);
        }
        await this.loadInodes(entries.map((e) => e.ino));
        const out: FsNode[] = [];
        for (const e of entries) out.push(this.node(await this.inode(e.ino), e.name));
        return out;
    }

    async read(file: FsNode, offset: number, length: number): Promise<Uint8Array> {
        const inode = await this.inode(this.idOf(file));
        if (typeOf(inode.mode) !== 'file') throw new DiskFormatError(`XFS inode ${inode.ino}`, 'is not a regular file', inode.offset);
        if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
            throw new RangeError(`bad range ${offset} + ${length}`);
        }
        const end = Math.min(inode.size, offset + length);
        if (end <= offset) return new Uint8Array(0);
        if (inode.format === Format.Local) return this.inline(inode).slice(offset, end);
        const out = new Uint8Array(end - offset);
        const bs = this.geo.blockSize;
        for (const ext of await this.extentsOf(inode)) {
            // Holes between extents and unwritten extents stay zero, with no device read.
            const s = Math.max(offset, ext.fileBlock * bs);
            const e = Math.min(end, (ext.fileBlock + ext.blocks) * bs);
            if (s >= e || ext.unwritten) continue;
            for (let at = s; at < e; at += MAX_READ) {
                const n = Math.min(MAX_READ, e - at);
                out.set(await this.dev.read(ext.offset + (at - ext.fileBlock * bs), n), at - offset);
            }
        }
        return out;
    }

    async readlink(link: FsNode): Promise<string> {
        const inode = await this.inode(this.idOf(link));
        const what = `XFS symlink inode ${inode.ino}`;
        if (typeOf(inode.mode) !== 'symlink') throw new DiskFormatError(what, 'is not a symlink', inode.offset);
        if (inode.size < 1 || inode.size > SYMLINK_MAX) throw new DiskFormatError(what, `target of ${inode.size} bytes`, inode.offset);
        const bytes = inode.format === Format.Local ? this.inline(inode) : await this.remoteLink(inode);
        return new TextDecoder('utf-8').decode(bytes);
    }

    /** A remote symlink's blocks; on v5 each starts with an XSLM header naming its place (spec: "Symbolic Links"). */
    private async remoteLink(inode: XfsInode): Promise<Uint8Array> {
        const what = `XFS symlink block of inode ${inode.ino}`;
        const bs = this.geo.blockSize;
        const out = new Uint8Array(inode.size);
        let got = 0;
        for (const ext of await this.extentsOf(inode)) {
            if (ext.blocks * bs > DIR_RUN || got >= inode.size) throw new DiskFormatError(what, `extent of ${ext.blocks} blocks`, ext.offset);
            const raw = await this.dev.read(ext.offset, ext.blocks * bs);
            for (let b = 0; b < ext.blocks && got < inode.size; b++) {
                const blk = raw.subarray(b * bs, (b + 1) * bs);
                const at = ext.offset + b * bs;
                let data = blk;
                if (this.geo.version === 5) {
                    const v = new DataView(blk.buffer, blk.byteOffset, blk.byteLength);
                    const n = v.getUint32(8);
                    if (v.getUint32(0) !== XSLM) throw new DiskFormatError(what, `bad magic 0x${v.getUint32(0).toString(16)}`, at);
                    if (v.getUint32(4) !== got || n > bs - 56 || n > inode.size - got || v.getBigUint64(32) !== BigInt(inode.ino) || v.getBigUint64(40) !== BigInt(at / 512)) {
                        throw new DiskFormatError(what, `header says ${n} bytes at ${v.getUint32(4)} of inode ${v.getBigUint64(32)}`, at);
                    }
                    data = blk.subarray(56, 56 + n);
                }
                data = data.subarray(0, inode.size - got);
                out.set(data, got);
                got += data.length;
            }
        }
        if (got !== inode.size) throw new DiskFormatError(what, `blocks hold ${got} of ${inode.size} bytes`, inode.offset);
        return out;
    }

    private inline(inode: XfsInode): Uint8Array {
        if (inode.size > inode.fork.length) {
            throw new DiskFormatError(`XFS inode ${inode.ino}`, `${inode.size} inline bytes in a ${inode.fork.length}-byte fork`, inode.offset);
        }
        return inode.fork.subarray(0, inode.size);
    }

    private async entries(inode: XfsInode): Promise<DirEntry[]> {
        if (inode.format === Format.Local) return parseShortForm(this.geo, this.inline(inode), inode.ino);
        const exts = await this.extentsOf(inode);
        checkNoSharedBlocks(exts, this.geo.blockSize, inode.ino);
        const bs = this.geo.blockSize;
        const perDirBlock = this.geo.dirBlockSize / bs;
        const leafBlock = 2 ** 35 / bs;
        const out: DirEntry[] = [];
        // A directory block may span extents (dirblklog > 0): gather its pieces in file order.
        let pending: { buf: Uint8Array; filled: number; offset: number; next: number } | undefined;
        for (const ext of exts) {
            const blocks = Math.min(ext.blocks, leafBlock - ext.fileBlock);
            for (let b = 0; b < blocks;) {
                const n = Math.min(blocks - b, Math.max(perDirBlock, Math.floor(DIR_RUN / bs)));
                if (ext.unwritten) throw new DiskFormatError(`XFS directory inode ${inode.ino}`, `unwritten extent at file block ${ext.fileBlock}`, ext.offset);
                const raw = await this.dev.read(ext.offset + b * bs, n * bs);
                for (let i = 0; i < n;) {
                    const fb = ext.fileBlock + b + i;
                    const at = ext.offset + (b + i) * bs;
                    if (fb % perDirBlock === 0) {
                        if (pending) throw new DiskFormatError(`XFS directory inode ${inode.ino}`, `directory block at file block ${pending.next - pending.filled / bs} is incomplete`, pending.offset);
                        pending = { buf: new Uint8Array(this.geo.dirBlockSize), filled: 0, offset: at, next: fb };
                    } else if (!pending || pending.next !== fb) {
                        throw new DiskFormatError(`XFS directory inode ${inode.ino}`, `file block ${fb} does not continue a directory block`, at);
                    }
                    const take = Math.min(perDirBlock - (fb % perDirBlock), n - i);
                    pending.buf.set(raw.subarray(i * bs, (i + take) * bs), pending.filled);
                    pending.filled += take * bs;
                    pending.next += take;
                    i += take;
                    if (pending.filled === pending.buf.length) {
                        out.push(...parseDataBlock(this.geo, pending.buf, inode.ino, pending.offset));
                        pending = undefined;
                    }
                }
                b += n;
            }
        }
        if (pending) throw new DiskFormatError(`XFS directory inode ${inode.ino}`, 'last directory block is incomplete', pending.offset);
        return out;
    }

    private async extentsOf(inode: XfsInode): Promise<Extent[]> {
        let exts = this.extents.get(inode.ino);
        if (!exts) {
            exts = await readExtents(this.geo, this.dev, inode);
            if (this.extents.size >= CACHE_MAX) this.extents.clear();
            this.extents.set(inode.ino, exts);
        }
        return exts;
    }

    /** Reads the inodes of a listing in few device reads: sorted by place, close ones in one run. */
    private async loadInodes(inos: number[]): Promise<void> {
        const isz = this.geo.inodeSize;
        const want = [...new Set(inos)].filter((i) => !this.inodes.has(i))
            .map((ino) => ({ ino, at: inodeOffset(this.geo, ino, `XFS inode ${ino}`) }))
            .sort((a, b) => a.at - b.at);
        for (let i = 0; i < want.length;) {
            let j = i + 1;
            while (j < want.length && want[j].at - want[j - 1].at <= INODE_GAP && want[j].at + isz - want[i].at <= INODE_RUN) j++;
            const start = want[i].at;
            const raw = await this.dev.read(start, want[j - 1].at + isz - start);
            for (let k = i; k < j; k++) this.remember(parseInode(this.geo, raw.subarray(want[k].at - start, want[k].at - start + isz), want[k].ino, want[k].at));
            i = j;
        }
    }

    private async inode(ino: number): Promise<XfsInode> {
        const cached = this.inodes.get(ino);
        if (cached) return cached;
        const at = inodeOffset(this.geo, ino, `XFS inode ${ino}`);
        const inode = parseInode(this.geo, await this.dev.read(at, this.geo.inodeSize), ino, at);
        this.remember(inode);
        return inode;
    }

    private remember(inode: XfsInode): void {
        if (this.inodes.size >= CACHE_MAX) this.inodes.clear();
        this.inodes.set(inode.ino, inode);
    }

    private idOf(node: FsNode): number {
        const ino = /^\d{1,16}$/.test(node.id) ? Number(node.id) : NaN;
        if (!Number.isSafeInteger(ino)) throw new DiskFormatError('XFS node', `id '${node.id}' is not an inode number`);
        return ino;
    }

    /** `mode` is the whole di_mode (type and permission bits), as stat's st_mode. */
    private node(inode: XfsInode, name: string): FsNode {
        return {
            id: String(inode.ino), name, type: typeOf(inode.mode), size: inode.size,
            mtimeMs: inode.mtimeMs, atimeMs: inode.atimeMs, ctimeMs: inode.ctimeMs, birthtimeMs: inode.birthtimeMs,
            mode: inode.mode, links: inode.nlink,
        };
    }
}

/** Two extents of one directory on the same device blocks would list the same entries twice (or loop). */
function checkNoSharedBlocks(exts: Extent[], bs: number, ino: number): void {
    const byPlace = [...exts].sort((a, b) => a.offset - b.offset);
    for (let i = 1; i < byPlace.length; i++) {
        const prev = byPlace[i - 1];
        if (byPlace[i].offset < prev.offset + prev.blocks * bs) {
            throw new DiskFormatError(`XFS directory extent list of inode ${ino}`,
                `extents at file blocks ${prev.fileBlock} and ${byPlace[i].fileBlock} share device blocks`, byPlace[i].offset);
        }
    }
}
