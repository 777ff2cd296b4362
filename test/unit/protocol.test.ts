import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { describeRejected, isHostMessage, isPageMessage, isPersistedPageState } from '../../src/shared/accessProtocol';

test('valid page messages pass', () => {
    for (const m of [
        { type: 'ready' },
        { type: 'reveal', blob: 'disk' },
        { type: 'hide', blob: 'vmgs' },
        { type: 'copy', blob: 'vmmd' },
        { type: 'download', blobs: ['disk', 'vmgs'] },
        { type: 'cancelDownload', blob: 'disk' },
        { type: 'revoke' },
        { type: 'grantAgain' },
    ]) {
        assert.equal(isPageMessage(m), true, JSON.stringify(m));
    }
});

test('malformed and forged page messages are rejected', () => {
    for (const m of [
        null,
        undefined,
        'ready',
        42,
        [],
        {},
        { type: 'Ready' },
        { type: 'reveal' },
        { type: 'reveal', blob: 'os' },
        { type: 'reveal', blob: 'disk', url: 'https://evil' },
        { type: 'ready', extra: 1 },
        { type: 'download', blobs: [] },
        { type: 'download', blobs: 'disk' },
        { type: 'download', blobs: ['disk', 'disk'] },
        { type: 'download', blobs: ['disk', '../x'] },
        { type: 'revealed', blob: 'disk', url: 'https://x' },
        { type: 'toString' },
        { type: '__proto__' },
    ]) {
        assert.equal(isPageMessage(m), false, JSON.stringify(m));
    }
});

const id = { diskId: '/subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/disks/d1', tenantId: 't' };
const state = {
    type: 'state',
    id,
    disk: { name: 'd1', kind: 'disk' },
    access: 'Read',
    fileFormat: 'VHD',
    expiresAt: '2026-11-21T11:00:00.000Z',
    rows: [{ blob: 'disk', label: 'Disk', maskedUrl: 'https://h/c/b?sig=••••', present: true }],
    downloads: [{ blob: 'disk', status: 'running', progress: { bytesDone: 1, bytesToFetch: 2, totalSize: 3, bytesPerSecond: 4 } }],
};

test('valid host messages pass', () => {
    for (const m of [
        state,
        { type: 'progress', blob: 'disk', bytesDone: 10, bytesToFetch: 100, totalSize: 1000, bytesPerSecond: 5, etaSeconds: 18 },
        { type: 'downloadDone', blob: 'vmgs', checks: [{ name: 'size', passed: true }] },
        { type: 'downloadFailed', blob: 'disk', message: 'x', cancelled: true },
        { type: 'revealed', blob: 'disk', url: 'https://h/c/b?sig=abc' },
        { type: 'revoked' },
        { type: 'noGrant', id, disk: { name: 'd', kind: 'snapshot' }, reason: 'reloaded' },
    ]) {
        assert.equal(isHostMessage(m), true, JSON.stringify(m));
    }
});

test('malformed host messages are rejected', () => {
    for (const m of [
        { ...state, expiresAt: 'tomorrow' },
        { ...state, access: 'Admin' },
        { ...state, rows: [{ blob: 'disk' }] },
        { ...state, downloads: [{ blob: 'disk', status: 'exploding' }] },
        { type: 'progress', blob: 'disk', bytesDone: -1, bytesToFetch: 1, totalSize: 1, bytesPerSecond: 1 },
        { type: 'progress', blob: 'disk', bytesDone: NaN, bytesToFetch: 1, totalSize: 1, bytesPerSecond: 1 },
        { type: 'revealed', blob: 'disk', url: 'javascript:alert(1)' },
        { type: 'noGrant', id, disk: { name: 'd', kind: 'disk' }, reason: 'because' },
        { type: 'noGrant', disk: { name: 'd', kind: 'disk' }, reason: 'none' },
        { ...state, id: { diskId: 'x', tenantId: 't' } },
        { type: 'ready' },
    ]) {
        assert.equal(isHostMessage(m), false, JSON.stringify(m));
    }
});

test('persisted state holds an id only', () => {
    assert.equal(isPersistedPageState({ diskId: '/subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/disks/d', tenantId: 't' }), true);
    assert.equal(isPersistedPageState({ diskId: 'd' , tenantId: 't'}), false);
    assert.equal(isPersistedPageState(undefined), false);
});

test('rejected messages are described without their content', () => {
    const d = describeRejected({ type: 'reveal', blob: 'https://h/c?sig=SECRET' });
    assert.ok(!d.includes('SECRET'));
    assert.ok(!describeRejected({ type: 'sig=SECRET' }).includes('SECRET'));
    assert.equal(describeRejected('x'), 'message (string)');
});
