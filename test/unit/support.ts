/** Small pieces the unit test files share. Not a test file itself (run-all runs *.test.js only). */
import assert from 'node:assert/strict';
import { after } from 'node:test';
import * as path from 'node:path';
import { openOutput, type OpenOutput } from '../../src/transfer/core/file';
import { allocatedBytes, tempDir } from '../bench/fixtures';

/** The rejection of `p`, for assertions on its fields; fails the test when `p` resolves. */
export async function errorOf(p: Promise<unknown>): Promise<{ statusCode?: number; code?: string; message: string }> {
    try {
        await p;
    } catch (e) {
        return e as { statusCode?: number; code?: string; message: string };
    }
    assert.fail('expected the call to fail');
}

/** Engine tuning that keeps retries and progress quick in tests. */
export const fastTuning = { baseDelayMs: 5, maxDelayMs: 50, progressIntervalMs: 50 };

/** A temp folder removed after the file's tests, and fresh output paths inside it. */
export function scratch(): { dir: string; dest: () => string } {
    const tmp = tempDir();
    after(() => tmp.cleanup());
    let n = 0;
    return { dir: tmp.dir, dest: () => path.join(tmp.dir, `out-${n++}.vhd`) };
}

/** Waits until `cond` holds, checking every 10 ms; fails with `what` after `timeoutMs`. */
export async function waitUntil(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await cond())) {
        if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 10));
    }
}

/**
 * An output opener whose disk fills up: writes succeed until `limit` bytes have been written in
 * all, then fail with ENOSPC as the file system does. `written()` says how much landed.
 */
export function outputThatFills(limit: number): { open: OpenOutput; written(): number } {
    let written = 0;
    const open: OpenOutput = async (p, mode) => {
        const f = await openOutput(p, mode);
        return {
            ...f,
            writev: async (bufs, pos) => {
                const len = bufs.reduce((s, b) => s + b.length, 0);
                if (written + len > limit) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
                written += len;
                return f.writev(bufs, pos);
            },
        };
    };
    return { open, written: () => written };
}

/**
 * Disk a sparse file may take beyond the bytes written into it: a 4 KiB file-system block at each
 * end of every written range (one when the ranges are whole blocks), and 64 KiB of metadata.
 */
export function holeSlack(ranges: number, blocksPerRange = 2): number {
    return ranges * blocksPerRange * 4096 + 64 * 1024;
}

/** Fails when `file` takes more disk than `written` bytes and `slack`: a hole was filled in. */
export function assertKeepsHoles(file: string, written: number, slack: number, context = ''): void {
    const allocated = allocatedBytes(file);
    assert.ok(allocated <= written + slack, `allocated ${allocated} for ${written} written${context}: holes were filled in`);
}

/**
 * Waits until the clock is past `epochMs` plus `marginMs` (for an expiry the service compares in
 * whole seconds): the condition is the credential's own expiry, not a guessed duration.
 */
export async function untilPast(epochMs: number, what: string, marginMs = 1000): Promise<void> {
    await waitUntil(() => Date.now() > epochMs + marginMs, what, Math.max(0, epochMs + marginMs - Date.now()) + 10_000);
}
