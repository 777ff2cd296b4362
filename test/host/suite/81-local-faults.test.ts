/**
 * Local faults (a full disk, a folder that cannot be written), disks left in ActiveSAS when the
 * tree loads, and the access panel's webview options.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { panelOptions, renderHtml, webviewRoots } from '../../../src/features/access/html';
import { Cmds, control, findDiskNode, getApi, poll, sandbox, seedDisk } from './harness';
import { assertExactCopy, diskState, downloadSuite, filesOf, grantThenDownload, revokeIfActive } from './faultKit';

const isRoot = process.getuid?.() === 0;

function run(cmd: string, ...args: string[]): void {
    execFileSync(cmd, args, { stdio: 'pipe' });
}

describe('Local faults, disks left in ActiveSAS, webview options', () => {
    const ui = downloadSuite({ refresh: true });

    it('a full disk stops the download cleanly, says how much space is needed, and with room again it completes', async () => {
        const seed = seedDisk('web-logs');
        const f = filesOf(seed);
        fs.mkdirSync(f.folder, { recursive: true });
        // A 1 MiB file system for a disk with 4 MiB of data.
        run('mount', '-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', f.folder);
        try {
            await grantThenDownload(seed);
            assert.ok(!fs.existsSync(f.final), 'no file claims to be complete');
            const err = ui.toasts.find((t) => t.kind === 'error');
            assert.match(err?.message ?? '', /Not enough free space in .*web-logs.* About \d+(\.\d+)? [KMG]i?B more free space is needed\..*resume/);
            run('mount', '-o', 'remount,size=128m', f.folder);
            await vscode.commands.executeCommand(Cmds.Download, await findDiskNode(seed), { blobs: ['disk'] });
            await assertExactCopy(f.final, seed.blobs.disk);
        } finally {
            run('umount', f.folder);
            await revokeIfActive(seed);
        }
    });

    it('a folder that cannot be written: plain words about permissions, no file claims to be complete', async () => {
        const seed = seedDisk('web-logs');
        const f = filesOf(seed);
        fs.mkdirSync(f.folder, { recursive: true });
        // root ignores mode bits; the immutable flag stops root too.
        if (isRoot) run('chattr', '+i', f.folder);
        else fs.chmodSync(f.folder, 0o555);
        try {
            await grantThenDownload(seed);
            const err = ui.toasts.find((t) => t.kind === 'error');
            assert.match(err?.message ?? '', /Cannot write to .*web-logs: permission denied\. Choose a folder you can write to/);
            assert.ok(!fs.existsSync(f.final));
        } finally {
            if (isRoot) run('chattr', '-i', f.folder);
            else fs.chmodSync(f.folder, 0o755);
            await revokeIfActive(seed);
        }
    });

    it('a disk left in ActiveSAS by another tool is marked in the tree and Revoke is offered', async () => {
        const seed = seedDisk('web-os-02');
        const { info } = sandbox();
        const token = (await control().token({ tenantId: seed.tenantId })).accessToken;
        const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
        const res = await fetch(`${info.armEndpoint}${seed.id}/beginGetAccess?api-version=2025-01-02`, { method: 'POST', headers, body: JSON.stringify({ access: 'Read', durationInSeconds: 600 }) });
        assert.equal(res.status, 202);
        const location = res.headers.get('location')!;
        await poll('the out-of-band grant to finish', async () => (await fetch(location, { headers })).status === 200 || undefined);
        assert.equal(await diskState(seed), 'ActiveSAS');

        // This window did not grant it: Revoke asks first, naming what may be using it.
        ui.script({ match: /Disk "web-os-02" has an active SAS/, answer: { button: 'Revoke' } }, { match: /did not grant this access.*AzCopy/, answer: { button: 'Revoke' } });
        await vscode.commands.executeCommand(Cmds.Refresh);
        const node = await findDiskNode(seed);
        const item = (await getApi()).treeDataProvider.getTreeItem(node) as vscode.TreeItem;
        assert.match(String(item.description ?? ''), /ActiveSAS/);
        assert.match(String(item.contextValue ?? ''), /canRevoke/);
        await poll('the offered revoke to end the SAS', async () => (await diskState(seed)) === 'Reserved' || undefined);
    });

    it("the access panel's webview loads only its own built folder and media/, under a strict CSP with a nonce", async () => {
        const ext = vscode.extensions.getExtension('azure-disks-tools.azure-managed-disks')!;
        const roots = webviewRoots(ext.extensionUri).map((u) => u.path);
        assert.deepEqual(roots, [`${ext.extensionUri.path}/dist/webview`, `${ext.extensionUri.path}/media`]);
        const opts = panelOptions(ext.extensionUri);
        assert.equal(opts.localResourceRoots?.length, 2);
        assert.ok(!opts.enableCommandUris, 'no command links');
        const fake = { cspSource: 'https://webview.test', asWebviewUri: (u: vscode.Uri) => u } as unknown as vscode.Webview;
        const a = renderHtml(fake, ext.extensionUri, 'x');
        const b = renderHtml(fake, ext.extensionUri, 'x');
        const csp = (/http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(a)?.[1] ?? '').replace(/&#39;/g, "'");
        assert.match(csp, /default-src 'none'/);
        const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
        assert.ok(nonce && nonce.length >= 16, 'a script nonce');
        assert.ok(a.includes(`nonce="${nonce}"`), 'the script carries the nonce');
        assert.notEqual(nonce, /script-src 'nonce-([^']+)'/.exec(b)?.[1], 'a fresh nonce per load');
        assert.ok(!/\son[a-z]+=|unsafe-inline|unsafe-eval/i.test(a), 'no inline handlers or unsafe sources');
    });

    it('Sign In with a malformed custom-cloud URL says which setting is wrong, without a stack trace', async () => {
        const cfg = () => vscode.workspace.getConfiguration('azureDisks');
        const good = cfg().inspect<Record<string, string>>('customCloud')?.workspaceValue;
        assert.ok(good, 'the sandbox cloud is set in the workspace');
        await cfg().update('customCloud', { ...good, resourceManagerEndpoint: 'https//not a url' }, vscode.ConfigurationTarget.Workspace);
        try {
            await vscode.commands.executeCommand(Cmds.SignIn);
            const err = ui.toasts.find((t) => t.kind === 'error');
            assert.match(err?.message ?? '', /azureDisks\.customCloud.*resourceManagerEndpoint.*not a valid URL.*Fix the setting/s);
            assert.ok(!/\n\s+at /.test(err?.message ?? ''), 'no stack trace');
        } finally {
            await cfg().update('customCloud', good, vscode.ConfigurationTarget.Workspace);
        }
        await vscode.commands.executeCommand(Cmds.SignIn);
        assert.ok((await findDiskNode(seedDisk('web-logs'))).disk, 'signed in again once the setting is fixed');
    });
});
