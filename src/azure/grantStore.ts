/** Live grants, in memory only (a SAS is never persisted). No vscode import: a minimal emitter. */
import type * as vscode from 'vscode';
import type { Grant } from '../shared/types';

/** Live grants, in memory only. */
export interface GrantStore {
    get(diskId: string): Grant | undefined;
    set(grant: Grant): void;
    delete(diskId: string): void;
    all(): Grant[];
    readonly onDidChange: vscode.Event<string /* diskId */>;
}

type Listener = (diskId: string) => unknown;

export class MemoryGrantStore implements GrantStore {
    private readonly grants = new Map<string, Grant>();
    private readonly listeners = new Set<Listener>();

    constructor(private readonly now: () => number = Date.now) {}

    readonly onDidChange = (listener: Listener, thisArgs?: unknown, disposables?: { dispose(): unknown }[]) => {
        const bound: Listener = (id) => listener.call(thisArgs, id);
        this.listeners.add(bound);
        const d = { dispose: () => void this.listeners.delete(bound) };
        disposables?.push(d);
        return d;
    };

    /** The live grant of a disk; an expired one is dropped and not returned. */
    get(diskId: string): Grant | undefined {
        const key = diskId.toLowerCase();
        const g = this.grants.get(key);
        if (g && g.expiresAt.getTime() <= this.now()) {
            this.grants.delete(key);
            this.fire(g.ref.id);
            return undefined;
        }
        return g;
    }

    set(grant: Grant): void {
        this.grants.set(grant.ref.id.toLowerCase(), grant);
        this.fire(grant.ref.id);
    }

    delete(diskId: string): void {
        if (this.grants.delete(diskId.toLowerCase())) this.fire(diskId);
    }

    all(): Grant[] {
        return [...this.grants.values()].filter((g) => this.get(g.ref.id));
    }

    private fire(diskId: string): void {
        for (const l of [...this.listeners]) {
            try {
                l(diskId);
            } catch {
                // a listener's failure must not stop the others
            }
        }
    }
}
