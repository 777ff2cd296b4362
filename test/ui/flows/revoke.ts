/** Revoke from the tree: the node leaves ActiveSAS and shows the state it had before the grant. */
import { AssertionError, check, type Flow } from '../flow';
import { REVOKE_MENU } from './grant';
import { description, describesState, iconOf, revealDisk } from './nav';
import { poll } from '../workbench';

export const revokeFlow: Flow = {
    name: 'revoke',
    async run(ctx) {
        const { wb, page } = ctx;
        const seed = ctx.seed('cvm-os');
        const row = await revealDisk(ctx, seed);
        const before = await description(row);
        check(/ActiveSAS/.test(before), `${seed.name} does not show ActiveSAS before revoking: "${before}"`);
        check((await iconOf(row)) === 'unlock', `${seed.name} does not show the unlocked icon before revoking`);
        await wb.shot('1-before');
        check(/ActiveSAS/i.test(await ctx.control.diskState(seed.id)), `${seed.name} is not in ActiveSAS in the sandbox before revoking`);

        await wb.contextMenu(row, REVOKE_MENU);
        // Revoking may ask first (a modal dialog, depending on the build): answer it whenever it
        // shows, while waiting for the state to change, instead of guessing how long it takes to appear.
        const dialog = page.locator('.monaco-dialog-box');
        const confirm = dialog.getByRole('button', { name: /^Revoke/ });
        let after = '';
        await poll(async () => {
            if (await confirm.isVisible().catch(() => false)) {
                const asked = (await dialog.innerText()).replace(/\s+/g, ' ');
                check(asked.includes(seed.name), `the revoke question is about another disk than ${seed.name}: "${asked}"`);
                await wb.shot('2-confirm');
                await confirm.click();
            }
            return describesState(seed, (after = await description(row)));
        }, 60_000, () => `${seed.name}'s description "${after}" never returned to ${seed.diskState}`, 250, (e) => e instanceof AssertionError);
        check(!/active\s*SAS/i.test(after), `${seed.name} still shows ActiveSAS: "${after}"`);
        const icon = await iconOf(row);
        check(icon !== 'unlock' && icon !== 'loading~spin', `${seed.name} still shows the ${icon} icon after revoking`);
        await wb.shot('3-after');
        const inSandbox = await ctx.control.diskState(seed.id);
        check(inSandbox === seed.diskState, `the sandbox says ${seed.name} is ${inSandbox}, not ${seed.diskState}`);
    },
};
