import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { control, diskTokensIssued, poll, seedDisk } from './harness';
import { assertExactCopy, blobPattern, diskState, downloadSuite, filesOf, grantThenDownload, withSettings } from './faultKit';



/** No prompts at the end of a run: revoke after success and after failure. */
const noPrompts = { 'download.revokeAfterDownload': 'always', 'download.revokeOnCancel': 'always' };

describe('Entra-ID-protected and private disks', () => {
    const ui = downloadSuite({
        afterEach: async () => {
            await control().reset({ state: true });
            await control().setTokenLifetime(3600);
            await control().diskDataRole({ granted: true });
        },
    });

    it('downloads an Entra-protected disk byte-exact while its tokens expire mid-way', async () => {
        const seed = seedDisk('aad-data');
        const before = await diskTokensIssued();
        // Tokens live 6 s. The first request (HEAD) is held 7 s by the proxy (a faulted request skips
        // the token check), so every request after it needs a token newer than the one the run began with.
        await control().setTokenLifetime(6);
        await control().storageFault({ blob: blobPattern(seed.blobs.disk), method: 'HEAD', action: 'delay', delayMs: 7000, count: 1 });
        await withSettings(noPrompts, () => grantThenDownload(seed));
        await poll('the "verified" toast', () => ui.toasts.find((t) => /Downloaded and verified/.test(t.message)), 90_000);
        assert.deepEqual(ui.toasts.filter((t) => t.kind === 'error').map((t) => t.message), []);
        await assertExactCopy(filesOf(seed).final, seed.blobs.disk);
        const used = (await diskTokensIssued()) - before;
        assert.ok(used >= 2, `the token was renewed during the run (${used} disk tokens issued)`);
        assert.equal(await diskState(seed), 'Unattached', 'revoked after the download');
    });

    it('a missing "Data Operator for Managed Disks" role ends in plain words naming the role and how to get it', async () => {
        const seed = seedDisk('aad-data');
        await control().diskDataRole({ granted: false });
        await withSettings(noPrompts, () => grantThenDownload(seed)).catch(() => undefined);
        const err = await poll('the error toast', () => ui.toasts.find((t) => t.kind === 'error'));
        assert.match(err.message, /protected by Entra ID/);
        assert.match(err.message, /"Data Operator for Managed Disks"/);
        assert.match(err.message, /Add role assignment|az role assignment create/);
        assert.doesNotMatch(err.message, /\b403\b|AuthorizationPermissionMismatch/, 'no raw status');
        assert.equal(await diskState(seed), 'Unattached', 'access revoked after the failure');
    });

    it('a private-only disk is explained before the grant and when its blob requests are refused', async () => {
        const seed = seedDisk('private-data');
        await withSettings(noPrompts, () => grantThenDownload(seed)).catch(() => undefined);
        const err = await poll('the error toast', () => ui.toasts.find((t) => t.kind === 'error'));
        assert.match(err.message, /only through a private endpoint \(network access policy AllowPrivate\)/);
        assert.match(err.message, /virtual network|allow public access/);
        assert.doesNotMatch(err.message, /\b403\b|AuthorizationFailure/, 'no raw status');
        const before = ui.toasts.find((t) => t.kind === 'info' && /private endpoint/.test(t.message));
        assert.ok(before, 'told before granting');
        assert.ok(ui.toasts.indexOf(before) < ui.toasts.indexOf(err), 'the note came first');
    });

    it('marks Entra-protected and private disks in the tree', async () => {
        const api = await (await import('./harness')).getApi();
        const { findDiskNode } = await import('./harness');
        for (const [name, token, text] of [['aad-data', 'entra', /Entra ID/], ['private-data', 'private', /Private only/], ['denyall-data', 'private', /No network access/]] as const) {
            const node = await findDiskNode(seedDisk(name));
            const item = api.treeDataProvider.getTreeItem(node) as vscode.TreeItem;
            assert.match(String(item.contextValue), new RegExp(`;${token};`), `${name} contextValue`);
            assert.match(String(item.description), text, `${name} description`);
        }
    });
});
