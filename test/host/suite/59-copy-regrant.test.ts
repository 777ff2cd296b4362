/**
 * Copy to… on the one blob layer: a SAS of either side that expires mid-copy is granted again and
 * the copy finishes byte for byte; a source protected by Entra ID is copied server-side with its
 * token (Put Page From URL from such a source is refused without x-ms-copy-source-authorization).
 * Runs after 58-entra: its Entra copy leaves a disk token of an hour in the sign-in's session,
 * and 58-entra needs the token it starts with to expire mid-download.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { DiskInfo } from '../../../src/shared/types';
import type { SeedDisk } from '../../sandbox/types';
import { Cmds, control, findDiskNode, grantWithPreset, poll, scriptedSuite, seedDisk, copyTargetSteps, blobSha256 } from './harness';
import { blobPattern, withSettings } from './faultKit';

const CopyTo = 'azureDisks.copyTo';



/** Page writes the target accepted so far (Put Page From URL or Put Page). */
async function pagesWritten(): Promise<number> {
    return (await control().requestLog()).storage.recent.filter((r) => r.method === 'PUT' && r.status === 201).length;
}

async function assertCopied(made: DiskInfo | undefined, seed: SeedDisk): Promise<void> {
    assert.ok(made, 'the copy made its disk');
    assert.equal(await control().diskState(made.id), 'Unattached', 'the target was revoked: usable');
    const g = await grantWithPreset(made, { access: 'Read', durationInSeconds: 3600 });
    assert.equal(await blobSha256(g.urls.disk!), seed.blobs.disk.sha256, 'the copy is byte for byte the source');
    await vscode.commands.executeCommand(Cmds.RevokeAccess, made);
}

describe('Copy to… when a SAS expires, and from an Entra-protected disk', () => {
    const ui = scriptedSuite({ refresh: true });
    afterEach(() => control().reset({}));

    it('the source\'s Read SAS expires mid-copy: asks, grants it again and the copy finishes server-side', async () => {
        const seed = seedDisk('big-data');
        ui.script(...copyTargetSteps(seed.subscriptionId, 'rg-data', 'big-data-copy1'), { match: 'expired during the copy', answer: { button: 'Grant again' } });
        // Page writes to the target are slowed (a delayed request is not checked for its SAS, the
        // target's is not what this test expires), so the copy is surely under way when the source's SAS ends.
        await control().storageFault({ method: 'PUT', action: 'delay', delayMs: 800, count: 1000 });
        await control().clearLog();
        const made = await withSettings({ 'download.onSasExpired': 'ask' }, async () => {
            const run = vscode.commands.executeCommand<DiskInfo | undefined>(CopyTo, await findDiskNode(seed));
            await poll('some ranges copied', async () => ((await pagesWritten()) >= 4 ? true : undefined), 60_000);
            await control().expireSas(seed.id);
            return run;
        });
        assert.ok(ui.prompts.some((p) => /expired during the copy/.test(p.text)), 'the user was asked before granting again');
        await poll('the "copied" toast', () => ui.toasts.find((t) => /Copied and verified big-data to big-data-copy1 .*server-side \(Put Page From URL\)/.test(t.message)));
        assert.deepEqual(ui.toasts.filter((t) => t.kind === 'error'), []);
        assert.equal(await control().diskState(seed.id), 'Unattached', 'the source ends without SAS');
        await assertCopied(made, seed);
    });

    it('the target\'s Write SAS expires mid-copy: a new one is granted without a revoke and the copy finishes', async () => {
        const seed = seedDisk('big-data');
        ui.script(...copyTargetSteps(seed.subscriptionId, 'rg-data', 'big-data-copy2'));
        // The source's reads are slowed this time (the sandbox's Put Page From URL reads through the proxy).
        await control().storageFault({ blob: blobPattern(seed.blobs.disk), method: 'GET', rangedOnly: true, action: 'delay', delayMs: 800, count: 1000 });
        await control().clearLog();
        const run = vscode.commands.executeCommand<DiskInfo | undefined>(CopyTo, await findDiskNode(seed));
        await poll('some ranges copied', async () => ((await pagesWritten()) >= 4 ? true : undefined), 60_000);
        const targetId = seed.id.replace(/\/disks\/big-data$/, '/disks/big-data-copy2');
        await control().expireSas(targetId);
        const made = await run;
        const refused = (await control().requestLog()).storage.recent.filter((r) => r.method === 'PUT' && r.status === 403).length;
        assert.ok(refused >= 1, 'the target refused the expired SAS at least once');
        await poll('the "copied" toast', () => ui.toasts.find((t) => /Copied and verified big-data to big-data-copy2/.test(t.message)));
        assert.deepEqual(ui.toasts.filter((t) => t.kind === 'error'), []);
        await assertCopied(made, seed);
    });

    it('an Entra-protected source is copied server-side with its token, byte for byte', async () => {
        const seed = seedDisk('aad-data');
        ui.script(...copyTargetSteps(seed.subscriptionId, 'rg-locked', 'aad-data-copy'));
        await control().clearLog();
        const made = await vscode.commands.executeCommand<DiskInfo | undefined>(CopyTo, await findDiskNode(seed));
        await poll('the "copied" toast', () => ui.toasts.find((t) => /Copied and verified aad-data to aad-data-copy .*server-side \(Put Page From URL\)/.test(t.message)));
        assert.deepEqual(ui.toasts.filter((t) => t.kind === 'error'), []);
        const log = (await control().requestLog()).storage.recent;
        assert.ok(log.some((r) => r.method === 'PUT' && r.status === 201), 'pages were written');
        assert.ok(!log.some((r) => r.method === 'PUT' && (r.status ?? 0) >= 400), 'no Put Page From URL was refused');
        await assertCopied(made, seed);
    });
});
