/**
 * Nested work keeps its own record: a grant or revoke run inside a copy (or a download) gets a
 * child context, so the copy's event still names the source after its nested grants of the
 * target, and each nested action is sent as an event of its own naming its parent command.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { nested, newActionContext } from '../../src/platform/actionContext';
import { UserCancelledError } from '../../src/shared/cancel';

type Sent = { name: string; properties: Record<string, string>; measurements: Record<string, number> };

function copyContext(): { actx: ReturnType<typeof newActionContext>; sent: Sent[] } {
    const sent: Sent[] = [];
    const actx = newActionContext('azureDisks.copyTo', (name, properties, measurements) => sent.push({ name, properties, measurements }));
    return { actx, sent };
}

/** What the grant feature writes on the context it runs under (see features/grant/grantAccess.ts). */
async function grantLike(c: ReturnType<typeof newActionContext>, diskHash: string, state: string): Promise<string> {
    c.telemetry.properties.diskIdHash = diskHash;
    c.telemetry.properties.diskState = state;
    c.errorContext = { operation: 'grant', diskName: `disk-${diskHash}` };
    c.telemetry.measurements.blobCount = 1;
    return 'granted';
}

test('a copy keeps the source\'s properties after its nested grants and revokes', async () => {
    const { actx, sent } = copyContext();
    actx.telemetry.properties.diskIdHash = 'source-hash';
    actx.telemetry.properties.kind = 'disk';
    actx.errorContext = { diskName: 'source' };
    assert.equal(await nested(actx, 'grantAccess', (c) => grantLike(c, 'source-hash', 'Unattached')), 'granted');
    await nested(actx, 'grantAccess', (c) => grantLike(c, 'target-hash', 'ReadyToUpload'));
    await nested(actx, 'revokeAccess', async (c) => {
        c.telemetry.properties.diskIdHash = 'target-hash';
    });
    assert.equal(actx.telemetry.properties.diskIdHash, 'source-hash', 'the copy\'s event names the source');
    assert.equal(actx.telemetry.properties.diskState, undefined, 'no nested property leaked into the copy\'s');
    assert.equal(actx.telemetry.measurements.blobCount, undefined);
    assert.deepEqual(actx.errorContext, { diskName: 'source' }, 'error words still name the source');
    assert.deepEqual(sent.map((e) => [e.name, e.properties.diskIdHash, e.properties.parent, e.properties.result]), [
        ['grantAccess', 'source-hash', 'azureDisks.copyTo', 'Succeeded'],
        ['grantAccess', 'target-hash', 'azureDisks.copyTo', 'Succeeded'],
        ['revokeAccess', 'target-hash', 'azureDisks.copyTo', 'Succeeded'],
    ]);
    assert.ok(sent.every((e) => typeof e.measurements.duration === 'number'));
});

test('a nested failure is recorded as Failed and passes to the caller; a cancel as Canceled', async () => {
    const { actx, sent } = copyContext();
    await assert.rejects(nested(actx, 'grantAccess', async () => { throw new Error('409 Conflict'); }), /409/);
    await assert.rejects(nested(actx, 'grantAccess', async () => { throw new UserCancelledError(); }), UserCancelledError);
    assert.deepEqual(sent.map((e) => e.properties.result), ['Failed', 'Canceled']);
});

test('deeper nesting names the command the user ran', async () => {
    const { actx, sent } = copyContext();
    await nested(actx, 'exportSnapshot', (c) => nested(c, 'download', (d) => nested(d, 'grantAccess', async (g) => { g.telemetry.properties.kind = 'snapshot'; })));
    assert.deepEqual(sent.map((e) => [e.name, e.properties.parent]), [['grantAccess', 'azureDisks.copyTo'], ['download', 'azureDisks.copyTo'], ['exportSnapshot', 'azureDisks.copyTo']]);
    assert.equal(actx.telemetry.properties.kind, undefined);
});
