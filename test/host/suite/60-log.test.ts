import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { Cmds, poll, useScriptedInput } from './harness';

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
            const stack = /^\s+at .+:\d+:\d+\)?$/m.exec(text);
            assert.equal(stack, null, `no stack trace in the log for errors the user can act on: ${stack?.[0]}`);
            ui.assertDone();
        } finally {
            dispose();
        }
    });
});
