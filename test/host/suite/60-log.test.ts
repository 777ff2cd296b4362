import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import * as fs from 'node:fs';
import type { DiskInfo } from '../../../src/shared/types';
import { activateOnly, addAccount, Cmds, control, copyTargetSteps, findDiskNode, poll, sandbox, scriptedSuite, seedDisk, signOutOfVsCode, typeTheName, useScriptedInput } from './harness';
import { disksDir, grantThenDownload, withSettings } from './faultKit';

/** The Output view's document of the extension's log channel (Show Log opens it). */
async function logDocument(): Promise<vscode.TextDocument> {
    await vscode.commands.executeCommand(Cmds.ShowLog);
    return poll('the log channel in the Output view', () =>
        vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'output' && /Azure.*Disks/i.test(d.uri.path + d.uri.fragment + d.fileName)),
    );
}

describe('Show Log', () => {
    it("opens the extension's log channel, which holds the run's commands", async () => {
        const { ui, dispose } = await useScriptedInput();
        try {
            await vscode.commands.executeCommand('workbench.action.closePanel');
            await vscode.commands.executeCommand(Cmds.ShowLog);
            // The Output view shows the channel as a document with the output scheme.
            const doc = await poll('the log channel in the Output view', () =>
                vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'output' && /Azure.*Disks/i.test(d.uri.path + d.uri.fragment + d.fileName)),
            );
            // The channel's text reaches the document asynchronously.
            await poll('lines in the log channel', () => /activated/.test(doc.getText()) || undefined, 10_000);
            // The refused grant of an attached disk (30-grant) is logged in plain words, without a stack.
            const text = await poll('a refused command in the log', () => (/azureDisks\.grantAccess failed \(/.test(doc.getText()) ? doc.getText() : undefined), 10_000);
            // Extension tests get no workbench dialogs: VS Code's refusal to show its sign-in prompt
            // (05-signin) is an error of the test setup, logged with its stack as unexpected errors are.
            const own = text.replace(/^.*DialogService: refused to show dialog in tests.*\n(?:\s+at .+\n?)*/gm, '');
            const stack = /^\s+at .+:\d+:\d+\)?$/m.exec(own);
            assert.equal(stack, null, `no stack trace in the log for errors the user can act on: ${stack?.[0]}`);
            ui.assertDone();
        } finally {
            dispose();
        }
    });

    it('logs a download (start, plan, outcome with checks, duration and throughput) and each revoke once, never a SAS', async () => {
        const { ui, dispose } = await useScriptedInput();
        try {
            fs.rmSync(disksDir(), { recursive: true, force: true });
            const seed = seedDisk('web-data-01');
            const doc = await logDocument();
            const before = doc.getText().length;
            await withSettings({ 'download.revokeAfterDownload': 'always' }, () => grantThenDownload(seed));
            assert.equal(await control().diskState(seed.id), 'Unattached', 'the revoke ran');
            const name = seed.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
            const lines = await poll(
                'the download and the revoke in the log',
                () => {
                    const t = doc.getText().slice(before);
                    return new RegExp(`Revoked access to disk ${name}`).test(t) && /done in/.test(t) ? t : undefined;
                },
                10_000,
            );
            assert.match(lines, new RegExp(`Download of ${name} \\(Disk\\) started: to .+${name}\\.vhd, \\d+ connections\\.`));
            assert.match(lines, new RegExp(`Download of ${name} \\(Disk\\): [\\d.]+ (B|KiB|MiB|GiB) to fetch \\(written data\\) of [\\d.]+ (MiB|GiB)`));
            assert.match(lines, new RegExp(`Download of ${name} \\(Disk\\) done in .+: [\\d.]+ (B|KiB|MiB|GiB) fetched at [\\d.]+ (KiB|MiB|GiB)/s.*checks passed: .*range MD5`));
            const revokes = lines.match(new RegExp(`Revoked access to disk ${name}\\b`, 'g')) ?? [];
            assert.equal(revokes.length, 1, `one revoke, one line:\n${lines}`);
            assert.doesNotMatch(lines, /sig=(?!\*\*\*)/, 'no signature in the log');
            ui.assertDone();
        } finally {
            dispose();
        }
    });
});

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The log's text from `from` on, once `ready` holds for it. */
async function logSince(doc: vscode.TextDocument, from: number, what: string, ready: (text: string) => boolean): Promise<string> {
    return poll(what, () => {
        const t = doc.getText().slice(from);
        return ready(t) ? t : undefined;
    }, 15_000);
}

