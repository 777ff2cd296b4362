/**
 * The Getting Started walkthrough, opened only after the flows before it signed in, granted,
 * downloaded, revoked and copied from the tree: those steps are ticked (the walkthrough's buttons
 * were never clicked), the ones not done yet (browse, upload) are not.
 */
import { check, type Flow } from '../flow';
import { poll } from '../workbench';

const TITLE = 'Get started with Azure Managed Disks';
const DONE = ['Sign in to Azure', 'Find a disk', 'Grant access', 'Download the disk', 'Copy a disk', 'Revoke the access'];
const NOT_YET = ["Browse a disk's files", 'Upload an image'];

export const walkthroughFlow: Flow = {
    name: 'walkthrough',
    async run(ctx) {
        const { wb, page } = ctx;
        await wb.runCommand('Welcome: Open Walkthrough...');
        const input = page.locator('.quick-input-widget .quick-input-box input');
        await input.fill(TITLE);
        await wb.quickInput().locator('.monaco-list-row').filter({ hasText: TITLE }).first().waitFor({ timeout: 15_000 });
        await input.press('Enter');
        const step = (title: string) => page.locator('button.getting-started-step').filter({ hasText: title }).first();
        await step(DONE[0]).waitFor({ timeout: 30_000 });
        const checked = async (title: string) => (await step(title).getAttribute('aria-checked')) === 'true';
        await poll(async () => (await Promise.all(DONE.map(checked))).every(Boolean), 15_000, async () => {
            const states = await Promise.all([...DONE, ...NOT_YET].map(async (t) => `${t}: ${await checked(t)}`));
            return `steps done before the walkthrough was opened are not all ticked (${states.join(', ')})`;
        });
        for (const title of NOT_YET) check(!(await checked(title)), `"${title}" is ticked though nothing was browsed or uploaded yet`);
        await wb.shot('1-ticked');
    },
};
