/** Requests seen by a sandbox server: paths only (never queries: they carry SAS signatures). */

export interface LoggedRequest {
    method: string;
    path: string;
    status?: number;
    /** Response body bytes sent. */
    bytes: number;
    ranged?: boolean;
    fault?: string;
}

export interface RequestLogSnapshot {
    total: number;
    bytes: number;
    /** Per lower-cased path: request count and body bytes served. */
    byPath: Record<string, { requests: number; bytes: number }>;
    /** The most recent requests, oldest first (at most 2,000). */
    recent: LoggedRequest[];
}

const KEEP = 2000;

export class RequestLog {
    private total = 0;
    private bytes = 0;
    private byPath = new Map<string, { requests: number; bytes: number }>();
    private recent: LoggedRequest[] = [];
    private listener?: (r: LoggedRequest) => void;

    onFinish(listener: (r: LoggedRequest) => void): void {
        this.listener = listener;
    }

    start(method: string, path: string, ranged?: boolean, fault?: string): LoggedRequest {
        const entry: LoggedRequest = { method, path, bytes: 0, ...(ranged ? { ranged } : {}), ...(fault ? { fault } : {}) };
        this.total++;
        const key = path.toLowerCase();
        const agg = this.byPath.get(key) ?? { requests: 0, bytes: 0 };
        agg.requests++;
        this.byPath.set(key, agg);
        this.recent.push(entry);
        if (this.recent.length > KEEP) this.recent.splice(0, this.recent.length - KEEP);
        return entry;
    }

    finish(entry: LoggedRequest, status: number, bytes: number): void {
        if (entry.status !== undefined) return;
        entry.status = status;
        entry.bytes = bytes;
        this.bytes += bytes;
        const agg = this.byPath.get(entry.path.toLowerCase());
        if (agg) agg.bytes += bytes;
        this.listener?.(entry);
    }

    snapshot(): RequestLogSnapshot {
        return { total: this.total, bytes: this.bytes, byPath: Object.fromEntries(this.byPath), recent: this.recent.map((r) => ({ ...r })) };
    }

    clear(): void {
        this.total = 0;
        this.bytes = 0;
        this.byPath.clear();
        this.recent = [];
    }
}
