import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { logCopyRun } from '../../src/features/copy/runLog';
import type { Logger } from '../../src/shared/logger';
import type { DiskRef } from '../../src/shared/types';
import type { CopyResult } from '../../src/transfer';

function recorder(): { log: Logger; lines: string[] } {
    const lines: string[] = [];
    const add = (m: unknown) => void lines.push(String(m));
    return { lines, log: { info: add, warn: add, error: add, debug: add, show: () => undefined } };
}

const ref = (name: string, resourceGroup: string): DiskRef => ({ tenantId: 't', subscriptionId: 's', resourceGroup, name, kind: 'disk', id: `/subscriptions/s/resourceGroups/${resourceGroup}/providers/Microsoft.Compute/disks/${name}` });

const result = (over: Partial<CopyResult>): CopyResult => ({
    size: 48 * 1024 ** 2, mode: 'server', bytesWritten: 4 * 1024 ** 2, bytesServerSide: 4 * 1024 ** 2, bytesStreamed: 0, bytesResumed: 0, requests: 3, retries: 0, regrants: 0,
    checks: [{ name: 'page-ranges', passed: true }, { name: 'sampled-md5', passed: true }],
    ...over,
});

test('a copy is logged once when it starts and once when it ends: path, bytes of each blob, checks, time; no URL', () => {
    const { log, lines } = recorder();
    let t = 0;
    const run = logCopyRun(log, ref('src', 'rg-a'), ref('dst', 'rg-b'), ['disk', 'vmgs'], false, () => t);
    t = 2500;
    run.done({ disk: result({}), vmgs: result({ size: 4 * 1024 ** 2, bytesServerSide: 1024 ** 2, requests: 1 }) });
    assert.equal(lines.length, 2);
    assert.equal(lines[0], 'Copy of src (rg-a) to dst (rg-b) started: disk, vmgs, server-side (Put Page From URL) where the service allows it.');
    assert.match(lines[1], /^Copy of src \(rg-a\) to dst \(rg-b\) done in 3s \(2\.5 s\), server-side \(Put Page From URL\): disk 48\.0 MiB: 4\.0 MiB server-side, 0 B streamed, 3 requests; vmgs 4\.0 MiB: 1\.0 MiB server-side, 0 B streamed, 1 requests; checks passed: page ranges, sampled MD5\.$/);
});

test('a copy the service made go through this machine says so, with what was resumed and retried', () => {
    const { log, lines } = recorder();
    const run = logCopyRun(log, ref('src', 'rg'), ref('dst', 'rg'), ['disk'], true, () => 0);
    run.done({ disk: result({ mode: 'stream', bytesServerSide: 0, bytesStreamed: 4 * 1024 ** 2, bytesResumed: 1024 ** 2, retries: 2 }) });
    assert.match(lines[0], /started \(resuming from its journal\)/);
    assert.match(lines[1], /streamed through this machine \(the service refused a server-side copy\): disk 48\.0 MiB: 0 B server-side, 4\.0 MiB streamed, 1\.0 MiB resumed, 3 requests, 2 retried;/);
});
