/**
 * Browse Contents from the tree: the disk opens as a workspace folder, its partitions (and LVM
 * volumes) are folders in the Explorer, and a file inside opens in an editor with the text the
 * seed wrote (test/sandbox/images.ts). The first disk added to this single-folder window turns it
 * into a multi-root workspace, which restarts the extensions and reloads the page: the flow waits
 * for the workbench again, and answers the grant's questions whenever they come (before the
 * reload, or after it when the folder is first read).
 */
import type { Locator } from 'playwright-core';
import { CVM_NOTES, RHEL_MESSAGES, WINDOWS_HOSTS } from '../../sandbox/imageFiles';
import { check, type Flow, type FlowContext } from '../flow';
import { VIEW_TITLE, poll } from '../workbench';
import { allowSignIn, ensureSignedIn, exact, revealDisk } from './nav';

const BROWSE_MENU = /^(Azure Disks: )?Browse Contents/;
/** Whichever flow browses first waits for the reload, a new sign-in and the Explorer's retry. */
const RELOAD_TIMEOUT_MS = 200_000;

/**
 * The Explorer's folders pane: its first section (titled after the folder, or after the workspace
 * once it has several). Found by place, not content: a collapsed pane has no body in the page.
 */
function explorerPane(ctx: FlowContext): Locator {
    return ctx.page.locator('.part.sidebar .pane').first();
}

/** Answers what may be showing: the grant's access level and duration, VS Code's sign-in prompt. */
async function answerPrompts(ctx: FlowContext, seen: string[]): Promise<void> {
    const { wb } = ctx;
    await allowSignIn(ctx).catch(() => false);
    if (!(await wb.quickInput().isVisible().catch(() => false))) return;
    const prompt = await wb.quickInputPrompt();
    if (/access level/i.test(prompt)) seen.push(await wb.pick(/^Read/, /access level/i, 5_000));
    else if (/how long|duration|expire/i.test(prompt)) seen.push(await wb.pick(/^1 hour/, /how long|duration|expire/i, 5_000));
}

/** Polls `ready` while answering prompts; the page may be reloading in between (every error is a "not yet"). */
async function until(ctx: FlowContext, ready: () => Promise<boolean>, timeout: number, what: () => Promise<string> | string, seen: string[] = []): Promise<void> {
    await poll(async () => {
        await answerPrompts(ctx, seen).catch(() => undefined);
        return ready();
    }, timeout, what, 500);
}

async function rowsOf(pane: Locator): Promise<string> {
    return (await pane.locator('.monaco-list-row').allInnerTexts().catch(() => [])).map((t) => t.replace(/\s+/g, ' ')).join(' | ');
}

/** The labels of the rendered rows right under the top-level folder `folder` (one level down, in order). */
async function childrenOf(pane: Locator, folder: string): Promise<string[]> {
    const rows = await pane.locator('.monaco-list-row').evaluateAll((els) => els.map((e) => ({
        index: Number(e.getAttribute('data-index')),
        level: Number(e.getAttribute('aria-level')),
        label: (e.querySelector('.label-name')?.textContent ?? '').trim(),
    })));
    rows.sort((a, b) => a.index - b.index);
    const at = rows.findIndex((r) => r.level === 1 && r.label === folder);
    const out: string[] = [];
    for (let i = at + 1; at >= 0 && i < rows.length && rows[i].level > 1; i++) if (rows[i].level === 2) out.push(rows[i].label);
    return out;
}

/** Expands an Explorer folder row (by its twistie), answering prompts until `child` shows under it. */
async function expandTo(ctx: FlowContext, pane: Locator, folder: string, child: string): Promise<void> {
    const { wb } = ctx;
    const row = await wb.findRow(pane, exact(folder));
    if ((await row.getAttribute('aria-expanded')) !== 'true') await row.locator('.monaco-tl-twistie').click();
    await until(ctx, () => wb.row(pane, exact(child)).isVisible(), 60_000, async () => `${folder} shows no ${child}; rows: ${await rowsOf(pane)}; toasts: ${(await wb.toastTexts()).join(' / ')}`);
}