describe('The log says each thing once, and correctly', () => {
    const ui = scriptedSuite({ refresh: true });

    it('a tenant the account has not signed in to is said once, as needing its own sign-in, not as a failure of every refresh', async () => {
        const { info } = sandbox();
        const other = info.tenants.find((t) => t.tenantId !== info.tenantId)!;
        const doc = await logDocument();
        // Signed in to the home tenant only (VS Code's Accounts menu), as a user who never chose "Sign in to" the other.
        await signOutOfVsCode();
        await addAccount();
        const from = doc.getText().length;
        try {
            const a = await activateOnly();
            for (let i = 0; i < 3; i++) {
                await vscode.commands.executeCommand(Cmds.Refresh);
                await a.treeDataProvider.getChildren(undefined);
            }
            const text = await logSince(doc, from, 'the other tenant in the log', (t) => t.includes(other.tenantId));
            await new Promise((r) => setTimeout(r, 500)); // lines of the last refresh still on their way
            const lines = doc.getText().slice(from).split('\n').filter((l) => l.includes(other.tenantId));
            assert.equal(lines.length, 1, `said once in three refreshes:\n${lines.join('\n')}`);
            assert.match(lines[0], /needs its own sign-in/);
            assert.match(lines[0], new RegExp(`Sign in to ${esc(other.displayName)}`));
            assert.doesNotMatch(text, /Not signed in to Azure/, 'not "not signed in": the user is signed in');
        } finally {
            await addAccount(other.tenantId);
        }
    });

    it('Sign In and Switch Account are logged; Switch Account with one account says there is no other', async () => {
        const doc = await logDocument();
        const from = doc.getText().length;
        await vscode.commands.executeCommand('azureDisks.signOut');
        await vscode.commands.executeCommand(Cmds.SignIn);
        await vscode.commands.executeCommand('azureDisks.switchAccount');
        const only = ui.toasts.find((t) => /only Microsoft account signed in to VS Code/.test(t.message));
        assert.ok(only, `Switch Account said why nothing changes: ${ui.toasts.map((t) => t.message).join(' | ')}`);
        assert.match(only.message, /sandbox\.user@contoso-sandbox\.example/);
        assert.match(only.message, /Accounts menu/, 'and how to add another');
        const text = await logSince(doc, from, 'the switch in the log', (t) => /Switch Account:/.test(t));
        assert.match(text, /Signed out sandbox\.user@contoso-sandbox\.example \(vscode\)/);
        assert.match(text, /Signed in as sandbox\.user@contoso-sandbox\.example \(vscode\)\./);
        assert.match(text, /Switch Account: sandbox\.user@contoso-sandbox\.example is the only account/);
    });

    it('a copy is logged (path, bytes of each blob, checks); its deletion once', async () => {
        const seed = seedDisk('web-data-01');
        const name = 'web-data-01-logged';
        const doc = await logDocument();
        const from = doc.getText().length;
        ui.script(...copyTargetSteps(seed.subscriptionId, seed.resourceGroup, name), { match: new RegExp(`Delete the disk ${name}`), answer: typeTheName });
        const made = await vscode.commands.executeCommand<DiskInfo | undefined>('azureDisks.copyTo', await findDiskNode(seed));
        assert.ok(made, `copied: ${ui.toasts.map((t) => t.message).join(' | ')}`);
        assert.equal(await vscode.commands.executeCommand('azureDisks.deleteDisk', made), true);
        const text = await logSince(doc, from, 'the copy and the deletion in the log', (t) => new RegExp(`Deleted disk ${name}\\b`).test(t) && /done in/.test(t));
        const what = `Copy of ${esc(seed.name)} \\(${esc(seed.resourceGroup)}\\) to ${esc(name)} \\(${esc(seed.resourceGroup)}\\)`;
        assert.match(text, new RegExp(`${what} started: disk, server-side \\(Put Page From URL\\) where the service allows it`));
        assert.match(text, new RegExp(`${what} done in .+, server-side \\(Put Page From URL\\): disk [\\d.]+ (KiB|MiB|GiB): [\\d.]+ (B|KiB|MiB|GiB) server-side, 0 B streamed, \\d+ requests.*; checks passed: page ranges, sampled MD5\\.`));
        const deleted = text.match(new RegExp(`Deleted disk ${esc(name)}\\b`, 'g')) ?? [];
        assert.equal(deleted.length, 1, `one deletion, one line:\n${text}`);
        assert.doesNotMatch(text, /sig=(?!\*\*\*)/, 'no signature in the log');
    });
});
