/** Small page-object over the code-server workbench: the selectors the flows share, in one place. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';

export const VIEW_TITLE = 'Azure Managed Disks';

export class Workbench {
    constructor(readonly page: Page, readonly shotsDir: string, private flow = 'setup') {}

    /** Screenshots of one flow are named `<flow>-<step>.png`. */
    forFlow(flow: string): Workbench {
        return new Workbench(this.page, this.shotsDir, flow);
    }

    async shot(step: string): Promise<string> {
        fs.mkdirSync(this.shotsDir, { recursive: true });
        const file = path.join(this.shotsDir, `${this.flow}-${step}.png`);
        // Park the pointer on the title bar so no hover tooltip covers the picture.
        const vp = this.page.viewportSize();
        if (vp) await this.page.mouse.move(vp.width - 40, 8);
        await this.page.screenshot({ path: file });
        return file;
    }

    async waitForWorkbench(timeout = 60_000): Promise<void> {
        await this.page.locator('.monaco-workbench').waitFor({ timeout });
        await this.page.locator('.part.activitybar').waitFor({ timeout });
    }

    /** Drags the sidebar's edge so tree descriptions are readable in screenshots. */
    async widenSidebar(width: number): Promise<void> {
        const sidebar = await this.page.locator('.part.sidebar').boundingBox();
        if (!sidebar || sidebar.width >= width) return;
        const y = sidebar.y + sidebar.height / 2;
        const x = sidebar.x + sidebar.width + 1;
        await this.page.mouse.move(x, y);
        await this.page.mouse.down();
        await this.page.mouse.move(x + (width - sidebar.width), y, { steps: 5 });
        await this.page.mouse.up();
    }

    /** Opens the Explorer container (the workspace files). */
    async openExplorer(): Promise<void> {
        const sidebarTitle = this.page.locator('.part.sidebar .composite.title');
        if (await sidebarTitle.filter({ hasText: /explorer/i }).isVisible().catch(() => false)) return;
        await this.page.locator('.part.activitybar a.action-label[aria-label^="Explorer"]').click();
        await sidebarTitle.filter({ hasText: /explorer/i }).waitFor();
    }

    /** The sidebar pane whose header reads `title` (case as rendered varies, so match loosely). */
    pane(title: string): Locator {
        return this.page.locator('.part.sidebar .pane').filter({
            has: this.page.locator('.pane-header', { hasText: new RegExp(`^\\s*${escapeRegExp(title)}`, 'i') }),
        });
    }

    /** Expands a sidebar pane if it is collapsed. */
    async expandPane(title: string): Promise<Locator> {
        const pane = this.pane(title);
        const header = pane.locator('.pane-header').first();
        await header.waitFor({ timeout: 60_000 });
        if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
        await pane.locator('.pane-body').waitFor();
        return pane;
    }

    /**
     * The disks view: a section of the Explorer, expanded. The sections VS Code adds below it
     * (Outline, Timeline) are collapsed so the tree has the room a user would give it.
     */
    async disksView(): Promise<Locator> {
        // The page may be reloading (the first disk browsed turns the window into a multi-root
        // workspace): an attempt cut short by the navigation is made again on the new page.
        for (let attempt = 1; ; attempt++) {
            try {
                return await this.disksViewOnce();
            } catch (e) {
                if (attempt >= 3) throw e;
                await this.waitForWorkbench().catch(() => undefined);
            }
        }
    }

    private async disksViewOnce(): Promise<Locator> {
        await this.openExplorer();
        // The other sections (the workspace's folders, Outline, Timeline) are collapsed so the tree
        // has the whole sidebar, as a user working in it would arrange it; a flow that needs the
        // folders expands them again (expandPane).
        const headers = this.page.locator('.part.sidebar .pane > .pane-header');
        for (let i = 0; i < (await headers.count()); i++) {
            const h = headers.nth(i);
            const title = (await h.innerText().catch(() => '')).trim();
            if (!new RegExp(`^\\s*${escapeRegExp(VIEW_TITLE)}`, 'i').test(title) && (await h.getAttribute('aria-expanded')) === 'true') await h.click();
        }
        const pane = await this.expandPane(VIEW_TITLE);
        await pane.locator('.pane-body').waitFor({ timeout: 60_000 });
        return pane;
    }

    /** Tree rows are found by their visible label text (the row's aria-label is the tooltip). */
    row(pane: Locator, label: string | RegExp): Locator {
        return pane.locator('.monaco-list-row').filter({ has: this.page.locator('.label-name', { hasText: label }) }).first();
    }

    /**
     * Waits for a row to exist and be rendered: lists are virtualised, so this scrolls the pane
     * with the mouse wheel (and follows "Load more…" rows) until the row is in view.
     */
    async findRow(pane: Locator, label: string | RegExp, timeout = 30_000): Promise<Locator> {
        const row = this.row(pane, label);
        const more = this.row(pane, /^Load more/);
        const body = pane.locator('.pane-body');
        const end = Date.now() + timeout;
        let direction = 1;
        for (;;) {
            if (await row.isVisible().catch(() => false)) return row;
            if (await more.isVisible().catch(() => false)) {
                const rowsBefore = await pane.locator('.monaco-list-row').count();
                await more.click();
                // Loaded once the rows changed (or the "Load more…" row went away).
                await poll(async () => !(await more.isVisible().catch(() => false)) || (await pane.locator('.monaco-list-row').count()) !== rowsBefore, 10_000, () => `"Load more…" in ${label} loaded nothing`, 50).catch(() => undefined);
                continue;
            }
            if (Date.now() > end) {
                const shown = (await pane.locator('.monaco-list-row').allInnerTexts().catch(() => [])).map((t) => t.replace(/\s+/g, ' '));
                throw new Error(`no row ${label} in the view; rows shown: ${shown.join(' | ')}`);
            }
            const box = await body.boundingBox();
            const first = await pane.locator('.monaco-list-row').first().getAttribute('data-index').catch(() => null);
            if (box) {
                await this.page.mouse.move(box.x + box.width / 2, box.y + Math.min(box.height / 2, 100));
                await this.page.mouse.wheel(0, direction * 200);
            }
            // Scrolled once the first rendered row changed; at either end it does not, so turn round.
            const scrolled = await poll(async () => (await pane.locator('.monaco-list-row').first().getAttribute('data-index').catch(() => null)) !== first, 1_000, () => 'not scrolled', 50).then(() => true, () => false);
            if (!scrolled) direction = -direction;
        }
    }

    /** Collapses a sidebar pane if it is expanded (to give another pane the room). */
    async collapsePane(title: string): Promise<void> {
        const header = this.pane(title).locator('.pane-header').first();
        if (await header.isVisible().catch(() => false) && (await header.getAttribute('aria-expanded')) === 'true') await header.click();
    }

    /** Expands a collapsed tree row (clicking the twistie avoids running the row's default command). */
    async expand(row: Locator): Promise<void> {
        await row.waitFor({ timeout: 60_000 });
        if ((await row.getAttribute('aria-expanded')) === 'false') {
            await row.locator('.monaco-tl-twistie').click();
        }
        await poll(async () => (await row.getAttribute('aria-expanded')) === 'true', 30_000,
            async () => `row did not expand: ${await row.innerText().catch(() => '?')}`);
    }

    /**
     * Right-clicks a row and picks a context-menu item by its accessible name. The tree must have
     * settled first, and the menu must be the row's: a list re-rendered between finding the row and
     * clicking it puts another item under the pointer (the list reuses its row elements), and the
     * menu then acts on that item. The row the menu is for is the one the right-click focused (an
     * extension's tree) or selected (the Explorer's files).
     */
    async contextMenu(row: Locator, item: string | RegExp): Promise<void> {
        const label = (await row.locator('.label-name').first().innerText().catch(() => '')).trim();
        const list = row.locator('xpath=ancestor::div[contains(concat(" ", normalize-space(@class), " "), " monaco-list ")][1]');
        const marked = (await row.locator('.custom-view-tree-node-item').count()) > 0 ? '.focused' : '.selected';
        const menuItem = this.page.getByRole('menuitem', { name: item }).first();
        for (let attempt = 1; ; attempt++) {
            await treeSettled(list);
            await row.click({ button: 'right' });
            await menuItem.waitFor({ timeout: 15_000 });
            const target = (await list.locator(`.monaco-list-row${marked} .label-name`).allInnerTexts().catch(() => [])).map((t) => t.trim());
            const focused = target.join(', ');
            if (!label || !target.length || target.includes(label)) break;
            await this.page.keyboard.press('Escape');
            await menuItem.waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => undefined);
            if (attempt === 3) throw new Error(`the context menu opened on "${focused}", not on "${label}", three times: the tree kept re-rendering`);
        }
        await untilSettled(menuItem); // the menu has finished opening
        await menuItem.click();
        // The workbench ignores a click that lands right after the menu opened (it guards against the
        // right-click's own release): a menu still open after the click gets the keyboard instead.
        const closed = await menuItem.waitFor({ state: 'hidden', timeout: 1_500 }).then(() => true, () => false);
        if (!closed && (await menuItem.isVisible().catch(() => false))) {
            await menuItem.hover();
            await this.page.keyboard.press('Enter');
        }
        await menuItem.waitFor({ state: 'hidden', timeout: 5_000 });
    }

    quickInput(): Locator {
        return this.page.locator('.quick-input-widget');
    }

    /**
     * Waits for a wizard (quick input) whose title or prompt names `name`, the disk the flow meant;
     * one naming another disk fails at once, before anything is answered.
     */
    async wizardFor(name: string, expect: RegExp = /./, timeout = 30_000): Promise<string> {
        let seen = '';
        await poll(async () => {
            seen = await this.quickInputPrompt();
            if (!seen.replace(/[|\s]/g, '') || !expect.test(seen)) return false;
            if (!seen.includes(name)) throw new WrongTarget(`the wizard opened for another disk than ${name}: "${seen}"`);
            return true;
        }, timeout, () => `no wizard for ${name} (${expect}): "${seen}"`, 100, (e) => e instanceof WrongTarget);
        return seen;
    }

    /** Waits for a quick pick whose title or placeholder matches, then picks `label`. Returns the prompt text seen. */
    async pick(label: string | RegExp, prompt?: RegExp, timeout = 30_000): Promise<string> {
        const widget = this.quickInput();
        await widget.waitFor({ state: 'visible', timeout });
        if (prompt) {
            await poll(async () => prompt.test(await this.quickInputPrompt()), timeout,
                async () => `quick input prompt did not match ${prompt}: "${await this.quickInputPrompt()}"`);
        }
        const seen = await this.quickInputPrompt();
        const item = widget.locator('.monaco-list-row').filter({
            has: this.page.locator('.label-name', { hasText: label }),
        }).first();
        await item.waitFor({ timeout });
        await item.click();
        return seen;
    }

    /** The visible quick input's title, placeholder and message, for assertions and errors. */
    async quickInputPrompt(): Promise<string> {
        return this.quickInput().evaluate(promptText).catch(() => '');
    }

    async waitQuickInputClosed(timeout = 15_000): Promise<void> {
        await this.quickInput().waitFor({ state: 'hidden', timeout });
    }

    toast(text: string | RegExp): Locator {
        return this.page.locator('.notifications-toasts .notification-toast').filter({ hasText: text });
    }

    /** The text of every visible toast, for error messages. */
    async toastTexts(): Promise<string[]> {
        return this.page.locator('.notifications-toasts .notification-toast').allInnerTexts();
    }

    async clearNotifications(): Promise<void> {
        await this.runCommand('Notifications: Clear All Notifications').catch(() => undefined);
    }

    /** The active webview's content document (two iframes deep). */
    webview(): FrameLocator {
        return this.page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
    }

    /** Runs a command through the command palette by its full title. */
    async runCommand(title: string): Promise<void> {
        await this.page.keyboard.press('F1');
        const input = this.page.locator('.quick-input-widget .quick-input-box input');
        await input.waitFor({ timeout: 15_000 });
        await input.fill(`>${title}`);
        const row = this.quickInput().locator('.monaco-list-row').filter({ hasText: title }).first();
        await row.waitFor({ timeout: 15_000 });
        await input.press('Enter');
        await this.waitQuickInputClosed().catch(() => undefined);
    }

    /** Between flows: no open prompt, menu, editor or toast left over from the previous one. */
    async reset(): Promise<void> {
        for (let i = 0; i < 3; i++) await this.page.keyboard.press('Escape');
        await this.closeAllEditors().catch(() => undefined);
        await this.clearNotifications();
    }

    async closeAllEditors(): Promise<void> {
        await this.runCommand('View: Close All Editors');
    }
}

