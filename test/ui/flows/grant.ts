/** Granting access through the context menu and the wizard, and reading the access panel. */
import type { FrameLocator, Locator } from 'playwright-core';
import type { BlobKind } from '../../../src/shared/types';
import type { SeedDisk } from '../../sandbox/types';
import { assertNoIssuedSecret, assertNoSecret, check, type FlowContext } from '../flow';
import { poll } from '../workbench';
import { revealDisk } from './nav';

export const GRANT_MENU = /^(Azure Disks: )?Grant Access/;
export const REVOKE_MENU = /^(Azure Disks: )?Revoke Access/;

export interface GrantAnswers {
    guestState?: boolean;
    format?: 'VHD' | 'VHDX';
}

/** Right-click → Grant Access… → answer each step; returns the prompts seen, in order. */
export async function grantFromTree(ctx: FlowContext, seed: SeedDisk, answers: GrantAnswers = {}): Promise<string[]> {
    const { wb } = ctx;
    const row = await revealDisk(ctx, seed);
    await wb.contextMenu(row, GRANT_MENU);
    const prompts: string[] = [];
    // An ordinary disk allows only Read, so the wizard starts at the duration.
    await wb.wizardFor(seed.name, /access level|how long/i);
    if (/access level/i.test(await wb.quickInputPrompt())) prompts.push(await wb.pick(/^Read/, /access/i));
    await wb.shot('wizard-first-step');
    prompts.push(await wb.pick(/^1 hour/, /duration|how long|expire/i));
    if (answers.guestState !== undefined) {
        prompts.push(await wb.pick(answers.guestState ? /^(Yes|Include)/i : /^(No|Disk only)/i, /guest state/i));
    }
    if (answers.format) {
        prompts.push(await wb.pick(new RegExp(`^${answers.format}\\b`), /format|VHDX/i));
    }
    return prompts;
}

export function panelRow(web: FrameLocator, blob: BlobKind): Locator {
    return web.locator(`[data-blob="${blob}"]`);
}

/** Waits for the access panel to list exactly `blobs`, each with a masked SAS and an expiry. */
export async function expectAccessPanel(ctx: FlowContext, blobs: BlobKind[]): Promise<FrameLocator> {
    const web = ctx.wb.webview();
    const labels: Record<BlobKind, RegExp> = { disk: /\bDisk\b/, vmgs: /VM guest state/, vmmd: /VM metadata/ };
    for (const blob of blobs) {
        const row = panelRow(web, blob);
        await row.waitFor({ timeout: 60_000 });
        const text = await row.innerText();
        check(labels[blob].test(text), `panel row ${blob} lacks its label: "${text}"`);
        check(/https?:\/\/127\.0\.0\.1:\d+\/\S+/.test(text), `panel row ${blob} shows no blob URL: "${text.replace(/\s+/g, ' ')}"`);
        check(/sig=••••|••••/.test(text), `panel row ${blob} shows no masked signature`);
        assertNoSecret(text, `panel row ${blob}`);
    }
    const all = await web.locator('[data-blob]').evaluateAll((els) => els.map((e) => e.getAttribute('data-blob')));
    check(all.length === blobs.length && blobs.every((b) => all.includes(b)), `panel lists ${all.join(', ')} instead of ${blobs.join(', ')}`);
    const body = await web.locator('body').innerText();
    check(/expir/i.test(body), 'the panel shows no expiry');
    assertNoSecret(body, 'the access panel');
    await assertNoIssuedSecret(ctx.control, body, 'the access panel');
    return web;
}

/** Waits until every listed row is done and says "Downloaded and verified", with every check passed. */
export async function waitDownloaded(web: FrameLocator, blobs: BlobKind[], timeout = 90_000): Promise<void> {
    for (const blob of blobs) {
        const row = panelRow(web, blob);
        let last = '';
        let status: string | null = null;
        await poll(async () => {
            last = (await row.innerText()).replace(/\s+/g, ' ');
            status = await row.getAttribute('data-status');
            return status === 'done' || status === 'failed' || status === 'cancelled';
        }, timeout, () => `row ${blob} never finished: "${last}"`, 500);
        last = (await row.innerText()).replace(/\s+/g, ' ');
        check(status === 'done', `row ${blob} ended ${status}: "${last}"`);
        check(/Downloaded and verified/.test(last), `row ${blob} finished without verifying: "${last}"`);
        const failedChecks = await row.locator('[data-check].fail').allInnerTexts();
        check(failedChecks.length === 0, `row ${blob} has failed checks: ${failedChecks.join('; ')}`);
        check((await row.locator('[data-check].pass').count()) > 0, `row ${blob} lists no passed checks`);
    }
}
