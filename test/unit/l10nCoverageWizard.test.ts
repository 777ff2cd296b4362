/**
 * The Grant Access wizard under a pseudo-translation of the committed bundle: every title, label,
 * description, placeholder, prompt and refusal it shows comes out marked, so none is missing from
 * l10n/bundle.l10n.json (a label kept in a variable, or a string the extractor cannot see, is not).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as l10n from '@vscode/l10n';
import type { DiskInfo } from '../../src/shared/types';
import type { UserInput } from '../../src/platform/userInput';
import { runGrantWizard } from '../../src/features/grant/wizard';
import type { GrantContext } from '../../src/features/grant/steps';
import { pseudoBundle, unmarked, unmarkedTexts } from './l10nCoverageKit';

l10n.config({ contents: pseudoBundle() });

const disk: DiskInfo = { tenantId: 't', subscriptionId: 's', resourceGroup: 'rg', name: 'data-disk-01', kind: 'disk', id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/disks/data-disk-01', location: 'x', diskState: 'Unattached' };

/** Not words: the file formats' names, and the custom box's example input (the parser reads English units only). */
const DATA = ['data-disk-01', 'VHDX', 'VHD', '36h'];

interface Item { label: string; description?: string; detail?: string; value?: unknown }
type Answer = number | { input: string[] };

/** Answers from a script (an item's index, -1 the last, or the inputs to type in turn) and records every text it is shown. */
function recording(script: Answer[]): { ui: UserInput; shown: string[] } {
    const shown: string[] = [];
    const note = (...texts: (string | undefined)[]) => shown.push(...texts.filter((t): t is string => !!t));
    const ui = {
        async showQuickPick(items: readonly Item[] | Promise<readonly Item[]>, o: { title?: string; placeHolder?: string }) {
            const list = await items;
            note(o.title, o.placeHolder, ...list.flatMap((i) => [i.label, i.description, i.detail]));
            const a = script.shift();
            if (typeof a !== 'number') throw new Error(`unscripted pick: ${o.placeHolder}`);
            return list.at(a);
        },
        async showInputBox(o: { title?: string; prompt?: string; placeHolder?: string; validateInput?: (v: string) => unknown }) {
            note(o.title, o.prompt, o.placeHolder);
            const a = script.shift();
            if (typeof a !== 'object') throw new Error(`unscripted input: ${o.prompt}`);
            for (const v of a.input) {
                const refusal = await o.validateInput?.(v);
                if (!refusal) return v;
                note(String(refusal));
            }
            throw new Error('every input was refused');
        },
    } as unknown as UserInput;
    return { ui, shown };
}

async function shownBy(ctx: GrantContext, script: Answer[]): Promise<string[]> {
    const r = recording(script);
    await runGrantWizard(ctx, r.ui);
    assert.deepEqual(script, [], 'the wizard asked every scripted question');
    return r.shown;
}

test('every text of the grant wizard comes from the bundle', async () => {
    const CUSTOM = -1;
    const shown = [
        // A disk for upload with a security profile: access, a custom duration refused each way, guest state.
        ...(await shownBy({ disk: { ...disk, diskState: 'ReadyToUpload', securityType: 'TrustedLaunch' } }, [0, CUSTOM, { input: ['', '-5', 'soon', '0', '61d', '90m'] }, 0])),
        // A snapshot and a disk restore point: the read-only title and each format question.
        ...(await shownBy({ disk: { ...disk, kind: 'snapshot' } }, [1, 1])),
        ...(await shownBy({ disk: { ...disk, kind: 'diskRestorePoint' } }, [2, 0])),
    ];
    // The walk reached what it is meant to check: the duration labels and a refusal, marked.
    for (const text of ['⟦1 hour⟧', '⟦7 days⟧', '⟦Access level⟧', '⟦File format of the disk restore point⟧', '⟦Grant access to data-disk-01⟧']) assert.ok(shown.includes(text), text);
    assert.ok(shown.some((t) => t.startsWith('⟦The duration must be positive. ⟦Enter a duration')), 'a refusal, marked inside and out');
    assert.deepEqual(unmarkedTexts(shown, DATA), []);
});

test('the check sees a text that skipped the bundle', () => {
    assert.equal(unmarked('⟦Grant access to {0}⟧'), undefined);
    assert.equal(unmarked('⟦Downloading: ⟦50.0 MiB of 100 MiB⟧ · 23.8 MiB/s · ⟦2s left⟧⟧'), undefined);
    assert.equal(unmarked('12.5 GiB · 3d 4h · 90m'), undefined, 'numbers and units are not words');
    assert.equal(unmarked('Forever'), 'Forever');
    assert.equal(unmarked('⟦Duration:⟧ forever'), '⟦Duration:⟧ forever', 'half marked is not marked');
    assert.equal(unmarked('VHDX', ['VHDX']), undefined);
});
