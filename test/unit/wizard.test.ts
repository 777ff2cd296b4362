import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { DiskInfo } from '../../src/shared/types';
import { GoBackError, UserCancelledError } from '../../src/shared/cancel';
import { type UserInput } from '../../src/platform/userInput';
import { formatLifetime } from '../../src/shared/format';
import { accessChoices, MAX_DURATION_SECONDS, parseDuration, shouldPrompt, stepsToPrompt, toRequest } from '../../src/features/grant/steps';
import { grantSteps, grantTitle, runGrantWizard, type GrantWizardContext } from '../../src/features/grant/wizard';
import { runWizard, type WizardStep } from '../../src/wizard/engine';

const disk: DiskInfo = { tenantId: 't', subscriptionId: 's', resourceGroup: 'rg', name: 'd1', kind: 'disk', id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/disks/d1', location: 'x', diskState: 'Unattached' };

test('durations: units, plain seconds, limits', () => {
    assert.deepEqual(parseDuration('90m'), { seconds: 5400 });
    assert.deepEqual(parseDuration('36h'), { seconds: 129600 });
    assert.deepEqual(parseDuration('2d'), { seconds: 172800 });
    assert.deepEqual(parseDuration('3600'), { seconds: 3600 });
    assert.deepEqual(parseDuration(' 1h 30m '), { seconds: 5400 });
    assert.deepEqual(parseDuration('1'), { seconds: 1 });
    assert.deepEqual(parseDuration('60d'), { seconds: MAX_DURATION_SECONDS });
    for (const bad of ['0', '-5', '-1h', '61d', '5184001', 'soon', '', '10 parsecs', 'h', '3h later']) {
        const r = parseDuration(bad);
        assert.ok('error' in r, `"${bad}" is rejected`);
    }
    const tooLong = parseDuration('61d');
    assert.ok('error' in tooLong && /60 days/.test(tooLong.error));
    const zero = parseDuration('0');
    assert.ok('error' in zero && /at least 1 second/.test(zero.error));
});

test('which steps apply', () => {
    // Read is the only access an ordinary disk allows: no question for it.
    assert.deepEqual(stepsToPrompt({ disk }), ['duration']);
    assert.deepEqual(stepsToPrompt({ disk: { ...disk, diskState: 'ReadyToUpload' } }), ['access', 'duration']);
    assert.deepEqual(stepsToPrompt({ disk: { ...disk, securityType: 'TrustedLaunch' } }), ['duration', 'guestState']);
    assert.deepEqual(stepsToPrompt({ disk: { ...disk, kind: 'snapshot' } }), ['duration', 'format']);
    assert.deepEqual(stepsToPrompt({ disk: { ...disk, kind: 'snapshot', securityType: 'ConfidentialVM_X' }, access: 'Read', durationInSeconds: 60 }), ['guestState', 'format']);
    assert.deepEqual(toRequest({ disk, access: 'Read', durationInSeconds: 60, fileFormat: 'VHDX', getSecureVMGuestStateSAS: true }), { access: 'Read', durationInSeconds: 60 });
    assert.deepEqual(toRequest({ disk: { ...disk, kind: 'snapshot', securityType: 'TrustedLaunch' }, access: 'Read', durationInSeconds: 60, fileFormat: 'VHDX', getSecureVMGuestStateSAS: true }), { access: 'Read', durationInSeconds: 60, fileFormat: 'VHDX', getSecureVMGuestStateSAS: true });
});

test('durations: the words of each refusal, decimals, spaces before a unit', () => {
    const help = 'Enter a duration such as 90m, 36h or 2d, or a number of seconds (1 second to 60 days).';
    assert.deepEqual(parseDuration(''), { error: help });
    assert.deepEqual(parseDuration('   '), { error: help });
    assert.deepEqual(parseDuration('-5'), { error: `The duration must be positive. ${help}` });
    assert.deepEqual(parseDuration('0'), { error: `The duration must be at least 1 second. ${help}` });
    assert.deepEqual(parseDuration('0.2s'), { error: `The duration must be at least 1 second. ${help}` });
    // A minus sign after a unit, or a number with no unit after one, is not a duration at all.
    assert.deepEqual(parseDuration('1h-2m'), { error: `"1h-2m" is not a duration. ${help}` });
    assert.deepEqual(parseDuration('1h30'), { error: `"1h30" is not a duration. ${help}` });
    assert.deepEqual(parseDuration('  Soon  '), { error: `"Soon" is not a duration. ${help}` });
    assert.deepEqual(parseDuration(' 61d '), { error: 'Azure allows at most 60 days (5,184,000 seconds); "61d" is longer.' });
    assert.deepEqual(parseDuration('1.25h'), { seconds: 4500 });
    assert.deepEqual(parseDuration('1.5 d'), { seconds: 129600 });
    assert.deepEqual(parseDuration('90 m'), { seconds: 5400 });
    assert.deepEqual(parseDuration('2 days 3hr 4min 5sec'), { seconds: 2 * 86400 + 3 * 3600 + 4 * 60 + 5 });
    assert.deepEqual(parseDuration('1w 1day'), { seconds: 8 * 86400 });
    assert.deepEqual(parseDuration('1.0004s'), { seconds: 1 });
    assert.deepEqual(parseDuration('5184000'), { seconds: 5_184_000 });
});

test('durations in words, as labels and the log show them', () => {
    assert.equal(formatLifetime(1), '1 second');
    assert.equal(formatLifetime(90), '90 seconds');
    assert.equal(formatLifetime(60), '1 minute');
    assert.equal(formatLifetime(5400), '90 minutes');
    assert.equal(formatLifetime(3600), '1 hour');
    assert.equal(formatLifetime(8 * 3600), '8 hours');
    assert.equal(formatLifetime(86400), '1 day');
    assert.equal(formatLifetime(MAX_DURATION_SECONDS), '60 days');
});

test('access choices and what a preset answers', () => {
    const upload: DiskInfo = { ...disk, diskState: 'ReadyToUpload' };
    assert.deepEqual(accessChoices(upload), ['Write', 'Read']);
    assert.deepEqual(accessChoices(disk), ['Read']);
    assert.equal(shouldPrompt('access', { disk: upload, access: 'Write' }), false, 'a preset access is not asked again');
    assert.equal(shouldPrompt('access', { disk: upload }), true);
    const cvm: DiskInfo = { ...disk, securityType: 'ConfidentialVM_DiskEncryptedWithCustomerKey' };
    assert.equal(shouldPrompt('guestState', { disk: cvm, getSecureVMGuestStateSAS: false }), false, 'a preset answer about guest state is not asked again');
    assert.equal(shouldPrompt('guestState', { disk: cvm }), true);
    assert.equal(shouldPrompt('duration', { disk, durationInSeconds: 60 }), false);
    assert.equal(shouldPrompt('format', { disk: { ...disk, kind: 'snapshot' }, fileFormat: 'VHDX' }), false);
    // What the request defaults to: an hour of Read, and VHD for a snapshot.
    assert.deepEqual(toRequest({ disk }), { access: 'Read', durationInSeconds: 3600 });
    assert.deepEqual(toRequest({ disk: { ...disk, kind: 'snapshot' } }), { access: 'Read', durationInSeconds: 3600, fileFormat: 'VHD' });
    assert.deepEqual(toRequest({ disk: cvm, getSecureVMGuestStateSAS: false }), { access: 'Read', durationInSeconds: 3600 });
});

type Answer = string | 'BACK' | 'FOREIGN_BACK' | 'ESC' | { input: string };
interface Seen { kind: 'pick' | 'input'; text: string; title?: string; step?: number; totalSteps?: number; labels?: string[] }

function scripted(answers: Answer[]): { ui: UserInput; seen: Seen[]; rejected: string[] } {
    const seen: Seen[] = [];
    const rejected: string[] = [];
    const take = () => {
        const a = answers.shift();
        if (a === undefined) throw new Error('unscripted prompt');
        if (a === 'BACK') throw new GoBackError();
        // Another bundle's GoBackError: same name, different class.
        if (a === 'FOREIGN_BACK') throw Object.assign(new Error('Back'), { name: 'GoBackError' });
        if (a === 'ESC') throw new UserCancelledError();
        return a;
    };
    const ui = {
        async showQuickPick(items: readonly { label: string }[] | Promise<readonly { label: string }[]>, o: { title?: string; placeHolder?: string; step?: number; totalSteps?: number }) {
            const list = await items;
            seen.push({ kind: 'pick', text: o.placeHolder ?? '', title: o.title, step: o.step, totalSteps: o.totalSteps, labels: list.map((i) => i.label) });
            const a = take();
            const hit = list.find((i) => typeof a === 'string' && i.label.startsWith(a));
            if (!hit) throw new Error(`no item ${String(a)}`);
            return hit;
        },
        async showInputBox(o: { prompt?: string; step?: number; validateInput?: (v: string) => unknown }) {
            seen.push({ kind: 'input', text: o.prompt ?? '', step: o.step });
            for (;;) {
                const a = take();
                if (typeof a !== 'object') throw new Error('expected input');
                const msg = await o.validateInput?.(a.input);
                if (!msg) return a.input;
                rejected.push(String(msg));
            }
        },
    } as unknown as UserInput;
    return { ui, seen, rejected };
}

test('a confidential disk: duration and guest state with Step x of y; the title asks for read access and says nothing of Write, which never applies', async () => {
    const s = scripted(['8 hours', 'Yes']);
    const ctx = await runGrantWizard({ disk: { ...disk, securityType: 'ConfidentialVM_X' } }, s.ui);
    assert.deepEqual(toRequest(ctx), { access: 'Read', durationInSeconds: 28800, getSecureVMGuestStateSAS: true });
    assert.deepEqual(s.seen.map((x) => [x.step, x.totalSteps]), [[1, 2], [2, 2]]);
    assert.match(s.seen[1].text, /guest state/i);
    assert.equal(s.seen[0].title, 'Grant read access to d1');
});

test('the title says why Write is not asked only for an ordinary disk, not for a snapshot or a restore point', () => {
    assert.match(grantTitle(disk), /read access to d1 \(write access is only for a disk created for upload\)/i);
    assert.equal(grantTitle({ ...disk, kind: 'snapshot' }), 'Grant read access to d1');
    assert.equal(grantTitle({ ...disk, kind: 'diskRestorePoint' }), 'Grant read access to d1');
    assert.equal(grantTitle({ ...disk, diskState: 'ReadyToUpload' }), 'Grant access to d1');
});

test('two wizards as one: picker steps then grant steps, one count, Back from the grant to the disk', async () => {
    type Ctx = GrantWizardContext & { group?: string };
    const pick: WizardStep<Ctx>[] = [
        { id: 'group', shouldPrompt: (c) => !c.group, prompt: async (c, ui, pos) => { c.group = (await ui.showQuickPick([{ label: 'rg' }], { ...pos, placeHolder: 'group' })).label; }, clear: (c) => (c.group = undefined) },
        { id: 'disk', shouldPrompt: (c) => !c.disk, prompt: async (c, ui, pos) => { const l = (await ui.showQuickPick([{ label: 'd1' }, { label: 'tl' }], { ...pos, placeHolder: 'disk' })).label; c.disk = l === 'd1' ? disk : { ...disk, name: 'tl', securityType: 'TrustedLaunch' }; }, clear: (c) => (c.disk = undefined) },
    ];
    const s = scripted(['rg', 'd1', 'BACK', 'tl', 'BACK', 'd1', '1 hour']);
    const ctx = await runWizard<Ctx>({}, [...pick, ...grantSteps<Ctx>()], s.ui, (c) => (c.disk ? grantTitle(c.disk) : 'Pick'));
    assert.equal(ctx.disk?.name, 'd1');
    assert.equal(ctx.durationInSeconds, 3600);
    // Before the disk is known the duration counts; a trusted-launch disk adds its guest-state question.
    assert.deepEqual(s.seen.map((x) => `${x.text}:${x.step}/${x.totalSteps}`), ['group:1/3', 'disk:2/3', 'How long should the access last? (the SAS expires after this):3/3', 'disk:2/3', 'How long should the access last? (the SAS expires after this):3/4', 'disk:2/3', 'How long should the access last? (the SAS expires after this):3/3']);
});

test('Write is offered only for a disk ready for upload', async () => {
    const s = scripted(['Write', '1 hour']);
    const ctx = await runGrantWizard({ disk: { ...disk, diskState: 'ReadyToUpload' } }, s.ui);
    assert.equal(ctx.access, 'Write');
    assert.deepEqual(s.seen[0].labels, ['Write', 'Read']);
});

test('Back returns to the previous question and asks it again', async () => {
    const s = scripted(['1 hour', 'BACK', '24 hours', 'VHDX']);
    const ctx = await runGrantWizard({ disk: { ...disk, kind: 'snapshot' } }, s.ui);
    assert.equal(ctx.durationInSeconds, 86400);
    assert.equal(ctx.fileFormat, 'VHDX');
    assert.deepEqual(s.seen.map((x) => x.step), [1, 2, 1, 2]);
});

test('a Back from another bundle\'s UserInput is recognised by name', async () => {
    const s = scripted(['Write', 'FOREIGN_BACK', 'Read', '7 days']);
    const ctx = await runGrantWizard({ disk: { ...disk, diskState: 'ReadyToUpload' } }, s.ui);
    assert.equal(ctx.durationInSeconds, 7 * 86400);
    assert.deepEqual(s.seen.map((x) => x.step), [1, 2, 1, 2]);
});

test('custom duration: invalid values are rejected with a message, Back from the box returns to the list', async () => {
    const s = scripted(['Custom', 'BACK', 'Custom', { input: '0' }, { input: '61d' }, { input: 'abc' }, { input: '90m' }]);
    const ctx = await runGrantWizard({ disk }, s.ui);
    assert.equal(ctx.durationInSeconds, 5400);
    assert.equal(s.rejected.length, 3);
    assert.ok(s.rejected.some((m) => /60 days/.test(m)));
});

test('Escape cancels; presets skip their questions', async () => {
    await assert.rejects(runGrantWizard({ disk }, scripted(['ESC']).ui), UserCancelledError);
    const s = scripted([]);
    const ctx = await runGrantWizard({ disk: { ...disk, kind: 'snapshot' }, access: 'Read', durationInSeconds: 100, fileFormat: 'VHD' }, s.ui);
    assert.equal(s.seen.length, 0);
    assert.equal(ctx.durationInSeconds, 100);
});
