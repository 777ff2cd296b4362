/**
 * The setup the sandbox contract files share: one sandbox for the whole file (started before its
 * first test, stopped after its last), the extension's ARM clients signed in to it, and look-ups
 * of the seeded world. Not a test file itself.
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import type { ArmClients } from '../../src/azure/armClients';
import { startSandbox, type Sandbox, type SandboxOptions } from '../sandbox/index';
import { armClientsFor } from '../sandbox/testkit';
import type { SeedDisk } from '../sandbox/types';

/** LRO polling options that keep the SDK's pollers quick against the sandbox. */
export const fastPolls = { updateIntervalInMs: 10 };

export interface SandboxKit {
    /** The running sandbox (only inside tests and hooks: it starts in `before`). */
    readonly sb: Sandbox;
    /** ARM clients as the extension builds them, signed in through the Azure CLI route. */
    readonly arm: ArmClients;
    /** The seeded disk or snapshot called `name`; fails the test when the seed has none. */
    seeded(name: string): SeedDisk;
}

/** Registers the file's before/after hooks; the options default to quick LROs without the large disk. */
export function sandboxForFile(options: SandboxOptions = { lroPolls: 1, retryAfterSeconds: 0, skipLargeDisk: true }): SandboxKit {
    let sb: Sandbox | undefined;
    let arm: ArmClients | undefined;
    before(async () => {
        sb = await startSandbox(options);
        arm = await armClientsFor(sb.info);
    });
    after(async () => {
        await sb?.stop();
    });
    const started = <T>(v: T | undefined): T => {
        assert.ok(v, 'the sandbox is used before the file\'s before hook started it');
        return v;
    };
    return {
        get sb() {
            return started(sb);
        },
        get arm() {
            return started(arm);
        },
        seeded(name: string): SeedDisk {
            const d = started(sb).manifest.find((x) => x.name === name);
            assert.ok(d, `seed has ${name}`);
            return d;
        },
    };
}
