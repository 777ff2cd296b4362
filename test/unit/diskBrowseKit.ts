/**
 * A file-system reader over a tree held in memory, for what no real tool will write: names with
 * `/`, NUL or control characters, a folder listed inside itself, links to `/etc/passwd`. The happy
 * paths are tested over real images (diskBrowseImage.test.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FileSystemReader, FsNode, NodeType } from '../../src/disk/types';

export interface FakeSpec {
    type?: NodeType;
    data?: Uint8Array | string;
    /** A sparse file: its size, data only where `data` says (the rest zeros). */
    size?: number;
    target?: string;
    /** A folder's entries by stored name, or the id of an existing folder (a hard-linked folder, a loop). */
    children?: Record<string, FakeSpec | { sameAs: string }>;
    mtimeMs?: number;
}

export class FakeFs implements FileSystemReader {
    readonly type = 'fake';
    readonly nodes = new Map<string, { node: FsNode; children: string[]; childNames: string[]; data?: Uint8Array; target?: string }>();
    reads = 0;
    bytesRead = 0;
    lists = 0;
    private next = 1;

    constructor(root: FakeSpec) {
        this.add('', { ...root, type: 'dir' });
    }

    private add(name: string, spec: FakeSpec): string {
        const id = String(this.next++);
        const type: NodeType = spec.type ?? (spec.children ? 'dir' : spec.target !== undefined ? 'symlink' : 'file');
        const data = typeof spec.data === 'string' ? Buffer.from(spec.data) : spec.data;
        const size = type === 'symlink' ? Buffer.byteLength(spec.target ?? '') : (spec.size ?? data?.length ?? 0);
        const rec = { node: { id, name, type, size, mtimeMs: spec.mtimeMs ?? 1_700_000_000_000 }, children: [] as string[], childNames: [] as string[], data, target: spec.target };
        this.nodes.set(id, rec);
        for (const [child, c] of Object.entries(spec.children ?? {})) {
            rec.childNames.push(child);
            rec.children.push('sameAs' in c ? c.sameAs : this.add(child, c));
        }
        return id;
    }

    async root(): Promise<FsNode> {
        return this.nodes.get('1')!.node;
    }

    async list(dir: FsNode): Promise<FsNode[]> {
        this.lists++;
        const rec = this.nodes.get(dir.id)!;
        return rec.children.map((id, i) => ({ ...this.nodes.get(id)!.node, name: rec.childNames[i] }));
    }

    async read(file: FsNode, offset: number, length: number): Promise<Uint8Array> {
        this.reads++;
        const rec = this.nodes.get(file.id)!;
        const n = Math.max(0, Math.min(length, file.size - offset));
        this.bytesRead += n;
        const out = new Uint8Array(n);
        if (rec.data) out.set(rec.data.subarray(Math.min(offset, rec.data.length), Math.min(offset + n, rec.data.length)));
        return out;
    }

    async readlink(link: FsNode): Promise<string> {
        return this.nodes.get(link.id)!.target ?? '';
    }
}

/** Every path under `dir` (relative, `/`-separated, folders with a trailing `/`), sorted. */
export function listTree(dir: string): string[] {
    const out: string[] = [];
    const walk = (rel: string) => {
        for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
            const r = rel ? `${rel}/${e.name}` : e.name;
            if (e.isDirectory()) {
                out.push(`${r}/`);
                walk(r);
            } else out.push(r);
        }
    };
    walk('');
    return out.sort();
}
