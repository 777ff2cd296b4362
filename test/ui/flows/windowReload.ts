/**
 * The account across Sign Out, Sign In and a reload of the window: the view's header names the
 * signed-in account; Sign Out then Sign In reopens the rows that were open; Switch Account with a
 * single account says there is no other; after the page reloads the user is still signed in, is
 * asked nothing, and the tree shows again as it was.
 */
import type { Locator } from 'playwright-core';
import { SANDBOX_ACCOUNT_LABEL } from '../../authProvider/install';
import { AssertionError, check, type Flow, type FlowContext } from '../flow';
import { poll, untilSettled } from '../workbench';
import { ensureSignedIn, exact, revealDisk } from './nav';

/** The account as the view's header shows it (VS Code draws a view's description beside its title). */
async function headerAccount(view: Locator): Promise<string> {
    return (await view.locator('.pane-header .description').first().innerText().catch(() => '')).trim();
}

async function expectAccountShown(view: Locator, when: string): Promise<void> {
    let shown = '';
    await poll(async () => (shown = await headerAccount(view)).includes(SANDBOX_ACCOUNT_LABEL), 30_000, () => `${when}, the view's header does not name the account: "${shown}"`);
}

/** Waits for the disk's row after a reload, failing at once if anyone asks the user to sign in. */
async function rowWithoutSigningIn(ctx: FlowContext, view: Locator, name: string): Promise<Locator> {
    const { wb, page } = ctx;
    const prompt = page.locator('.monaco-dialog-box').filter({ hasText: /wants to sign in/ }).first();
    const welcome = view.locator('.welcome-view-content .monaco-button').first();
    const rows = view.locator('.monaco-list-row').first();
    await poll(async () => {
        if (await prompt.isVisible().catch(() => false)) {
            await wb.shot('sign-in-asked');
            throw new AssertionError('after the reload VS Code asked to sign in again');
        }
        if (await welcome.isVisible().catch(() => false)) {
            await wb.shot('signed-out');
            throw new AssertionError(`after the reload the view is signed out: "${(await view.innerText()).replace(/\s+/g, ' ')}"`);
        }
        return rows.isVisible();
    }, 90_000, async () => `no tree after the reload: "${(await view.innerText().catch(() => '')).replace(/\s+/g, ' ')}"`, 250, (e) => e instanceof AssertionError);
    // The group was open before the reload: the disk's row is there without expanding anything.
    const row = await wb.findRow(view, exact(name));
    check(!(await prompt.isVisible().catch(() => false)), 'after the reload VS Code asked to sign in again');
    return row;
}

export const windowReloadFlow: Flow = {
    name: 'reload',
    timeoutMs: 200_000,
    async run(ctx) {
        const { wb, page } = ctx;
        const seed = ctx.seed('web-data-01');
        await revealDisk(ctx, seed);
        const view = await wb.disksView();
        await expectAccountShown(view, 'signed in');
        await wb.shot('1-account');

        // Sign Out, then Sign In from the view's welcome: the rows that were open are open again.
        await wb.runCommand('Azure Disks: Sign Out');
        await view.locator('.welcome-view-content .monaco-button').first().waitFor({ timeout: 30_000 });
        await ensureSignedIn(ctx, view);
        const group = await wb.findRow(view, exact(seed.resourceGroup));
        check((await group.getAttribute('aria-expanded')) === 'true', `${seed.resourceGroup} came back collapsed after Sign Out and Sign In`);
        await wb.findRow(view, exact(seed.name), 15_000);
        await expectAccountShown(view, 'after Sign In');
        await wb.shot('2-signed-in-again');

        // One account in VS Code: Switch Account says there is no other, and how to add one.
        await wb.clearNotifications();
        await wb.runCommand('Azure Disks: Switch Account');
        const only = wb.toast(/only Microsoft account signed in to VS Code/).first();
        await only.waitFor({ timeout: 15_000 }).catch(async () => {
            throw new Error(`Switch Account with one account said nothing: ${(await wb.toastTexts()).join(' / ')}`);
        });
        await untilSettled(only);
        await wb.shot('3-switch-one-account');
        await wb.clearNotifications();

        // A reload of the window: still signed in, nobody asked, the tree as it was.
        await page.reload();
        await wb.waitForWorkbench();
        await wb.openExplorer();
        const after = await wb.disksView();
        await rowWithoutSigningIn(ctx, after, seed.name);
        await expectAccountShown(after, 'after the reload');
        await wb.shot('4-after-reload');
    },
};
