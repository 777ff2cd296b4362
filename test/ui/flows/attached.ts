/** Granting access to a disk of a running VM fails with plain words, not a raw ARM error. */
import { check, type Flow } from '../flow';
import { GRANT_MENU } from './grant';
import { revealDisk } from './nav';
import { untilSettled } from '../workbench';

export const attachedFlow: Flow = {
    name: 'attached-error',
    async run(ctx) {
        const { wb, page } = ctx;
        const seed = ctx.seed('web-os-01');
        check(seed.attachedVm && seed.vmPowerState === 'running', 'web-os-01 is not seeded as attached to a running VM');
        const row = await revealDisk(ctx, seed);
        await wb.contextMenu(row, GRANT_MENU);
        // The extension may refuse before asking anything, or only after the service answers.
        const toast = wb.toast(new RegExp(seed.attachedVm));
        const deadline = Date.now() + 45_000;
        while (!(await toast.first().isVisible().catch(() => false))) {
            if (Date.now() > deadline) throw new Error(`no error naming ${seed.attachedVm} appeared; toasts: ${(await wb.toastTexts()).join(' / ')}`);
            if (await wb.quickInput().isVisible().catch(() => false)) {
                await wb.pick(/^(Read|1 hour)/, undefined, 5_000).catch(() => undefined);
            }
            await page.waitForTimeout(250);
        }
        const text = (await toast.first().innerText()).replace(/\s+/g, ' ');
        await untilSettled(toast.first()); // the toast has slid in
        await wb.shot('1-error');
        check(new RegExp(seed.name).test(text), `the error does not name the disk: "${text}"`);
        check(/attached/i.test(text) && /running/i.test(text), `the error does not say the disk is attached to a running VM: "${text}"`);
        check(/stop|deallocate/i.test(text), `the error does not say what to do: "${text}"`);
        check(!/[{}]|\b(4\d\d|5\d\d)\b|OperationNotAllowed|Conflict|statusCode/i.test(text), `the error shows raw service output: "${text}"`);
    },
};
