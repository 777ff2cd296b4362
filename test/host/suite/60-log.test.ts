import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import * as fs from 'node:fs';
import { Cmds, control, poll, seedDisk, useScriptedInput } from './harness';
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