/** The active editor's text as rendered (Monaco draws spaces as no-break spaces). */
async function editorText(ctx: FlowContext): Promise<string> {
    const lines = ctx.page.locator('.part.editor .editor-group-container.active .monaco-editor .view-lines').first();
    return (await lines.innerText()).replace(/\u00a0/g, ' ');
}

interface BrowseCase {
    disk: string;
    /** Every volume folder the disk shows, as named in the Explorer. */
    volumes: string[];
    /** The volume folder to open, then the path of a text file in it. */
    volume: string;
    file: string[];
    /** Lines the editor must show (from the top of the file). */
    lines: string[];
}

/** Collapses or expands the Explorer's folders pane (collapsed, the disks view has the room: no row under its sticky headers). */
async function foldersPane(ctx: FlowContext, expanded: boolean): Promise<void> {
    await ctx.wb.openExplorer();
    const header = explorerPane(ctx).locator('.pane-header').first();
    if (!(await header.isVisible().catch(() => false))) return;
    if (((await header.getAttribute('aria-expanded')) === 'true') !== expanded) await header.click();
}

/**
 * Expands the disk's folder until its first volume shows. After the page reloaded, the extensions
 * start afresh: the Explorer may read the folder before the extension is ready (its first read then
 * fails), so the Explorer is refreshed until the read goes through.
 */
async function openDiskFolder(ctx: FlowContext, pane: Locator, disk: string, first: string, seen: string[]): Promise<void> {
    const { wb } = ctx;
    let refreshed = Date.now();
    await until(ctx, async () => {
        if (await wb.row(pane, exact(first)).isVisible()) return true;
        const row = wb.row(pane, exact(disk));
        if ((await row.getAttribute('aria-expanded')) === 'false') await row.locator('.monaco-tl-twistie').click();
        if (Date.now() - refreshed > 8_000 && !(await wb.quickInput().isVisible())) {
            refreshed = Date.now();
            // The palette lists it as "Refresh Explorer"; a palette left open would swallow the next keys.
            await wb.runCommand('Refresh Explorer').catch(() => wb.page.keyboard.press('Escape'));
        }
        return false;
    }, 75_000, async () => `${disk} shows no ${first}; rows: ${await rowsOf(pane)}; toasts: ${(await wb.toastTexts()).join(' / ')}`, seen);
}

/**
 * A grant an earlier flow left on the disk (this tier never revokes after a download) lives in the
 * extension host's memory, which the reload ends: the new host could not use it, and the service
 * grants no second SAS. It is revoked through ARM first, as another tool would.
 */
async function revokeLeftover(ctx: FlowContext, id: string): Promise<void> {
    if ((await ctx.control.diskState(id)) !== 'ActiveSAS') return;
    const auth = { Authorization: `Bearer ${ctx.sandbox.info.bearerToken}` };
    const started = await fetch(`${ctx.sandbox.info.armEndpoint}${id}/endGetAccess?api-version=2025-01-02`, { method: 'POST', headers: auth });
    const location = started.headers.get('location');
    check(started.status === 202 && location, `revoking the leftover grant answered ${started.status}`);
    await poll(async () => (await fetch(location, { headers: auth })).status === 200, 30_000, () => 'the revoke of the leftover grant never finished');
    check((await ctx.control.diskState(id)) !== 'ActiveSAS', 'the leftover grant is still active');
}

