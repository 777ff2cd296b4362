/**
 * The `<dest>.partial` file and its journal: resume or start over, sparse positional writes,
 * background flushes, and the journal line for each chunk once its data is written.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { markSparse, openOutput as defaultOpen, sliceBuffers, type OpenOutput, type OutputFile } from '../core/file';
import { describeMismatch, JournalWriter, readJournal, sameBlob, type BlobIdentity } from '../core/journal';
import { intersect, type ByteRange } from '../../blob/ranges';
import { TransferError, type TransferTuning } from '../core/types';
import { localError } from './errors';

/** Background fdatasync period, in bytes written. */
const SYNC_EVERY = 64 * 1024 * 1024;

export interface PartialPaths {
    partial: string;
    journal: string;
}

export class PartialFile {
    /** Chunks the journal says are already in the file. */
    done: ByteRange[] = [];
    sparse = true;
    private file: OutputFile | undefined;
    private journal: JournalWriter | undefined;
    private unsynced = 0;
    private syncing: Promise<void> | undefined;
    /** The written ranges (merged where they touch): only these reach the disk. */
    private exact: ByteRange[] = [];

    private constructor(readonly paths: PartialPaths) {}

    /**
     * Opens the partial for this blob: resumes when its journal names the same blob and its size
     * matches, otherwise starts over (or throws BlobChanged, unless tuning.restartOnMismatch).
     */
    static async open(paths: PartialPaths, identity: BlobIdentity, planBytes: number, t: TransferTuning, log: (m: string) => void, notes: string[], openFile: OpenOutput = defaultOpen): Promise<PartialFile> {
        const { partial, journal: journalPath } = paths;
        const saved = fs.existsSync(partial) ? readJournal(journalPath) : undefined;
        if (saved && !sameBlob(saved.identity, identity)) {
            const why = describeMismatch(saved.identity, identity);
            if (!t.restartOnMismatch) throw new TransferError('BlobChanged', `Cannot resume ${path.basename(partial)}: ${why}. Delete it or start over.`);
            log(`not resuming: ${why}; starting over`);
        }
        const p = new PartialFile(paths);
        const open = openFile;
        try {
            if (saved && sameBlob(saved.identity, identity)) await p.resume(open, saved.done, identity.size, log);
            if (!p.file || !p.journal) await p.create(open, identity, log, notes);
        } catch (e) {
            await p.release();
            throw localError(e, planBytes, `write ${path.basename(partial)}`);
        }
        return p;
    }

    private async resume(open: OpenOutput, done: ByteRange[], size: number, log: (m: string) => void): Promise<void> {
        this.file = await open(this.paths.partial, 'resume');
        if ((await this.file.size()) === size) {
            this.done = done;
            this.journal = JournalWriter.append(this.paths.journal);
        } else {
            await this.file.close();
            this.file = undefined;
            log('partial file has the wrong size; starting over');
        }
    }

    private async create(open: OpenOutput, identity: BlobIdentity, log: (m: string) => void, notes: string[]): Promise<void> {
        fs.rmSync(this.paths.journal, { force: true });
        this.file = await open(this.paths.partial, 'create');
        const s = await markSparse(this.paths.partial);
        this.sparse = s.sparse;
        if (s.note) {
            notes.push(s.note);
            log(s.note);
        }
        await this.file.truncate(identity.size);
        this.journal = JournalWriter.create(this.paths.journal, identity);
    }

    /** The open file (for verification); throws once closed. */
    get output(): OutputFile {
        if (!this.file) throw new Error('the partial file is closed');
        return this.file;
    }

    /** Which byte ranges are written: the merged gaps' zeros stay holes on disk. */
    keepOnly(exact: ByteRange[]): void {
        this.exact = exact;
    }

    /** Writes only the written parts of [at, at + bytes of bufs). */
    readonly write = async (bufs: Buffer[], at: number, n: number): Promise<void> => {
        const f = this.output;
        const parts = intersect(this.exact, at, at + n);
        if (parts.length === 1 && parts[0].start === at && parts[0].end === at + n) await f.writev(bufs, at);
        else await Promise.all(parts.map((p) => f.writev(sliceBuffers(bufs, p.start - at, p.end - at), p.start)));
        this.wrote(n);
    };

    /**
     * Flushes to disk in the background every SYNC_EVERY bytes, so the disk writes while the
     * network delivers and the final fdatasync has little left to do.
     */
    private wrote(n: number): void {
        this.unsynced += n;
        if (this.unsynced < SYNC_EVERY || this.syncing) return;
        this.unsynced = 0;
        const f = this.output;
        this.syncing = f.sync().catch(() => undefined).then(() => { this.syncing = undefined; }); // the final sync reports errors
    }

    /** Journals a chunk whose data is written. */
    add(c: ByteRange): void {
        this.journal!.add(c);
    }

    async closeJournal(): Promise<void> {
        const j = this.journal;
        this.journal = undefined;
        await j?.close();
    }

    /** Verification failed: the data stays in the partial, the journal goes (nothing in it can be trusted). */
    async abandon(): Promise<void> {
        await this.file?.close();
        this.file = undefined;
        fs.rmSync(this.paths.journal, { force: true });
    }

    /** Everything is checked: flush, close, give the file its final name, drop the journal. */
    async commit(destPath: string): Promise<void> {
        await this.syncing;
        const f = this.output;
        await f.sync();
        await f.close();
        this.file = undefined;
        fs.renameSync(this.paths.partial, destPath);
        fs.rmSync(this.paths.journal, { force: true });
    }

    /** Cleanup on any exit: closes whatever is still open, reporting nothing. */
    async release(): Promise<void> {
        if (this.journal) await this.journal.close().catch(() => undefined);
        this.journal = undefined;
        await this.syncing;
        if (this.file) await this.file.close().catch(() => undefined);
        this.file = undefined;
    }
}
