/**
 * MD5 of received chunks on worker threads: hashing 4 MiB chunks at link speed costs a core, and
 * in VS Code's extension host the main thread is shared with every other extension. Chunks live
 * in SharedArrayBuffers, so a worker reads them in place (no copy, no transfer).
 */
import * as crypto from 'node:crypto';
import * as os from 'node:os';
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const crypto = require('node:crypto');
parentPort.on('message', (m) => {
    const md5 = crypto.createHash('md5').update(new Uint8Array(m.sab, m.off, m.len)).digest('base64');
    parentPort.postMessage({ id: m.id, md5 });
});`;

export class Md5Pool {
    private readonly workers: Worker[] = [];
    private readonly pending = new Map<number, { resolve: (v: string) => void; reject: (e: Error) => void }>();
    private nextId = 0;
    private rr = 0;

    constructor(size = Math.max(1, Math.min(4, os.availableParallelism() - 1))) {
        for (let i = 0; i < size; i++) {
            try {
                const w = new Worker(WORKER_SOURCE, { eval: true });
                w.unref();
                w.on('message', (m: { id: number; md5: string }) => {
                    const p = this.pending.get(m.id);
                    this.pending.delete(m.id);
                    p?.resolve(m.md5);
                });
                w.on('error', (e) => this.failAll(e));
                this.workers.push(w);
            } catch {
                break; // no worker threads here: hash inline
            }
        }
    }

    hash(sab: SharedArrayBuffer, off: number, len: number): Promise<string> {
        if (this.workers.length === 0) return Promise.resolve(crypto.createHash('md5').update(new Uint8Array(sab, off, len)).digest('base64'));
        const id = this.nextId++;
        const w = this.workers[this.rr++ % this.workers.length];
        return new Promise((resolve, reject) => {
            this.pending.set(id, { resolve, reject });
            w.postMessage({ id, sab, off, len });
        });
    }

    private failAll(e: Error): void {
        for (const p of this.pending.values()) p.reject(e);
        this.pending.clear();
    }

    async close(): Promise<void> {
        this.failAll(new Error('closed'));
        await Promise.all(this.workers.map((w) => w.terminate()));
    }
}
