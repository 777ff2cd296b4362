/**
 * The resume journal beside `<name>.partial`: one JSON header line naming the blob, then one
 * line per completed byte range ("start end"), appended as each chunk's write completes.
 * Data is written before its line, so after a process kill (cancel, crash, window reload) every
 * journaled range is in the file. It is not fsynced per line: after a power loss the final
 * verification, not the journal, is what catches damage.
 */
import * as fs from 'node:fs';
import type { ByteRange } from '../../blob/ranges';

export interface BlobIdentity {
    /** resumeKey, or the URL without its query. */
    key: string;
    size: number;
    /** Only when no resumeKey: a re-grant may hand out another URL for the same data. */
    etag?: string;
    lastModified?: string;
}

interface Header extends BlobIdentity {
    v: 1;
}

export function sameBlob(a: BlobIdentity, b: BlobIdentity): boolean {
    return a.key === b.key && a.size === b.size && (a.etag ?? '') === (b.etag ?? '') && (a.lastModified ?? '') === (b.lastModified ?? '');
}

export function describeMismatch(saved: BlobIdentity, now: BlobIdentity): string {
    if (saved.key !== now.key) return 'the partial download belongs to a different blob';
    if (saved.size !== now.size) return `the blob size changed (${saved.size} → ${now.size} bytes)`;
    return 'the blob changed since the partial download started (ETag/last-modified differ)';
}

/** Reads a journal; undefined when absent or unreadable (a torn last line is ignored). */
export function readJournal(path: string): { identity: BlobIdentity; done: ByteRange[] } | undefined {
    let text: string;
    try {
        text = fs.readFileSync(path, 'utf8');
    } catch {
        return undefined;
    }
    const lines = text.split('\n');
    let header: Header;
    try {
        header = JSON.parse(lines[0]) as Header;
    } catch {
        return undefined;
    }
    if (header.v !== 1 || typeof header.key !== 'string' || typeof header.size !== 'number') return undefined;
    const done: ByteRange[] = [];
    // The last element is '' after a complete line, or a torn line after a crash mid-append.
    for (let i = 1; i < lines.length - 1; i++) {
        const m = /^(\d+) (\d+)$/.exec(lines[i]);
        if (!m) continue;
        const start = Number(m[1]), end = Number(m[2]);
        if (end > start && end <= header.size) done.push({ start, end });
    }
    const { v: _v, ...identity } = header;
    return { identity, done };
}

export class JournalWriter {
    private pending = '';
    private writing: Promise<void> | undefined;
    private failed: Error | undefined;

    private constructor(private readonly fd: number) {}

    /** Creates a fresh journal (truncating any old one) with the blob's identity. */
    static create(path: string, identity: BlobIdentity): JournalWriter {
        const fd = fs.openSync(path, 'w');
        fs.writeSync(fd, JSON.stringify({ v: 1, ...identity }) + '\n');
        return new JournalWriter(fd);
    }

    /** Appends to an existing journal. */
    static append(path: string): JournalWriter {
        return new JournalWriter(fs.openSync(path, 'a'));
    }

    /** Records a completed range; lines written together while a write is in flight. */
    add(r: ByteRange): void {
        this.pending += `${r.start} ${r.end}\n`;
        if (!this.writing) this.writing = this.drain();
    }

    private async drain(): Promise<void> {
        while (this.pending && !this.failed) {
            const text = this.pending;
            this.pending = '';
            await new Promise<void>((resolve) => fs.write(this.fd, text, null, 'utf8', (e) => {
                if (e) this.failed = e;
                resolve();
            }));
        }
        this.writing = undefined;
    }

    async close(): Promise<void> {
        while (this.writing) await this.writing;
        fs.closeSync(this.fd);
        if (this.failed) throw this.failed;
    }
}
