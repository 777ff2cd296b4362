/** Telemetry, from commands this file runs itself (it does not depend on the suites before it). */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { Cmds, findDiskNode, poll, seedDisk, telemetryEvents, useScriptedInput } from './harness';

describe('Telemetry of the run', () => {
    let since = 0;

    before(async () => {
        since = telemetryEvents().length;
        const { ui, dispose } = await useScriptedInput();
        try {
            await vscode.commands.executeCommand(Cmds.Refresh);
            await vscode.commands.executeCommand(Cmds.ShowLog);
            // A disk attached to a running VM: the grant is refused before any prompt.
            await vscode.commands.executeCommand(Cmds.GrantAccess, await findDiskNode(seedDisk('web-os-01')));
            await poll('the refusal toast', () => ui.toasts.find((t) => t.kind === 'error'));
        } finally {
            dispose();
        }
    });

    const mine = () => telemetryEvents().slice(since);

    it('each command sends one event with its result and duration', () => {
        for (const id of [Cmds.Refresh, Cmds.ShowLog]) {
            const events = mine().filter((e) => e.properties?.command === id);
            assert.equal(events.length, 1, `${id}: one event`);
            assert.equal(events[0].properties?.result, 'Succeeded', id);
            assert.equal(typeof events[0].measurements?.duration, 'number', `${id} has a duration`);
        }
        // And across the whole run: no command event without a result and a duration.
        for (const e of telemetryEvents().filter((x) => x.properties?.command)) {
            assert.match(e.properties!.result, /^(Succeeded|Failed|Canceled)$/, e.properties!.command);
            assert.equal(typeof e.measurements?.duration, 'number', `${e.properties!.command} has a duration`);
        }
    });

    it('the refused grant was reported as Failed with its error code, and without names or ids', () => {
        const failed = mine().filter((e) => e.properties?.command === Cmds.GrantAccess && e.properties.result === 'Failed');
        assert.equal(failed.length, 1, 'one Failed grant event');
        assert.equal(failed[0].properties!.error, 'AttachedToRunningVm');
        const text = JSON.stringify(telemetryEvents());
        assert.doesNotMatch(text, /web-os-01|vm-web-01|rg-web|\/subscriptions\//i, 'no disk, VM, group names or resource ids');
        assert.doesNotMatch(text, /sig=|Bearer /i);
    });
});
