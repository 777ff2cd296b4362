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
    downloads: [{ blob: 'disk', status: 'running', progress: { bytesDone: 1, bytesPlanned: 2, totalSize: 3, bytesPerSecond: 4 } }],
};

test('valid host messages pass', () => {
    for (const m of [
        state,
        { type: 'progress', blob: 'disk', bytesDone: 10, bytesPlanned: 100, totalSize: 1000, bytesPerSecond: 5, etaSeconds: 18 },
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
        { type: 'progress', blob: 'disk', bytesDone: -1, bytesPlanned: 1, totalSize: 1, bytesPerSecond: 1 },
        { type: 'progress', blob: 'disk', bytesDone: NaN, bytesPlanned: 1, totalSize: 1, bytesPerSecond: 1 },
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

test('every page message type refuses every key it does not define', () => {
    const valid: Record<string, Record<string, unknown>> = {
        ready: { type: 'ready' },
        revoke: { type: 'revoke' },
        grantAgain: { type: 'grantAgain' },
        reveal: { type: 'reveal', blob: 'disk' },
        hide: { type: 'hide', blob: 'disk' },
        copy: { type: 'copy', blob: 'disk' },
        cancelDownload: { type: 'cancelDownload', blob: 'disk' },
        download: { type: 'download', blobs: ['disk'] },
    };
    // Keys of the other page messages, of host messages, and ones a forged message would carry.
    const extras = ['blob', 'blobs', 'url', 'path', 'destPath', 'id', 'sas', 'command', 'message', 'toString', 'constructor', 'extra'];
    for (const [type, m] of Object.entries(valid)) {
        assert.equal(isPageMessage(m), true, type);
        for (const k of extras) {
            if (k in m) continue;
            const forged = { ...m, [k]: k === 'blobs' ? ['disk'] : 'disk' };
            assert.equal(isPageMessage(forged), false, `${type} with ${k}`);
            assert.equal(isPageMessage({ ...m, [k]: undefined }), false, `${type} with ${k}: undefined`);
        }
        // JSON as it arrives from the page: a literal __proto__ key is an own property there.
        assert.equal(isPageMessage(JSON.parse(JSON.stringify(m).replace(/^\{/, '{"__proto__":{"x":1},'))), false, `${type} with __proto__`);
    }
});

test('page messages: blob kinds and the download list, at their limits', () => {
    for (const blob of ['disk', 'vmgs', 'vmmd']) assert.equal(isPageMessage({ type: 'reveal', blob }), true, blob);
    for (const blob of ['Disk', '', 1, null, ['disk'], 'disk ']) {
        for (const type of ['reveal', 'hide', 'copy', 'cancelDownload']) assert.equal(isPageMessage({ type, blob }), false, `${type} ${JSON.stringify(blob)}`);
    }
    assert.equal(isPageMessage({ type: 'download', blobs: ['disk', 'vmgs', 'vmmd'] }), true, 'all three kinds');
    assert.equal(isPageMessage({ type: 'download', blobs: ['vmmd'] }), true);
    assert.equal(isPageMessage({ type: 'download', blobs: ['disk', 'vmgs', 'vmmd', 'disk'] }), false, 'more than there are kinds');
    assert.equal(isPageMessage({ type: 'download', blobs: ['vmgs', 'vmgs'] }), false);
    assert.equal(isPageMessage({ type: 'download', blobs: [1] }), false);
    assert.equal(isPageMessage({ type: 'download' }), false);
    assert.equal(isPageMessage({ type: 1 }), false);
});

test('host messages: string and count limits, optional fields, the revealed URL', () => {
    const ok = (m: unknown, why: string) => assert.equal(isHostMessage(m), true, why);
    const no = (m: unknown, why: string) => assert.equal(isHostMessage(m), false, why);
    const p = { bytesDone: 0, bytesPlanned: 0, totalSize: 0, bytesPerSecond: 0 };
    ok({ type: 'progress', blob: 'disk', ...p }, 'zero is a count');
    no({ type: 'progress', blob: 'disk', ...p, etaSeconds: -1 }, 'negative eta');
    no({ type: 'progress', blob: 'disk', ...p, etaSeconds: '3' }, 'eta as text');
    for (const k of Object.keys(p)) {
        no({ type: 'progress', blob: 'disk', ...p, [k]: Infinity }, `${k} infinite`);
        no({ type: 'progress', blob: 'disk', ...p, [k]: '1' }, `${k} as text`);
        no({ type: 'progress', blob: 'disk', ...p, [k]: undefined }, `${k} missing`);
    }
    no({ type: 'progress', blob: 'os', ...p }, 'unknown blob');
    ok({ type: 'downloadStarted', blob: 'disk' }, 'started');
    ok({ type: 'downloadStarted', blob: 'disk', fileName: 'x'.repeat(300), resumed: true }, 'file name of 300');
    no({ type: 'downloadStarted', blob: 'disk', fileName: 'x'.repeat(301) }, 'file name of 301');
    no({ type: 'downloadStarted', blob: 'disk', resumed: 'yes' }, 'resumed as text');
    no({ type: 'downloadStarted', blob: 'x' }, 'started, unknown blob');
    ok({ type: 'downloadDone', blob: 'disk', checks: [] }, 'no checks');
    no({ type: 'downloadDone', blob: 'disk' }, 'checks missing');
    no({ type: 'downloadDone', blob: 'disk', checks: Array.from({ length: 21 }, () => ({ name: 'size', passed: true })) }, '21 checks');
    ok({ type: 'downloadDone', blob: 'disk', checks: Array.from({ length: 20 }, () => ({ name: 'size', passed: true })) }, '20 checks');
    no({ type: 'downloadDone', blob: 'disk', checks: [{ name: 'size', passed: 'yes' }] }, 'passed as text');
    no({ type: 'downloadDone', blob: 'disk', checks: [{ name: 'n'.repeat(101), passed: true }] }, 'check name of 101');
    ok({ type: 'downloadDone', blob: 'disk', checks: [{ name: 'n'.repeat(100), passed: true, detail: 'd'.repeat(4096) }] }, 'limits');
    no({ type: 'downloadDone', blob: 'disk', checks: [{ name: 'size', passed: true, detail: 'd'.repeat(4097) }] }, 'detail of 4097');
    no({ type: 'downloadDone', blob: 'disk', checks: [null] }, 'null check');
    no({ type: 'downloadDone', blob: 'disk', checks: [{ name: 'size', passed: true }], fileName: 3 }, 'file name as number');
    no({ type: 'downloadDone', blob: 'vmx', checks: [] }, 'done, unknown blob');
    ok({ type: 'downloadFailed', blob: 'disk', message: 'm'.repeat(4096) }, 'message of 4096');
    no({ type: 'downloadFailed', blob: 'disk', message: 'm'.repeat(4097) }, 'message of 4097');
    no({ type: 'downloadFailed', blob: 'disk' }, 'no message');
    no({ type: 'downloadFailed', blob: 'disk', message: 'x', cancelled: 1 }, 'cancelled as number');
    no({ type: 'downloadFailed', blob: 'y', message: 'x' }, 'failed, unknown blob');
    ok({ type: 'revealed', blob: 'disk', url: 'HTTP://127.0.0.1:10000/c/b' }, 'http, any case');
    no({ type: 'revealed', blob: 'disk', url: `https://h/${'a'.repeat(8192)}` }, 'url over 8192');
    no({ type: 'revealed', blob: 'disk', url: ' https://h/c' }, 'leading space');
    no({ type: 'revealed', blob: 'disk', url: 'data:https://h' }, 'data: url');
    no({ type: 'revealed', blob: 'z', url: 'https://h' }, 'revealed, unknown blob');
    ok({ type: 'copied', blob: 'vmgs' }, 'copied');
    no({ type: 'copied', blob: 'nope' }, 'copied, unknown blob');
    ok({ type: 'busy' }, 'busy');
    ok({ type: 'busy', label: 'l'.repeat(200) }, 'label of 200');
    no({ type: 'busy', label: 'l'.repeat(201) }, 'label of 201');
    no({ type: 'busy', label: 5 }, 'label as number');
    for (const reason of ['none', 'revoked', 'reloaded']) ok({ type: 'noGrant', id, disk: { name: 'd', kind: 'disk' }, reason }, reason);
    no({ type: 'noGrant', id, disk: { name: 'd', kind: 'vm' }, reason: 'none' }, 'disk kind');
    no({ type: 'noGrant', id, disk: { name: 'n'.repeat(201), kind: 'disk' }, reason: 'none' }, 'disk name of 201');
    no({ type: 'noGrant', id, disk: null, reason: 'none' }, 'no disk');
    no(null, 'null');
    no([], 'array');
    no({ type: 7 }, 'type as number');
});

test('host state message: every field is checked', () => {
    const no = (m: unknown, why: string) => assert.equal(isHostMessage(m), false, why);
    assert.equal(isHostMessage({ ...state, access: 'Write', fileFormat: 'VHDX', disk: { name: 's', kind: 'snapshot' }, downloads: [] }), true);
    for (const status of ['running', 'done', 'failed', 'cancelled']) {
        assert.equal(isHostMessage({ ...state, downloads: [{ blob: 'disk', status, checks: [], message: 'm', fileName: 'f', resumed: false }] }), true, status);
    }
    no({ ...state, fileFormat: 'VMDK' }, 'format');
    no({ ...state, id: undefined }, 'no id');
    no({ ...state, disk: { name: 'd1', kind: 'vm' } }, 'disk kind');
    no({ ...state, expiresAt: `2026-11-21T11:00:00.000Z${' '.repeat(20)}` }, 'expiry over 40 characters');
    no({ ...state, rows: 'x' }, 'rows not a list');
    const r0 = state.rows[0];
    assert.equal(isHostMessage({ ...state, rows: [r0, { ...r0, blob: 'vmgs' }, { ...r0, blob: 'vmmd' }], downloads: [state.downloads[0], { ...state.downloads[0], blob: 'vmgs' }, { ...state.downloads[0], blob: 'vmmd' }] }), true, 'three rows and three downloads');
    no({ ...state, rows: [r0, { blob: 'vmgs' }] }, 'one bad row among good ones');
    no({ ...state, rows: [state.rows[0], state.rows[0], state.rows[0], state.rows[0]] }, 'four rows');
    no({ ...state, rows: [{ ...state.rows[0], present: 'yes' }] }, 'present as text');
    no({ ...state, rows: [{ ...state.rows[0], label: 'l'.repeat(101) }] }, 'label of 101');
    no({ ...state, rows: [{ ...state.rows[0], blob: 'os' }] }, 'row blob');
    no({ ...state, rows: [{ ...state.rows[0], maskedUrl: 5 }] }, 'masked url as number');
    no({ ...state, downloads: 'x' }, 'downloads not a list');
    const d = state.downloads[0];
    no({ ...state, downloads: [d, d, d, d] }, 'four downloads');
    no({ ...state, downloads: [{ ...d, blob: 'os' }] }, 'download blob');
    no({ ...state, downloads: [{ ...d, progress: { ...d.progress, bytesDone: -1 } }] }, 'progress');
    no({ ...state, downloads: [{ ...d, progress: 5 }] }, 'progress as number');
    no({ ...state, downloads: [{ ...d, checks: [{ name: 1, passed: true }] }] }, 'checks');
    no({ ...state, downloads: [{ ...d, message: 1 }] }, 'message');
    no({ ...state, downloads: [{ ...d, fileName: 'f'.repeat(301) }] }, 'file name');
    no({ ...state, downloads: [{ ...d, resumed: 'no' }] }, 'resumed');
    assert.equal(isPersistedPageState({ diskId: `/${'a'.repeat(1023)}`, tenantId: 't'.repeat(100) }), true, 'at the limits');
    assert.equal(isPersistedPageState({ diskId: `/${'a'.repeat(1024)}`, tenantId: 't' }), false, 'id of 1025');
    assert.equal(isPersistedPageState({ diskId: '/d', tenantId: 't'.repeat(101) }), false, 'tenant of 101');
    assert.equal(isPersistedPageState({ diskId: '/d' }), false, 'no tenant');
    assert.equal(isPersistedPageState([]), false);
});

test('rejected messages: a plain type is named, anything else only by its shape', () => {
    assert.equal(describeRejected({ type: 'reveal', blob: 'x' }), "message of type 'reveal'");
    assert.equal(describeRejected({ type: 'a'.repeat(30) }), `message of type '${'a'.repeat(30)}'`);
    assert.equal(describeRejected({ type: 'a'.repeat(31) }), 'message (object)');
    assert.equal(describeRejected({ type: 'x1' }), 'message (object)');
    assert.equal(describeRejected({ type: 3 }), 'message (object)');
    assert.equal(describeRejected([1]), 'message (array)');
    assert.equal(describeRejected(null), 'message (object)');
    assert.equal(describeRejected(undefined), 'message (undefined)');
});
