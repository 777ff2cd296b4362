/**
 * Live state of downloads per disk and blob, for the access panels and for Cancel. The app context
 * owns one. No vscode import.
 */
import type { BlobKind } from '../shared/types';
import type { CheckInfo, DownloadEvent, DownloadRowState, ProgressInfo } from '../shared/downloadState';

export type TrackerListener = (diskId: string, message: DownloadEvent) => void;

const PROGRESS_INTERVAL_MS = 250;

export class DownloadTracker {
    private readonly rows = new Map<string, Map<BlobKind, DownloadRowState>>();
    private readonly controllers = new Map<string, AbortController>();
    private readonly lastProgressAt = new Map<string, number>();
    private readonly listeners = new Set<TrackerListener>();

    onEvent(listener: TrackerListener): { dispose(): void } {
        this.listeners.add(listener);
        return { dispose: () => this.listeners.delete(listener) };
    }

    rowsFor(diskId: string): DownloadRowState[] {
        return [...(this.rows.get(key(diskId))?.values() ?? [])].map((r) => ({ ...r }));
    }

    isRunning(diskId: string, blob: BlobKind): boolean {
        return this.controllers.has(`${key(diskId)}#${blob}`);
    }

    anyRunning(diskId: string): boolean {
        return [...this.controllers.keys()].some((k) => k.startsWith(`${key(diskId)}#`));
    }

    /** Registers a running download; its AbortController is what Cancel aborts. */
    start(diskId: string, blob: BlobKind, controller: AbortController, fileName?: string, resumed = false): void {
        this.controllers.set(`${key(diskId)}#${blob}`, controller);
        this.setRow(diskId, { blob, status: 'running', fileName, resumed });
        this.emit(diskId, { type: 'downloadStarted', blob, fileName, resumed });
    }

    progress(diskId: string, blob: BlobKind, p: ProgressInfo, now = Date.now()): void {
        const row = this.rows.get(key(diskId))?.get(blob);
        if (!row || row.status !== 'running') return;
        row.progress = { bytesDone: p.bytesDone, bytesPlanned: p.bytesPlanned, totalSize: p.totalSize, bytesPerSecond: p.bytesPerSecond, etaSeconds: p.etaSeconds };
        const k = `${key(diskId)}#${blob}`;
        const last = this.lastProgressAt.get(k) ?? 0;
        const finished = p.bytesPlanned > 0 && p.bytesDone >= p.bytesPlanned;
        if (now - last < PROGRESS_INTERVAL_MS && !finished) return;
        this.lastProgressAt.set(k, now);
        this.emit(diskId, { type: 'progress', blob, ...row.progress });
    }

    done(diskId: string, blob: BlobKind, checks: CheckInfo[], fileName?: string): void {
        this.finish(diskId, blob);
        const prev = this.rows.get(key(diskId))?.get(blob);
        this.setRow(diskId, { blob, status: 'done', checks, fileName, progress: prev?.progress, resumed: prev?.resumed });
        this.emit(diskId, { type: 'downloadDone', blob, checks, fileName });
    }

    failed(diskId: string, blob: BlobKind, message: string, cancelled: boolean): void {
        this.finish(diskId, blob);
        const prev = this.rows.get(key(diskId))?.get(blob);
        this.setRow(diskId, { blob, status: cancelled ? 'cancelled' : 'failed', message, fileName: prev?.fileName, progress: prev?.progress });
        this.emit(diskId, { type: 'downloadFailed', blob, message, cancelled });
    }

    /** Aborts one blob's download, or every download of the disk. True when something was running. */
    cancel(diskId: string, blob?: BlobKind): boolean {
        let any = false;
        for (const [k, c] of this.controllers) {
            if (blob ? k === `${key(diskId)}#${blob}` : k.startsWith(`${key(diskId)}#`)) {
                c.abort();
                any = true;
            }
        }
        return any;
    }

    /** Set while the extension shuts down: runs then stop without clearing their resume records. */
    shuttingDown = false;

    /** Stops every download at extension shutdown; their partials and pending records stay for resume. */
    shutdown(): void {
        this.shuttingDown = true;
        for (const c of this.controllers.values()) c.abort();
    }

    private finish(diskId: string, blob: BlobKind): void {
        this.controllers.delete(`${key(diskId)}#${blob}`);
        this.lastProgressAt.delete(`${key(diskId)}#${blob}`);
    }

    private setRow(diskId: string, row: DownloadRowState): void {
        let m = this.rows.get(key(diskId));
        if (!m) this.rows.set(key(diskId), (m = new Map()));
        m.set(row.blob, row);
    }

    private emit(diskId: string, message: DownloadEvent): void {
        for (const l of [...this.listeners]) {
            try {
                l(diskId, message);
            } catch {
                // A closed panel must not break the download.
            }
        }
    }
}

function key(diskId: string): string {
    return diskId.toLowerCase();
}