export function escapeRegExp(s: string): string {
    return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A check that must not be retried: what it saw is wrong, not yet to come. */
class WrongTarget extends Error {}

/**
 * Polls `check` until it holds; throws the text from `describe` on timeout. An error `check`
 * throws counts as "not yet", unless `fatal` says it ends the wait.
 */
export async function poll(check: () => Promise<boolean>, timeout: number, describe: () => Promise<string> | string, intervalMs = 250, fatal: (e: unknown) => boolean = () => false): Promise<void> {
    const end = Date.now() + timeout;
    for (;;) {
        const ok = await check().catch((e: unknown) => {
            if (fatal(e)) throw e;
            return false;
        });
        if (ok) return;
        if (Date.now() > end) throw new Error(await describe());
        await new Promise((r) => setTimeout(r, intervalMs));
    }
}

/**
 * Waits until nothing moves at `target`: no CSS animation or transition running on it, inside it
 * or on an element around it, and its box the same on two reads in a row (a toast that has slid
 * in, a tooltip that has faded out).
 */
export async function untilSettled(target: Locator, timeout = 10_000): Promise<void> {
    let last = '';
    await poll(async () => {
        // A target that has gone (a progress toast whose work ended) has nothing left to move.
        if ((await target.count()) === 0) return true;
        const now = await target.evaluate(motionOf, undefined, { timeout: 2_000 }).catch(() => 'gone');
        if (now === 'gone' || now.startsWith('0,0,0,0:')) return true;
        const still = now === last && now.endsWith(':0');
        last = now;
        return still;
    }, timeout, () => `still moving after ${timeout / 1000} s: ${last}`, 50);
}

/**
 * Waits until a list has stopped changing: no row loading its children, and the same rows (index,
 * label, place) on three reads in a row, 150 ms apart.
 */
export async function treeSettled(list: Locator, timeout = 15_000): Promise<void> {
    const reads: string[] = [];
    await poll(async () => {
        reads.push(await list.evaluate(listShape, undefined, { timeout: 2_000 }).catch(() => 'gone'));
        const last = reads.slice(-3);
        return last.length === 3 && last.every((r) => r === last[0]) && !last[0].startsWith('loading');
    }, timeout, () => `the tree kept changing for ${timeout / 1000} s: ${reads[reads.length - 1]}`, 150);
}

/** Runs in the page: `loading|rows` (or `still|rows`) of a list, each row as index:label@top. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function listShape(el: any): string {
    const loading = !!el.querySelector('.monaco-tl-twistie.codicon-tree-item-loading');
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const rows = [...el.querySelectorAll('.monaco-list-row')].map((r: any) => `${r.getAttribute('data-index')}:${(r.querySelector('.label-name')?.textContent ?? '').trim()}@${Math.round(r.getBoundingClientRect().top)}`);
    return `${loading ? 'loading' : 'still'}|${rows.join(',')}`;
}

/** Runs in the page: the element's box and how many animations touching it still run, as `box:count`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function motionOf(el: any): string {
    const r = el.getBoundingClientRect();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const running = el.ownerDocument.getAnimations().filter((a: any) => {
        const t = a.effect?.target;
        return a.playState === 'running' && t && (t === el || t.contains(el) || el.contains(t));
    }).length;
    return `${Math.round(r.x)},${Math.round(r.y)},${Math.round(r.width)},${Math.round(r.height)}:${running}`;
}

/**
 * Runs in the page (serialised, so self-contained; typed loosely because the test build has no
 * DOM lib): the quick input's title, placeholder and validation message.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function promptText(w: any): string {
    const title = w.querySelector('.quick-input-title')?.textContent ?? '';
    const input = w.querySelector('.quick-input-box input');
    const message = w.querySelector('.quick-input-message')?.textContent ?? '';
    return [title, input?.placeholder ?? '', input?.getAttribute('aria-label') ?? '', message].join(' | ');
}
