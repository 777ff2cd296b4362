/** Small pieces the unit test files share. Not a test file itself (run-all runs *.test.js only). */
import assert from 'node:assert/strict';
import { after } from 'node:test';
import * as path from 'node:path';
import { tempDir } from '../bench/fixtures';

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
