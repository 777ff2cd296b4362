/** What every UI flow receives, and small checks the flows share. */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import type { Page } from 'playwright-core';
import type { startSandbox } from '../sandbox';
import type { SandboxControl } from '../sandbox/control';
import type { SeedDisk } from '../sandbox/types';
import type { Workbench } from './workbench';

export type Sandbox = Awaited<ReturnType<typeof startSandbox>>;

export interface FlowContext {
    wb: Workbench;
    page: Page;
    sandbox: Sandbox;
    control: SandboxControl;
    /** The workspace folder open in the workbench (downloads land under `disks/`). */
    workspace: string;
    /** The seeded disk or snapshot called `name`; throws when the sandbox has none. */
    seed(name: string): SeedDisk;
}

export interface Flow {
    name: string;
    run(ctx: FlowContext): Promise<void>;
    /** A flow that waits for a page reload may need longer than the runner's default. */
    timeoutMs?: number;
}

export class AssertionError extends Error {}

export function check(condition: unknown, message: string): asserts condition {
    if (!condition) throw new AssertionError(message);
}

export async function sha256File(file: string): Promise<string> {
    const hash = crypto.createHash('sha256');
    for await (const chunk of fs.createReadStream(file, { highWaterMark: 4 * 1024 * 1024 })) hash.update(chunk as Buffer);
    return hash.digest('hex');
}

/** Fails when `text` contains any SAS signature, bearer token or storage account key the sandbox has issued so far. */
export async function assertNoIssuedSecret(control: SandboxControl, text: string, where: string): Promise<void> {
    const issued = await control.issuedSecrets();
    check(issued.sasSignatures.length > 0, `nothing to look for in ${where}: the sandbox has issued no SAS yet`);
    const leaked = [...issued.sasSignatures, ...issued.bearerTokens, ...issued.storageAccountKeys].filter((s) => s.length >= 8 && (text.includes(s) || text.includes(encodeURIComponent(s))));
    // The secret itself is never printed, only that one leaked.
    check(leaked.length === 0, `${where} shows ${leaked.length} secret(s) the sandbox issued`);
}

/** True when `text` contains a SAS signature the sandbox issued (Reveal is meant to show one). */
export async function showsIssuedSignature(control: SandboxControl, text: string): Promise<boolean> {
    const { sasSignatures } = await control.issuedSecrets();
    return sasSignatures.some((s) => s.length >= 8 && (text.includes(s) || text.includes(encodeURIComponent(s))));
}

/** A SAS signature shown in full would be a leak: masked text may keep `sig=` but not its value. */
export function assertNoSecret(text: string, where: string): void {
    const sig = /[?&]sig=([^&\s]+)/i.exec(text);
    check(!sig || /^[*•…x]+$/i.test(decodeURIComponent(sig[1])), `${where} shows an unmasked SAS signature`);
    check(!/bearer\s+ey/i.test(text), `${where} shows a bearer token`);
}
