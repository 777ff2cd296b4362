import * as assert from 'node:assert/strict';
import { Cmds, telemetryEvents } from './harness';

describe('Telemetry of the run', () => {
    it('every command the suite ran sent one event with its result and duration', () => {
        const events = telemetryEvents();
        const byCommand = new Map<string, string[]>();
        for (const e of events) {
            const cmd = e.properties?.command;
            if (cmd) {
                byCommand.set(cmd, [...(byCommand.get(cmd) ?? []), e.properties!.result]);
                assert.equal(typeof e.measurements?.duration, 'number', `${cmd} has a duration`);
            }
        }
        for (const id of Object.values(Cmds)) {
            assert.ok(byCommand.get(id)?.includes('Succeeded'), `${id} succeeded at least once (results: ${byCommand.get(id)?.join(', ') ?? 'none'})`);
        }
    });

    it('the refused grant was reported as Failed with an error code, and without names or ids', () => {
        const failed = telemetryEvents().filter((e) => e.properties?.command === Cmds.GrantAccess && e.properties.result === 'Failed');
        assert.ok(failed.length >= 1, 'a Failed grant event');
        assert.ok(failed[0].properties!.error, 'with an error code');
        const text = JSON.stringify(telemetryEvents());
        assert.doesNotMatch(text, /web-os-01|vm-web-01|rg-web|\/subscriptions\//i, 'no disk, VM, group names or resource ids');
        assert.doesNotMatch(text, /sig=|Bearer /i);
    });
});
