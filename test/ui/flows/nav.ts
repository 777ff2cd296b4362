/** Getting around the disks view and the Explorer: shared by the flows. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Locator } from 'playwright-core';
import { subscriptions } from '../../sandbox/seed';
import type { SeedDisk } from '../../sandbox/types';
import { check, type FlowContext } from '../flow';
import { escapeRegExp, poll } from '../workbench';

export const exact = (label: string) => new RegExp(`^${escapeRegExp(label)}$`);

/** The subscription row's label: its display name from the sandbox's seed. */
export function subscriptionLabel(seed: SeedDisk): RegExp {
    const sub = subscriptions.find((s) => s.subscriptionId === seed.subscriptionId);
    check(sub, `the sandbox seed has no subscription ${seed.subscriptionId}`);
    return exact(sub.displayName);
}

/** Signs in if the view asks for it, then expands subscription → resource group; returns the disk's row. */
export async function revealDisk(ctx: FlowContext, seed: SeedDisk): Promise<Locator> {
    const { wb } = ctx;
    const view = await wb.disksView();
    await ensureSignedIn(ctx, view);
    await wb.expand(await wb.findRow(view, subscriptionLabel(seed)));
    await wb.expand(await wb.findRow(view, exact(seed.resourceGroup)));
    return wb.findRow(view, exact(seed.name));
}

/** Follows the view's welcome content (Sign In, then Select Subscriptions) until the tree shows rows. */
export async function ensureSignedIn(ctx: FlowContext, view: Locator): Promise<void> {
    const { wb, page } = ctx;
    const rows = view.locator('.monaco-list-row');
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
        if (await rows.first().isVisible().catch(() => false)) return;
        if (await allowSignIn(ctx)) {
            await rows.first().waitFor({ timeout: 20_000 }).catch(() => undefined);
            continue;
        }
        const button = view.locator('.welcome-view-content .monaco-button').first();
        if (await button.isVisible().catch(() => false)) {
            const text = (await button.innerText()).trim();
            await button.click();
            if (/subscription/i.test(text)) await acceptAllPicks(ctx);
            // One attempt at a time: VS Code's sign-in prompt, or a slow sign-in on a busy machine.
            await Promise.race([rows.first().waitFor({ timeout: 20_000 }), ctx.page.locator('.monaco-dialog-box').first().waitFor({ timeout: 20_000 })]).catch(() => undefined);
            continue;
        }
        await page.waitForTimeout(250);
    }
    await wb.shot('not-signed-in');
    throw new Error(`the disks view shows no tree: "${(await view.innerText().catch(() => '')).replace(/\s+/g, ' ')}"`);
}

/**
 * VS Code's own prompt before an authentication provider signs in ("The extension 'Azure Managed
 * Disks' wants to sign in using …"): answers Allow. True when it was showing.
 */
export async function allowSignIn(ctx: FlowContext): Promise<boolean> {
    const dialog = ctx.page.locator('.monaco-dialog-box').filter({ hasText: /wants to sign in/ }).first();
    if (!(await dialog.isVisible().catch(() => false))) return false;
    await ctx.wb.shot('sign-in-prompt');
    await dialog.getByRole('button', { name: 'Allow', exact: true }).click();
    await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
    return true;
}

/** In a multi-select quick pick: select everything and accept. */
export async function acceptAllPicks(ctx: FlowContext): Promise<void> {
    const { wb } = ctx;
    const widget = wb.quickInput();
    await widget.waitFor({ state: 'visible', timeout: 15_000 });
    const all = widget.locator('.quick-input-check-all');
    if (await all.isVisible().catch(() => false) && !(await all.isChecked())) await all.check();
    await widget.locator('.quick-input-box input').press('Enter');
    await wb.waitQuickInputClosed();
}

/** A tree row's description (the greyed text after its label). */
export async function description(row: Locator): Promise<string> {
    return (await row.locator('.label-description').first().innerText().catch(() => '')).trim();
}

/** Waits until the row's description matches. */
export async function waitDescription(row: Locator, re: RegExp, timeout = 30_000): Promise<string> {
    let last = '';
    await poll(async () => re.test((last = await description(row))), timeout, () => `row description "${last}" never matched ${re}`);
    return last;
}

/** Whether a disk row's description tells the user the seeded state (and the VM, when there is one). */
export function describesState(seed: SeedDisk, desc: string): boolean {
    const vm = seed.attachedVm ?? '';
    switch (seed.diskState) {
        case 'Reserved': return desc.includes(vm) && /reserved|deallocated/i.test(desc) && !/ActiveSAS/.test(desc);
        case 'Attached': return desc.includes(vm) && /attached/i.test(desc) && !/deallocated|ActiveSAS/i.test(desc);
        case 'Unattached': return !/\bAttached\b|Reserved|ActiveSAS/.test(desc);
        default: return desc.includes(seed.diskState);
    }
}

/** The codicon a row shows, e.g. `vm-outline`. */
export async function iconOf(row: Locator): Promise<string | undefined> {
    const cls = (await row.locator('.custom-view-tree-node-item-icon').first().getAttribute('class').catch(() => null)) ?? '';
    return /codicon-([\w~-]+)/.exec(cls)?.[1];
}

/** Expands the Explorer's folders down to `relDir` and waits for each file row. */
export async function showInExplorer(ctx: FlowContext, relDir: string, files: string[]): Promise<void> {
    const { wb } = ctx;
    await wb.openExplorer();
    const folders = await wb.expandPane(path.basename(ctx.workspace));
    for (const part of relDir.split('/')) await wb.expand(await wb.findRow(folders, exact(part)));
    for (const f of files) await wb.findRow(folders, exact(f));
}

/** Files the flow expects on disk, under the workspace. */
export function downloadPath(ctx: FlowContext, seed: SeedDisk, suffix: '' | '_vmgs' | '_vmmd', ext: 'vhd' | 'vhdx'): string {
    return path.join(ctx.workspace, 'disks', seed.name, `${seed.name}${suffix}.${ext}`);
}

export function fileSize(file: string): number {
    return fs.existsSync(file) ? fs.statSync(file).size : -1;
}

/**
 * The "where" steps of a wizard that makes a disk: the subscription (skipped with one), the
 * resource group, then the new disk's name, with a screenshot of the name step (`1-name`).
 */
export async function pickGroupAndName(ctx: FlowContext, rgSeed: SeedDisk, name: string, subscription: { prompt: RegExp; timeout?: number }): Promise<void> {
    const { wb, page } = ctx;
    await wb.pick(subscriptionLabel(rgSeed), subscription.prompt, subscription.timeout).catch(() => undefined); // skipped with one subscription
    await wb.pick(exact(rgSeed.resourceGroup), /resource group/i);
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await poll(async () => /Name of the new disk/.test(await wb.quickInputPrompt()), 30_000, async () => `no name prompt: ${await wb.quickInputPrompt()}`);
    await input.fill(name);
    await wb.shot('1-name');
    await input.press('Enter');
}
