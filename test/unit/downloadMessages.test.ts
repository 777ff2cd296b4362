import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { checksSummary } from '../../src/shared/checks';
import { describeFailure } from '../../src/features/download/messages';
import { TransferError } from '../../src/transfer/core/types';

const ctx = { diskName: 'd1', folder: '/ws/disks/d1' };

test('disk full says how much is needed and that the download can resume', () => {
    const f = describeFailure(new TransferError('DiskFull', 'x', 3 * 1024 ** 3), ctx);
    assert.equal(f.code, 'DiskFull');
    assert.match(f.message, /3\.0 GiB more/);
    assert.match(f.message, /resume/);
    const errno = Object.assign(new Error('ENOSPC: no space left'), { code: 'ENOSPC' });
    assert.equal(describeFailure(errno, ctx).code, 'DiskFull');
});

test('permission denied is in plain words', () => {
    const f = describeFailure(Object.assign(new Error('EACCES: open /x'), { code: 'EACCES' }), ctx);
    assert.equal(f.code, 'PermissionDenied');
    assert.match(f.message, /permission denied/);
});

test('no SAS ever reaches the message', () => {
    const secret = 'SeCrEtSiGnAtUrE';
    for (const code of ['Network', 'Server', 'Forbidden', 'VerificationFailed', 'BlobChanged', 'InsecureUrl', 'Other'] as const) {
        const e = code === 'Other' ? new Error(`GET https://h/c/b?sv=1&sig=${secret} failed`) : new TransferError(code as never, `GET https://h/c/b?sv=1&sig=${secret} failed`);
        const f = describeFailure(e, ctx);
        assert.ok(!f.message.includes(secret), `${code}: ${f.message}`);
    }
});

test('checks summary lists passed checks once', () => {
    assert.equal(checksSummary([{ name: 'size', passed: true }, { name: 'vhd-footer', passed: true }, { name: 'range-md5', passed: false }]), 'size, VHD footer');
});
