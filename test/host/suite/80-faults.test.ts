/**
 * Faults during a download, through the extension's download layer and the sandbox's storage
 * proxy: every run ends with a byte-exact file, or a resumable partial and a clear message, and no
 * disk is left in ActiveSAS against the user's settings. Runs inside the host run the secrets scan covers.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { Cmds, control, getApi, poll, seedDisk, telemetryEvents } from './harness';
import { assertExactCopy, blobPath, blobPattern, diskState, downloadAgain, downloadSuite, faultsServed, filesOf, grantThenDownload, revokeIfActive, waitForPartial, withSettings } from './faultKit';

describe('Faults during a download', () => {
    const ui = downloadSuite({ refresh: true, beforeEach: () => control().reset(), afterEach: () => control().reset() });

    it('storage resets mid-body, truncates, answers 500/503 and is slow: the file is still byte-exact', async () => {
        const seed = seedDisk('web-logs');
        const blob = seed.blobs.disk;
        const c = control();
        await c.storageFault({ blob: blobPattern(blob), rangedOnly: true, action: 'reset', afterBytes: 64 * 1024, count: 2 });
        await c.storageFault({ blob: blobPattern(blob), rangedOnly: true, action: 'truncate', afterBytes: 1000, count: 2 });
        await c.storageFault({ blob: blobPattern(blob), rangedOnly: true, action: 'status', status: 503, code: 'ServerBusy', count: 1 });
        await c.storageFault({ blob: blobPattern(blob), rangedOnly: true, action: 'status', status: 500, code: 'InternalError', count: 1 });
        // A slow link: several seconds before the first byte must not count as a dead connection.
        await c.storageFault({ blob: blobPattern(blob), rangedOnly: true, action: 'delay', delayMs: 4000, count: 1 });
        await grantThenDownload(seed);
        await assertExactCopy(filesOf(seed).final, blob);
        assert.ok(!fs.existsSync(filesOf(seed).partial), 'no partial left beside the finished file');
        const served = await faultsServed(blob);
        assert.equal(served.length, 7, `every injected fault was met (${served.join(', ')})`);
        assert.ok(ui.toasts.some((t) => /Downloaded and verified/.test(t.message)));
        assert.deepEqual(ui.toasts.filter((t) => t.kind === 'error'), []);
        await revokeIfActive(seed);
    });

    it('the SAS expires mid-download (403 AuthenticationFailed): asks, grants again and continues to a byte-exact file', async () => {
        const seed = seedDisk('data_disk.v2-(old)');
        const blob = seed.blobs.disk;
        await control().storageFault({ blob: blobPattern(blob), rangedOnly: true, action: 'status', status: 403, code: 'AuthenticationFailed', message: 'Signature not valid in the specified time frame', count: 1 });
        const before = (await control().issuedSecrets()).sasSignatures.length;
        ui.script({ match: 'expired during the download', answer: { button: 'Grant again' } });
        await withSettings({ 'download.onSasExpired': 'ask' }, () => grantThenDownload(seed));
        await assertExactCopy(filesOf(seed).final, blob);
        assert.equal((await faultsServed(blob)).length, 1);
        assert.ok((await control().issuedSecrets()).sasSignatures.length >= before + 2, 'a second SAS was granted');
        assert.deepEqual(ui.toasts.filter((t) => t.kind === 'error'), []);
        await revokeIfActive(seed);
    });

    it('with onSasExpired = regrant an expired SAS is renewed without asking', async () => {
        const seed = seedDisk('web-logs');
        const blob = seed.blobs.disk;
        await control().storageFault({ blob: blobPattern(blob), rangedOnly: true, action: 'status', status: 403, code: 'AuthenticationFailed', count: 1 });
        await withSettings({ 'download.onSasExpired': 'regrant' }, () => grantThenDownload(seed));
        await assertExactCopy(filesOf(seed).final, blob);
        assert.ok(!ui.prompts.some((p) => /expired/.test(p.text)), 'no question asked');
        await revokeIfActive(seed);
    });

    it('declining to grant again after the SAS expired keeps a resumable partial and says so; Download again resumes it', async () => {
        const seed = seedDisk('big-data');
        const blob = seed.blobs.disk;
        // One range at a time, and six of them through first: the SAS "expires" mid-download.
        await control().storageFault({ blob: blobPattern(blob), rangedOnly: true, action: 'delay', delayMs: 1, count: 6 });
        await control().storageFault({ blob: blobPattern(blob), rangedOnly: true, action: 'status', status: 403, code: 'AuthenticationFailed', count: 1 });
        ui.script({ match: 'expired during the download', answer: 'dismiss' });
        await withSettings({ 'download.onSasExpired': 'ask', 'download.revokeOnCancel': 'always', 'download.concurrency': 1 }, () => grantThenDownload(seed));
        const f = filesOf(seed);
        assert.ok(!fs.existsSync(f.final), 'no file claims to be complete');
        assert.ok(fs.existsSync(f.partial) && fs.existsSync(f.journal), 'partial and journal kept');
        const err = ui.toasts.find((t) => t.kind === 'error');
        assert.match(err?.message ?? '', /expired before the download finished.*run Download again to resume/);
        assert.equal(await diskState(seed), 'Unattached', 'revoked per revokeOnCancel = always');
        // The failure's own code reaches telemetry, not "Unknown".
        const event = [...telemetryEvents()].reverse().find((e) => e.properties?.command === Cmds.Download);
        assert.equal(event?.properties?.result, 'Failed');
        assert.equal(event?.properties?.error, 'SasExpired');

        await downloadAgain(ui, seed);
        await assertExactCopy(f.final, blob);
        const fetched = (await control().requestLog()).storage.byPath[blobPath(blob)]?.bytes ?? 0;
        assert.ok(fetched < blob.writtenBytes, `the second run fetched ${fetched} of ${blob.writtenBytes} written bytes: it resumed`);
        await revokeIfActive(seed);
    });

    it('Cancel keeps the partial, offers to revoke (revokeOnCancel = ask), and Download again resumes to a byte-exact file', async () => {
        const seed = seedDisk('big-data');
        const blob = seed.blobs.disk;
        await control().storageFault({ blob: blobPattern(blob), rangedOnly: true, action: 'delay', delayMs: 300, count: 100_000 });
        ui.script({ match: 'was cancelled. Revoke access now', answer: { button: 'Revoke access' } });
        const run = withSettings({ 'download.revokeOnCancel': 'ask' }, () => grantThenDownload(seed));
        await waitForPartial(seed);
        const api = await getApi();
        assert.equal(api.testing.cancelDownloads(seed.id), true, 'a download was running');
        await run;
        const f = filesOf(seed);
        assert.ok(!fs.existsSync(f.final), 'no file claims to be complete');
        assert.ok(fs.existsSync(f.partial) && fs.existsSync(f.journal), 'partial and journal kept');
        const notice = ui.toasts.find((t) => /cancelled\. The partial file is kept/.test(t.message));
        assert.ok(notice, 'the cancel is told');
        assert.equal(notice.closed, false, 'the cancelled notice stays until something supersedes it');
        assert.equal(await diskState(seed), 'Unattached', 'access revoked after the cancel');

        await downloadAgain(ui, seed);
        await assertExactCopy(f.final, blob);
        assert.equal(notice.closed, true, 'the resumed download closed the stale "cancelled" notice');
        await revokeIfActive(seed);
    });

    it('a download that fails (the blob is gone) keeps no complete file and revokes per revokeOnCancel = always', async () => {
        const seed = seedDisk('tl-os');
        const blob = seed.blobs.disk;
        await control().storageFault({ blob: blobPattern(blob), rangedOnly: true, action: 'status', status: 404, code: 'BlobNotFound', count: 100 });
        await withSettings({ 'download.revokeOnCancel': 'always' }, () => grantThenDownload(seed));
        assert.ok(!fs.existsSync(filesOf(seed).final), 'no file claims to be complete');
        const err = ui.toasts.find((t) => t.kind === 'error');
        assert.match(err?.message ?? '', /tl-os/);
        assert.ok(!/sig=/.test(err?.message ?? ''));
        assert.equal(await diskState(seed), 'Unattached', 'access revoked after the failure');
    });

    it('a window reload mid-download: on return Resume is offered and finishes the file from the partial', async () => {
        const seed = seedDisk('big-data');
        const blob = seed.blobs.disk;
        const api = await getApi();
        await control().storageFault({ blob: blobPattern(blob), rangedOnly: true, action: 'delay', delayMs: 300, count: 100_000 });
        const run = grantThenDownload(seed);
        await waitForPartial(seed, 4 * 1024 * 1024);
        api.testing.closeWindow();
        await run;
        const f = filesOf(seed);
        assert.ok(!fs.existsSync(f.final) && fs.existsSync(f.journal), 'the partial is kept, nothing claims to be complete');
        assert.equal(await diskState(seed), 'ActiveSAS', 'closing the window does not revoke');

        await control().reset();
        await control().clearLog();
        ui.script({ match: /Resume download of big-data/, answer: { button: 'Resume' } });
        api.testing.reopenWindow();
        await poll('the resumed download to verify', () => ui.toasts.find((t) => /Downloaded and verified big-data/.test(t.message)), 120_000);
        await assertExactCopy(f.final, blob);
        const fetched = (await control().requestLog()).storage.byPath[blobPath(blob)]?.bytes ?? 0;
        assert.ok(fetched < blob.writtenBytes, `the resumed run fetched ${fetched} of ${blob.writtenBytes} written bytes: it did not start over`);
        await revokeIfActive(seed);
    });
});