async function browseFlow(ctx: FlowContext, c: BrowseCase): Promise<void> {
    const { wb, page } = ctx;
    const seed = ctx.seed(c.disk);
    await revokeLeftover(ctx, seed.id);
    await foldersPane(ctx, false);
    const row = await revealDisk(ctx, seed);
    await wb.shot('1-disk');
    await wb.contextMenu(row, BROWSE_MENU);

    // The disk's folder in the Explorer; the page may reload on the way (a first folder added).
    const prompts: string[] = [];
    const pane = explorerPane(ctx);
    await until(ctx, async () => {
        if (!(await page.locator('.monaco-workbench .part.activitybar').isVisible().catch(() => false))) return false;
        await foldersPane(ctx, true);
        return wb.row(pane, exact(seed.name)).isVisible();
    }, 90_000, async () => `the Explorer never showed a folder ${seed.name}; rows: ${await rowsOf(pane)}; toasts: ${(await wb.toastTexts()).join(' / ')}`, prompts);
    await wb.widenSidebar(560);
    // Signed in still (or again, after a reload), then the disks view makes way for the Explorer's folders.
    await ensureSignedIn(ctx, await wb.disksView());
    await wb.collapsePane(VIEW_TITLE);
    await foldersPane(ctx, true);
    // Folders of disks browsed before hold names this one has too (var, log): only this disk stays open.
    await wb.runCommand('Collapse Folders in Explorer').catch(() => page.keyboard.press('Escape'));

    await openDiskFolder(ctx, pane, seed.name, c.volumes[0], prompts);
    for (const v of c.volumes) check(await wb.row(pane, exact(v)).isVisible(), `${seed.name} lacks the folder "${v}"; rows: ${await rowsOf(pane)}`);
    const under = await childrenOf(pane, seed.name);
    check(JSON.stringify([...under].sort()) === JSON.stringify([...c.volumes].sort()), `${seed.name} shows the folders [${under.join(', ')}], expected [${c.volumes.join(', ')}]`);
    await wb.shot('2-volumes');

    const chain = [c.volume, ...c.file];
    for (let i = 0; i + 1 < chain.length; i++) await expandTo(ctx, pane, chain[i], chain[i + 1]);
    const name = chain[chain.length - 1];
    await (await wb.findRow(pane, exact(name))).click();
    // The tab's name as shown: VS Code may render a file's extension apart from its base name.
    const tab = page.locator('.part.editor .tab.active .monaco-icon-label-container');
    const tabName = async () => (await tab.innerText().catch(() => '')).replace(/\s+/g, '');
    await until(ctx, async () => (await tabName()) === name.replace(/\s+/g, ''), 30_000, async () => `no editor for ${name}: tab "${await tabName()}"`);
    let text = '';
    await until(ctx, async () => {
        text = await editorText(ctx);
        return c.lines.every((l) => text.includes(l));
    }, 30_000, () => `the editor of ${name} shows "${text.slice(0, 300)}", not ${JSON.stringify(c.lines)}`);
    await wb.shot('3-file');
    if (prompts.length) console.log(`    grant prompts: ${prompts.join(' / ')}`);
}

const firstLines = (text: string, n: number) => text.split(/\r?\n/).slice(0, n);

export const browseCvmFlow: Flow = {
    name: 'browse-cvm',
    timeoutMs: RELOAD_TIMEOUT_MS,
    run: (ctx) => browseFlow(ctx, {
        disk: 'cvm-os',
        volumes: ['1 EFI System (FAT16, 8 MiB)', '2 Linux root (x86-64) (ext4, 23 MiB)'],
        volume: '2 Linux root (x86-64) (ext4, 23 MiB)',
        file: ['home', 'azureuser', 'notes.txt'],
        lines: firstLines(CVM_NOTES, 2),
    }),
};

export const browseWindowsFlow: Flow = {
    name: 'browse-windows',
    timeoutMs: RELOAD_TIMEOUT_MS,
    run: (ctx) => browseFlow(ctx, {
        disk: 'windows-os',
        volumes: ['1 EFI system partition (FAT32, 100 MiB)', '2 Microsoft reserved partition (reserved, 16 MiB)', '3 Basic data partition (NTFS, 139 MiB)'],
        volume: '3 Basic data partition (NTFS, 139 MiB)',
        file: ['Windows', 'System32', 'drivers', 'etc', 'hosts'],
        lines: firstLines(WINDOWS_HOSTS, 7).filter((l) => l),
    }),
};

export const browseRhelFlow: Flow = {
    name: 'browse-rhel',
    timeoutMs: RELOAD_TIMEOUT_MS,
    run: (ctx) => browseFlow(ctx, {
        disk: 'rhel-os',
        volumes: ['1 EFI System Partition (FAT16, 64 MiB)', '2 Linux filesystem (XFS, 300 MiB)', '3 BIOS boot (reserved, 1 MiB)', 'rootvg-rootlv (XFS, 300 MiB)'],
        // A logical volume's folder: its "/" is escaped, as no file name may hold one.
        volume: 'rootvg-rootlv (XFS, 300 MiB)',
        file: ['var', 'log', 'messages'],
        lines: firstLines(RHEL_MESSAGES, 3),
    }),
};
