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
            ui.assertDone();
        } finally {
            dispose();
        }
    });
});
